"""Acceptable Behaviour Contracts (document, review clock) and every letter's support section."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.conftest import SteppingClock
from tests.factories import person

from fieldkit.documents.inputs import LETTER_KINDS, LetterInput
from fieldkit.documents.letters import render_letter
from fieldkit.documents.templates import (
    LetterTemplate,
    TemplateError,
    TemplateLibrary,
    bundled_templates_dir,
    load_template_file,
)
from fieldkit.domain.records import ValidationError
from fieldkit.domain.vocabulary import DocumentKind
from fieldkit.domain.vulnerability import VulnerabilityCheck
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.warnings import WarningRequest
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store.vault import Vault

ABC = "acceptable_behaviour_contract"
EVENING = datetime(2026, 11, 26, 21, 30, tzinfo=UTC)
REVIEW_WORDS = "Review the Acceptable Behaviour Contract by this date"


@pytest.fixture
def workspace(vault: Vault) -> Workspace:
    return open_workspace(vault, documents=DocumentService(vault))


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _request(person_id: str, scheme_id: str, **overrides: object) -> WarningRequest:
    fields: dict[str, object] = {
        "person_id": person_id,
        "scheme_id": scheme_id,
        "behaviour": "Kicking a football against the flats' windows late at night",
        "conditions": ("play ball games in the car park after 21:00", "swear at residents"),
        "district": "huddersfield",
        "place_label": "Oakes Court, Huddersfield",
        "occurred_at": EVENING,
    }
    fields.update(overrides)
    return WarningRequest(**fields)  # type: ignore[arg-type]


def _support_section(text: str, title: str, following: str) -> str:
    """What a letter prints between its support section's title and the next section's."""
    after = text.split(title, 1)[1]
    return after.split(following, 1)[0] if following else after


def test_an_abc_makes_a_contract_with_term_review_support_and_both_signatures(
    workspace: Workspace,
) -> None:
    workspace.records.create(
        record_type="service",
        fields={"name": "Oakes Youth Club", "categories": ["youth"], "phone": "01632 960555"},
    )
    kai = workspace.records.create(record_type="person", fields=person(given_name="Kai"))
    issued = workspace.warnings.issue(_request(kai.id, ABC))
    assert issued.level_name == "Acceptable Behaviour Contract (ABC)"
    assert [d.kind for d in issued.documents] == ["abc_contract"]
    stored = workspace.records.view(record_type="warning", record_id=issued.warning_id).fields
    assert (stored["period_ends"], stored["review_due"]) == ("2027-05-27", "2027-02-27")
    text = _text(issued.documents[0].pdf)
    assert "ACCEPTABLE BEHAVIOUR CONTRACT" in text
    assert "play ball games in the car park after 21:00" in text
    assert "27 November 2026 and ends on 27 May 2027" in text
    assert "by 27 February 2027" in text
    assert "Oakes Youth Club" in text
    assert "Signed by the person" in text
    assert "Signed for the council" in text
    assert "Oakes Court, Huddersfield" in text


def test_an_abc_review_clock_is_on_today_until_the_review_is_recorded(
    workspace: Workspace, clock: SteppingClock
) -> None:
    kai = workspace.records.create(record_type="person", fields=person(given_name="Kai"))
    issued = workspace.warnings.issue(_request(kai.id, ABC))
    soon = [c.what for c in workspace.today.summary(unsynced=0).legal_clocks]
    assert REVIEW_WORDS not in soon  # three months away: beyond Today's horizon
    clock.current = datetime(2027, 2, 20, 9, 0, tzinfo=UTC)
    clocks = workspace.today.summary(unsynced=0).legal_clocks
    assert [(c.what, c.subject, c.when.date().isoformat()) for c in clocks] == [
        (REVIEW_WORDS, "Kai O'Brien", "2027-02-27")
    ]
    clock.current = datetime(2027, 3, 5, 9, 0, tzinfo=UTC)  # overdue: it stays
    assert [c.what for c in workspace.today.summary(unsynced=0).legal_clocks] == [REVIEW_WORDS]
    workspace.warnings.record_review(warning_id=issued.warning_id)
    assert workspace.today.summary(unsynced=0).legal_clocks == ()
    with pytest.raises(ValidationError) as twice:
        workspace.warnings.record_review(warning_id=issued.warning_id)
    assert [e.field for e in twice.value.errors] == ["reviewed_at"]


def test_an_abc_review_is_recorded_on_the_day_it_took_place_with_its_note(
    workspace: Workspace, clock: SteppingClock
) -> None:
    kai = workspace.records.create(record_type="person", fields=person(given_name="Kai"))
    issued = workspace.warnings.issue(_request(kai.id, ABC))
    clock.current = datetime(2027, 3, 5, 9, 0, tzinfo=UTC)
    with pytest.raises(ValidationError) as ahead:
        workspace.warnings.record_review(
            warning_id=issued.warning_id, reviewed_on=date(2027, 3, 6), note="met at the hub"
        )
    assert [e.field for e in ahead.value.errors] == ["reviewed_at"]
    assert [c.what for c in workspace.today.summary(unsynced=0).legal_clocks] == [REVIEW_WORDS]
    workspace.warnings.record_review(
        warning_id=issued.warning_id, reviewed_on=date(2027, 3, 1), note="kept to the terms"
    )
    stored = workspace.records.view(record_type="warning", record_id=issued.warning_id).fields
    assert str(stored["reviewed_at"]).startswith("2027-03-01T12:00")
    assert workspace.today.summary(unsynced=0).legal_clocks == ()
    history = workspace.corrections.history(record_type="warning", record_id=issued.warning_id)
    assert "kept to the terms" in [v.reason for v in history]


def test_a_yellow_has_no_review_to_record(workspace: Workspace) -> None:
    kai = workspace.records.create(record_type="person", fields=person(given_name="Kai"))
    yellow = workspace.warnings.issue(_request(kai.id, "street_drinking_vagrancy"))
    with pytest.raises(ValidationError) as none:
        workspace.warnings.record_review(warning_id=yellow.warning_id)
    assert [e.field for e in none.value.errors] == ["review_due"]


def _shipped_abc() -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (bundled_templates_dir() / "abc_contract.en.v1.json").read_text(encoding="utf-8")
    )
    return data


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("behaviours", "the behaviours agreed"),
        ("support", "the support offered"),
        ("term", "the term"),
        ("review", "the review date"),
    ],
)
def test_an_abc_template_missing_a_required_part_is_refused_at_load(
    tmp_path: Path, section: str, message: str
) -> None:
    data = _shipped_abc()
    data["sections"] = [s for s in data["sections"] if s["id"] != section]  # type: ignore[attr-defined]
    broken = tmp_path / "abc_contract.en.v2.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TemplateError, match=message):
        load_template_file(broken)
    with pytest.raises(TemplateError, match=message):
        TemplateLibrary.load([tmp_path])


@pytest.mark.parametrize("label", ["person_signature", "officer_signature"])
def test_an_abc_template_without_both_signature_spaces_is_refused_at_load(
    tmp_path: Path, label: str
) -> None:
    data = _shipped_abc()
    del data["labels"][label]  # type: ignore[attr-defined]
    broken = tmp_path / "abc_contract.en.v2.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TemplateError, match=label):
        load_template_file(broken)


def test_an_abc_term_without_its_review_date_is_refused_at_load(tmp_path: Path) -> None:
    data = _shipped_abc()
    for s in data["sections"]:  # type: ignore[attr-defined]
        if s["id"] == "review":
            s["text"] = "We will review it at some point."
    broken = tmp_path / "abc_contract.en.v2.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TemplateError, match=r"\{review_date\}"):
        load_template_file(broken)


def test_a_closure_notice_in_resources_is_checked_when_the_library_loads(tmp_path: Path) -> None:
    data = json.loads(
        (bundled_templates_dir() / "closure_notice.en.v1.json").read_text(encoding="utf-8")
    )
    data["version"] = 2
    data["sections"] = [s for s in data["sections"] if s["id"] != "offence"]
    (tmp_path / "closure_notice.en.v2.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TemplateError, match="offence"):
        TemplateLibrary.load([tmp_path])


def test_the_cpn_abc_and_closure_notice_templates_ship_in_resources() -> None:
    shipped = {p.name for p in bundled_templates_dir().glob("*.json")}
    assert {
        "cpn_notice.en.v1.json",
        "abc_contract.en.v1.json",
        "closure_notice.en.v1.json",
    } <= shipped
    library = TemplateLibrary.load()
    for kind in (DocumentKind.CPN_NOTICE, DocumentKind.ABC_CONTRACT):
        assert library.letter(kind, "en").kind is kind


# Never an empty support section ------------------------------------------------------------


def _letter(kind: DocumentKind, template: LetterTemplate) -> LetterInput:
    when = datetime(2026, 11, 26, 21, 30, tzinfo=UTC)
    return LetterInput(
        kind=kind,
        reference="FK-TEST0001",
        issued_at=when,
        person_name="Kai O'Brien",
        person_description=None,
        place_label="Oakes Court",
        occurred_at=when,
        behaviour="Kicking a ball at windows",
        conditions=("play ball games after 21:00",),
        scheme_name="Test scheme",
        next_step="a further step",
        next_step_power="a power",
        officer_name="Sam Whitaker",
        officer_number="PCSO 1234",
        support=(),
        deadline=when.date(),
        review_on=when.date(),
        appeal_days=21,
        language=template.language,
    )


@pytest.mark.parametrize("kind", sorted(LETTER_KINDS))
def test_every_letter_template_names_someone_to_ask_even_with_no_services(
    kind: DocumentKind,
) -> None:
    """With no signposting and an empty directory, the support list names the partnership."""
    library = TemplateLibrary.load()
    for language in sorted(library.languages()):
        try:
            template = library.letter(kind, language)
        except LookupError:
            continue
        support = [s for s in template.sections if s.list_name == "support"]
        assert support, f"{kind} ({language}) offers no support"
        following = template.sections[template.sections.index(support[0]) + 1 :]
        pdf = render_letter(_letter(kind, template), template).pdf
        section = _support_section(
            _text(pdf), support[0].title, following[0].title if following else ""
        )
        assert template.branding.contact in section, (kind, language)


@pytest.mark.parametrize(
    ("scheme", "steps"),
    [
        ("street_drinking_vagrancy", 1),  # Yellow
        ("street_drinking_vagrancy", 2),  # Red
        ("community_protection", 1),  # CPW
        ("community_protection", 2),  # CPN (its notice is made when served)
        (ABC, 1),
    ],
)
def test_every_letter_with_no_signposting_lists_the_districts_services_first_print_and_reprint(
    workspace: Workspace, scheme: str, steps: int
) -> None:
    workspace.records.create(
        record_type="service",
        fields={
            "name": "Huddersfield Wellbeing Hub",
            "categories": ["mental_health"],
            "phone": "01632 960111",
            "districts": ["huddersfield"],
        },
    )
    kai = workspace.records.create(record_type="person", fields=person(given_name="Kai"))
    considered = VulnerabilityCheck(True, frozenset())  # asked before a Red or a CPN
    for _ in range(steps):
        issued = workspace.warnings.issue(_request(kai.id, scheme, vulnerability=considered))
    texts = [_text(d.pdf) for d in issued.documents]
    reprint, _outcome = workspace.printouts.reprint_letter(
        issued.warning_id, printer=None, recipient="the person, at the office"
    )
    texts.append(_text(reprint.pdf))
    for text in texts:
        assert "Huddersfield Wellbeing Hub" in text

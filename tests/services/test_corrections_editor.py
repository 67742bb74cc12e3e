"""The record editor's service: what it shows (with the latest decision) and what it saves."""

from __future__ import annotations

import pytest
from tests.factories import person, visit

from fieldkit.domain.records import RecordType, ValidationError
from fieldkit.services.corrections import CorrectionService
from fieldkit.services.records import RecordService
from fieldkit.store.vault import Vault


def test_the_editor_shows_the_latest_decision_and_saves_only_what_was_changed(
    vault: Vault,
) -> None:
    records = RecordService(vault)
    made = records.create(record_type="visit", fields=visit(narrative="Moved on."))
    for decided_at, decision, comment in (
        ("2026-11-27T08:00:00+00:00", "approved", None),
        ("2026-11-28T08:00:00+00:00", "returned", "Say which stand."),
    ):
        records.create(
            record_type="review",
            fields={
                "subject_type": "visit",
                "subject_id": made.id,
                "decision": decision,
                "comment": comment,
                "decided_at": decided_at,
                "reviewer": "priya.supervisor",
                "officer": "amy.officer",
                "district": "huddersfield",
            },
        )
    service = CorrectionService(vault)
    form = service.open_for_edit(record_type="visit", record_id=made.id)
    assert form.returned
    assert form.decision.startswith("Returned by priya.supervisor on ")
    assert form.decision.endswith(": Say which stand.")
    texts = {f.name: f.text for f in form.fields}
    assert texts["narrative"] == "Moved on."
    texts["narrative"] = "Moved on from the fruit stand."
    service.save_form(form, texts=texts, reason="")
    first, second = service.history(record_type="visit", record_id=made.id)
    changed = {k for k in second.fields if second.fields[k] != first.fields[k]}
    assert changed == {"narrative"}


def test_correcting_a_person_in_the_editor_needs_a_reason(vault: Vault) -> None:
    made = RecordService(vault).create(record_type="person", fields=person())
    service = CorrectionService(vault)
    form = service.open_for_edit(record_type="person", record_id=made.id)
    assert form.reason_always_required
    texts = {f.name: f.text for f in form.fields} | {"family_name": "O'Brian"}
    with pytest.raises(ValidationError):
        service.save_form(form, texts=texts, reason=None)
    service.save_form(form, texts=texts, reason="surname misspelt")
    with vault.read() as conn:
        stored = vault.records(conn).require(RecordType.PERSON, made.id)
    assert stored.fields["family_name"] == "O'Brian"


def test_saving_an_editor_with_nothing_changed_says_so(vault: Vault) -> None:
    made = RecordService(vault).create(record_type="visit", fields=visit())
    service = CorrectionService(vault)
    form = service.open_for_edit(record_type="visit", record_id=made.id)
    with pytest.raises(ValidationError):
        service.save_form(form, texts={f.name: f.text for f in form.fields}, reason=None)


def _arrived_from(vault: Vault, author: str) -> str:
    """A person another officer recorded, as a sync leaves it in this vault."""
    from fieldkit.domain.records import new_id, validate_fields
    from fieldkit.store import replica

    fields = validate_fields("person", person())
    record_id = new_id()
    with vault.write() as conn:
        replica.apply_pulled(
            conn,
            [
                replica.PulledRecord(
                    "person",
                    record_id,
                    False,
                    fields,
                    dict.fromkeys(fields, "0001790000000000:0000:other"),
                    author,
                )
            ],
            at=vault.now().isoformat(timespec="milliseconds"),
        )
    return record_id


def test_an_officer_cannot_erase_a_record_another_officer_created(vault: Vault) -> None:
    record_id = _arrived_from(vault, "ben.patel")
    service = CorrectionService(vault)
    with pytest.raises(ValidationError) as caught:
        service.erase(record_type="person", record_id=record_id, reason="duplicate")
    assert [e.field for e in caught.value.errors] == ["record"]
    with pytest.raises(ValidationError):
        service.edit(record_type="person", record_id=record_id, changes={"flags": []}, reason="x")
    with vault.read() as conn:
        assert not vault.records(conn).require(RecordType.PERSON, record_id).deleted


def test_a_supervisor_may_erase_a_record_an_officer_created(vault: Vault) -> None:
    from fieldkit.store import replica

    record_id = _arrived_from(vault, "ben.patel")
    with vault.write() as conn:
        replica.put_state(conn, "user", {"id": "u1", "username": "amy", "role": "supervisor"})
    CorrectionService(vault).erase(record_type="person", record_id=record_id, reason="duplicate")
    with vault.read() as conn:
        assert vault.records(conn).get(RecordType.PERSON, record_id).deleted  # type: ignore[union-attr]


def test_the_editor_shows_choices_by_their_labels_and_stamped_fields_read_only(
    vault: Vault,
) -> None:
    made = RecordService(vault).create(
        record_type="visit", fields=visit(kind="patrol", categories=["asb_youth"])
    )
    form = CorrectionService(vault).open_for_edit(record_type="visit", record_id=made.id)
    by_name = {f.name: f for f in form.fields}
    assert dict(by_name["kind"].choices)["patrol"] == "Patrol"
    assert dict(by_name["categories"].choices)["asb_youth"] == "ASB (youth)"
    assert by_name["categories"].editor == "choices"
    assert dict(by_name["sensitivity"].choices)["standard"] == "Standard"
    assert dict(by_name["district"].choices)["huddersfield"] == "Huddersfield"
    for f in form.fields:
        for value, label in f.choices:
            assert label[:1].isupper(), (f.name, value)
            assert "_" not in label, (f.name, value)
    assert (by_name["occurred_at"].editor, by_name["occurred_at"].shown) == (
        "datetime",
        "10:15 on Friday 27 November 2026",
    )
    officer = by_name["officer_id"]
    assert (officer.read_only, officer.label, officer.shown) == (True, "Recorded by", "amy.officer")


def test_a_stamped_field_cannot_be_changed_by_the_editor_or_the_service(vault: Vault) -> None:
    made = RecordService(vault).create(record_type="visit", fields=visit())
    service = CorrectionService(vault)
    with pytest.raises(ValidationError) as stamped:
        service.edit(
            record_type="visit",
            record_id=made.id,
            changes={"officer_id": "someone.else"},
            reason="x",
        )
    assert [e.field for e in stamped.value.errors] == ["officer_id"]
    form = service.open_for_edit(record_type="visit", record_id=made.id)
    texts = {f.name: f.text for f in form.fields} | {"officer_id": "someone.else"}
    with pytest.raises(ValidationError):  # the read-only field is not sent: nothing changed
        service.save_form(form, texts=texts, reason="x")
    assert len(service.history(record_type="visit", record_id=made.id)) == 1


@pytest.mark.parametrize(
    ("kind", "regime"),
    [("patrol", "Law enforcement processing (DPA 2018 Part 3)"), ("tenancy_visit", "UK GDPR")],
)
def test_the_editor_shows_the_regime_the_record_is_processed_under(
    vault: Vault, kind: str, regime: str
) -> None:
    made = RecordService(vault).create(record_type="visit", fields=visit(kind=kind))
    form = CorrectionService(vault).open_for_edit(record_type="visit", record_id=made.id)
    assert form.regime == regime

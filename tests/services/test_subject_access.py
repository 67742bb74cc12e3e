"""Subject access export on a real vault: exactly what is held about one person, logged."""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.documents.pdf_reading import pdf_text
from tests.factories import PASSPHRASE, person, place, visit

from fieldkit.cli import main
from fieldkit.domain.records import RecordType, new_id
from fieldkit.services.documents_service import DocumentService, KeptDocument
from fieldkit.services.records import RecordService
from fieldkit.services.subject_access import REASON, SubjectAccessService
from fieldkit.store import document_files
from fieldkit.store.errors import RecordNotFoundError
from fieldkit.store.records import RecordRepository
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import Transaction, connection
from fieldkit.store.vault import Vault

SHA = "ab" * 32


def _warning(person_id: str, **overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "person_id": person_id,
        "scheme": "street_drinking",
        "level": "yellow",
        "issued_at": "2026-11-20T14:40:00+00:00",
        "district": "huddersfield",
        "behaviour": "Drinking in the bus station after being asked to stop.",
    }
    fields.update(overrides)
    return fields


def _case(tenant_ids: list[str], place_id: str, ref: str) -> dict[str, object]:
    return {
        "place_id": place_id,
        "tenant_ids": tenant_ids,
        "tenancy_ref": ref,
        "district": "huddersfield",
    }


def _note(case_id: str, body: str, written_at: str) -> dict[str, object]:
    return {
        "case_id": case_id,
        "written_at": written_at,
        "kind": "visit",
        "body": body,
        "district": "huddersfield",
    }


def plant(vault: Vault) -> dict[str, str]:
    """Zoë (the subject) and Kieran (unrelated), with records of their own and one shared."""
    with vault.write() as conn:
        repo = vault.records(conn)

        def add(record_type: str, fields: dict[str, object]) -> str:
            return repo.create(record_type, fields).id

        ids = {
            "zoe": add("person", person(flags=["dog on lead"])),
            "kieran": add("person", person(given_name="Kieran", family_name="Walsh")),
            "station": add("place", place()),
            "flat": add("place", place(label="Flat 3, Lowerhead Row", address="Flat 3")),
            "other_flat": add("place", place(label="Flat 9, Byram Street", address="Flat 9")),
        }
        ids["visit_shared"] = add(
            "visit",
            visit(
                occurred_at="2026-10-03T09:15:00+00:00",
                person_ids=[ids["zoe"], ids["kieran"]],
                place_id=ids["station"],
            ),
        )
        ids["visit_alone"] = add(
            "visit",
            visit(occurred_at="2026-11-20T14:30:00+00:00", person_ids=[ids["zoe"]]),
        )
        ids["visit_kieran"] = add(
            "visit",
            visit(occurred_at="2026-11-21T11:00:00+00:00", person_ids=[ids["kieran"]]),
        )
        ids["warning"] = add("warning", _warning(ids["zoe"]))
        ids["warning_kieran"] = add("warning", _warning(ids["kieran"]))
        ids["case"] = add("tenancy_case", _case([ids["zoe"]], ids["flat"], "KNH-0042"))
        ids["note"] = add(
            "tenancy_note",
            _note(ids["case"], "Tenant at home; agreed weekly support.", "2026-11-02T16:05:00Z"),
        )
        ids["case_kieran"] = add(
            "tenancy_case", _case([ids["kieran"]], ids["other_flat"], "KNH-0099")
        )
        ids["note_kieran"] = add(
            "tenancy_note",
            _note(ids["case_kieran"], "Kieran's neighbours complain.", "2026-11-03T09:00:00Z"),
        )
        ids["letter"] = add(
            "document",
            {
                "kind": "yellow_letter",
                "subject_type": "warning",
                "subject_id": ids["warning"],
                "template_id": "yellow_letter",
                "template_version": "3",
                "language": "en",
                "sha256": SHA,
                "printed_at": "2026-11-20T14:45:00+00:00",
                "served_how": "handed_over",
                "district": "huddersfield",
            },
        )
        ids["review"] = add(
            "review",
            {
                "subject_type": "visit",
                "subject_id": ids["visit_alone"],
                "decision": "returned",
                "comment": "Add the time you left.",
                "decided_at": "2026-11-21T09:00:00+00:00",
                "reviewer": "sam.supervisor",
                "officer": "amy.officer",
                "district": "huddersfield",
            },
        )
        ids["review_kieran"] = add(
            "review",
            {
                "subject_type": "visit",
                "subject_id": ids["visit_kieran"],
                "decision": "approved",
                "decided_at": "2026-11-21T09:05:00+00:00",
                "reviewer": "sam.supervisor",
                "officer": "amy.officer",
                "district": "huddersfield",
            },
        )
        # Zoë's flags changed: the vault keeps what they said before.
        repo.update(RecordType.PERSON, ids["zoe"], {"flags": ["dog on lead", "verbal abuse"]})
    RecordService(vault, actor="sam.supervisor").view(record_type="person", record_id=ids["zoe"])
    return ids


@pytest.fixture
def ids(vault: Vault) -> dict[str, str]:
    return plant(vault)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The folder the user picks (the vault sits beside it, in tmp_path)."""
    folder = tmp_path / "sar"
    folder.mkdir()
    return folder


@pytest.fixture
def service(vault: Vault) -> SubjectAccessService:
    return SubjectAccessService(vault, documents=DocumentService(vault))


def _exports(vault: Vault) -> list[tuple[str | None, str | None, str | None]]:
    with vault.read() as conn:
        rows = connection(conn).execute(
            select(AuditEntry.record_id, AuditEntry.reason, AuditEntry.recipient).where(
                AuditEntry.action == "export"
            )
        )
        return [(r[0], r[1], r[2]) for r in rows]


def _access_documents(vault: Vault) -> list[dict[str, Any]]:
    with vault.read() as conn:
        return [
            {"id": d.id, **d.fields}
            for d in vault.records(conn).iter_all(RecordType.DOCUMENT)
            if d.fields["kind"] == "subject_access"
        ]


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def test_the_json_lists_exactly_the_records_about_the_person(
    vault: Vault, ids: dict[str, str], service: SubjectAccessService, out: Path
) -> None:
    result = service.export(ids["zoe"], folder=out)
    body = _load(result.json_path)
    held = {(r["type"], r["id"]) for r in body["records"]}
    assert held == {
        ("person", ids["zoe"]),
        ("visit", ids["visit_shared"]),
        ("visit", ids["visit_alone"]),
        ("warning", ids["warning"]),
        ("tenancy_case", ids["case"]),
        ("tenancy_note", ids["note"]),
        ("document", ids["letter"]),
        ("review", ids["review"]),
    }
    assert body["records"][0]["id"] == ids["zoe"]
    assert body["person_id"] == ids["zoe"]
    assert {(r["type"], r["id"]) for r in body["referenced"]} == {
        ("place", ids["station"]),
        ("place", ids["flat"]),
    }
    text = result.json_path.read_text(encoding="utf-8")
    # Kieran's id is in the shared visit's person_ids, as held; nothing else of his is.
    for unrelated in (
        "visit_kieran",
        "warning_kieran",
        "case_kieran",
        "note_kieran",
        "review_kieran",
    ):
        assert ids[unrelated] not in text
    assert "Kieran" not in text
    assert "only what the partnership's server let its user, amy.officer, see" in body["scope"]


def test_each_record_carries_its_earlier_versions_and_who_saw_or_changed_it(
    vault: Vault, ids: dict[str, str], service: SubjectAccessService, out: Path
) -> None:
    result = service.export(ids["zoe"], folder=out)
    records = {r["id"]: r for r in _load(result.json_path)["records"]}
    zoe = records[ids["zoe"]]
    assert zoe["fields"]["flags"] == ["dog on lead", "verbal abuse"]
    assert [(v["change"], v["fields"]["flags"]) for v in zoe["history"]] == [
        ("edited", ["dog on lead"])
    ]
    assert [(e["actor"], e["action"]) for e in zoe["audit"]] == [
        ("amy.officer", "create"),
        ("amy.officer", "update"),
        ("sam.supervisor", "view"),
    ]
    assert [e["action"] for e in records[ids["note"]]["audit"]] == ["create"]
    assert records[ids["note"]]["history"] == []


def test_the_pdf_names_the_person_dates_every_record_and_states_the_users_rights(
    vault: Vault, ids: dict[str, str], service: SubjectAccessService, out: Path
) -> None:
    result = service.export(ids["zoe"], folder=out)
    text = pdf_text(result.pdf_path.read_bytes())
    assert "Subject access export" in text
    assert "Zoë O'Brien" in text
    for when in (
        "10:15 on Saturday 3 October 2026",  # the shared visit, in British Summer Time
        "14:30 on Friday 20 November 2026",  # the second visit
        "14:40 on Friday 20 November 2026",  # the warning
        "16:05 on Monday 2 November 2026",  # the tenancy note
        "14:45 on Friday 20 November 2026",  # the letter
    ):
        assert when in text
    assert "KNH-0042" in text
    assert "Huddersfield bus station" in text  # the visit's place, by name
    assert "Tenant at home; agreed weekly support." in text
    assert "dog on lead" in text
    assert "verbal abuse" in text
    assert "sam.supervisor" in text
    assert "Viewed" in text
    assert "only what the partnership's server let its user, amy.officer, see" in text
    assert "1 other person (not named here)" in text
    assert "Kieran" not in text
    assert "KNH-0099" not in text
    assert result.reference in text


def test_the_export_is_logged_once_per_record_disclosed_and_the_pdf_kept_as_a_document(
    vault: Vault, ids: dict[str, str], service: SubjectAccessService, out: Path
) -> None:
    assert _exports(vault) == []
    result = service.export(ids["zoe"], folder=out, recipient="Data protection officer")
    disclosed = [
        ids[k]
        for k in (
            "zoe",
            "visit_shared",
            "visit_alone",
            "warning",
            "case",
            "note",
            "letter",
            "review",
            "station",
            "flat",
        )
    ]
    exports = _exports(vault)
    assert sorted(e[0] or "" for e in exports) == sorted(disclosed)
    assert {(e[1], e[2]) for e in exports} == {(REASON, "Data protection officer")}
    assert (result.records, result.referenced) == (8, 2)
    (document,) = _access_documents(vault)
    assert document["id"] == result.document_id
    assert (document["subject_type"], document["subject_id"]) == ("person", ids["zoe"])
    assert document["served_how"] == "exported"
    pdf = result.pdf_path.read_bytes()
    with vault.read() as conn:
        assert document_files.load(conn, result.document_id) == pdf
    assert _load(result.json_path)["pdf_sha256"] == document["sha256"]


def test_only_the_two_files_are_left_with_neutral_names(
    vault: Vault, ids: dict[str, str], service: SubjectAccessService, out: Path
) -> None:
    result = service.export(ids["zoe"], folder=out)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"subject-access-{result.reference}.json", f"subject-access-{result.reference}.pdf"]
    )
    assert result.reference.startswith("SAR-")


def test_unlinked_records_are_still_disclosed_and_erased_ones_hold_nothing_to_disclose(
    vault: Vault, ids: dict[str, str], service: SubjectAccessService, out: Path
) -> None:
    with vault.write() as conn:
        repo = vault.records(conn)
        gone = repo.create("visit", visit(person_ids=[ids["zoe"]])).id
        repo.delete(RecordType.VISIT, gone)
        moved = repo.create("visit", visit(person_ids=[ids["zoe"]])).id
        repo.update(RecordType.VISIT, moved, {"person_ids": [ids["kieran"]]})
    result = service.export(ids["zoe"], folder=out)
    records = {r["id"]: r for r in _load(result.json_path)["records"]}
    # Erased: nothing about the person is held any more (its earlier versions went with it).
    assert gone not in records
    assert records[moved]["why"] == "an earlier version named the person"
    assert records[moved]["history"][0]["fields"]["person_ids"] == [ids["zoe"]]
    assert ids["visit_kieran"] not in records


class _FailingKeep(DocumentService):
    """Fails while recording the document: after both files are written, before any log."""

    def keep(
        self,
        conn: Transaction,
        repo: RecordRepository,
        *args: Any,
        **kwargs: Any,
    ) -> KeptDocument:
        raise OSError("disk full")


def test_a_failure_before_the_log_leaves_no_files_no_log_and_no_document(
    vault: Vault, ids: dict[str, str], out: Path
) -> None:
    service = SubjectAccessService(vault, documents=_FailingKeep(vault))
    with pytest.raises(OSError, match="disk full"):
        service.export(ids["zoe"], folder=out)
    assert list(out.iterdir()) == []
    assert _exports(vault) == []
    assert _access_documents(vault) == []


def _failing_for(suffix: str) -> Callable[[Path, Path], None]:
    import os

    def replace(source: Path, target: Path) -> None:
        if target.suffix == suffix:
            raise OSError("device removed")
        os.replace(source, target)

    return replace


def test_a_failure_renaming_the_second_file_removes_the_first(
    vault: Vault, ids: dict[str, str], out: Path
) -> None:
    service = SubjectAccessService(
        vault, documents=DocumentService(vault), replace_file=_failing_for(".pdf")
    )
    with pytest.raises(OSError, match="device removed"):
        service.export(ids["zoe"], folder=out)
    assert list(out.iterdir()) == []
    # Logged before the rename: a failed rename over-reports the disclosure, never under.
    assert len(_exports(vault)) == 10


def test_an_unknown_person_or_a_missing_folder_writes_and_logs_nothing(
    vault: Vault, ids: dict[str, str], service: SubjectAccessService, out: Path
) -> None:
    with pytest.raises(RecordNotFoundError):
        service.export(new_id(), folder=out)
    with pytest.raises(RecordNotFoundError):
        service.export("not-an-id", folder=out)
    with pytest.raises(NotADirectoryError):
        service.export(ids["zoe"], folder=out / "absent")
    assert list(out.iterdir()) == []
    assert _exports(vault) == []


def test_errors_name_no_one(vault: Vault, ids: dict[str, str], out: Path) -> None:
    service = SubjectAccessService(vault, documents=_FailingKeep(vault))
    with pytest.raises(RecordNotFoundError) as missing:
        service.export(new_id(), folder=out)
    assert str(missing.value) == "That person is not in this vault."
    with pytest.raises(NotADirectoryError) as absent:
        service.export(ids["zoe"], folder=out / "Zoë O'Brien")
    assert "Zoë" not in str(absent.value)


def test_the_command_writes_both_files_and_logs_the_export(
    make_vault: Callable[..., Vault], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = make_vault("cli-vault")
    ids = plant(vault)
    vault.lock()
    out = tmp_path / "out"
    out.mkdir()
    stdout = io.StringIO()
    code = main(
        [
            "subject-access",
            ids["zoe"],
            "--vault",
            str(tmp_path / "cli-vault"),
            "--passphrase-stdin",
            "--out",
            str(out),
        ],
        stdin=io.StringIO(PASSPHRASE + "\n"),
        stdout=stdout,
    )
    assert code == 0, capsys.readouterr().err
    (json_file,) = out.glob("*.json")
    (pdf_file,) = out.glob("*.pdf")
    assert len(_load(json_file)["records"]) == 8
    assert "Zoë O'Brien" in pdf_text(pdf_file.read_bytes())
    assert "8 records about the person" in stdout.getvalue()
    assert "Zoë" not in stdout.getvalue()
    vault = Vault.unlock(tmp_path / "cli-vault", passphrase=PASSPHRASE)
    try:
        assert len(_exports(vault)) == 10
    finally:
        vault.lock()


def test_the_command_refuses_an_unknown_person_with_a_sentence(
    make_vault: Callable[..., Vault], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_vault("cli-vault").lock()
    code = main(
        [
            "subject-access",
            new_id(),
            "--vault",
            str(tmp_path / "cli-vault"),
            "--passphrase-stdin",
            "--out",
            str(tmp_path),
        ],
        stdin=io.StringIO(PASSPHRASE + "\n"),
        stdout=io.StringIO(),
    )
    assert code == 1
    assert "That person is not in this vault." in capsys.readouterr().err


def test_both_files_are_owner_only_and_a_completion_counts_the_records(
    vault: Vault, ids: dict[str, str], service: SubjectAccessService, out: Path
) -> None:
    previous = os.umask(0o022)
    try:
        result = service.export(ids["zoe"], folder=out, recipient="Data protection officer")
    finally:
        os.umask(previous)
    for path in (result.json_path, result.pdf_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with vault.read() as conn:
        completed = (
            connection(conn)
            .execute(
                select(AuditEntry.reason, AuditEntry.recipient).where(
                    AuditEntry.action == "complete"
                )
            )
            .all()
        )
    assert [tuple(c) for c in completed] == [(f"{REASON}: 10 records", "Data protection officer")]


def test_a_failed_rename_completes_the_logged_export_with_no_records(
    vault: Vault, ids: dict[str, str], out: Path
) -> None:
    service = SubjectAccessService(
        vault, documents=DocumentService(vault), replace_file=_failing_for(".pdf")
    )
    with pytest.raises(OSError, match="device removed"):
        service.export(ids["zoe"], folder=out, recipient="DPO")
    with vault.read() as conn:
        completed = (
            connection(conn)
            .execute(
                select(AuditEntry.reason, AuditEntry.recipient).where(
                    AuditEntry.action == "complete"
                )
            )
            .all()
        )
    assert [tuple(c) for c in completed] == [(f"{REASON}: 0 records", "DPO")]
    assert list(out.iterdir()) == []


def test_each_record_in_the_json_names_the_regime_it_is_processed_under(
    vault: Vault, ids: dict[str, str], service: SubjectAccessService, out: Path
) -> None:
    body = _load(service.export(ids["zoe"], folder=out).json_path)
    regimes = {r["type"]: r["regime"] for r in body["records"]}
    # Tenancy work is the landlord's, under UK GDPR; policing ASB is DPA 2018 Part 3.
    assert regimes["tenancy_case"] == "uk_gdpr"
    assert regimes["tenancy_note"] == "uk_gdpr"
    assert regimes["person"] == "dpa2018_part3"
    assert regimes["warning"] == "dpa2018_part3"


def test_the_export_folder_holds_each_attached_photo_by_id_and_extension(
    vault: Vault, ids: dict[str, str], service: SubjectAccessService, out: Path
) -> None:
    from tests.evidence_files import photo

    from fieldkit.services.evidence import AttachmentService

    attachments = AttachmentService(vault)
    zoes = attachments.attach(
        owner_type="visit", owner_id=ids["visit_alone"], data=photo(seed=91), caption="Door"
    )
    kierans = attachments.attach(
        owner_type="visit", owner_id=ids["visit_kieran"], data=photo(seed=92), caption="Car"
    )
    result = service.export(ids["zoe"], folder=out)
    expected = out / f"subject-access-{result.reference}-{zoes.id}.jpg"
    assert result.files == (expected,)
    assert expected.read_bytes() == attachments.open(attachment_id=zoes.id)
    assert stat.S_IMODE(expected.stat().st_mode) == 0o600
    assert not any(kierans.id in p.name for p in out.iterdir())
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []

"""Photos and files on records: kept whole in the vault, scoped like their owner, logged."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text
from tests.evidence_files import pdf, photo
from tests.factories import visit

from fieldkit.domain.evidence import sha256
from fieldkit.domain.records import RecordType, ValidationError
from fieldkit.services.evidence import AttachmentService, FileArriving
from fieldkit.services.records import RecordService
from fieldkit.services.settings import SettingsService
from fieldkit.store import blobs, replica
from fieldkit.store.errors import RecordNotFoundError
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault


def _visit(vault: Vault, **overrides: object) -> str:
    return RecordService(vault).create(record_type="visit", fields=visit(**overrides)).id


def _blob_count(vault: Vault) -> int:
    with vault.read() as conn:
        return int(connection(conn).execute(text("SELECT count(*) FROM blob")).scalar_one())


def _audit(vault: Vault, action: str) -> list[str]:
    with vault.read() as conn:
        rows = connection(conn).execute(
            text("SELECT record_id FROM audit_log WHERE action = :a ORDER BY seq"), {"a": action}
        )
        return [str(r[0]) for r in rows]


def test_a_photo_is_kept_upright_without_its_location_or_device_data(vault: Vault) -> None:
    # Orientation 6: the camera was turned a quarter; the stored photo is turned back upright.
    original = photo(width=320, height=200, orientation=6)
    with Image.open(io.BytesIO(original)) as source:
        assert source.getexif().get(0x8825) is not None  # the location is there to start with
    visit_id = _visit(vault)
    view = AttachmentService(vault).attach(
        owner_type="visit", owner_id=visit_id, data=original, caption="Smashed window"
    )
    stored = AttachmentService(vault).open(attachment_id=view.id)
    with Image.open(io.BytesIO(stored)) as kept:
        assert kept.size == (200, 320)
        assert len(kept.getexif()) == 0
    assert b"PhoneMaker" not in stored
    assert b"Model X-42" not in stored
    assert view.sha256 == sha256(stored)
    assert view.bytes == len(stored)
    assert view.media_type == "image/jpeg"
    assert view.caption == "Smashed window"
    assert view.captured_by == "amy.officer"


def test_a_pdf_is_kept_byte_for_byte(vault: Vault) -> None:
    visit_id = _visit(vault)
    view = AttachmentService(vault).attach(owner_type="visit", owner_id=visit_id, data=pdf())
    assert AttachmentService(vault).open(attachment_id=view.id) == pdf()
    assert view.sha256 == sha256(pdf())
    assert view.thumbnail_sha256 is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"just some text", "is not a kind of file"),
        (b"MZ\x90\x00" + b"\x00" * 100, "is not a kind of file"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "cannot be read"),
        (b"", "empty"),
    ],
    ids=["text", "program", "broken-jpeg", "empty"],
)
def test_a_file_fieldkit_does_not_keep_is_refused_and_nothing_is_stored(
    vault: Vault, data: bytes, reason: str
) -> None:
    visit_id = _visit(vault)
    with pytest.raises(ValidationError, match=reason):
        AttachmentService(vault).attach(owner_type="visit", owner_id=visit_id, data=data)
    assert AttachmentService(vault).list_for(owner_type="visit", owner_id=visit_id) == []
    assert _blob_count(vault) == 0


def test_a_file_over_the_limit_the_server_gave_is_refused_and_nothing_is_stored(
    vault: Vault,
) -> None:
    settings = SettingsService(vault)
    settings.save(replace(settings.load(), attachment_limit=len(pdf()) - 1))
    visit_id = _visit(vault)
    with pytest.raises(ValidationError, match="larger than the limit"):
        AttachmentService(vault).attach(owner_type="visit", owner_id=visit_id, data=pdf())
    assert _blob_count(vault) == 0


def test_a_file_cannot_be_attached_to_a_record_that_is_not_there(vault: Vault) -> None:
    with pytest.raises(RecordNotFoundError):
        AttachmentService(vault).attach(
            owner_type="visit", owner_id="00000000-0000-4000-8000-000000000000", data=pdf()
        )
    with pytest.raises(ValidationError, match="type"):
        AttachmentService(vault).attach(owner_type="service", owner_id="x", data=pdf())
    assert _blob_count(vault) == 0


def test_an_attachment_is_scoped_like_the_record_it_belongs_to(vault: Vault) -> None:
    restricted = _visit(vault, district="rural", categories=["domestic_abuse"])
    view = AttachmentService(vault).attach(owner_type="visit", owner_id=restricted, data=pdf())
    assert (view.district, view.sensitivity) == ("rural", "restricted")


def test_viewing_and_exporting_an_attachment_are_logged(vault: Vault, tmp_path: Path) -> None:
    visit_id = _visit(vault)
    service = AttachmentService(vault)
    view = service.attach(owner_type="visit", owner_id=visit_id, data=photo())
    service.open(attachment_id=view.id)
    service.thumbnails(owner_type="visit", owner_id=visit_id)
    out = tmp_path / "exhibit.jpg"
    service.export(attachment_id=view.id, out=out)
    assert _audit(vault, "view") == [view.id, view.id]
    assert _audit(vault, "export") == [view.id]
    assert sha256(out.read_bytes()) == view.sha256
    assert out.stat().st_mode & 0o077 == 0


def test_erasing_a_visit_erases_its_photos_and_their_files(vault: Vault) -> None:
    visit_id = _visit(vault)
    service = AttachmentService(vault)
    view = service.attach(owner_type="visit", owner_id=visit_id, data=photo())
    assert _blob_count(vault) == 2  # the photo and its thumbnail
    RecordService(vault).delete(record_type="visit", record_id=visit_id, reason="entered twice")
    assert service.list_for(owner_type="visit", owner_id=visit_id) == []
    with pytest.raises(RecordNotFoundError):
        service.open(attachment_id=view.id)
    assert _blob_count(vault) == 0
    assert vault.check().ok


def test_a_file_kept_twice_is_stored_once_and_stays_until_both_are_erased(vault: Vault) -> None:
    first, second = _visit(vault), _visit(vault)
    service = AttachmentService(vault)
    a = service.attach(owner_type="visit", owner_id=first, data=pdf())
    b = service.attach(owner_type="visit", owner_id=second, data=pdf())
    assert a.sha256 == b.sha256
    assert _blob_count(vault) == 1
    RecordService(vault).delete(record_type="attachment", record_id=a.id, reason="wrong visit")
    assert service.open(attachment_id=b.id) == pdf()
    RecordService(vault).delete(record_type="attachment", record_id=b.id, reason="wrong visit")
    assert _blob_count(vault) == 0


def test_a_record_leaving_the_users_scope_takes_its_files_with_it(vault: Vault) -> None:
    visit_id = _visit(vault)
    AttachmentService(vault).attach(owner_type="visit", owner_id=visit_id, data=photo())
    with vault.write() as conn:
        replica.purge(conn, [("visit", visit_id)])
    with vault.read() as conn:
        left = connection(conn).execute(text("SELECT count(*) FROM attachment")).scalar_one()
    assert left == 0
    assert _blob_count(vault) == 0


def test_an_edited_image_is_a_new_attachment_naming_its_original(vault: Vault) -> None:
    visit_id = _visit(vault)
    service = AttachmentService(vault)
    original = service.attach(owner_type="visit", owner_id=visit_id, data=photo(seed=1))
    edited = service.attach(
        owner_type="visit", owner_id=visit_id, data=photo(seed=2), original_id=original.id
    )
    assert edited.original_id == original.id
    assert service.get(attachment_id=original.id).sha256 == original.sha256


def test_a_file_still_arriving_is_listed_but_cannot_be_opened_until_whole(vault: Vault) -> None:
    visit_id = _visit(vault)
    data = photo(width=900, height=900)
    service = AttachmentService(vault)
    view = service.attach(owner_type="visit", owner_id=visit_id, data=data)
    stored = service.open(attachment_id=view.id)
    pieces = [stored[i : i + 256 * 1024] for i in range(0, len(stored), 256 * 1024)]
    assert len(pieces) > 1
    with vault.write() as conn:  # as a laptop that received the record but not yet its file
        (
            connection(conn).execute(text("DELETE FROM blob_chunk")),
            connection(conn).execute(text("DELETE FROM blob")),
        )
        blobs.begin_incoming(conn, view.sha256, size=len(stored), chunk_size=256 * 1024, at="t")
    [listed] = service.list_for(owner_type="visit", owner_id=visit_id)
    assert not listed.available
    with pytest.raises(FileArriving):
        service.open(attachment_id=view.id)
    with vault.write() as conn:
        with pytest.raises(blobs.BlobError):
            blobs.put_chunk(
                conn, view.sha256, 0, b"forged" + pieces[0][6:], chunk_digest=sha256(pieces[0])
            )
        for index, piece in enumerate(pieces):
            blobs.put_chunk(conn, view.sha256, index, piece, chunk_digest=sha256(piece))
            assert blobs.finish(conn, view.sha256) == (index == len(pieces) - 1)
    assert service.open(attachment_id=view.id) == stored


def test_vault_check_finds_a_file_whose_content_no_longer_matches_its_hash(vault: Vault) -> None:
    visit_id = _visit(vault)
    AttachmentService(vault).attach(owner_type="visit", owner_id=visit_id, data=pdf())
    assert vault.check().ok
    with vault.write() as conn:
        connection(conn).execute(text("UPDATE blob_chunk SET data = X'00'"))
    problems = vault.check().problems
    assert any("does not match" in p for p in problems)


def test_every_audit_entry_names_attachments_by_id_only(vault: Vault) -> None:
    visit_id = _visit(vault)
    view = AttachmentService(vault).attach(
        owner_type="visit", owner_id=visit_id, data=pdf(), caption="Diary sheet from Mrs Example"
    )
    AttachmentService(vault).open(attachment_id=view.id)
    with vault.read() as conn:
        reasons = (
            connection(conn)
            .execute(text("SELECT coalesce(reason, '') FROM audit_log"))
            .scalars()
            .all()
        )
    assert not any("Example" in r for r in reasons)
    assert AuditEntry.__tablename__ == "audit_log"
    assert RecordType.ATTACHMENT.value == "attachment"


def test_a_subject_access_export_lists_the_photos_and_files_on_the_persons_records(
    vault: Vault, tmp_path: Path
) -> None:
    from tests.factories import person

    from fieldkit.store.subject_access import held_about

    person_id = RecordService(vault).create(record_type="person", fields=person()).id
    visit_id = _visit(vault, person_ids=[person_id])
    on_person = AttachmentService(vault).attach(owner_type="person", owner_id=person_id, data=pdf())
    on_visit = AttachmentService(vault).attach(owner_type="visit", owner_id=visit_id, data=photo())
    with vault.read() as conn:
        held = held_about(conn, person_id)
    listed = {r.record.id for r in held.records if r.record.type is RecordType.ATTACHMENT}
    assert listed == {on_person.id, on_visit.id}


def test_photos_attach_to_asb_cases_warnings_and_tenancy_notes_scoped_like_them(
    vault: Vault,
) -> None:
    from datetime import UTC, datetime

    from tests.factories import person

    from fieldkit.domain.vulnerability import VulnerabilityCheck
    from fieldkit.services.documents_service import DocumentService
    from fieldkit.services.warnings import WarningRequest
    from fieldkit.services.workspace import open_workspace

    ws = open_workspace(vault, documents=DocumentService(vault))
    case_id = ws.asb.open_case(title="Graffiti on the shelter", category="environmental",
                               district="rural")  # fmt: skip
    tenancy_case = ws.tenancy.open_case(address="12 Oakes Court", district="huddersfield")
    note_id = ws.tenancy.add_note(case_id=tenancy_case, kind="incident", body="Door kicked").id
    jan = ws.records.create(record_type="person", fields=person()).id
    warning_id = ws.warnings.issue(
        WarningRequest(
            person_id=jan,
            scheme_id="street_drinking_vagrancy",
            behaviour="Drinking from an open can and shouting at shoppers",
            conditions=("drink alcohol in the town centre",),
            district="huddersfield",
            place_label="Market Place, Dewsbury",
            occurred_at=datetime(2026, 11, 26, 21, 30, tzinfo=UTC),
            vulnerability=VulnerabilityCheck(True),
        )
    ).warning_id
    service = AttachmentService(vault)
    for owner_type, owner_id, district, sensitivity in (
        ("asb_case", case_id, "rural", "standard"),
        ("tenancy_note", note_id, "huddersfield", "restricted"),  # the case is restricted
        ("warning", warning_id, "huddersfield", "standard"),
    ):
        made = service.attach(owner_type=owner_type, owner_id=owner_id, data=photo(seed=5),
                              caption=owner_type)  # fmt: skip
        [listed] = service.list_for(owner_type=owner_type, owner_id=owner_id)
        assert listed.id == made.id
        assert (listed.owner_type, listed.district, listed.sensitivity) == (
            owner_type, district, sensitivity
        )  # fmt: skip
        assert listed.thumbnail_sha256 is not None
    # The kind named must be the record's own: a case id is not a warning.
    with pytest.raises(RecordNotFoundError):
        service.attach(owner_type="warning", owner_id=case_id, data=pdf())


def test_photos_taken_in_the_same_second_are_listed_in_the_order_they_were_taken(
    vault: Vault,
) -> None:
    visit_id = RecordService(vault).create(record_type="visit", fields=visit()).id
    service = AttachmentService(vault)
    captions = [f"Photo {n}" for n in range(6)]
    for n, caption in enumerate(captions):
        service.attach(
            owner_type="visit", owner_id=visit_id, data=photo(seed=60 + n), caption=caption
        )
    listed = service.list_for(owner_type="visit", owner_id=visit_id)
    assert len({v.captured_at for v in listed}) == 1  # one second: the ids would order them
    assert [v.caption for v in listed] == captions

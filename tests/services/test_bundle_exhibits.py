"""A Closure Order bundle produces every photo and file on its records as a numbered exhibit."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import text
from tests.evidence_files import pdf, photo
from tests.factories import PASSPHRASE
from tests.kdf import TEST_KDF

from fieldkit.domain.schemes import load_schemes
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.evidence import AttachmentService
from fieldkit.services.printouts import Officer, PrintoutService
from fieldkit.services.records import RecordService
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault


def test_each_attachment_is_an_exhibit_with_its_reference_caption_and_hash(
    tmp_path: Path,
) -> None:
    vault = Vault.create(tmp_path / "vault", username="jo", passphrase=PASSPHRASE, kdf=TEST_KDF)
    try:
        records = RecordService(vault)
        place = records.create(
            record_type="place", fields={"label": "14 Example Road", "district": "huddersfield"}
        )
        case = records.create(
            record_type="tenancy_case", fields={"place_id": place.id, "district": "huddersfield"}
        )
        visit = records.create(
            record_type="visit",
            fields={
                "occurred_at": "2026-11-27T10:00:00+00:00",
                "place_id": place.id,
                "district": "huddersfield",
                "kind": "patrol",
                "narrative": "Door kicked in; photographs taken.",
                "officer_id": "jo",
            },
        )
        service = AttachmentService(vault)
        door = service.attach(
            owner_type="visit", owner_id=visit.id, data=photo(seed=21), caption="Broken door"
        )
        hall = service.attach(
            owner_type="visit", owner_id=visit.id, data=photo(seed=22), caption="Hallway"
        )
        diary = service.attach(
            owner_type="tenancy_case", owner_id=case.id, data=pdf(), caption="Noise diary"
        )
        printouts = PrintoutService(
            vault,
            documents=DocumentService(vault),
            schemes=load_schemes(),
            officer=Officer("Jo Smith", "PC 101"),
        )
        kept = printouts.bundle_for_case(case.id, served_how="exported")
        reader = PdfReader(io.BytesIO(kept.pdf))
        pages = [" ".join(page.extract_text().split()) for page in reader.pages]
        every = " ".join(pages)
        with vault.read() as conn:
            printed = set(
                connection(conn)
                .execute(
                    text(
                        "SELECT record_id FROM audit_log WHERE record_type = 'attachment' "
                        "AND action IN ('print', 'export')"
                    )
                )
                .scalars()
            )
        images = sum(len(page.images) for page in reader.pages)
    finally:
        vault.lock()
    for reference, view in (("JS/1", door), ("JS/2", hall), ("JS/3", diary)):
        assert f"Exhibit {reference}" in every
        assert view.sha256 in every
        assert view.caption in every
    index = pages[0] + pages[1]
    assert all(r in index for r in ("JS/1", "JS/2", "JS/3"))  # the index lists every exhibit
    assert images == 2  # the photos are printed; the PDF is listed with its hash
    assert printed == {door.id, hall.id, diary.id}

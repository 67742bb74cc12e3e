"""An evidence bundle names the author the server knows, not the one a visit's fields claim."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from pypdf import PdfReader
from tests.factories import PASSPHRASE
from tests.kdf import TEST_KDF

from fieldkit.domain.schemes import load_schemes
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.printouts import Officer, PrintoutService
from fieldkit.store import replica
from fieldkit.store.replica import PulledRecord
from fieldkit.store.vault import Vault

HLC = "001764000000000:0000:server"


def _pulled(record_type: str, fields: dict[str, object], author: str | None) -> PulledRecord:
    record_id = str(uuid.uuid4())
    return PulledRecord(
        type=record_type,
        id=record_id,
        deleted=False,
        fields=fields,
        versions=dict.fromkeys(fields, HLC),
        author=author,
    )


def _bundle_text(tmp_path: Path, *, author: str | None) -> str:
    vault = Vault.create(tmp_path / "vault", username="hana", passphrase=PASSPHRASE, kdf=TEST_KDF)
    try:
        place = _pulled("place", {"label": "14 Example Road", "district": "huddersfield"}, "hana")
        case = _pulled("tenancy_case", {"place_id": place.id, "district": "huddersfield"}, "hana")
        visit = _pulled(
            "visit",
            {
                "occurred_at": "2026-11-27T10:00:00+00:00",
                "place_id": place.id,
                "district": "huddersfield",
                "kind": "patrol",
                "narrative": "Music until 3am; residents spoken to.",
                "officer_id": "claimed.officer",
            },
            author,
        )
        with vault.write() as conn:
            replica.apply_pulled(conn, [place, case, visit], at="2026-11-27T12:00:00+00:00")
        printouts = PrintoutService(
            vault,
            documents=DocumentService(vault),
            schemes=load_schemes(),
            officer=Officer("Hana", "H1"),
        )
        kept = printouts.bundle_for_case(case.id, served_how="exported")
        reader = PdfReader(io.BytesIO(kept.pdf))
        return " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    finally:
        vault.lock()


def test_a_bundle_prints_the_author_the_server_sent_not_the_visits_claimed_officer(
    tmp_path: Path,
) -> None:
    text = _bundle_text(tmp_path, author="olive")
    assert "olive" in text
    assert "claimed.officer" not in text


def test_a_bundle_falls_back_to_the_visits_officer_when_the_server_named_no_one(
    tmp_path: Path,
) -> None:
    assert "claimed.officer" in _bundle_text(tmp_path, author=None)

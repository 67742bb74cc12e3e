"""What a person's history says reads as words: labels from the vocabularies, no wire names."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.factories import person

from fieldkit.documents import PrinterUnavailableError
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.warnings import WarningRequest
from fieldkit.services.workspace import open_workspace
from fieldkit.store.vault import Vault

RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\(s\)|\bCpw\b")


def _no_printer(pdf: bytes, **_: object) -> object:
    raise PrinterUnavailableError("No printer is set up on this computer.")


def test_a_timeline_names_letters_and_signposting_in_words(vault: Vault) -> None:
    ws = open_workspace(vault, documents=DocumentService(vault, printer=_no_printer))
    services = [
        ws.records.create(
            record_type="service",
            fields={"name": name, "categories": ["housing"], "districts": ["huddersfield"]},
        ).id
        for name in ("Housing Hub", "Food Bank")
    ]
    jan = ws.records.create(record_type="person", fields=person())
    ws.warnings.issue(
        WarningRequest(
            person_id=jan.id,
            scheme_id="street_drinking_vagrancy",
            behaviour="Drinking from an open can",
            conditions=("drink alcohol in the town centre",),
            district="huddersfield",
            place_label="Market Place, Huddersfield",
            occurred_at=datetime(2026, 11, 2, 14, 0, tzinfo=UTC),
            service_ids=tuple(services),
        )
    )
    timeline = ws.people.profile(jan.id).timeline
    words = [(e.kind, e.title, e.detail) for e in timeline]
    assert ("Signposting", "2 services, leaflet") in {(k, t) for k, t, _ in words}
    titles = {t for k, t, _ in words if k == "Document"}
    assert titles == {"Yellow warning letter", "Signposting leaflet"}
    details = {d for k, _, d in words if k == "Document"}
    assert all(d.startswith("Handed over; template ") for d in details), details
    assert [w for w in words if RAW.search(" ".join(w[:2]))] == []

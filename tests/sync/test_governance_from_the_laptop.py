"""Information governance from a laptop: due list, erasure, requests, subject access kept."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from tests.factories import person
from tests.sync.conftest import Laptop, Server
from tests.sync.test_erasure_everywhere import KEPT, PLANTED, decrypted_file, sync_ok

from fieldkit.services.governance import GovernanceRefused, GovernanceService, NeedsServer
from fieldkit.services.records import RecordService
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.sync.transport import Transport, TransportConfig

#: Far enough ahead that everything made today is due.
LATER = date.today() + timedelta(days=365 * 8)


def _service(laptop: Laptop) -> GovernanceService:
    laptop.engine()
    assert laptop.transport is not None
    return GovernanceService(laptop.open(), laptop.transport)


def test_governance_erases_a_due_record_from_the_laptop_and_a_second_laptop_loses_it(
    server: Server, laptops: Callable[..., Laptop]
) -> None:
    server.admin.add_user("amy", role="officer")
    server.admin.add_user("gina", role="governance", districts=())
    amy = laptops("amy", "amy", server.url)
    gina = laptops("gina", "gina", server.url)
    records = RecordService(amy.open())
    records.create(record_type="person", fields=person(family_name=KEPT))
    doomed = records.create(
        record_type="person", fields=person(description=f"{PLANTED} tattoo, left hand")
    )
    sync_ok(amy)
    sync_ok(gina)
    governance = _service(gina)

    due = governance.due(as_of=LATER)
    assert doomed.id in {i.id for i in due.items}
    assert governance.due().items == ()

    applied = governance.decide(
        record_type="person", record_id=doomed.id, decision="erase", reason="time up"
    )

    assert (applied.erased, applied.kept) == (1, 0)
    assert doomed.id not in {i.id for i in governance.due(as_of=LATER).items}
    sync_ok(amy)
    assert doomed.id not in amy.records()
    amy.close()
    content = decrypted_file(amy.folder)
    assert KEPT.encode() in content, "the decryption must read the records that stay"
    assert PLANTED.encode() not in content


def test_an_officer_laptop_is_refused_governance_work(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy", role="officer")
    amy = laptops("amy", "amy", sqlite_server.url)
    sync_ok(amy)
    with pytest.raises(GovernanceRefused, match="only information governance"):
        _service(amy).due()


def test_governance_without_the_server_says_plainly_that_it_needs_it(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("gina", role="governance", districts=())
    gina = laptops("gina", "gina", sqlite_server.url)
    never_synced = GovernanceService(
        gina.open(), Transport(TransportConfig(server_url=sqlite_server.url))
    )
    with pytest.raises(NeedsServer, match="not signed in"):
        never_synced.requests()
    sync_ok(gina)
    sqlite_server.process.stop()
    unreachable = Transport(
        TransportConfig(server_url=sqlite_server.url, connect_timeout=1.0, max_attempts=1)
    )
    with pytest.raises(NeedsServer, match="cannot be reached"):
        GovernanceService(gina.open(), unreachable).due()


def test_a_partnership_subject_access_is_kept_in_the_vault_and_logged_as_an_export(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy", role="officer")
    sqlite_server.admin.add_user("gina", role="governance", districts=())
    amy = laptops("amy", "amy", sqlite_server.url)
    gina = laptops("gina", "gina", sqlite_server.url)
    subject = RecordService(amy.open()).create(
        record_type="person", fields=person(family_name=KEPT)
    )
    sync_ok(amy)
    sync_ok(gina)
    governance = _service(gina)
    request = governance.add_request(
        kind="subject_access", person_id=subject.id, received=date.today()
    )
    assert [r.id for r in governance.requests()] == [request.id]

    kept = governance.subject_access(person_id=subject.id)

    pdf = governance.kept_pdf(kept.document_id)
    assert pdf is not None
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert kept.reference in text
    assert KEPT in " ".join(text.split())
    with gina.open().read() as conn:
        events = list(
            connection(conn).execute(select(AuditEntry).where(AuditEntry.action == "export"))
        )
    assert subject.id in {e.record_id for e in events}
    assert all(e.recipient == "the data subject" for e in events)
    assert not list(gina.folder.rglob("*.pdf")), "the PDF is kept only inside the vault"
    answered = governance.answer_request(request_id=request.id, decision="sent by post")
    assert answered.state == "answered"
    assert governance.requests() == []

"""A referral to the voluntary sector, two laptops and a real server process.

An officer refers a person met on a visit to the voluntary sector, with their consent. The
voluntary-sector worker's laptop syncs and holds the referral and nothing else of the work it
came from; they accept it; after the officer's next sync the officer's laptop says "accepted".
"""

from __future__ import annotations

from collections.abc import Callable

from tests.factories import person, visit
from tests.sync.conftest import Laptop, Server

from fieldkit.domain.referrals import ReferralStatus
from fieldkit.services.records import RecordService
from fieldkit.services.referrals import NOT_SHARED, ReferralService
from fieldkit.services.sync_engine import SyncOutcome


def _synced(laptop: Laptop) -> None:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert not report.refused


def test_an_officer_refers_to_the_voluntary_sector_and_sees_the_referral_accepted(
    server: Server, laptops: Callable[..., Laptop]
) -> None:
    server.admin.add_user("olive", agency="council")
    server.admin.add_user("vic", agency="voluntary")
    olive = laptops("olive", "olive", server.url)
    vic = laptops("vic", "vic", server.url)
    _synced(olive)
    _synced(vic)

    records = RecordService(olive.open())
    resident = records.create(
        record_type="person", fields=person(given_name="Margaret", family_name="Hirst")
    )
    seen = records.create(
        record_type="visit", fields=visit(person_ids=[resident.id], officer_id="olive")
    )
    made = ReferralService(olive.open()).refer(
        source_type="visit",
        source_id=seen.id,
        person_id=resident.id,
        to_agency="voluntary",
        reason="Lives alone since her husband died; would welcome a befriender",
        consent="given",
    )
    assert made.status is ReferralStatus.SENT
    assert made.respond_by is not None
    _synced(olive)

    _synced(vic)
    held = vic.records()
    assert set(held) == {made.id}, "the partner holds the referral and nothing else of the case"
    [incoming] = ReferralService(vic.open()).incoming()
    assert incoming.id == made.id
    assert incoming.person == NOT_SHARED
    assert "Margaret" not in str(held)
    ReferralService(vic.open()).answer(referral_id=made.id, status="accepted")
    _synced(vic)

    _synced(olive)
    [answered] = ReferralService(olive.open()).made_from([seen.id])
    assert answered.status is ReferralStatus.ACCEPTED
    assert answered.status_text == "Accepted"
    assert not answered.incoming

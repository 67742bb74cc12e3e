"""The supervisor's review queue, decisions and the officer's feedback, on real vault files."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from itertools import count

import pytest
from sqlalchemy import select
from tests.conftest import SteppingClock
from tests.factories import person, visit

from fieldkit.domain.hlc import Hlc
from fieldkit.domain.records import RecordType, new_id, validate_fields
from fieldkit.domain.schemes import load_schemes
from fieldkit.domain.vocabulary import ReviewDecision
from fieldkit.services.records import RecordService
from fieldkit.services.review import QueueFilter, ReviewRefused, ReviewService
from fieldkit.store import replica
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

SCHEMES = load_schemes()
_tick = count(1)


def arrive(
    vault: Vault,
    record_type: str,
    fields: Mapping[str, object],
    *,
    author: str,
    record_id: str | None = None,
) -> str:
    """A record as it arrives by sync from another user's laptop."""
    record_id = record_id or new_id()
    clean = validate_fields(record_type, fields)
    stamp = str(Hlc(1_790_000_000_000 + next(_tick), 0, "other-laptop"))
    with vault.write() as conn:
        replica.apply_pulled(
            conn,
            [
                replica.PulledRecord(
                    record_type, record_id, False, clean, dict.fromkeys(clean, stamp), author
                )
            ],
            at=vault.now().isoformat(timespec="seconds"),
        )
    return record_id


def warning(person_id: str, level: str, **overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "person_id": person_id,
        "scheme": "street_drinking_vagrancy",
        "level": level,
        "issued_at": "2026-11-20T11:00:00+00:00",
        "district": "huddersfield",
        "behaviour": "Drinking in the bus station after being asked to stop.",
    }
    fields.update(overrides)
    return fields


def _review(vault: Vault) -> ReviewService:
    return ReviewService(vault, RecordService(vault), SCHEMES)


def _audit(vault: Vault, action: str) -> list[tuple[str | None, str | None]]:
    with vault.read() as conn:
        rows = connection(conn).execute(
            select(AuditEntry.record_id, AuditEntry.reason).where(AuditEntry.action == action)
        )
        return [(r.record_id, r.reason) for r in rows]


def test_the_queue_lists_the_teams_synced_work_but_not_the_supervisors_own(
    supervisor: Vault,
) -> None:
    theirs = arrive(supervisor, "visit", visit(officer_id="amy"), author="amy")
    RecordService(supervisor).create(record_type="visit", fields=visit(officer_id="priya"))

    queue = _review(supervisor).queue()

    assert [i.id for i in queue.items] == [theirs]
    assert queue.total == 1
    assert queue.items[0].officer == "amy"
    assert queue.items[0].kind == "Visit"
    assert queue.items[0].new is True
    assert queue.officers == ("amy",)


def _directory(vault: Vault, **names: str) -> None:
    """The server's users directory as a sync leaves it in the vault (reference data)."""
    users = [
        {"id": f"u-{u}", "username": u.replace("_", "."), "display_name": n}
        for u, n in names.items()
    ]
    with vault.write() as conn:
        replica.put_state(conn, "reference", {"users": users})


def test_colleagues_are_shown_by_the_name_the_directory_gives_them(
    supervisor: Vault, make_vault: Callable[..., Vault]
) -> None:
    _directory(supervisor, amy="Amy Okafor")
    visit_id = arrive(supervisor, "visit", visit(officer_id="amy"), author="amy")
    review = _review(supervisor)
    assert review.queue().items[0].officer == "Amy Okafor"
    assert review.open(record_type="visit", record_id=visit_id).officer == "Amy Okafor"
    # The filter still works by user name, which is what the records carry.
    assert review.queue().officers == ("amy",)

    officer = make_vault("officer", username="amy")
    _directory(officer, priya_supervisor="Priya Shah")
    mine = RecordService(officer).create(record_type="visit", fields=visit(officer_id="amy"))
    arrive(
        officer,
        "review",
        {
            "subject_type": "visit",
            "subject_id": mine.id,
            "decision": "returned",
            "comment": "Say which stand.",
            "decided_at": "2026-11-27T08:00:00+00:00",
            "reviewer": "priya.supervisor",
            "officer": "amy",
            "district": "huddersfield",
        },
        author="priya.supervisor",
    )
    assert [f.by for f in _review(officer).feedback()] == ["Priya Shah"]


def test_listing_the_queue_names_nobody_and_is_not_a_consultation(supervisor: Vault) -> None:
    person_id = arrive(supervisor, "person", person(), author="amy")
    arrive(supervisor, "visit", visit(person_ids=[person_id]), author="amy")

    queue = _review(supervisor).queue()

    shown = " ".join(str(v) for item in queue.items for v in vars(item).values())
    assert "Zoë" not in shown
    assert "bus station" not in shown
    assert _audit(supervisor, "view") == []


def test_opening_work_to_review_it_is_logged_as_a_consultation(supervisor: Vault) -> None:
    person_id = arrive(supervisor, "person", person(), author="amy")
    visit_id = arrive(supervisor, "visit", visit(person_ids=[person_id]), author="amy")

    detail = _review(supervisor).open(record_type="visit", record_id=visit_id)

    assert ("People", "Zoë O'Brien") in detail.lines
    assert detail.officer == "amy"
    assert detail.waiting is True
    assert detail.decisions == (ReviewDecision.APPROVED, ReviewDecision.RETURNED)
    assert _audit(supervisor, "view") == [(visit_id, "review")]


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (QueueFilter(authors=("amy",)), {"amy-visit", "amy-warning"}),
        (QueueFilter(districts=("dewsbury_mirfield",)), {"ben-visit"}),
        (QueueFilter(categories=("street_drinking",)), {"amy-visit", "amy-warning"}),
        (QueueFilter(categories=("asb_neighbour",)), {"ben-visit"}),
        (QueueFilter(types=(RecordType.WARNING,)), {"amy-warning"}),
        (QueueFilter(from_day=date(2026, 11, 21)), {"ben-visit"}),
        (QueueFilter(to_day=date(2026, 11, 20)), {"amy-visit", "amy-warning"}),
        (QueueFilter(), {"amy-visit", "amy-warning", "ben-visit"}),
    ],
)
def test_the_queue_filters_by_officer_district_category_type_and_date(
    supervisor: Vault, wanted: QueueFilter, expected: set[str]
) -> None:
    names: dict[str, str] = {}
    person_id = arrive(supervisor, "person", person(), author="amy")
    names[
        arrive(
            supervisor,
            "visit",
            visit(occurred_at="2026-11-20T10:00:00+00:00", categories=["street_drinking"]),
            author="amy",
        )
    ] = "amy-visit"
    amy_visit = next(iter(names))
    names[
        arrive(
            supervisor, "warning", warning(person_id, "yellow", visit_id=amy_visit), author="amy"
        )
    ] = "amy-warning"
    names[
        arrive(
            supervisor,
            "visit",
            visit(
                occurred_at="2026-11-25T10:00:00+00:00",
                district="dewsbury_mirfield",
                categories=["asb_neighbour"],
            ),
            author="ben",
        )
    ] = "ben-visit"

    queue = _review(supervisor).queue(wanted)

    assert {names[i.id] for i in queue.items} == expected
    assert queue.total == len(expected)


def test_approved_work_leaves_the_queue_and_the_decision_is_a_record_that_syncs(
    supervisor: Vault,
) -> None:
    visit_id = arrive(supervisor, "visit", visit(), author="amy")
    service = _review(supervisor)

    review_id = service.decide(
        record_type="visit", record_id=visit_id, decision=ReviewDecision.APPROVED
    )

    assert service.queue().items == ()
    with supervisor.read() as conn:
        stored = supervisor.records(conn).require(RecordType.REVIEW, review_id)
        outbox = replica.pending_changes(conn, limit=10)
    assert stored.fields["officer"] == "amy"
    assert stored.fields["subject_id"] == visit_id
    assert stored.fields["reviewer"] == "priya.supervisor"
    assert [c.id for c in outbox] == [review_id]


def test_returning_work_needs_a_comment_and_writes_nothing_without_one(supervisor: Vault) -> None:
    visit_id = arrive(supervisor, "visit", visit(), author="amy")
    service = _review(supervisor)

    with pytest.raises(ReviewRefused, match="Say what needs changing"):
        service.decide(
            record_type="visit", record_id=visit_id, decision=ReviewDecision.RETURNED, comment=" "
        )

    assert [i.id for i in service.queue().items] == [visit_id]
    with supervisor.read() as conn:
        assert replica.pending_changes(conn, limit=10) == []


def test_returned_work_comes_back_to_the_queue_when_the_officer_amends_it(
    supervisor: Vault, clock: SteppingClock
) -> None:
    person_id = arrive(supervisor, "person", person(), author="amy")
    service = _review(supervisor)
    service.decide(
        record_type="warning",
        record_id=(
            warning_id := arrive(supervisor, "warning", warning(person_id, "yellow"), author="amy")
        ),
        decision=ReviewDecision.RETURNED,
        comment="Add where it happened.",
    )
    assert service.queue().items == ()
    clock.current += timedelta(minutes=5)

    arrive(
        supervisor,
        "warning",
        warning(person_id, "yellow", behaviour="Drinking by the bus station stand C."),
        author="amy",
        record_id=warning_id,
    )

    items = service.queue().items
    assert [i.id for i in items] == [warning_id]
    assert items[0].earlier.startswith("Returned by priya.supervisor")
    assert items[0].earlier.endswith("Add where it happened.")


def test_a_red_warning_is_countersigned_not_just_approved(supervisor: Vault) -> None:
    person_id = arrive(supervisor, "person", person(), author="amy")
    red = arrive(supervisor, "warning", warning(person_id, "red"), author="amy")
    service = _review(supervisor)
    assert service.queue().items[0].countersign is True

    with pytest.raises(ReviewRefused, match="countersignature"):
        service.decide(record_type="warning", record_id=red, decision=ReviewDecision.APPROVED)
    service.decide(record_type="warning", record_id=red, decision=ReviewDecision.COUNTERSIGNED)

    assert service.queue().items == ()


def test_work_that_arrived_since_the_last_look_is_marked_new(
    supervisor: Vault, clock: SteppingClock
) -> None:
    arrive(supervisor, "visit", visit(), author="amy")
    service = _review(supervisor)
    service.mark_looked()
    clock.current += timedelta(seconds=2)
    later = arrive(supervisor, "visit", visit(), author="amy")

    queue = service.queue()

    assert {i.id: i.new for i in queue.items}[later] is True
    assert sum(i.new for i in queue.items) == 1
    assert [i.id for i in service.queue(service.since_last_look(queue)).items] == [later]


def test_the_officer_sees_the_decision_and_comment_on_today(
    make_vault: Callable[..., Vault],
) -> None:
    officer = make_vault("officer", username="amy")
    mine = RecordService(officer).create(record_type="visit", fields=visit(officer_id="amy"))
    someone_elses = new_id()
    for subject, decision, comment, addressed in (
        (mine.id, "returned", "Say which stand.", "amy"),
        (someone_elses, "approved", None, "ben"),
    ):
        arrive(
            officer,
            "review",
            {
                "subject_type": "visit",
                "subject_id": subject,
                "decision": decision,
                "comment": comment,
                "decided_at": "2026-11-27T08:00:00+00:00",
                "reviewer": "priya.supervisor",
                "officer": addressed,
                "district": "huddersfield",
            },
            author="priya.supervisor",
        )

    feedback = _review(officer).feedback()

    assert len(feedback) == 1
    assert feedback[0].subject_id == mine.id
    assert feedback[0].returned is True
    assert feedback[0].comment == "Say which stand."
    assert feedback[0].what.startswith("Visit: Patrol")


def test_only_a_vault_whose_user_the_server_called_a_supervisor_reviews(
    supervisor: Vault, make_vault: Callable[..., Vault]
) -> None:
    officer = make_vault("officer", username="amy")
    assert _review(supervisor).is_supervisor() is True
    assert _review(officer).is_supervisor() is False


def test_work_deleted_by_its_officer_leaves_the_queue(
    supervisor: Vault, clock: SteppingClock
) -> None:
    visit_id = arrive(supervisor, "visit", visit(), author="amy")
    clock.current += timedelta(minutes=1)
    stamp = str(Hlc(1_800_000_000_000, 0, "other-laptop"))
    with supervisor.write() as conn:
        replica.apply_pulled(
            conn,
            [replica.PulledRecord("visit", visit_id, True, {}, {"*": stamp}, "amy")],
            at=supervisor.now().isoformat(timespec="milliseconds"),
        )
    assert _review(supervisor).queue().total == 0


def test_another_supervisors_decision_arriving_by_sync_settles_the_work(
    supervisor: Vault, clock: SteppingClock
) -> None:
    visit_id = arrive(supervisor, "visit", visit(), author="amy")
    clock.current += timedelta(minutes=1)
    arrive(
        supervisor,
        "review",
        {
            "subject_type": "visit",
            "subject_id": visit_id,
            "decision": "approved",
            "decided_at": supervisor.now().isoformat(timespec="seconds"),
            "reviewer": "sam.supervisor",
            "officer": "amy",
            "district": "huddersfield",
        },
        author="sam.supervisor",
    )
    assert _review(supervisor).queue().total == 0


def test_the_officers_red_warning_shows_as_awaiting_countersignature_until_countersigned(
    make_vault: Callable[..., Vault], clock: SteppingClock
) -> None:
    officer = make_vault("officer", username="amy")
    records = RecordService(officer)
    person_id = records.create(record_type="person", fields=person()).id
    issued = (clock.current - timedelta(days=2)).isoformat(timespec="seconds")
    red = records.create(
        record_type="warning", fields=warning(person_id, "red", issued_at=issued)
    ).id
    records.create(record_type="warning", fields=warning(person_id, "yellow", issued_at=issued))

    [waiting] = _review(officer).feedback()
    assert (waiting.subject_id, waiting.decision) == (red, "Awaiting countersignature")
    assert waiting.what == "Warning: Red warning"

    clock.current += timedelta(minutes=5)
    arrive(
        officer,
        "review",
        {
            "subject_type": "warning",
            "subject_id": red,
            "decision": "countersigned",
            "decided_at": officer.now().isoformat(timespec="seconds"),
            "reviewer": "priya.supervisor",
            "officer": "amy",
            "district": "huddersfield",
        },
        author="priya.supervisor",
    )
    [decided] = _review(officer).feedback()
    assert (decided.subject_id, decided.decision) == (red, "Countersigned")

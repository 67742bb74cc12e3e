"""A device close behind the clock is served by one read: the same page, fewer round trips."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError

from fieldkit_server import accounts, pull, sharing
from fieldkit_server.app import create_app
from fieldkit_server.db import make_engine, run_in_transaction, session_factory
from fieldkit_server.settings import Settings

from .conftest import FAST_ARGON2, FakeClock, Laptop, Team, person, visit


@contextmanager
def _listening(engine: Engine, on_statement: Callable[..., None]) -> Iterator[None]:
    """``on_statement`` called before each statement the engine sends, for the block."""
    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)


@contextmanager
def _statements(engine: Engine) -> Iterator[list[tuple[str, bool]]]:
    """Each statement's first word, and whether it went out in a pipeline (PostgreSQL)."""
    seen: list[tuple[str, bool]] = []

    def on_statement(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        word = statement.lstrip().split(None, 1)[0].upper()
        driver = conn.connection.driver_connection
        pipelined = bool(getattr(getattr(driver, "pgconn", None), "pipeline_status", 0))
        seen.append((word, pipelined))

    with _listening(engine, on_statement):
        yield seen


@pytest.fixture
def pg_team(pg_url: str, clock: FakeClock) -> Iterator[Team]:
    settings = Settings(db_url=pg_url, migrate_on_start=False, **FAST_ARGON2)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Team(client, clock, settings)


def _engine(team: Team) -> Engine:
    engine: Engine = team.client.app.state.context.engine  # type: ignore[attr-defined]
    return engine


def _pushed(laptop: Laptop, count: int) -> list[str]:
    changes = [laptop.upsert("visit", visit()) for _ in range(count)]
    laptop.push(*changes)
    return [c["id"] for c in changes]


def test_a_device_exactly_its_limit_behind_gets_every_record_in_one_page(team: Team) -> None:
    olive = team.laptop("olive")
    olive.sync()
    ids = _pushed(olive, 5)
    page = olive.pull_page(since=olive.cursor, limit=5)
    assert [r["id"] for r in page["records"]] == ids
    assert page["more"] is False
    # The page ends at the clock: the next pull has nothing to send.
    after = olive.pull_page(since=page["next"], limit=5)
    assert (after["records"], after["next"], after["more"]) == ([], page["next"], False)


def test_a_device_one_more_than_its_limit_behind_gets_the_rest_on_the_next_page(
    team: Team,
) -> None:
    olive = team.laptop("olive")
    olive.sync()
    ids = _pushed(olive, 6)
    first = olive.pull_page(since=olive.cursor, limit=5)
    assert [r["id"] for r in first["records"]] == ids[:5]
    assert first["more"] is True
    second = olive.pull_page(since=first["next"], limit=5)
    assert [r["id"] for r in second["records"]] == ids[5:]
    assert second["more"] is False


def test_a_page_of_a_device_close_behind_lists_what_left_its_sight(team: Team) -> None:
    olive = team.laptop("olive")
    sue = team.laptop("sue", role="supervisor", districts=("huddersfield", "rural"))
    record = sue.upsert("visit", visit())
    sue.push(record)
    olive.sync()
    assert record["id"] in olive.records
    sue.clock.advance(seconds=1)
    moved = sue.upsert(
        "visit", {"district": "rural"}, record_id=record["id"], base={"district": record["hlc"]}
    )
    assert sue.push_one(moved)["status"] == "applied"
    staying = _pushed(sue, 2)
    page = olive.pull_page(since=olive.cursor, limit=10)
    assert [r["id"] for r in page["records"]] == staying
    assert page["purge"] == [{"type": "visit", "id": record["id"]}]
    assert page["more"] is False


def test_a_clock_that_moved_on_since_the_look_ends_the_page_at_the_limit(team: Team) -> None:
    """Pushes between the pull's look and its transaction: the page stops ``limit`` positions
    after the cursor and says there is more; the next page carries the rest."""
    olive = team.laptop("olive")
    olive.sync()
    ids = _pushed(olive, 8)
    since = pull.Cursor.decode(olive.cursor or "")
    engine = make_engine(team.settings.db_url)
    try:
        sessions = session_factory(engine)
        with sessions() as session:
            principal = accounts.user_view(session, username="olive").principal
        reader = pull.Reader(principal, olive.device_id)
        now = team.clock()

        def page(cursor: pull.Cursor) -> pull.PullPage:
            # ``seen`` as a look made before the eight pushes would have read the clock.
            return run_in_transaction(
                sessions,
                lambda s: pull.pull_page(
                    s, reader=reader, since=cursor, limit=5, now=now, seen=since.seq
                ),
                isolation="REPEATABLE READ",
            )

        first = page(since)
        assert [r.id for r in first.records] == ids[:5]
        assert first.more is True
        assert pull.Cursor.decode(first.next).seq == since.seq + 5
        second = page(pull.Cursor.decode(first.next))
        assert [r.id for r in second.records] == ids[5:]
        assert second.more is False
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_page_that_reaches_the_clock_is_one_read_after_the_look(pg_team: Team) -> None:
    olive = pg_team.laptop("olive")
    olive.sync()
    ids = _pushed(olive, 5)
    with _statements(_engine(pg_team)) as seen:
        page = olive.pull_page(since=olive.cursor, limit=5)
    assert [r["id"] for r in page["records"]] == ids
    # The token and clock look; the clock, records and purge in one read; then the writes.
    assert [word for word, _ in seen] == ["SELECT", "SELECT", "WITH"]


@pytest.mark.postgres
def test_a_page_cut_by_its_limit_reads_the_clock_records_and_purge_in_turn(
    pg_team: Team,
) -> None:
    olive = pg_team.laptop("olive")
    olive.sync()
    _pushed(olive, 6)
    with _statements(_engine(pg_team)) as seen:
        page = olive.pull_page(since=olive.cursor, limit=5)
    assert page["more"] is True
    assert [word for word, _ in seen] == ["SELECT", "SELECT", "SELECT", "SELECT", "WITH"]


@pytest.mark.postgres
def test_a_rescoped_pull_reads_the_clock_records_ranges_and_purge_in_turn(
    pg_team: Team,
) -> None:
    olive = pg_team.laptop("olive", districts=("huddersfield", "rural"))
    kept = _pushed(olive, 2)
    gone = [olive.upsert("visit", visit(district="rural")) for _ in range(2)]
    olive.push(*gone)
    olive.sync()
    engine = make_engine(pg_team.settings.db_url)
    try:
        run_in_transaction(
            session_factory(engine),
            lambda s: accounts.set_user_districts(s, username="olive", districts=["huddersfield"]),
        )
    finally:
        engine.dispose()
    with _statements(_engine(pg_team)) as seen:
        page = olive.pull_page(since=olive.cursor)
    assert [r["id"] for r in page["records"]] == kept
    assert {p["id"] for p in page["purge"]} == {g["id"] for g in gone}
    # Everything the device holds is in question: not the one read of a device close behind.
    assert [word for word, _ in seen][:5] == ["SELECT", "SELECT", "SELECT", "SELECT", "SELECT"]


@contextmanager
def _autocommitted(engine: Engine) -> Iterator[list[tuple[str, bool]]]:
    """Each statement's first word, and whether it ran as its own transaction (autocommit)."""
    seen: list[tuple[str, bool]] = []

    def on_statement(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        word = statement.lstrip().split(None, 1)[0].upper()
        seen.append((word, bool(conn.connection.driver_connection.autocommit)))

    with _listening(engine, on_statement):
        yield seen


def _scalar(team: Team, sql: str, **params: Any) -> Any:
    engine = make_engine(team.settings.db_url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql(sql, params).scalar_one()
    finally:
        engine.dispose()


def _ddl(team: Team, *statements: str) -> None:
    engine = make_engine(team.settings.db_url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


#: A trigger function that refuses the row it is called for.
_REFUSE = (
    "CREATE FUNCTION refuse_disclosure() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
)


def _marks(team: Team, device_id: str) -> dict[str, Any]:
    """What a served page moves: the device's cursor, its holding range, its disclosures."""
    return {
        "cursor": _scalar(team, "SELECT last_cursor FROM devices WHERE id = %(d)s", d=device_id),
        "upto": _scalar(
            team, "SELECT max(upto_seq) FROM holding_ranges WHERE device_id = %(d)s", d=device_id
        ),
        "disclosed": _scalar(
            team,
            "SELECT count(*) FROM audit_events WHERE action = 'disclose' AND device_id = %(d)s",
            d=device_id,
        ),
    }


@pytest.mark.postgres
def test_a_pages_writes_are_committed_before_it_is_answered(pg_team: Team) -> None:
    """The holding range, the disclosure row and the cursor go as one statement that commits
    itself (no BEGIN, no COMMIT round trip), and the page is answered only once they are
    committed."""
    olive = pg_team.laptop("olive")
    olive.sync()
    _pushed(olive, 3)
    with _autocommitted(_engine(pg_team)) as seen:
        page = olive.pull_page(since=olive.cursor)
    # The look, the one read and the writes: three statements, each its own transaction.
    assert seen == [("SELECT", True), ("SELECT", True), ("WITH", True)]
    engine = make_engine(pg_team.settings.db_url)
    try:
        with engine.connect() as conn:
            device = conn.exec_driver_sql(
                "SELECT last_cursor FROM devices WHERE id = %(d)s", {"d": olive.device_id}
            ).scalar_one()
            disclosed = conn.exec_driver_sql(
                "SELECT count(*) FROM audit_events WHERE action = 'disclose' AND device_id = %(d)s",
                {"d": olive.device_id},
            ).scalar_one()
    finally:
        engine.dispose()
    assert device == page["next"]
    assert disclosed == 1


@pytest.mark.postgres
def test_a_failed_write_gives_no_page_and_moves_no_mark(pg_team: Team) -> None:
    """The page's writes fail in the database (here the disclosure row is refused): the pull
    answers no page, and neither the device's cursor nor its holding range moves."""
    olive = pg_team.laptop("olive")
    olive.sync()
    _pushed(olive, 3)
    _ddl(
        pg_team,
        _REFUSE,
        "CREATE TRIGGER refuse_disclosure BEFORE INSERT ON audit_events "
        "FOR EACH ROW WHEN (NEW.action = 'disclose') EXECUTE FUNCTION refuse_disclosure()",
    )
    before = _marks(pg_team, olive.device_id)
    with _autocommitted(_engine(pg_team)) as seen, pytest.raises(DBAPIError):
        olive.pull_page(since=olive.cursor)
    assert [word for word, _ in seen] == ["SELECT", "SELECT", "WITH"]
    after = _marks(pg_team, olive.device_id)
    assert after == before


@pytest.mark.postgres
def test_a_page_cut_by_its_limit_is_served_in_a_transaction(pg_team: Team) -> None:
    olive = pg_team.laptop("olive")
    olive.sync()
    _pushed(olive, 6)
    with _autocommitted(_engine(pg_team)) as seen:
        page = olive.pull_page(since=olive.cursor, limit=5)
    assert page["more"] is True
    # Only the look runs by itself; the reads and the writes share one transaction.
    assert [ac for _, ac in seen] == [True, False, False, False, False]


@pytest.mark.postgres
def test_a_first_pull_is_served_in_a_transaction(pg_team: Team) -> None:
    olive = pg_team.laptop("olive")
    _pushed(olive, 2)
    with _autocommitted(_engine(pg_team)) as seen:
        olive.pull_page()
    assert seen
    assert not any(ac for _, ac in seen)


@pytest.mark.postgres
def test_a_device_with_ranges_under_another_scope_is_served_in_a_transaction(
    pg_team: Team,
) -> None:
    """The one read finds ranges under an earlier scope: the page is served again in a
    transaction, its purge read with every range, and the lone read wrote nothing."""
    olive = pg_team.laptop("olive")
    _pushed(olive, 1)
    olive.sync()
    engine = make_engine(pg_team.settings.db_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO holding_ranges (device_id, scope, principal, after_seq, upto_seq) "
                "SELECT device_id, 'an-earlier-scope', principal, 0, 1 FROM holding_ranges "
                "WHERE device_id = %(d)s",
                {"d": olive.device_id},
            )
    finally:
        engine.dispose()
    ids = _pushed(olive, 3)
    with _autocommitted(_engine(pg_team)) as seen:
        page = olive.pull_page(since=olive.cursor)
    assert [r["id"] for r in page["records"]] == ids
    assert [ac for _, ac in seen][:2] == [True, True]
    assert seen[2:]
    assert not any(ac for _, ac in seen[2:])
    assert [word for word, _ in seen].count("WITH") == 1
    assert (
        _scalar(
            pg_team,
            "SELECT count(*) FROM audit_events WHERE action = 'disclose' AND device_id = %(d)s",
            d=olive.device_id,
        )
        == 2  # the first sync's page and this one
    )


@pytest.mark.postgres
def test_a_failed_commit_gives_no_page_and_moves_no_mark(pg_team: Team) -> None:
    """The page's writes run, but their commit fails (here a deferred check refuses the
    disclosure row at commit): no page is answered, neither the device's cursor nor its
    holding range moves, no disclosure is logged, and the next pull is served as usual."""
    olive = pg_team.laptop("olive")
    olive.sync()
    _pushed(olive, 3)
    _ddl(
        pg_team,
        _REFUSE,
        "CREATE CONSTRAINT TRIGGER refuse_disclosure AFTER INSERT ON audit_events "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.action = 'disclose') "
        "EXECUTE FUNCTION refuse_disclosure()",
    )
    before = _marks(pg_team, olive.device_id)
    with _autocommitted(_engine(pg_team)) as seen, pytest.raises(DBAPIError, match="refused"):
        olive.pull_page(since=olive.cursor)
    assert [word for word, _ in seen] == ["SELECT", "SELECT", "WITH"]
    assert _marks(pg_team, olive.device_id) == before
    _ddl(pg_team, "DROP TRIGGER refuse_disclosure ON audit_events")
    page = olive.pull_page(since=olive.cursor)
    assert len(page["records"]) == 3


@contextmanager
def _sent(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Each statement's text and parameters as handed to the driver."""
    seen: list[tuple[str, Any]] = []

    def on_statement(_conn: Any, _cursor: Any, statement: str, params: Any, *_args: Any) -> None:
        seen.append((statement, params))

    with _listening(engine, on_statement):
        yield seen


def _add_agreement(team: Team, name: str, types: list[str], categories: list[str]) -> None:
    engine = make_engine(team.settings.db_url)
    try:
        run_in_transaction(
            session_factory(engine),
            lambda s: sharing.add_agreement(
                s,
                name=name,
                agencies=["council", "fire"],
                types=types,
                categories=categories,
                purpose="Tackling street drinking together",
                basis="Crime and Disorder Act 1998 s115",
                start=date(2026, 1, 1),
                end=None,
                actor="os:test",
                now=team.clock(),
            ),
        )
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_close_behind_read_goes_out_with_numbered_parameters(pg_team: Team) -> None:
    """The one read of a user whose agency has agreements is long (its rule has a clause per
    agreement) and has many parameters: it goes to the driver with numbered parameters,
    which the driver sends as they are instead of reading the text again at every pull; the
    page is the one the agreements give."""
    _add_agreement(pg_team, "Begging visits", ["visit"], ["begging"])
    _add_agreement(pg_team, "People", ["person"], [])
    fay = pg_team.laptop("fay", agency="fire")
    cat = pg_team.laptop("cat", agency="council")
    fay.sync()
    shared = [
        cat.upsert("visit", visit(categories=["begging"])),
        cat.upsert("person", person()),
    ]
    kept = cat.upsert("visit", visit(categories=["begging", "street_drinking"]))
    cat.push(*shared, kept)
    own = fay.upsert("visit", visit())
    fay.push(own)
    with _sent(_engine(pg_team)) as sent:
        page = fay.pull_page(since=fay.cursor)
    assert {r["id"] for r in page["records"]} == {c["id"] for c in shared} | {own["id"]}
    assert page["more"] is False
    statement, params = sent[1]
    assert len(statement) > 4096
    assert isinstance(params, tuple)
    assert len(params) > 50
    assert "$1" in statement
    assert "%(" not in statement

"""Writes sent with the COMMIT: committed together, failed together, retried like any other."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fieldkit_server.db import at_commit, make_engine, run_in_transaction, session_factory


@pytest.mark.postgres
def test_writes_sent_with_the_commit_are_retried_when_concurrent_transactions_collide(
    pg_url: str,
) -> None:
    """Each transaction reads a counter then adds one with the COMMIT, under REPEATABLE READ:
    colliding ones fail at the COMMIT and run again, none is lost, none is reported as an error
    the caller cannot retry, and no connection goes back to the pool inside a pipeline."""
    engine = make_engine(pg_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)"))
            conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
        sessions = session_factory(engine)
        failures: list[BaseException] = []
        returned_in_a_pipeline: list[int] = []

        def on_checkin(dbapi_connection: Any, _record: Any) -> None:
            # Back in the pool, another request may take it: never with a pipeline open.
            if dbapi_connection is not None and dbapi_connection.pgconn.pipeline_status:
                returned_in_a_pipeline.append(1)

        event.listen(engine.pool, "checkin", on_checkin)

        def work(session: Session) -> None:
            session.execute(text("SELECT n FROM counter WHERE id = 1")).one()
            at_commit(session, text("UPDATE counter SET n = n + 1 WHERE id = 1"), {})

        def worker() -> None:
            for _ in range(10):
                try:
                    run_in_transaction(sessions, work, isolation="REPEATABLE READ", attempts=100)
                except Exception as exc:  # every failure is the test's finding
                    failures.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert failures == []
        assert returned_in_a_pipeline == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 40
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_failed_write_sent_with_the_commit_commits_nothing(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE taken (id int PRIMARY KEY)"))
            conn.execute(text("INSERT INTO taken VALUES (1)"))
        sessions = session_factory(engine)
        attempts: list[int] = []

        def work(session: Session) -> None:
            attempts.append(1)
            session.execute(text("INSERT INTO taken VALUES (2)"))
            at_commit(session, text("INSERT INTO taken VALUES (1)"), {})

        with pytest.raises(IntegrityError):
            run_in_transaction(sessions, work, attempts=2)
        assert len(attempts) == 2
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id FROM taken")).scalars().all() == [1]
            # The pooled connection is whole: it serves the next transaction.
        assert run_in_transaction(sessions, lambda s: _count(s)) == 1
    finally:
        engine.dispose()


def _count(session: Session) -> Any:
    return session.execute(text("SELECT count(*) FROM taken")).scalar_one()


@pytest.mark.postgres
def test_a_write_held_for_the_commit_goes_with_a_rollback(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE taken (id int PRIMARY KEY)"))
        sessions = session_factory(engine)

        def work(session: Session) -> None:
            session.execute(text("INSERT INTO taken VALUES (1)"))
            at_commit(session, text("INSERT INTO taken VALUES (2)"), {})
            session.rollback()  # (as a caller that only wanted to look does)

        run_in_transaction(sessions, work)
        assert run_in_transaction(sessions, lambda s: _count(s)) == 0
    finally:
        engine.dispose()

"""When a sync compares the vault with the server: never run, or last run long enough ago."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fieldkit.services.anti_entropy import is_due

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("last_run", "due"),
    [
        (None, True),
        ((NOW - timedelta(minutes=10)).isoformat(), False),
        ((NOW - HOUR).isoformat(), True),
        ((NOW - timedelta(days=3)).isoformat(), True),
        # A time ahead of now (a clock set back, or the state put back from a copy made while
        # the clock was ahead) must not put the comparison off.
        ((NOW + timedelta(days=30)).isoformat(), True),
        ("2026-12-06T11:50:00", True),
        ("not a time", True),
    ],
)
def test_a_comparison_is_due_unless_one_ran_within_the_interval(
    last_run: str | None, due: bool
) -> None:
    assert is_due(last_run, now=NOW, every=HOUR) is due


def test_an_interval_of_zero_compares_at_every_sync() -> None:
    assert is_due(NOW.isoformat(), now=NOW, every=timedelta(0))

"""The hybrid logical clock and the per-field merge that laptops and server share."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldkit.domain.hlc import Hlc, HlcClock, bound_hlc
from fieldkit.domain.merge import merge_change


def test_hlc_text_form_matches_the_protocol() -> None:
    assert str(Hlc(1764000000000, 7, "dev-1")) == "001764000000000:0007:dev-1"
    assert Hlc.parse("001764000000000:0007:dev-1") == Hlc(1764000000000, 7, "dev-1")


@pytest.mark.parametrize("bad", ["", "1:2:3", "001764000000000:0007:", "001764000000000:7:x"])
def test_malformed_hlc_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="hybrid"):
        Hlc.parse(bad)


def test_clock_never_goes_backwards_when_the_wall_clock_does() -> None:
    times = iter([1000, 1000, 900, 1200])
    clock = HlcClock("a", lambda: next(times))
    stamps = [clock.now() for _ in range(4)]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 4
    assert stamps[2] == Hlc(1000, 2, "a")


def test_observing_a_later_remote_stamp_moves_past_it() -> None:
    clock = HlcClock("a", lambda: 1000)
    seen = clock.observe(Hlc(5000, 3, "b"))
    assert seen == Hlc(5000, 4, "a")
    assert clock.now() > Hlc(5000, 3, "b")


def test_counter_overflow_moves_to_the_next_millisecond() -> None:
    clock = HlcClock("a", lambda: 10, last=Hlc(10, 9999, "a"))
    assert clock.now() == Hlc(11, 0, "a")


def test_text_form_sorts_like_the_clock() -> None:
    stamps = [Hlc(m, c, n) for m, c, n in itertools.product([5, 40, 1000], [0, 9, 10], "ab")]
    assert sorted(stamps) == sorted(stamps, key=str)


def test_a_stamp_days_ahead_is_bounded_to_server_time_plus_tolerance() -> None:
    far = Hlc(10_000_000, 2, "fast")
    assert bound_hlc(far, now_millis=1_000, tolerance_millis=500) == Hlc(1_500, 2, "fast")
    near = Hlc(1_200, 0, "ok")
    assert bound_hlc(near, now_millis=1_000, tolerance_millis=500) is near


def test_successive_clamped_stamps_from_one_node_stay_in_order() -> None:
    first = bound_hlc(Hlc(10_000_000, 0, "fast"), now_millis=1_000, tolerance_millis=500)
    second = bound_hlc(
        Hlc(10_000_001, 0, "fast"), now_millis=1_000, tolerance_millis=500, after=first
    )
    assert first < second
    assert second == Hlc(1_500, 1, "fast")
    other = bound_hlc(
        Hlc(10_000_001, 0, "other"), now_millis=1_000, tolerance_millis=500, after=first
    )
    assert other == Hlc(1_500, 0, "other")


def test_later_edit_wins_a_field_and_unseen_edit_is_a_conflict() -> None:
    held = {"narrative": "old", "kind": "patrol"}
    versions = {"narrative": "001:0000:a", "kind": "001:0000:a"}
    b = merge_change(
        held,
        versions,
        incoming_fields={"narrative": "from b"},
        incoming_hlc="003:0000:b",
        base={"narrative": "001:0000:a"},
    )
    c = merge_change(
        b.fields,
        b.versions,
        incoming_fields={"narrative": "from c"},
        incoming_hlc="002:0000:c",
        base={"narrative": "001:0000:a"},
    )
    assert c.fields["narrative"] == "from b"
    assert c.changed == frozenset()
    (conflict,) = c.conflicts
    assert (conflict.kept_value, conflict.other_value) == ("from b", "from c")


def test_edits_to_different_fields_both_apply_without_conflict() -> None:
    held, versions = {"a": 1, "b": 1}, {"a": "001:0000:x", "b": "001:0000:x"}
    first = merge_change(
        held,
        versions,
        incoming_fields={"a": 2},
        incoming_hlc="002:0000:y",
        base={"a": "001:0000:x"},
    )
    second = merge_change(
        first.fields,
        first.versions,
        incoming_fields={"b": 3},
        incoming_hlc="002:0000:z",
        base={"b": "001:0000:x"},
    )
    assert second.fields == {"a": 2, "b": 3}
    assert not first.conflicts
    assert not second.conflicts


def test_append_only_records_never_conflict() -> None:
    result = merge_change(
        {"body": "x"},
        {"body": "002:0000:a"},
        incoming_fields={"body": "y"},
        incoming_hlc="003:0000:b",
        base={},
        append_only=True,
    )
    assert result.fields["body"] == "y"
    assert result.conflicts == ()


_hlcs = st.builds(
    lambda m, c, n: str(Hlc(m, c, n)),
    st.integers(0, 50),
    st.integers(0, 3),
    st.sampled_from(["a", "b", "c"]),
)
_changes = st.lists(
    st.tuples(
        st.dictionaries(st.sampled_from(["x", "y", "z"]), st.integers(0, 3), min_size=1),
        _hlcs,
    ),
    max_size=6,
    unique_by=lambda c: c[1],
)


@given(_changes, st.randoms())
def test_merge_converges_whatever_order_changes_arrive_in(
    changes: list[tuple[dict[str, int], str]], rnd: object
) -> None:
    def apply(order: list[tuple[dict[str, int], str]]) -> tuple[dict[str, object], dict[str, str]]:
        fields: dict[str, object] = {}
        versions: dict[str, str] = {}
        for incoming, hlc in order:
            result = merge_change(
                fields, versions, incoming_fields=incoming, incoming_hlc=hlc, base={}
            )
            fields, versions = result.fields, result.versions
        return fields, versions

    shuffled = list(changes)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert apply(changes) == apply(shuffled)

"""Reading a pull page: the wire model's parse against the hand parser it replaced, paired.

Run: ``.venv/bin/python bench/pull_parse_bench.py [--records 1000] [--rounds 50]``. A page of
visits as the server renders it (JSON bytes) is read by both parsers in the same process,
alternately (old, new, old, new...), so a busy machine slows both alike. Reported: the median
wall and CPU time per page of each, and the median of the per-round ratios new/old. The old
parser is kept here, frozen as it was (``json.loads`` then checks by hand), for comparison.
Rewrites the "Reading a pull page" section of bench/results/sync.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fieldkit.sync.protocol import BadReply, PullPage, WireRecord

RESULTS = Path(__file__).parent / "results" / "sync.md"
BEGIN = "<!-- pull-parse-bench:begin -->"
END = "<!-- pull-parse-bench:end -->"


# The hand parser as it was before the wire models (kept to compare against) -----------------


def _object(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadReply("expected an object")
    return value


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key)
    if not isinstance(value, list):
        raise BadReply(f"'{key}' is not a list")
    return value


def _str(doc: Mapping[str, Any], key: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str):
        raise BadReply(f"'{key}' is not a string")
    return value


def _optional_str(doc: Mapping[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise BadReply(f"'{key}' is not a string")
    return value


def _hand_record(body: object) -> WireRecord:
    doc = _object(body)
    versions = _object(doc.get("versions"))
    return WireRecord(
        _str(doc, "type"),
        _str(doc, "id"),
        bool(doc.get("deleted")),
        _object(doc.get("fields")),
        {str(k): str(v) for k, v in versions.items()},
        _optional_str(doc, "author"),
    )


def hand_parse(content: bytes) -> PullPage:
    """The pull page as the laptop read it before: ``json.loads``, then member by member."""
    doc = _object(json.loads(content))
    purge = tuple((_str(p, "type"), _str(p, "id")) for p in map(_object, _list(doc, "purge")))
    more = doc.get("more")
    if not isinstance(more, bool):
        raise BadReply("'more' is not a boolean")
    return PullPage(
        tuple(_hand_record(r) for r in _list(doc, "records")),
        _str(doc, "next"),
        more,
        purge,
        _str(doc, "server_hlc"),
    )


def model_parse(content: bytes) -> PullPage:
    """The pull page as the laptop reads it now (`PullResponse` from the raw bytes)."""
    return PullPage.parse(content)


# The page --------------------------------------------------------------------------------------


def page(records: int) -> bytes:
    """A pull page of visits, rendered as the server sends it."""
    hlc = "001795770000000:0000:7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
    rows = []
    for n in range(records):
        fields: dict[str, object] = {
            "occurred_at": "2026-11-27T10:00:00+00:00",
            "district": "huddersfield",
            "ward": "newsome",
            "kind": "patrol",
            "categories": ["asb", "youth"],
            "narrative": f"Group gathered by the bus station ({n}); moved on without trouble.",
            "officer_id": "amy.officer",
            "location": {"lat": 53.645 + n / 1e6, "lon": -1.78},
            "restricted": False,
            "case_id": None,
        }
        rows.append(
            {
                "type": "visit",
                "id": f"{n:08x}-1d3a-4f6b-8e0c-5a7d9f1b3c24",
                "deleted": False,
                "fields": fields,
                "versions": dict.fromkeys(fields, hlc),
                "author": "amy.officer",
            }
        )
    body = {
        "records": rows,
        "next": "1795770002000:17",
        "more": True,
        "purge": [{"type": "person", "id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}],
        "server_hlc": "001795770002000:0000:server",
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def timed(parse: Callable[[bytes], PullPage], content: bytes) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    parse(content)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    """Run the paired benchmark and rewrite its section of bench/results/sync.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    content = page(args.records)
    if hand_parse(content) != model_parse(content):
        raise SystemExit("the two parsers read the page differently")
    load_before = os.getloadavg()[0]
    for _ in range(3):  # warm both
        timed(hand_parse, content)
        timed(model_parse, content)
    old: list[tuple[float, float]] = []
    new: list[tuple[float, float]] = []
    for n in range(args.rounds):
        pair = (hand_parse, model_parse) if n % 2 == 0 else (model_parse, hand_parse)
        for parse in pair:
            (old if parse is hand_parse else new).append(timed(parse, content))
    load_after = os.getloadavg()[0]

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.2f} ms"

    ratios = [n[0] / o[0] for o, n in zip(old, new, strict=True)]
    cpu_ratios = [n[1] / o[1] for o, n in zip(old, new, strict=True) if o[1] > 0]
    wall_ratio = statistics.median(ratios)
    cpu_ratio = statistics.median(cpu_ratios) if cpu_ratios else float("nan")
    if cpu_ratio <= 1.03:
        verdict = (
            "The model reads the bytes in pydantic-core (Rust) in one pass, so the validated "
            "parse costs no more than the hand parser's `json.loads` plus its checks, and the "
            "pull needs no separate fast path."
        )
    else:
        verdict = "The validated parse costs more CPU than the hand parser did."
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = "\n".join(
        [
            BEGIN,
            "## Reading a pull page (bench/pull_parse_bench.py)",
            "",
            f"{stamp}: one page of {args.records:,} visits ({len(content):,} bytes of JSON), read "
            f"{args.rounds} times by each parser, alternately, in one process; load average "
            f"{load_before:.1f} before and {load_after:.1f} after.",
            "",
            "| parser | median wall per page | median CPU per page |",
            "|---|---|---|",
            f"| by hand (`json.loads`, then member by member; before) | "
            f"{ms([w for w, _ in old])} | {ms([c for _, c in old])} |",
            f"| `PullResponse.model_validate_json` (strict), then `WireRecord`s (now) | "
            f"{ms([w for w, _ in new])} | {ms([c for _, c in new])} |",
            "",
            f"Median of the paired ratios now/before: **{cpu_ratio:.2f} CPU**, {wall_ratio:.2f} "
            "wall (below 1 is faster). " + verdict + " On a shared machine the wall time is "
            "mostly the queue for a core (see the load average): read the CPU column. "
            "`.venv/bin/python bench/pull_parse_bench.py` rewrites this section.",
            END,
        ]
    )
    text = RESULTS.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    print(section)


if __name__ == "__main__":
    main()

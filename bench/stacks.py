"""Summarise py-spy's raw (collapsed) stacks: where each endpoint's time went.

Usage: .venv/bin/python bench/stacks.py STACKS.txt [--top N]

For each endpoint handler (push, pull, sign-in lookup) prints its share of the server's samples
and the functions that take most of it (inclusive), so that a profile can be quoted in a table.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

ROOTS = {
    "push": "push_changes (fieldkit_server/api.py",
    "pull": "pull_records (fieldkit_server/api.py",
    # Its own transaction before issue 17's per-request work; since, inside push's and pull's.
    "token lookup (own transaction)": "current_device (fieldkit_server/api.py",
    "token lookup (in the handler's transaction)": "signed_in (fieldkit_server/api.py",
}
_FRAME = re.compile(r"^(.*?) \((.*?):\d+\)$")


def _name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    function, path = match[1], match[2]
    parts = Path(path).parts
    short = "/".join(parts[-2:]) if len(parts) > 1 else path
    return f"{function} ({short})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stacks", type=Path)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    total = 0
    per_root: dict[str, int] = Counter()
    inclusive: dict[str, Counter[str]] = {root: Counter() for root in ROOTS}
    for line in args.stacks.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        for root, marker in ROOTS.items():
            at = next((i for i, f in enumerate(frames) if f.startswith(marker)), None)
            if at is None:
                continue
            per_root[root] += count
            for name in {_name(f) for f in frames[at + 1 :]}:
                inclusive[root][name] += count
    print(f"{total} samples")
    for root in ROOTS:
        share = per_root[root] / total if total else 0
        print(f"\n## {root}: {per_root[root]} samples ({share:.0%} of the server's)")
        for name, count in inclusive[root].most_common(args.top):
            print(f"  {count / max(per_root[root], 1):5.0%}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

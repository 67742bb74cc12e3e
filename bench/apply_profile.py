"""Profile of the laptop applying pulled pages: a first sync's writes, without the network.

Run: .venv/bin/python bench/apply_profile.py [--records 20000] [--page 1000] [--profile FILE]
     [--memory-security]

Fresh encrypted vault (test Argon2 cost), pages of pulled visits shaped as the server sends them
(every field at one version, an author), applied as the sync engine applies them: one write
transaction per page through `replica.apply_pulled`. Prints records/s; with --profile, writes a
cProfile dump for `python -m pstats` or snakeviz.
"""

from __future__ import annotations

import argparse
import cProfile
import random
import tempfile
import time
from pathlib import Path

from bench_kdf import BENCH_KDF
from fieldkit.domain.hlc import Hlc
from fieldkit.store import replica
from fieldkit.store.replica import PulledRecord
from fieldkit.store.vault import Vault

_TEXT = (
    "group drinking outside library moved on advice given bus station shelter damaged litter fly "
    "tipping rear alley noise complaint residents reported youths gathering evening warning "
    "issued leaflet signposted service referral follow up next week"
)
WORDS = _TEXT.split()
NAMES = ("occurred_at", "district", "kind", "categories", "narrative", "officer_id")


def pulled_visit(rng: random.Random, n: int) -> PulledRecord:
    """A visit as a pull page carries it (about 0.5 KB, every field at one version)."""
    fields: dict[str, object] = {
        "occurred_at": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:15:00+00:00",
        "district": "huddersfield",
        "kind": "patrol",
        "categories": ["street_drinking"],
        "narrative": " ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 70))),
        "officer_id": "amy",
    }
    hlc = str(Hlc(1_790_000_000_000 + n, 0, "seedlaptop"))
    return PulledRecord(
        "visit", f"{n:08d}-0000-4000-8000-000000000000", False, fields,
        dict.fromkeys(NAMES, hlc), "amy",
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--page", type=int, default=1_000)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--memory-security", action="store_true")
    args = parser.parse_args()
    rng = random.Random(7)
    pages = [
        [pulled_visit(rng, n) for n in range(start, min(start + args.page, args.records))]
        for start in range(0, args.records, args.page)
    ]
    folder = Path(tempfile.mkdtemp(prefix="fieldkit-apply-")) / "vault"
    vault = Vault.create(
        folder, username="amy", passphrase="profile passphrase, not a secret",  # noqa: S106
        kdf=BENCH_KDF, memory_security=args.memory_security,
    )  # fmt: skip
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for page in pages:
        with vault.write() as conn:
            replica.apply_pulled(conn, page, at="2026-12-06T05:00:00+00:00")
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    elapsed = time.perf_counter() - started
    print(f"{args.records} records in {elapsed:.2f} s: {args.records / elapsed:,.0f} records/s")
    vault.lock()


if __name__ == "__main__":
    main()

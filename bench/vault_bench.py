"""Vault benchmark: unlock, save, import and search on a full-size vault, encrypted vs plain.

Run: .venv/bin/python bench/vault_bench.py [--visits 100000] [--out bench/results/vault.md]

Import alone, paired with another tree (e.g. `git archive main src sync | tar -x -C DIR`),
alternating process by process, encrypted vault: prints medians of wall and CPU rates.
     .venv/bin/python bench/vault_bench.py --import-only --visits 20000 --rounds 3 --baseline DIR

Each store kind runs in its own process (so peak memory is its own), on a fresh vault filled
with the demo generator: 100,000 visits, 20,000 people, 5,000 places, 5,000 tenancy notes by
default. Times are medians (and p95 where said); the table gives encrypted/plain ratios from the
same run, since the machine is shared and absolute numbers drift.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fieldkit.store.transaction import connection

PASSPHRASE = "benchmark passphrase, not a secret"  # noqa: S105


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def run_kind(
    kind: str, visits: int, folder: Path, *, import_only: bool = False
) -> dict[str, float]:
    """Measure one store kind; returns metric name -> value (seconds unless named)."""
    from fieldkit.demo.generator import DemoSize, generate
    from fieldkit.services.records import RecordService
    from fieldkit.services.transfer import import_records
    from fieldkit.store.keyfile import KdfParams, derive_key
    from fieldkit.store.vault import Vault

    encrypted = kind != "plain"
    memsec = kind == "encrypted-memsec"
    results: dict[str, float] = {}
    Vault.create(
        folder, username="bench", passphrase=PASSPHRASE, encrypted=encrypted, memory_security=memsec
    ).lock()
    vault = Vault.unlock(folder, passphrase=PASSPHRASE, memory_security=memsec)
    records = list(generate(DemoSize.for_visits(visits), seed=11))
    started, cpu = time.perf_counter(), time.process_time()
    count = import_records(vault, iter(records))
    results["import_records_per_s"] = count / (time.perf_counter() - started)
    # SQLite and SQLCipher run in this process: its CPU time is the import's whole cost.
    results["import_cpu_records_per_s"] = count / (time.process_time() - cpu)
    results["records"] = count
    vault.lock()
    if import_only:
        return results

    unlocks, kdfs = [], []
    for _ in range(5):
        started = time.perf_counter()
        vault = Vault.unlock(folder, passphrase=PASSPHRASE, memory_security=memsec)
        with vault.read() as conn:  # the first screen's query: the latest visits
            connection(conn).exec_driver_sql(
                "SELECT id FROM visit ORDER BY occurred_at DESC LIMIT 50"
            ).fetchall()
        unlocks.append(time.perf_counter() - started)
        vault.lock()
        started = time.perf_counter()
        derive_key(PASSPHRASE, b"0" * 16, KdfParams()).wipe()
        kdfs.append(time.perf_counter() - started)
    results["unlock_s"] = statistics.median(unlocks)
    results["kdf_s"] = statistics.median(kdfs)

    vault = Vault.unlock(folder, passphrase=PASSPHRASE, memory_security=memsec)
    service = RecordService(vault)
    people = [r.id for r in records if r.type == "person"][:500]
    places = [r.id for r in records if r.type == "place"][:500]
    rng = random.Random(5)
    saves, edits = [], []
    for i in range(200):
        fields = {
            "occurred_at": "2026-11-27T10:15:00+00:00",
            "district": "huddersfield",
            "kind": "patrol",
            "place_id": rng.choice(places),
            "person_ids": [rng.choice(people)],
            "categories": ["street_drinking"],
            "narrative": f"Benchmark visit {i}: group drinking near the bus station, moved on.",
            "officer_id": "bench",
        }
        started = time.perf_counter()
        created = service.create(record_type="visit", fields=fields)
        saves.append(time.perf_counter() - started)
        started = time.perf_counter()
        service.update(
            record_type="visit",
            record_id=created.id,
            changes={"narrative": fields["narrative"] + " Follow-up booked."},
        )
        edits.append(time.perf_counter() - started)
    results["save_visit_s"] = statistics.median(saves)
    results["save_visit_p95_s"] = _p95(saves)
    results["edit_visit_s"] = statistics.median(edits)

    queries = _queries(records, rng)
    times = []
    for query in queries:
        started = time.perf_counter()
        service.search(text=query, limit=50)
        times.append(time.perf_counter() - started)
    results["search_median_s"] = statistics.median(times)
    results["search_p95_s"] = _p95(times)
    results["search_queries"] = len(queries)
    vault.lock()
    results["db_mb"] = (folder / "vault.db").stat().st_size / 1e6
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def _queries(records: list, rng: random.Random) -> list[str]:  # type: ignore[type-arg]
    people = [r.fields for r in records if r.type == "person"]
    places = [r.fields for r in records if r.type == "place"]
    queries: list[str] = []
    for _ in range(60):  # names as typed: a prefix, a full name, a surname
        p = rng.choice(people)
        given, family = p.get("given_name") or "", p.get("family_name") or ""
        queries += [given[:3], f"{given} {family}".strip(), family]
    for _ in range(40):
        pl = rng.choice(places)
        queries += [str(pl.get("postcode") or pl["label"]), str(pl["label"]).split()[0]]
    queries += ["bus station", "drinking", "moved on", "shop", "dog", "knife"]
    queries += ['"', "*", "%", "OR", "NEAR(a b)", "zzzz", "a"]
    return [q for q in queries if q.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("bench/results/vault.md"))
    parser.add_argument("--kind", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--import-only", action="store_true", help="measure the import alone")
    parser.add_argument("--baseline", type=Path, help="a tree (src/, sync/) to pair against")
    parser.add_argument("--rounds", type=int, default=3, help="paired import runs per tree")
    args = parser.parse_args()

    if args.kind:  # child process: one store kind
        with tempfile.TemporaryDirectory() as tmp:
            found = run_kind(
                args.kind, args.visits, Path(tmp) / "vault", import_only=args.import_only
            )
            print(json.dumps(found))
        return 0
    if args.import_only:
        print(paired_imports(args.visits, args.rounds, args.baseline))
        return 0

    measured = {}
    for kind in KINDS:
        print(f"measuring the {kind} store with {args.visits} visits...", file=sys.stderr)
        measured[kind] = _child(kind, args.visits, tree=None, import_only=False)
    table = render(measured, args.visits)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table, encoding="utf-8")
    return 0


KINDS = ("plain", "encrypted", "encrypted-memsec")


def _child(kind: str, visits: int, *, tree: Path | None, import_only: bool) -> dict[str, float]:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = f"{tree / 'src'}{os.pathsep}{tree / 'sync'}"
    command = [sys.executable, __file__, "--kind", kind, "--visits", str(visits)]
    out = subprocess.run(
        command + (["--import-only"] if import_only else []),
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def paired_imports(visits: int, rounds: int, baseline: Path | None) -> str:
    """Import into a fresh encrypted vault, this tree and the baseline alternating."""
    trees: list[tuple[str, Path | None]] = [("this tree", None)]
    if baseline is not None:
        trees.insert(0, ("baseline", baseline))
    runs: dict[str, list[dict[str, float]]] = {name: [] for name, _ in trees}
    loads = [os.getloadavg()[0]]
    for _ in range(rounds):
        for name, tree in trees:
            runs[name].append(_child("encrypted", visits, tree=tree, import_only=True))
            loads.append(os.getloadavg()[0])
            print(f"{name}: {runs[name][-1]}", file=sys.stderr)
    lines = [
        f"Import of {visits:,} visits ({int(runs['this tree'][0]['records']):,} records) into a "
        f"fresh SQLCipher vault, {rounds} runs per tree, alternating; load average "
        f"{min(loads):.1f}–{max(loads):.1f}.",
        "",
        "| tree | records/s (wall), median | runs | records per CPU second, median | runs |",
        "|---|---:|---|---:|---|",
    ]
    medians: dict[str, tuple[float, float]] = {}
    for name, found in runs.items():
        wall = [r["import_records_per_s"] for r in found]
        cpu = [r["import_cpu_records_per_s"] for r in found]
        medians[name] = (statistics.median(wall), statistics.median(cpu))
        lines.append(
            f"| {name} | {medians[name][0]:,.0f} | {', '.join(f'{w:,.0f}' for w in wall)} | "
            f"{medians[name][1]:,.0f} | {', '.join(f'{c:,.0f}' for c in cpu)} |"
        )
    if baseline is not None:
        wall_ratio = medians["this tree"][0] / medians["baseline"][0]
        cpu_ratio = medians["this tree"][1] / medians["baseline"][1]
        lines.append(f"| ratio | {wall_ratio:.2f}× | | {cpu_ratio:.2f}× | |")
    return "\n".join(lines) + "\n"


ROWS = [
    ("unlock to first query (incl. Argon2id)", "unlock_s", "ms", "≤ 1000 ms"),
    ("  of which key derivation", "kdf_s", "ms", "≥ 250 ms"),
    ("save one visit (median)", "save_visit_s", "ms", "≤ 5 ms"),
    ("save one visit (p95)", "save_visit_p95_s", "ms", ""),
    ("edit one visit, history kept (median)", "edit_visit_s", "ms", ""),
    ("import", "import_records_per_s", "records/s", "≥ 10,000/s"),
    ("import, records per CPU second", "import_cpu_records_per_s", "records/s", ""),
    ("search (median)", "search_median_s", "ms", ""),
    ("search (p95)", "search_p95_s", "ms", "≤ 20 ms"),
    ("database size", "db_mb", "MB", ""),
    ("peak memory (process)", "peak_rss_mb", "MB", ""),
]

#: The field setting as published before issue 17 (memory security on; 2026-11-27, 100,000
#: visits, load 4-6), kept beside each new run.
BEFORE = {
    "unlock_s": "1,365.6 ms",
    "kdf_s": "1,326.1 ms",
    "save_visit_s": "23.7 ms",
    "save_visit_p95_s": "43.8 ms",
    "edit_visit_s": "24.0 ms",
    "import_records_per_s": "223 records/s",
    "search_median_s": "40.3 ms",
    "search_p95_s": "320.3 ms",
    "db_mb": "414.9 MB",
    "peak_rss_mb": "554.1 MB",
}


def render(measured: dict[str, dict[str, float]], visits: int) -> str:
    plain, enc, memsec = (measured[k] for k in KINDS)
    lines = [
        "# Vault benchmark",
        "",
        f"{visits:,} visits with {visits // 5:,} people, {visits // 20:,} places and "
        f"{visits // 20:,} tenancy notes ({int(enc['records']):,} records in all), "
        f"{int(enc['search_queries'])} search queries. Python {platform.python_version()}, "
        f"{platform.machine()}, shared 2-core machine (load average {os.getloadavg()[0]:.1f} "
        "at the end of the run). Medians unless marked.",
        "",
        "| measure | SQLCipher vault (field setting) | plain SQLite | ratio | target |"
        " SQLCipher, memory security on | on/off | before (memory security on, 2026-11-27) |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for label, key, unit, target in ROWS:
        scale = 1000 if unit == "ms" else 1
        e, p, m = enc[key] * scale, plain[key] * scale, memsec[key] * scale
        ratio = e / p if p else float("nan")
        against = m / e if e else float("nan")
        fmt = "{:,.0f}" if unit in ("records/s",) else "{:,.1f}"
        cells = [label, f"{fmt.format(e)} {unit}", f"{fmt.format(p)} {unit}", f"{ratio:.2f}×"]
        cells += [target, f"{fmt.format(m)} {unit}", f"{against:.2f}×", BEFORE.get(key, "")]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "The plain store runs the same code with the same Argon2id unlock; only the page cipher",
        "differs, so the ratio is the cost of encryption at rest. For import the ratios are",
        "throughput (below 1 means slower). The field setting has `cipher_memory_security` off",
        "since issue 17 (SQLCipher's own default; see the threat model in docs/data-model.md);",
        "the memory-security-on column is the old setting measured in the same run, and the",
        "last column is the figure published before the change.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

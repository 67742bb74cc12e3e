"""Evidence benchmark: attaching photos, syncing files on loopback, opening a visit's thumbnails.

Run: .venv/bin/python bench/evidence_bench.py [--runs 3] [--sync-mb 100] [--out FILE.md]

Targets (issue 15), medians: attach ten 4 MB photos <= 2 s; sync 100 MB of files on loopback
>= 50 MB/s; open a visit with 20 thumbnails <= 200 ms. The machine may be shared and loaded, so
each figure is reported with the CPU time this process spent on it (the server's CPU too, for
sync), which load does not inflate.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests
from PIL import Image

PASSPHRASE = "benchmark passphrase, not a secret"  # noqa: S105
PASSWORD = "benchmark password"  # noqa: S105
MB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _photo(target: int, seed: int) -> bytes:
    """A camera-like JPEG of about ``target`` bytes: smooth gradients plus sensor noise."""
    rng = random.Random(seed)
    side = int((target / 0.9) ** 0.5)
    noise = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    noise.save(out, format="JPEG", quality=92)
    return out.getvalue()


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sync-mb", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("bench/results/evidence.md"))
    parser.add_argument(
        "--only", choices=("all", "sync"), default="all", help="sync: time the file sync alone"
    )
    args = parser.parse_args()

    from bench_kdf import BENCH_KDF
    from fieldkit.services.evidence import AttachmentService
    from fieldkit.services.records import RecordService
    from fieldkit.store.vault import Vault

    work = Path(tempfile.mkdtemp(prefix="fieldkit-evidence-bench-"))
    visit = {
        "occurred_at": "2026-11-27T10:15:00+00:00", "district": "huddersfield", "kind": "patrol",
        "officer_id": "amy", "narrative": "Damage photographed.",
    }  # fmt: skip
    rows: list[tuple[str, str, str, str]] = []
    try:
        if args.only == "all":
            # 1. Attach ten 4 MB photos (EXIF stripped, re-encoded, thumbnailed, one transaction
            # each).
            photos = [_photo(4 * MB, seed) for seed in range(10)]
            walls, cpus = [], []
            for run in range(args.runs):
                vault = Vault.create(
                    work / f"attach{run}", username="amy", passphrase=PASSPHRASE, kdf=BENCH_KDF
                )
                visit_id = RecordService(vault).create(record_type="visit", fields=visit).id
                service = AttachmentService(vault)

                def attach_all(service: AttachmentService = service, owner: str = visit_id) -> None:
                    for data in photos:
                        service.attach(owner_type="visit", owner_id=owner, data=data)

                wall, cpu = _timed(attach_all)
                walls.append(wall)
                cpus.append(cpu)
                vault.lock()
            rows.append(
                ("attach ten 4 MB photos", f"{statistics.median(walls):.2f} s",
                 f"{statistics.median(cpus):.2f} s", "<= 2 s")
            )  # fmt: skip

            # 3. Open a visit with 20 thumbnails (list, then every thumbnail, logged as views).
            vault = Vault.create(
                work / "open", username="amy", passphrase=PASSPHRASE, kdf=BENCH_KDF
            )
            visit_id = RecordService(vault).create(record_type="visit", fields=visit).id
            service = AttachmentService(vault)
            small = [_photo(600 * 1024, 100 + n) for n in range(20)]
            for data in small:
                service.attach(owner_type="visit", owner_id=visit_id, data=data)

            def open_visit() -> None:
                views = service.list_for(owner_type="visit", owner_id=visit_id)
                thumbs = service.thumbnails(owner_type="visit", owner_id=visit_id)
                assert len(views) == 20
                assert all(thumbs.values())

            timings = [_timed(open_visit) for _ in range(max(10, args.runs * 5))]
            rows.append(
                ("open a visit with 20 thumbnails",
                 f"{statistics.median(t[0] for t in timings) * 1000:.0f} ms",
                 f"{statistics.median(t[1] for t in timings) * 1000:.0f} ms", "<= 200 ms")
            )  # fmt: skip
            vault.lock()

        # 2. Sync 100 MB of files on loopback: one laptop uploads, another downloads (each run
        # against a fresh server, so that nothing is deduplicated from an earlier run).
        timed: dict[str, list[tuple[float, float, float]]] = {"upload": [], "download": []}
        for run in range(args.runs):
            for name, figures in _sync_once(work / f"sync{run}", args.sync_mb, visit).items():
                timed[name].append(figures)
        total = max(1, args.sync_mb // 4) * 4 * MB
        for name, figures in timed.items():
            wall = statistics.median(f[0] for f in figures)
            rows.append(
                (f"sync {total // MB} MB of files: {name}",
                 f"{total / MB / wall:.0f} MB/s ({wall:.1f} s)",
                 f"{statistics.median(f[1] for f in figures):.1f} s laptop + "
                 f"{statistics.median(f[2] for f in figures):.1f} s server", ">= 50 MB/s")
            )  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)

    lines = [
        "# Evidence benchmark",
        "",
        f"`bench/evidence_bench.py --runs {args.runs} --sync-mb {args.sync_mb}"
        f"{' --only sync' if args.only == 'sync' else ''}` on "
        f"{platform.platform()}, {os.cpu_count()} CPUs (shared with other work; load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} when it finished). Medians.",
        "",
        "| what | wall time | CPU time | target |",
        "|---|---|---|---|",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows),
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def _sync_once(
    work: Path, sync_mb: int, visit: dict[str, str]
) -> dict[str, tuple[float, float, float]]:
    """One laptop uploads ``sync_mb`` of files, another downloads them: wall, laptop and server
    CPU seconds for each direction."""
    from bench_kdf import BENCH_KDF
    from fieldkit.services.evidence import AttachmentService
    from fieldkit.services.records import RecordService
    from fieldkit.services.sync_engine import SyncEngine, SyncOutcome
    from fieldkit.store.vault import Vault
    from fieldkit.sync.transport import Transport, TransportConfig

    work.mkdir(parents=True)
    env = {
        **os.environ,
        "FIELDKIT_SERVER_ARGON2_TIME_COST": "1",
        "FIELDKIT_SERVER_ARGON2_MEMORY_KIB": "64",
        "FIELDKIT_SERVER_MAX_FILE_BYTES": str(30 * MB),
    }
    bin_dir = Path(sys.executable).parent
    db = f"sqlite:///{work / 'server.sqlite3'}"
    subprocess.run([str(bin_dir / "fieldkit-server"), "init", "--db", db], env=env, check=True)
    for user in ("amy", "bob"):
        subprocess.run(
            [str(bin_dir / "fieldkit-server"), "user", "add", "--username", user, "--role",
             "officer", "--agency", "council", "--district", "huddersfield",
             "--password-stdin", "--db", db],
            input=PASSWORD, text=True, env=env, check=True, capture_output=True,
        )  # fmt: skip
    port = _free_port()
    server = subprocess.Popen(
        [str(bin_dir / "fieldkit-server"), "serve", "--host", "127.0.0.1", "--port",
         str(port), "--db", db, "--log-level", "warning"],
        env=env, cwd=work,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if requests.get(url + "/v1/health", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    figures: dict[str, tuple[float, float, float]] = {}
    try:

        def laptop(name: str) -> tuple[Vault, SyncEngine]:
            vault = Vault.create(work / name, username=name, passphrase=PASSPHRASE, kdf=BENCH_KDF)
            transport = Transport(TransportConfig(server_url=url))
            return vault, SyncEngine(vault, transport, password=lambda: PASSWORD)

        amy, amy_engine = laptop("amy")
        bob, bob_engine = laptop("bob")
        assert amy_engine.run().outcome is SyncOutcome.OK
        assert bob_engine.run().outcome is SyncOutcome.OK
        visit_id = RecordService(amy).create(record_type="visit", fields=visit).id
        rng = random.Random(5)
        count = max(1, sync_mb // 4)
        for _ in range(count):  # 4 MB PDFs: kept as they are, so only the sync is timed
            data = b"%PDF-1.7\n" + rng.randbytes(4 * MB - 9)
            AttachmentService(amy).attach(owner_type="visit", owner_id=visit_id, data=data)
        for name, engine, key in (
            ("upload", amy_engine, "files_uploaded"),
            ("download", bob_engine, "files_downloaded"),
        ):
            server_before = _server_cpu(server.pid)
            cpu_before = time.process_time()
            started = time.perf_counter()
            report = engine.run()
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu_before
            server_cpu = _server_cpu(server.pid) - server_before
            assert report.outcome is SyncOutcome.OK, report.message
            assert getattr(report, key) == count, report
            figures[name] = (wall, cpu, server_cpu)
        amy.lock()
        bob.lock()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return figures


if __name__ == "__main__":
    main()

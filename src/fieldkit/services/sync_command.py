"""`fieldkit sync`: sync a vault from the command line, with progress and telling exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from enum import IntEnum
from pathlib import Path
from typing import Any, TextIO

from fieldkit.services.sync_engine import SyncEngine, SyncHooks, SyncOutcome, SyncReport
from fieldkit.store.errors import VaultDamagedError, VaultError, WrongPassphraseError
from fieldkit.store.vault import Vault
from fieldkit.sync.status import SyncState, SyncStatus
from fieldkit.sync.transport import Transport, TransportConfig


class SyncExit(IntEnum):
    """Exit codes, the same numbers as `fieldkit.cli.Exit`."""

    OK = 0
    ERROR = 1
    USAGE = 2
    WRONG_PASSPHRASE = 3
    DAMAGED = 4
    NETWORK = 6
    REFUSED_CREDENTIALS = 7
    ROLLED_BACK = 9


_OUTCOME_EXIT = {
    SyncOutcome.OK: SyncExit.OK,
    SyncOutcome.OFFLINE: SyncExit.NETWORK,
    SyncOutcome.SIGN_IN_NEEDED: SyncExit.REFUSED_CREDENTIALS,
    SyncOutcome.CREDENTIALS_REFUSED: SyncExit.REFUSED_CREDENTIALS,
    SyncOutcome.DEVICE_REVOKED: SyncExit.REFUSED_CREDENTIALS,
    SyncOutcome.FAILED: SyncExit.ERROR,
    SyncOutcome.STOPPED: SyncExit.ERROR,
    SyncOutcome.ROLLED_BACK: SyncExit.ROLLED_BACK,
}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``fieldkit sync`` on the `fieldkit` command's subparsers.

    The handler is set as ``handler`` (called with ``args, stdin, stdout``), like every other
    `fieldkit` command.
    """
    p: argparse.ArgumentParser = subparsers.add_parser(
        "sync",
        help="sync the vault with the server (passphrase, then password if asked, on stdin)",
    )
    p.add_argument("--vault", required=True, type=Path, help="the vault folder")
    p.add_argument(
        "--passphrase-stdin",
        action="store_true",
        required=True,
        help="read the vault passphrase from the first line of standard input",
    )
    p.add_argument("--server", required=True, help="the sync server, https://host[:port]")
    p.add_argument("--username", help="sign in as this user (the vault's user by default)")
    p.add_argument("--device-name", default="laptop", help="how administrators see this laptop")
    p.add_argument("--ca-bundle", type=Path, help="CA bundle to verify the server with")
    p.add_argument("--pinned-cert", type=Path, help="trust only this server certificate")
    p.set_defaults(handler=run)
    return p


def run(
    args: argparse.Namespace,
    stdin: TextIO,
    stdout: TextIO,
    *,
    stderr: TextIO | None = None,
    hooks: SyncHooks | None = None,
) -> int:
    """Unlock the vault, sync once, and say how it went; returns the exit code."""
    err = stderr or sys.stderr
    passphrase = stdin.readline().rstrip("\r\n")
    if not passphrase:
        print("fieldkit sync: expected the passphrase on standard input", file=err)
        return SyncExit.USAGE
    try:
        config = TransportConfig(
            server_url=args.server, ca_bundle=args.ca_bundle, pinned_cert=args.pinned_cert
        )
        transport = Transport(config)
    except ValueError as exc:
        print(f"fieldkit sync: {exc}", file=err)
        return SyncExit.USAGE
    try:
        vault = Vault.unlock(args.vault, passphrase=passphrase)
    except WrongPassphraseError as exc:
        print(f"fieldkit sync: {exc}", file=err)
        return SyncExit.WRONG_PASSPHRASE
    except VaultDamagedError as exc:
        print(f"fieldkit sync: {exc}", file=err)
        return SyncExit.DAMAGED
    except VaultError as exc:
        print(f"fieldkit sync: {exc}", file=err)
        return SyncExit.ERROR
    try:
        engine = SyncEngine(
            vault,
            transport,
            username=args.username,
            password=_second_line(stdin),
            device_name=args.device_name,
            hooks=hooks,
        )
        engine.subscribe(_progress(err))
        report = engine.run()
    finally:
        transport.close()
        if not vault.locked:
            vault.lock()
    _summary(report, stdout, err)
    return _OUTCOME_EXIT[report.outcome]


def _second_line(stdin: TextIO) -> Callable[[], str | None]:
    """The password, read from stdin only when a sign-in is needed (and only once)."""
    read: list[str | None] = []

    def password() -> str | None:
        if not read:
            line = stdin.readline().rstrip("\r\n")
            read.append(line or None)
        return read[0]

    return password


def _progress(err: TextIO) -> Callable[[SyncStatus], None]:
    last: list[tuple[str, int]] = []

    def show(status: SyncStatus) -> None:
        if status.state is not SyncState.SYNCING:
            return
        key = (status.step, status.done)
        if last and last[-1] == key:
            return
        last[:] = [key]
        total = f" of {status.total}" if status.total is not None else ""
        print(f"sync: {status.step} {status.done}{total}", file=err, flush=True)

    return show


def _summary(report: SyncReport, out: TextIO, err: TextIO) -> None:
    if report.outcome in (SyncOutcome.OK, SyncOutcome.ROLLED_BACK):
        print(
            f"synced: pushed {report.pushed}, pulled {report.pulled}, purged {report.purged}, "
            f"audit events sent {report.audit_sent}",
            file=out,
        )
        for change_id, reason in report.refused:
            print(f"refused by the server: {change_id}: {reason}", file=err)
        if report.message and report.message != "Up to date.":
            print(f"fieldkit sync: {report.message}", file=err)
        if report.outcome is SyncOutcome.ROLLED_BACK and report.next_step:
            print(f"fieldkit sync: {report.next_step}", file=err)
        return
    print(f"fieldkit sync: {report.message}", file=err)
    if report.next_step:
        print(f"fieldkit sync: {report.next_step}", file=err)


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    hooks: SyncHooks | None = None,
) -> int:
    """Run ``fieldkit sync ...`` on its own (until the `fieldkit` command registers it)."""
    parser = argparse.ArgumentParser(prog="fieldkit")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return run(
        args, stdin or sys.stdin, stdout or sys.stdout, stderr=stderr or sys.stderr, hooks=hooks
    )


if __name__ == "__main__":
    raise SystemExit(main())

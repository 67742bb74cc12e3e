"""The `fieldkit` command line: headless vault administration, import, export and search."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from enum import IntEnum
from pathlib import Path
from typing import TextIO

from fieldkit import __version__
from fieldkit.domain.records import FieldError, ValidationError
from fieldkit.store.errors import (
    ForeignVaultError,
    VaultDamagedError,
    VaultError,
    WrongPassphraseError,
)
from fieldkit.store.vault import Vault


class Exit(IntEnum):
    """Exit codes scripts can rely on."""

    OK = 0
    ERROR = 1
    USAGE = 2
    WRONG_PASSPHRASE = 3
    DAMAGED = 4
    INVALID_INPUT = 5
    NETWORK = 6
    REFUSED_CREDENTIALS = 7
    FOREIGN_VAULT = 8
    #: `fieldkit sync`: the vault is older than the state the server acknowledged (restored
    #: from a copy); the sync went through and the server recorded it.
    ROLLED_BACK = 9


class UsageError(Exception):
    """The command was given something it cannot use; the message says what."""


def _read_secret_line(stdin: TextIO, what: str) -> str:
    line = stdin.readline()
    if not line:
        raise UsageError(f"expected the {what} on standard input")
    secret = line.rstrip("\r\n")
    if not secret:
        raise UsageError(f"the {what} on standard input is empty")
    return secret


def _unlock(args: argparse.Namespace, stdin: TextIO) -> Vault:
    return Vault.unlock(Path(args.vault), passphrase=_read_secret_line(stdin, "passphrase"))


def cmd_vault_create(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    passphrase = _read_secret_line(stdin, "passphrase")
    if len(passphrase) < 8:
        raise UsageError("the passphrase must be at least 8 characters")
    name = " ".join((args.display_name or "").split())
    number = (args.staff_number or "").strip()
    # Checked before anything is written: a bad name or number leaves no vault behind.
    if len(name) > 200 or not all(ch.isprintable() for ch in name):
        raise UsageError("--display-name must be at most 200 printable characters")
    if len(number) > 40 or not all(ch.isprintable() for ch in number):
        raise UsageError("--staff-number must be at most 40 printable characters")
    vault = Vault.create(Path(args.vault), username=args.username, passphrase=passphrase)
    try:
        if name or number:
            from fieldkit.services.settings import SettingsService

            settings = SettingsService(vault)
            current = settings.load()
            settings.save(
                replace(
                    current,
                    officer_name=name or current.officer_name,
                    officer_number=number or current.officer_number,
                )
            )
    finally:
        vault.lock()
    print(f"Created a vault for {args.username} in {args.vault}", file=out)
    return Exit.OK


def cmd_vault_check(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    vault = _unlock(args, stdin)
    try:
        report = vault.check()
    finally:
        vault.lock()
    if not report.ok:
        for problem in report.problems:
            print(f"problem: {problem}", file=out)
        print("The vault is damaged. Restore it from a backup.", file=out)
        return Exit.DAMAGED
    print(
        f"The vault is sound ({report.audit_entries} audit entries, chain intact; "
        "every record matches the record seal).",
        file=out,
    )
    return Exit.OK


def cmd_vault_passwd(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    old = _read_secret_line(stdin, "current passphrase")
    new = _read_secret_line(stdin, "new passphrase")
    if len(new) < 8:
        raise UsageError("the new passphrase must be at least 8 characters")
    if args.rekey:
        # Re-key under the old passphrase first: a crash between the two steps leaves a vault
        # the old passphrase opens, never one that neither opens.
        Vault.rekey(Path(args.vault), passphrase=old)
    Vault.change_passphrase(Path(args.vault), old=old, new=new)
    print("Passphrase changed" + (" and the data key replaced." if args.rekey else "."), file=out)
    return Exit.OK


def cmd_vault_rekey(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    Vault.rekey(Path(args.vault), passphrase=_read_secret_line(stdin, "passphrase"))
    print(
        "The vault's data key was replaced: copies of the old key file no longer open it.",
        file=out,
    )
    return Exit.OK


def cmd_import(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from fieldkit.services.transfer import ImportRejected, import_file

    vault = _unlock(args, stdin)
    try:
        # Read as bytes: a line that is not UTF-8 is then listed with the others, not fatal.
        with open(args.file, "rb") as stream:
            count = import_file(vault, stream)
    except ImportRejected as exc:
        for error in exc.errors:
            print(str(error), file=sys.stderr)
        print(f"Nothing was imported: {exc}.", file=sys.stderr)
        return Exit.INVALID_INPUT
    except OSError as exc:
        raise UsageError(f"cannot read the import file ({exc.strerror})") from None
    finally:
        vault.lock()
    print(f"Imported {count} records.", file=out)
    return Exit.OK


def cmd_export(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from fieldkit.services.transfer import export_records

    vault = _unlock(args, stdin)
    try:
        count = export_records(vault, out, record_type=args.type, reason="command-line export")
    except BrokenPipeError:
        # The reader stopped early (`| head`): what it was sent is logged; say so, not a trace.
        _stop_writing_to(out)
        print(
            "fieldkit: the export stopped because its reader closed the output; every record "
            "written is logged as exported.",
            file=sys.stderr,
        )
        return Exit.ERROR
    finally:
        vault.lock()
    print(f"Exported {count} records.", file=sys.stderr)
    return Exit.OK


def _stop_writing_to(out: TextIO) -> None:
    """Point a closed pipe's descriptor at /dev/null so that flushing it at exit is quiet."""
    try:
        descriptor = out.fileno()
    except (OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, descriptor)
    finally:
        os.close(null)


def cmd_gazetteer_search(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    import json

    from fieldkit.services.gazetteer import MAX_LIMIT, GazetteerService

    if not 1 <= args.limit <= MAX_LIMIT:
        raise UsageError(f"--limit must be between 1 and {MAX_LIMIT}")
    vault = _unlock(args, stdin)
    try:
        found = GazetteerService(vault).search(" ".join(args.text), limit=args.limit)
    finally:
        vault.lock()
    # Reference data, not records: nothing personal leaves the vault, so nothing is logged.
    for entry in found:
        line = {
            "uprn": entry.uprn,
            "address": entry.address,
            "postcode": entry.postcode,
            "lat": entry.lat,
            "lon": entry.lon,
        }
        if entry.landmark:
            line["landmark"] = entry.landmark
        print(json.dumps(line, ensure_ascii=False), file=out)
    return Exit.OK


def cmd_search(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from fieldkit.domain.records import SPECS, RecordType
    from fieldkit.services import disclosure
    from fieldkit.services.people import PeopleService
    from fieldkit.services.records import RecordService
    from fieldkit.store.audit import AuditAction

    text = " ".join(args.text)
    vault = _unlock(args, stdin)
    try:
        records = RecordService(vault)
        # People by the name matcher (any spelling, surest first, with why); everything else
        # (places, postcodes, narratives, notes) by its words, as before.
        people = PeopleService(vault, records, {}).search(text, limit=args.limit)
        others = records.search(
            text=text,
            types=[
                t.value for t, s in SPECS.items() if s.searchable and t is not RecordType.PERSON
            ],
            limit=args.limit,
        )[: max(0, args.limit - len(people))]
        lines = [f"person\t{p.id}\t{p.name}\t{p.detail}\t{p.reason}" for p in people]
        lines += [f"{r.type}\t{r.id}\t{r.title}\t{r.detail}" for r in others]
        if lines:
            # Printed results leave the vault (a pipe, a file): logged first, as an export is.
            # The reason never holds the search words, which may be a name.
            what = "command-line search"
            named = [(RecordType.PERSON.value, p.id) for p in people]
            named += [(str(r.type), r.id) for r in others]
            disclosure.log_disclosure(vault, action=AuditAction.EXPORT, records=named, reason=what)
            try:
                for line in lines:
                    print(line, file=out)
                out.flush()
            except BrokenPipeError:
                _stop_writing_to(out)
                print("fieldkit: the reader closed the output early.", file=sys.stderr)
                return Exit.ERROR
            disclosure.log_completion(vault, what=what, count=len(lines))
    finally:
        vault.lock()
    if not lines:
        print("No matches.", file=sys.stderr)
    return Exit.OK


def cmd_demo_data(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from fieldkit.services.demo_data import NOT_INSTALLED, demo_available, demo_records
    from fieldkit.services.transfer import import_records

    if not demo_available():
        print(NOT_INSTALLED, file=sys.stderr)
        return Exit.ERROR
    vault = _unlock(args, stdin)

    def progress(done: int) -> None:
        print(f"\r{done} records written", end="", file=sys.stderr, flush=True)

    try:
        records = demo_records(args.visits, seed=args.seed)
        count = import_records(vault, records, on_progress=progress)
    finally:
        vault.lock()
    print(file=sys.stderr)
    print(f"Wrote {count} demo records ({args.visits} visits, seed {args.seed}).", file=out)
    return Exit.OK


def _write_atomically(path: Path, data: bytes) -> None:
    """Write an output file whole and owner-only (0600), or raise a usage error naming it."""
    from fieldkit.services.disclosure import write_private_file

    try:
        write_private_file(path, data)
    except OSError as exc:
        raise UsageError(f"cannot write {path.name} ({exc.strerror or 'failed'})") from None


def _check_output_folder(path: Path) -> None:
    if not path.parent.is_dir():
        raise UsageError(f"the folder for {path.name} does not exist")


def cmd_document(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from fieldkit.domain.schemes import load_schemes
    from fieldkit.services.documents_service import DocumentService
    from fieldkit.services.printouts import NoLetterForWarning, Officer, PrintoutService
    from fieldkit.services.settings import SettingsService

    if args.out.exists() and not args.force:
        raise UsageError(f"{args.out.name} already exists (use --force to replace it)")
    _check_output_folder(args.out)
    vault = _unlock(args, stdin)
    try:
        settings = SettingsService(vault).load()
        printouts = PrintoutService(
            vault,
            documents=DocumentService(vault),
            schemes=load_schemes(),
            officer=Officer(settings.officer_name or vault.username, settings.officer_number),
            language=args.language or settings.language,
        )
        try:
            if args.command == "letter":
                kept = printouts.letter_for_warning(args.warning, served_how=args.served_how)
            elif args.command == "leaflet":
                kept = printouts.leaflet(
                    args.service, person_id=args.person, served_how=args.served_how
                )
            else:
                kept = printouts.bundle_for_case(
                    args.case, served_how=args.served_how, court=settings.court_name
                )
        except NoLetterForWarning:
            raise UsageError("that warning's level has no letter to print") from None
        # The document and each record it shows were logged when it was made, before this.
        _write_atomically(args.out, kept.pdf)
        printouts.saved(kept, served_how=args.served_how)
    finally:
        vault.lock()
    print(
        f"Wrote {args.out} ({kept.page_count} pages, SHA-256 {kept.sha256}); "
        f"document record {kept.id}.",
        file=out,
    )
    return Exit.OK


def cmd_people_merge(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from fieldkit.services.person_merge import PersonMergeService

    if not args.reason.strip():
        raise ValidationError([FieldError("reason", "say why the two records are one person")])
    vault = _unlock(args, stdin)
    try:
        plan = PersonMergeService(vault).merge(
            duplicate_id=args.duplicate_id, into_id=args.into_id, reason=args.reason
        )
    finally:
        vault.lock()
    print(
        f"Merged person {plan.duplicate_id} into {plan.into_id}; moved {plan.summary}. "
        "Sync to send the merge.",
        file=out,
    )
    return Exit.OK


def cmd_warning_withdraw(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from fieldkit.domain.schemes import load_schemes
    from fieldkit.services.directory import DirectoryService
    from fieldkit.services.documents_service import DocumentService
    from fieldkit.services.settings import SettingsService
    from fieldkit.services.warnings import WarningService
    from fieldkit.store.errors import RecordNotFoundError

    if not args.reason.strip():
        raise ValidationError([FieldError("reason", "say why the warning is withdrawn")])
    vault = _unlock(args, stdin)
    try:
        warnings = WarningService(
            vault,
            schemes=load_schemes(),
            directory=DirectoryService(vault),
            documents=DocumentService(vault),
            settings=SettingsService(vault).load,
        )
        try:
            withdrawn = warnings.withdraw(warning_id=args.id, reason=args.reason)
        except RecordNotFoundError:
            raise ValidationError([FieldError("id", "no such warning")]) from None
    finally:
        vault.lock()
    print(
        f"Withdrew warning {withdrawn.warning_id}; the engine now proposes: "
        f"{withdrawn.proposal.level_name}.",
        file=out,
    )
    return Exit.OK


#: The weeks `fieldkit report` may count back from today, as the Intelligence screen allows.
REPORT_WEEKS = range(1, 53)


def cmd_report(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from fieldkit.domain.schemes import load_schemes
    from fieldkit.services.intelligence import (
        IntelligenceService,
        ReportName,
        Scope,
        period_ending,
    )

    # The words given are never repeated back: a mistyped passphrase could be among them.
    try:
        name = ReportName(args.name)
    except ValueError:
        names = ", ".join(n.value for n in ReportName)
        raise UsageError(f"there is no report of that name; the reports are: {names}") from None
    districts = [value for value, _ in IntelligenceService.districts()]
    if args.district is not None and args.district not in districts:
        raise UsageError(
            f"there is no district of that name; the districts are: {', '.join(districts)}"
        )
    weeks = int(args.weeks) if args.weeks.isdecimal() else 0
    if weeks not in REPORT_WEEKS:
        raise UsageError(f"--weeks must be a number from {REPORT_WEEKS[0]} to {REPORT_WEEKS[-1]}")
    _check_output_folder(args.out)
    vault = _unlock(args, stdin)
    try:
        service = IntelligenceService(vault, schemes=load_schemes())
        scope = Scope(districts=(args.district,)) if args.district else Scope()
        table = service.report(name=name, period=period_ending(service.today(), weeks), scope=scope)
        try:
            rows = service.export_csv(table=table, destination=args.out)
        except OSError as exc:
            raise UsageError(f"cannot write {args.out.name} ({exc.strerror or 'failed'})") from None
    finally:
        vault.lock()
    print(f"Wrote {table.title} ({rows} rows) to {args.out}. The export is logged.", file=out)
    return Exit.OK


def cmd_subject_access(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from fieldkit.services.documents_service import DocumentService
    from fieldkit.services.subject_access import SubjectAccessService

    if not args.out.is_dir():
        raise UsageError("--out must be an existing folder")
    vault = _unlock(args, stdin)
    try:
        documents = DocumentService(vault)
        service = SubjectAccessService(
            vault, documents=documents, branding=lambda: documents.library.bundle("en").branding
        )
        try:
            result = service.export(args.person_id, folder=args.out, recipient=args.recipient)
        except FileExistsError:
            raise UsageError("an export of the same reference is already there") from None
        except OSError as exc:
            raise UsageError(f"cannot write the export ({exc.strerror or 'failed'})") from None
    finally:
        vault.lock()
    print(
        f"Wrote {result.json_path.name} and {result.pdf_path.name} to {args.out}: "
        f"{result.records} records about the person and {result.referenced} places and "
        f"services they name ({result.pages} pages); document record {result.document_id}. "
        "Each record disclosed is logged.",
        file=out,
    )
    return Exit.OK


def cmd_demo(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    import tempfile

    from fieldkit.services.demo_data import NOT_INSTALLED, demo_available, write_demo_gazetteer

    if not demo_available():
        print(NOT_INSTALLED, file=sys.stderr)
        return Exit.ERROR

    from fieldkit.services.demo import (
        SUPERVISOR,
        connect_to_server,
        create_demo_vault,
        make_passphrase,
        stage_supervisor,
    )
    from fieldkit.services.demo_server import DemoServer
    from fieldkit.services.records import RecordService
    from fieldkit.services.sync_engine import SyncOutcome
    from fieldkit.sync.status import SyncState, SyncStatus

    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="fieldkit-demo-"))
    screen = any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    if not args.headless and sys.platform.startswith("linux") and not screen:
        print("No screen here, so the demo runs without the window (--headless).", file=out)
        args.headless = True

    def progress(done: int) -> None:
        print(f"\rFilling the demo vault: {done} records", end="", file=sys.stderr, flush=True)

    def sync_progress(status: SyncStatus) -> None:
        if status.state is SyncState.SYNCING and status.step:
            total = f" of {status.total}" if status.total else ""
            print(f"\rSyncing: {status.step} {status.done}{total}    ", end="", file=sys.stderr)

    services = folder / "server" / "services.json"
    vaults = folder / "vaults"
    demo = create_demo_vault(
        vaults / "demo.officer", visits=args.visits, on_progress=progress, services_to=services
    )
    print(file=sys.stderr)
    addresses = folder / "server" / "gazetteer.csv"
    write_demo_gazetteer(addresses)
    password = make_passphrase()
    with DemoServer(
        folder / "server", password=password, services_file=services, gazetteer_file=addresses
    ) as server:
        report = connect_to_server(
            demo, server_url=server.url, password=password, on_status=sync_progress
        )
        print(file=sys.stderr)
        staged = stage_supervisor(
            vaults / SUPERVISOR, demo, server_url=server.url, password=password
        )
        print(f"Demo vault: {demo.folder} ({demo.records} records, user {demo.username})", file=out)
        print(f"Vault passphrase (shown once): {demo.passphrase}", file=out)
        print(f"Supervisor's vault: {staged.vault.folder} (user {SUPERVISOR})", file=out)
        print(f"Supervisor's vault passphrase (shown once): {staged.vault.passphrase}", file=out)
        print(f"Demo server: {server.url} (data in {server.folder})", file=out)
        print(
            f"Server accounts: demo.officer and demo.supervisor, password (shown once): {password}",
            file=out,
        )
        print(
            f"First sync: {report.message} (pushed {report.pushed}, pulled {report.pulled})",
            file=out,
        )
        print(
            f"Supervisor's review queue: {staged.waiting} pieces of work waiting "
            f"({staged.countersign} to countersign), {staged.open_conflicts} "
            f"conflict{'' if staged.open_conflicts == 1 else 's'} to settle; "
            f"{staged.decisions} decisions sent to the officer's Today",
            file=out,
        )
        if not args.headless:
            from fieldkit.ui.app import run

            return run(["--data-dir", str(vaults)])
        vault = Vault.unlock(demo.folder, passphrase=demo.passphrase)
        try:
            service = RecordService(vault)
            for query in ("bus station", "HD1", "street drinking", "Lukasz"):
                results = service.search(text=query, limit=3)
                print(f"\nsearch {query!r}: {len(results)} shown", file=out)
                for r in results:
                    print(f"  {r.type:<12} {r.title}  {r.detail[:60]}", file=out)
            from fieldkit.services.gazetteer import GazetteerService

            addressing = GazetteerService(vault)
            print(f"\ngazetteer: {addressing.held()[0]} addresses held", file=out)
            for query in ("12 kirkgate hudersfield", "bus staton"):
                found = addressing.search(query, limit=3)
                print(f"address search {query!r}: {len(found)} shown", file=out)
                for entry in found:
                    print(f"  {entry.uprn}  {entry.address}  {entry.postcode}", file=out)
            check = vault.check()
        finally:
            vault.lock()
        print(f"\nIntegrity check: {'sound' if check.ok else 'PROBLEMS'}", file=out)
        synced = report.outcome is SyncOutcome.OK and not report.refused
        return Exit.OK if check.ok and synced else Exit.ERROR


# Corrections: scripted edits, history and erasure (the app is the main route) ---------------


def _set_values(record_type: str, pairs: Sequence[str]) -> dict[str, object]:
    """``--set FIELD=VALUE`` as changes: plain text for text-like fields, JSON otherwise."""
    import json

    from fieldkit.domain.records import FieldError, FieldKind, record_spec

    spec = record_spec(record_type)
    plain = {
        FieldKind.TEXT,
        FieldKind.CHOICE,
        FieldKind.DATE,
        FieldKind.DATETIME,
        FieldKind.POSTCODE,
        FieldKind.URL,
        FieldKind.ID,
        FieldKind.SHA256,
    }
    changes: dict[str, object] = {}
    errors: list[FieldError] = []
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            # The value could be personal data: name only what is wrong with the shape.
            raise UsageError("each --set is FIELD=VALUE")
        if name in changes:
            errors.append(FieldError(name, "is set more than once"))
            continue
        field = spec.by_name.get(name)
        if field is None or field.kind in plain:
            changes[name] = raw if raw != "" else None
            continue
        try:
            changes[name] = json.loads(raw) if raw != "" else None
        except ValueError:
            errors.append(FieldError(name, "must be JSON (a list, number, true or false)"))
    if errors:
        raise ValidationError(errors)
    return changes


def _not_found(exc: Exception) -> int:
    print(f"fieldkit: not valid: {exc} Nothing was changed.", file=sys.stderr)
    return Exit.INVALID_INPUT


def cmd_edit(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from fieldkit.domain.records import RecordType
    from fieldkit.services.corrections import CorrectionService
    from fieldkit.store.errors import RecordNotFoundError

    changes = _set_values(args.type, args.set)
    vault = _unlock(args, stdin)
    try:
        changed = CorrectionService(vault).edit(
            record_type=args.type, record_id=args.id, changes=changes, reason=args.reason
        )
        with vault.read() as conn:
            versions = vault.records(conn).history(RecordType(changed.type), changed.id)
    except RecordNotFoundError as exc:
        return _not_found(exc)
    finally:
        vault.lock()
    print(f"Saved {changed.type} {changed.id} as version {len(versions)}.", file=out)
    return Exit.OK


def cmd_history(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    import json

    from fieldkit.domain.records import record_spec
    from fieldkit.services import disclosure
    from fieldkit.services.corrections import CorrectionService
    from fieldkit.store.audit import AuditAction
    from fieldkit.store.errors import RecordNotFoundError

    record_type = record_spec(args.type).type.value
    vault = _unlock(args, stdin)
    try:
        versions = CorrectionService(vault).history(record_type=record_type, record_id=args.id)
        what = "command-line history"
        # The versions leave the vault on standard output: logged first, as an export is.
        disclosure.log_disclosure(
            vault, action=AuditAction.EXPORT, records=[(record_type, args.id)], reason=what
        )
        try:
            for version in versions:
                print(json.dumps(version.wire(), ensure_ascii=False, sort_keys=True), file=out)
            out.flush()
        except BrokenPipeError:
            _stop_writing_to(out)
            print("fieldkit: the reader closed the output early.", file=sys.stderr)
            return Exit.ERROR
        disclosure.log_completion(vault, what=what, count=len(versions), unit="versions")
    except RecordNotFoundError as exc:
        return _not_found(exc)
    finally:
        vault.lock()
    return Exit.OK


def cmd_delete(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from fieldkit.services.corrections import CorrectionService
    from fieldkit.store.errors import RecordNotFoundError

    vault = _unlock(args, stdin)
    try:
        CorrectionService(vault).erase(record_type=args.type, record_id=args.id, reason=args.reason)
    except RecordNotFoundError as exc:
        return _not_found(exc)
    finally:
        vault.lock()
    print(
        f"Erased {args.type} {args.id}: its earlier versions are gone from this vault, and the "
        "erasure reaches the server and every laptop at their next sync.",
        file=out,
    )
    return Exit.OK


def cmd_attach(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from fieldkit.services.evidence import AttachmentService, owner_type_of
    from fieldkit.store.errors import RecordNotFoundError

    owner_type_of(args.type)  # a wrong type is refused before the passphrase is read
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError:
        raise ValidationError([FieldError("file", "cannot be read")]) from None
    vault = _unlock(args, stdin)
    try:
        view = AttachmentService(vault).attach(
            owner_type=args.type, owner_id=args.id, data=data, caption=args.caption or ""
        )
    except RecordNotFoundError as exc:
        return _not_found(exc)
    finally:
        vault.lock()
    print(f"{view.id}\t{view.sha256}", file=out)
    return Exit.OK


def cmd_attachments(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    import json

    from fieldkit.services.evidence import AttachmentService, owner_type_of

    owner_type_of(args.type)
    vault = _unlock(args, stdin)
    try:
        views = AttachmentService(vault).list_for(owner_type=args.type, owner_id=args.id)
    finally:
        vault.lock()
    for view in views:
        print(json.dumps(view.wire(), ensure_ascii=False, sort_keys=True), file=out)
    return Exit.OK


def cmd_attachment_get(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from fieldkit.services.evidence import AttachmentService, FileArriving
    from fieldkit.store.errors import RecordNotFoundError

    vault = _unlock(args, stdin)
    try:
        AttachmentService(vault).export(
            attachment_id=args.id, out=Path(args.out), reason="command-line attachment export"
        )
    except RecordNotFoundError as exc:
        return _not_found(exc)
    except FileArriving as exc:
        print(f"fieldkit: {exc}", file=sys.stderr)
        return Exit.ERROR
    except OSError:
        print("fieldkit: the file could not be written; nothing was left behind.", file=sys.stderr)
        return Exit.ERROR
    finally:
        vault.lock()
    print(f"Wrote attachment {args.id} to {args.out}.", file=out)
    return Exit.OK


Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]

#: What each error the user can cause exits with; the first match wins (subclasses first).
_EXIT_FOR: tuple[tuple[type[Exception], Exit], ...] = (
    (UsageError, Exit.USAGE),
    (WrongPassphraseError, Exit.WRONG_PASSPHRASE),
    (VaultDamagedError, Exit.DAMAGED),
    (ForeignVaultError, Exit.FOREIGN_VAULT),
    (ValidationError, Exit.INVALID_INPUT),
    (VaultError, Exit.ERROR),
)


class _Parser(argparse.ArgumentParser):
    """An argument parser that never repeats stray arguments back: one could be a passphrase."""

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: None = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            options = [a.split("=", 1)[0] for a in extras if a.startswith("-")]
            named = f" ({', '.join(options)})" if options else ""
            self.error(
                f"unrecognised arguments{named}; passphrases are read from standard input only"
            )
        return parsed


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fieldkit",
        description="Fieldkit field vault: headless commands for administrators and automation. "
        "Passphrases are read from standard input, never from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"fieldkit {__version__}")
    parser.epilog = "Run with no command to open the desktop app."
    sub = parser.add_subparsers(dest="command", required=True)

    def vault_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--vault", required=True, metavar="DIR", help="the vault folder")
        p.add_argument(
            "--passphrase-stdin",
            action="store_true",
            required=True,
            help="read the passphrase as the first line of standard input",
        )

    vault = sub.add_parser("vault", help="create, check or re-key a vault")
    vsub = vault.add_subparsers(dest="vault_command", required=True)
    p = vsub.add_parser("create", help="create a new vault")
    vault_args(p)
    p.add_argument("--username", required=True)
    p.add_argument(
        "--display-name",
        metavar="NAME",
        help="the officer's name as letters are signed (until the account at sign-in says)",
    )
    p.add_argument(
        "--staff-number", metavar="TEXT", help="staff or collar number printed on letters"
    )
    p.set_defaults(handler=cmd_vault_create)
    p = vsub.add_parser("check", help="check every page, the structure and the audit chain")
    vault_args(p)
    p.set_defaults(handler=cmd_vault_check)
    p = vsub.add_parser("passwd", help="change the passphrase (old, then new, on stdin)")
    vault_args(p)
    p.add_argument(
        "--rekey",
        action="store_true",
        help="also re-encrypt the database under a new data key (see vault rekey)",
    )
    p.set_defaults(handler=cmd_vault_passwd)
    p = vsub.add_parser(
        "rekey",
        help="re-encrypt the database under a new data key, so old key files no longer open it",
    )
    vault_args(p)
    p.set_defaults(handler=cmd_vault_rekey)

    p = sub.add_parser("import", help="import records from a JSON Lines file")
    vault_args(p)
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("export", help="export records as JSON Lines on stdout (logged)")
    vault_args(p)
    p.add_argument("--type", metavar="T", help="only records of this type")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser(
        "search",
        help="find people (any spelling, with why they matched), places, visits and notes",
    )
    vault_args(p)
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("text", nargs="+", metavar="TEXT")
    p.set_defaults(handler=cmd_search)

    gazetteer = sub.add_parser("gazetteer", help="the address gazetteer this laptop holds")
    gsub = gazetteer.add_subparsers(dest="gazetteer_command", required=True)
    p = gsub.add_parser(
        "search",
        help="best-matching addresses as JSON Lines (uprn, address, postcode, lat, lon in WGS84)",
    )
    vault_args(p)
    p.add_argument("--limit", type=int, default=10, metavar="N", help="at most N (1-100)")
    p.add_argument("text", nargs="+", metavar="TEXT", help="address, postcode or landmark")
    p.set_defaults(handler=cmd_gazetteer_search)

    p = sub.add_parser("demo-data", help="fill a vault with realistic synthetic data")
    vault_args(p)
    p.add_argument("--visits", type=int, required=True, metavar="N")
    p.add_argument("--seed", type=int, default=2026)
    p.set_defaults(handler=cmd_demo_data)

    def document_args(p: argparse.ArgumentParser) -> None:
        vault_args(p)
        p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
        p.add_argument("--force", action="store_true", help="replace FILE.pdf if it exists")
        p.add_argument(
            "--served-how",
            choices=["handed_over", "left_at_address", "posted", "exported"],
            default="handed_over",
            help="how the document reaches its recipient (recorded with it)",
        )
        p.add_argument("--language", help="document language, e.g. en or pl")
        p.set_defaults(handler=cmd_document)

    p = sub.add_parser("letter", help="the warning letter for a warning, as PDF (recorded)")
    document_args(p)
    p.add_argument("--warning", required=True, metavar="ID")
    p = sub.add_parser("leaflet", help="a signposting leaflet of support services, as PDF")
    document_args(p)
    p.add_argument("--service", action="append", required=True, metavar="ID")
    p.add_argument("--person", metavar="ID", help="the person it is for")
    p = sub.add_parser("bundle", help="a tenancy case's evidence bundle, as PDF (recorded)")
    document_args(p)
    p.add_argument("--case", required=True, metavar="ID")

    p = sub.add_parser(
        "report",
        help="an Intelligence table as CSV (logged): trends, hotspots, repeats, early-warning, "
        "warnings-pipeline or closures",
    )
    p.add_argument("name", metavar="NAME", help="which table")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.csv")
    p.add_argument("--district", metavar="D", help="one district's (all districts if not given)")
    p.add_argument("--weeks", default="8", metavar="N", help="weeks to today (8 if not given)")
    vault_args(p)
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser(
        "subject-access",
        help="everything held about one person, as JSON and PDF in a folder (logged)",
    )
    vault_args(p)
    p.add_argument("person_id", metavar="PERSON_ID")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="an existing folder")
    p.add_argument("--recipient", help="who the export is for (recorded in the log)")
    p.set_defaults(handler=cmd_subject_access)

    people = sub.add_parser("people", help="work on people's records")
    psub = people.add_subparsers(dest="people_command", required=True)
    p = psub.add_parser(
        "merge",
        help="merge a duplicate record of a person into the one kept (supervisors; synced)",
    )
    p.add_argument("duplicate_id", metavar="DUPLICATE_ID", help="the record that goes")
    p.add_argument("into_id", metavar="INTO_ID", help="the record that is kept")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why (kept and audited)")
    vault_args(p)
    p.set_defaults(handler=cmd_people_merge)

    warning = sub.add_parser("warning", help="change a warning already issued")
    wsub = warning.add_subparsers(dest="warning_command", required=True)
    p = wsub.add_parser(
        "withdraw", help="withdraw a warning with a reason (the ladder stops counting it)"
    )
    p.add_argument("id", metavar="ID", help="the warning's record id")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why (kept and audited)")
    vault_args(p)
    p.set_defaults(handler=cmd_warning_withdraw)

    from fieldkit.services import sync_command

    sync_command.add_parser(sub)

    p = sub.add_parser("edit", help="change fields of a record as a new version, with a reason")
    p.add_argument("type", metavar="TYPE", help="record type: person, visit, warning, ...")
    p.add_argument("id", metavar="ID")
    p.add_argument(
        "--set",
        action="append",
        required=True,
        metavar="FIELD=VALUE",
        help="a field's new value (JSON for lists, numbers, true/false; empty clears it)",
    )
    p.add_argument("--reason", required=True, help="why it is changed (audited; no personal data)")
    vault_args(p)
    p.set_defaults(handler=cmd_edit)
    p = sub.add_parser("history", help="a record's versions as JSON Lines, oldest first (logged)")
    p.add_argument("type", metavar="TYPE")
    p.add_argument("id", metavar="ID")
    vault_args(p)
    p.set_defaults(handler=cmd_history)
    p = sub.add_parser("delete", help="erase a record, its earlier versions too, with a reason")
    p.add_argument("type", metavar="TYPE")
    p.add_argument("id", metavar="ID")
    p.add_argument("--reason", required=True, help="why it is erased (audited; no personal data)")
    vault_args(p)
    p.set_defaults(handler=cmd_delete)

    p = sub.add_parser(
        "attach", help="keep a photo or file as evidence on a record (prints its id and SHA-256)"
    )
    p.add_argument("type", metavar="TYPE", help="visit, person, warning, tenancy_note, ...")
    p.add_argument("id", metavar="ID")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--caption", metavar="TEXT", help="what the photo or file shows")
    vault_args(p)
    p.set_defaults(handler=cmd_attach)
    p = sub.add_parser("attachments", help="a record's photos and files as JSON Lines")
    p.add_argument("type", metavar="TYPE")
    p.add_argument("id", metavar="ID")
    vault_args(p)
    p.set_defaults(handler=cmd_attachments)
    attachment = sub.add_parser("attachment", help="work with one photo or file")
    asub = attachment.add_subparsers(dest="attachment_command", required=True)
    p = asub.add_parser("get", help="write an attachment's stored bytes to a file (logged)")
    p.add_argument("id", metavar="ID")
    p.add_argument("--out", required=True, metavar="FILE")
    vault_args(p)
    p.set_defaults(handler=cmd_attachment_get)

    p = sub.add_parser(
        "demo", help="a demo vault of synthetic data, synced with a local demo server, in the app"
    )
    p.add_argument("--visits", type=int, default=3000, metavar="N")
    p.add_argument("--dir", metavar="DIR", help="where to put the demo (a new temp folder)")
    p.add_argument(
        "--headless", action="store_true", help="no window: sync, search and check, then stop"
    )
    p.set_defaults(handler=cmd_demo)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Run a command; returns the exit code (see `Exit`). Errors are sentences, not tracebacks.

    With no command (or only app options such as ``--vault DIR``) the desktop app opens.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    if not words or (words[0].startswith("--") and words[0] not in ("--help", "--version")):
        from fieldkit.ui.app import run

        return run(words)
    args = build_parser().parse_args(words)
    handler: Handler = args.handler
    try:
        return handler(args, stdin or sys.stdin, stdout or sys.stdout)
    except (UsageError, ValidationError, VaultError) as exc:
        prefix = "not valid: " if isinstance(exc, ValidationError) else ""
        print(f"fieldkit: {prefix}{exc}", file=sys.stderr)
        return next(code for kind, code in _EXIT_FOR if isinstance(exc, kind))
    except Exception as exc:
        # Our bug, not the user's: name the kind of failure but not its message, which could
        # quote record data. Every write is one transaction, so nothing was half-written.
        print(
            f"fieldkit: internal error ({type(exc).__name__}); nothing was half-written. "
            "Please report this with the command you ran.",
            file=sys.stderr,
        )
        if os.environ.get("FIELDKIT_DEBUG") == "1":
            raise
        return Exit.ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

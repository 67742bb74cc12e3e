"""The fieldkit-server command: users, devices, agreements, services, gazetteer, crime,
people duplicates, audit, serve."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TextIO, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from fieldkit import __version__
from fieldkit.domain.vocabulary import District
from fieldkit_server import accounts, audit, blobs
from fieldkit_server.clock import system_clock
from fieldkit_server.db import make_engine, migrate, run_in_transaction, session_factory
from fieldkit_server.policy import CASE_TYPES, KNOWN_CATEGORIES, Agency, Role
from fieldkit_server.security import Passwords
from fieldkit_server.services_import import ImportError_, import_services, parse_services
from fieldkit_server.settings import LOG_LEVELS, LogFormat, Settings

T = TypeVar("T")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldkit-server", description=__doc__)
    parser.add_argument("--version", action="version", version=f"fieldkit-server {__version__}")
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", help="database URL (default: $FIELDKIT_SERVER_DB or a SQLite file)")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("init", parents=[db], help="create or upgrade the database schema")

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", parents=[db], help="add a user")
    add.add_argument("--username", required=True)
    add.add_argument("--display-name", help="the name colleagues see and letters are signed with")
    add.add_argument("--staff-number", help="staff or collar number printed on letters")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--agency", required=True, choices=[a.value for a in Agency])
    add.add_argument("--district", action="append", default=[], choices=[d.value for d in District])
    add.add_argument("--safeguarding", action="store_true")
    add.add_argument("--password-stdin", action="store_true", required=True)
    disable = user.add_parser("disable", parents=[db], help="disable a user, revoking devices")
    disable.add_argument("--username", required=True)
    user.add_parser("list", parents=[db], help="list users")
    enrol = user.add_parser(
        "enrol-code",
        parents=[db],
        help="print the enrolment code a new officer types at first run (no secret in it)",
    )
    enrol.add_argument("--username", required=True)
    enrol.add_argument("--server-url", required=True, help="the https:// address laptops use")
    districts = user.add_parser("districts", parents=[db], help="set a user's districts")
    districts.add_argument("--username", required=True)
    districts.add_argument(
        "--district", action="append", default=[], choices=[d.value for d in District]
    )
    user_set = user.add_parser(
        "set", parents=[db], help="change a user's role, safeguarding clearance or districts"
    )
    user_set.add_argument("--username", required=True)
    user_set.add_argument("--role", choices=[r.value for r in Role])
    user_set.add_argument("--safeguarding", choices=["yes", "no"])
    user_set.add_argument("--display-name", help="the name colleagues see and letters carry")
    user_set.add_argument("--staff-number", help="staff or collar number ('' clears it)")
    user_set.add_argument(
        "--district",
        action="append",
        choices=[d.value for d in District],
        help="the user's districts, replacing the old ones (repeat for several)",
    )

    device = sub.add_parser("device", help="manage devices").add_subparsers(
        dest="action", required=True
    )
    device.add_parser("list", parents=[db], help="list devices")
    revoke = device.add_parser("revoke", parents=[db], help="revoke a device (it will wipe)")
    revoke.add_argument("--device", required=True)

    services = sub.add_parser("services", help="support-service directory").add_subparsers(
        dest="action", required=True
    )
    imp = services.add_parser("import", parents=[db], help="import services from a JSON file")
    imp.add_argument("file", type=Path)

    gaz = sub.add_parser("gazetteer", help="the address gazetteer laptops search").add_subparsers(
        dest="action", required=True
    )
    gimp = gaz.add_parser(
        "import",
        parents=[db],
        help="import the gazetteer from CSV (uprn, address, postcode, and easting, northing or "
        "lat, lon); replaces what is held, by UPRN; a bad row and nothing is imported",
    )
    gimp.add_argument("file", type=Path)
    crime_cmd = sub.add_parser("crime", help="police recorded crime").add_subparsers(
        dest="action", required=True
    )
    crime_imp = crime_cmd.add_parser(
        "import",
        parents=[db],
        help="import a police street-level crime CSV (any bad row: nothing imported)",
    )
    crime_imp.add_argument("file", type=Path)

    aud = sub.add_parser("audit", help="the s62 audit log").add_subparsers(
        dest="action", required=True
    )
    export = aud.add_parser("export", parents=[db], help="export the audit log as JSON Lines")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.add_argument("--since", type=datetime.fromisoformat, help="ISO time, inclusive")
    export.add_argument("--until", type=datetime.fromisoformat, help="ISO time, exclusive")
    export.add_argument(
        "--agreement", help="only events naming this agreement (disclosures made under it)"
    )

    agreement = sub.add_parser(
        "agreement", help="information-sharing agreements between agencies"
    ).add_subparsers(dest="action", required=True)
    aadd = agreement.add_parser(
        "add", parents=[db], help="add an agreement (in force from --start)"
    )
    aadd.add_argument("--name", required=True)
    aadd.add_argument("--agency", action="append", required=True, choices=[a.value for a in Agency])
    aadd.add_argument(
        "--type",
        action="append",
        required=True,
        choices=sorted(t.value for t in CASE_TYPES),
        help="a record type it shares (repeat for several)",
    )
    aadd.add_argument(
        "--category",
        action="append",
        default=[],
        choices=sorted(KNOWN_CATEGORIES),
        help="share only records of these categories (types that have categories)",
    )
    aadd.add_argument("--purpose", required=True)
    aadd.add_argument("--basis", required=True, help="the lawful basis for sharing")
    aadd.add_argument("--start", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    aadd.add_argument("--end", type=date.fromisoformat, help="YYYY-MM-DD, its last day")
    agreement.add_parser("list", parents=[db], help="list agreements (JSON Lines)")
    aend = agreement.add_parser("end", parents=[db], help="end an agreement now")
    aend.add_argument("--name", required=True)

    people = sub.add_parser("people", help="person records across the partnership").add_subparsers(
        dest="action", required=True
    )
    dupes = people.add_parser(
        "duplicates",
        parents=[db],
        help="list pairs of person records that may be one person (JSON Lines; logged)",
    )
    dupes.add_argument("--district", help="only people held in this district")
    dupes.add_argument(
        "--output", type=Path, help="file to write, owner-only (default: standard output)"
    )
    dupes.add_argument(
        "--rules", type=Path, help="folder of name rules (default: the shipped resources/names)"
    )

    retention = sub.add_parser(
        "retention", help="retention review: what is due, and governance decisions"
    ).add_subparsers(dest="action", required=True)
    rules = argparse.ArgumentParser(add_help=False)
    rules.add_argument(
        "--rules", type=Path, help="folder of retention rules (default: resources/retention)"
    )
    due = retention.add_parser(
        "due",
        parents=[db, rules],
        help="list records due for a retention decision (JSON Lines: type, id, due, rule)",
    )
    due.add_argument(
        "--as-of", type=date.fromisoformat, help="the day to list for (default: today, UTC)"
    )
    apply_ = retention.add_parser(
        "apply",
        parents=[db, rules],
        help="apply keep, anonymise and erase decisions from a JSON Lines file (all or none)",
    )
    apply_.add_argument("--decisions", type=Path, required=True)

    files = sub.add_parser("files", help="evidence files kept by the server").add_subparsers(
        dest="action", required=True
    )
    files.add_parser(
        "gc",
        parents=[db],
        help="remove evidence files no live attachment record names any more",
    )

    sar = sub.add_parser(
        "subject-access",
        parents=[db],
        help="export everything the server holds about a person, and who received it (logged)",
    )
    sar.add_argument("person_id", metavar="PERSON_ID")
    sar.add_argument("--out", type=Path, required=True, help="folder for the JSON and the PDF")

    request = sub.add_parser(
        "request", help="data subjects' requests: access, rectification, restriction"
    ).add_subparsers(dest="action", required=True)
    radd = request.add_parser(
        "add",
        parents=[db],
        help="record a request (what is asked or disputed: standard input, never the command line)",
    )
    radd.add_argument(
        "--kind", required=True, choices=["subject_access", "rectification", "restriction"]
    )
    radd.add_argument("--person", required=True, help="the person's record id")
    radd.add_argument("--received", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    rlist = request.add_parser("list", parents=[db], help="requests by deadline (JSON Lines)")
    rlist.add_argument("--open", action="store_true", help="only requests not yet answered")
    rlist.add_argument("--as-of", type=date.fromisoformat, help="the day (default: today, UTC)")
    rextend = request.add_parser(
        "extend", parents=[db], help="extend the deadline by two months, once, with a reason"
    )
    rextend.add_argument("request_id", metavar="REQUEST_ID")
    rextend.add_argument("--reason", required=True, help="why (complexity), never personal data")
    ranswer = request.add_parser(
        "answer", parents=[db], help="record the decision (standard input); --restrict to restrict"
    )
    ranswer.add_argument("request_id", metavar="REQUEST_ID")
    ranswer.add_argument(
        "--restrict",
        action="store_true",
        help="restriction granted: the person's records sync to information governance only",
    )
    rlift = request.add_parser("lift", parents=[db], help="lift a restriction of processing")
    rlift.add_argument("request_id", metavar="REQUEST_ID")

    serve = sub.add_parser("serve", parents=[db], help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        help="the least severe records logged (default: $FIELDKIT_SERVER_LOG_LEVEL or info)",
    )
    serve.add_argument(
        "--log-format",
        choices=[f.value for f in LogFormat],
        help="json lines or text on stderr (default: $FIELDKIT_SERVER_LOG_FORMAT or text)",
    )
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (they share nothing but the DB)"
    )
    return parser


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None) -> int:
    """Run one command; returns the exit status (0 ok, 1 refused, 2 usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if (args.command, getattr(args, "action", None)) == ("user", "set") and (
        args.role is None
        and args.safeguarding is None
        and args.district is None
        and args.display_name is None
        and args.staff_number is None
    ):
        parser.error(
            "user set: give at least one of --role, --safeguarding, --district, "
            "--display-name, --staff-number"
        )
    log_format = getattr(args, "log_format", None)
    try:
        settings = Settings.from_env(
            db_url=args.db,
            log_format=LogFormat(log_format) if log_format else None,
            log_level=getattr(args, "log_level", None),
        )
    except ValueError as exc:  # names the variable, never its value
        print(f"fieldkit-server: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return _serve(settings, host=args.host, port=args.port, workers=args.workers)
    engine = make_engine(settings.db_url)
    try:
        migrate(engine)
        if args.command == "init":
            print(f"database ready: {engine.url.render_as_string(hide_password=True)}")
            return 0
        passwords = Passwords(
            time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib
        )
        return _dispatch(
            args,
            session_factory(engine),
            passwords,
            stdin or sys.stdin,
            files_dir=settings.files_dir(),
        )
    except (accounts.AccountError, ImportError_, OSError) as exc:
        print(f"fieldkit-server: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _dispatch(
    args: argparse.Namespace,
    sessions: sessionmaker[Session],
    passwords: Passwords,
    stdin: TextIO,
    *,
    files_dir: Path,
) -> int:
    now = system_clock()
    actor = _os_account()

    def run(work: Callable[[Session], T]) -> T:
        return run_in_transaction(sessions, work)

    if args.command == "files":
        forgotten = run(blobs.collect_garbage)
        removed = _sweep_files(sessions, files_dir, forgotten)
        print(f"removed {removed} files no attachment names", file=sys.stderr)
        return 0

    if args.command == "subject-access":
        return _subject_access(args, sessions, now=now, actor=actor, files_dir=files_dir)
    if args.command == "agreement":
        return _agreement(args, sessions, now=now, actor=actor)
    key = (args.command, args.action)
    if key == ("user", "add"):
        password = stdin.readline().rstrip("\r\n")
        view = run(
            lambda s: accounts.add_user(
                s,
                username=args.username,
                password=password,
                role=args.role,
                agency=args.agency,
                districts=args.district,
                safeguarding=args.safeguarding,
                display_name=args.display_name,
                passwords=passwords,
                now=now,
                actor=actor,
                staff_number=args.staff_number,
            )
        )
        print(json.dumps({"id": view.id, "username": view.username}))
    elif key == ("user", "disable"):
        run(lambda s: accounts.disable_user(s, username=args.username, now=now, actor=actor))
        print(f"disabled {args.username}; their devices are revoked")
    elif key == ("user", "districts"):
        run(
            lambda s: accounts.set_user_districts(
                s, username=args.username, districts=args.district, now=now, actor=actor
            )
        )
        print(f"{args.username}: {', '.join(sorted(args.district)) or 'no districts'}")
    elif key == ("user", "set"):
        changed = run(
            lambda s: accounts.set_user(
                s,
                username=args.username,
                role=args.role,
                safeguarding=None if args.safeguarding is None else args.safeguarding == "yes",
                districts=args.district,
                display_name=args.display_name,
                staff_number=args.staff_number,
                now=now,
                actor=actor,
            )
        )
        print(json.dumps(changed.wire()))
    elif key == ("user", "enrol-code"):
        from fieldkit.domain.enrolment import Enrolment, enrolment_code

        view = run(lambda s: accounts.user_view(s, username=args.username))
        try:
            print(enrolment_code(Enrolment(args.server_url.strip().rstrip("/"), view.username)))
        except ValueError as exc:
            print(f"fieldkit-server: {exc}", file=sys.stderr)
            return 2
    elif key == ("user", "list"):
        for u in run(accounts.list_users):
            print(json.dumps({**u.wire(), "disabled": u.disabled}))
    elif key == ("device", "list"):
        for d in run(accounts.list_devices):
            print(
                json.dumps(
                    {
                        "id": d.id,
                        "user": d.username,
                        "name": d.name,
                        "created_at": d.created_at.isoformat(),
                        "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
                        "revoked": d.revoked_at is not None,
                        "last_device_seq": d.last_device_seq,
                    }
                )
            )
    elif key == ("device", "revoke"):
        run(lambda s: accounts.revoke_device(s, device_id=args.device, now=now, actor=actor))
        print(f"revoked {args.device}")
    elif key == ("services", "import"):
        services = parse_services(args.file.read_bytes())
        results = run(lambda s: import_services(s, services=services, now=now, actor=actor))
        refused = [r for r in results if r.status == "rejected"]
        for r in refused:
            print(f"refused: {r.reason}", file=sys.stderr)
        print(f"imported {len(results) - len(refused)} of {len(results)} services")
        return 1 if refused else 0
    elif key == ("gazetteer", "import"):
        return _gazetteer_import(args.file, sessions, now=now, actor=actor)
    elif key == ("crime", "import"):
        from fieldkit.domain.crime import CrimeFileError, parse_crime_csv
        from fieldkit_server import crime

        try:
            rows = parse_crime_csv(args.file.read_bytes())
        except CrimeFileError as exc:
            for problem in exc.problems:
                print(f"refused: {problem}", file=sys.stderr)
            print(f"fieldkit-server: {args.file.name}: {exc}", file=sys.stderr)
            return 1
        done = run(lambda s: crime.import_crime(s, rows=rows, now=now, actor=actor))
        for force, month, count in done.months:
            print(json.dumps({"force": force, "month": month, "rows": count}))
        print(f"imported {done.rows} crimes in {len(done.months)} force-months", file=sys.stderr)
    elif key == ("people", "duplicates"):
        from fieldkit.domain.names import NameRulesError, load_name_rules
        from fieldkit_server import duplicates

        try:
            rules = load_name_rules(args.rules)
        except NameRulesError as exc:
            print(f"fieldkit-server: name rules: {exc}", file=sys.stderr)
            return 1
        report = run(
            lambda s: duplicates.find_duplicates(s, rules=rules, district=args.district, now=now)
        )
        if args.output:
            duplicates.write_report_file(report, args.output)
        else:
            duplicates.write_report(report, sys.stdout)
        print(
            f"{len(report.pairs)} possible duplicate pairs among {report.compared} people"
            + (f" to {args.output}" if args.output else ""),
            file=sys.stderr,
        )
    elif args.command == "request":
        return _request(args, sessions, stdin, now=now, actor=actor)
    elif args.command == "retention":
        return _retention(args, sessions, now=now, actor=actor, files_dir=files_dir)
    elif key == ("audit", "export"):
        window = {"since": args.since, "until": args.until, "agreement": args.agreement}
        if args.output:
            count = _write_owner_only(
                args.output, lambda out: run(lambda s: audit.export_jsonl(s, out, **window))
            )
            print(f"exported {count} events to {args.output}", file=sys.stderr)
        else:
            count = run(lambda s: audit.export_jsonl(s, sys.stdout, **window))
        # Logged after the export, so the export holds everything up to it but not itself.
        detail = {
            "events": count,
            "since": args.since.isoformat() if args.since else None,
            "until": args.until.isoformat() if args.until else None,
            "agreement": args.agreement,
            "to": "file" if args.output else "standard output",
        }
        run(
            lambda s: audit.log_admin(
                s, audit.AuditAction.AUDIT_EXPORT, now=now, actor=actor, detail=detail
            )
        )
    return 0


def _gazetteer_import(
    file: Path, sessions: sessionmaker[Session], *, now: datetime, actor: str
) -> int:
    """Import a gazetteer file: all of it, or nothing and every bad row listed (exit 1)."""
    from fieldkit.domain.gazetteer import GazetteerFileError, parse_gazetteer_csv
    from fieldkit_server import gazetteer

    try:
        parsed = parse_gazetteer_csv(file.read_bytes())
    except GazetteerFileError as exc:
        print(f"fieldkit-server: {file.name}: {exc}; nothing imported", file=sys.stderr)
        return 1
    if parsed.bad_rows:
        for problem in parsed.problems:
            print(f"{file.name}: {problem}", file=sys.stderr)
        unlisted = parsed.bad_rows - len({p.line for p in parsed.problems})
        if unlisted > 0:
            print(f"{file.name}: and {unlisted} more bad rows", file=sys.stderr)
        print(
            f"fieldkit-server: {file.name}: {parsed.bad_rows} bad rows; nothing imported",
            file=sys.stderr,
        )
        return 1

    if not parsed.entries:
        # A header and nothing else would remove every address from every laptop: surely a
        # broken export, not the partnership's intent.
        print(
            f"fieldkit-server: {file.name}: holds no addresses; nothing imported", file=sys.stderr
        )
        return 1

    def imported(session: Session) -> gazetteer.ImportOutcome:
        outcome = gazetteer.import_entries(session, entries=parsed.entries)
        audit.log_admin(
            session, audit.AuditAction.GAZETTEER_IMPORT, now=now, actor=actor, detail=outcome.wire()
        )
        return outcome

    outcome = run_in_transaction(sessions, imported)
    print(json.dumps(outcome.wire()))
    return 0


def _agreement(
    args: argparse.Namespace, sessions: sessionmaker[Session], *, now: datetime, actor: str
) -> int:
    from fieldkit_server import sharing

    try:
        if args.action == "list":
            views = run_in_transaction(
                sessions, lambda s: sharing.list_agreements(s, day=now.date())
            )
            for view in views:
                print(json.dumps(view.wire()))
            return 0
        if args.action == "add":
            view = run_in_transaction(
                sessions,
                lambda s: sharing.add_agreement(
                    s,
                    name=args.name,
                    agencies=args.agency,
                    types=args.type,
                    categories=args.category,
                    purpose=args.purpose,
                    basis=args.basis,
                    start=args.start,
                    end=args.end,
                    actor=actor,
                    now=now,
                ),
            )
        else:
            view = run_in_transaction(
                sessions, lambda s: sharing.end_agreement(s, name=args.name, actor=actor, now=now)
            )
    except sharing.AgreementError as exc:
        print(f"fieldkit-server: agreement: {exc}; nothing written", file=sys.stderr)
        return 1
    print(json.dumps(view.wire()))
    return 0


def _retention(
    args: argparse.Namespace,
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    actor: str,
    files_dir: Path,
) -> int:
    from fieldkit.domain.retention import DueItem, RetentionRulesError, load_rules
    from fieldkit_server import retention

    try:
        rules = load_rules(args.rules)
    except RetentionRulesError as exc:
        print(f"fieldkit-server: retention rules: {exc}", file=sys.stderr)
        return 1
    if args.action == "due":
        today = args.as_of or now.date()

        def listed(session: Session) -> list[DueItem]:
            items = retention.due(session, rules=rules, today=today)
            audit.log_admin(
                session,
                audit.AuditAction.RETENTION_DUE,
                now=now,
                actor=actor,
                detail={"as_of": today.isoformat(), "due": len(items)},
            )
            return items

        items = run_in_transaction(sessions, listed)
        retention.write_due(items, sys.stdout)
        print(f"{len(items)} records due on {today.isoformat()}", file=sys.stderr)
        return 0
    try:
        decisions = retention.parse_decisions(args.decisions.read_bytes(), today=now.date())
        applied = run_in_transaction(
            sessions,
            lambda s: retention.apply_decisions(
                s, decisions=decisions, rules=rules, actor=actor, now=now
            ),
        )
    except retention.DecisionsError as exc:
        print(f"fieldkit-server: {args.decisions.name}: {exc}; nothing applied", file=sys.stderr)
        return 1
    removed = _sweep_files(sessions, files_dir, applied.files_forgotten)
    print(
        f"kept {applied.kept}, anonymised {applied.anonymised}, erased {applied.erased} "
        f"(and {applied.attachments_erased} attachments with them; {removed} files removed)",
        file=sys.stderr,
    )
    return 0


def _sweep_files(sessions: sessionmaker[Session], files_dir: Path, forgotten: Sequence[str]) -> int:
    """Remove from the blob store the files a committed transaction forgot (and orphans)."""
    if not files_dir.exists():
        return 0
    store = blobs.FileSystemBlobStore(files_dir)
    return run_in_transaction(sessions, lambda s: blobs.sweep(s, store, forgotten))


def _request(
    args: argparse.Namespace,
    sessions: sessionmaker[Session],
    stdin: TextIO,
    *,
    now: datetime,
    actor: str,
) -> int:
    from fieldkit.domain.rights_requests import RequestKind
    from fieldkit_server import rights

    def done(view: rights.RequestView) -> int:
        print(json.dumps(view.wire()))
        return 0

    try:
        if args.action == "add":
            detail = stdin.read()
            return done(
                run_in_transaction(
                    sessions,
                    lambda s: rights.add_request(
                        s,
                        kind=RequestKind(args.kind),
                        person_id=args.person,
                        received_on=args.received,
                        detail=detail,
                        actor=actor,
                        now=now,
                    ),
                )
            )
        if args.action == "list":
            today = args.as_of or now.date()
            views = run_in_transaction(
                sessions, lambda s: rights.list_requests(s, today=today, open_only=args.open)
            )
            for view in views:
                print(json.dumps(view.wire()))
            return 0
        if args.action == "extend":
            return done(
                run_in_transaction(
                    sessions,
                    lambda s: rights.extend_request(
                        s, request_id=args.request_id, reason=args.reason, actor=actor, now=now
                    ),
                )
            )
        if args.action == "answer":
            decision = stdin.read()
            return done(
                run_in_transaction(
                    sessions,
                    lambda s: rights.answer_request(
                        s,
                        request_id=args.request_id,
                        decision=decision,
                        restrict=args.restrict,
                        actor=actor,
                        now=now,
                    ),
                )
            )
        return done(
            run_in_transaction(
                sessions,
                lambda s: rights.lift_restriction(
                    s, request_id=args.request_id, actor=actor, now=now
                ),
            )
        )
    except rights.RequestError as exc:
        print(f"fieldkit-server: request: {exc}", file=sys.stderr)
        return 1


def _subject_access(
    args: argparse.Namespace,
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    actor: str,
    files_dir: Path,
) -> int:
    from fieldkit_server import subject_access as sar

    folder: Path = args.out
    if not folder.is_dir():
        print("fieldkit-server: --out must be an existing folder", file=sys.stderr)
        return 1
    reference = sar.new_reference()

    def gathered_and_logged(session: Session) -> sar.Gathered:
        gathered = sar.gather(session, args.person_id)
        # Logged (committed) before a byte is written, so no copy leaves unlogged.
        sar.log_export(session, gathered, reference=reference, actor=actor, now=now)
        return gathered

    try:
        gathered = run_in_transaction(sessions, gathered_and_logged)
    except sar.SubjectAccessError as exc:
        print(f"fieldkit-server: subject access: {exc}", file=sys.stderr)
        return 1
    try:
        store = blobs.FileSystemBlobStore(files_dir) if files_dir.exists() else None
        written = sar.write_export(
            gathered, folder=folder, reference=reference, prepared_by=actor, now=now, store=store
        )
    except OSError:
        run_in_transaction(
            sessions,
            lambda s: audit.log_admin(
                s,
                audit.AuditAction.SUBJECT_ACCESS,
                now=now,
                actor=actor,
                detail={"reference": reference, "delivered": False},
            ),
        )
        raise
    print(
        json.dumps(
            {
                "reference": written.reference,
                "json": str(written.json_path),
                "pdf": str(written.pdf_path),
                "records": written.records,
                "disclosures": written.disclosures,
                "files": [str(p) for p in written.files],
            }
        )
    )
    return 0


def _write_owner_only(path: Path, write: Callable[[TextIO], int]) -> int:
    """Write a file owner-only (0600 from creation) beside its destination, then rename it."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=".fieldkit-", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            count = write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return count


def _os_account() -> str:
    """Who runs an administrator's command, for the audit log: there is no signed-in user."""
    try:
        return "os:" + getpass.getuser()
    except (KeyError, OSError):
        # getpass raises KeyError when the process's uid has no passwd entry (containers).
        return f"os:uid {os.getuid()}"


def _serve(settings: Settings, *, host: str, port: int, workers: int) -> int:
    import uvicorn

    from fieldkit_server.app import create_app
    from fieldkit_server.observability import configure_logging

    # Our handler formats every record, uvicorn's too (log_config=None: uvicorn adds none).
    log_level = settings.log_level
    configure_logging(settings.log_format, log_level)
    if workers <= 1:
        app = create_app(settings)
        uvicorn.run(
            app, host=host, port=port, log_level=log_level, log_config=None, access_log=False
        )
        return 0
    # Several workers: migrate once here, then each worker builds its app from the environment.
    engine = make_engine(settings.db_url)
    migrate(engine)
    engine.dispose()
    os.environ["FIELDKIT_SERVER_DB"] = settings.db_url
    os.environ["FIELDKIT_SERVER_MIGRATE_ON_START"] = "0"
    os.environ["FIELDKIT_SERVER_LOG_FORMAT"] = settings.log_format.value
    os.environ["FIELDKIT_SERVER_LOG_LEVEL"] = log_level
    uvicorn.run(
        "fieldkit_server.app:create_app_from_env",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level=log_level,
        log_config=None,
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

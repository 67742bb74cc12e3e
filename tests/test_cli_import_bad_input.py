"""`fieldkit import` on hostile files: every bad line listed, exit 5, nothing imported."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.extreme_values import VALID, Literal, hostile_records, to_json
from tests.factories import PASSPHRASE, person, visit
from tests.kdf import TEST_KDF

from fieldkit.cli import Exit, main
from fieldkit.domain.records import RecordType, ValidationError, validate_fields
from fieldkit.services.transfer import TYPE_ORDER
from fieldkit.store.vault import Vault

#: Each example unlocks a real vault twice (import, then count).
HOSTILE_EXAMPLES = 30
SECRET = "Jane Secretname"


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "vault"
    Vault.create(folder, username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF).lock()
    return folder


def _import(vault_dir: Path, source: Path) -> int:
    return main(
        ["import", "--vault", str(vault_dir), "--passphrase-stdin", str(source)],
        stdin=io.StringIO(PASSPHRASE + "\n"),
        stdout=io.StringIO(),
    )


def _record_count(vault_dir: Path) -> int:
    vault = Vault.unlock(vault_dir, passphrase=PASSPHRASE)
    try:
        with vault.read() as conn:
            repo = vault.records(conn)
            return sum(1 for t in TYPE_ORDER for _ in repo.iter_all(t))
    finally:
        vault.lock()


def _line(record_type: str, fields: dict[str, object]) -> bytes:
    return to_json({"type": record_type, "fields": fields}).encode() + b"\n"


def test_import_lists_every_hostile_line_and_imports_nothing(
    vault_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    place = {"label": SECRET, "district": "huddersfield", "lon": 0}
    lines = [
        _line("person", person()),
        _line("place", {**place, "lat": Literal("1" + "0" * 400)}),
        _line("visit", visit(occurred_at="0001-01-01T00:00:00+01:00", narrative=SECRET)),
        _line("visit", visit(occurred_at="9999-12-31T23:59:59-01:00", narrative=SECRET)),
        _line("visit", visit(narrative=SECRET + " \ud800")),
        _line("visit", visit(narrative=SECRET + "\x00")),
        f'{{"type": "person", "fields": {{"given_name": "{SECRET} caf'.encode()
        + b'\xe9", "district": "huddersfield"}}\n',
        b'{"type": "person", "fields": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
        b'{"type": "closure", "fields": {"order_months": ' + b"9" * 5000 + b"}}\n",
        _line("place", {**place, "lat": 1e308}),
        _line("person", person(date_of_birth="0001-01-01")),
    ]
    source = tmp_path / "hostile.jsonl"
    source.write_bytes(b"".join(lines))
    assert _import(vault_dir, source) == Exit.INVALID_INPUT
    err = capsys.readouterr().err
    for expected in [
        "line 2: lat: must be between -90 and 90",
        "line 3: occurred_at: must be between 1900 and 2200",
        "line 4: occurred_at: must be between 1900 and 2200",
        "line 5: narrative: contains an unpaired surrogate",
        "line 6: narrative: contains control characters",
        "line 7: -: not valid UTF-8 text",
        "line 8: -: nested too deeply to read",
        "line 9: -: holds a number with too many digits",
        "line 10: lat: must be between -90 and 90",
        "line 11: date_of_birth: must be between 1900 and 2200",
        "Nothing was imported",
    ]:
        assert expected in err
    assert "line 1:" not in err
    assert "internal error" not in err
    assert "Secretname" not in err
    assert _record_count(vault_dir) == 0


def test_a_byte_order_mark_at_the_start_of_the_file_is_not_a_bad_line(
    vault_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "bom.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + _line("person", person()))
    assert _import(vault_dir, source) == Exit.OK
    assert _record_count(vault_dir) == 1


def test_hostile_values_in_any_record_type_never_crash_the_import(
    vault_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "hostile.jsonl"
    imported = 0

    @settings(
        max_examples=HOSTILE_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        derandomize=True,
        database=None,
    )
    @given(case=hostile_records(), ascii_only=st.booleans())
    def import_beside_a_good_line(
        case: tuple[RecordType, str, dict[str, object]], ascii_only: bool
    ) -> None:
        nonlocal imported
        record_type, _field, fields = case
        good = {"type": "person", "fields": VALID[RecordType.PERSON]}
        bad = {"type": record_type.value, "fields": fields}
        lines = [to_json(x, ensure_ascii=ascii_only) for x in (good, bad)]
        # Unescaped, a lone surrogate becomes bytes that are not UTF-8: that is tried too.
        encoded = [line.encode("utf-8", "surrogatepass") for line in lines]
        source.write_bytes(b"\n".join(encoded) + b"\n")
        capsys.readouterr()  # only this example's output
        code = _import(vault_dir, source)
        err = capsys.readouterr().err
        assert code in (Exit.OK, Exit.INVALID_INPUT), err
        assert "internal error" not in err
        if code == Exit.INVALID_INPUT:
            assert "line 2: " in err
            assert "line 1: " not in err
            assert "Nothing was imported" in err
        else:
            imported += 2
        assert _record_count(vault_dir) == imported
        assert (code == Exit.OK) == _locally_valid(record_type, encoded[1])

    import_beside_a_good_line()


def _locally_valid(record_type: RecordType, line: bytes) -> bool:
    """What the domain's rules alone say of a line (json.loads refuses bytes not UTF-8)."""
    try:
        validate_fields(record_type, json.loads(line.decode("utf-8"))["fields"])
    except (ValidationError, ValueError, RecursionError):
        return False
    return True

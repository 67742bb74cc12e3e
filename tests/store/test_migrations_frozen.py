"""Released migrations never change and never call live code, on the laptop and the server."""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {
    "vault": ROOT / "src/fieldkit/store/migrations/versions",
    "server": ROOT / "sync/fieldkit_server/migrations/versions",
}
#: SHA-256 of every migration that has shipped (released, or landed on main). A new migration is
#: added here when it ships; from then on its file must never change — write a new one instead.
MANIFEST = Path(__file__).with_name("released_migrations.json")


def _migrations() -> list[tuple[str, Path]]:
    return [
        (side, path)
        for side, folder in FOLDERS.items()
        for path in sorted(folder.glob("[0-9]*.py"))
    ]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(("side", "path"), _migrations(), ids=lambda v: getattr(v, "name", v))
def test_a_migration_holds_its_own_sql_and_imports_no_live_code(side: str, path: Path) -> None:
    live = sorted(m for m in _imported_modules(path) if m.split(".")[0].startswith("fieldkit"))
    assert live == [], f"{side} migration {path.name} imports live code: {live}"


def test_no_released_migration_has_changed_or_gone() -> None:
    released: dict[str, str] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    present = {f"{side}/{path.name}": _digest(path) for side, path in _migrations()}
    changed = sorted(name for name, digest in released.items() if present.get(name) != digest)
    assert changed == [], f"released migrations changed or removed (write a new one): {changed}"


def test_the_manifest_knows_every_migration_or_the_new_ones_are_unreleased() -> None:
    """New migrations may wait for the release to be recorded, but only at the head of a chain."""
    released = set(json.loads(MANIFEST.read_text(encoding="utf-8")))
    for side, folder in FOLDERS.items():
        names = sorted(p.name for p in folder.glob("[0-9]*.py"))
        unreleased = [n for n in names if f"{side}/{n}" not in released]
        assert names[len(names) - len(unreleased) :] == unreleased, (
            f"{side}: an unreleased migration sits below a released one: {unreleased}"
        )

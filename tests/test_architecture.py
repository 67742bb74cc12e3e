"""Layering the import contracts cannot see: the Qt-free core, and opaque vault transactions."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path


def test_core_imports_without_pyside6() -> None:
    probe = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class NoQt:
            def find_spec(self, name, path=None, target=None):
                if name == "PySide6" or name.startswith("PySide6."):
                    raise ImportError("PySide6 is not installed")
                return None

        sys.meta_path.insert(0, NoQt())
        import fieldkit
        count = 0
        for info in pkgutil.walk_packages(fieldkit.__path__, "fieldkit."):
            if info.name.startswith(("fieldkit.ui.", "fieldkit.resources", "fieldkit.ui_files")):
                continue
            if info.name == "fieldkit.ui" or ".migrations" in info.name:
                continue
            importlib.import_module(info.name)
            count += 1
        assert not any(m.startswith("PySide6") for m in sys.modules), "PySide6 was imported"
        print(count)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 15


#: Packages above the store: they hold transactions and pass them on, never look inside.
ABOVE_THE_STORE = ("services", "ui", "sync", "demo")


def _reaches_into_a_transaction(source: str) -> list[str]:
    """Where a module reaches the connection inside a vault transaction (empty: nowhere)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "fieldkit.store.transaction":
            found += [
                f"line {node.lineno}: imports {a.name}"
                for a in node.names
                if a.name != "Transaction"
            ]
        elif isinstance(node, ast.ImportFrom) and node.module == "fieldkit.store":
            found += [
                f"line {node.lineno}: imports transaction"
                for a in node.names
                if a.name == "transaction"
            ]
        elif isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: imports {a.name}"
                for a in node.names
                if a.name == "fieldkit.store.transaction"
            ]
        elif isinstance(node, ast.Attribute) and node.attr in ("_connection", "connection"):
            if isinstance(node.value, ast.Name) and node.value.id in ("transaction", "tx", "conn"):
                found.append(f"line {node.lineno}: .{node.attr}")
            elif node.attr == "_connection":
                found.append(f"line {node.lineno}: ._connection")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Transaction"
        ):
            found.append(f"line {node.lineno}: makes a Transaction")
    return found


def test_the_reach_check_sees_each_way_into_a_transaction() -> None:
    bad = textwrap.dedent(
        """
        from fieldkit.store.transaction import Transaction, connection
        import fieldkit.store.transaction
        from fieldkit.store import transaction
        with vault.read() as tx:
            tx._connection.execute("DELETE FROM visit")
            transaction.connection(tx)
            Transaction(raw)
        """
    )
    assert len(_reaches_into_a_transaction(bad)) == 6
    fine = "from fieldkit.store.transaction import Transaction\ndef f(tx: Transaction): ...\n"
    assert _reaches_into_a_transaction(fine) == []


def test_nothing_above_the_store_reaches_the_connection_inside_a_transaction() -> None:
    src = Path(__file__).resolve().parent.parent / "src" / "fieldkit"
    files = [src / "cli.py"]
    for package in ABOVE_THE_STORE:
        files += sorted((src / package).rglob("*.py"))
    assert len(files) > 40
    reaching = {
        str(f.relative_to(src)): where
        for f in files
        if (where := _reaches_into_a_transaction(f.read_text(encoding="utf-8")))
    }
    assert reaching == {}


def _test_knobs(source: str) -> list[str]:
    """Module-level names that exist for tests (``TEST_…``, ``…_FOR_TESTS``) in a module."""
    found: list[str] = []
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign | ast.FunctionDef | ast.ClassDef):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else []
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                found += [node.name] if "test" in node.name.lower().split("_") else []
        found += [
            t.id for t in targets if isinstance(t, ast.Name) and "TEST" in t.id.upper().split("_")
        ]
    return found


def test_the_knob_check_sees_names_made_for_tests() -> None:
    bad = "TEST_KDF = KdfParams(time_cost=1)\nFAST_TEST_CLOCK: int = 1\ndef for_test_only(): ...\n"
    assert _test_knobs(bad) == ["TEST_KDF", "FAST_TEST_CLOCK", "for_test_only"]
    fine = "KDF = KdfParams()\nATTESTATION_VERSION = '1'\ndef latest_assessments(): ...\n"
    assert _test_knobs(fine) == []


def test_the_shipped_code_holds_no_knobs_made_for_tests() -> None:
    """Cheap key derivation and other test-only settings live under tests/, not in the product."""
    root = Path(__file__).resolve().parent.parent
    files = sorted((root / "src" / "fieldkit").rglob("*.py"))
    files += sorted((root / "sync" / "fieldkit_server").rglob("*.py"))
    assert len(files) > 100
    knobs = {
        str(f.relative_to(root)): names
        for f in files
        if (names := _test_knobs(f.read_text(encoding="utf-8")))
    }
    assert knobs == {}

"""The app bundle and the Windows installer name every Qt file printing needs.

Read from packaging/fieldkit.spec and packaging/windows/fieldkit.iss as they are: a bundle
without Qt's print support or QtPdf opens, but cannot print a letter.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "packaging" / "fieldkit.spec"
ISS = REPO / "packaging" / "windows" / "fieldkit.iss"
PRINT_PATH = [
    REPO / "src" / "fieldkit" / "ui" / "printing.py",
    REPO / "src" / "fieldkit" / "ui" / "warning_view.py",
    REPO / "src" / "fieldkit" / "ui" / "pdf_preview.py",
]


def _spec_constant(name: str) -> object:
    for node in ast.parse(SPEC.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name
        ):
            return ast.literal_eval(node.value)
    pytest.fail(f"{SPEC.name} does not set {name}")


def _plugins() -> dict[str, tuple[str, ...]]:
    value = _spec_constant("PRINTING_QT_PLUGINS")
    assert isinstance(value, dict)
    return value


def _libraries() -> dict[str, tuple[str, ...]]:
    value = _spec_constant("PRINTING_QT_LIBRARIES")
    assert isinstance(value, dict)
    return value


def test_spec_names_qt_print_support_and_pdf_for_linux_and_windows() -> None:
    plugins, libraries = _plugins(), _libraries()
    assert "printsupport/libcupsprintersupport.so" in plugins["linux"]
    assert {"libQt6PrintSupport.so.6", "libQt6Pdf.so.6"} <= set(libraries["linux"])
    assert {"Qt6PrintSupport.dll", "Qt6Pdf.dll"} <= set(libraries["win32"])
    modules = _spec_constant("PRINTING_QT_MODULES")
    assert isinstance(modules, tuple)
    assert {"QtPrintSupport", "QtPdf"} <= set(modules)


def test_every_qt_module_the_print_path_imports_is_named_in_the_spec() -> None:
    modules = _spec_constant("PRINTING_QT_MODULES")
    assert isinstance(modules, tuple)
    imported = {
        match
        for source in PRINT_PATH
        for match in re.findall(r"\bPySide6\.(Qt\w+)", source.read_text(encoding="utf-8"))
    }
    assert imported - {"QtCore", "QtGui", "QtWidgets"} <= set(modules)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PySide6's Linux layout")
def test_the_linux_files_the_spec_names_are_the_ones_pyside6_ships() -> None:
    spec = importlib.util.find_spec("PySide6")
    assert spec is not None
    assert spec.submodule_search_locations
    qt = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    for plugin in _plugins()["linux"]:
        assert (qt / "plugins" / plugin).is_file(), plugin
    for library in _libraries()["linux"]:
        assert (qt / "lib" / library).is_file(), library


def test_the_windows_installer_checks_for_the_printing_files_the_spec_names() -> None:
    iss = ISS.read_text(encoding="utf-8")
    checked = set(re.findall(r'^#if !FileExists\(QtDir \+ "\\([^"]+)"\)', iss, re.MULTILINE))
    named = {*_libraries()["win32"], *(p.replace("/", "\\") for p in _plugins()["win32"])}
    assert named
    assert checked == named
    # Each check stops the build: an installer that cannot print is not made.
    assert iss.count("#error") >= len(named)

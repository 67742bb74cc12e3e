# mypy: disable-error-code="no-untyped-call"
"""The app's own words go through Qt's translation, so a partnership can add a language.

An AST walk over ``src/fieldkit/ui`` fails on a literal handed straight to a widget; a
translator installed at start-up (a real ``.qm`` built here with ``pyside6-lrelease``) changes
what the screens say.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from fieldkit.services.session import SessionService, VaultDirectory
from fieldkit.ui import translation
from fieldkit.ui.shell import TODAY, MainWindow

UI = Path(__file__).resolve().parents[2] / "src" / "fieldkit" / "ui"

#: Widget methods whose string arguments are shown (or read aloud) as they are.
SHOWN_BY = frozenset({
    "setText", "setToolTip", "setWindowTitle", "setPlaceholderText", "setStatusTip",
    "setWhatsThis", "setAccessibleName", "setAccessibleDescription", "setTitle", "addTab",
    "setTabText", "addAction", "showMessage", "setLabelText", "setSpecialValueText",
    "setSuffix", "setPrefix", "setInformativeText", "setDetailedText",
})  # fmt: skip
#: Methods whose first string is shown and whose later strings are data (a choice's value).
FIRST_SHOWN_BY = frozenset({"addItem", "insertItem", "addRow"})
#: Widgets whose constructor's string is their text.
MADE_WITH_TEXT = frozenset({
    "QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox", "QAction",
    "QToolButton",
})  # fmt: skip
MESSAGE_BOXES = frozenset({"information", "warning", "critical", "question", "about"})

#: (file, literal) left untranslated on purpose, and why.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def _words(node: ast.expr) -> list[str]:
    """The literal wording in an argument: a string, an f-string's text, either branch of a
    conditional, either side of a `+` (words only: punctuation and placeholders are not)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if any(c.isalpha() for c in node.value) else []
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        return [ast.unparse(node)] if any(c.isalpha() for c in text) else []
    if isinstance(node, ast.IfExp):
        return _words(node.body) + _words(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _words(node.left) + _words(node.right)
    return []


def _icon_or_number(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int)
    return "icon" in ast.unparse(node).lower()


def _shown_arguments(call: ast.Call) -> list[ast.expr]:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name in SHOWN_BY or name in MADE_WITH_TEXT:
        return list(call.args)
    if name in FIRST_SHOWN_BY:
        # addItem(text, data), addItem(icon, text, data), insertItem(index, [icon,] text, data),
        # addRow(label, field): the text is the first argument that is not an index or icon.
        arguments = call.args[1:] if name == "insertItem" else call.args
        for argument in arguments[:2]:
            if not _icon_or_number(argument):
                return [argument]
        return []
    if (
        name in MESSAGE_BOXES
        and isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "QMessageBox"
    ):
        return list(call.args)
    return []


def untranslated(source: str, filename: str) -> list[str]:
    """Literal words handed to a widget in ``source`` without going through translation."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for argument in _shown_arguments(node):
                for words in _words(argument):
                    if (filename, words) not in EXCEPTIONS:
                        found.append(f"{filename}:{node.lineno}: {words[:70]!r}")
    return found


@pytest.mark.parametrize(
    "source",
    [
        'label.setText("Saved")',
        'QPushButton("&Save", self)',
        'box.addItem("All districts", "")',
        'form.addRow("Title", self.title)',
        'button.setToolTip(f"Open {name}")',
        'QMessageBox.warning(self, "Problem", text)',
        'size.addItem("Normal" if n == 100 else f"{n}%", n)',
    ],
)
def test_the_check_finds_a_literal_handed_to_a_widget(source: str) -> None:
    assert untranslated(source, "example.py")


@pytest.mark.parametrize(
    "source",
    [
        'label.setText(QCoreApplication.translate("X", "Saved"))',
        'label.setText(self.tr("Saved"))',
        'box.addItem(self.tr("Yes"), "yes")',
        'label.setText("")',
        'form.addRow(f"{label} *", editor)',
        'log.warning("work failed: %s", error)',
    ],
)
def test_the_check_leaves_translated_words_and_data_alone(source: str) -> None:
    assert untranslated(source, "example.py") == []


def test_no_widget_in_the_ui_layer_is_handed_untranslated_words() -> None:
    found: list[str] = []
    for path in sorted(UI.glob("*.py")):
        found.extend(untranslated(path.read_text(encoding="utf-8"), path.name))
    assert found == []


def _pseudo_polish(folder: Path) -> str:
    """A tiny Polish translation of the navigation and the unlock screen, as a partnership
    would make it; compiled with pyside6-lrelease."""
    ts = folder / "fieldkit_pl.ts"
    ts.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="pl_PL">
<context><name>MainWindow</name>
<message><source>Today</source><translation>Dzisiaj</translation></message>
</context>
<context><name>UnlockScreen</name>
<message><source>Unlock Fieldkit</source><translation>Odblokuj Fieldkit</translation></message>
</context>
</TS>
""",
        encoding="utf-8",
    )
    lrelease = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent))
    assert lrelease, "pyside6-lrelease comes with PySide6"
    subprocess.run(
        [lrelease, str(ts), "-qm", str(folder / "fieldkit_pl.qm")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return "pl"


@pytest.mark.gui
def test_a_translator_loaded_at_start_up_changes_what_the_screens_say(
    qtbot: QtBot, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    language = _pseudo_polish(tmp_path)
    installed = translation.install_translator(app, language, folder=tmp_path)
    assert isinstance(installed, QTranslator)
    try:
        vaults = tmp_path / "vaults"
        vaults.mkdir()
        window = MainWindow(SessionService(VaultDirectory(vaults)))
        qtbot.addWidget(window)
        assert window.navigation.item(TODAY).text() == "Dzisiaj"
        shown = {label.text() for label in window.unlock_view.findChildren(QLabel)}
        assert "Odblokuj Fieldkit" in shown, "a Designer screen speaks the language too"
    finally:
        app.removeTranslator(installed)
    assert QCoreApplication.translate("MainWindow", "Today") == "Today"


@pytest.mark.gui
def test_english_needs_no_translator_and_a_missing_language_falls_back_to_english(
    qtbot: QtBot, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert translation.install_translator(app, "en", folder=tmp_path) is None
    assert translation.install_translator(app, "cy", folder=tmp_path) is None
    assert QCoreApplication.translate("MainWindow", "Today") == "Today"
    assert (translation.translations_folder() / "README.md").is_file()

"""The app's own words in the officer's language: Qt translators loaded from resources."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

#: Where a partnership's compiled translations live (``fieldkit_XX.qm``, XX the language code).
FOLDER = ("translations",)
#: A language code as a file name may carry it ("pl", "cy", "pt_BR"): nothing else is loaded.
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
#: The language the source strings are written in: it needs no translator.
SOURCE_LANGUAGE = "en"


def translations_folder() -> Path:
    """The folder ``resources/translations`` that holds ``fieldkit_XX.qm`` files."""
    return Path(str(files("fieldkit.resources").joinpath(*FOLDER)))


def install_translator(
    app: QCoreApplication,
    language: str,
    *,
    folder: Path | None = None,
    current: QTranslator | None = None,
) -> QTranslator | None:
    """Put the translator for ``language`` in front of the app's words.

    English needs none; a language without a ``fieldkit_XX.qm`` file shows English (a partial
    translation shows English for what it lacks, as Qt does).

    Args:
        app: the running application.
        language: a language code such as ``"pl"``.
        folder: where the ``.qm`` files are (``resources/translations`` unless given).
        current: the translator installed before, removed first.

    Returns:
        The translator now installed, or None when the app speaks English.
    """
    if current is not None:
        app.removeTranslator(current)
    if not _LANGUAGE_CODE.fullmatch(language or "") or language == SOURCE_LANGUAGE:
        return None  # English, or not a language code (never a path from device settings)
    translator = QTranslator(app)
    where = folder if folder is not None else translations_folder()
    if not translator.load(f"fieldkit_{language}", str(where)):
        return None
    app.installTranslator(translator)
    return translator

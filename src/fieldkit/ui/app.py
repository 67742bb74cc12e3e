"""Starting the desktop app: ``fieldkit.ui.app.run(argv)``."""

from __future__ import annotations

import argparse
import logging
import os
import stat
import sys
import traceback
from collections.abc import Callable, MutableMapping
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QApplication

from fieldkit.services.session import SessionService, VaultDirectory
from fieldkit.ui.shell import MainWindow
from fieldkit.ui.translation import SOURCE_LANGUAGE, install_translator
from fieldkit.ui.wording import GENERIC_PROBLEM

log = logging.getLogger("fieldkit.ui")
ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def where_it_failed(tb: TracebackType | None) -> str:
    """File, line and function of each frame: no message, no values, so no personal data."""
    return " < ".join(
        f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
        for frame in reversed(traceback.extract_tb(tb))
    )


def install_excepthook(show: Callable[[str], None]) -> ExceptHook:
    """Log unexpected errors without personal data and show a calm message instead of a trace.

    Returns:
        The hook that was replaced.
    """
    previous = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, error, tb)
            return
        log.error("unexpected %s at %s", kind.__name__, where_it_failed(tb))
        show(GENERIC_PROBLEM)

    sys.excepthook = hook
    return previous


def keep_temporary_files_in_memory(environ: MutableMapping[str, str] = os.environ) -> bool:
    """On Linux, put the app's temporary files in the user's runtime folder (memory, owner-only).

    Qt's CUPS print engine writes each job — a letter, personal data — to a temporary file
    before handing it to CUPS, and deletes it after; a crash in between would leave it in /tmp
    on disk. ``$XDG_RUNTIME_DIR`` is a tmpfs only its user can open, emptied at logout. A
    ``TMPDIR`` someone set on purpose is left alone; so is a runtime folder that is not the
    user's own with mode 0700.

    Args:
        environ: the environment to change (the process's).

    Returns:
        Whether ``TMPDIR`` now points at the runtime folder.
    """
    if not sys.platform.startswith("linux") or environ.get("TMPDIR"):
        return False
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    try:
        info = os.stat(runtime) if runtime else None
    except OSError:
        return False
    if (
        info is None
        or not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.getuid()
        or stat.S_IMODE(info.st_mode) != 0o700
    ):
        return False
    environ["TMPDIR"] = runtime
    return True


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldkit", description="Fieldkit desktop app")
    parser.add_argument("--vault", metavar="DIR", help="use the vault in this folder")
    parser.add_argument("--data-dir", metavar="DIR", help="the folder holding every user's vault")
    return parser


def vaults_folder(data_dir: str | None) -> Path:
    """Where per-user vaults live: ``--data-dir``, else the platform's app-data folder."""
    if data_dir:
        return Path(data_dir)
    return (
        Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
        / "vaults"
    )


def run(argv: list[str]) -> int:
    """Open the app window and run until it closes.

    Args:
        argv: the command-line arguments after the program name.

    Returns:
        The exit code.
    """
    args, qt_args = _parser().parse_known_args(argv)
    logging.basicConfig(level=os.environ.get("FIELDKIT_LOG", "WARNING"))
    keep_temporary_files_in_memory()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(["fieldkit", *qt_args])
    app.setApplicationName("Fieldkit")
    app.setOrganizationName("Fieldkit")
    directory = VaultDirectory(
        vaults_folder(args.data_dir), fixed=Path(args.vault) if args.vault else None
    )
    prefs = QSettings()
    # The language chosen in Settings (kept on the device) speaks from the first screen.
    install_translator(app, str(prefs.value("language", SOURCE_LANGUAGE)))
    window = MainWindow(SessionService(directory), prefs=prefs)
    window.resize(1280, 720)
    install_excepthook(lambda text: window.show_problem(RuntimeError(text)))
    window.show()
    code = app.exec()
    window.shutdown()
    return int(code)

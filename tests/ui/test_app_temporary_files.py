"""Where the app keeps temporary files: Qt writes each CUPS print job to one first."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fieldkit.ui.app import keep_temporary_files_in_memory

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux runtime dir")


def test_temporary_files_go_to_the_users_own_runtime_folder(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    runtime.chmod(0o700)
    environ = {"XDG_RUNTIME_DIR": str(runtime)}

    assert keep_temporary_files_in_memory(environ)
    assert environ["TMPDIR"] == str(runtime)


def test_a_runtime_folder_others_can_open_is_not_used(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir()
    runtime.chmod(0o755)
    environ = {"XDG_RUNTIME_DIR": str(runtime)}

    assert not keep_temporary_files_in_memory(environ)
    assert "TMPDIR" not in environ


@pytest.mark.parametrize("runtime", ["", "/nonexistent/fieldkit-runtime"])
def test_no_runtime_folder_leaves_the_temporary_folder_alone(runtime: str) -> None:
    environ = {"XDG_RUNTIME_DIR": runtime}
    assert not keep_temporary_files_in_memory(environ)
    assert "TMPDIR" not in environ


def test_a_temporary_folder_set_on_purpose_is_kept(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    environ = {"XDG_RUNTIME_DIR": str(runtime), "TMPDIR": "/srv/fieldkit-tmp"}

    assert not keep_temporary_files_in_memory(environ)
    assert environ["TMPDIR"] == "/srv/fieldkit-tmp"

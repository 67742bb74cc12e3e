"""Both command lines, the laptop's and the server's, report the one version."""

from __future__ import annotations

import pytest

import fieldkit
from fieldkit import cli as client_cli
from fieldkit_server import cli as server_cli


def test_both_command_lines_report_the_one_version(capsys: pytest.CaptureFixture[str]) -> None:
    for main, prog in ((client_cli.main, "fieldkit"), (server_cli.main, "fieldkit-server")):
        with pytest.raises(SystemExit) as exit_:
            main(["--version"])
        assert exit_.value.code == 0
        assert capsys.readouterr().out.strip() == f"{prog} {fieldkit.__version__}"

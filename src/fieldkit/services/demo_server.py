"""A `fieldkit-server` for the demo: its own SQLite file, demo accounts, on 127.0.0.1 only."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from fieldkit.domain.vocabulary import District


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    agency: str
    display_name: str
    safeguarding: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("demo.officer", "housing", "council", "Sam Whitaker (demo officer)"),
    DemoAccount("demo.supervisor", "supervisor", "council", "Priya Shah (demo supervisor)", True),
)


class DemoServerError(RuntimeError):
    """The demo server could not be set up or did not start."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    # Linux: the server gets SIGTERM if the demo process dies without cleaning up (killed, or
    # the terminal closed), so no orphan keeps the port and the database open.
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _server_command() -> list[str]:
    beside = Path(sys.executable).with_name("fieldkit-server")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("fieldkit-server")
    if found:
        return [found]
    return [sys.executable, "-m", "fieldkit_server.cli"]


class DemoServer:
    """Runs `fieldkit-server serve` as a child process for as long as the `with` block lasts.

    Args:
        folder: where the server's SQLite database and log go.
        password: the demo accounts' password (given on standard input, never in argv).
        services_file: a support-service directory (JSON) to import as reference data.
        gazetteer_file: an address gazetteer (CSV) to import, for the place picker and maps.
    """

    def __init__(
        self,
        folder: Path,
        *,
        password: str,
        services_file: Path | None = None,
        gazetteer_file: Path | None = None,
    ) -> None:
        self.folder = folder
        self._password = password
        self._services_file = services_file
        self._gazetteer_file = gazetteer_file
        self._db = f"sqlite:///{folder / 'server.db'}"
        self._process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def _admin(self, *args: str, stdin: str | None = None) -> None:
        result = subprocess.run(
            [*_server_command(), *args, "--db", self._db],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise DemoServerError(f"fieldkit-server {args[0]} failed: {result.stderr.strip()}")

    def __enter__(self) -> DemoServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._admin("init")
        if self._services_file is not None:
            self._admin("services", "import", str(self._services_file))
        if self._gazetteer_file is not None:
            self._admin("gazetteer", "import", str(self._gazetteer_file))
        for account in DEMO_ACCOUNTS:
            districts = [a for d in District for a in ("--district", d.value)]
            self._admin(
                "user", "add", "--username", account.username, "--role", account.role,
                "--agency", account.agency, "--display-name", account.display_name,
                *districts, *(["--safeguarding"] if account.safeguarding else []),
                "--password-stdin",
                stdin=self._password + "\n",
            )  # fmt: skip
        port = _free_port()
        log = open(self.folder / "server.log", "wb")
        self._process = subprocess.Popen(
            [*_server_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--db", self._db],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ},
            preexec_fn=_die_with_parent,  # safe: the demo starts no threads before this
        )  # fmt: skip
        log.close()
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise DemoServerError("the demo server stopped at start; see server.log")
            try:
                with urllib.request.urlopen(f"{self.url}/v1/health", timeout=1) as reply:  # noqa: S310 - our own loopback URL
                    if reply.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise DemoServerError("the demo server did not answer within 30 seconds")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()

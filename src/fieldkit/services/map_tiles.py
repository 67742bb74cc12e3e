"""The optional online map layer: tiles fetched from a configured address, kept on disk.

Tiles are pictures of streets, not personal data, so they are cached in the app's ordinary cache
folder (outside the vault) and drawn again offline. Asking a tile server for tiles does tell it
which part of the map is on show, which is why the layer is off until an address is set.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import requests

from fieldkit import __version__

#: The largest tile accepted (a 256-pixel PNG is some 10 to 50 kB).
MAX_TILE_BYTES = 1024 * 1024
TIMEOUT_SECONDS = 10.0
_LOCAL = ("127.0.0.1", "localhost", "::1")


def check_tile_url(template: str) -> str:
    """A tile address template, trimmed: ``https://…/{z}/{x}/{y}.png`` (plain http only to this
    computer), with no user name or password in it.

    Raises:
        ValueError: saying what is wrong (the message does not repeat the address).
    """
    template = template.strip()
    parts = urlsplit(template.replace("{", "").replace("}", ""))
    if not all(p in template for p in ("{z}", "{x}", "{y}")):
        raise ValueError("must hold {z}, {x} and {y}, e.g. https://tiles.example/{z}/{x}/{y}.png")
    if parts.username or parts.password:
        raise ValueError("must not hold a user name or password")
    if parts.scheme == "https" and parts.hostname:
        return template
    if parts.scheme == "http" and parts.hostname in _LOCAL:
        return template
    raise ValueError("must start https:// (plain http:// only to this computer)")


def _download(url: str) -> bytes | None:
    reply = requests.get(
        url,
        timeout=TIMEOUT_SECONDS,
        headers={"User-Agent": f"Fieldkit/{__version__}"},
        stream=True,
        allow_redirects=False,
    )
    try:
        if reply.status_code != 200:
            return None
        if not reply.headers.get("Content-Type", "").startswith("image/"):
            return None
        body = reply.raw.read(MAX_TILE_BYTES + 1, decode_content=True)
        return body if len(body) <= MAX_TILE_BYTES else None
    finally:
        reply.close()


class TileCache:
    """Tiles from one address template, cached under ``folder``.

    Args:
        folder: the app's cache folder for tiles (one sub-folder per address).
        template: the checked address template (see :func:`check_tile_url`).
        download: fetches a URL's bytes, None when there is no tile (tests pass their own).
    """

    def __init__(
        self,
        folder: Path,
        template: str,
        *,
        download: Callable[[str], bytes | None] = _download,
    ) -> None:
        self._template = check_tile_url(template)
        self._folder = folder / hashlib.sha256(self._template.encode()).hexdigest()[:16]
        self._download = download

    def path(self, z: int, x: int, y: int) -> Path:
        """Where a tile is kept."""
        return self._folder / str(z) / str(x) / f"{y}.tile"

    def cached(self, z: int, x: int, y: int) -> bytes | None:
        """A tile from disk, or None if it was never fetched."""
        try:
            return self.path(z, x, y).read_bytes()
        except FileNotFoundError:
            return None

    def fetch(self, z: int, x: int, y: int) -> bytes | None:
        """A tile from disk, else from the server (then kept); None when neither has it.

        Raises:
            requests.RequestException: the server could not be reached.
        """
        held = self.cached(z, x, y)
        if held is not None:
            return held
        if not (0 <= z <= 22 and 0 <= x < 2**z and 0 <= y < 2**z):
            return None
        body = self._download(self._template.format(z=z, x=x, y=y))
        if body is None:
            return None
        target = self.path(z, x, y)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tile-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(body)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return body

"""Online map tiles: fetched from a tile server on 127.0.0.1, kept on disk, refused when odd."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fieldkit.domain.records import ValidationError
from fieldkit.services.map_tiles import TileCache, check_tile_url
from fieldkit.services.settings import AppSettings, check_settings

PNG = b"\x89PNG\r\n\x1a\n" + b"tile" * 10


class _Tiles(BaseHTTPRequestHandler):
    asked: list[str] = []  # noqa: RUF012 (one server per test)

    def do_GET(self) -> None:
        type(self).asked.append(self.path)
        if self.path.startswith("/text/"):
            body, kind = b"<html>no</html>", "text/html"
        elif self.path.startswith("/missing/"):
            self.send_response(404)
            self.end_headers()
            return
        else:
            body, kind = PNG, "image/png"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    _Tiles.asked = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def test_a_tile_is_fetched_once_and_then_drawn_from_disk(server: str, tmp_path: Path) -> None:
    cache = TileCache(tmp_path, server + "/osm/{z}/{x}/{y}.png")
    assert cache.fetch(12, 2027, 1320) == PNG
    assert cache.fetch(12, 2027, 1320) == PNG
    assert _Tiles.asked == ["/osm/12/2027/1320.png"]
    assert cache.path(12, 2027, 1320).read_bytes() == PNG
    assert [p.name for p in cache.path(12, 2027, 1320).parent.iterdir()] == ["1320.tile"]


def test_what_is_not_a_tile_is_not_kept(server: str, tmp_path: Path) -> None:
    for prefix in ("text", "missing"):
        cache = TileCache(tmp_path, server + f"/{prefix}/{{z}}/{{x}}/{{y}}.png")
        assert cache.fetch(3, 1, 1) is None
        assert cache.cached(3, 1, 1) is None
    assert TileCache(tmp_path, server + "/osm/{z}/{x}/{y}.png").fetch(3, 9, 1) is None  # off map


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("https://tiles.example/{z}/{x}.png", "must hold {z}, {x} and {y}"),
        ("http://tiles.example/{z}/{x}/{y}.png", "must start https://"),
        ("ftp://tiles.example/{z}/{x}/{y}.png", "must start https://"),
        ("https://user:secret@tiles.example/{z}/{x}/{y}.png", "user name or password"),
    ],
)
def test_a_tile_address_must_be_https_with_placeholders(template: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as caught:
        check_tile_url(template)
    assert "secret" not in str(caught.value)
    with pytest.raises(ValidationError):
        check_settings(AppSettings(map_tile_url=template))


def test_the_map_is_offline_unless_a_tile_address_is_set() -> None:
    assert AppSettings().map_tile_url == ""
    tiles = " https://tiles.example/{z}/{x}/{y}.png "
    assert check_settings(AppSettings(map_tile_url=tiles)).map_tile_url == tiles.strip()

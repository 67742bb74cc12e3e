"""The three distributions ship every package once, and the server's brings no desktop part."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DESKTOP = {"pyside6", "sqlcipher3", "requests", "cryptography"}
WEB = {"fastapi", "uvicorn", "starlette"}


def project(path: str) -> dict[str, Any]:
    with (ROOT / path).open("rb") as file:
        return tomllib.load(file)


def requirement_names(requirements: list[str]) -> set[str]:
    names = set()
    for line in requirements:
        name = line.split(";")[0].split("[")[0]
        for mark in "<>=!~ @":
            name = name.split(mark)[0]
        names.add(name.strip().lower())
    return names


def packages_under(folder: Path, prefix: str) -> set[str]:
    return {
        ".".join((prefix, *init.parent.relative_to(folder).parts))
        for init in folder.rglob("__init__.py")
        if "__pycache__" not in init.parts and init.parent.is_relative_to(folder)
    }


CORE = project("core/pyproject.toml")
APP = project("pyproject.toml")
SERVER = project("sync/pyproject.toml")


def test_every_fieldkit_package_ships_in_exactly_one_of_core_and_app() -> None:
    core = set(CORE["tool"]["setuptools"]["packages"])
    app = set(APP["tool"]["setuptools"]["packages"])
    # Both install into fieldkit/ itself, split file by file (core/fieldkit_split.py).
    assert core & app == {"fieldkit"}
    on_disk = packages_under(ROOT / "src" / "fieldkit", "fieldkit")
    on_disk -= {p for p in on_disk if p.startswith(("fieldkit.resources", "fieldkit.ui_files"))}
    on_disk |= {"fieldkit", "fieldkit.resources", "fieldkit.ui_files"}
    assert core | app == on_disk, "a package is missing from core/pyproject.toml or pyproject.toml"


def test_the_core_owns_the_package_marker_and_the_app_its_command() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("split", ROOT / "core" / "fieldkit_split.py")
    assert spec is not None
    assert spec.loader is not None
    split = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(split)
    assert split._keep("fieldkit", "__init__", core=True)
    assert not split._keep("fieldkit", "__init__", core=False)
    assert split._keep("fieldkit", "cli", core=False)
    assert not split._keep("fieldkit", "cli", core=True)
    assert APP["tool"]["setuptools"]["cmdclass"]["build_py"].endswith("AppBuildPy")
    assert CORE["tool"]["setuptools"]["cmdclass"]["build_py"].endswith("CoreBuildPy")


def test_the_server_finds_all_its_packages() -> None:
    found = SERVER["tool"]["setuptools"]["packages"]["find"]
    assert found["include"] == ["fieldkit_server", "fieldkit_server.*"]


def test_neither_server_nor_core_depends_on_the_desktop_and_the_app_not_on_the_web() -> None:
    server = requirement_names(SERVER["project"]["dependencies"])
    core = requirement_names(CORE["project"]["dependencies"])
    app = requirement_names(APP["project"]["dependencies"])
    assert "fieldkit-core" in server
    assert "fieldkit-core" in app
    assert not (server | core) & (DESKTOP | {"fieldkit"})
    assert not core & WEB
    assert not app & WEB


def test_the_server_image_installs_the_server_plainly() -> None:
    dockerfile = (ROOT / "packaging" / "server" / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install ./core ./sync" in dockerfile
    assert "--no-deps" not in dockerfile
    assert "requirements" not in dockerfile

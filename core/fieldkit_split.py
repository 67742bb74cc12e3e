"""Build step that lets the core and the app share the `fieldkit` folder, never a file."""

from __future__ import annotations

from setuptools.command.build_py import build_py

# The modules directly inside `fieldkit/` that the core distribution (fieldkit-core) installs
# (its subpackages are listed in core/pyproject.toml); every other module there (today
# `cli.py`) belongs to the laptop app's distribution (pyproject.toml).
CORE_TOP_MODULES = frozenset({"__init__"})


def _keep(package: str, module: str, *, core: bool) -> bool:
    if package != "fieldkit":
        return True
    return (module in CORE_TOP_MODULES) is core


class CoreBuildPy(build_py):
    """The core's build: of `fieldkit/` itself, only `__init__.py`."""

    def find_package_modules(self, package: str, package_dir: str) -> list[tuple[str, str, str]]:
        found = super().find_package_modules(package, package_dir)
        return [m for m in found if _keep(m[0], m[1], core=True)]


class AppBuildPy(build_py):
    """The app's build: of `fieldkit/` itself, every module but the core's, and no data file."""

    def find_package_modules(self, package: str, package_dir: str) -> list[tuple[str, str, str]]:
        found = super().find_package_modules(package, package_dir)
        return [m for m in found if _keep(m[0], m[1], core=False)]

    def _get_data_files(self) -> list[tuple[str, str, str, list[str]]]:
        # setuptools adds `py.typed` by itself; the core installs the package's marker.
        found = super()._get_data_files()
        return [(p, src, build, [] if p == "fieldkit" else files) for p, src, build, files in found]

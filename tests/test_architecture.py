"""The Qt-free core stays Qt-free: it imports in a process where PySide6 cannot be imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_core_imports_without_pyside6() -> None:
    probe = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class NoQt:
            def find_spec(self, name, path=None, target=None):
                if name == "PySide6" or name.startswith("PySide6."):
                    raise ImportError("PySide6 is not installed")
                return None

        sys.meta_path.insert(0, NoQt())
        import fieldkit
        count = 0
        for info in pkgutil.walk_packages(fieldkit.__path__, "fieldkit."):
            if info.name.startswith(("fieldkit.ui.", "fieldkit.resources", "fieldkit.ui_files")):
                continue
            if info.name == "fieldkit.ui" or ".migrations" in info.name:
                continue
            importlib.import_module(info.name)
            count += 1
        assert not any(m.startswith("PySide6") for m in sys.modules), "PySide6 was imported"
        print(count)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 15

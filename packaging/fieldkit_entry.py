"""Entry point of the PyInstaller bundle: the same command line as the installed ``fieldkit``."""

import sys

from fieldkit.cli import main

if __name__ == "__main__":
    sys.exit(main())

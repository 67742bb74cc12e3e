"""Qt Designer files for the desktop app, shipped inside the package."""

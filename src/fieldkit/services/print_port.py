"""The app's view of printing: one interface, implemented by Qt (the app) and by ``lp``.

The interface and its value types live with the documents (``fieldkit.documents.printing``), where
the ``lp`` implementation needs them; screens import them from here, as from any service.
"""

from __future__ import annotations

from fieldkit.documents.printing import (
    JOB_TITLE,
    TRAY_LABELS,
    PaperTray,
    PrintError,
    PrinterUnavailableError,
    PrintJob,
    PrintOptions,
    PrintSystem,
    SpoolerPrinting,
    check_print_options,
)

__all__ = [
    "JOB_TITLE",
    "TRAY_LABELS",
    "PaperTray",
    "PrintError",
    "PrintJob",
    "PrintOptions",
    "PrintSystem",
    "PrinterUnavailableError",
    "SpoolerPrinting",
    "check_print_options",
]

"""The user's settings, kept in their vault on this laptop: server, idle lock, printing, words."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from fieldkit.domain.evidence import DEFAULT_SIZE_LIMIT, FetchPolicy
from fieldkit.domain.records import FieldError, ValidationError
from fieldkit.services.map_tiles import check_tile_url
from fieldkit.services.print_port import PaperTray
from fieldkit.store import settings as stored_settings
from fieldkit.store.vault import Vault
from fieldkit.sync.transport import check_server_url

LANGUAGES = {"en": "English", "pl": "Polski"}
#: The text sizes offered, as percentages of normal.
TEXT_SIZES = (100, 115, 130, 150, 175, 200)


@dataclass(frozen=True)
class AppSettings:
    """What a user can set. Defaults suit a new field laptop with no server yet.

    The printing settings belong to this laptop (they are never synced): ``default_printer`` is
    the printer last printed to, ``two_sided`` asks for both sides where the printer can, and
    ``paper_tray`` is a ``PaperTray`` value.
    """

    server_url: str = ""
    #: A partnership's own certificate authority (a PEM file) to trust the server by; "" is
    #: the system's trusted authorities.
    ca_certificate: str = ""
    idle_lock_minutes: int = 5
    default_printer: str = ""
    two_sided: bool = True
    paper_tray: str = PaperTray.AUTO.value
    language: str = "en"
    high_contrast: bool = False
    #: Text size as a percentage of normal (one of ``TEXT_SIZES``); Ctrl+= and Ctrl+- step it.
    text_size: int = 100
    officer_name: str = ""
    officer_number: str = ""
    district: str = "huddersfield"
    #: The magistrates' court closure applications go to: named on notices and bundles.
    court_name: str = "Kirklees Magistrates' Court"
    #: An online map's tile address (``https://…/{z}/{x}/{y}.png``); "" keeps the map offline.
    map_tile_url: str = ""
    #: Which evidence files this laptop downloads after its records (a ``FetchPolicy`` value).
    evidence_fetch: str = FetchPolicy.ALL.value
    #: The largest file the server last said it accepts (bytes); learnt at sync.
    attachment_limit: int = DEFAULT_SIZE_LIMIT


def check_settings(settings: AppSettings) -> AppSettings:
    """Settings with text trimmed.

    Raises:
        ValidationError: naming each setting that cannot be used and why.
    """
    errors: list[FieldError] = []
    url = settings.server_url.strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append(
                FieldError("server_url", "must be a web address such as https://sync.example")
            )
        else:
            try:
                check_server_url(url)
            except ValueError as exc:
                errors.append(FieldError("server_url", str(exc)))
    ca = settings.ca_certificate.strip()
    if ca and not Path(ca).is_file():
        errors.append(FieldError("ca_certificate", "must be a certificate file on this laptop"))
    if not 1 <= settings.idle_lock_minutes <= 60:
        errors.append(FieldError("idle_lock_minutes", "must be from 1 to 60 minutes"))
    if settings.paper_tray not in {t.value for t in PaperTray}:
        errors.append(
            FieldError("paper_tray", "must be one of " + ", ".join(t.value for t in PaperTray))
        )
    if settings.language not in LANGUAGES:
        errors.append(FieldError("language", "must be one of " + ", ".join(LANGUAGES)))
    if settings.text_size not in TEXT_SIZES:
        errors.append(
            FieldError("text_size", "must be one of " + ", ".join(f"{t}%" for t in TEXT_SIZES))
        )
    tiles = settings.map_tile_url.strip()
    if tiles:
        try:
            tiles = check_tile_url(tiles)
        except ValueError as exc:
            errors.append(FieldError("map_tile_url", str(exc)))
    if FetchPolicy.parse(settings.evidence_fetch) is None:
        errors.append(
            FieldError(
                "evidence_fetch", "must be one of " + ", ".join(p.value for p in FetchPolicy)
            )
        )
    if not 1 <= settings.attachment_limit <= 2**31:
        errors.append(FieldError("attachment_limit", "must be a positive number of bytes"))
    if errors:
        raise ValidationError(errors)
    return replace(
        settings,
        server_url=url.rstrip("/"),
        ca_certificate=ca,
        default_printer=settings.default_printer.strip(),
        officer_name=settings.officer_name.strip(),
        officer_number=settings.officer_number.strip(),
        court_name=settings.court_name.strip(),
        map_tile_url=tiles,
    )


class SettingsService:
    """Load and save the vault owner's settings.

    Args:
        vault: the unlocked vault.
    """

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def load(self) -> AppSettings:
        """The saved settings, or the defaults (unknown keys from newer versions are ignored)."""
        with self._vault.read() as conn:
            data = stored_settings.load(conn)
        if data is None:
            return AppSettings(officer_name=self._vault.username)
        known = {f.name for f in fields(AppSettings)}
        return AppSettings(**{k: v for k, v in data.items() if k in known})

    def save(self, settings: AppSettings) -> AppSettings:
        """Check and store settings.

        Raises:
            ValidationError: a setting cannot be used; nothing is stored.
        """
        checked = check_settings(settings)
        with self._vault.write() as conn:
            stored_settings.save(conn, asdict(checked))
        return checked

    def remember_printer(self, printer: str) -> AppSettings:
        """Keep ``printer`` as this laptop's printer, the one offered first next time.

        Returns:
            The settings as now saved (unchanged when it was already the one).
        """
        current = self.load()
        if printer.strip() == current.default_printer:
            return current
        return self.save(replace(current, default_printer=printer))

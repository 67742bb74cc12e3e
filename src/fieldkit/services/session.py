"""Opening a user's vault: where vaults live, first-run creation, unlock and passphrase strength."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fieldkit.store.errors import VaultError
from fieldkit.store.keyfile import KdfParams
from fieldkit.store.vault import Vault, read_keyfile

MIN_PASSPHRASE = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class SessionError(Exception):
    """Something the user can put right when creating or unlocking a vault; the text says how."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        #: The form field the problem is in ("username", "passphrase", "repeat"), if any.
        self.field = field


@dataclass(frozen=True)
class PassphraseStrength:
    """How hard a passphrase is to guess, for the meter on the first-run screen."""

    score: int  # 0 (unusable) to 4 (strong)
    label: str
    advice: str

    @property
    def acceptable(self) -> bool:
        return self.score >= 2


_COMMON = frozenset(
    {"password", "passw0rd", "letmein", "qwerty", "123456", "iloveyou", "welcome", "kirklees"}
)


def passphrase_strength(text: str) -> PassphraseStrength:
    """Rate a passphrase by length, variety and obvious patterns (a meter, not a guarantee).

    Args:
        text: the passphrase as typed.

    Returns:
        A score from 0 to 4 with a label and a hint on how to make it stronger.
    """
    if not text:
        return PassphraseStrength(0, "Empty", "Choose a passphrase of at least four words.")
    lowered = text.lower()
    if len(text) < MIN_PASSPHRASE:
        return PassphraseStrength(
            0, "Too short", f"Use at least {MIN_PASSPHRASE} characters; four words is better."
        )
    if (any(word in lowered for word in _COMMON) and len(text) < 16) or len(set(lowered)) < 5:
        return PassphraseStrength(1, "Weak", "Avoid common words and repeated characters.")
    classes = sum(bool(re.search(p, text)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    words = len([w for w in re.split(r"[\s\-_.]+", text) if len(w) >= 3])
    points = (len(text) >= 14) + (len(text) >= 20) + (classes >= 3) + (words >= 3)
    if points >= 3:
        return PassphraseStrength(4, "Strong", "")
    if points >= 2:
        return PassphraseStrength(3, "Good", "Adding another word makes it stronger still.")
    return PassphraseStrength(2, "Fair", "Longer is stronger: add a word or two.")


class VaultDirectory:
    """Where each user's vault lives: ``<base>/<username>``, or one folder named by ``--vault``.

    Args:
        base: the folder that holds one vault folder per user.
        fixed: a single vault folder (``--vault DIR``) that overrides the per-user layout.
    """

    def __init__(self, base: Path, *, fixed: Path | None = None) -> None:
        self._base = base
        self._fixed = fixed

    def usernames(self) -> list[str]:
        """The users who have a vault here, sorted."""
        if self._fixed is not None:
            try:
                return [read_keyfile(self._fixed).username.split("\n", 1)[0]]
            except VaultError:
                return []
        if not self._base.is_dir():
            return []
        found: list[str] = []
        for child in sorted(self._base.iterdir()):
            if (child / "vault.key").exists() and (child / "vault.db").exists():
                found.append(child.name)
        return found

    def folder_for(self, username: str) -> Path:
        """The folder a user's vault is (or will be) in."""
        if self._fixed is not None:
            return self._fixed
        return self._base / username

    @property
    def first_run(self) -> bool:
        """No vault exists yet, so the app should offer to create one."""
        return not self.usernames()


class SessionService:
    """Creates and unlocks vaults, turning every failure into a sentence the user can act on.

    Args:
        directory: where vaults live.
        kdf: key-derivation cost for new vaults (the field-laptop default if None).
        now: the wall clock handed to the vault.
    """

    def __init__(
        self,
        directory: VaultDirectory,
        *,
        kdf: KdfParams | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.directory = directory
        self._kdf = kdf
        self._now = now or (lambda: datetime.now(UTC))

    def create(self, *, username: str, passphrase: str, repeat: str) -> Vault:
        """Make a new vault for a user and return it unlocked.

        Raises:
            SessionError: the username or passphrase is not acceptable, or a vault exists.
        """
        username = username.strip().lower()
        if not _USERNAME.match(username):
            raise SessionError(
                "Use 2 to 64 lower-case letters, digits, dots, dashes or underscores, "
                "for example amy.officer.",
                field="username",
            )
        strength = passphrase_strength(passphrase)
        if not strength.acceptable:
            raise SessionError(
                f"That passphrase is {strength.label.lower()}. {strength.advice}",
                field="passphrase",
            )
        if passphrase != repeat:
            raise SessionError(
                "The two passphrases are not the same. Type it again.", field="repeat"
            )
        try:
            return Vault.create(
                self.directory.folder_for(username),
                username=username,
                passphrase=passphrase,
                kdf=self._kdf,
                now=self._now,
            )
        except VaultError as exc:
            raise SessionError(str(exc), field="username") from None
        except OSError as exc:
            raise SessionError(
                f"The vault could not be written ({exc.strerror}). Check there is free disk "
                "space and that you can write to the data folder.",
            ) from None

    def unlock(self, *, username: str, passphrase: str) -> Vault:
        """Open a user's vault.

        Raises:
            SessionError: wrong passphrase, missing, damaged or foreign vault (in plain words).
        """
        if not passphrase:
            raise SessionError("Type your passphrase.", field="passphrase")
        try:
            return Vault.unlock(
                self.directory.folder_for(username), passphrase=passphrase, now=self._now
            )
        except VaultError as exc:
            raise SessionError(str(exc), field="passphrase") from None
        except OSError as exc:
            raise SessionError(f"The vault could not be read ({exc.strerror}).") from None

    def change_passphrase(
        self, *, username: str, old: str, new: str, repeat: str, rekey: bool = True
    ) -> None:
        """Change a user's passphrase (the vault must be locked), re-keying the database too.

        With `rekey` (the default) the database is re-encrypted under a new data key first, so
        a copy of the old key file opened with the old passphrase no longer reads the vault.

        Raises:
            SessionError: the old passphrase is wrong, the new one is weak or mistyped, or the
                vault could not be changed (in plain words; nothing is half-changed).
        """
        strength = passphrase_strength(new)
        if not strength.acceptable:
            raise SessionError(
                f"That passphrase is {strength.label.lower()}. {strength.advice}", field="new"
            )
        if new != repeat:
            raise SessionError(
                "The two passphrases are not the same. Type it again.", field="repeat"
            )
        folder = self.directory.folder_for(username)
        try:
            if rekey:
                Vault.rekey(folder, passphrase=old)
            Vault.change_passphrase(folder, old=old, new=new, kdf=self._kdf)
        except VaultError as exc:
            raise SessionError(str(exc), field="old") from None
        except OSError as exc:
            raise SessionError(f"The vault could not be changed ({exc.strerror}).") from None

"""The vault's key file: a random data key wrapped under a key derived from the passphrase."""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, ffi, lib  # type: ignore[attr-defined]
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fieldkit.store.errors import VaultDamagedError, WrongPassphraseError
from fieldkit.store.secretbuffer import SecretBuffer

FORMAT = "fieldkit-keyfile"
VERSION = 1
KEY_BYTES = 32


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The defaults take about 0.3 s on a 2-core field laptop (see bench/)."""

    time_cost: int = 3
    memory_kib: int = 256 * 1024
    parallelism: int = 2

    def __post_init__(self) -> None:
        # The key file is not authenticated until the unwrap, which runs the KDF first: an
        # edited cost must be refused before it is tried (2^40 KiB would exhaust the laptop).
        for name, (low, high) in KDF_LIMITS.items():
            value = getattr(self, name)
            if type(value) is not int or not low <= value <= high:
                raise ValueError(f"key derivation {name} out of range")
        if self.memory_kib < 8 * self.parallelism:
            raise ValueError("key derivation memory too small for its parallelism")


#: The range each Argon2id cost may take: wide enough for any laptop, narrow enough to refuse
#: an edited key file that would take hours or all memory.
KDF_LIMITS: dict[str, tuple[int, int]] = {
    "time_cost": (1, 16),
    "memory_kib": (8 * 1024, 2 * 1024 * 1024),
    "parallelism": (1, 16),
}
SALT_BYTES = 16
NONCE_BYTES = 12
#: A wrapped data key: the key itself and AES-GCM's 16-byte tag.
WRAPPED_BYTES = 32 + 16


def derive_key(passphrase: str, salt: bytes, params: KdfParams) -> SecretBuffer:
    """Argon2id into a buffer that can be wiped (argon2-cffi's helpers return immutable bytes)."""
    secret = SecretBuffer.from_text(passphrase)
    out = SecretBuffer(KEY_BYTES)
    try:
        rc = lib.argon2_hash(
            params.time_cost,
            params.memory_kib,
            params.parallelism,
            ffi.from_buffer(secret.view),
            len(secret),
            salt,
            len(salt),
            ffi.from_buffer(out.view),
            KEY_BYTES,
            ffi.NULL,
            0,
            Type.ID.value,
            0x13,
        )
    finally:
        secret.wipe()
    if rc != 0:
        out.wipe()
        raise ValueError("key derivation failed")
    return out


@dataclass(frozen=True)
class KeyFile:
    """The parsed key file. It holds no secret in the clear.

    The wrapped key's authenticated data binds the vault id, the Fieldkit username and the
    operating-system account, so none of them can be edited without the unwrap failing.
    """

    vault_id: str
    username: str
    os_user: str
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped_key: bytes

    @property
    def associated_data(self) -> bytes:
        return json.dumps(
            [FORMAT, VERSION, self.vault_id, self.username, self.os_user], separators=(",", ":")
        ).encode()

    @classmethod
    def wrap(
        cls,
        data_key: SecretBuffer,
        passphrase: str,
        *,
        vault_id: str,
        username: str,
        os_user: str,
        kdf: KdfParams,
    ) -> KeyFile:
        """Wrap a data key under a fresh salt and nonce."""
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        draft = cls(vault_id, username, os_user, kdf, salt, nonce, b"")
        wrapping = derive_key(passphrase, salt, kdf)
        try:
            wrapped = AESGCM(wrapping.view).encrypt(nonce, data_key.view, draft.associated_data)
        finally:
            wrapping.wipe()
        return cls(vault_id, username, os_user, kdf, salt, nonce, wrapped)

    def unwrap(self, passphrase: str) -> SecretBuffer:
        """The data key.

        Raises:
            WrongPassphraseError: the passphrase (or the file's bound identity) does not match.
        """
        wrapping = derive_key(passphrase, self.salt, self.kdf)
        try:
            plain = AESGCM(wrapping.view).decrypt(
                self.nonce, self.wrapped_key, self.associated_data
            )
        except InvalidTag:
            raise WrongPassphraseError() from None
        finally:
            wrapping.wipe()
        return SecretBuffer.take(plain)

    def to_json(self) -> str:
        b64 = base64.b64encode
        doc: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "vault_id": self.vault_id,
            "username": self.username,
            "os_user": self.os_user,
            "kdf": {
                "name": "argon2id",
                "time_cost": self.kdf.time_cost,
                "memory_kib": self.kdf.memory_kib,
                "parallelism": self.kdf.parallelism,
                "salt": b64(self.salt).decode(),
            },
            "cipher": "aes-256-gcm",
            "nonce": b64(self.nonce).decode(),
            "wrapped_key": b64(self.wrapped_key).decode(),
        }
        return json.dumps(doc, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> KeyFile:
        """Parse a key file.

        Raises:
            VaultDamagedError: the file is not a Fieldkit key file of a known version.
        """
        try:
            doc = json.loads(text)
            if not isinstance(doc, dict):
                raise ValueError
            if doc["format"] != FORMAT or doc["version"] != VERSION:
                raise ValueError
            if doc.get("cipher", "aes-256-gcm") != "aes-256-gcm":
                raise ValueError
            kdf = doc["kdf"]
            if not isinstance(kdf, dict) or kdf["name"] != "argon2id":
                raise ValueError
            keyfile = cls(
                vault_id=_vault_id(doc["vault_id"]),
                username=_text(doc["username"]),
                os_user=_text(doc["os_user"]),
                # KdfParams refuses a cost that is not a plain int in range (bools, floats,
                # strings, 0, negatives, 2**40) before anything derives with it.
                kdf=KdfParams(kdf["time_cost"], kdf["memory_kib"], kdf["parallelism"]),
                salt=_b64(kdf["salt"], SALT_BYTES),
                nonce=_b64(doc["nonce"], NONCE_BYTES),
                wrapped_key=_b64(doc["wrapped_key"], WRAPPED_BYTES),
            )
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            raise VaultDamagedError("key file unreadable") from None
        return keyfile

    def write(self, path: Path) -> None:
        """Replace the key file atomically: a crash leaves the old file or the new, never half."""
        tmp = path.with_name(path.name + ".new")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # a temp file left by a crash keeps its old mode otherwise
            os.write(fd, self.to_json().encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _text(value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > 1000:
        raise ValueError
    return value


def _b64(value: object, size: int) -> bytes:
    if not isinstance(value, str):
        raise TypeError
    raw = base64.b64decode(value, validate=True)
    if len(raw) != size:
        raise ValueError
    return raw


def _vault_id(value: object) -> str:
    text = _text(value)
    uuid.UUID(text)  # raises ValueError for anything else
    return text

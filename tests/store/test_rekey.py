"""Re-keying the vault: a new data key, the old key file useless, and safe at every crash point."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.factories import PASSPHRASE, person, visit

from fieldkit.domain.records import RecordType
from fieldkit.store import rekey
from fieldkit.store.errors import VaultDamagedError, WrongPassphraseError
from fieldkit.store.records import StoredRecord
from fieldkit.store.rekey import VaultInUseError
from fieldkit.store.vault import KEY_NAME, Vault
from fieldkit.store.vault_files import PENDING_KEY_NAME, REKEY_DB_NAME

NEW_PASSPHRASE = "a brand new passphrase here"


def _filled(make_vault: Callable[..., Vault]) -> Vault:
    vault = make_vault()
    with vault.write() as conn:
        repo = vault.records(conn)
        people = [repo.create("person", person(family_name=f"F{i}")) for i in range(30)]
        for p in people[:10]:
            repo.create("visit", visit(person_ids=[p.id]))
        repo.update(RecordType.PERSON, people[0].id, {"flags": ["VIOLENT - DO NOT VISIT ALONE"]})
        repo.delete(RecordType.PERSON, people[1].id)
    return vault


def _records(vault: Vault) -> dict[str, StoredRecord]:
    with vault.read() as conn:
        repo = vault.records(conn)
        return {r.id: r for t in RecordType for r in repo.iter_all(t, include_deleted=True)}


def _state(folder: Path, passphrase: str = PASSPHRASE) -> tuple[dict[str, StoredRecord], bool]:
    vault = Vault.unlock(folder, passphrase=passphrase)
    try:
        return _records(vault), vault.check().ok
    finally:
        vault.lock()


def _with_old_key_file(folder: Path, old_key: Path, tmp_path: Path) -> Path:
    """A copy of the vault folder as it is now, holding only the key file kept from before."""
    attempt = tmp_path / "attempt"
    shutil.rmtree(attempt, ignore_errors=True)
    shutil.copytree(folder, attempt)
    shutil.copy(old_key, attempt / KEY_NAME)
    (attempt / PENDING_KEY_NAME).unlink(missing_ok=True)
    return attempt


def test_after_rekey_the_old_key_file_and_passphrase_no_longer_open_the_database(
    make_vault: Callable[..., Vault], tmp_path: Path
) -> None:
    vault = _filled(make_vault)
    folder = vault.folder
    before = _records(vault)
    vault.lock()
    old_key = tmp_path / "old.key"
    shutil.copy(folder / KEY_NAME, old_key)
    Vault.rekey(folder, passphrase=PASSPHRASE)
    records, sound = _state(folder)
    assert records == before
    assert sound
    assert sorted(p.name for p in folder.iterdir()) == ["vault.db", "vault.key"]
    with pytest.raises(VaultDamagedError):
        Vault.unlock(_with_old_key_file(folder, old_key, tmp_path), passphrase=PASSPHRASE)


def test_passphrase_change_with_rekey_retires_the_old_key_and_old_passphrase(
    make_vault: Callable[..., Vault], tmp_path: Path
) -> None:
    vault = _filled(make_vault)
    folder = vault.folder
    before = _records(vault)
    vault.lock()
    old_key = tmp_path / "old.key"
    shutil.copy(folder / KEY_NAME, old_key)
    Vault.rekey(folder, passphrase=PASSPHRASE)
    Vault.change_passphrase(folder, old=PASSPHRASE, new=NEW_PASSPHRASE)
    assert _state(folder, NEW_PASSPHRASE) == (before, True)
    with pytest.raises(WrongPassphraseError):
        Vault.unlock(folder, passphrase=PASSPHRASE)
    with pytest.raises(VaultDamagedError):
        Vault.unlock(_with_old_key_file(folder, old_key, tmp_path), passphrase=PASSPHRASE)


def test_a_crash_after_staging_leaves_the_old_key_in_charge_and_the_copy_is_discarded(
    make_vault: Callable[..., Vault],
) -> None:
    vault = _filled(make_vault)
    folder = vault.folder
    before = _records(vault)
    vault.stage_rekey(passphrase=PASSPHRASE)
    vault.lock()
    # The laptop dies here: the re-encrypted copy and its key are staged, nothing swapped.
    assert (folder / REKEY_DB_NAME).exists()
    assert (folder / PENDING_KEY_NAME).exists()
    assert _state(folder) == (before, True)
    assert sorted(p.name for p in folder.iterdir()) == ["vault.db", "vault.key"]


def test_a_crash_after_the_swap_is_finished_by_the_next_unlock(
    make_vault: Callable[..., Vault], tmp_path: Path
) -> None:
    vault = _filled(make_vault)
    folder = vault.folder
    before = _records(vault)
    old_key = tmp_path / "old.key"
    shutil.copy(folder / KEY_NAME, old_key)
    vault.stage_rekey(passphrase=PASSPHRASE)
    vault.lock()
    rekey.swap_database(folder)
    # The laptop dies here: the database is under the new key, vault.key still wraps the old.
    with pytest.raises(VaultDamagedError):
        Vault.unlock(_with_old_key_file(folder, old_key, tmp_path), passphrase=PASSPHRASE)
    assert _state(folder) == (before, True)
    assert not (folder / PENDING_KEY_NAME).exists()
    assert (folder / KEY_NAME).read_bytes() != old_key.read_bytes()
    assert _state(folder) == (before, True)


def test_rekey_of_a_vault_open_elsewhere_changes_nothing(
    make_vault: Callable[..., Vault],
) -> None:
    vault = _filled(make_vault)
    before = _records(vault)
    key_before = (vault.folder / KEY_NAME).read_bytes()
    with pytest.raises(VaultInUseError):
        Vault.rekey(vault.folder, passphrase=PASSPHRASE)
    assert _records(vault) == before
    vault.lock()
    assert (vault.folder / KEY_NAME).read_bytes() == key_before
    assert sorted(p.name for p in vault.folder.iterdir()) == ["vault.db", "vault.key"]
    assert _state(vault.folder) == (before, True)


def test_rekey_with_the_wrong_passphrase_changes_nothing(
    make_vault: Callable[..., Vault],
) -> None:
    vault = make_vault()
    vault.lock()
    key_before = (vault.folder / KEY_NAME).read_bytes()
    with pytest.raises(WrongPassphraseError):
        Vault.rekey(vault.folder, passphrase="not the passphrase at all")
    assert (vault.folder / KEY_NAME).read_bytes() == key_before


def test_every_file_in_the_vault_folder_is_owner_only_while_re_keying(
    make_vault: Callable[..., Vault],
) -> None:
    vault = _filled(make_vault)
    folder = vault.folder
    vault.stage_rekey(passphrase=PASSPHRASE)
    names = sorted(p.name for p in folder.iterdir())
    assert {"vault.db-wal", "vault.db-shm", REKEY_DB_NAME, PENDING_KEY_NAME} <= set(names)
    for path in folder.iterdir():
        assert (path.stat().st_mode & 0o077) == 0, path.name
    assert (folder.stat().st_mode & 0o777) == 0o700
    vault.lock()

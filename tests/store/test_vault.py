"""The vault on real SQLCipher files: keys, passphrases, damage, ownership and migrations."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, text
from tests.factories import PASSPHRASE, person, place, visit
from tests.kdf import TEST_KDF

from fieldkit.domain.records import RecordType
from fieldkit.store import migrate, search
from fieldkit.store.errors import (
    FolderNotEmptyError,
    ForeignVaultError,
    VaultDamagedError,
    VaultExistsError,
    VaultLockedError,
    VaultMissingError,
    WrongPassphraseError,
)
from fieldkit.store.schema import Meta
from fieldkit.store.transaction import connection
from fieldkit.store.vault import DB_NAME, KEY_NAME, Vault, erase


def _fill(vault: Vault) -> str:
    with vault.write() as conn:
        repo = vault.records(conn)
        p = repo.create("person", person())
        repo.create("place", place())
        repo.create("visit", visit(person_ids=[p.id]))
    return p.id


def test_unlock_with_the_right_passphrase_reads_back_what_was_written(
    make_vault: Callable[..., Vault],
) -> None:
    vault = make_vault()
    person_id = _fill(vault)
    folder = vault.folder
    vault.lock()
    again = Vault.unlock(folder, passphrase=PASSPHRASE)
    with again.read() as conn:
        record = again.records(conn).require(RecordType.PERSON, person_id)
    assert record.fields["given_name"] == "Zoë"
    again.lock()


def test_wrong_passphrase_is_a_clear_error_not_a_traceback(
    make_vault: Callable[..., Vault],
) -> None:
    vault = make_vault()
    vault.lock()
    with pytest.raises(WrongPassphraseError, match="passphrase is not right"):
        Vault.unlock(vault.folder, passphrase="not the passphrase")


def test_database_is_unreadable_without_the_key(make_vault: Callable[..., Vault]) -> None:
    vault = make_vault()
    _fill(vault)
    vault.lock()
    raw = (vault.folder / DB_NAME).read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    assert b"O'Brien" not in raw
    assert "Zoë".encode() not in raw


def test_tampered_page_is_reported_as_damage_never_read_as_data(
    make_vault: Callable[..., Vault],
) -> None:
    vault = make_vault()
    with vault.write() as conn:
        repo = vault.records(conn)
        # Enough people that the middle of the file is their data, not a page read at unlock.
        for i in range(1000):
            repo.create("person", person(family_name=f"Family{i}"))
    vault.lock()
    db = vault.folder / DB_NAME
    data = bytearray(db.read_bytes())
    # One byte in each page of the middle third: some of them are the people's pages, whatever
    # else (indexes, other tables) the schema puts between them.
    for offset in range(len(data) // 3, 2 * len(data) // 3, 4096):
        data[offset + 100] ^= 0x01
    db.write_bytes(bytes(data))
    opened = Vault.unlock(vault.folder, passphrase=PASSPHRASE)
    report = opened.check()
    assert not report.ok
    assert any("HMAC" in p for p in report.problems)
    with pytest.raises(VaultDamagedError), opened.read() as conn:
        list(opened.records(conn).iter_all(RecordType.PERSON))
    opened.lock()


def test_damaged_header_fails_at_unlock(make_vault: Callable[..., Vault]) -> None:
    vault = make_vault()
    vault.lock()
    db = vault.folder / DB_NAME
    data = bytearray(db.read_bytes())
    data[20] ^= 0xFF
    db.write_bytes(bytes(data))
    with pytest.raises(VaultDamagedError):
        Vault.unlock(vault.folder, passphrase=PASSPHRASE)


def test_database_swapped_in_from_another_vault_is_refused(
    make_vault: Callable[..., Vault],
) -> None:
    mine, theirs = make_vault("mine"), make_vault("theirs")
    mine.lock()
    theirs.lock()
    (mine.folder / DB_NAME).write_bytes((theirs.folder / DB_NAME).read_bytes())
    with pytest.raises(VaultDamagedError):
        Vault.unlock(mine.folder, passphrase=PASSPHRASE)


def test_vault_copied_into_another_users_account_is_refused(
    make_vault: Callable[..., Vault],
) -> None:
    vault = make_vault(os_user="1000:amy")
    vault.lock()
    with pytest.raises(ForeignVaultError, match="another account"):
        Vault.unlock(vault.folder, passphrase=PASSPHRASE, os_user="1001:bob")
    assert Vault.unlock(vault.folder, passphrase=PASSPHRASE, os_user="1000:amy")


def test_editing_the_owner_in_the_key_file_breaks_the_unwrap(
    make_vault: Callable[..., Vault],
) -> None:
    vault = make_vault(os_user="1000:amy")
    vault.lock()
    keyfile = vault.folder / KEY_NAME
    keyfile.write_text(keyfile.read_text().replace("1000:amy", "1001:bob"))
    with pytest.raises(WrongPassphraseError):
        Vault.unlock(vault.folder, passphrase=PASSPHRASE, os_user="1001:bob")


def test_passphrase_change_rewraps_the_key_without_rewriting_the_database(
    make_vault: Callable[..., Vault],
) -> None:
    vault = make_vault()
    person_id = _fill(vault)
    vault.lock()
    db = vault.folder / DB_NAME
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    Vault.change_passphrase(vault.folder, old=PASSPHRASE, new="a new long passphrase")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    with pytest.raises(WrongPassphraseError):
        Vault.unlock(vault.folder, passphrase=PASSPHRASE)
    opened = Vault.unlock(vault.folder, passphrase="a new long passphrase")
    with opened.read() as conn:
        assert opened.records(conn).get(RecordType.PERSON, person_id) is not None
    opened.lock()


def test_passphrase_change_with_the_wrong_old_passphrase_changes_nothing(
    make_vault: Callable[..., Vault],
) -> None:
    vault = make_vault()
    vault.lock()
    keyfile = vault.folder / KEY_NAME
    before = keyfile.read_bytes()
    with pytest.raises(WrongPassphraseError):
        Vault.change_passphrase(vault.folder, old="wrong one", new="whatever else")
    assert keyfile.read_bytes() == before


def test_passphrase_appears_in_no_file_and_no_error(make_vault: Callable[..., Vault]) -> None:
    vault = make_vault()
    _fill(vault)
    vault.lock()
    for path in vault.folder.iterdir():
        assert PASSPHRASE.encode() not in path.read_bytes()
    with pytest.raises(WrongPassphraseError) as caught:
        Vault.unlock(vault.folder, passphrase=PASSPHRASE + "x")
    assert PASSPHRASE not in str(caught.value)
    assert PASSPHRASE not in repr(caught.value.__context__)


def test_locking_wipes_the_key_and_refuses_further_use(vault: Vault) -> None:
    key = vault._key
    assert not key.wiped
    vault.lock()
    assert key.wiped
    with pytest.raises(VaultLockedError), vault.read():
        pass


def test_sqlcipher_memory_security_is_off_and_the_key_is_still_dropped_at_lock(
    make_vault: Callable[..., Vault],
) -> None:
    # The decided trade-off (docs/data-model.md, threat model): SQLCipher's own default since
    # 4.5. What protects the key is the wiped buffer, dropped at lock, and no core dumps.
    vault = make_vault()
    for opened in (vault, Vault.unlock(vault.folder, passphrase=PASSPHRASE)):
        with opened.read() as conn:
            assert connection(conn).exec_driver_sql("PRAGMA cipher_memory_security").scalar() == "0"
        key = opened._key
        opened.lock()
        assert key.wiped


def test_vault_files_are_readable_by_the_owner_only(vault: Vault) -> None:
    _fill(vault)
    assert (vault.folder.stat().st_mode & 0o777) == 0o700
    for name in (DB_NAME, KEY_NAME):
        assert ((vault.folder / name).stat().st_mode & 0o077) == 0


def test_creating_over_an_existing_vault_is_refused(make_vault: Callable[..., Vault]) -> None:
    make_vault().lock()
    with pytest.raises(VaultExistsError):
        make_vault()


def test_unlocking_an_empty_folder_says_there_is_no_vault(tmp_path: Path) -> None:
    with pytest.raises(VaultMissingError):
        Vault.unlock(tmp_path, passphrase=PASSPHRASE)


def test_damaged_key_file_is_reported_as_damage(make_vault: Callable[..., Vault]) -> None:
    vault = make_vault()
    vault.lock()
    (vault.folder / KEY_NAME).write_text("{not json")
    with pytest.raises(VaultDamagedError):
        Vault.unlock(vault.folder, passphrase=PASSPHRASE)


def test_vault_from_the_first_schema_is_migrated_on_unlock_with_its_data(
    make_vault: Callable[..., Vault],
) -> None:
    vault = make_vault(schema_revision="0001")
    with vault.read() as conn:
        assert migrate.current_revision(connection(conn)) == "0001"
    # Write first-schema rows directly: the search index and link table don't exist yet.
    with vault.write() as conn:
        connection(conn).execute(
            text(
                "INSERT INTO person (id, given_name, family_name, aliases, district, versions,"
                " deleted, updated_hlc) VALUES ('0b9a8c2e-1111-4aaa-8bbb-000000000001', 'Łukasz',"
                " 'Wiśniewski', '[\"Luke\"]', 'dewsbury_mirfield', '{}', 0, '0:0:x')"
            )
        )
        connection(conn).execute(
            text(
                "INSERT INTO visit (id, occurred_at, district, kind, categories, person_ids,"
                " narrative, actions, officer_id, sensitivity, versions, deleted, updated_hlc)"
                " VALUES ('0b9a8c2e-1111-4aaa-8bbb-000000000002', '2026-01-01T10:00:00+00:00',"
                " 'dewsbury_mirfield', 'patrol', '[]',"
                " '[\"0b9a8c2e-1111-4aaa-8bbb-000000000001\"]', 'Seen near the market', '[]',"
                " 'amy', 'standard', '{}', 0, '0:0:x')"
            )
        )
    vault.lock()
    opened = Vault.unlock(vault.folder, passphrase=PASSPHRASE)
    with opened.read() as conn:
        assert migrate.current_revision(connection(conn)) == migrate.head_revision()
        hits = search.find(conn, "lukasz wisn")
        links = connection(conn).execute(text("SELECT person_id FROM visit_person")).scalars().all()
    assert [h.record_id for h in hits] == ["0b9a8c2e-1111-4aaa-8bbb-000000000001"]
    assert links == ["0b9a8c2e-1111-4aaa-8bbb-000000000001"]
    opened.lock()


def test_clock_survives_a_lock_so_later_changes_sort_after_earlier_ones(
    make_vault: Callable[..., Vault],
) -> None:
    vault = make_vault()
    _fill(vault)
    with vault.read() as conn:
        last = (
            connection(conn).execute(select(Meta.value).where(Meta.key == "hlc_last")).scalar_one()
        )
    vault.lock()
    # A wall clock far in the past must not make new changes sort before old ones.
    from datetime import UTC, datetime

    opened = Vault.unlock(
        vault.folder, passphrase=PASSPHRASE, now=lambda: datetime(2000, 1, 1, tzinfo=UTC)
    )
    with opened.write() as conn:
        created = opened.records(conn).create("person", person(given_name="Later"))
    assert created.updated_hlc > last
    opened.lock()


def test_default_key_derivation_is_argon2id_with_real_cost(tmp_path: Path) -> None:
    from fieldkit.store.keyfile import KdfParams

    params = KdfParams()
    assert params.memory_kib >= 64 * 1024
    assert params.time_cost >= 2
    assert TEST_KDF.memory_kib < params.memory_kib


def test_database_errors_never_quote_the_values_written(vault: Vault) -> None:
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError) as caught, vault.write() as conn:
        connection(conn).execute(insert(Meta).values(key="vault_id", value="Jane Secretname"))
    assert "Secretname" not in str(caught.value)


@pytest.mark.parametrize(
    ("where", "field", "value"),
    [
        ("kdf", "memory_kib", 2**40),
        ("kdf", "memory_kib", 1),
        ("kdf", "time_cost", 0),
        ("kdf", "time_cost", 1000),
        ("kdf", "parallelism", -2),
        ("kdf", "parallelism", 1.0),
        ("kdf", "salt", "c2hvcnQ="),
        ("kdf", "salt", 16),
        ("top", "nonce", "AAAA"),
        ("top", "wrapped_key", "AAAA"),
        ("top", "vault_id", "not-a-uuid"),
        ("top", "vault_id", 7),
        ("top", "username", ["amy"]),
        ("top", "cipher", "rot13"),
    ],
)
def test_key_file_fields_out_of_range_are_damage_before_any_key_derivation(
    make_vault: Callable[..., Vault], where: str, field: str, value: object
) -> None:
    vault = make_vault()
    vault.lock()
    path = vault.folder / KEY_NAME
    doc = json.loads(path.read_text(encoding="utf-8"))
    (doc["kdf"] if where == "kdf" else doc)[field] = value
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(VaultDamagedError, match="key file"):
        Vault.unlock(vault.folder, passphrase=PASSPHRASE)


def test_erase_overwrites_the_key_removes_the_vault_and_keeps_other_files(
    vault: Vault, tmp_path: Path
) -> None:
    _fill(vault)
    folder = vault.folder
    key_before = (folder / KEY_NAME).read_bytes()
    # A second name for the key file's contents shows whether it was overwritten in place.
    os.link(folder / KEY_NAME, tmp_path / "key-link")
    (folder / "notes.txt").write_text("mine")
    vault.lock()
    assert erase(folder) == ()
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert (tmp_path / "key-link").read_bytes() != key_before
    assert len((tmp_path / "key-link").read_bytes()) == len(key_before)


def test_erase_removes_the_folder_when_only_the_vault_was_in_it(vault: Vault) -> None:
    _fill(vault)
    folder = vault.folder
    vault.lock()
    assert erase(folder) == ()
    assert not folder.exists()


def test_erase_does_not_follow_a_key_file_replaced_by_a_link(
    make_vault: Callable[..., Vault], tmp_path: Path
) -> None:
    vault = make_vault()
    vault.lock()
    precious = tmp_path / "precious.txt"
    precious.write_text("not a key")
    (vault.folder / KEY_NAME).unlink()
    (vault.folder / KEY_NAME).symlink_to(precious)
    erase(vault.folder)
    assert precious.read_text() == "not a key"
    assert not vault.folder.exists()


@pytest.mark.parametrize("content", ["file", "folder"])
def test_creating_a_vault_in_a_folder_that_holds_other_things_is_refused(
    tmp_path: Path, content: str
) -> None:
    folder = tmp_path / "Documents"
    folder.mkdir()
    if content == "file":
        (folder / "letter.docx").write_bytes(b"x")
    else:
        (folder / "photos").mkdir()
    with pytest.raises(FolderNotEmptyError, match="other files"):
        Vault.create(folder, username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF)
    assert [p.name for p in folder.iterdir()] == ["letter.docx" if content == "file" else "photos"]


def test_creating_a_vault_in_an_empty_folder_makes_it_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    Vault.create(folder, username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF).lock()
    assert (folder.stat().st_mode & 0o777) == 0o700


def test_unlock_puts_back_owner_only_modes_on_the_folder_and_the_vault_files(
    make_vault: Callable[..., Vault],
) -> None:
    vault = make_vault()
    folder = vault.folder
    vault.lock()
    folder.chmod(0o755)
    for name in (DB_NAME, KEY_NAME):
        (folder / name).chmod(0o644)
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    try:
        _fill(vault)
        assert (folder.stat().st_mode & 0o777) == 0o700
        names = {p.name for p in folder.iterdir()}
        assert {DB_NAME, KEY_NAME, DB_NAME + "-wal", DB_NAME + "-shm"} <= names
        for name in names:
            assert ((folder / name).stat().st_mode & 0o077) == 0, name
    finally:
        vault.lock()

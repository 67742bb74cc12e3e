"""People's name keys stay in step with every write, pull, purge and change of rules."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, insert, select
from tests.factories import PASSPHRASE, person
from tests.kdf import TEST_KDF

from fieldkit.domain.names import NameRules, load_name_rules
from fieldkit.domain.records import RecordType
from fieldkit.services.people import PeopleService
from fieldkit.services.records import RecordService
from fieldkit.store import name_index, replica
from fieldkit.store.schema import RECORD_TABLES, person_name_key
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

RULES = Path(__file__).parents[2] / "resources" / "names"
SERVER_ID = "7a1f0c1e-0000-4000-8000-000000000002"


def _names(vault: Vault, text: str) -> list[str]:
    return [r.name for r in PeopleService(vault, RecordService(vault), {}).search(text)]


def _keys(vault: Vault, person_id: str) -> set[str]:
    with vault.read() as conn:
        return {
            row[0]
            for row in connection(conn).execute(
                select(person_name_key.c.key).where(person_name_key.c.person_id == person_id)
            )
        }


def test_a_renamed_person_is_found_by_the_new_spelling_and_not_the_old(any_vault: Vault) -> None:
    records = RecordService(any_vault)
    created = records.create(
        record_type="person", fields=person(given_name="Hamza", family_name="Chaudhry")
    )
    assert _names(any_vault, "Chaudry") == ["Hamza Chaudhry"]
    records.update(record_type="person", record_id=created.id, changes={"family_name": "Nowak"})
    assert _names(any_vault, "Chaudry") == []
    assert _names(any_vault, "Novak") == ["Hamza Nowak"]
    assert "t:chaudhry" not in _keys(any_vault, created.id)


def test_a_deleted_person_leaves_no_name_keys(any_vault: Vault) -> None:
    records = RecordService(any_vault)
    created = records.create(record_type="person", fields=person(family_name="Chaudhry"))
    records.delete(record_type="person", record_id=created.id)
    assert _keys(any_vault, created.id) == set()
    assert _names(any_vault, "Chaudry") == []


def test_a_pulled_person_is_found_by_variant_and_a_pulled_deletion_forgets_them(
    any_vault: Vault,
) -> None:
    fields = person(given_name="Marián", family_name="Horváthová")
    hlc = "001764000000000:0000:srv"
    with any_vault.write() as conn:
        replica.apply_pulled(
            conn,
            [replica.PulledRecord("person", SERVER_ID, False, fields, dict.fromkeys(fields, hlc))],
            at="t",
        )
    assert _names(any_vault, "Marian Horvat") == ["Marián Horváthová"]
    later = "001764000000001:0000:srv"
    with any_vault.write() as conn:
        replica.apply_pulled(
            conn,
            [replica.PulledRecord("person", SERVER_ID, True, fields, dict.fromkeys(fields, later))],
            at="t",
        )
    assert _keys(any_vault, SERVER_ID) == set()


def test_a_person_purged_from_the_laptop_leaves_no_name_keys(any_vault: Vault) -> None:
    created = RecordService(any_vault).create(record_type="person", fields=person())
    with any_vault.write() as conn:
        replica.purge(conn, [("person", created.id)])
    assert _keys(any_vault, created.id) == set()


def _copy_rules(folder: Path) -> Path:
    folder.mkdir()
    for entry in RULES.glob("*.json"):
        shutil.copy(entry, folder / entry.name)
    return folder


def test_a_partnership_adding_names_rekeys_the_vault_at_the_next_unlock(
    make_vault: Callable[..., Vault], tmp_path: Path
) -> None:
    rules_dir = _copy_rules(tmp_path / "rules")
    vault = make_vault(name_rules=load_name_rules(rules_dir))
    RecordService(vault).create(
        record_type="person", fields=person(given_name="Małgorzata", family_name="Rasool")
    )
    assert _names(vault, "Gosia Rasool") == []
    vault.lock()
    (rules_dir / "kirklees.json").write_text(
        json.dumps({"names": [["Małgorzata", "Gosia"]]}), encoding="utf-8"
    )
    vault = Vault.unlock(
        tmp_path / "vault", passphrase=PASSPHRASE, name_rules=load_name_rules(rules_dir)
    )
    assert _names(vault, "Gosia Rasool") == ["Małgorzata Rasool"]
    with vault.write() as conn:
        assert name_index.ensure_current(conn, vault.name_rules) is False
    vault.lock()


def test_a_vault_from_before_name_keys_is_keyed_when_first_unlocked(tmp_path: Path) -> None:
    rules: NameRules = load_name_rules(RULES)
    vault = Vault.create(
        tmp_path / "old",
        username="amy.officer",
        passphrase=PASSPHRASE,
        kdf=TEST_KDF,
        schema_revision="0006",
    )
    table = RECORD_TABLES[RecordType.PERSON]
    with vault.write() as conn:
        connection(conn).execute(
            insert(table).values(
                id=SERVER_ID,
                given_name="Shabana",
                family_name="Chaudhry",
                aliases=[],
                versions={},
                deleted=False,
                updated_hlc="001764000000000:0000:srv",
            )
        )
    vault.lock()
    vault = Vault.unlock(tmp_path / "old", passphrase=PASSPHRASE, name_rules=rules)
    with vault.read() as conn:
        assert (
            connection(conn).execute(select(func.count()).select_from(person_name_key)).scalar() > 0
        )
    assert _names(vault, "Shabana Choudhury") == ["Shabana Chaudhry"]
    vault.lock()

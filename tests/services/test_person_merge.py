"""Merging two records of one person on the laptop: what moves, what stays, what is refused."""

from __future__ import annotations

import pytest
from tests.factories import person, place, visit

from fieldkit.domain.records import RecordType, ValidationError
from fieldkit.services.corrections import CorrectionService
from fieldkit.services.person_merge import PersonMergeService
from fieldkit.services.records import RecordService
from fieldkit.store import replica
from fieldkit.store.vault import Vault


def _supervisor(vault: Vault) -> None:
    with vault.write() as conn:
        replica.put_state(conn, "user", {"id": "u-sup", "role": "supervisor"})


def test_every_kind_of_link_moves_and_the_plan_says_so_first(vault: Vault) -> None:
    _supervisor(vault)
    records = RecordService(vault)
    keep = records.create(record_type="person", fields=person()).id
    dup = records.create(record_type="person", fields=person(given_name="Zoe")).id
    flat = records.create(record_type="place", fields=place()).id
    both = records.create(
        record_type="visit", fields=visit(person_ids=[keep, dup], officer_id="amy.officer")
    ).id
    case = records.create(
        record_type="tenancy_case",
        fields={"place_id": flat, "tenant_ids": [dup], "district": "huddersfield"},
    ).id
    merges = PersonMergeService(vault)
    plan = merges.plan(duplicate_id=dup, into_id=keep)
    assert dict(plan.moves) == {RecordType.VISIT: 1, RecordType.TENANCY_CASE: 1}
    with vault.read() as conn:
        assert vault.records(conn).require(RecordType.VISIT, both).fields["person_ids"] == [
            keep,
            dup,
        ]  # planning changes nothing
    merges.merge(duplicate_id=dup, into_id=keep, reason="one person")
    with vault.read() as conn:
        repo = vault.records(conn)
        assert repo.require(RecordType.VISIT, both).fields["person_ids"] == [keep]
        assert repo.require(RecordType.TENANCY_CASE, case).fields["tenant_ids"] == [keep]


def test_an_officers_laptop_refuses_to_merge_and_changes_nothing(vault: Vault) -> None:
    records = RecordService(vault)
    keep = records.create(record_type="person", fields=person()).id
    dup = records.create(record_type="person", fields=person(given_name="Zoe")).id
    with pytest.raises(ValidationError, match="only a supervisor merges people"):
        PersonMergeService(vault).merge(duplicate_id=dup, into_id=keep, reason="one person")
    with vault.read() as conn:
        assert vault.records(conn).require(RecordType.PERSON, dup).fields["merged_into"] is None


def test_merged_into_is_not_a_field_the_editor_changes(vault: Vault) -> None:
    _supervisor(vault)
    records = RecordService(vault)
    keep = records.create(record_type="person", fields=person()).id
    dup = records.create(record_type="person", fields=person(given_name="Zoe")).id
    with pytest.raises(ValidationError, match="merged_into"):
        CorrectionService(vault).edit(
            record_type="person",
            record_id=dup,
            changes={"merged_into": keep},
            reason="sneaking a merge past its checks",
        )


def test_a_photo_of_the_duplicate_moves_to_the_person_kept(vault: Vault) -> None:
    from tests.evidence_files import pdf

    from fieldkit.services.evidence import AttachmentService

    _supervisor(vault)
    records = RecordService(vault)
    keep = records.create(record_type="person", fields=person()).id
    dup = records.create(record_type="person", fields=person(given_name="Zoe")).id
    attached = AttachmentService(vault).attach(owner_type="person", owner_id=dup, data=pdf())
    merges = PersonMergeService(vault)
    assert dict(merges.plan(duplicate_id=dup, into_id=keep).moves) == {RecordType.ATTACHMENT: 1}
    merges.merge(duplicate_id=dup, into_id=keep, reason="one person")
    [moved] = AttachmentService(vault).list_for(owner_type="person", owner_id=keep)
    assert (moved.id, moved.sha256) == (attached.id, attached.sha256)

"""The repointing rule of a merge of two records of one person, as tables."""

from __future__ import annotations

import pytest

from fieldkit.domain.person_merge import merge_edit_refusal, repointed
from fieldkit.domain.records import RecordType

DUP = "d-1"
KEEP = "k-1"
OTHER = "o-1"
MERGED = {DUP: KEEP}


@pytest.mark.parametrize(
    ("record_type", "fields", "expected"),
    [
        (RecordType.VISIT, {"person_ids": [DUP]}, {"person_ids": [KEEP]}),
        (RecordType.VISIT, {"person_ids": [OTHER, DUP]}, {"person_ids": [OTHER, KEEP]}),
        (RecordType.VISIT, {"person_ids": [KEEP, DUP]}, {"person_ids": [KEEP]}),
        (RecordType.VISIT, {"person_ids": [OTHER]}, {}),
        (RecordType.WARNING, {"person_id": DUP}, {"person_id": KEEP}),
        (RecordType.SIGNPOSTING, {"person_id": DUP}, {"person_id": KEEP}),
        (RecordType.TENANCY_CASE, {"tenant_ids": [DUP]}, {"tenant_ids": [KEEP]}),
        (RecordType.ASB_PARTY, {"person_id": DUP}, {"person_id": KEEP}),
        (RecordType.ASB_RISK, {"person_id": DUP}, {"person_id": KEEP}),
        (RecordType.COMMUNITY_TRIGGER, {"applicant_id": DUP}, {"applicant_id": KEEP}),
        (
            RecordType.DOCUMENT,
            {"subject_type": "person", "subject_id": DUP},
            {"subject_id": KEEP},
        ),
        (RecordType.DOCUMENT, {"subject_type": "warning", "subject_id": DUP}, {}),
        (RecordType.PLACE, {"label": DUP}, {}),
    ],
)
def test_a_merge_moves_every_link_to_the_duplicate_and_nothing_else(
    record_type: RecordType, fields: dict[str, object], expected: dict[str, object]
) -> None:
    assert repointed(record_type, fields, duplicate=DUP, survivor=KEEP) == expected


@pytest.mark.parametrize(
    ("record_type", "before", "after", "redirects", "allowed"),
    [
        # The merge's own edit: the duplicate replaced by the person it was merged into.
        (RecordType.VISIT, {"person_ids": [DUP]}, {"person_ids": [KEEP]}, MERGED, True),
        (RecordType.VISIT, {"person_ids": [KEEP, DUP]}, {"person_ids": [KEEP]}, MERGED, True),
        (RecordType.WARNING, {"person_id": DUP}, {"person_id": KEEP}, MERGED, True),
        # No change at all is no repointing.
        (RecordType.WARNING, {"person_id": DUP}, {"person_id": DUP}, MERGED, True),
        # The duplicate was never merged: this is relinking, not a merge.
        (RecordType.WARNING, {"person_id": DUP}, {"person_id": KEEP}, {}, False),
        # Moved to someone other than the survivor.
        (RecordType.WARNING, {"person_id": DUP}, {"person_id": OTHER}, MERGED, False),
        # Removing or adding a person is not a merge.
        (RecordType.VISIT, {"person_ids": [DUP, OTHER]}, {"person_ids": [KEEP]}, MERGED, False),
        (RecordType.VISIT, {"person_ids": [DUP]}, {"person_ids": [KEEP, OTHER]}, MERGED, False),
        # A link that never named the duplicate is not moved by its merge.
        (RecordType.WARNING, {"person_id": OTHER}, {"person_id": KEEP}, MERGED, False),
        # Anything but a person link is out of bounds.
        (
            RecordType.VISIT,
            {"person_ids": [DUP], "narrative": "a"},
            {"person_ids": [KEEP], "narrative": "b"},
            MERGED,
            False,
        ),
        (
            RecordType.DOCUMENT,
            {"subject_type": "person", "subject_id": DUP},
            {"subject_type": "warning", "subject_id": KEEP},
            MERGED,
            False,
        ),
        (
            RecordType.DOCUMENT,
            {"subject_type": "person", "subject_id": DUP},
            {"subject_type": "person", "subject_id": KEEP},
            MERGED,
            True,
        ),
    ],
)
def test_only_moving_links_from_a_merged_duplicate_to_its_survivor_is_a_merge(
    record_type: RecordType,
    before: dict[str, object],
    after: dict[str, object],
    redirects: dict[str, str],
    allowed: bool,
) -> None:
    refusal = merge_edit_refusal(record_type, before, after, redirects=redirects)
    assert (refusal is None) is allowed

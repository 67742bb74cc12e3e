"""Every vocabulary value has words people read, defined once beside its vocabulary."""

from __future__ import annotations

import importlib
import pkgutil
import re
from enum import StrEnum

import pytest

import fieldkit.domain
from fieldkit.domain import vocabulary
from fieldkit.domain.records import SPECS, FieldKind, field_label, value_label
from fieldkit.domain.vocabulary import Category, District, DocumentKind, Vocabulary

#: Enums that are mechanics, not words anyone reads (how a value is checked, a match's score).
NOT_SHOWN = {"FieldKind", "ChainBreak", "CountersignWhen", "Outcome", "MatchReason", "WordMatch"}

RAW = re.compile(r"[a-z]+_[a-z_]+")


def _domain_enums() -> list[type[StrEnum]]:
    for module in pkgutil.iter_modules(fieldkit.domain.__path__):
        importlib.import_module(f"fieldkit.domain.{module.name}")
    found: list[type[StrEnum]] = []
    pending: list[type[StrEnum]] = list(StrEnum.__subclasses__())
    while pending:
        enum = pending.pop()
        pending.extend(enum.__subclasses__())
        if enum.__module__.startswith("fieldkit.domain") and list(enum):
            found.append(enum)
    return found


def test_every_shown_vocabulary_of_the_domain_has_its_words_defined() -> None:
    unlabelled = [
        e.__name__
        for e in _domain_enums()
        if e.__name__ not in NOT_SHOWN and e not in vocabulary.labelled_vocabularies()
    ]
    assert unlabelled == []


@pytest.mark.parametrize("vocab", vocabulary.labelled_vocabularies(), ids=lambda v: v.__name__)
def test_every_value_has_a_label_that_reads_as_words(vocab: type[Vocabulary]) -> None:
    for member in vocab:
        label = member.label
        assert label.strip(), f"{vocab.__name__}.{member.name} has an empty label"
        assert not RAW.search(label), f"{vocab.__name__}.{member.name}: {label!r}"
        assert label[0].isupper(), f"{vocab.__name__}.{member.name}: {label!r}"


def test_a_vocabulary_missing_a_label_is_refused_at_definition() -> None:
    class Shade(Vocabulary):
        DARK = "dark"
        LIGHT = "light"

    with pytest.raises(ValueError, match=r"Shade: values without a label \['light'\]"):
        vocabulary.define_words(Shade, {"dark": "Dark"})


def test_every_choice_field_of_every_record_reads_through_a_vocabulary() -> None:
    for spec in SPECS.values():
        for f in spec.fields:
            if f.kind in (FieldKind.CHOICE, FieldKind.CHOICE_LIST):
                for choice in f.choices:
                    shown = value_label(spec.type, f.name, choice)
                    assert not RAW.search(shown), (spec.type, f.name, shown)
                    assert shown != choice, (spec.type, f.name, shown)


@pytest.mark.parametrize(
    ("record_type", "field", "value", "shown"),
    [
        ("document", "kind", "cpw_letter", "Community Protection Warning letter"),
        ("visit", "sensitivity", "standard", "Standard"),
        ("visit", "kind", "patrol", "Patrol"),
        ("visit", "categories", ["street_drinking", "asb_youth"], "Street drinking, ASB (youth)"),
        ("person", "district", "batley_spen", "Batley & Spen"),
        ("visit", "narrative", "as_typed_by_the_officer", "as_typed_by_the_officer"),
        ("visit", "kind", "a_kind_from_a_newer_release", "A kind from a newer release"),
    ],
)
def test_stored_values_are_shown_as_their_labels(
    record_type: str, field: str, value: object, shown: str
) -> None:
    assert value_label(record_type, field, value) == shown


def test_field_names_read_as_words() -> None:
    assert field_label("person_ids") == "People"
    assert field_label("follow_up_due") == "Follow up due"
    assert field_label("sha256") == "SHA-256"


def test_a_value_this_release_does_not_know_reads_as_plain_words() -> None:
    assert District.label_for("calder_valley") == "Calder valley"
    assert Category.label_for(Category.ASB_YOUTH) == "ASB (youth)"
    assert DocumentKind.parse("nonsense") is None

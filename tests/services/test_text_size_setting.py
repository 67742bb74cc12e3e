"""The text size is one of the offered sizes; anything else is refused by name."""

from __future__ import annotations

import pytest

from fieldkit.domain.records import ValidationError
from fieldkit.services.settings import TEXT_SIZES, AppSettings, check_settings


@pytest.mark.parametrize("size", TEXT_SIZES)
def test_every_offered_text_size_is_kept(size: int) -> None:
    assert check_settings(AppSettings(text_size=size)).text_size == size


@pytest.mark.parametrize("size", [0, 99, 120, 400, -100])
def test_a_text_size_not_offered_is_refused_naming_the_setting(size: int) -> None:
    with pytest.raises(ValidationError) as refused:
        check_settings(AppSettings(text_size=size))
    assert [e.field for e in refused.value.errors] == ["text_size"]

"""Enrolment codes: what an administrator prints is what the laptop reads, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldkit.domain.enrolment import (
    Enrolment,
    enrolment_code,
    is_enrolment_code,
    parse_enrolment_code,
)

_HOSTS = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,8}){1,2}", fullmatch=True)


@given(
    host=_HOSTS,
    port=st.none() | st.integers(1, 65535),
    username=st.from_regex(r"[a-z0-9][a-z0-9._-]{1,30}", fullmatch=True),
)
def test_a_code_reads_back_as_the_server_and_user_it_was_made_for(
    host: str, port: int | None, username: str
) -> None:
    server = f"https://{host}" + (f":{port}" if port else "")
    code = enrolment_code(Enrolment(server, username))
    assert is_enrolment_code(code)
    assert parse_enrolment_code(code) == Enrolment(server, username)
    # Pasted from an e-mail with a line break and spaces in it, it still reads.
    assert parse_enrolment_code(f"  {code[:20]}\n {code[20:]} ") == Enrolment(server, username)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("fieldkit-enrol:2:abc", "not a Fieldkit enrolment code"),
        ("fieldkit-enrol:1:", "incomplete"),
        ("fieldkit-enrol:1:%%%%", "damaged"),
        ("fieldkit-enrol:1:" + "A" * 2000, "incomplete"),
        ("fieldkit-enrol:1:eyJ1c2VybmFtZSI6ImFteSJ9", "no server address"),  # {"username":"amy"}
    ],
)
def test_a_damaged_or_foreign_code_is_refused_with_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_enrolment_code(text)


def test_a_code_is_never_made_for_plain_http_to_another_computer() -> None:
    with pytest.raises(ValueError, match="https://"):
        enrolment_code(Enrolment("http://sync.partnership.example", "amy"))
    assert enrolment_code(Enrolment("http://127.0.0.1:8080", "amy"))

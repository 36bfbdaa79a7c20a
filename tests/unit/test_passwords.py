"""Password policy as a specification (OWASP ASVS 5.0 V6.2, NIST SP 800-63B §5.1.1.2)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    check_password,
    common_passwords,
    is_common_password,
)

GOOD = "violet kettle drumming"


def refusal(password: str, **kwargs: object) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        check_password(password, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == "password"
    return info.value


def test_v6_2_1_accepts_eight_characters() -> None:
    check_password("qv7#Lz!w")


def test_v6_2_1_refuses_seven_characters() -> None:
    assert "at least 8" in refusal("qv7#Lz!").detail


def test_v6_2_1_minimum_may_be_raised_to_fifteen() -> None:
    refusal("qv7#Lz!wqv7#Lz", min_length=15)
    check_password("qv7#Lz!wqv7#Lz!", min_length=15)


def test_minimum_cannot_be_configured_below_eight() -> None:
    with pytest.raises(ValueError):
        check_password(GOOD, min_length=6)


def test_v6_2_9_accepts_64_and_up_to_128_characters() -> None:
    check_password("k" + "x7-" * 21)  # 64
    check_password(("q7w-" * 32)[:MAX_LENGTH])


def test_refuses_more_than_128_characters_without_truncating() -> None:
    assert "at most 128" in refusal("q7w-" * 33).detail


def test_v6_2_5_no_composition_rules_lowercase_only_and_spaces_accepted() -> None:
    check_password("purple monkey dishwasher")
    check_password("zzqwhrtpkvbn")


def test_v6_2_5_unicode_and_emoji_accepted() -> None:
    check_password("Grüße aus Köln 🌧️")
    check_password("пароль-для-счётчика")


def test_length_counts_code_points_after_nfkc_so_combining_marks_do_not_inflate() -> None:
    decomposed = "e\u0301" * 7  # 14 code points as sent, 7 once composed
    refusal(decomposed)
    check_password("e\u0301" * 8)


def test_lone_surrogates_are_refused() -> None:
    refusal("abcdefgh\ud800")


def test_v6_2_4_common_password_refused() -> None:
    assert "too common" in refusal("password123").detail
    refusal("iloveyou")


def test_v6_2_4_common_password_check_ignores_case_and_width() -> None:
    refusal("PassWord123")
    refusal("".join(chr(ord(c) + 0xFEE0) for c in "password123"))  # fullwidth forms fold to ASCII under NFKC


def test_v6_2_4_list_has_at_least_3000_policy_length_entries() -> None:
    entries = common_passwords()
    assert len(entries) >= 3000
    assert all(len(e) >= MIN_LENGTH and e == e.casefold() for e in entries)
    assert not any(e.startswith("#") for e in entries)


def test_common_list_is_loaded_once() -> None:
    assert common_passwords() is common_passwords()
    assert is_common_password("qwertyuiop")


def test_v6_2_11_email_local_part_refused() -> None:
    refusal("janedoe-2024!", email="janedoe@example.org")
    refusal("my JaneDoe pass", email="JaneDoe@example.org")


def test_v6_2_11_pieces_of_local_part_refused() -> None:
    refusal("bills4jane!", email="jane.doe+bills@example.org")


def test_short_local_parts_do_not_forbid_everything() -> None:
    check_password("annual meter reading", email="ann@example.org")


def test_v6_2_11_product_name_and_caller_words_refused() -> None:
    refusal("ShareMeter2025!")
    refusal("elm street flat 4", context_words=["elm street"])


def test_detail_never_contains_the_password() -> None:
    secret = "sharemeter-secret-xyz"
    assert secret not in str(refusal(secret))


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=200))
def test_any_string_is_either_accepted_or_refused_with_a_validation_error(text: str) -> None:
    try:
        check_password(text)
    except ValidationFailed as exc:
        assert exc.field == "password"

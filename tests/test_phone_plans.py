"""`phone_plans.kind` says of every number what `phonenumbers` says: its `number_type`, and
UNKNOWN exactly when `is_valid_number` is False."""

from __future__ import annotations

from collections.abc import Iterator

import phonenumbers
import pytest
from callguide import phone_plans
from callguide.answers import parse
from callguide.model import Answer
from callguide.problems import InputError, Pos
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers import PhoneMetadata, PhoneNumberType
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

BUNDLED_REGIONS = ("GB", "KE", "RU", "US")  # the bundled packs' `phone: region`


def same_as_phonenumbers(number: phonenumbers.PhoneNumber) -> None:
    kind = phone_plans.kind(number)
    assert kind == phonenumbers.number_type(number), phonenumbers.format_number(number, 0)
    assert (kind != phone_plans.UNKNOWN) == phonenumbers.is_valid_number(number)


def test_a_region_of_a_country_code_has_that_code() -> None:
    # why a number's type in its region's plan says whether it is valid (is_valid_number
    # also checks that the region's code is the number's)
    for code, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
            assert metadata is None or metadata.country_code == code


def examples() -> Iterator[phonenumbers.PhoneNumber]:
    """Every region's example number of every type, and each non-geographic code's."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(PhoneNumberType.VOICEMAIL + 1):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                yield example
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            yield example


def variants(number: phonenumbers.PhoneNumber) -> Iterator[str]:
    """The number in international form, and numbers one digit away from it: each digit
    changed (two ways), one taken off, one added."""
    code, national = number.country_code, phonenumbers.national_significant_number(number)
    yield f"+{code}{national}"
    for at in range(len(national)):
        for step in (3, 6):
            changed = str((int(national[at]) + step) % 10)
            yield f"+{code}{national[:at]}{changed}{national[at + 1 :]}"
    yield f"+{code}{national[:-1]}"
    yield f"+{code}{national}7"


def test_every_example_number_and_its_neighbours_get_the_same_type() -> None:
    checked = 0
    for example in examples():
        for text in variants(example):
            try:
                number = phonenumbers.parse(text)
            except phonenumbers.NumberParseException:
                continue
            same_as_phonenumbers(number)
            checked += 1
    assert checked > 27_000  # every region's examples were reached


@pytest.mark.parametrize("region", BUNDLED_REGIONS)
@given(digits=st.text("0123456789", min_size=3, max_size=17), plus=st.booleans())
def test_numbers_as_agents_type_them_get_the_same_type(region: str, digits: str, plus: bool) -> None:
    try:
        number = phonenumbers.parse(("+" if plus else "") + digits, region)
    except phonenumbers.NumberParseException:
        return
    same_as_phonenumbers(number)


@pytest.mark.parametrize(
    ("typed", "region", "mobile", "refusal"),
    [
        ("0712345678", "KE", True, None),
        ("07911 123456", "GB", True, None),
        ("0161 496 0000", "GB", False, None),
        ("0161 496 0000", "GB", True, "`0161 496 0000` is not a mobile number"),
        ("0161 496 000", "GB", False, "`0161 496 000` is not a valid phone number of GB"),
        ("+7 916 111-22-33", "RU", True, None),
        ("+1 954-555-0104", "US", False, None),
    ],
)
def test_a_typed_number_is_checked_by_its_region(typed: str, region: str, mobile: bool, refusal: str | None) -> None:
    answer = Answer("phone", Pos("pack.yaml", 1, 1), region=region, mobile=mobile)
    if refusal is None:
        assert parse(answer, typed) == "".join(c for c in typed if c not in " -()")
    else:
        with pytest.raises(InputError) as refused:
            parse(answer, typed)
        assert refused.value.message == refusal

"""What a parsed phone number is, by its numbering plan: `phonenumbers`' `is_valid_number` and
`number_type` in one pass, each plan's rules compiled once.

`phonenumbers` works a number's type out again for each question (`is_valid_number`, then
`number_type`, each finding the number's region first), and each time looks every pattern of
the plan up in `re`'s cache and matches it twice: 12 to 38 µs a number for the bundled
packs' regions, as much as its `parse` (12 to 22 µs) or more. A `Plan` holds a plan's
patterns compiled, each with the lengths it allows, in the order `phonenumbers` tries them,
so that the type is one pass over them. The rules are `phonenumbers`' own, read from its
metadata, and what `kind` says is what `phonenumbers` says (tests/test_phone_plans.py
compares them over every region's example numbers and numbers made from them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberType
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

UNKNOWN: int = PhoneNumberType.UNKNOWN
MOBILE_KINDS = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})

# the kinds `_number_type_helper` of phonenumbers tries before fixed line and mobile, in its order
_SPECIAL = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)

Matcher = Callable[[str], bool]


def _matcher(desc: Any) -> Matcher:
    """`_is_number_matching_desc(number, desc)` of phonenumbers: the lengths the description
    allows (none listed: any), then its pattern over the whole number (none: no number)."""
    if desc is None or not desc.national_number_pattern:
        return _never
    fullmatch = re.compile(desc.national_number_pattern).fullmatch
    lengths = frozenset(desc.possible_length)
    if not lengths:
        return lambda number: fullmatch(number) is not None
    return lambda number: len(number) in lengths and fullmatch(number) is not None


def _never(number: str) -> bool:
    return False


class Plan:
    """One region's numbering plan (`PhoneMetadata`), compiled."""

    __slots__ = ("_fixed_line", "_general", "_mobile", "_same_mobile_and_fixed_line", "_special", "leading_digits")

    def __init__(self, metadata: Any) -> None:
        self._general = _matcher(metadata.general_desc)
        self._special = tuple((_matcher(getattr(metadata, name)), kind) for name, kind in _SPECIAL)
        self._fixed_line = _matcher(metadata.fixed_line)
        self._mobile = _matcher(metadata.mobile)
        self._same_mobile_and_fixed_line = bool(metadata.same_mobile_and_fixed_line_pattern)
        leading = metadata.leading_digits
        self.leading_digits = re.compile(leading).match if leading is not None else None

    def kind(self, national: str) -> int:
        """The type of a national significant number in this plan (`_number_type_helper`)."""
        if not self._general(national):
            return UNKNOWN
        for matches, kind in self._special:
            if matches(national):
                return kind
        if self._fixed_line(national):
            if self._same_mobile_and_fixed_line or self._mobile(national):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if not self._same_mobile_and_fixed_line and self._mobile(national):
            return PhoneNumberType.MOBILE
        return UNKNOWN


# the plans of each country code asked about so far: made once (a pack's regions at load,
# `prepare`); two threads may make one at once, and `setdefault` keeps the first made
_PLANS: dict[int, tuple[bool, tuple[Plan, ...]]] = {}


def _plans(country_code: int) -> tuple[bool, tuple[Plan, ...]]:
    """Whether several regions share the country code, and their plans in phonenumbers' order
    (`region_code_for_number`; a region without metadata left out, as it leaves it out)."""
    found = _PLANS.get(country_code)
    if found is None:
        regions = COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
        plans = []
        for region in regions:
            metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
            if metadata is not None:
                plans.append(Plan(metadata))
        found = _PLANS.setdefault(country_code, (len(regions) > 1, tuple(plans)))
    return found


def kind(number: PhoneNumber) -> int:
    """`phonenumbers.number_type(number)`: UNKNOWN exactly when `is_valid_number(number)` is
    False (both find the number's region, then its type in the region's plan)."""
    code = number.country_code
    if code is None:
        return UNKNOWN
    shared, plans = _plans(code)
    if not plans:
        return UNKNOWN  # no region has this country code
    national = phonenumbers.national_significant_number(number)
    if not shared:
        return plans[0].kind(national)
    # several regions share the code (+1, +7, +44): the first whose leading digits start the
    # number or, for a region without them, whose plan knows the number
    for plan in plans:
        if plan.leading_digits is not None:
            if plan.leading_digits(national):
                return plan.kind(national)
        else:
            found = plan.kind(national)
            if found != UNKNOWN:
                return found
    return UNKNOWN


def prepare(region: str) -> None:
    """Compile the plans of a region's country code now (at load), not at the first number."""
    metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is not None and metadata.country_code is not None:
        _plans(metadata.country_code)

"""Normalisation of raw identity values, with known answers."""

from __future__ import annotations

import pytest

from shelfwise.identity import (
    InvalidKeyValue,
    normalize,
    normalize_email,
    normalize_member_id,
    normalize_phone,
)


@pytest.mark.parametrize(
    "raw", ["+1 (555) 123-4567", "555.123.4567", "001 555 123 4567", "5551234567", "1-555-123-4567"]
)
def test_north_american_formats_are_equal(raw: str) -> None:
    assert normalize_phone(raw, default_country="1") == "15551234567"


def test_uk_national_and_international_forms_are_equal_with_default_country_44() -> None:
    assert normalize_phone("+44 7700 900123", "1") == normalize_phone("07700 900123", "44") == "447700900123"
    assert normalize_phone("+44 (0) 7700 900123", "1") == "447700900123"
    assert normalize_phone("0044 7700 900123", "1") == "447700900123"


def test_three_digit_calling_code_and_countries_stay_apart() -> None:
    assert normalize_phone("+353 87 123 4567") == "353871234567"
    assert normalize_phone("+44 555 123 4567") != normalize_phone("+1 555 123 4567")


@pytest.mark.parametrize("raw", ["", "  ", "555-12", "+1 123 456", "call me"])
def test_short_or_empty_phones_are_invalid(raw: str) -> None:
    with pytest.raises(InvalidKeyValue) as error:
        normalize_phone(raw)
    assert error.value.kind == "phone"


def test_email_is_trimmed_and_lowercased() -> None:
    assert normalize_email("  Ann.Smith@Example.COM ") == "ann.smith@example.com"


@pytest.mark.parametrize("raw", ["", "   ", "no-at-sign.example", "@example.com", "ann@"])
def test_invalid_emails(raw: str) -> None:
    with pytest.raises(InvalidKeyValue):
        normalize_email(raw)


@pytest.mark.parametrize("raw", ["sw-1234-5678", " SW 1234 5678 ", "Sw12345678"])
def test_member_ids(raw: str) -> None:
    assert normalize_member_id(raw) == "SW12345678"


def test_empty_member_id_is_invalid() -> None:
    with pytest.raises(InvalidKeyValue):
        normalize_member_id(" - ")


def test_weak_keys_are_trimmed() -> None:
    assert normalize("handle", " @AnnS ") == "anns"
    assert normalize("device_id", " ABC-1 ") == "abc-1"

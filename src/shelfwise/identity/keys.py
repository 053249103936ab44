"""Normalisation of raw identity values into comparable keys.

Strong keys (``email``, ``phone``, ``member_id``) can link accounts; weak keys (``device_id``,
``handle``) are recorded but never link on their own. Each ``normalize_*`` function returns the
normalised value, or raises :class:`InvalidKeyValue` with a short reason that is safe to report (it
never repeats the raw value).

Phones are normalised to *country code + national number*, digits only (E.164 without the '+'):
``+1 (555) 123-4567``, ``555.123.4567`` and ``001 555 123 4567`` all become ``15551234567`` with
the default country ``"1"``; ``+44 7700 900123`` and ``07700 900123`` both become ``447700900123``
with the default country ``"44"``. Keeping the country code (instead of the bare national number)
stops equal national numbers of two countries from merging two strangers.
"""

from __future__ import annotations

from typing import Final

STRONG_KINDS: Final = ("email", "phone", "member_id")
WEAK_KINDS: Final = ("device_id", "handle")
ALL_KINDS: Final = STRONG_KINDS + WEAK_KINDS

MIN_PHONE_DIGITS: Final = 7

# ITU-T E.164 country calling codes. The set is prefix-free (no code is a prefix of another), so at
# most one of the 1-, 2- and 3-digit prefixes of a number can match. Compact on purpose: every
# assigned 1- and 2-digit code, and the 3-digit codes as ranges below.
_CALLING_CODES_1_2_TEXT: Final = (
    "1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 "
    "64 65 66 81 82 84 86 90 91 92 93 94 95 98"
)
# Three-digit codes start with one of these two-digit prefixes (which are not codes themselves).
_THREE_DIGIT_PREFIXES_TEXT: Final = "21 22 23 24 25 26 29 35 37 38 42 50 59 67 68 69 80 85 87 88 96 97 99"
_CALLING_CODES_1_2: Final = frozenset(_CALLING_CODES_1_2_TEXT.split())
_THREE_DIGIT_PREFIXES: Final = frozenset(_THREE_DIGIT_PREFIXES_TEXT.split())


class InvalidKeyValue(ValueError):
    """A raw identity value that cannot be used as a key; ``reason`` is safe to log."""

    def __init__(self, kind: str, reason: str) -> None:
        self.kind = kind
        self.reason = reason
        super().__init__(f"{kind}: {reason}")


def split_calling_code(digits: str) -> tuple[str, str] | None:
    """Split international digits (without '+'/'00') into (country code, rest), or None if unknown."""
    if digits[:1] in _CALLING_CODES_1_2:
        return digits[:1], digits[1:]
    if digits[:2] in _CALLING_CODES_1_2:
        return digits[:2], digits[2:]
    if digits[:2] in _THREE_DIGIT_PREFIXES and len(digits) > 3:
        return digits[:3], digits[3:]
    return None


def normalize_email(raw: str) -> str:
    value = raw.strip().lower()
    if not value:
        raise InvalidKeyValue("email", "empty")
    local, at, domain = value.partition("@")
    if not at or not local or not domain:
        raise InvalidKeyValue("email", "no local part, '@' and domain")
    return value


def normalize_phone(raw: str, default_country: str = "1") -> str:
    """Return country code + national number, digits only (see the module docstring)."""
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        raise InvalidKeyValue("phone", "no digits")
    international = text.startswith("+") or digits.startswith("00")
    if international:
        digits = digits[2:] if not text.startswith("+") else digits
        split = split_calling_code(digits)
        if split is None:
            # An unknown code: keep the digits as they are; they already carry their country.
            country, national = "", digits
        else:
            country, national = split
    else:
        country, national = default_country, digits
        # NANP numbers are often written with their trunk prefix '1' ("1-555-123-4567").
        if country == "1" and len(national) == 11 and national.startswith("1"):
            national = national[1:]
    # A trunk '0' ("07700 900123", "+44 (0) 7700 900123") is not part of the national number.
    if national.startswith("0") and country != "39":  # Italian numbers keep their leading 0
        national = national[1:]
    if len(national) < MIN_PHONE_DIGITS:
        raise InvalidKeyValue("phone", f"fewer than {MIN_PHONE_DIGITS} digits")
    return country + national


def normalize_member_id(raw: str) -> str:
    value = raw.strip().upper().replace(" ", "").replace("-", "")
    if not value:
        raise InvalidKeyValue("member_id", "empty")
    return value


def normalize_device_id(raw: str) -> str:
    value = raw.strip().lower()
    if not value:
        raise InvalidKeyValue("device_id", "empty")
    return value


def normalize_handle(raw: str) -> str:
    value = raw.strip().lower().lstrip("@")
    if not value:
        raise InvalidKeyValue("handle", "empty")
    return value


def normalize(kind: str, raw: str, default_country: str = "1") -> str:
    """Normalise one raw value of a known kind; raises InvalidKeyValue or KeyError (unknown kind)."""
    if kind == "phone":
        return normalize_phone(raw, default_country)
    return _NORMALIZERS[kind](raw)


_NORMALIZERS: Final = {
    "email": normalize_email,
    "member_id": normalize_member_id,
    "device_id": normalize_device_id,
    "handle": normalize_handle,
}

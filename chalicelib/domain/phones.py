"""Phone numbers as Kargo stores them: E.164 (`+905321234567`).

Shops and platforms send what their customers typed (`0532 123 45 67`,
`(0532) 1234567`, `+90 532 …`); `phonenumbers` (Google's libphonenumber) reads
them in the country of the order and refuses numbers that cannot exist.
"""

from __future__ import annotations

PHONE_HINT = "a phone number such as +905321234567 or 0532 123 45 67"


def normalise_phone(raw: str, country: str = "TR") -> str:
    """E.164 for a number written in international or in `country`'s national form.

    Raises `ValueError` (with `PHONE_HINT`) for text that is no possible number."""
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, (country or "TR").upper())
    except phonenumbers.NumberParseException as error:
        raise ValueError(PHONE_HINT) from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError(PHONE_HINT)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

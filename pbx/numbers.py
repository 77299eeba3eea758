"""What a number a PBX sends is: a customer's phone, an extension, a SIP address, or nothing.

PBXs send phone numbers as international digits without ``+`` (Mango: ``79161234567``):
they are read as ``+<digits>`` first, then in the company's country (``9161234567``), so that
``84912345678`` stays Vietnamese. People type numbers with their country's trunk prefix
(``8 916 123-45-67`` in Russia): a number classified with ``typed=True`` is read in the
country first when it starts with that prefix. A number that parses neither way keeps
its raw value.
"""
import re
from dataclasses import dataclass

import phonenumbers

MAX_EXTENSION_DIGITS = 5
HIDDEN = {"", "anonymous", "unknown", "private", "restricted"}


@dataclass(frozen=True)
class Number:
    raw: str
    kind: str  # "phone", "extension", "sip", "hidden" or "unknown"
    e164: str = ""

    @property
    def is_customer(self):
        return self.kind == "phone"


def _valid_e164(text, region=None):
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def classify(raw, region="RU", typed=False):
    """Classify and normalise one number; ``region`` is an ISO country code.

    ``typed``: the number was typed by a person, not sent by Mango.
    """
    raw = (raw or "").strip()
    if raw.lower() in HIDDEN:
        return Number(raw, "hidden")
    if raw.lower().startswith(("sip:", "sips:")) or "@" in raw:
        return Number(raw, "sip")
    digits = re.sub(r"\D", "", raw)
    if not digits or re.search(r"[^\d\s()+\-.]", raw):
        return Number(raw, "unknown")
    if len(digits) <= MAX_EXTENSION_DIGITS and not raw.startswith("+"):
        return Number(raw, "extension")
    if raw.startswith("+") or not region:
        e164 = _valid_e164("+" + digits)
    elif typed and digits.startswith(_national_prefix(region)):
        # 8 916 … in Russia: the trunk prefix, though +8… may also parse elsewhere
        e164 = _valid_e164(digits, region.upper()) or _valid_e164("+" + digits)
    else:
        e164 = _valid_e164("+" + digits) or _valid_e164(digits, region.upper())
    return Number(raw, "phone", e164) if e164 else Number(raw, "unknown")


def _national_prefix(region):
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
    return (metadata and metadata.national_prefix) or "\x00"


def display(number):
    """A number as people write it: ``+79161234567`` -> ``+7 916 123-45-67``; else as it is."""
    if not (number or "").startswith("+"):
        return number or ""
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def as_written(raw, region="RU"):
    """A number Mango sent (a line, a customer) as people write it:
    ``74951234567`` -> ``+7 495 123-45-67``; what is not a phone number stays as it is."""
    return display(classify(raw, region).e164) or (raw or "")

"""What a number Mango sends is: a customer's phone, an extension, a SIP address, or nothing.

Mango sends phone numbers as digits without ``+`` (``79161234567``). They are read as
international first (``+<digits>``), then in the company's country, so that
``89161234567`` and ``9161234567`` are the same Russian mobile; digits that start with
the country's trunk prefix (8 in Russia) are read in the country first, since
``84955404444`` would otherwise be a valid Vietnamese number. A number that parses
neither way keeps its raw value.
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


def classify(raw, region="RU"):
    """Classify and normalise one number as received; ``region`` is an ISO country code."""
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
    elif digits.startswith(_national_prefix(region)):
        # 8 916 … in Russia: the trunk prefix, though +8… may also parse elsewhere
        e164 = _valid_e164(digits, region.upper()) or _valid_e164("+" + digits)
    else:
        e164 = _valid_e164("+" + digits) or _valid_e164(digits, region.upper())
    return Number(raw, "phone", e164) if e164 else Number(raw, "unknown")


def _national_prefix(region):
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
    return (metadata and metadata.national_prefix) or "\x00"


def e164(raw, region="RU"):
    """The E.164 form of a customer's number, or '' when it is not one."""
    return classify(raw, region).e164

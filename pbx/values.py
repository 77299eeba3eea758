"""Reading a notification's values at a PBX's edge, whichever PBX posted it.

Each reader takes a field of a decoded notification (a dict) and answers it checked and
bounded, so that what comes out can be stored in PostgreSQL as it is. Two kinds of failure:

* :class:`MalformedNotification`: not a notification at all (a field that identifies it is
  missing). The webhook answers 400.
* :class:`InvalidNotification`: a notification whose values cannot be applied (a number
  that is not one, a time out of range, a NUL character). It is journaled as an error, with
  ``entry_ref`` when that much could be read.

No Odoo import here.
"""
import json
import math
import re

MAX_ID_BYTES = 128  # the PBX's identifiers of calls, legs, recordings, commands
MAX_TEXT = 256  # numbers, SIP addresses, states, locations
INT4 = (-2 ** 31, 2 ** 31 - 1)  # what PostgreSQL's integer columns hold
MILLISECONDS_FROM = 10 ** 11  # a time in seconds this large would be in the year 5138
MAX_TIMESTAMP = 4102444800  # 2100-01-01


class MalformedNotification(ValueError):
    """Not a notification: answer 400 and keep nothing."""


class InvalidNotification(ValueError):
    """An authenticated notification whose values cannot be applied: journal it as an error."""

    entry_ref = ""


def invalid(name, what):
    return InvalidNotification(f"field {name!r} {what}")


def text(data, name, required=False, limit=MAX_TEXT, id_bytes=False):
    """``data[name]`` as text ('' when absent); a number is written as JSON writes it."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise MalformedNotification(f"missing field {name!r}")
        return ""
    if isinstance(value, (dict, list)):
        raise invalid(name, "is not a string")
    if isinstance(value, float) and not math.isfinite(value):
        raise invalid(name, "is not a finite number")
    value = value if isinstance(value, str) else json.dumps(value)
    if "\x00" in value:
        raise invalid(name, "contains a NUL character")
    try:
        encoded = value.encode("utf-8")
    except UnicodeEncodeError:
        raise invalid(name, "is not valid Unicode") from None
    size = len(encoded) if id_bytes else len(value)
    if size > limit:
        raise invalid(name, f"is longer than {limit} {'bytes' if id_bytes else 'characters'}")
    return value


def ident(data, name, required=False):
    """A PBX's identifier: text of at most MAX_ID_BYTES bytes."""
    return text(data, name, required=required, limit=MAX_ID_BYTES, id_bytes=True)


def integer(data, name, required=False, bounds=INT4):
    """``data[name]`` as a whole number (0 when absent), from a number or its digits."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise MalformedNotification(f"missing field {name!r}")
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise invalid(name, "is not a whole number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise invalid(name, "is not a finite number")
        value = int(value)
    elif isinstance(value, str):
        digits = value.strip()
        if not re.fullmatch(r"[-+]?\d{1,20}", digits):
            raise invalid(name, "is not a whole number")
        value = int(digits)
    if not bounds[0] <= value <= bounds[1]:
        raise invalid(name, f"is out of range ({value})")
    return value


def unix_time(data, name, required=False):
    """Unix seconds (0 when absent); milliseconds are read as seconds."""
    value = integer(data, name, required=required, bounds=(-2 ** 63, 2 ** 63))
    if value >= MILLISECONDS_FROM:
        value //= 1000
    if not 0 <= value <= MAX_TIMESTAMP:
        raise invalid(name, f"is not a time between 1970 and 2100 ({value})")
    return value


def obj(data, name):
    """``data[name]`` as a dict; {} for what PBXs send for none ('', null, [])."""
    value = data.get(name)
    if value in (None, "", []):
        return {}
    if not isinstance(value, dict):
        raise invalid(name, "is not an object")
    return value

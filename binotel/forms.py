"""Binotel's webhook bodies as nested dicts: form fields with PHP bracket keys, or JSON.

Binotel posts ``application/x-www-form-urlencoded`` bodies whose keys nest the way PHP's
``parse_str`` reads them (reference §4.0): ``callDetails[historyData][0][waitsec]=13`` is
``{"callDetails": {"historyData": [{"waitsec": "13"}]}}``. A container whose keys are
exactly 0..n-1 (in any order) or ``[]`` becomes a list in index order; any other keys keep
a dict. As in PHP, a key given twice keeps its last value. Values stay text.

Whatever the body, the answer is a dict or a ValueError that says in words what is wrong
(never another exception), and a body is bounded: MAX_BODY bytes, MAX_FIELDS fields,
MAX_DEPTH brackets a key.
"""
import json
import re
from urllib.parse import parse_qsl

MAX_BODY = 256 * 1024
MAX_FIELDS = 2000
MAX_DEPTH = 8
MAX_NAME = 128  # characters of a name or index between brackets
KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
PART = re.compile(r"\[([^\[\]]*)\]")
INDEX = re.compile(r"0|[1-9][0-9]*")  # a list index as PHP writes one


def read_body(raw, content_type=""):
    """A webhook body (bytes or text) as a dict: JSON when it is JSON, else a form."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_BODY:
            raise ValueError(f"the body is larger than {MAX_BODY} bytes")
        raw = raw.decode("utf-8", "replace")
    if len(raw) > MAX_BODY:
        raise ValueError(f"the body is larger than {MAX_BODY} characters")
    if "json" in (content_type or "").lower() or raw.lstrip().startswith("{"):
        return _json_object(raw)
    return parse_form(raw)


def _json_object(raw):
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ValueError("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValueError("the body is not a JSON object")
    return data


def parse_form(body):
    """A form body (text, percent-encoded) as nested dicts and lists."""
    if len(body) > MAX_BODY:
        raise ValueError(f"the body is larger than {MAX_BODY} characters")
    if body.count("&") >= MAX_FIELDS:
        raise ValueError(f"the body has more than {MAX_FIELDS} fields")
    pairs = parse_qsl(body, keep_blank_values=True, errors="replace")
    return nest(pairs)


def nest(pairs):
    """``(key, value)`` pairs with bracket keys as nested dicts and lists."""
    if len(pairs) > MAX_FIELDS:
        raise ValueError(f"the body has more than {MAX_FIELDS} fields")
    root = {}
    for key, value in pairs:
        *parents, last = split_key(key)
        node = root
        for name in parents:
            child = node.get(name) if name is not None else None
            if not isinstance(child, dict):  # new, or a value PHP would overwrite
                child = {}
                node[_slot(node, name)] = child
            node = child
        node[_slot(node, last)] = value
    return {key: as_lists(value) for key, value in root.items()}


def split_key(key):
    """``a[b][0][]`` -> ``["a", "b", "0", None]`` (None: the next index); ValueError for
    what is no form key."""
    if any(ord(char) < 32 for char in key):
        raise ValueError(f"the form key {key[:64]!r} has control characters")
    match = KEY.fullmatch(key)
    if not match:
        raise ValueError(f"the form key {key[:64]!r} is not a name with [bracketed] parts")
    parts = [match[1]] + [part or None for part in PART.findall(match[2])]
    if len(parts) > MAX_DEPTH + 1:
        raise ValueError(f"the form key {key[:64]!r} is nested deeper than {MAX_DEPTH}")
    if any(part and len(part) > MAX_NAME for part in parts):
        raise ValueError(f"the form key {key[:64]!r} has a part longer than {MAX_NAME}")
    return parts


def _slot(node, name):
    """The key ``name`` takes in ``node``; ``[]`` takes the next free index, as in PHP."""
    if name is not None:
        return name
    indices = [int(key) for key in node if INDEX.fullmatch(key)]
    return str(max(indices) + 1 if indices else 0)


def as_lists(node):
    """Containers indexed 0..n-1 as lists, all the way down."""
    if not isinstance(node, dict):
        return node
    values = {key: as_lists(value) for key, value in node.items()}
    if values and all(INDEX.fullmatch(key) for key in values) \
            and sorted(map(int, values)) == list(range(len(values))):
        return [values[str(index)] for index in range(len(values))]
    return values

"""Parsing of the notifications Mango posts (reference §2) into plain objects.

``parse_notification(path, json_str)`` answers one of the dataclasses below, in Mango's
terms (``neutral.to_pbx`` says them in the call log's). It is the
protocol's edge: every field is checked and bounded here, so that what comes out can be
stored in PostgreSQL as it is.

Two kinds of failure:

* :class:`MalformedNotification`: not a notification at all (the JSON is not an object,
  a field that identifies the notification is missing). The webhook answers 400.
* :class:`InvalidNotification`: a notification whose values cannot be applied (a number
  that is not one, a time out of range, a NUL character). It is journaled as an error,
  with ``entry_ref`` when that much could be read, and Mango gets its 200.

Values Mango may add later (new call states, locations, directions) are not errors:
they are kept as received. Numbers and extensions stay strings. Times are Unix
seconds; Mango's milliseconds are read as seconds.
"""
import json
import re
from dataclasses import dataclass, field

try:  # in the addon
    from ..pbx import events as pbx
    from ..pbx.values import (INT4, InvalidNotification, MalformedNotification, ident as _id,
                              integer as _int, obj as _obj, text as _text, unix_time as _time)
except ImportError:  # the package on its own, the addon's root on sys.path (scripts, bench)
    from pbx import events as pbx
    from pbx.values import (INT4, InvalidNotification, MalformedNotification, ident as _id,
                            integer as _int, obj as _obj, text as _text, unix_time as _time)

PATH = re.compile(r"^[a-z0-9_./-]{1,64}$")


def _parties(data):
    """Who calls whom: the ``from`` and ``to`` objects' extensions and numbers."""
    src, dst = _obj(data, "from"), _obj(data, "to")
    return {"from_extension": _text(src, "extension"), "from_number": _text(src, "number"),
            "to_extension": _text(dst, "extension"), "to_number": _text(dst, "number")}


@dataclass(frozen=True)
class Ping:
    path: str = "ping"


@dataclass(frozen=True, kw_only=True)
class CallEvent(pbx.Parties):
    """``events/call``: one leg of a call changed state."""
    entry_ref: str
    leg_ref: str
    timestamp: int
    seq: int
    call_state: str  # Appeared, Connected, OnHold, Disconnected, or a newer one as received
    location: str = ""
    taken_from_leg_ref: str = ""
    acd_group: str = ""
    disconnect_reason: int = 0
    command_ref: str = ""
    dct_number: str = ""
    dct_type: int = 0

    @classmethod
    def parse(cls, data):
        entry_ref, leg_ref = _id(data, "entry_id", True), _id(data, "call_id", True)
        state = _text(data, "call_state", required=True, limit=64)
        seq, timestamp = _int(data, "seq", True, (0, INT4[1])), _time(data, "timestamp", True)
        src, dst, dct = _obj(data, "from"), _obj(data, "to"), _obj(data, "dct")
        return cls(
            entry_ref=entry_ref, leg_ref=leg_ref, timestamp=timestamp, seq=seq, call_state=state,
            location=_text(data, "location", limit=64), **_parties(data),
            taken_from_leg_ref=_id(src, "taken_from_call_id"),
            line_number=_text(dst, "line_number"), acd_group=_text(dst, "acd_group"),
            disconnect_reason=_int(data, "disconnect_reason"),
            command_ref=_id(data, "command_id"),
            dct_number=_text(dct, "number"), dct_type=_int(dct, "type"),
        )


@dataclass(frozen=True, kw_only=True)
class Summary(pbx.Parties):
    """``events/summary``: the final word on a whole call (entry)."""
    entry_ref: str
    direction: int  # 0 internal, 1 incoming, 2 outgoing; a newer value is kept as received
    create_time: int = 0
    forward_time: int = 0
    talk_time: int = 0
    end_time: int = 0
    entry_result: int = 0
    disconnect_reason: int = 0
    dct_number: str = ""
    dct_type: int = 0

    @classmethod
    def parse(cls, data):
        entry_ref = _id(data, "entry_id", True)
        direction = _int(data, "call_direction", required=True)
        dct = _obj(data, "dct")
        return cls(
            entry_ref=entry_ref, direction=direction, **_parties(data),
            line_number=_text(data, "line_number"),
            create_time=_time(data, "create_time"), forward_time=_time(data, "forward_time"),
            talk_time=_time(data, "talk_time"), end_time=_time(data, "end_time"),
            entry_result=_int(data, "entry_result"),
            disconnect_reason=_int(data, "disconnect_reason"),
            dct_number=_text(dct, "number"), dct_type=_int(dct, "type"),
        )


@dataclass(frozen=True)
class RecordingEvent:
    """``events/recording``: a recording started, moved to another leg, or completed."""
    recording_ref: str
    recording_state: str  # Started, Continued, Completed, or a newer one as received
    entry_ref: str
    leg_ref: str = ""
    seq: int = 0
    extension: str = ""
    timestamp: int = 0
    completion_code: int = 0

    @classmethod
    def parse(cls, data):
        recording_ref, entry_ref = _id(data, "recording_id", True), _id(data, "entry_id", True)
        return cls(
            recording_ref=recording_ref,
            recording_state=_text(data, "recording_state", required=True, limit=64),
            entry_ref=entry_ref, leg_ref=_id(data, "call_id"),
            seq=_int(data, "seq", bounds=(0, INT4[1])), extension=_text(data, "extension"),
            timestamp=_time(data, "timestamp"), completion_code=_int(data, "completion_code"),
        )


@dataclass(frozen=True)
class RecordAdded:
    """``events/record/added``: a recording is stored and can be downloaded."""
    recording_ref: str
    entry_ref: str
    user_id: int = 0
    timestamp: int = 0

    @classmethod
    def parse(cls, data):
        return cls(recording_ref=_id(data, "recording_id", True),
                   entry_ref=_id(data, "entry_id", True),
                   user_id=_int(data, "user_id", bounds=(-2 ** 63, 2 ** 63 - 1)),
                   timestamp=_time(data, "timestamp"))


@dataclass(frozen=True)
class Dtmf(pbx.Dtmf):
    """``events/dtmf``: digits the caller typed in the voice menu, and in which menu."""
    location: str = ""

    @classmethod
    def parse(cls, data):
        return cls(entry_ref=_id(data, "entry_id", True), leg_ref=_id(data, "call_id", True),
                   digits=_text(data, "dtmf"), seq=_int(data, "seq", bounds=(0, INT4[1])),
                   location=_text(data, "location", limit=64), timestamp=_time(data, "timestamp"))


@dataclass(frozen=True)
class SmsStatus:
    """``events/sms``: delivery status of an SMS sent by a command."""
    command_ref: str
    reason: int
    timestamp: int = 0

    @classmethod
    def parse(cls, data):
        return cls(command_ref=_id(data, "command_id", True), reason=_int(data, "reason", True),
                   timestamp=_time(data, "timestamp"))


@dataclass(frozen=True)
class CommandResult:
    """``result/<command>``: the asynchronous outcome of a command we sent."""
    command: str
    command_ref: str
    result: int

    @classmethod
    def parse(cls, data, command):
        return cls(command=command, command_ref=_id(data, "command_id", True),
                   result=_int(data, "result", True))


@dataclass(frozen=True)
class Other:
    """A valid notification the addon does not act on (yet): kept in the journal."""
    path: str
    data: dict = field(default_factory=dict)


PARSERS = {
    "events/call": CallEvent.parse,
    # what a reconciliation recovered from Mango's statistics, journaled in Mango's shapes
    "reconciliation/summary": Summary.parse,
    "reconciliation/record": RecordAdded.parse,
    "events/summary": Summary.parse,
    "events/recording": RecordingEvent.parse,
    "events/record/added": RecordAdded.parse,
    "events/dtmf": Dtmf.parse,
    "events/sms": SmsStatus.parse,
}


def normalize_path(path):
    """``/events//call/`` -> ``events/call``; MalformedNotification for what no path is."""
    path = "/".join(part for part in (path or "").split("/") if part)
    if path and not PATH.match(path):
        raise MalformedNotification("this is not a notification path")
    return path


def loads(json_str):
    """The notification's ``json`` field as a dict, or MalformedNotification."""
    try:
        data = json.loads(json_str)
    except (TypeError, ValueError, RecursionError):
        raise MalformedNotification("the json field is not valid JSON") from None
    if not isinstance(data, dict):
        raise MalformedNotification("the json field is not a JSON object")
    return data


def entry_id_of(data):
    """The notification's entry id when it is a usable one, else ''."""
    try:
        return _id(data, "entry_id")
    except InvalidNotification:
        return ""


def parse_notification(path, json_str):
    path = normalize_path(path)
    if path == "ping" and not (json_str or "").strip():
        return Ping()
    data = loads(json_str)
    if path == "ping":
        return Ping()
    try:
        if path in PARSERS:
            return PARSERS[path](data)
        if path.startswith("result/") and path not in ("result/stat", "result/stats"):
            return CommandResult.parse(data, path[len("result/"):])
    except InvalidNotification as error:
        error.entry_ref = entry_id_of(data)
        raise
    return Other(path=path, data=data)

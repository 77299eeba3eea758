"""Parsing of the notifications Mango posts (reference §2) into plain objects.

``parse_notification(path, json_str)`` answers one of the dataclasses below, or
raises :class:`MalformedNotification` when the body is not what Mango sends.
Numbers and extensions stay strings, as received.
"""
import json
from dataclasses import dataclass, field

CALL_STATES = ("Appeared", "Connected", "OnHold", "Disconnected")
RECORDING_STATES = ("Started", "Continued", "Completed")


class MalformedNotification(ValueError):
    """The notification cannot be understood: answer 400."""


def _int(data, name, default=None):
    value = data.get(name, default)
    if value is None:
        raise MalformedNotification(f"missing field {name!r}")
    if value == "" and default is not None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MalformedNotification(f"field {name!r} is not a whole number") from None


def _str(data, name, required=False):
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise MalformedNotification(f"missing field {name!r}")
        return ""
    if isinstance(value, (dict, list)):
        raise MalformedNotification(f"field {name!r} is not a string")
    return str(value)


def _obj(data, name):
    value = data.get(name) or {}
    if not isinstance(value, dict):
        raise MalformedNotification(f"field {name!r} is not an object")
    return value


@dataclass(frozen=True)
class Ping:
    path: str = "ping"


@dataclass(frozen=True)
class CallEvent:
    """``events/call``: one leg of a call changed state."""
    entry_id: str
    call_id: str
    timestamp: int
    seq: int
    call_state: str
    location: str = ""
    from_extension: str = ""
    from_number: str = ""
    taken_from_call_id: str = ""
    to_extension: str = ""
    to_number: str = ""
    line_number: str = ""
    acd_group: str = ""
    disconnect_reason: int = 0
    command_id: str = ""
    dct_number: str = ""
    dct_type: int = 0

    @classmethod
    def parse(cls, data):
        state = _str(data, "call_state", required=True)
        if state not in CALL_STATES:
            raise MalformedNotification(f"unknown call_state {state!r}")
        src, dst, dct = _obj(data, "from"), _obj(data, "to"), _obj(data, "dct")
        return cls(
            entry_id=_str(data, "entry_id", required=True),
            call_id=_str(data, "call_id", required=True),
            timestamp=_int(data, "timestamp"), seq=_int(data, "seq"), call_state=state,
            location=_str(data, "location"),
            from_extension=_str(src, "extension"), from_number=_str(src, "number"),
            taken_from_call_id=_str(src, "taken_from_call_id"),
            to_extension=_str(dst, "extension"), to_number=_str(dst, "number"),
            line_number=_str(dst, "line_number"), acd_group=_str(dst, "acd_group"),
            disconnect_reason=_int(data, "disconnect_reason", 0),
            command_id=_str(data, "command_id"),
            dct_number=_str(dct, "number"), dct_type=_int(dct, "type", 0),
        )


@dataclass(frozen=True)
class Summary:
    """``events/summary``: the final word on a whole call (entry)."""
    entry_id: str
    direction: int  # 0 internal, 1 incoming, 2 outgoing
    from_extension: str = ""
    from_number: str = ""
    to_extension: str = ""
    to_number: str = ""
    line_number: str = ""
    create_time: int = 0
    forward_time: int = 0
    talk_time: int = 0
    end_time: int = 0
    entry_result: int = 0
    disconnect_reason: int = 0

    @property
    def answered(self):
        return bool(self.entry_result) and bool(self.talk_time)

    @classmethod
    def parse(cls, data):
        src, dst = _obj(data, "from"), _obj(data, "to")
        direction = _int(data, "call_direction")
        if direction not in (0, 1, 2):
            raise MalformedNotification(f"unknown call_direction {direction!r}")
        return cls(
            entry_id=_str(data, "entry_id", required=True), direction=direction,
            from_extension=_str(src, "extension"), from_number=_str(src, "number"),
            to_extension=_str(dst, "extension"), to_number=_str(dst, "number"),
            line_number=_str(data, "line_number"),
            create_time=_int(data, "create_time", 0), forward_time=_int(data, "forward_time", 0),
            talk_time=_int(data, "talk_time", 0), end_time=_int(data, "end_time", 0),
            entry_result=_int(data, "entry_result", 0),
            disconnect_reason=_int(data, "disconnect_reason", 0),
        )


@dataclass(frozen=True)
class RecordingEvent:
    """``events/recording``: a recording started, moved to another leg, or completed."""
    recording_id: str
    recording_state: str
    entry_id: str
    call_id: str = ""
    seq: int = 0
    extension: str = ""
    timestamp: int = 0
    completion_code: int = 0

    @classmethod
    def parse(cls, data):
        state = _str(data, "recording_state", required=True)
        if state not in RECORDING_STATES:
            raise MalformedNotification(f"unknown recording_state {state!r}")
        return cls(
            recording_id=_str(data, "recording_id", required=True), recording_state=state,
            entry_id=_str(data, "entry_id", required=True), call_id=_str(data, "call_id"),
            seq=_int(data, "seq", 0), extension=_str(data, "extension"),
            timestamp=_int(data, "timestamp", 0),
            completion_code=_int(data, "completion_code", 0),
        )


@dataclass(frozen=True)
class RecordAdded:
    """``events/record/added``: a recording is stored and can be downloaded."""
    recording_id: str
    entry_id: str
    user_id: int = 0
    timestamp: int = 0

    @classmethod
    def parse(cls, data):
        return cls(recording_id=_str(data, "recording_id", required=True),
                   entry_id=_str(data, "entry_id", required=True),
                   user_id=_int(data, "user_id", 0), timestamp=_int(data, "timestamp", 0))


@dataclass(frozen=True)
class Dtmf:
    """``events/dtmf``: digits the caller typed in the voice menu."""
    entry_id: str
    call_id: str
    dtmf: str
    seq: int = 0
    location: str = ""
    timestamp: int = 0

    @classmethod
    def parse(cls, data):
        return cls(entry_id=_str(data, "entry_id", required=True),
                   call_id=_str(data, "call_id", required=True), dtmf=_str(data, "dtmf"),
                   seq=_int(data, "seq", 0), location=_str(data, "location"),
                   timestamp=_int(data, "timestamp", 0))


@dataclass(frozen=True)
class SmsStatus:
    """``events/sms``: delivery status of an SMS sent by a command."""
    command_id: str
    reason: int
    timestamp: int = 0

    @classmethod
    def parse(cls, data):
        return cls(command_id=_str(data, "command_id", required=True),
                   reason=_int(data, "reason"), timestamp=_int(data, "timestamp", 0))


@dataclass(frozen=True)
class CommandResult:
    """``result/<command>``: the asynchronous outcome of a command we sent."""
    command: str
    command_id: str
    result: int

    @classmethod
    def parse(cls, data, command):
        return cls(command=command, command_id=_str(data, "command_id", required=True),
                   result=_int(data, "result"))


@dataclass(frozen=True)
class Other:
    """A valid notification the addon does not act on (yet): kept in the journal."""
    path: str
    data: dict = field(default_factory=dict)


PARSERS = {
    "events/call": CallEvent.parse,
    "events/summary": Summary.parse,
    "events/recording": RecordingEvent.parse,
    "events/record/added": RecordAdded.parse,
    "events/dtmf": Dtmf.parse,
    "events/sms": SmsStatus.parse,
}


def normalize_path(path):
    return "/".join(part for part in (path or "").split("/") if part)


def loads(json_str):
    """The notification's ``json`` field as a dict, or MalformedNotification."""
    try:
        data = json.loads(json_str)
    except (TypeError, ValueError):
        raise MalformedNotification("the json field is not valid JSON") from None
    if not isinstance(data, dict):
        raise MalformedNotification("the json field is not a JSON object")
    return data


def parse_notification(path, json_str):
    path = normalize_path(path)
    if path == "ping" and not (json_str or "").strip():
        return Ping()
    data = loads(json_str)
    if path == "ping":
        return Ping()
    if path in PARSERS:
        return PARSERS[path](data)
    if path.startswith("result/") and path not in ("result/stat", "result/stats"):
        return CommandResult.parse(data, path[len("result/"):])
    return Other(path=path, data=data)

"""What any PBX tells the call log, in the call log's words: a small set of events.

A PBX's package (``mango/``, ``binotel/``) turns each notification it receives into
one of these (or a :class:`CallReport` of several); the call log (``models/``) applies them and knows nothing of a PBX's wire
format. Identifiers are the PBX's own (``*_ref``); times are Unix seconds, 0 when unknown.
A value the PBX sends that has no neutral name yet is kept raw beside it (``pbx_*``), so
that nothing it said is lost.
"""
from dataclasses import dataclass, field, fields


class LegState:
    """Where a leg is in its life."""
    RINGING = "ringing"  # it appeared: a phone, the voice menu or a queue took the caller
    TALKING = "talking"  # connected
    ON_HOLD = "on_hold"  # connected, the other side on hold
    ENDED = "ended"  # disconnected
    OTHER = "other"  # a state the PBX added since: see ``pbx_state``
    LIVE = (TALKING, ON_HOLD)


class Location:
    """What a leg connects the caller to."""
    MENU = "menu"  # the voice menu (IVR)
    QUEUE = "queue"  # a queue waiting for a free employee
    EMPLOYEE = "employee"  # an employee's phone
    OTHER = "other"  # a place the PBX added since: see ``pbx_location``


class Direction:
    """Who called whom."""
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    INTERNAL = "internal"
    OTHER = "other"  # a direction the PBX added since: see ``pbx_direction``


class RecordingState:
    """Where a recording is, from the first word to the file one can download."""
    RECORDING = "recording"
    SAVED = "saved"  # recorded and stored, maybe not downloadable yet
    FAILED = "failed"  # the recording ended without being saved
    READY = "ready"  # the file can be downloaded


class Command:
    """The commands whose outcome the PBX reports after answering them."""
    ROUTE = "route"  # put a waiting caller through to an extension
    TRANSFER = "transfer"
    HANGUP = "hangup"


class Tracking:
    """How the number the customer called was shown to them (call tracking)."""
    NONE = "none"  # a number of the company, no call tracking
    DYNAMIC = "dynamic"  # a number shown to one website visitor: the PBX knows the visitor
    STATIC = "static"  # a number printed on one advertisement


@dataclass(frozen=True, kw_only=True)
class Parties:
    """Who calls whom: employees by extension, the others by number."""
    from_extension: str = ""
    from_number: str = ""
    to_extension: str = ""
    to_number: str = ""
    line_number: str = ""  # the company's number the call came in on or went out from

    def parties(self):
        """These fields, as keyword arguments for another event of the same call."""
        return {field.name: getattr(self, field.name) for field in fields(Parties)}


@dataclass(frozen=True, kw_only=True)
class LegEvent(Parties):
    """One leg of a call appeared, connected, went on hold or ended."""
    entry_ref: str  # the call (all its legs)
    leg_ref: str
    state: str  # a LegState
    timestamp: int
    seq: int  # orders the events of one leg: the highest is the newest
    pbx_state: str = ""  # the state as the PBX sent it
    location: str = ""  # a Location, "" when the PBX did not say
    pbx_location: str = ""
    reason: int = 0  # the PBX's code for why the leg ended (its ``describe`` tells it in words)
    handed_on: bool = False  # it ended normally to pass the caller on (a menu or a queue)
    command_ref: str = ""  # the command of ours that made this leg
    tracking_number: str = ""
    tracking_type: str = ""  # a Tracking, "" when unknown


@dataclass(frozen=True, kw_only=True)
class CallSummary(Parties):
    """The PBX's final word on a whole call, once it ended."""
    entry_ref: str
    direction: str  # a Direction
    pbx_direction: int = 0  # the direction as the PBX sent it
    tracking_number: str = ""  # the call tracking number the customer called, if any
    tracking_type: str = ""  # a Tracking, "" when unknown
    start_time: int = 0
    answer_time: int = 0
    end_time: int = 0
    answered: bool = False  # someone talked with the customer
    reason: int = 0  # why the call ended, the PBX's code
    # the website visitor behind a call tracking number, when the PBX tells it with the call
    # (``pbx.client.VISITOR_FIELDS`` names to text)
    visitor: dict = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class RecordingEvent:
    """A recording of a call started, moved on, was saved or failed, or can be downloaded."""
    recording_ref: str
    entry_ref: str
    state: str  # a RecordingState
    pbx_state: str = ""  # the state as the PBX sent it, "" when it sent none
    leg_ref: str = ""
    extension: str = ""  # the employee recorded
    completion_code: int = 0  # the PBX's code for how the recording ended


@dataclass(frozen=True)
class CommandResult:
    """The outcome of a command we sent, reported by the PBX after answering it."""
    command: str  # a Command, or the PBX's name of another one
    command_ref: str
    code: int  # the PBX's result code (its ``describe`` tells it in words)
    ok: bool


@dataclass(frozen=True)
class Dtmf:
    """Digits the caller typed in the voice menu."""
    entry_ref: str
    leg_ref: str
    digits: str
    seq: int = 0
    timestamp: int = 0


@dataclass(frozen=True)
class Other:
    """A notification the call log does not act on (yet): kept in the journal only."""
    kind: str  # what the PBX called it


@dataclass(frozen=True, kw_only=True)
class RouteQuery(Parties):
    """The PBX asks, while a call rings, who calls and whom to put them through to; the
    webhook says it in its answer (Binotel's call settings). ``entry_ref`` is '' when the
    PBX gives none yet."""
    entry_ref: str = ""
    direction: str = ""  # a Direction, "" when the PBX did not say
    pbx_direction: int = 0


@dataclass(frozen=True)
class CallReport:
    """Several events of one call told in one notification (Binotel's call completed: the
    legs, the summary, the recording), to apply in their order."""
    entry_ref: str
    events: tuple

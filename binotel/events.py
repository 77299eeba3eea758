"""The requests Binotel posts to us (reference §4) as plain objects, in Binotel's terms.

``parse_notification(path, raw_json)`` reads a journaled request (the nested dict of
``forms.read_body``, as JSON) by its ``requestType``:

* API PUSH (``receivedTheCall``, ``answeredTheCall``, ``transferredTheCall``,
  ``hangupTheCall``): :class:`Push`;
* API CALL SETTINGS (``apiCallSettings``, formerly ``gettingCallSettings``): :class:`CallSettings`;
* API CALL COMPLETED (``apiCallCompleted``): :class:`CallCompleted`, the call's
  ``callDetails`` as the REST statistics give them too;
* ``reconciliation/record`` (our path: a recording the statistics list): :class:`RecordReady`.

Binotel's names of API 2.0 (``didNumber``, ``srcNumber``, ``extNumber``, ``dstNumbers``,
``employeeName``) are read where the newer ones are missing. Every value is checked and
bounded (``pbx.values``); ``neutral.to_pbx`` says the result in the call log's words.
"""
from dataclasses import dataclass, field
from typing import Optional

try:  # in the addon
    from ..pbx import values
    from ..pbx.values import InvalidNotification, MalformedNotification
except ImportError:  # the package on its own, the addon's root on sys.path (scripts, bench)
    from pbx import values
    from pbx.values import InvalidNotification, MalformedNotification
from . import forms

# When the webhook received a request, in Unix seconds: Binotel's push requests carry no
# time, so the webhook adds it before it journals one.
RECEIVED_AT = "odooReceivedAt"
PUSH = ("receivedTheCall", "answeredTheCall", "transferredTheCall", "hangupTheCall")
CALL_SETTINGS = ("apiCallSettings", "gettingCallSettings")
CALL_COMPLETED = "apiCallCompleted"
RECORD_READY = "reconciliation/record"
MAX_ATTEMPTS = 200  # historyData items read of one call
MAX_TRACKING = 1000  # characters of a call tracking value


def _first(data, *names, read=values.text):
    """The first of ``names`` that ``data`` has a value for, read by ``read``."""
    for name in names:
        if data.get(name) not in (None, ""):
            return read(data, name)
    return read(data, names[0])


def _call_type(data):
    """0 incoming, 1 outgoing, a newer value as received; None when not given."""
    if data.get("callType") in (None, ""):
        return None
    return values.integer(data, "callType")


def _seconds(data, name):
    return values.integer(data, name, bounds=(0, values.INT4[1]))


@dataclass(frozen=True)
class Push:
    """API PUSH: the call arrived or started, was answered, transferred, or hung up."""
    request_type: str
    entry_ref: str
    call_type: Optional[int] = None
    line_number: str = ""
    external_number: str = ""
    internal_number: str = ""
    billsec: int = 0
    disposition: str = ""
    company_ref: str = ""
    received_at: int = 0

    @classmethod
    def parse(cls, data):
        call_type = _call_type(data)
        return cls(
            request_type=data["requestType"], entry_ref=values.ident(data, "generalCallID", True),
            call_type=call_type, line_number=_first(data, "pbxNumber", "didNumber", "did"),
            external_number=_first(data, "externalNumber", "dstNumber" if call_type == 1
                                   else "srcNumber"),
            internal_number=_first(data, "internalNumber", "extNumber"),
            billsec=_seconds(data, "billsec"),
            disposition=values.text(data, "disposition", limit=64),
            company_ref=values.ident(data, "companyID"),
            received_at=values.unix_time(data, RECEIVED_AT))


@dataclass(frozen=True)
class CallSettings:
    """API CALL SETTINGS: Binotel asks, while the call rings, who calls (the answer
    names them and their employee: ``webhook.call_settings_reply``)."""
    entry_ref: str = ""
    call_type: Optional[int] = None
    line_number: str = ""
    external_number: str = ""
    internal_number: str = ""
    company_ref: str = ""
    language: str = ""

    @classmethod
    def parse(cls, data):
        return cls(entry_ref=values.ident(data, "generalCallID"), call_type=_call_type(data),
                   line_number=_first(data, "pbxNumber", "didNumber"),
                   external_number=_first(data, "externalNumber", "srcNumber"),
                   internal_number=values.text(data, "internalNumber"),
                   company_ref=values.ident(data, "companyID"),
                   language=values.text(data, "language", limit=16))


@dataclass(frozen=True)
class Attempt:
    """One attempt of a call (``historyData``, formerly ``dstNumbers``): a phone that rang."""
    internal_number: str = ""
    waitsec: int = 0
    billsec: int = 0
    disposition: str = ""
    group_number: str = ""  # internalAdditionalData
    employee_name: str = ""
    employee_email: str = ""

    @classmethod
    def parse(cls, data):
        if not isinstance(data, dict):
            raise values.invalid("historyData", "holds an item that is not an object")
        employee = values.obj(data, "employeeData")
        return cls(internal_number=_first(data, "internalNumber", "dstNumber"),
                   waitsec=_seconds(data, "waitsec"), billsec=_seconds(data, "billsec"),
                   disposition=values.text(data, "disposition", limit=64),
                   group_number=values.text(data, "internalAdditionalData"),
                   employee_name=_first(employee, "name") or values.text(data, "employeeName"),
                   employee_email=_first(employee, "email") or values.text(data, "employeeEmail"))


@dataclass(frozen=True)
class CallDetails:
    """A finished call as API CALL COMPLETED and the REST statistics describe it."""
    entry_ref: str  # generalCallID
    call_ref: str = ""  # callID, "the recording's id": so far always the generalCallID
    company_ref: str = ""
    start_time: int = 0
    call_type: Optional[int] = None
    internal_number: str = ""
    group_number: str = ""  # internalAdditionalData
    external_number: str = ""
    waitsec: Optional[int] = None  # None: not given (the attempts tell it)
    billsec: Optional[int] = None
    disposition: str = ""
    recording_status: str = ""
    is_new_call: bool = False
    who_hung_up: str = ""
    employee_name: str = ""
    employee_email: str = ""
    line_number: str = ""
    line_name: str = ""
    customer_ref: str = ""
    customer_name: str = ""
    attempts: tuple = ()
    tracking: dict = field(default_factory=dict, hash=False)  # callTrackingData, as text

    @classmethod
    def parse(cls, data):
        entry_ref = values.ident(data, "generalCallID", True)
        try:
            return cls._parse(data, entry_ref)
        except InvalidNotification as error:
            error.entry_ref = entry_ref
            raise

    @classmethod
    def _parse(cls, data, entry_ref):
        employee, line = values.obj(data, "employeeData"), values.obj(data, "pbxNumberData")
        customer = values.obj(data, "customerData")
        history = data.get("historyData") or data.get("dstNumbers") or []
        if isinstance(history, dict):  # as a form with gaps in its indices reads
            history = list(history.values())
        if not isinstance(history, list):
            raise values.invalid("historyData", "is not a list")
        optional = {name: _seconds(data, name) for name in ("waitsec", "billsec")
                    if data.get(name) not in (None, "")}
        return cls(
            entry_ref=entry_ref, call_ref=values.ident(data, "callID"),
            company_ref=values.ident(data, "companyID"),
            start_time=values.unix_time(data, "startTime"), call_type=_call_type(data),
            internal_number=values.text(data, "internalNumber"),
            group_number=values.text(data, "internalAdditionalData"),
            external_number=_first(data, "externalNumber", "srcNumber"),
            **optional, disposition=values.text(data, "disposition", limit=64),
            recording_status=values.text(data, "recordingStatus", limit=64),
            is_new_call=bool(values.integer(data, "isNewCall")),
            who_hung_up=values.text(data, "whoHungUp", limit=64),
            employee_name=_first(employee, "name") or values.text(data, "employeeName"),
            employee_email=_first(employee, "email") or values.text(data, "employeeEmail"),
            line_number=values.text(line, "number") or _first(data, "didNumber", "did"),
            line_name=values.text(line, "name") or values.text(data, "didName"),
            customer_ref=values.ident(customer, "id"), customer_name=values.text(customer, "name"),
            attempts=tuple(Attempt.parse(item) for item in history[:MAX_ATTEMPTS]),
            tracking=_tracking(values.obj(data, "callTrackingData")))


def _tracking(data):
    """callTrackingData's values as bounded text (a nested value is not one of them)."""
    return {key[:64]: values.text(data, key, limit=MAX_TRACKING) for key, value in data.items()
            if not isinstance(value, (dict, list)) and value not in (None, "")}


@dataclass(frozen=True)
class CallCompleted:
    """API CALL COMPLETED: once a call ended; posted again until we answer success."""
    details: CallDetails
    attempts_counter: int = 0
    language: str = ""

    @property
    def entry_ref(self):
        return self.details.entry_ref

    @classmethod
    def parse(cls, data):
        details = data.get("callDetails")
        if not isinstance(details, dict):
            raise MalformedNotification("callDetails is not an object")
        return cls(details=CallDetails.parse(details),
                   attempts_counter=_seconds(data, "attemptsCounter"),
                   language=values.text(data, "language", limit=16))


@dataclass(frozen=True)
class RecordReady:
    """A recording Binotel keeps of a call (from its statistics): it can be downloaded."""
    entry_ref: str

    @classmethod
    def parse(cls, data):
        return cls(entry_ref=values.ident(data, "generalCallID", True))


@dataclass(frozen=True)
class Other:
    """A request the call log does not act on (yet): kept in the journal."""
    kind: str


def loads(raw_json):
    """A journaled request as a dict, or MalformedNotification."""
    try:
        return forms.read_body(raw_json, "application/json")
    except ValueError as error:
        raise MalformedNotification(str(error)) from None


def parse_notification(path, raw_json):
    data = loads(raw_json)
    if (path or "").strip("/") == RECORD_READY:
        return RecordReady.parse(data)
    kind = data.get("requestType")
    if not isinstance(kind, str) or not kind:
        raise MalformedNotification("missing field 'requestType'")
    try:
        if kind in PUSH:
            return Push.parse(data)
        if kind in CALL_SETTINGS:
            return CallSettings.parse(data)
        if kind == CALL_COMPLETED:
            return CallCompleted.parse(data)
    except InvalidNotification as error:
        if not error.entry_ref:
            error.entry_ref = _entry_ref_of(data)
        raise
    return Other(kind=kind[:64])


def _entry_ref_of(data):
    """The request's generalCallID when it is a usable one, else ''."""
    details = data.get("callDetails")
    try:
        return values.ident(details if isinstance(details, dict) else data, "generalCallID")
    except InvalidNotification:
        return ""

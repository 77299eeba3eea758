"""The one class that talks HTTP to Binotel's REST API 4.0 (reference §2-3, §6).

Every request is a JSON POST to ``<base>/<category>/<method>.json`` whose body carries the
key and the secret. Binotel answers ``{"status": "success", ...}`` or ``{"status": "error",
"code": N, "message": ...}``, with HTTP 200 or not (both are read). Failures become a
:class:`BinotelError` in words. Nothing is retried automatically: a ``calls/*`` request
asked twice may dial twice.

Binotel has no command for what the call log does with Mango's ``route``, group callbacks,
lists of groups and lines, or the website visitor behind a number: those raise
:class:`BinotelUnsupported`. A call arrives routed by the answer to API CALL SETTINGS, and
its call tracking data comes with the completed call.
"""
import calendar
import json
from datetime import timedelta

import requests

try:
    from ..pbx.client import (Employee, Notification, PbxClient, PbxError, PbxNotReady,
                              PbxTimeout, PbxUnsupported, StatisticsCall)
except ImportError:  # run on its own (the demo, the benchmarks): pbx/ is beside binotel/
    from pbx.client import (Employee, Notification, PbxClient, PbxError, PbxNotReady,
                            PbxTimeout, PbxUnsupported, StatisticsCall)
from . import codes
from .codes import _lt
from .events import RECORD_READY
from .webhook import completed_journal


class BinotelError(PbxError):
    """A failed exchange with Binotel (see :class:`PbxError`); ``code`` is Binotel's error
    code when it gave one."""

    RETRYABLE_CODES, RATE_LIMITED_CODE = codes.RETRYABLE, codes.RATE_LIMITED

    @classmethod
    def from_code(cls, code, message="", http_status=None):
        """Binotel's error ``code`` in words: ours when we know it, else Binotel's."""
        code = _to_int(code) or None
        known = code in codes.ERRORS
        meaning = codes.describe(code) if known else (str(message or "")[:200]
                                                      or codes.UNKNOWN)
        if code is None:
            return cls(_lt("Binotel refused the request: %(meaning)s"),
                       http_status=http_status, meaning=meaning)
        return cls(_lt("Binotel answered with code %(code)s: %(meaning)s"), code=code,
                   http_status=http_status, meaning=meaning)


class BinotelTimeout(PbxTimeout, BinotelError):
    """Binotel did not answer within the client's timeout (it may still act on it)."""


class BinotelNotReady(PbxNotReady, BinotelError):
    """Binotel does not have it yet (a recording it is still uploading): ask again later."""


class BinotelUnsupported(PbxUnsupported, BinotelError):
    """Binotel's API has no such operation."""


class BinotelClient(PbxClient):
    """Requests to one Binotel company; ``timeout`` in seconds."""

    DEFAULT_URL = "https://api.binotel.com/api/4.0/"
    statistics_window = timedelta(hours=24)  # stats/list-of-calls-for-period: 24 h at most

    def __init__(self, base_url, key, secret, timeout=10.0, session=None):
        if not key or not secret:
            raise BinotelError(_lt("The Binotel API key and secret are not set"))
        self._connect(base_url, timeout, session)
        self.key = key
        self.secret = secret

    @classmethod
    def result_error(cls, code):
        return BinotelError.from_code(code) if _to_int(code) else None

    # -- transport -----------------------------------------------------------------

    def post(self, path, payload=None, **kwargs):
        """POST ``payload`` with the key and secret to ``<path>.json``: the Response."""
        body = {**(payload or {}), "key": self.key, "secret": self.secret}
        return self._send("post", self.base_url + path.strip("/") + ".json", json=body,
                          **kwargs)

    def _send(self, method, url, **kwargs):
        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise BinotelTimeout(_lt("Binotel did not answer in time (%(url)s)"),
                                 url=url) from None
        except requests.RequestException as exc:
            raise BinotelError(_lt("Could not reach Binotel at %(url)s: %(error)s"),
                               url=url, error=exc.__class__.__name__) from None

    def request(self, path, payload=None):
        """An API call: the JSON object of a successful answer."""
        response = self.post(path, payload)
        try:
            data = response.json()
        except ValueError:
            data = None
        status = data.get("status") if isinstance(data, dict) else None
        if status == "error":
            raise BinotelError.from_code(data.get("code"), data.get("message"),
                                         http_status=response.status_code)
        if response.status_code == 429:
            raise BinotelError.from_code(codes.RATE_LIMITED, http_status=429)
        if response.status_code != 200:
            raise BinotelError(_lt("Binotel answered with HTTP status %(status)s"),
                               http_status=response.status_code)
        if not isinstance(data, dict):
            raise BinotelError(_lt("Binotel's answer is not the JSON object expected"),
                               http_status=200)
        if status != "success":
            raise _unexpected(path)
        return data

    def _rows(self, path, payload, name):
        """The objects Binotel gives under ``name`` in its answer to ``path``, as a list
        (Binotel writes some lists as objects keyed by id): ``(key, object)`` pairs."""
        rows = self.request(path, payload).get(name)
        if rows is None:
            raise BinotelError(_lt("Binotel's answer to %(path)s has no %(field)s"), path=path,
                               field=name, http_status=200)
        if isinstance(rows, dict):
            pairs = list(rows.items())
        elif isinstance(rows, list):
            pairs = list(enumerate(rows))
        else:
            raise _unexpected(path)
        if not all(isinstance(row, dict) for _key, row in pairs):
            raise _unexpected(path)
        return pairs

    # -- queries -------------------------------------------------------------------

    def users(self):
        """The company's employees (``settings/list-of-employees``), their extension the
        internal number of their phone (``endpointData``)."""
        return [Employee(ref=_text(row.get("employeeID") or key), name=_text(row.get("name")),
                         email=_text(row.get("email")),
                         extension=_extension(row.get("endpointData")))
                for key, row in self._rows("settings/list-of-employees", {}, "listOfEmployees")]

    def statistics(self, date_from, date_to):
        """The calls of ``stats/list-of-calls-for-period`` (24 h at most), each with its
        summary in the shape of API CALL COMPLETED and its recording, which
        ``binotel.events`` reads; calls still in progress are left for later."""
        start, stop = _epoch(date_from), _epoch(date_to)
        if stop - start > self.statistics_window.total_seconds():
            raise BinotelError(_lt("Binotel's statistics cover at most 24 hours a request"))
        calls = self.calls("stats/list-of-calls-for-period",
                           {"startTime": start, "stopTime": stop})
        return [_statistics_call(call) for call in calls
                if _text(call.get("disposition")).upper() != "ONLINE"]

    def calls(self, path, payload):
        """The calls (``callDetails``) of one of the ``stats/*`` methods, each with its
        ``generalCallID``."""
        return [{**row, "generalCallID": _text(row.get("generalCallID") or key)}
                for key, row in self._rows(path, payload, "callDetails")]

    def call_details(self, general_call_refs):
        """``stats/call-details``: these calls as Binotel has them now (``disposition``
        ONLINE while they go on)."""
        return self.calls("stats/call-details", {"generalCallID": list(general_call_refs)})

    def recording(self, recording_ref):
        """``stats/call-record`` gives a link for 15 minutes: download it at once.
        ``(content_type, bytes)``; a BinotelNotReady while Binotel has no file yet."""
        path = "stats/call-record"
        data = self.request(path, {"generalCallID": recording_ref, "callID": recording_ref})
        url = data.get("url")
        if isinstance(data.get("callDetails"), dict):  # one client read it there
            url = url or data["callDetails"].get("url")
        if not url:
            raise BinotelNotReady(_lt("Binotel has no file of the recording of call "
                                      "%(call)s yet"), call=recording_ref, http_status=200)
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise _unexpected(path)
        response = self._send("get", url)  # no answer at all: asked again later
        kind = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if response.status_code != 200:  # expired, or not stored there yet
            raise BinotelNotReady(_lt("The link Binotel gave to the recording of call "
                                      "%(call)s did not give the file (HTTP status "
                                      "%(status)s): a new link is asked for later"),
                                  call=recording_ref, http_status=response.status_code)
        if kind.startswith("text/") or "json" in kind or not response.content:
            raise _unexpected(path)
        return kind or "audio/mpeg", response.content

    # -- commands: Binotel answers the generalCallID of the call concerned ------------

    def callback(self, extension, to_number, command_ref=None, line_number=None):
        """Ring the employee's phone first, then dial ``to_number``
        (``calls/internal-number-to-external-number``); answers the new call's
        generalCallID (Binotel takes no command ref of ours)."""
        payload = {"internalNumber": str(extension), "externalNumber": national(to_number)}
        if line_number:
            payload["pbxNumber"] = national(line_number)
        data = self.request("calls/internal-number-to-external-number", payload)
        return _text(data.get("generalCallID"))

    def transfer(self, leg_ref, to_number, initiator, command_ref=None):
        """``calls/attended-call-transfer`` of the call to ``to_number``: Binotel's only
        transfer is the attended one (``initiator`` is not sent: Binotel knows who talks)."""
        entry_ref = entry_of(leg_ref)
        self.request("calls/attended-call-transfer",
                     {"generalCallID": entry_ref, "externalNumber": national(to_number)})
        return entry_ref

    def hangup(self, leg_ref, command_ref=None):
        """``calls/hangup-call``: Binotel ends the whole call."""
        entry_ref = entry_of(leg_ref)
        self.request("calls/hangup-call", {"generalCallID": entry_ref})
        return entry_ref

    # -- what Binotel's API has no method for -------------------------------------------

    def route(self, leg_ref, to_number, command_ref=None, display_name=None):
        raise BinotelUnsupported(_lt("Binotel puts a call through as Odoo answers its call "
                                     "settings request, not by a command"))

    def group_callback(self, number, group_extension, line_number, command_ref=None):
        raise BinotelUnsupported(_lt("Binotel's API cannot call a customer for a group"))

    def groups(self):
        raise BinotelUnsupported(_lt("Binotel's API does not list groups"))

    def lines(self):
        raise BinotelUnsupported(_lt("Binotel's API does not list the company's numbers"))

    def tracking_visitor(self, number):
        raise BinotelUnsupported(_lt("Binotel tells the website visitor with the completed "
                                     "call, not on request"))


def _unexpected(path):
    """An answer of Binotel (HTTP 200) that is not what ``path`` answers."""
    return BinotelError(_lt("Binotel's answer to %(path)s is not in the expected format"),
                        path=path, http_status=200)


def _text(value):
    return "" if value is None else str(value)


def _to_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _epoch(moment):
    """A naive UTC datetime as Unix seconds."""
    return calendar.timegm(moment.timetuple())


def _extension(endpoint):
    """The internal number of an employee's ``endpointData``: one object, or objects
    keyed by id."""
    if not isinstance(endpoint, dict):
        return ""
    if "internalNumber" in endpoint:
        return _text(endpoint["internalNumber"])
    return next((_text(item["internalNumber"]) for item in endpoint.values()
                 if isinstance(item, dict) and item.get("internalNumber")), "")


def entry_of(leg_ref):
    """The generalCallID of a leg of ours (``<generalCallID>`` or ``<generalCallID>:<n>``)."""
    return str(leg_ref).split(":", 1)[0]


def national(number):
    """A number as Binotel writes Ukrainian ones: ``380671234567`` or ``+380…`` ->
    ``0671234567``; others (extensions, foreign numbers) as they are, without ``+``."""
    digits = str(number).strip().lstrip("+")
    if digits.startswith("380") and len(digits) == 12 and digits.isdigit():
        return "0" + digits[3:]
    return digits


def _statistics_call(call):
    """A call of the statistics as what to journal: the summary as the journal keeps API
    CALL COMPLETED's request of it (the same row, whichever comes first), the recording
    when Binotel keeps one."""
    entry = call["generalCallID"]
    recorded = _text(call.get("recordingStatus")).lower() == "uploaded" \
        and _text(call.get("disposition")).upper() in codes.RECORDED
    path, raw_json = completed_journal(call)  # the row API CALL COMPLETED makes of it
    return StatisticsCall(
        entry_ref=entry, start=_to_int(call.get("startTime")),
        summary=Notification(path, json.loads(raw_json), raw_json=raw_json),
        recordings={entry: Notification(RECORD_READY, {"generalCallID": entry})}
        if recorded else {})

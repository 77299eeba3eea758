"""The one class that talks HTTP to Mango Office.

Every request is a signed form POST (reference §1). Failures become a
:class:`MangoError` whose message says in words what went wrong. Nothing is
retried automatically: a 3xxx answer counts toward Mango's one-invalid-request-
per-two-minutes lockout, and commands are not idempotent (reference §5).
"""
import time
from datetime import datetime, timedelta

import requests

try:
    from ..pbx.client import (VISITOR_FIELDS, Employee, Group, Line, Notification, PbxClient,
                              PbxError, PbxNotReady, PbxTimeout, StatisticsCall)
except ImportError:  # run on its own (the demo, the benchmarks): pbx/ is beside mango/
    from pbx.client import (VISITOR_FIELDS, Employee, Group, Line, Notification, PbxClient,
                            PbxError, PbxNotReady, PbxTimeout, StatisticsCall)
from . import codes
from .signing import form_body


def _lt(message):
    return message


class MangoError(PbxError):
    """A failed exchange with Mango (see :class:`PbxError`); ``code`` is Mango's result
    code when it gave one."""

    RETRYABLE_CODES, RATE_LIMITED_CODE = codes.RETRYABLE, codes.RATE_LIMITED

    @classmethod
    def from_code(cls, code, http_status=None):
        return cls(_lt("Mango answered with code %(code)s: %(meaning)s"), code=int(code),
                   http_status=http_status, meaning=codes.describe(code))


class MangoTimeout(PbxTimeout, MangoError):
    """Mango did not answer within the client's timeout (it may still act on it)."""


class MangoNotReady(PbxNotReady, MangoError):
    """Mango does not have it yet (a recording it is still storing): ask again later."""


class MangoClient(PbxClient):
    """Signed requests to one PBX; ``timeout`` in seconds."""

    DEFAULT_URL = "https://app.mango-office.ru/vpbx/"
    DISPLAY_NAME_BYTES = 64
    # stats/result no more often than once per 5 s (reference §3.9), for a minute
    STATS_POLL_SECONDS = 5.0
    STATS_POLLS = 12
    statistics_window = timedelta(days=30) - timedelta(seconds=1)  # a month; 30 days fails

    def __init__(self, base_url, key, salt, timeout=10.0, session=None):
        if not key or not salt:
            raise MangoError(_lt("The PBX unique code and signing key are not set"))
        self._connect(base_url, timeout, session)
        self.key = key
        self.salt = salt

    @classmethod
    def result_error(cls, code):
        return None if codes.is_success(code) else MangoError.from_code(_to_int(code))

    # -- transport -----------------------------------------------------------------

    def post(self, path, payload=None, **kwargs):
        """POST a signed form to ``path``; answer the :class:`requests.Response`."""
        url = self.base_url + path.lstrip("/")
        try:
            return self.session.post(url, data=form_body(self.key, self.salt, payload or {}),
                                     timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise MangoTimeout(_lt("Mango did not answer in time (%(url)s)"), url=url) from None
        except requests.RequestException as exc:
            raise MangoError(_lt("Could not reach Mango at %(url)s: %(error)s"), url=url,
                             error=exc.__class__.__name__) from None

    def request(self, path, payload=None):
        """A synchronous call: answer the JSON object of a successful reply."""
        response = self.post(path, payload)
        data = self._json(response)
        code = data.get("result", data.get("code")) if isinstance(data, dict) else None
        if response.status_code == 429:
            raise MangoError.from_code(codes.RATE_LIMITED, http_status=429)
        if response.status_code == 401:
            raise MangoError(_lt("Mango locked API access for two minutes after an invalid "
                                 "request"), http_status=401)
        if code not in (None, "", 0, "0") and not codes.is_success(code):
            raise self._refusal(code, response)
        if response.status_code != 200:
            raise MangoError(_lt("Mango answered with HTTP status %(status)s"),
                             http_status=response.status_code)
        if not isinstance(data, dict):
            raise MangoError(_lt("Mango's answer is not the JSON object expected"),
                             http_status=response.status_code)
        return data

    @staticmethod
    def _refusal(code, response):
        try:
            return MangoError.from_code(code, http_status=response.status_code)
        except (TypeError, ValueError):  # a code that is no number
            return MangoError(_lt("Mango answered with HTTP status %(status)s"),
                              http_status=response.status_code)

    @staticmethod
    def _json(response):
        try:
            return response.json()
        except ValueError:
            return None

    @staticmethod
    def _field(data, path, name, kind):
        """``data[name]``, which Mango's answer to ``path`` must hold as a ``kind``."""
        value = data.get(name)
        if value is None:
            raise MangoError(_lt("Mango's answer to %(path)s has no %(field)s"), path=path,
                             field=name, http_status=200)
        if not isinstance(value, kind):
            raise _unexpected(path)
        return value

    def _list(self, path, payload, name):
        """The objects Mango lists under ``name`` in its answer to ``path``."""
        rows = self._field(self.request(path, payload), path, name, list)
        if not all(isinstance(row, dict) for row in rows):
            raise _unexpected(path)
        return rows

    # -- queries -------------------------------------------------------------------

    def users(self):
        """The PBX's employees (``config/users/request`` with their ``general.user_id``)."""
        path = "config/users/request"
        employees = []
        for row in self._list(path, {"ext_fields": ["general.user_id"]}, "users"):
            general, telephony = row.get("general") or {}, row.get("telephony") or {}
            if not isinstance(general, dict) or not isinstance(telephony, dict):
                raise _unexpected(path)
            employees.append(Employee(
                ref=_text(general.get("user_id")), name=_text(general.get("name")),
                email=_text(general.get("email")), extension=_text(telephony.get("extension"))))
        return employees

    def groups(self):
        """The PBX's groups (``groups``)."""
        return [Group(ref=_text(row.get("id") or row.get("extension")),
                      name=_text(row.get("name") or row.get("extension") or "?"),
                      extension=_text(row.get("extension")))
                for row in self._list("groups", {"show_users": 0}, "groups")]

    def lines(self):
        """The PBX's lines (``incominglines``)."""
        lines = []
        for row in self._list("incominglines", {}, "lines"):
            number = _text(row.get("number"))
            lines.append(Line(ref=_text(row.get("line_id") or number), number=number,
                              name=_text(row.get("name") or number)))
        return lines

    def statistics(self, date_from, date_to):
        """Mango's basic statistics (``stats/request``, then ``stats/result`` every
        ``STATS_POLL_SECONDS`` until ready), each call with its summary and recordings in
        the shapes Mango posts them (``reconciliation/summary``, ``reconciliation/record``,
        which ``mango.events`` reads)."""
        key = self.stats_request(_epoch(date_from), _epoch(date_to))
        for _poll in range(self.STATS_POLLS):
            time.sleep(self.STATS_POLL_SECONDS)
            rows = self.stats_result(key)
            if rows is not None:
                return [_statistics_call(row) for row in rows if row["entry_id"]]
        raise MangoError(_lt("Mango's statistics were not ready within %(seconds)s seconds"),
                         seconds=int(self.STATS_POLL_SECONDS * self.STATS_POLLS))

    def stats_request(self, date_from, date_to):
        """``stats/request`` for calls from ``date_from`` to ``date_to`` (Unix seconds, at most
        a month, not in the future): the key to ask ``stats_result`` with."""
        payload = {"date_from": str(int(date_from)), "date_to": str(int(date_to)),
                   "fields": ",".join(STATS_FIELDS)}
        key = self._field(self.request("stats/request", payload), "stats/request", "key", str)
        if not key:
            raise MangoError(_lt("Mango's answer to %(path)s has no %(field)s"),
                             path="stats/request", field="key", http_status=200)
        return key

    def stats_result(self, key):
        """The calls of a stats request as dicts of STATS_FIELDS, or None while Mango is not
        ready (HTTP 204: ask again after 5 s)."""
        response = self.post("stats/result", {"key": key})
        if response.status_code == 204:
            return None
        if response.status_code != 200:
            data = self._json(response)
            code = data.get("result", data.get("code")) if isinstance(data, dict) else None
            if code:
                raise self._refusal(code, response)
            raise MangoError(_lt("Mango answered with HTTP status %(status)s"),
                             http_status=response.status_code)
        if not _is_text(response):
            raise MangoError(_lt("Mango's statistics are not in the expected format"),
                             http_status=200)
        return parse_stats(response.text)

    def forwarding_rules(self, page=1000):
        """Every forwarding rule by client number (``forwarding/numbers``, paged)."""
        rules, offset = [], 0
        while True:
            data = self.request("forwarding/numbers", {"limit": page, "offset": offset})
            batch = self._field(data, "forwarding/numbers", "numbers", list)
            if not all(isinstance(rule, dict) and "client_phone_number" in rule
                       for rule in batch):
                raise _unexpected("forwarding/numbers")
            rules += batch
            offset += len(batch)
            try:
                total = int(data.get("total") or 0)
            except (TypeError, ValueError):
                raise _unexpected("forwarding/numbers") from None
            if not batch or offset >= total:
                return rules

    def forwarding_add(self, number, pbx_user_ref, comment):
        """Calls from ``number`` go straight to the employee (``forwarding/number/add``)."""
        self.request("forwarding/number/add", {
            "client_phone_number": str(number), "client_phone_type": 0, "status": 1,
            "forward_type": "user", "comment": comment,
            "forward_to_user": {"forward_user_id": int(pbx_user_ref), "forward_contact_id": ""}})

    def forwarding_change(self, forward_id, pbx_user_ref):
        self.request("forwarding/number/change", {
            "forward_id": forward_id, "forward_type": "user",
            "forward_to_user": {"forward_user_id": int(pbx_user_ref), "forward_contact_id": ""}})

    def forwarding_remove(self, forward_id):
        self.request("forwarding/number/remove", {"forward_id": forward_id})

    def tracking_visitor(self, number):
        """``queries/user_info_by_dct_number``: the website visitor behind a dynamic call
        tracking number, flattened to the names Mango's documents use (``channel_source``,
        ``location_city``, ``current_page_url``...); {} when the number is bound to nobody
        (Mango's ``data`` is then an empty object).
        """
        path = "queries/user_info_by_dct_number"
        data = self.request(path, {"number": str(number)}).get("data") or {}
        if not isinstance(data, dict):
            raise _unexpected(path)
        return flatten_visitor(data)

    def recording(self, recording_ref):
        """``queries/recording/post``: Mango redirects to a one-time link; follow it.

        Answers ``(content_type, body)``; 3320 (Mango is still storing the recording) is a
        :class:`MangoNotReady`.
        """
        path = "queries/recording/post"
        response = self.post(path, {"recording_id": recording_ref, "action": "download"},
                             allow_redirects=True)
        kind = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if response.status_code != 200 or "json" in kind:
            data = self._json(response) or {}
            code = data.get("result", data.get("code")) if isinstance(data, dict) else None
            if str(code) == str(NOT_STORED_YET):
                raise MangoNotReady(_lt("Mango answered with code %(code)s: %(meaning)s"),
                                    code=NOT_STORED_YET, http_status=response.status_code,
                                    meaning=codes.describe(NOT_STORED_YET))
            if code and not codes.is_success(code):
                raise self._refusal(code, response)
            if response.status_code == 200:
                raise _unexpected(path)
            raise MangoError(_lt("Mango answered with HTTP status %(status)s"),
                             http_status=response.status_code)
        if kind.startswith("text/") or not response.content:
            raise _unexpected(path)  # an error page, say, of a proxy in front of Mango
        return kind or "audio/mpeg", response.content

    # -- commands (their outcome also arrives later as result/<command>) -----------

    def callback(self, extension, to_number, command_ref=None, line_number=None):
        """Ring the employee's phone first, then dial ``to_number``."""
        payload = {"command_id": command_ref or self.new_command_ref(),
                   "from": {"extension": str(extension)}, "to_number": str(to_number)}
        if line_number:
            payload["line_number"] = line_number
        self.request("commands/callback", payload)
        return payload["command_id"]

    def group_callback(self, number, group_extension, line_number, command_ref=None):
        """``commands/callback_group`` from the customer's number to the group: Mango dials
        the one in ``from`` first (reference §3.2)."""
        payload = {"command_id": command_ref or self.new_command_ref("group"),
                   "from": str(number), "to": str(group_extension), "line_number": line_number}
        self.request("commands/callback_group", payload)
        return payload["command_id"]

    def route(self, leg_ref, to_number, command_ref=None, display_name=None):
        """Send a call waiting in the voice menu or queue to ``to_number``."""
        payload = {"command_id": command_ref or self.new_command_ref(), "call_id": leg_ref,
                   "to_number": str(to_number)}
        if display_name:
            payload["sip_headers"] = {"From/display-name": truncate_utf8(
                display_name, self.DISPLAY_NAME_BYTES)}
        self.request("commands/route", payload)
        return payload["command_id"]

    def transfer(self, leg_ref, to_number, initiator, command_ref=None):
        """A blind transfer of the connected leg (reference §3.4): ``initiator`` is the
        employee's extension on the leg; the employee leaves while the new leg rings."""
        payload = {"command_id": command_ref or self.new_command_ref(), "call_id": leg_ref,
                   "method": "blind", "to_number": str(to_number), "initiator": str(initiator)}
        self.request("commands/transfer", payload)
        return payload["command_id"]

    def hangup(self, leg_ref, command_ref=None):
        """End the leg (reference §3.5)."""
        payload = {"command_id": command_ref or self.new_command_ref(), "call_id": leg_ref}
        self.request("commands/call/hangup", payload)
        return payload["command_id"]


NOT_STORED_YET = 3320  # "recording not found": Mango is still storing it (reference §3.6)
STATS_FIELDS = ("entry_id", "records", "start", "finish", "answer", "from_extension",
                "from_number", "to_extension", "to_number", "disconnect_reason", "line_number",
                "location", "create")


def _unexpected(path):
    """An answer of Mango (HTTP 200) that is not what ``path`` answers: asking again
    would give the same."""
    return MangoError(_lt("Mango's answer to %(path)s is not in the expected format"),
                      path=path, http_status=200)


def _text(value):
    return "" if value is None else str(value)


def _epoch(moment):
    return int((moment - datetime(1970, 1, 1)).total_seconds())


def _to_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _is_text(response):
    """Whether a 200 answer of ``stats/result`` is Mango's CSV (an HTML error page, say, is
    not: a proxy or a maintenance page in front of Mango)."""
    kind = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    return kind not in ("text/html", "application/json") \
        and not response.text.lstrip().startswith("<")


def parse_stats(text):
    """Mango's statistics CSV (``;`` between fields, a call a line, no quoting) as dicts."""
    rows = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        values = line.split(";")
        row = dict(zip(STATS_FIELDS, values + [""] * (len(STATS_FIELDS) - len(values))))
        row["records"] = [rec.strip() for rec in row["records"].strip("[] ").split(",")
                          if rec.strip()]
        rows.append(row)
    return rows


def _statistics_call(row):
    """A statistics row as a call to journal: its summary in the shape of Mango's
    ``events/summary``, each recording in that of ``events/record/added``."""
    if row["from_extension"] and row["to_extension"]:
        direction = 0
    elif row["from_extension"]:
        direction = 2
    else:
        direction = 1
    answer = _to_int(row["answer"])
    entry = row["entry_id"]
    summary = {"entry_id": entry, "call_direction": direction,
               "from": {"extension": row["from_extension"], "number": row["from_number"]},
               "to": {"extension": row["to_extension"], "number": row["to_number"]},
               "line_number": row["line_number"], "create_time": _to_int(row["start"]),
               "talk_time": answer, "end_time": _to_int(row["finish"]),
               "entry_result": 1 if answer else 0,
               "disconnect_reason": _to_int(row["disconnect_reason"])}
    recordings = {rec: Notification("reconciliation/record", {
        "entry_id": entry, "recording_id": rec, "timestamp": _to_int(row["finish"])})
        for rec in row["records"]}
    return StatisticsCall(entry_ref=entry, start=_to_int(row["start"]),
                          summary=Notification("reconciliation/summary", summary),
                          recordings=recordings)


def flatten_visitor(data):
    """Mango's visitor object as flat text values, bounded, with only the known names."""
    flat = {}
    for key, value in data.items():
        if isinstance(value, dict) and key in ("location", "channel", "current_page"):
            for sub, sub_value in value.items():
                flat[f"{key}_{sub}"] = sub_value
        else:
            flat[key] = value
    return {name: str(flat[name]).replace("\x00", "")[:1000] for name in VISITOR_FIELDS
            if flat.get(name) not in (None, "", [], {})}


def truncate_utf8(text, limit):
    """Cut ``text`` to at most ``limit`` UTF-8 bytes without splitting a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")

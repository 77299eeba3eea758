"""The one class that talks HTTP to Mango Office.

Every request is a signed form POST (reference §1). Failures become a
:class:`MangoError` whose message says in words what went wrong. Nothing is
retried automatically: a 3xxx answer counts toward Mango's one-invalid-request-
per-two-minutes lockout, and commands are not idempotent (reference §5).
"""
import uuid

import requests

from . import codes
from .signing import form_body


def _lt(message):
    return message


class MangoError(Exception):
    """A failed exchange with Mango.

    ``reason`` is an English sentence with ``%(name)s`` placeholders filled from
    ``params``; the Odoo side translates ``reason`` before filling it in.
    ``code`` is Mango's result code when it gave one, ``http_status`` the HTTP
    status when there was an answer.
    """

    def __init__(self, reason, code=None, http_status=None, **params):
        self.reason = reason
        self.code = code
        self.http_status = http_status
        self.params = {"code": code, "status": http_status, **params}
        super().__init__(reason % self.params)

    @property
    def retryable(self):
        return self.code in codes.RETRYABLE or self.http_status in (429, 502, 503, 504) \
            or (self.code is None and self.http_status is None)

    @classmethod
    def from_code(cls, code, http_status=None):
        return cls(_lt("Mango answered with code %(code)s: %(meaning)s"), code=int(code),
                   http_status=http_status, meaning=codes.describe(code))


class MangoTimeout(MangoError):
    """Mango did not answer within the client's timeout (it may still act on it)."""


class MangoClient:
    """Signed requests to one PBX; ``timeout`` in seconds."""

    DEFAULT_URL = "https://app.mango-office.ru/vpbx/"
    DISPLAY_NAME_BYTES = 64

    def __init__(self, base_url, key, salt, timeout=10.0, session=None):
        if not key or not salt:
            raise MangoError(_lt("The PBX unique code and signing key are not set"))
        self.base_url = (base_url or self.DEFAULT_URL).rstrip("/") + "/"
        self.key = key
        self.salt = salt
        self.timeout = timeout
        self.session = session or requests.Session()

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
            raise MangoError.from_code(4290, http_status=429)
        if response.status_code == 401:
            raise MangoError(_lt("Mango locked API access for two minutes after an invalid "
                                 "request"), http_status=401)
        if code not in (None, "", 0, "0") and not codes.is_success(code):
            raise MangoError.from_code(code, http_status=response.status_code)
        if response.status_code != 200:
            raise MangoError(_lt("Mango answered with HTTP status %(status)s"),
                             http_status=response.status_code)
        if not isinstance(data, dict):
            raise MangoError(_lt("Mango's answer is not the JSON object expected"),
                             http_status=response.status_code)
        return data

    @staticmethod
    def _json(response):
        try:
            return response.json()
        except ValueError:
            return None

    @staticmethod
    def new_command_id(prefix="odoo"):
        return f"{prefix}-{uuid.uuid4().hex}"

    # -- queries -------------------------------------------------------------------

    def users(self, extension=None, ext_fields=("general.user_id",)):
        """The PBX's employees (``config/users/request``) as Mango gives them."""
        payload = {}
        if extension:
            payload["extension"] = str(extension)
        if ext_fields:
            payload["ext_fields"] = list(ext_fields)
        return self.request("config/users/request", payload).get("users", [])

    def groups(self):
        """The PBX's groups (``groups``): id, name, extension..."""
        return self.request("groups", {"show_users": 0}).get("groups", [])

    def incoming_lines(self):
        """The PBX's lines (``incominglines``): line_id, number, name..."""
        return self.request("incominglines", {}).get("lines", [])

    def stats_request(self, date_from, date_to):
        """``stats/request`` for calls from ``date_from`` to ``date_to`` (Unix seconds, at most a
        month, not in the future): the key to ask ``stats_result`` with."""
        payload = {"date_from": str(int(date_from)), "date_to": str(int(date_to)),
                   "fields": ",".join(STATS_FIELDS)}
        key = self.request("stats/request", payload).get("key")
        if not key or not isinstance(key, str):
            raise MangoError(_lt("Mango's answer to %(path)s has no %(field)s"),
                             path="stats/request", field="key")
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
                raise MangoError.from_code(code, http_status=response.status_code)
            raise MangoError(_lt("Mango answered with HTTP status %(status)s"),
                             http_status=response.status_code)
        if not _is_text(response):
            raise MangoError(_lt("Mango's statistics are not in the expected format"))
        return parse_stats(response.text)

    def forwarding_rules(self, page=1000):
        """Every forwarding rule by client number (``forwarding/numbers``, paged)."""
        rules, offset = [], 0
        while True:
            data = self.request("forwarding/numbers", {"limit": page, "offset": offset})
            batch = data.get("numbers") or []
            rules += batch
            offset += len(batch)
            if not batch or offset >= int(data.get("total") or 0):
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

    def dct_visitor(self, number):
        """``queries/user_info_by_dct_number``: the website visitor behind a dynamic call
        tracking number, flattened to the names Mango's documents use (``channel_source``,
        ``location_city``, ``current_page_url``...); {} when the number is bound to nobody.
        """
        data = self.request("queries/user_info_by_dct_number", {"number": str(number)})
        return flatten_visitor(data.get("data") or {})

    def recording(self, recording_ref, action="download"):
        """``queries/recording/post``: Mango redirects to a one-time link; follow it.

        Answers ``(content_type, body)``.
        """
        response = self.post("queries/recording/post",
                             {"recording_id": recording_ref, "action": action},
                             allow_redirects=True)
        if response.status_code != 200 or "json" in response.headers.get("Content-Type", ""):
            data = self._json(response) or {}
            code = data.get("result", data.get("code")) if isinstance(data, dict) else None
            if code and not codes.is_success(code):
                raise MangoError.from_code(code, http_status=response.status_code)
            raise MangoError(_lt("Mango answered with HTTP status %(status)s"),
                             http_status=response.status_code)
        return response.headers.get("Content-Type", "audio/mpeg"), response.content

    # -- commands (their outcome also arrives later as result/<command>) -----------

    def callback(self, extension, to_number, command_ref=None, line_number=None):
        """Ring the employee's phone first, then dial ``to_number``."""
        payload = {"command_id": command_ref or self.new_command_id(),
                   "from": {"extension": str(extension)}, "to_number": str(to_number)}
        if line_number:
            payload["line_number"] = line_number
        self.request("commands/callback", payload)
        return payload["command_id"]

    def callback_group(self, from_number, to_number, line_number, command_ref=None):
        """``commands/callback_group``: a customer's number and a group's extension; the
        one in ``from_number`` is dialled first (reference §3.2)."""
        payload = {"command_id": command_ref or self.new_command_id("group"),
                   "from": str(from_number), "to": str(to_number), "line_number": line_number}
        self.request("commands/callback_group", payload)
        return payload["command_id"]

    def route(self, call_id, to_number, command_ref=None, display_name=None):
        """Send a call waiting in the voice menu or queue to ``to_number``."""
        payload = {"command_id": command_ref or self.new_command_id(), "call_id": call_id,
                   "to_number": str(to_number)}
        if display_name:
            payload["sip_headers"] = {"From/display-name": truncate_utf8(
                display_name, self.DISPLAY_NAME_BYTES)}
        self.request("commands/route", payload)
        return payload["command_id"]

    def transfer(self, call_id, to_number, initiator, method="blind", command_ref=None):
        """Transfer the connected leg ``call_id`` to ``to_number`` on behalf of ``initiator``,
        the employee's extension on the leg (reference §3.4): blind, the employee leaves the
        call while the new leg rings; "hold" for a consultative transfer."""
        payload = {"command_id": command_ref or self.new_command_id(), "call_id": call_id,
                   "method": method, "to_number": str(to_number), "initiator": str(initiator)}
        self.request("commands/transfer", payload)
        return payload["command_id"]

    def hangup(self, call_id, command_ref=None):
        """End the leg ``call_id`` (reference §3.5)."""
        payload = {"command_id": command_ref or self.new_command_id(), "call_id": call_id}
        self.request("commands/call/hangup", payload)
        return payload["command_id"]


STATS_FIELDS = ("entry_id", "records", "start", "finish", "answer", "from_extension",
                "from_number", "to_extension", "to_number", "disconnect_reason", "line_number",
                "location", "create")


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


VISITOR_FIELDS = (
    "uid", "widget_id", "widget_name", "product_id", "ga_cid", "ya_cid", "rs_cid", "ip",
    "region_id", "duration", "device", "custom", "location_country_code",
    "location_region_code", "location_region", "location_city", "channel_source",
    "channel_medium", "channel_campaign", "channel_content", "channel_term",
    "current_page_url", "current_page_date", "current_page_title",
)


def flatten_visitor(data):
    """Mango's visitor object as flat text values, bounded, with only the known names."""
    if not isinstance(data, dict):
        return {}
    flat = {}
    for key, value in data.items():
        if isinstance(value, dict) and key in ("location", "channel", "current_page"):
            for sub, sub_value in value.items():
                name = f"{key}_{sub}"
                if key == "location" and sub == "city":
                    name = "location_city"
                flat[name] = sub_value
        else:
            flat[key] = value
    return {name: str(flat[name]).replace("\x00", "")[:1000] for name in VISITOR_FIELDS
            if flat.get(name) not in (None, "", [], {})}


def truncate_utf8(text, limit):
    """Cut ``text`` to at most ``limit`` UTF-8 bytes without splitting a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")

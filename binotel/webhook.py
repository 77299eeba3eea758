"""What Binotel's webhook needs besides parsing: who may post, and what to answer.

Binotel signs nothing it posts (reference §4.0): a request is Binotel's when it comes from
one of Binotel's servers (``SERVER_ADDRESSES``, with those the company adds). API CALL
COMPLETED is posted again until the answer is the text ``{"status":"success"}``; API CALL
SETTINGS is answered with what Odoo knows of the caller (``call_settings_reply``), fast.
"""
import ipaddress
import json
import re

from . import events, forms

# Binotel's servers (reference §4.0: the official list, then newer ones seen in use)
SERVER_ADDRESSES = (
    "194.88.218.114", "194.88.218.116", "194.88.218.117", "194.88.218.118",
    "194.88.218.119", "194.88.218.120",
    "194.88.219.67", "194.88.219.70", "194.88.219.71", "194.88.219.72", "194.88.219.78",
    "194.88.219.79", "194.88.219.80", "194.88.219.81", "194.88.219.82", "194.88.219.83",
    "194.88.219.84", "194.88.219.85", "194.88.219.86", "194.88.219.87", "194.88.219.88",
    "194.88.219.89", "194.88.219.92",
    "185.100.66.145", "185.100.66.146", "185.100.66.147",
    "45.91.130.36", "45.91.130.51", "45.91.130.82", "45.91.129.203",
)
SUCCESS = json.dumps({"status": "success"}, separators=(",", ":"))
NAME_LIMIT = 128  # characters of the caller's name shown on the employee's phone
# the journal's path of each kind of request, whichever address Binotel posted it to
PATHS = {**dict.fromkeys(events.PUSH, "push"), **dict.fromkeys(events.CALL_SETTINGS, "settings"),
         events.CALL_COMPLETED: "completed"}
RETRY_FIELDS = ("attemptsCounter",)  # what Binotel changes when it posts a request again


def from_binotel(remote_addr, extra=(), servers=SERVER_ADDRESSES):
    """Whether a request from ``remote_addr`` is Binotel's: from one of ``servers``
    (Binotel's published ones unless told; () when the company's list alone decides) or of
    ``extra`` (addresses or networks such as ``10.0.0.0/8``, one a string)."""
    try:
        address = ipaddress.ip_address((remote_addr or "").strip())
    except ValueError:
        return False
    for allowed in (*servers, *extra):
        try:
            if address in ipaddress.ip_network(str(allowed).strip(), strict=False):
                return True
        except ValueError:
            continue  # a mistyped entry of the settings allows nothing
    return False


def call_settings_reply(name="", description="", employee_email="", employee_number="",
                        link_url="", link_title="", employee_ref=""):
    """The answer to API CALL SETTINGS (reference §4.2): the caller's ``name`` shown on the
    employee's phone, the employee responsible for them (by email, internal number and
    Binotel's employeeID), a link to them in Odoo. Only what
    is given is sent; {} says nothing of the caller. The name is also sent at the top,
    where one integration read it (reference §9.2)."""
    customer = {"name": (name or "")[:NAME_LIMIT], "description": description,
                "assignedToEmployeeEmail": employee_email,
                "assignedToEmployeeNumber": employee_number,
                "assignedToEmployeeID": employee_ref,
                "linkToCrmUrl": link_url, "linkToCrmTitle": link_title}
    customer = {key: value for key, value in customer.items() if value}
    if not customer:
        return {}
    return {"customerData": customer, **({"name": customer["name"]} if name else {})}


def allowed_addresses(text):
    """The addresses of a list typed in the settings: separated by commas, semicolons,
    spaces or new lines."""
    return tuple(part for part in re.split(r"[\s,;]+", text or "") if part)


def company_ref(data):
    """The companyID a request names: at its top (push, call settings) or in its
    ``callDetails`` (call completed); '' when it names none."""
    details = data.get("callDetails")
    ref = data.get("companyID") or (details.get("companyID") if isinstance(details, dict)
                                    else "")
    return ref.strip() if isinstance(ref, str) else str(ref or "")


def to_journal(data, received_at):
    """``(path, json)`` of a request as the journal keeps it, whichever address it was
    posted to: the path of its kind (``push``, ``settings``, ``completed``), the text of its
    body without what differs between Binotel's retries of it (``attemptsCounter``), its
    keys sorted, so that a retry is the same row; a push or call settings request with
    the time it has not: ``received_at`` (Unix seconds) in milliseconds, so that two calls
    from one number asking the same call settings are two rows. A completed call is its
    ``callDetails`` alone (``completed_journal``), so that the reconciliation's row of it
    from the statistics is the same row too."""
    kind = data.get("requestType")
    path = PATHS.get(kind, "other") if isinstance(kind, str) else "other"
    if path == "completed" and isinstance(data.get("callDetails"), dict):
        return completed_journal(data["callDetails"])
    kept = {key: value for key, value in data.items() if key not in RETRY_FIELDS}
    if path in ("push", "settings"):
        kept[events.RECEIVED_AT] = str(int(received_at * 1000))
    return path, _text(kept)


def completed_journal(details):
    """``(path, json)`` of a completed call as the journal keeps it, whoever tells it (API
    CALL COMPLETED, or the REST statistics: "the same structure"): its ``callDetails``
    with every value as the form posts it (text; an empty object or list, or null, as
    '')."""
    return "completed", _text({"requestType": events.CALL_COMPLETED,
                               "callDetails": _as_posted(forms.as_lists(details))})


def _as_posted(value):
    """A value of JSON as a form body carries it: text, empty containers as ''."""
    if isinstance(value, dict):
        return {str(key): _as_posted(item) for key, item in value.items()} if value else ""
    if isinstance(value, (list, tuple)):
        return [_as_posted(item) for item in value] if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


def _text(data):
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

"""The project's own Binotel: a small HTTP server speaking the REST API 4.0 as documented.

It checks the key and secret in each JSON body (121), the parameters a method needs
(103, 104), answers the methods the addon calls with Binotel's quirks (employees and calls
as objects keyed by id, an empty list as ``[]``, 24 hours at most of statistics, links to
recordings that expire), fails or stalls on demand, and posts the requests Binotel posts
(form bodies with PHP bracket keys: ``encode``). ``incoming_call`` and ``outgoing_call``
are the requests of whole calls: push, then call completed (``completed_call``).
"""
import itertools
import json
import time
from urllib.parse import urlencode

import requests

from .base import FAKE_MP3, Emulator, json_answer

COMPANY = "62770"
LINE = "0441234567"  # the company's number, as Binotel writes Ukrainian numbers
STATS_WINDOW = 24 * 3600
COMMANDS = ("calls/internal-number-to-external-number", "calls/attended-call-transfer",
            "calls/hangup-call")
NEEDS = {  # what each method needs (103 without it)
    "stats/list-of-calls-for-period": ("startTime", "stopTime"),
    "stats/call-details": ("generalCallID",),
    "calls/internal-number-to-external-number": ("internalNumber", "externalNumber"),
    "calls/attended-call-transfer": ("generalCallID", "externalNumber"),
    "calls/hangup-call": ("generalCallID",),
}
MESSAGES = {102: "No such method", 103: "Not enough data", 104: "Wrong data",
            105: "Something went wrong", 106: "Requests are too frequent",
            121: "Your key or secret is wrong", 150: "Can't call to the ext"}


def binotel_employee(name, extension, email="", employee_id=None, keyed_endpoint=False):
    """An employee as ``settings/list-of-employees`` lists one; ``keyed_endpoint``: the
    phone under its id, as one client saw it."""
    endpoint = {"id": f"e{extension}", "login": f"sip{extension}", "internalNumber": str(extension),
                "status": "online"}
    return {"employeeID": str(employee_id or extension), "email": email, "name": name,
            "mobileNumber": "", "presenceState": "active", "department": "Sales",
            "endpointData": {endpoint["id"]: endpoint} if keyed_endpoint else endpoint}


def _extension(employee):
    endpoint = employee["endpointData"]
    return endpoint.get("internalNumber") or next(iter(endpoint.values()))["internalNumber"]


class BinotelEmulator(Emulator):
    PREFIX = "/api/4.0/"

    def __init__(self, key, secret, host="127.0.0.1", port=0):
        super().__init__(host, port)
        self.key, self.secret = key, secret
        self.employees = [binotel_employee("Олена Коваль", "901", "olena@example.com", 5001),
                          binotel_employee("Тарас Шевчук", "902", "taras@example.com", 5002),
                          binotel_employee("Ірина Бойко", "903", "iryna@example.com", 5003,
                                           keyed_endpoint=True)]
        self.calls = {}  # generalCallID -> callDetails of the statistics
        self.recordings = {}  # generalCallID -> the file
        self.uploading = set()  # generalCallIDs whose file Binotel has no link to yet
        self.link_seconds = 15 * 60  # how long a link to a recording works
        self.error_http_status = 200  # the status of an error answer (not documented)
        self.notify_cookies = None
        self._ids = itertools.count(int(time.time()) % 10 ** 6 * 1000)

    # -- what tests set and read ---------------------------------------------------------

    def add_employee(self, name, extension, email="", employee_id=None):
        self.employees.append(binotel_employee(name, extension, email, employee_id))

    def add_recording(self, general_call_ref, data=FAKE_MP3):
        self.recordings[general_call_ref] = data

    def reset(self):
        self.calls.clear()
        self.recordings.clear()
        self.uploading.clear()
        self.error_http_status, self.notify_cookies = 200, None
        self.reset_faults()
        self.clear()

    # -- requests to Odoo ----------------------------------------------------------------

    def notify(self, webhook_base, path, data):
        """Post one request as Binotel does: a form with bracket keys."""
        with self._lock:
            self.notified.append((path, data))
        return requests.post(webhook_base.rstrip("/") + "/" + path, data=encode(data),
                             headers={"Content-Type": "application/x-www-form-urlencoded"},
                             timeout=30, cookies=self.notify_cookies)

    def keep_in_stats(self, notifications):
        """Binotel's statistics have the call of these requests once it completed."""
        for _path, data in notifications:
            if data.get("requestType") == "apiCallCompleted":
                details = data["callDetails"]
                self.calls[details["generalCallID"]] = details
                if details.get("recordingStatus") == "uploaded":
                    self.recordings.setdefault(details["generalCallID"], FAKE_MP3)

    # -- answering the API ---------------------------------------------------------------

    def error(self, code, http_status=None):
        return json_answer(http_status or self.error_http_status, {
            "status": "error", "code": code, "message": MESSAGES.get(code, "Error")})

    def receive(self, path, body):
        if not path.endswith(".json"):
            return 404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>"
        method = path[:-len(".json")]
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return self.error(104)
        if not isinstance(payload, dict):
            return self.error(104)
        if payload.get("key") != self.key or payload.get("secret") != self.secret:
            return self.error(121)
        params = {name: value for name, value in payload.items() if name not in ("key", "secret")}
        self.record(method, params)
        fault = self.take_fault(method)
        if fault:
            return self.canned(fault) or self.error(fault["code"], fault["http_status"])
        if any(params.get(name) in (None, "", []) for name in NEEDS.get(method, ())):
            return self.error(103)
        answer = getattr(self, "_" + method.replace("/", "_").replace("-", "_"), None)
        return answer(params) if answer else self.error(102)

    @staticmethod
    def _success(**data):
        return json_answer(200, {"status": "success", **data})

    def _settings_list_of_employees(self, params):
        return self._success(listOfEmployees={e["employeeID"]: e for e in self.employees})

    def _stats_list_of_calls_for_period(self, params):
        start, stop = int(params["startTime"]), int(params["stopTime"])
        if not 0 <= stop - start <= STATS_WINDOW:
            return self.error(104)
        calls = {ref: call for ref, call in self.calls.items()
                 if start <= int(call["startTime"]) <= stop}
        return self._success(callDetails=calls or [])  # PHP writes an empty array as []

    def _stats_call_details(self, params):
        wanted = [str(ref) for ref in params["generalCallID"]]
        return self._success(callDetails={ref: self.calls[ref] for ref in wanted
                                          if ref in self.calls} or [])

    def _stats_call_record(self, params):
        ref = str(params.get("generalCallID") or params.get("callID") or "")
        if ref in self.uploading:
            return self._success(url="")
        if ref not in self.recordings:
            return self.error(104)
        return self._success(url=self.serve_file(self.recordings[ref], self.link_seconds))

    def _calls_internal_number_to_external_number(self, params):
        if str(params["internalNumber"]) not in map(_extension, self.employees):
            return self.error(150)
        return self._success(generalCallID=str(next(self._ids)))

    def _calls_attended_call_transfer(self, params):
        return self._success(generalCallID=str(params["generalCallID"]))

    def _calls_hangup_call(self, params):
        return self._success(generalCallID=str(params["generalCallID"]))


# -- the requests Binotel posts (reference §4) ----------------------------------------------

def encode(data):
    """A request as the form Binotel posts: ``callDetails[historyData][0][waitsec]=13``; an
    empty object or list is an empty value (``customerData=``)."""
    pairs = []

    def walk(key, value):
        if isinstance(value, (dict, list, tuple)):
            items = value.items() if isinstance(value, dict) else enumerate(value)
            items = list(items)
            if not items:
                pairs.append((key, ""))
            for name, item in items:
                walk(f"{key}[{name}]" if key else str(name), item)
        else:
            pairs.append((key, "" if value is None else str(value)))

    walk("", data)
    return urlencode(pairs)


def legacy_names(data):
    """A push or call settings request with API 2.0's names (``didNumber``, ``srcNumber``
    or ``dstNumber``, ``extNumber``)."""
    outgoing = str(data.get("callType")) == "1"
    names = {"pbxNumber": "didNumber", "internalNumber": "extNumber",
             "externalNumber": "dstNumber" if outgoing else "srcNumber"}
    return {names.get(key, key): value for key, value in data.items()}


def push(kind, general_call_ref, **fields):
    """An API PUSH request: ``receivedTheCall``, ``answeredTheCall``, ``transferredTheCall``
    or ``hangupTheCall``."""
    return ("push", {"requestType": kind, "generalCallID": general_call_ref,
                     "companyID": COMPANY, **fields})


def call_settings(caller, line=LINE, call_type=0, **fields):
    """An API CALL SETTINGS request: who is calling ``line``?"""
    return ("settings", {"requestType": "apiCallSettings", "externalNumber": caller,
                         "pbxNumber": line, "companyID": COMPANY, "callType": str(call_type),
                         **fields})


def completed_call(general_call_ref, call_type, external, start, attempts, line=LINE,
                   recorded=True, tracking=None, attempts_counter=1):
    """An API CALL COMPLETED request; ``attempts`` are ``(extension, waitsec, billsec,
    disposition)`` of the phones that rang, one after the other."""
    history = [{"waitsec": str(wait), "billsec": str(bill), "disposition": disposition,
                "internalNumber": extension, "internalAdditionalData": "",
                "employeeData": {"name": f"Employee {extension}",
                                 "email": f"{extension}@example.com"}}
               for extension, wait, bill, disposition in attempts]
    took = next((item for item in history if item["disposition"] in ("ANSWER", "TRANSFER")),
                history[-1])
    answered = took["disposition"] in ("ANSWER", "TRANSFER")
    waitsec = sum(int(item["waitsec"]) + int(item["billsec"]) for item in history
                  if item is not took) + int(took["waitsec"])
    details = {
        "companyID": COMPANY, "generalCallID": general_call_ref, "callID": general_call_ref,
        "startTime": str(start), "callType": str(call_type),
        "internalNumber": took["internalNumber"], "internalAdditionalData": "",
        "externalNumber": external, "waitsec": str(waitsec),
        "billsec": took["billsec"] if answered else "0", "disposition": took["disposition"],
        "recordingStatus": "uploaded" if recorded and answered else "",
        "isNewCall": "0", "whoHungUp": "", "customerData": "",
        "employeeData": took["employeeData"], "pbxNumberData": {"number": line, "name": ""},
        "historyData": history,
        "linkToCallRecordOverlayInMyBusiness": "https://my.binotel.ua/?module=history&subject="
                                               f"{external}&sacte=ovl-link-pb-{general_call_ref}",
    }
    if tracking:
        details["callTrackingData"] = tracking
    return ("completed", {"requestType": "apiCallCompleted",
                          "attemptsCounter": str(attempts_counter), "language": "uk",
                          "callDetails": details})


def incoming_call(general_call_ref, caller, line=LINE, extension="901", answered=True,
                  start=None, talk_seconds=42, recorded=True, attempts=None, tracking=None):
    """A customer calls the line; the employee's phone rings (each of ``attempts`` in turn,
    when given). Push requests, then call completed."""
    t0 = int(start or time.time())
    attempts = attempts or [(extension, 8, talk_seconds, "ANSWER") if answered
                            else (extension, 20, 0, "NOANSWER")]
    took = next((a for a in attempts if a[3] in ("ANSWER", "TRANSFER")), attempts[-1])
    base = {"callType": "0", "pbxNumber": line, "externalNumber": caller}
    notifications = [push("receivedTheCall", general_call_ref, **base,
                          internalNumber=attempt[0]) for attempt in attempts]
    if took[3] in ("ANSWER", "TRANSFER"):
        notifications.append(push("answeredTheCall", general_call_ref, **base,
                                  internalNumber=took[0]))
    notifications += [
        push("hangupTheCall", general_call_ref, billsec=str(took[2]), disposition=took[3]),
        completed_call(general_call_ref, 0, caller, t0, attempts, line, recorded, tracking)]
    return notifications


def outgoing_call(general_call_ref, extension, number, answered=True, start=None,
                  talk_seconds=30, line=LINE):
    """An employee calls a customer from their phone."""
    t0 = int(start or time.time())
    attempt = (extension, 6, talk_seconds, "ANSWER") if answered else (extension, 14, 0, "NOANSWER")
    notifications = [push("receivedTheCall", general_call_ref, callType="1",
                          internalNumber=extension, externalNumber=number, pbxNumber=line)]
    if answered:
        notifications.append(push("answeredTheCall", general_call_ref))
    notifications += [
        push("hangupTheCall", general_call_ref, billsec=str(attempt[2]), disposition=attempt[3]),
        completed_call(general_call_ref, 1, number, t0, [attempt], line)]
    return notifications

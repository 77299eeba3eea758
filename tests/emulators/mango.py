"""The project's own Mango Office: a small HTTP server speaking the VPBX API as documented.

Tests and the demo talk to it over 127.0.0.1 instead of Mango. It checks signatures like
Mango (result codes 3102, 3103, 3105, 3400), records every command, answers the queries
the addon makes, fails or stalls on demand, and plays calls into Odoo by posting signed
notifications. ``incoming_call`` and ``outgoing_call`` are the notifications of whole
calls, built from ``leg_event``, ``summary_event`` and ``recording_events``. The demo's
calls are in ``mango_demo``; ``scripts/demo_pbx.py`` runs them for the demo.
"""
import json
import secrets
import threading
import time
from urllib.parse import parse_qs

import requests

try:  # in the addon's tests
    from ...mango.signing import form_body, signature_ok
except ImportError:  # run outside Odoo (scripts/, bench/), the addon's root on sys.path
    from mango.signing import form_body, signature_ok
from .base import FAKE_MP3, Emulator, silent_mp3  # noqa: F401 - silent_mp3: for importers
from .base import json_answer as _json
RATE_LIMIT_BODY = {"name": "Service Unavailable", "message": "Rate limit exceeded.", "code": 0,
                   "status": 429}
COMMANDS = ("commands/callback", "commands/callback_group", "commands/route",
            "commands/call/hangup", "commands/transfer", "commands/sms", "commands/recording/start")
HUNG_UP = 1181  # "Call ended by a command of the external system"
TRANSFERRED = 1120  # the employee's side of a blind transfer ends as the callee's hang-up


def mango_user(name, extension, email="", user_id=None):
    """An employee as ``config/users/request`` describes one."""
    return {"general": {"name": name, "email": email, "department": "", "position": "",
                        "user_id": user_id},
            "telephony": {"extension": str(extension), "outgoingline": "74951234567",
                          "numbers": [{"number": f"sip:{extension}@demo.mangosip.ru",
                                       "protocol": "sip", "order": 1, "wait_sec": 20,
                                       "status": "on"}]}}


class MangoEmulator(Emulator):
    PREFIX = "/vpbx/"

    def __init__(self, key, salt, host="127.0.0.1", port=0):
        super().__init__(host, port)
        self.key, self.salt = key, salt
        self.users = [mango_user("Анна Смирнова", "101", "anna@example.com", 400001),
                      mango_user("Борис Иванов", "102", "boris@example.com", 400002),
                      mango_user("Вера Кузнецова", "103", "vera@example.com", 400003)]
        self.recordings = {}
        self.visitors = {}  # dynamic call tracking number -> queries/user_info_by_dct_number data
        self.stats = []  # rows of stats/result, dicts of client.STATS_FIELDS
        self.forwarding = {}  # forward_id -> rule as forwarding/numbers lists it
        self.stats_not_ready = 1  # stats/result answers 204 this many times per key
        self._stats_keys = {}
        self.groups = [{"id": 10048964, "name": "Отдел продаж", "extension": "500",
                        "description": "", "dial_alg_group": 1}]
        self.lines = [{"line_id": 1, "number": "74951234567", "name": "Москва", "comment": ""},
                      {"line_id": 2, "number": "78001234567", "name": "8-800", "comment": ""}]
        self.notify_url = None
        self.notify_cookies = None  # sent with every notification (a test server's key)
        self.hold_follow_ups = False  # post what follows commands only on settle()
        self.legs = {}  # call_id -> the newest events/call of each leg Mango knows of
        self.follow_pause = 0.2  # seconds between the notifications that follow a command
        self.transfer_ring_seconds = 0.2  # how long a transferred call rings before an answer
        self._answering = threading.local()  # what follows the answer of this thread's request
        self._following = 0  # commands answered whose notifications are not all posted yet
        self._followed = threading.Condition()
        self._held = []

    # -- what tests set and read ---------------------------------------------------------

    def add_user(self, name, extension, email="", user_id=None):
        self.users.append(mango_user(name, extension, email, user_id))

    def add_recording(self, recording_ref, data=FAKE_MP3):
        self.recordings[recording_ref] = data

    def notified_for(self, entry_ref):
        """What the emulator posted to Odoo of one call, in order, delivered or not."""
        with self._lock:
            return [(path, payload) for path, payload in self.notified
                    if payload.get("entry_id") == entry_ref]

    def reset(self):
        self.settle()
        self.legs.clear()
        self.notify_url, self.notify_cookies, self.hold_follow_ups = None, None, False
        self.visitors.clear()
        self.stats.clear()
        self.forwarding.clear()
        self.reset_faults()
        self.clear()

    # -- notifications to Odoo -----------------------------------------------------------

    def know(self, notifications):
        """Remember the legs of these notifications, as Mango knows the calls it posts about
        (tests that post notifications themselves tell the emulator here)."""
        with self._lock:
            for path, payload in notifications:
                if path == "events/call":
                    known = self.legs.get(payload["call_id"])
                    if not known or int(known["seq"]) <= int(payload["seq"]):
                        self.legs[payload["call_id"]] = payload

    def settle(self, timeout=30):
        """Wait until what follows the commands received so far has been posted (posting
        here what was held, also what is held while waiting: a command's answer reaches
        the test before the emulator's thread has held what follows it)."""
        end = time.monotonic() + timeout
        while True:
            with self._followed:
                if not self._following or time.monotonic() >= end:
                    return
                held = self._held.pop(0) if self._held else None
                if held is None:
                    self._followed.wait(end - time.monotonic())
                    continue
            self._post_follow_ups(self.notify_url, held)

    def notify(self, webhook_base, path, payload):
        with self._lock:
            self.notified.append((path, payload))
        self.know([(path, payload)])
        url = webhook_base.rstrip("/") + "/" + path
        return requests.post(url, data=form_body(self.key, self.salt, payload), timeout=30,
                             cookies=self.notify_cookies)

    def keep_in_stats(self, notifications):
        """Mango's statistics have the call of these notifications once it ended."""
        if any(path == "events/summary" for path, _payload in notifications):
            self.stats.append(stats_row(notifications))

    # -- answering the API -----------------------------------------------------------------

    def receive(self, path, body):
        form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        return self.answer(path, form)

    def answer(self, path, form):
        """(status, headers, body) for a POST to ``/vpbx/<path>``; a delay comes after the
        request is recorded, as Mango takes a request in, then takes its time."""
        if not all(form.get(name) is not None for name in ("vpbx_api_key", "sign", "json")):
            return _json(420, {"code": 3103})
        if form["vpbx_api_key"] != self.key:
            return _json(420, {"code": 3105})
        if not signature_ok(self.key, form["json"], self.salt, form["sign"]):
            return _json(420, {"code": 3102})
        try:
            payload = json.loads(form["json"])
        except ValueError:
            return _json(420, {"code": 3400})
        self.record(path, payload, json=form["json"])
        fault = self.take_fault(path)
        if fault:
            if fault["http_status"] == 429 and not fault["body"]:
                return _json(429, RATE_LIMIT_BODY)
            return self.canned(fault) or _json(fault["http_status"] or 420, {"code": fault["code"]})
        if path == "config/users/request":
            return _json(200, {"result": 1000, "users": self._users(payload)})
        if path == "stats/request":
            key = secrets.token_hex(8)
            self._stats_keys[key] = [self.stats_not_ready, payload]
            return _json(200, {"key": key})
        if path == "stats/result":
            return self._stats_result(payload.get("key"))
        if path.startswith("forwarding/"):
            return self._forwarding(path, payload)
        if path == "groups":
            return _json(200, {"result": 1000, "groups": self.groups})
        if path == "incominglines":
            return _json(200, {"result": 1000, "lines": self.lines})
        if path == "account/balance":
            return _json(200, {"result": 1000, "balance": 1000.0, "currency": "RUB"})
        if path == "queries/recording/post":
            return self._recording(payload)
        if path == "queries/user_info_by_dct_number":
            return _json(200, {"result": 1000, "data": self.visitors.get(payload.get("number"),
                                                                         {})})
        if path in COMMANDS:
            self._follow(path, payload)
            return _json(200, {"result": 1000, "command_id": payload.get("command_id", "")})
        return 404, {"Content-Type": "text/plain"}, b"not found"

    def _users(self, payload):
        wanted = payload.get("extension")
        with_id = "general.user_id" in (payload.get("ext_fields") or [])
        users = []
        for user in self.users:
            if wanted and user["telephony"]["extension"] != str(wanted):
                continue
            general = dict(user["general"])
            if not with_id:
                general.pop("user_id", None)
            users.append({**user, "general": general})
        return users

    def _recording(self, payload):
        recording_ref = payload.get("recording_id")
        if recording_ref not in self.recordings:
            return _json(420, {"code": 3320})
        # Mango's links work once
        return 302, {"Location": self.serve_file(self.recordings[recording_ref], once=True)}, b""

    def _forwarding(self, path, payload):
        """Forwarding rules by client number (reference §3.12)."""
        with self._lock:
            if path == "forwarding/numbers":
                rules = sorted(self.forwarding.values(), key=lambda rule: rule["forward_id"])
                offset, limit = int(payload.get("offset", 0)), int(payload.get("limit", 1000))
                return _json(200, {"result": 1000, "numbers": rules[offset:offset + limit],
                                   "total": len(rules)})
            if path == "forwarding/number/add":
                number = payload["client_phone_number"]
                if any(rule["client_phone_number"] == number for rule in self.forwarding.values()):
                    return _json(420, {"code": 3100})
                forward_id = max(self.forwarding, default=0) + 1
                self.forwarding[forward_id] = {**payload, "forward_id": forward_id}
                return _json(200, {"result": 1000})
            rule = self.forwarding.get(payload.get("forward_id"))
            if rule is None:
                return _json(420, {"code": 3300})
            if path == "forwarding/number/change":
                rule.update({key: value for key, value in payload.items() if key != "forward_id"})
            elif path == "forwarding/number/remove":
                del self.forwarding[rule["forward_id"]]
            return _json(200, {"result": 1000})

    def _stats_result(self, key):
        if key not in self._stats_keys:
            return _json(404, {"result": 3300})
        pending, request = self._stats_keys[key]
        if pending > 0:
            self._stats_keys[key][0] -= 1
            return 204, {}, b""
        start, end = int(request["date_from"]), int(request["date_to"])
        fields = request["fields"].split(",")
        lines = []
        for row in self.stats:
            if start <= int(row["start"]) <= end:
                values = dict(row, records="[" + ",".join(row.get("records", [])) + "]")
                lines.append(";".join(str(values.get(name, "")) for name in fields))
        return 200, {"Content-Type": "text/csv"}, "\n".join(lines).encode()

    # -- what Mango posts after a command: its result, then the legs it made or ended ------

    def _follow(self, path, payload):
        """Queue what follows this command, as ``(path, payload, seconds before)``; it is
        posted once the command is answered (``answered``)."""
        if not self.notify_url or not payload.get("command_id"):
            return
        result = {"command_id": payload["command_id"], "result": 1000}
        notifications = [("result/" + path.removeprefix("commands/"), result)]
        leg = self.legs.get(payload.get("call_id"))
        follow = {"commands/route": self._routed, "commands/transfer": self._transferred,
                  "commands/call/hangup": self._hung_up}.get(path)
        if leg and follow:
            notifications += follow(leg, payload)
            self.know(notifications)
        self._answering.notifications = [
            (path, payload, self.transfer_ring_seconds if payload.get("call_state") == "Connected"
             else self.follow_pause) for path, payload in notifications]
        with self._followed:
            self._following += 1

    def answered(self):
        """This thread's request is answered: post what follows it, from a thread of its own
        (the command came from inside a request of the Odoo it posts to)."""
        notifications = getattr(self._answering, "notifications", None)
        self._answering.notifications = None
        if notifications and self.hold_follow_ups:
            with self._followed:
                self._held.append(notifications)
                self._followed.notify_all()
        elif notifications:
            threading.Thread(target=self._post_follow_ups, args=(self.notify_url, notifications),
                             daemon=True).start()

    def _post_follow_ups(self, webhook_base, notifications):
        try:
            for path, payload, wait in notifications:
                time.sleep(wait)
                self.notify(webhook_base, path, payload)
        except requests.RequestException:
            pass  # Odoo went away: Mango does not post twice
        finally:
            with self._followed:
                self._following -= 1
                self._followed.notify_all()

    @staticmethod
    def _at(number, line):
        """The ``to`` of a leg ringing at ``number``: an extension's phone, or a number."""
        number = str(number)
        if number.isdigit() and len(number) <= 5:
            return {"extension": number, "number": f"sip:{number}@demo.mangosip.ru",
                    "line_number": line}
        return {"number": number, "line_number": line}

    @staticmethod
    def _after(leg):
        """When what follows a leg's last event happens: now, and never before that event."""
        return max(int(time.time()), int(leg["timestamp"]) + 1)

    def _routed(self, leg, command):
        """commands/route: the caller leaves the voice menu for the phone of ``to_number``."""
        entry, when = leg["entry_id"], self._after(leg)
        src, dst = leg.get("from") or {}, leg.get("to") or {}
        caller = {"number": src["number"]} if src.get("number") else {}
        return [
            leg_event(entry, leg["call_id"], int(leg["seq"]) + 1, "Disconnected", when,
                      leg.get("location", "ivr"), src, dst, disconnect_reason=1100),
            leg_event(entry, f"{entry}:{command['to_number']}", 1, "Appeared", when, "abonent",
                      {**caller, "taken_from_call_id": leg["call_id"]},
                      self._at(command["to_number"], dst.get("line_number")),
                      command_ref=command["command_id"]),
        ]

    def _transferred(self, leg, command):
        """commands/transfer, blind (mango-api-more §1.1): the employee's leg is held, a new
        leg rings at the target, the employee's leg ends, the customer moves to the new leg,
        and the colleague answers (``transfer_ring_seconds`` later)."""
        entry, when, seq = leg["entry_id"], self._after(leg), int(leg["seq"])
        src, dst = leg.get("from") or {}, leg.get("to") or {}
        initiator = str(command.get("initiator") or "")
        employee, customer = (dst, src) if dst.get("extension") == initiator else (src, dst)
        customer = {"number": customer["number"]} if customer.get("number") else {}
        new = f"{entry}:{command['to_number']}"
        target = self._at(command["to_number"], dst.get("line_number") or src.get("line_number"))
        how = {"transfer": command.get("method") or "blind"}
        return [
            leg_event(entry, leg["call_id"], seq + 1, "OnHold", when, "abonent", src, dst, **how),
            leg_event(entry, new, 1, "Appeared", when, "abonent",
                      {"extension": initiator, "number": employee.get("number", "")}, target,
                      command_ref=command["command_id"], **how),
            leg_event(entry, leg["call_id"], seq + 2, "Disconnected", when, "abonent", src, dst,
                      disconnect_reason=TRANSFERRED, **how),
            leg_event(entry, new, 2, "Appeared", when, "abonent",
                      {**customer, "taken_from_call_id": leg["call_id"]}, target, **how),
            leg_event(entry, new, 3, "Connected", when + 1, "abonent", customer, target, **how),
        ]

    def _hung_up(self, leg, command):
        """commands/call/hangup: the leg ends."""
        return [leg_event(leg["entry_id"], leg["call_id"], int(leg["seq"]) + 1, "Disconnected",
                          self._after(leg), leg.get("location", "abonent"), leg.get("from") or {},
                          leg.get("to") or {}, disconnect_reason=HUNG_UP)]


# -- call scenarios: the notifications Mango posts for one call (reference §2.3-2.6) -------

def leg_event(entry_ref, call_id, seq, state, timestamp, location, src, dst, **extra):
    """``events/call``: the ``seq``-th state of one leg of a call (Appeared, Connected,
    OnHold, Disconnected), with its ends ``src`` and ``dst``."""
    return ("events/call", {"entry_id": entry_ref, "call_id": call_id, "timestamp": timestamp,
                            "seq": seq, "call_state": state, "location": location,
                            "from": src, "to": dst, **extra})


def summary_event(entry_ref, direction, src, dst, line, times, answered, reason):
    """``events/summary`` once a call ended; ``times`` are its (create, forward, talk, end)
    Unix seconds, ``direction`` 1 incoming, 2 outgoing."""
    create, forward, talk, end = times
    return ("events/summary", {
        "entry_id": entry_ref, "call_direction": direction, "from": src, "to": dst,
        "line_number": line, "create_time": create, "forward_time": forward,
        "talk_time": talk if answered else 0, "end_time": end,
        "entry_result": 1 if answered else 0, "disconnect_reason": reason})


def recording_events(entry_ref, call_id, recording_ref, extension, start, end):
    """What Mango posts of a conversation recorded on a leg: started, completed, added."""
    base = {"recording_id": recording_ref, "entry_id": entry_ref, "call_id": call_id,
            "extension": extension}
    return [("events/recording", {**base, "recording_state": "Started", "seq": 1,
                                  "timestamp": start}),
            ("events/recording", {**base, "recording_state": "Completed", "seq": 2,
                                  "timestamp": end, "completion_code": 1000,
                                  "recipient": "Cloud"}),
            ("events/record/added", {"entry_id": entry_ref, "recording_id": recording_ref,
                                     "product_id": 300022532, "user_id": 400001,
                                     "timestamp": end + 5})]


def stats_row(notifications):
    """The statistics row Mango keeps of a call (``incoming_call``/``outgoing_call``)."""
    summary = next(payload for path, payload in notifications if path == "events/summary")
    src, dst = summary.get("from") or {}, summary.get("to") or {}
    return {"entry_id": summary["entry_id"], "start": summary["create_time"],
            "records": [payload["recording_id"] for path, payload in notifications
                        if path == "events/record/added"],
            "finish": summary["end_time"], "answer": summary["talk_time"],
            "from_extension": src.get("extension", ""), "from_number": src.get("number", ""),
            "to_extension": dst.get("extension", ""), "to_number": dst.get("number", ""),
            "disconnect_reason": summary["disconnect_reason"],
            "line_number": summary.get("line_number", ""), "location": "abonent",
            "create": summary["create_time"]}


def incoming_call(entry_ref, caller, line="74951234567", extension="101", answered=True,
                  start=None, talk_seconds=42, recording_ref=None):
    """A customer calls the line, hears the voice menu, then the employee's phone rings."""
    t0 = int(start or time.time())
    ivr, leg = f"{entry_ref}:ivr", f"{entry_ref}:{extension}"
    src = {"number": caller} if caller else {}
    device = f"sip:{extension}@demo.mangosip.ru"
    at_employee = {"extension": extension, "number": device, "line_number": line}
    notifications = [
        leg_event(entry_ref, ivr, 1, "Appeared", t0, "ivr", src,
                  {"number": line, "line_number": line}),
        leg_event(entry_ref, ivr, 2, "Disconnected", t0 + 3, "ivr", src,
                  {"number": line, "line_number": line}, disconnect_reason=1100),
        leg_event(entry_ref, leg, 1, "Appeared", t0 + 3, "abonent",
                  {**src, "taken_from_call_id": ivr}, at_employee),
    ]
    talk, end = t0 + 8, t0 + 8 + talk_seconds
    if answered:
        notifications += [
            leg_event(entry_ref, leg, 2, "Connected", talk, "abonent", src, at_employee),
            leg_event(entry_ref, leg, 3, "Disconnected", end, "abonent", src, at_employee,
                      disconnect_reason=1110)]
    else:
        end = t0 + 23
        notifications.append(leg_event(entry_ref, leg, 2, "Disconnected", end, "abonent", src,
                                       at_employee, disconnect_reason=1111))
    employee = {"extension": extension, "number": device}
    notifications.append(summary_event(entry_ref, 1, src, employee, line, (t0, t0 + 3, talk, end),
                                       answered, 1110 if answered else 1111))
    if recording_ref and answered:
        notifications += recording_events(entry_ref, leg, recording_ref, extension, talk, end)
    return notifications


def outgoing_call(entry_ref, extension, number, answered=True, start=None, talk_seconds=30,
                  line="74951234567"):
    """An employee calls a customer from their phone."""
    t0 = int(start or time.time())
    leg = f"{entry_ref}:out"
    src = {"extension": extension, "number": f"sip:{extension}@demo.mangosip.ru"}
    dst = {"number": number, "line_number": line}
    talk, end = t0 + 6, t0 + 6 + (talk_seconds if answered else 14)
    notifications = [leg_event(entry_ref, leg, 1, "Appeared", t0, "abonent", src, dst)]
    if answered:
        notifications.append(leg_event(entry_ref, leg, 2, "Connected", talk, "abonent", src, dst))
    notifications += [
        leg_event(entry_ref, leg, len(notifications) + 1, "Disconnected", end, "abonent", src, dst,
                  disconnect_reason=1120 if answered else 1111),
        summary_event(entry_ref, 2, src, {"number": number}, line, (t0, t0, talk, end), answered,
                      1120 if answered else 1111)]
    return notifications

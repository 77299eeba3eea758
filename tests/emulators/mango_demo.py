"""The Mango demo's calls: the Russian demo company's PBX (data/mango_office_demo.xml), its
calls played as Mango posts them (``demo`` paces them).
"""
import time

import requests

from .demo import TALK, DemoBook, DemoCall
from .mango import MangoEmulator, leg_event, recording_events, summary_event

GREETING = 3  # seconds in the voice menu, while Odoo routes a known caller
# The demo's employees (data/mango_office_demo.xml): the reps of MangoEmulator's users and
# the head of sales, the administrator, on 901 as in tests/live_workers.py.
DEMO_HEAD = ("Дмитрий Орлов", "901", "orlov@example.com", 400009)
DEMO_EXTENSIONS = ("101", "102", "103", "901")
# Known customers, as Mango sends their numbers, and their salesperson's extension.
DEMO_CUSTOMERS = {"79161234567": "101", "380671234567": "102", "78123091234": "103",
                  "79261112233": "102", "79032105544": "101", "74957778899": "901"}
DEMO_STRANGERS = ("79035556677", "74955404444", "79857003311")  # callers nobody knows yet
DEMO_LINES = ("74951234567", "78001234567")  # MangoEmulator.lines: Москва, 8-800
DEMO_TRACKING = "74950001122"  # the website's dynamic call tracking number
DEMO_VISITOR = {"uid": "5f2a", "widget_id": 3, "widget_name": "Сайт", "device": "desktop",
                "location": {"country_code": "RU", "region": "Москва", "city": "Москва"},
                "channel": {"source": "yandex", "medium": "cpc", "campaign": "kabel-2026",
                            "term": "кабель оптом"},
                "current_page": {"url": "https://tehnosnab.example/price",
                                 "title": "Прайс-лист"}}
# Who calls the demo company, on which lines (``demo.demo_plans``)
MANGO_BOOK = DemoBook(DEMO_CUSTOMERS, DEMO_STRANGERS, DEMO_LINES, DEMO_TRACKING,
                      DEMO_EXTENSIONS, "79{:09d}".format)


def demo_emulator(key, salt, port=0):
    """The demo company's PBX: its employees, lines and the website's call tracking."""
    emulator = MangoEmulator(key, salt, port=port)
    emulator.add_user(*DEMO_HEAD)
    emulator.visitors[DEMO_TRACKING] = DEMO_VISITOR
    return emulator


class MangoDemoCall(DemoCall):
    """A demo call of Mango's (see ``DemoCall``).

    Odoo's commands reach the emulator meanwhile, and the call follows what the emulator
    did: a leg it opened for this call (routing, a transfer) is where the call goes on, a
    leg it ended has ended, and a leg Odoo asked to hang up ends. The call goes into the
    emulator's statistics whether Odoo took its notifications or not, as at Mango.
    """
    EXTENSIONS = DEMO_EXTENSIONS
    GRACE = 1.0  # seconds the emulator takes to post what it does for a command

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.legs = []  # call ids of the legs the call went through

    @staticmethod
    def entry_ref_of(n):
        """The PBX's id of the demo's ``n``-th call."""
        return f"demo-{int(time.time())}-{n}"

    def _incoming(self):
        plan, caller = self.plan, {"number": self.plan.number}
        dct = {"dct": {"number": plan.tracking, "type": 1}} if plan.tracking else {}
        ivr = self._open(f"{self.entry_ref}:ivr", "ivr", caller,
                         {"number": plan.line, "line_number": plan.line}, **dct)
        if self._wait(GREETING) == "moved":  # Odoo routes a known caller meanwhile
            leg = self._switch(ivr)
        else:
            self._end(ivr, 1100)
            extension = self._take(plan.extension)
            leg = self._open(f"{self.entry_ref}:{extension}", "abonent",
                             {**caller, "taken_from_call_id": ivr}, {
                                 "extension": extension, "line_number": plan.line,
                                 "number": f"sip:{extension}@demo.mangosip.ru"}, **dct)
        return self._converse(leg, self.now(), 1110)

    def _outgoing(self):
        extension = self._take(self.plan.extension, choose=False)
        leg = self._open(f"{self.entry_ref}:out", "abonent", {
            "extension": extension, "number": f"sip:{extension}@demo.mangosip.ru"},
            {"number": self.plan.number, "line_number": self.plan.line})
        return self._converse(leg, self.t0, 1120)

    def _converse(self, leg, forwarded, hang_up_reason):
        """Ring, talk and hang up, on whichever leg the call has moved to meanwhile."""
        answered, talk = None, self.plan.talk
        while True:
            event = self._wait(self.plan.ring, leg)
            if event == "moved":
                leg = self._switch(leg)
                continue
            if event or not talk:
                break
            talked = self._step(leg, "Connected")
            answered = answered or talked
            event = self._wait(talk, leg)
            if event != "moved":
                break
            leg = self._switch(leg)  # a transfer: the colleague's phone rings
            talk = max(talk - (self.now() - talked), TALK[0])
        if event == "hangup":
            self._end(leg, 1181)
        else:
            self._end(leg, hang_up_reason if answered else 1111)
        self._summary(leg, forwarded, answered)
        return "hung up from Odoo" if event == "hangup" else \
            f"talked {self.now() - answered} s" if answered else "missed"

    # -- what the emulator did to the call --------------------------------------------------

    def _events(self, call_id=None):
        return [payload for path, payload in self.emulator.notified_for(self.entry_ref)
                if path == "events/call" and call_id in (None, payload.get("call_id"))]

    def _moved(self):
        """The leg the emulator opened for this call, not followed yet."""
        return next((event["call_id"] for event in reversed(self._events())
                     if event.get("call_state") == "Appeared"
                     and event.get("call_id") not in self.legs), None)

    def _ended(self, leg):
        return any(event.get("call_state") == "Disconnected" for event in self._events(leg))

    def _hung_up(self, leg):
        return any(request["payload"].get("call_id") == leg
                   and time.time() - request["time"] >= self.GRACE
                   for request in self.emulator.requests_to("commands/call/hangup"))

    def _happened(self, leg=None):
        """"moved" when the call moved to a leg the emulator opened, "ended" when ``leg``
        ended, "hangup" when it has to be hung up; else None."""
        if self._moved():
            return "moved"
        if leg and self._ended(leg):
            time.sleep(self.GRACE)  # a transfer ends one leg and opens another
            return "moved" if self._moved() else "ended"
        if leg and self._hung_up(leg):
            return "hangup"
        return None

    # -- what the call posts -----------------------------------------------------------------

    def _open(self, call_id, location, src, dst, **extra):
        self.legs.append(call_id)
        self._post(leg_event(self.entry_ref, call_id, 1, "Appeared", self.now(), location, src, dst,
                             **extra))
        return call_id

    def _step(self, leg, state, **extra):
        last = self._events(leg)[-1]
        payload = {key: value for key, value in last.items()
                   if key not in ("command_id", "disconnect_reason")}
        timestamp = self.now()
        self._post(("events/call", {**payload, "seq": int(last["seq"]) + 1, "call_state": state,
                                    "timestamp": timestamp, **extra}))
        return timestamp

    def _end(self, leg, reason):
        if not self._ended(leg):
            self._step(leg, "Disconnected", disconnect_reason=reason)

    def _switch(self, leg):
        """Follow the call to the leg the emulator opened; the one it left ends."""
        new = self._moved()
        self.legs.append(new)
        self._end(leg, 1100)
        extension = (self._events(new)[-1].get("to") or {}).get("extension")
        if extension:
            self._take(extension, choose=False)
        return new

    def _summary(self, leg, forwarded, answered):
        plan, last = self.plan, self._events(leg)[-1]
        incoming = plan.direction == "incoming"
        employee = {key: value for key, value in (last.get("to" if incoming else "from") or {})
                    .items() if key in ("extension", "number")}
        src, dst = ({"number": plan.number}, employee) if incoming else \
            (employee, {"number": plan.number})
        end = self.now()
        notifications = [summary_event(self.entry_ref, 1 if incoming else 2, src, dst, plan.line,
                                       (self.t0, forwarded, answered or end, end), bool(answered),
                                       last.get("disconnect_reason", 1100))]
        if answered:
            recording = f"rec-{self.entry_ref}"
            self.emulator.add_recording(recording)
            notifications += recording_events(self.entry_ref, self.legs[-1], recording,
                                              employee.get("extension", ""), answered, end)
        self._post(*notifications)

    def _post(self, *notifications):
        self.emulator.keep_in_stats(notifications)
        for path, payload in notifications:
            try:
                self.emulator.notify(self.webhook, path, payload)
            except requests.RequestException:
                self._not_taken()


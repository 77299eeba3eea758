"""The Binotel demo's calls: the Ukrainian demo company's Binotel (data/binotel_demo.xml),
its calls played through the three kinds of requests Binotel posts.

A ``BinotelDemoCall`` asks Odoo who is calling (API CALL SETTINGS) and rings the employee
Odoo binds the customer to (``assignedToEmployeeNumber``, as Binotel does), else the one
planned; posts the call's push requests in real time; follows what Odoo asked of Binotel
meanwhile (``calls/attended-call-transfer``: the colleague takes the call;
``calls/hangup-call``: the call ends: Binotel posts no result of a command, only what
becomes of the call); then posts the completed call. A click-to-call from Odoo
(``calls/internal-number-to-external-number``) is played as an outgoing call.
"""
import json
import threading
import time

import requests

from .binotel import (BinotelEmulator, binotel_employee, call_settings, completed_call,
                      push)
from .mango_demo import CallPlan, DemoBook, DemoTeam

COMPANY_KEY, COMPANY_SECRET = "demo-binotel-key", "demo-binotel-secret"
DEMO_HEAD = ("Андрій Мельник", "900", "melnyk@example.com", 5000)
DEMO_EXTENSIONS = ("901", "902", "903", "900")  # BinotelEmulator's employees and the head
# Known customers, as Binotel writes their numbers, and their salesperson's extension
DEMO_CUSTOMERS = {"0671234567": "901", "0507654321": "902", "0443334455": "903"}
DEMO_STRANGERS = ("0635551122", "0931112233")
DEMO_LINES = ("0441234567", "0800301234")  # Київ, 0-800
BINOTEL_BOOK = DemoBook(DEMO_CUSTOMERS, DEMO_STRANGERS, DEMO_LINES, "", DEMO_EXTENSIONS,
                        lambda digits: f"067{digits % 10 ** 7:07d}")
TRANSFER, HANGUP = "calls/attended-call-transfer", "calls/hangup-call"
CALLBACK = "calls/internal-number-to-external-number"


class DemoBinotel(BinotelEmulator):
    """The demo company's Binotel: its employees; each click-to-call Odoo asks for is handed
    to ``on_callback(general_call_ref, extension, number)``."""
    on_callback = None

    def _calls_internal_number_to_external_number(self, params):
        answer = super()._calls_internal_number_to_external_number(params)
        data = json.loads(answer[2])
        if data.get("status") == "success" and self.on_callback:
            self.on_callback(data["generalCallID"], str(params["internalNumber"]),
                             str(params["externalNumber"]))
        return answer


def demo_emulator(key=COMPANY_KEY, secret=COMPANY_SECRET, port=0):
    emulator = DemoBinotel(key, secret, port=port)
    emulator.employees.insert(0, binotel_employee(*DEMO_HEAD))
    return emulator


class BinotelDemoCall:
    """One planned call played as it happens, in real time (``scale`` shortens it)."""
    POLL = 0.25  # seconds between two looks at what Odoo asked of the emulator

    def __init__(self, emulator, webhook, plan, entry_ref, team=None, scale=1.0, log=print,
                 closing=None):
        self.emulator, self.webhook, self.plan, self.entry_ref = emulator, webhook, plan, entry_ref
        self.team, self.scale, self.log = team or DemoTeam(DEMO_EXTENSIONS), scale, log
        self.closing = closing or threading.Event()
        self.t0, self.started = int(time.time()), time.monotonic()
        self.extension, self.holding, self.undelivered = plan.extension, False, 0
        self.attempts = []  # (extension, waitsec, billsec, disposition) of each phone
        self.transfers = 0  # transfers of this call followed so far

    @staticmethod
    def entry_ref_of(n):
        """A generalCallID: Binotel's are numbers."""
        return f"{int(time.time())}{n:04d}"

    def now(self):
        return self.t0 + round((time.monotonic() - self.started) / self.scale)

    def run(self):
        try:
            outcome = self._incoming() if self.plan.direction == "incoming" else self._outgoing()
            failed = f", {self.undelivered} requests Odoo did not take" \
                if self.undelivered else ""
            self.log(f"{self.plan.direction} call {self.entry_ref} {self.plan.number} ext "
                     f"{self.extension}: {outcome}{failed}", flush=True)
        finally:
            if self.holding:
                self.team.release(self.extension)

    def _incoming(self):
        plan = self.plan
        answer = self._post(call_settings(plan.number, plan.line))
        bound = ((answer or {}).get("customerData") or {}).get("assignedToEmployeeNumber")
        extension = self._take(bound or plan.extension, choose=not bound)
        self._push("receivedTheCall", callType="0", internalNumber=extension,
                   externalNumber=plan.number, pbxNumber=plan.line)
        return self._converse(0)

    def _outgoing(self):
        self._take(self.plan.extension, choose=False)
        self._push("receivedTheCall", callType="1", internalNumber=self.extension,
                   externalNumber=self.plan.number, pbxNumber=self.plan.line)
        return self._converse(1)

    def _converse(self, call_type):
        """Ring, talk (at a colleague's after a transfer) and hang up."""
        plan, rang = self.plan, self.now()
        event = self._wait(plan.ring)
        if event or not plan.talk:
            self.attempts.append((self.extension, self.now() - rang, 0, "NOANSWER"))
            return self._end(call_type, event)
        talking, talk = self.now(), plan.talk
        self.attempts.append((self.extension, talking - rang, 0, "ANSWER"))
        self._push("answeredTheCall", internalNumber=self.extension)
        while (event := self._wait(talk)) not in (None, "hangup", "closing"):
            extension = event  # a transfer: the colleague takes the call
            self._close_attempt(talking, "TRANSFER")
            self._take(extension, choose=False)
            self._push("transferredTheCall", internalNumber=extension)
            talking = self.now()
            self.attempts.append((extension, 0, 0, "ANSWER"))
        self._close_attempt(talking, "ANSWER")
        return self._end(call_type, event)

    def _close_attempt(self, talking, disposition):
        extension, wait, _bill, _disposition = self.attempts[-1]
        self.attempts[-1] = (extension, wait, self.now() - talking, disposition)

    def _end(self, call_type, event):
        took = next((a for a in self.attempts if a[3] in ("ANSWER", "TRANSFER")), None)
        last = self.attempts[-1]
        self._push("hangupTheCall", billsec=str(last[2]), disposition=last[3])
        self._post(completed_call(self.entry_ref, call_type, self.plan.number, self.t0,
                                  self.attempts, self.plan.line))
        if event == "hangup":
            return "hung up from Odoo"
        return f"talked {sum(a[2] for a in self.attempts)} s" if took else "missed"

    # -- what Odoo asked of Binotel ----------------------------------------------------------

    def _asked(self, path):
        return [request for request in self.emulator.requests_to(path)
                if str(request["payload"].get("generalCallID")) == self.entry_ref]

    def _wait(self, seconds):
        """Let ``seconds`` of the call pass, less when Odoo asked to hang up ("hangup") or
        to transfer (the colleague's extension), or the demo stops ("closing")."""
        deadline = time.monotonic() + seconds * self.scale
        while (left := deadline - time.monotonic()) > 0:
            if self.closing.wait(min(left, self.POLL)):
                return "closing"
            if self._asked(HANGUP):
                return "hangup"
            transfers = self._asked(TRANSFER)
            if len(transfers) > self.transfers:
                self.transfers = len(transfers)
                return str(transfers[-1]["payload"]["externalNumber"])
        return None

    # -- what the call posts -----------------------------------------------------------------

    def _take(self, extension, choose=True):
        if self.holding:
            self.team.release(self.extension)
        self.extension, self.holding = self.team.take(extension, choose), True
        return self.extension

    def _push(self, kind, **fields):
        self._post(push(kind, self.entry_ref, **fields))

    def _post(self, notification):
        """Post one request; Odoo's JSON answer (None when it took none)."""
        self.emulator.keep_in_stats([notification])
        try:
            response = self.emulator.notify(self.webhook, *notification)
            return response.json() if response.ok else None
        except (requests.RequestException, ValueError):
            self.undelivered += 1
            if self.undelivered == 1:
                self.log(f"Odoo did not take call {self.entry_ref}", flush=True)
            return None


def play_callbacks(emulator, webhook, team, log=print, closing=None):
    """Play each click-to-call Odoo asks of the emulator from now on: the rep's phone rings,
    then the customer's, who answers."""
    def started(general_call_ref, extension, number):
        plan = CallPlan(0, "outgoing", number, extension, DEMO_LINES[0], ring=6, talk=60)
        call = BinotelDemoCall(emulator, webhook, plan, general_call_ref, team, log=log,
                               closing=closing)
        threading.Thread(target=call.run, daemon=True).start()

    emulator.on_callback = started

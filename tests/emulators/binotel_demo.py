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
from .demo import CallPlan, DemoBook, DemoCall

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


class BinotelDemoCall(DemoCall):
    """A demo call of Binotel's (see ``DemoCall``)."""
    EXTENSIONS = DEMO_EXTENSIONS
    POSTS = "requests"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.attempts = []  # (extension, waitsec, billsec, disposition) of each phone
        self.transfers = 0  # transfers of this call followed so far

    @staticmethod
    def entry_ref_of(n):
        """A generalCallID: Binotel's are numbers."""
        return f"{int(time.time())}{n:04d}"

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

    def _happened(self):
        """"hangup" when Odoo asked to hang up, the colleague's extension when it asked to
        transfer; else None."""
        if self._asked(HANGUP):
            return "hangup"
        transfers = self._asked(TRANSFER)
        if len(transfers) > self.transfers:
            self.transfers = len(transfers)
            return str(transfers[-1]["payload"]["externalNumber"])
        return None

    # -- what the call posts -----------------------------------------------------------------

    def _push(self, kind, **fields):
        self._post(push(kind, self.entry_ref, **fields))

    def _post(self, notification):
        """Post one request; Odoo's JSON answer (None when it took none)."""
        self.emulator.keep_in_stats([notification])
        try:
            response = self.emulator.notify(self.webhook, *notification)
            return response.json() if response.ok else None
        except (requests.RequestException, ValueError):
            self._not_taken()
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

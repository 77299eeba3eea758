"""A demo company's calls, whichever its PBX: calls paced as a sales team gets them.

``play_demo`` starts each planned call (``demo_plans``) at its time; a ``DemoCall`` of the
PBX's (``mango_demo.MangoDemoCall``, ``binotel_demo.BinotelDemoCall``) posts its
notifications in real time and follows what Odoo asked of the emulator meanwhile.
``scripts/demo_pbx.py`` runs them for ``scripts/demo``.
"""
import collections
import dataclasses
import threading
import time

RING = (5, 15)  # seconds a phone rings
TALK = (30, 180)  # seconds of a conversation

# Who calls a demo company and on which lines (``mango_demo.MANGO_BOOK``,
# ``binotel_demo.BINOTEL_BOOK``); ``new_number`` makes a stranger's number of nine random digits
DemoBook = collections.namedtuple("DemoBook",
                                  "customers strangers lines tracking extensions new_number")


@dataclasses.dataclass(frozen=True)
class CallPlan:
    """One call of the demo, decided before it starts (``demo_plans``)."""
    pause: float  # seconds after the previous call began
    direction: str  # "incoming" or "outgoing"
    number: str  # the customer's
    extension: str  # the employee the PBX rings first, or who calls
    line: str
    ring: int  # seconds a phone rings
    talk: int  # seconds of conversation, 0 when nobody answers
    tracking: str = ""  # the call tracking number the customer dialled


def demo_plans(rng, every, book):
    """Calls as a sales team gets them, one every ``every`` seconds on average, forever:
    mostly incoming, from known customers and from strangers (some found through the
    website's call tracking), a missed one now and then, and the reps' own calls out."""
    customers = book.customers
    while True:
        pause = rng.uniform(every / 2, every * 3 / 2)
        ring, talk = rng.randint(*RING), rng.randint(*TALK)
        if rng.random() < 0.2:
            number = rng.choice(sorted(customers))
            yield CallPlan(pause, "outgoing", number, customers[number], book.lines[0],
                           ring, talk if rng.random() < 0.75 else 0)
            continue
        tracking = ""
        if rng.random() < 0.55:
            number, line = rng.choice(sorted(customers)), book.lines[0]
        else:
            number = rng.choice(book.strangers) if rng.random() < 0.4 else \
                book.new_number(rng.randrange(10 ** 9))
            line = rng.choice(book.lines)
            tracking = book.tracking if rng.random() < 0.3 else ""
        yield CallPlan(pause, "incoming", number, rng.choice(book.extensions), line, ring,
                       talk if rng.random() < 0.8 else 0, tracking)


class DemoTeam:
    """Who is on a call: the PBX rings a free employee of the group, else the one planned."""

    def __init__(self, extensions):
        self.extensions, self.calls = extensions, collections.Counter()
        self._lock = threading.Lock()

    def take(self, extension, choose=True):
        with self._lock:
            if choose and self.calls[extension]:
                extension = next((free for free in self.extensions if not self.calls[free]),
                                 extension)
            self.calls[extension] += 1
            return extension

    def release(self, extension):
        with self._lock:
            self.calls[extension] -= 1


class DemoCall:
    """One planned call played as it happens, in real time (``scale`` shortens it).

    A PBX's demo call names the demo company's ``EXTENSIONS`` and its ids of calls
    (``entry_ref_of(n)``), plays the call from ``_incoming`` or ``_outgoing`` (each answers
    what became of it), says in ``_happened`` what Odoo's requests did to it, and posts
    what its PBX posts in ``_post``.
    """
    EXTENSIONS = ()  # the team of a call played alone
    POSTS = "notifications"  # what the PBX posts, in the call's line of the log
    POLL = 0.25  # seconds between two looks at what Odoo asked of the emulator

    def __init__(self, emulator, webhook, plan, entry_ref, team=None, scale=1.0, log=print,
                 closing=None):
        self.emulator, self.webhook, self.plan, self.entry_ref = emulator, webhook, plan, entry_ref
        self.team, self.scale, self.log = team or DemoTeam(self.EXTENSIONS), scale, log
        self.closing = closing or threading.Event()  # the demo stops: the caller hangs up
        self.t0, self.started = int(time.time()), time.monotonic()
        self.extension = plan.extension  # the employee of the call now
        self.holding = False  # whether the call keeps that employee busy in the team
        self.undelivered = 0

    def now(self):
        return self.t0 + round((time.monotonic() - self.started) / self.scale)

    def run(self):
        try:
            outcome = self._incoming() if self.plan.direction == "incoming" else self._outgoing()
            failed = f", {self.undelivered} {self.POSTS} Odoo did not take" \
                if self.undelivered else ""
            self.log(f"{self.plan.direction} call {self.entry_ref} {self.plan.number} ext "
                     f"{self.extension}: {outcome}{failed}", flush=True)
        finally:
            if self.holding:
                self.team.release(self.extension)

    def _wait(self, seconds, *args):
        """Let ``seconds`` of the call pass, less when Odoo's requests did something to it
        (``_happened(*args)`` says what) or the demo stops ("closing")."""
        deadline = time.monotonic() + seconds * self.scale
        while (left := deadline - time.monotonic()) > 0:
            if self.closing.wait(min(left, self.POLL)):
                return "closing"
            event = self._happened(*args)
            if event:
                return event
        return None

    def _take(self, extension, choose=True):
        if self.holding:
            self.team.release(self.extension)
        self.extension, self.holding = self.team.take(extension, choose), True
        return self.extension

    def _not_taken(self):
        """Count a post Odoo did not take; the first one is logged."""
        self.undelivered += 1
        if self.undelivered == 1:
            self.log(f"Odoo did not take call {self.entry_ref}", flush=True)


def play_demo(emulator, webhook, plans, call_class, scale=1.0, log=print, team=None):
    """Start each planned call at its time, each in a thread of its own (a ``call_class``
    of the PBX's), until interrupted; then the calls going on end as if their callers hung
    up, so that none stays open."""
    team, closing, threads = team or DemoTeam(call_class.EXTENSIONS), threading.Event(), []
    try:
        for n, plan in enumerate(plans, 1):
            time.sleep(plan.pause * scale if n > 1 else 0)
            call = call_class(emulator, webhook, plan, call_class.entry_ref_of(n), team, scale,
                              log, closing)
            threads = [thread for thread in threads if thread.is_alive()]
            threads.append(threading.Thread(target=call.run, daemon=True))
            threads[-1].start()
    finally:
        closing.set()
        for thread in threads:
            thread.join(10)

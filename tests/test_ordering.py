import random

from odoo.tests import tagged

from .common import PbxHttpCase
from .emulators.mango import incoming_call, leg_event, summary_event

FIELDS = ["direction", "state", "from_number", "to_number", "line_number", "extension", "user_id",
          "start_date", "answer_date", "end_date", "talk_time", "disconnect_reason",
          "summary_received", "external_e164"]


def three_employees(entry, answered_by=None, t0=1767261600):
    """A caller waits in the voice menu, then 101, 102 and 103 ring one after the other."""
    src, line = {"number": "79161234567"}, "74951234567"
    ivr = f"{entry}:ivr"
    notifications = [
        leg_event(entry, ivr, 1, "Appeared", t0, "ivr", src, {"number": line, "line_number": line}),
        leg_event(entry, ivr, 2, "Disconnected", t0 + 3, "ivr", src,
                  {"number": line, "line_number": line}, disconnect_reason=1100)]
    t = t0 + 3
    for extension in ("101", "102", "103"):
        leg, dst = f"{entry}:{extension}", {"extension": extension, "number": line,
                                           "line_number": line}
        notifications.append(leg_event(entry, leg, 1, "Appeared", t, "abonent", src, dst))
        if extension == answered_by:
            notifications += [
                leg_event(entry, leg, 2, "Connected", t + 5, "abonent", src, dst),
                leg_event(entry, leg, 3, "Disconnected", t + 65, "abonent", src, dst,
                          disconnect_reason=1110)]
            end = t + 65
            break
        notifications.append(leg_event(entry, leg, 2, "Disconnected", t + 10, "abonent", src,
                                       dst, disconnect_reason=1111))
        t = end = t + 10
    answer = t + 5 if answered_by else 0
    # Mango's summary names the first employee tried for a missed call (reference §2.4)
    to_extension = answered_by or "101"
    notifications.append(summary_event(entry, 1, src, {"extension": to_extension}, line,
                                       (t0, t0 + 3, answer, end), bool(answered_by),
                                       1110 if answered_by else 1111))
    return notifications


@tagged("post_install", "-at_install")
class TestOrder(PbxHttpCase):
    """Mango posts without waiting: any order of a call's notifications gives the same call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep3 = cls.env["res.users"].create({"name": "Rep Three", "login": "rep3",
                                                "pbx_extension": "103"})

    def snapshot(self, entry):
        call = self.calls(entry)
        return call.read(FIELDS)[0] | {"id": None}, sorted(
            (leg.leg_ref, leg.state, leg.appeared_date, leg.connected_date, leg.disconnected_date)
            for leg in call.leg_ids), sorted(call.recording_ids.mapped(
                lambda rec: (rec.recording_ref, rec.state)))

    def test_hang_up_first_still_shows_the_conversation(self):
        notifications = [n for n in incoming_call("O1", "79161234567", start=1767261600,
                                                  talk_seconds=42) if n[0] == "events/call"]
        self.post_all(notifications[:3])
        self.post_all([notifications[4], notifications[3]])  # Disconnected before Connected
        call = self.calls("O1")
        self.assertRecordValues(call, [{"state": "ended", "user_id": self.rep.id}])
        self.assertAlmostEqual(call.talk_time * 3600, 42)
        leg = call.leg_ids.filtered(lambda leg: leg.extension == "101")
        self.assertRecordValues(leg, [{"state": "ended", "pbx_state": "Disconnected", "seq": 3}])
        self.assertEqual((leg.connected_date - leg.appeared_date).total_seconds(), 5)
        self.assertEqual(call.start_date.timestamp(), 1767261600)

    def test_any_order_gives_the_same_call(self):
        notifications = incoming_call("O2", "79161234567", extension="101", start=1767261600,
                                      recording_ref="OR2")
        self.post_all(notifications)
        expected = self.snapshot("O2")
        shuffler = random.Random(2026)
        for attempt in range(6):
            entry = f"O2-{attempt}"
            shuffled = [(path, {**payload, "entry_id": entry})
                        for path, payload in notifications]
            shuffler.shuffle(shuffled)
            self.post_all(shuffled)
            with self.subTest(order=[(p, n.get("call_state") or n.get("recording_state"))
                                     for p, n in shuffled]):
                self.assertEqual(self.snapshot(entry), expected)
        self.assertEqual(self.journal().filtered(lambda e: e.state != "processed"),
                         self.env["pbx.event"])

    def test_recording_before_the_call_waits_and_leaves_no_ghost(self):
        notifications = incoming_call("O3", "79161234567", recording_ref="OR3")
        recordings = [n for n in notifications if "recording" in n[0] or "record" in n[0]]
        dtmf = ("events/dtmf", {"seq": 2, "dtmf": "1", "timestamp": 1488272662, "call_id": "c",
                                "entry_id": "O3", "location": "ivr.1"})
        self.post_all(recordings + [dtmf])
        self.assertFalse(self.calls("O3"), "no call Mango did not describe")
        self.assertEqual(set(self.journal().mapped("state")), {"waiting"})
        self.post_all([n for n in notifications if n not in recordings])
        call = self.calls("O3")
        self.assertEqual(call.recording_ids.mapped("state"), ["ready"])
        self.assertEqual(set(self.journal().mapped("state")), {"processed"})
        self.assertEqual(self.journal().call_id, call)

    def test_the_employee_does_not_jump(self):
        """Answered: who answered. Missed: the last employee whose phone rang."""
        for entry, answered_by, user in (("O4", None, "rep3"), ("O5", "102", "rep2")):
            notifications = three_employees(entry, answered_by)
            legs, summary = notifications[:-1], notifications[-1:]
            self.post_all(legs)
            before = self.calls(entry).user_id
            self.post_all(summary)
            with self.subTest(entry=entry):
                self.assertEqual(before.login, user)
                self.assertEqual(self.calls(entry).user_id.login, user)
            # and the same when the summary comes first
            late = [(path, {**payload, "entry_id": entry + "-late"})
                    for path, payload in summary + legs]
            self.post_all(late)
            self.assertEqual(self.calls(entry + "-late").user_id.login, user)

    def test_ringing_shows_the_employee_now_ringing(self):
        notifications = three_employees("O6")
        self.post_all(notifications[:5])  # ivr, 101 rang and gave up, 102 rings
        self.assertRecordValues(self.calls("O6"), [{"state": "ringing", "user_id": self.rep2.id}])

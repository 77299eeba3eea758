from odoo.tests import tagged

from ..mango.signing import dumps, sign
from .common import KEY, SALT, PbxHttpCase
from .emulators.mango import incoming_call, outgoing_call


@tagged("post_install", "-at_install")
class TestWebhookAuthentication(PbxHttpCase):
    """Only Mango, signing with the company's key, gets anything written."""

    def assertNothingWritten(self):
        self.assertFalse(self.journal())
        self.assertFalse(self.calls())

    def test_bad_signature_is_refused_and_logged_without_secrets(self):
        path, payload = incoming_call("E-bad", "79161234567")[0]
        with self.assertLogs("odoo.addons.mango_office.controllers.mango", "WARNING") as logs:
            response = self.post(path, payload, salt="not-the-salt")
        self.assertEqual(response.status_code, 403)
        self.assertNothingWritten()
        self.assertEqual(len(logs.output), 1)
        self.assertIn("bad signature", logs.output[0])
        for secret in (KEY, SALT, sign(KEY, dumps(payload), "not-the-salt")):
            self.assertNotIn(secret, logs.output[0])

    def test_unknown_pbx_is_refused(self):
        path, payload = incoming_call("E-key", "79161234567")[0]
        with self.assertLogs("odoo.addons.mango_office.controllers.mango", "WARNING"):
            response = self.post(path, payload, key="other-pbx", salt=SALT)
        self.assertEqual(response.status_code, 403)
        self.assertNothingWritten()

    def test_signature_over_other_json_is_refused(self):
        path, payload = incoming_call("E-tamper", "79161234567")[0]
        body = {"vpbx_api_key": KEY, "sign": sign(KEY, dumps(payload), SALT),
                "json": dumps({**payload, "entry_id": "E-other"})}
        with self.assertLogs("odoo.addons.mango_office.controllers.mango", "WARNING"):
            response = self.url_open(f"/mango/{path}", data=body)
        self.assertEqual(response.status_code, 403)
        self.assertNothingWritten()

    def test_missing_fields_are_a_bad_request(self):
        path, payload = incoming_call("E-missing", "79161234567")[0]
        json_str = dumps(payload)
        for body in ({"vpbx_api_key": KEY, "json": json_str},
                     {"vpbx_api_key": KEY, "sign": sign(KEY, json_str, SALT)},
                     {"sign": sign(KEY, json_str, SALT), "json": json_str}):
            self.assertEqual(self.url_open(f"/mango/{path}", data=body).status_code, 400)
        self.assertNothingWritten()

    def test_what_is_not_a_notification_is_a_bad_request(self):
        for path, json_str in (("events/call", "{not json"),
                               ("events/call", "[1, 2]"),
                               ("events/call", dumps({"call_id": "x", "call_state": "Appeared",
                                                      "seq": 1, "timestamp": 1})),
                               ("events/summary", dumps({"entry_id": "E"})),
                               ("result/route", dumps({"result": 1000})),
                               ("events/%D0%B7%D0%B2", dumps({"entry_id": "E"})),
                               ("events/call%00", dumps({"entry_id": "E"}))):
            body = {"vpbx_api_key": KEY, "sign": sign(KEY, json_str, SALT), "json": json_str}
            with self.subTest(path=path, json=json_str):
                self.assertEqual(self.url_open(f"/mango/{path}", data=body).status_code, 400)
        self.assertNothingWritten()

    def test_a_company_without_signing_key_refuses_in_words(self):
        self.company.mango_api_salt = False
        path, payload = incoming_call("E-nosalt", "79161234567")[0]
        with self.assertLogs("odoo.addons.mango_office.controllers.mango", "WARNING") as logs:
            response = self.post(path, payload)
        self.assertEqual(response.status_code, 403)
        self.assertIn("signing key", logs.output[0])
        self.assertNothingWritten()

    def test_odd_keys_and_signatures_are_refused_not_crashed(self):
        path, payload = incoming_call("E-odd", "79161234567")[0]
        json_str = dumps(payload)
        for key, signature in ((KEY, "подпись"), (KEY + "\x00", sign(KEY, json_str, SALT)),
                               ("k" * 5000, "x"), (KEY, sign(KEY, json_str, SALT) + "\x00")):
            with self.subTest(key=key[:20], signature=signature[:20]), \
                    self.assertLogs("odoo.addons.mango_office.controllers.mango", "WARNING"):
                body = {"vpbx_api_key": key, "sign": signature, "json": json_str}
                self.assertEqual(self.url_open(f"/mango/{path}", data=body).status_code, 403)
        self.assertNothingWritten()

    def test_connection_check_and_ping(self):
        for url in ("/mango", "/mango/ping"):
            self.assertEqual(self.opener.post(self.base_url() + url, timeout=10).status_code, 200)
        self.assertEqual(self.post("ping", {}).status_code, 200)
        self.assertNothingWritten()

    def test_get_is_not_a_notification(self):
        self.assertNotEqual(self.url_open("/mango/events/call").status_code, 200)


@tagged("post_install", "-at_install")
class TestCallLog(PbxHttpCase):
    """What the sales team sees in CRM > Calls after Mango's notifications."""

    def test_incoming_answered_call(self):
        self.post_all(incoming_call("E1", "79161234567", line="74951234567", extension="101",
                                    start=1767261600, talk_seconds=42, recording_ref="R1"))
        call = self.calls("E1")
        self.assertEqual(len(call), 1)
        self.assertRecordValues(call, [{
            "direction": "incoming", "state": "answered", "from_number": "79161234567",
            "line_number": "74951234567", "extension": "101", "user_id": self.rep.id,
            "summary_received": True,
        }])
        self.assertAlmostEqual(call.talk_time * 3600, 42, places=3)
        self.assertEqual(len(call.leg_ids), 2, "voice menu and the employee's phone")
        self.assertEqual(call.recording_ids.mapped("state"), ["ready"])
        self.assertTrue(call.start_date <= call.answer_date < call.end_date)
        self.assertEqual(call.display_name, "Incoming call from +7 916 123-45-67")

    def test_missed_call_is_the_employee_it_rang(self):
        self.post_all(incoming_call("E2", "79161234567", extension="102", answered=False))
        self.assertRecordValues(self.calls("E2"), [{
            "state": "missed", "user_id": self.rep2.id, "talk_time": 0.0}])

    def test_outgoing_call(self):
        self.post_all(outgoing_call("E3", "101", "79161234567", talk_seconds=30))
        self.assertRecordValues(self.calls("E3"), [{
            "direction": "outgoing", "state": "answered", "to_number": "79161234567",
            "user_id": self.rep.id}])

    def test_live_states_before_the_summary(self):
        notifications = incoming_call("E4", "79161234567", extension="101")
        steps = [(path, payload) for path, payload in notifications if path == "events/call"]
        expected = ["ringing", "ringing", "ringing", "talking", "ended"]
        for (path, payload), state in zip(steps, expected):
            self.post(path, payload)
            self.assertEqual(self.calls("E4").state, state, payload)

    def test_replaying_a_whole_call_three_times_changes_nothing(self):
        notifications = incoming_call("E5", "79161234567", recording_ref="R5")
        self.post_all(notifications)
        fields = ["direction", "state", "from_number", "user_id", "talk_time", "start_date",
                  "answer_date", "end_date", "disconnect_reason"]
        before = self.calls("E5").read(fields)
        journal = self.journal()
        for _replay in range(3):
            self.post_all(notifications)
        self.assertEqual(self.calls("E5").read(fields), before)
        self.assertEqual(self.journal(), journal)
        self.assertEqual(len(journal), len(notifications))
        self.assertEqual(len(self.calls()), 1)

    def test_late_events_never_move_a_leg_back(self):
        notifications = [n for n in incoming_call("E6", "79161234567", extension="101")
                         if n[0] == "events/call"]
        for path, payload in reversed(notifications):  # newest first
            self.post(path, payload)
        call = self.calls("E6")
        self.assertEqual(call.state, "ended")
        self.assertEqual(set(call.leg_ids.mapped("state")), {"ended"})

    def test_summary_first_is_final(self):
        notifications = incoming_call("E7", "79161234567")
        summary = [n for n in notifications if n[0] == "events/summary"]
        self.post_all(summary)
        self.post_all([n for n in notifications if n[0] == "events/call"])
        self.assertEqual(self.calls("E7").state, "answered")

    def test_notifications_not_used_yet_are_kept(self):
        self.post_all(incoming_call("E8", "79161234567", answered=False)[:1])
        kept = [
            ("events/dtmf", {"seq": 2, "dtmf": "1", "timestamp": 1488272662, "call_id": "c",
                             "entry_id": "E8", "location": "ivr.1", "initiator": "79161234567"}),
            ("events/sms", {"command_id": "s1", "timestamp": "1399906980", "reason": "1000"}),
            ("result/callback", {"command_id": "cb1", "result": 1000}),
            ("result/stat", {"key": "k", "request_id": "r"}),
            ("events/record/tagged", {"entry_id": "E8", "recording_id": "R8"}),
        ]
        self.post_all(kept)
        journal = self.journal()
        self.assertEqual(len(journal), 1 + len(kept))
        self.assertEqual(journal.filtered(lambda e: e.path == "events/dtmf").call_id,
                         self.calls("E8"))
        self.assertEqual(set(journal.filtered(lambda e: e.path != "events/dtmf")
                             .filtered(lambda e: e.path != "events/call").mapped("state")),
                         {"ignored"})

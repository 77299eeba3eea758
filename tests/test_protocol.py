import json
import time
from datetime import datetime, timedelta, timezone

from odoo.tests import BaseCase, tagged

from ..mango import MangoClient, MangoError, parse_notification
from ..mango.events import (CallEvent, CommandResult, Dtmf, InvalidNotification,
                            MalformedNotification, Other, Ping, RecordAdded, RecordingEvent,
                            SmsStatus, Summary)
from ..mango.neutral import to_pbx
from ..mango.signing import dumps, form_body, sign, signature_ok
from ..pbx import events as pbx
from ..pbx.client import Employee, Group, Line, PbxClient, PbxError
from .common import client_timeouts
from .emulators.mango import MangoEmulator, incoming_call, outgoing_call, stats_row
from .fuzzing import fuzz, mutate, sample

VECTOR_KEY, VECTOR_SALT = "<YOUR_API_KEY>", "<YOUR_API_SALT>"


def _utcnow():
    """Now as Odoo keeps datetimes: UTC, naive."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@tagged("post_install", "-at_install")
class TestSigning(BaseCase):
    """Mango's own PHP examples print these signatures (reference §1.3)."""

    def test_official_vectors(self):
        vectors = {
            '{"command_id":"your-command-id","from":{"extension":"<extension>","number":""},'
            '"to_number":"<to_number>"}':
                "afdeb462cd5e0e422a9c9220390124608df06a4472cb1add6ebd6e24184bd15a",
            '{"command_id":"your-command-id","call_id":"<CALL_ID>"}':
                "2d1d01246f52cec1fdb44f2a4d7091dc54f67e318369c0628201d66b5d336ef0",
            '{"date_from":"1445288400","date_to":"1445374859","from":{"extension":"",'
            '"number":""},"to":{"extension":"","number":""}}':
                "94e263aa0aa65d77481b86e9224fa2230265faa387322e40716389406982c0fb",
            '{"key":"<REQUEST_KEY>"}':
                "515069b8c079df62f408e36dd7933912b8e86d833c5927ee77eb4b68d766c4f5",
        }
        for json_str, expected in vectors.items():
            with self.subTest(json=json_str):
                self.assertEqual(sign(VECTOR_KEY, json_str, VECTOR_SALT), expected)
                self.assertTrue(signature_ok(VECTOR_KEY, json_str, VECTOR_SALT, expected))

    def test_form_body_signs_the_exact_json_it_sends(self):
        body = form_body("k", "s", {"command_id": "c1", "to_number": "Привет"})
        self.assertEqual(body["json"], '{"command_id":"c1","to_number":"Привет"}')
        self.assertEqual(body["sign"], sign("k", body["json"], "s"))

    def test_bad_signatures(self):
        json_str = dumps({"a": 1})
        good = sign("k", json_str, "s")
        self.assertFalse(signature_ok("k", dumps({"a": 2}), "s", good))
        self.assertFalse(signature_ok("k", json_str, "other", good))
        self.assertFalse(signature_ok("k", json_str, "s", ""))
        self.assertFalse(signature_ok("k", json_str, "s", None))


@tagged("post_install", "-at_install")
class TestNotificationParsing(BaseCase):
    """Every notification path of reference §2.2, as Mango sends them."""

    def test_real_call_event(self):
        event = parse_notification("events/call", (
            '{"entry_id":"MTYxNzM5NjY0OTE=","call_id":"MToxMDA4NjI3Nzo1MDI6NjQ0MjQzNTM5",'
            '"timestamp":1670060542,"seq":"2","call_state":"Connected","location":"abonent",'
            '"from":{"number":"79607164646","taken_from_call_id":"MToxMDA4NjI3Nzo1MDI6"},'
            '"to":{"extension":"222","number":"79776307393","line_number":'
            '"sip:roistat-0758@vpbx400076322.mangosip.ru","acd_group":"999"},"dct":{"type":0}}'))
        self.assertIsInstance(event, CallEvent)
        self.assertEqual((event.seq, event.call_state, event.from_number, event.to_extension,
                          event.acd_group), (2, "Connected", "79607164646", "222", "999"))

    def test_every_path(self):
        cases = [("events/call", incoming_call("E", "79161234567")[0][1], CallEvent),
                 ("events/summary", incoming_call("E", "79161234567")[-1][1], Summary),
                 ("events/recording", {"recording_id": "r", "recording_state": "Completed",
                                       "seq": 2, "entry_id": "E", "completion_code": 4002},
                  RecordingEvent),
                 ("events/record/added", {"entry_id": "E", "recording_id": "r",
                                          "user_id": 300049012, "timestamp": 1578664187},
                  RecordAdded),
                 ("events/dtmf", {"seq": 2, "dtmf": "123", "call_id": "c", "entry_id": "E"},
                  Dtmf),
                 ("events/sms", {"command_id": "s", "reason": "1000"}, SmsStatus),
                 ("result/callback", {"command_id": "c", "result": 1000}, CommandResult),
                 ("result/call/hangup", {"command_id": "c", "result": "4101"}, CommandResult),
                 ("result/stat", {"key": "k"}, Other),
                 ("events/record/tagged", {"entry_id": "E"}, Other),
                 ("ping", {}, Ping)]
        for path, payload, kind in cases:
            with self.subTest(path=path):
                self.assertIsInstance(parse_notification(path, dumps(payload)), kind)
        self.assertEqual(parse_notification("result/call/hangup", dumps(cases[7][1])),
                         CommandResult("call/hangup", "c", 4101))
        self.assertIsInstance(parse_notification("/ping/", ""), Ping)

    def test_summary_outcome(self):
        answered, missed = (to_pbx(parse_notification("events/summary", dumps(calls[-1][1])))
                            for calls in (incoming_call("A", "7916"),
                                          incoming_call("M", "7916", answered=False)))
        self.assertIsInstance(answered, pbx.CallSummary)
        self.assertEqual((answered.answered, answered.direction, answered.pbx_direction),
                         (True, pbx.Direction.INCOMING, 1))
        self.assertFalse(missed.answered)
        outgoing = parse_notification("events/summary",
                                      dumps(outgoing_call("O", "101", "7916")[-1][1]))
        self.assertEqual(outgoing.direction, 2)
        self.assertEqual((to_pbx(outgoing).direction, to_pbx(outgoing).pbx_direction),
                         (pbx.Direction.OUTGOING, 2))

    def test_neutral_leg_events(self):
        """Mango's states, locations and its 1100 in the call log's words."""
        call = incoming_call("N", "79161234567", extension="101")
        legs = [to_pbx(parse_notification(path, dumps(payload)))
                for path, payload in call if path == "events/call"]
        self.assertTrue(all(isinstance(leg, pbx.LegEvent) for leg in legs))
        menu, employee = legs[0], [leg for leg in legs if leg.location == pbx.Location.EMPLOYEE]
        self.assertEqual((menu.state, menu.pbx_state, menu.location, menu.pbx_location),
                         (pbx.LegState.RINGING, "Appeared", pbx.Location.MENU, "ivr"))
        menu_end = [leg for leg in legs if leg.location == pbx.Location.MENU][-1]
        self.assertEqual((menu_end.state, menu_end.reason, menu_end.handed_on),
                         (pbx.LegState.ENDED, 1100, True))
        self.assertEqual([leg.state for leg in employee],
                         [pbx.LegState.RINGING, pbx.LegState.TALKING, pbx.LegState.ENDED])
        self.assertFalse(any(leg.handed_on for leg in employee))
        newer = to_pbx(parse_notification("events/call", (
            '{"entry_id":"E","call_id":"c","seq":1,"timestamp":1,"call_state":"Transferred",'
            '"location":"x.1","dct":{"number":"74950000000","type":1}}')))
        self.assertEqual((newer.state, newer.pbx_state, newer.location, newer.pbx_location),
                         (pbx.LegState.OTHER, "Transferred", pbx.Location.OTHER, "x.1"))
        self.assertEqual((newer.tracking_number, newer.tracking_type),
                         ("74950000000", pbx.Tracking.DYNAMIC))

    def test_neutral_recordings_results_and_the_rest(self):
        def neutral(path, payload):
            return to_pbx(parse_notification(path, dumps(payload)))

        recording = {"recording_id": "r", "entry_id": "E", "call_id": "c", "extension": "101"}
        self.assertEqual(
            [neutral("events/recording", {**recording, "recording_state": state,
                                          "completion_code": code}).state
             for state, code in (("Started", 0), ("Completed", 1000), ("Completed", 4002),
                                 ("Paused", 0))],
            [pbx.RecordingState.RECORDING, pbx.RecordingState.SAVED,
             pbx.RecordingState.FAILED, pbx.RecordingState.RECORDING])
        self.assertEqual(neutral("events/record/added", {"entry_id": "E", "recording_id": "r"}),
                         pbx.RecordingEvent("r", "E", pbx.RecordingState.READY))
        self.assertEqual(neutral("result/call/hangup", {"command_id": "c", "result": "4101"}),
                         pbx.CommandResult(pbx.Command.HANGUP, "c", 4101, ok=False))
        self.assertEqual(neutral("result/route", {"command_id": "c", "result": 1000}),
                         pbx.CommandResult(pbx.Command.ROUTE, "c", 1000, ok=True))
        self.assertEqual(neutral("events/dtmf", {"seq": 2, "dtmf": "12", "call_id": "c",
                                                 "entry_id": "E"}),
                         pbx.Dtmf("E", "c", "12", seq=2))
        for path, payload in (("events/sms", {"command_id": "s", "reason": 1000}),
                              ("events/record/tagged", {"entry_id": "E"}), ("ping", {})):
            with self.subTest(path=path):
                self.assertEqual(neutral(path, payload), pbx.Other(kind=path))

    def test_not_a_notification(self):
        for path, json_str in (("events/call", "{"), ("events/call", "[]"),
                               ("events/call", '{"call_id":"c","call_state":"Appeared",'
                                               '"seq":1,"timestamp":1}'),
                               ("events/call", '{"entry_id":"E","call_id":"c","seq":1,'
                                               '"call_state":"Appeared"}'),
                               ("events/summary", '{"entry_id":"E"}'),
                               ("events/recording", '{"recording_id":"r","entry_id":"E"}'),
                               ("result/route", '{"command_id":"c"}'),
                               ("events/ca ll", '{"entry_id":"E"}'),
                               ("events/call", "[" * 100000)):
            with self.subTest(path=path, json=json_str[:80]), \
                    self.assertRaises(MalformedNotification):
                parse_notification(path, json_str)

    def test_values_that_cannot_be_applied(self):
        call = '{"entry_id":"E","call_id":"c","timestamp":1,"call_state":"Appeared",'
        for json_str in (call + '"seq":"x"}', call + '"seq":1,"from":"79161234567"}',
                         call + '"seq":2147483648}', call + '"seq":-1}', call + '"seq":1.5e300}',
                         call + '"seq":NaN}', call + '"seq":true}',
                         call + '"seq":1,"from":{"number":"7\\u0000"}}',
                         call + '"seq":1,"command_id":"' + "я" * 65 + '"}',
                         call + '"seq":1,"to":{"number":"\\udc00"}}',
                         '{"entry_id":"E","call_direction":"in"}',
                         '{"entry_id":"E","call_direction":1,"end_time":-1}',
                         '{"entry_id":"E","call_direction":1,"end_time":99999999999999}'):
            path = "events/summary" if "call_direction" in json_str else "events/call"
            with self.subTest(json=json_str[:90]):
                try:
                    parse_notification(path, json_str)
                except InvalidNotification as error:
                    self.assertEqual(error.entry_ref, "E")
                else:
                    self.fail("InvalidNotification not raised")

    def test_newer_values_are_kept(self):
        event = parse_notification("events/call", '{"entry_id":"E","call_id":"c","seq":1,'
                                   '"timestamp":1,"call_state":"Transferred","location":"x.1"}')
        self.assertEqual((event.call_state, event.location), ("Transferred", "x.1"))
        self.assertEqual(parse_notification("events/summary",
                                            '{"entry_id":"E","call_direction":5}').direction, 5)

    def test_milliseconds(self):
        event = parse_notification("events/call", '{"entry_id":"E","call_id":"c","seq":1,'
                                   '"timestamp":1767261600123,"call_state":"Appeared"}')
        self.assertEqual(event.timestamp, 1767261600)

    @fuzz(max_examples=3000)
    def test_fuzz_never_lets_anything_unstorable_through(self, data):
        """Mutated notifications either fail cleanly or give values PostgreSQL stores."""
        path, payload = sample(data)
        mutated = mutate(data, payload)
        try:
            notification = parse_notification(path, json.dumps(mutated))
        except (MalformedNotification, InvalidNotification):
            return
        for value in vars(notification).values():
            if isinstance(value, str):
                self.assertNotIn("\x00", value)
                self.assertLessEqual(len(value.encode("utf-8")), 1024)
            elif isinstance(value, int) and not isinstance(value, bool):
                self.assertLessEqual(abs(value), 2 ** 63)


@tagged("post_install", "-at_install")
class TestClient(BaseCase):
    """The one class that talks to Mango, against the emulator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = MangoEmulator("key", "salt").start_for(cls)
        cls.startClassPatcher(client_timeouts())  # the short timeouts this class tests

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.client = MangoClient(self.emulator.url, "key", "salt", timeout=2)

    def assertMangoError(self, code, words, call, *args, **kwargs):
        with self.assertRaises(MangoError) as caught:
            call(*args, **kwargs)
        self.assertIsInstance(caught.exception, PbxError, "the call log catches PbxError")
        self.assertEqual(caught.exception.code, code)
        self.assertIn(words, str(caught.exception))
        return caught.exception

    def test_mango_is_a_pbx_client(self):
        self.assertIsInstance(self.client, PbxClient)
        self.assertIsNone(MangoClient.result_error(1000))
        self.assertIn("has ended", str(MangoClient.result_error(4101)))

    def test_users(self):
        users = self.client.users()
        self.assertEqual(users[:1], [Employee(ref="400001", name=users[0].name,
                                              email=users[0].email, extension="101")])
        self.assertEqual([u.extension for u in users], ["101", "102", "103"])
        self.assertEqual(self.emulator.requests_to("config/users/request")[0]["payload"],
                         {"ext_fields": ["general.user_id"]})

    def test_groups_and_lines(self):
        self.emulator.groups = [{"id": 7, "name": "Sales", "extension": "500"}, {"id": 8}]
        self.emulator.lines = [{"line_id": 3, "number": "74951234567", "name": "Main"},
                               {"number": "74951234568"}]
        self.assertEqual(self.client.groups(), [Group("7", "Sales", "500"), Group("8", "?", "")])
        self.assertEqual(self.client.lines(), [Line("3", "74951234567", "Main"),
                                               Line("74951234568", "74951234568",
                                                    "74951234568")])

    def test_statistics_are_what_to_journal_in_mangos_shapes(self):
        """Each call of the statistics comes with its summary and recordings as Mango posts
        them, which the notification parser reads."""
        self.client.STATS_POLL_SECONDS = 0.01
        start = int(time.time()) - 600
        call = incoming_call("S1", "79161234567", start=start, recording_ref="SR1")
        self.emulator.stats.append(stats_row(call))
        now = _utcnow().replace(microsecond=0)
        calls = self.client.statistics(now - timedelta(hours=1), now)
        self.assertEqual([(c.entry_ref, c.start, list(c.recordings)) for c in calls],
                         [("S1", start, ["SR1"])])
        summary = parse_notification(calls[0].summary.path, json.dumps(calls[0].summary.payload))
        self.assertIsInstance(summary, Summary)
        self.assertEqual((summary.entry_ref, summary.from_number), ("S1", "79161234567"))
        record = calls[0].recordings["SR1"]
        added = parse_notification(record.path, json.dumps(record.payload))
        self.assertEqual((type(added), added.entry_ref, added.recording_ref),
                         (RecordAdded, "S1", "SR1"))
        payload = self.emulator.requests_to("stats/request")[0]["payload"]
        self.assertEqual(int(payload["date_to"]) - int(payload["date_from"]), 3600)

    def test_statistics_not_ready_in_time(self):
        self.client.STATS_POLL_SECONDS, self.client.STATS_POLLS = 0.01, 2
        self.emulator.stats_not_ready = 5
        now = _utcnow()
        self.assertMangoError(None, "not ready within", self.client.statistics,
                              now - timedelta(hours=1), now)
        self.assertEqual(len(self.emulator.requests_to("stats/result")), 2)

    def test_answers_mango_should_not_give_are_errors_in_words(self):
        """A body that is not JSON, an HTML error page, a key missing or of another kind:
        every call says so in words, as a MangoError, never a KeyError or a TypeError."""
        self.client.STATS_POLL_SECONDS = 0.01
        html = ("text/html", b"<html><body>502 Bad Gateway</body></html>")

        def body(data):
            return ("application/json", json.dumps(data).encode())

        now = _utcnow()
        hour = (now - timedelta(hours=1), now)
        cases = (
            ("config/users/request", html, "not the JSON object", self.client.users, ()),
            ("config/users/request", body({"result": 1000}), "has no users",
             self.client.users, ()),
            ("config/users/request", body({"users": [{"general": "Rep"}]}),
             "config/users/request is not in the expected format", self.client.users, ()),
            ("groups", body({"result": 1000}), "has no groups", self.client.groups, ()),
            ("groups", body({"groups": [500]}), "not in the expected format",
             self.client.groups, ()),
            ("incominglines", ("text/plain", b"OK"), "not the JSON object", self.client.lines,
             ()),
            ("incominglines", body({"lines": {"number": "74951234567"}}),
             "not in the expected format", self.client.lines, ()),
            ("stats/request", body({"key": 42}), "stats/request is not in the expected format",
             self.client.statistics, hour),
            ("stats/request", body([]), "not the JSON object", self.client.statistics, hour),
            ("stats/result", html, "statistics are not in the expected format",
             self.client.statistics, hour),
            ("queries/user_info_by_dct_number", html, "not the JSON object",
             self.client.tracking_visitor, ("74950001122",)),
            ("queries/user_info_by_dct_number", body({"data": ["visitor"]}),
             "not in the expected format", self.client.tracking_visitor, ("74950001122",)),
            ("queries/recording/post", html, "queries/recording/post is not in the expected "
             "format", self.client.recording, ("rec-1",)),
            ("queries/recording/post", body({"result": "none"}), "HTTP status 200",
             self.client.recording, ("rec-1",)),
            ("commands/route", html, "not the JSON object", self.client.route, ("leg", "101")),
            ("commands/callback", body({"result": "oops"}), "HTTP status 200",
             self.client.callback, ("101", "79161234567")),
            ("forwarding/numbers", body({"result": 1000}), "has no numbers",
             self.client.forwarding_rules, ()),
            ("forwarding/numbers", body({"numbers": [{"forward_id": 1}], "total": 1}),
             "not in the expected format", self.client.forwarding_rules, ()),
        )
        for path, answer, words, call, args in cases:
            with self.subTest(path=path, answer=answer):
                self.emulator.reset()
                self.emulator.add_recording("rec-1")
                self.emulator.fail(path, body=answer, times=1)
                error = self.assertMangoError(None, words, call, *args)
                self.assertFalse(error.retryable, "Mango would answer the same again")

    def test_callback_rings_the_employee_then_the_number(self):
        command_ref = self.client.callback("101", "79161234567")
        self.assertEqual(self.emulator.requests_to("commands/callback")[0]["payload"], {
            "command_id": command_ref, "from": {"extension": "101"}, "to_number": "79161234567"})

    def test_route_with_a_long_cyrillic_name(self):
        name = "Общество с ограниченной ответственностью «Ромашка»"
        self.client.route("leg-1", "101", command_ref="c1", display_name=name)
        payload = self.emulator.requests_to("commands/route")[0]["payload"]
        shown = payload["sip_headers"]["From/display-name"]
        self.assertLessEqual(len(shown.encode()), 64)
        self.assertTrue(name.startswith(shown))
        self.assertGreater(len(shown.encode()), 62, "cut at the limit, not before")
        self.assertEqual((payload["call_id"], payload["to_number"]), ("leg-1", "101"))

    def test_recording_follows_the_one_time_link(self):
        self.emulator.add_recording("rec-1", b"ID3 fake mp3")
        self.assertEqual(self.client.recording("rec-1"), ("audio/mpeg", b"ID3 fake mp3"))
        error = self.assertMangoError(3320, "Recording not found", self.client.recording,
                                      "rec-2")
        self.assertTrue(error.retryable, "Mango is still storing it: asked again later")

    def test_result_codes_in_words(self):
        for code, words in ((3102, "Signature mismatch"), (3105, "Invalid PBX unique code"),
                            (2241, "Insufficient funds"), (5001, "overloaded")):
            with self.subTest(code=code):
                self.emulator.fail("config/users/request", code=code, times=1)
                self.assertMangoError(code, words, self.client.users)

    def test_wrong_salt_is_what_mango_says(self):
        client = MangoClient(self.emulator.url, "key", "wrong", timeout=2)
        self.assertMangoError(3102, "Signature mismatch", client.users)
        client = MangoClient(self.emulator.url, "other", "salt", timeout=2)
        self.assertMangoError(3105, "unique code", client.users)

    def test_http_failures(self):
        self.emulator.fail("*", http_status=429, times=1)
        error = self.assertMangoError(4290, "Rate limit", self.client.users)
        self.assertTrue(error.retryable)
        self.assertTrue(error.rate_limited)
        self.emulator.fail("*", http_status=401, code=3000, times=1)
        self.assertMangoError(None, "two minutes", self.client.users)
        self.emulator.fail("*", http_status=500, times=1)
        self.assertMangoError(None, "HTTP status 500", self.client.users)

    def test_timeout_and_refused_connection_fail_fast_without_retry(self):
        self.emulator.delay("commands/route", 1.0)
        client = MangoClient(self.emulator.url, "key", "salt", timeout=0.3)
        started = time.monotonic()
        self.assertMangoError(None, "did not answer in time", client.route, "leg", "101")
        self.assertLess(time.monotonic() - started, 0.9)
        time.sleep(0.8)
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 1)
        down = MangoClient("http://127.0.0.1:9/vpbx/", "key", "salt", timeout=2)
        self.assertMangoError(None, "Could not reach Mango", down.users)

    def test_refusal_is_not_retried(self):
        self.emulator.fail("commands/route", code=4101)
        self.assertMangoError(4101, "ended", self.client.route, "leg", "101")
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 1)

    def test_missing_credentials(self):
        with self.assertRaises(MangoError):
            MangoClient(self.emulator.url, "", "salt")

"""Binotel's protocol without a database: its form bodies, its requests as the call log's
neutral events, its dispositions and errors in words, and its REST client against the
emulator."""
import json
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import requests

from odoo.tests import BaseCase, tagged

from ..binotel import BinotelClient, BinotelError, read_body
from ..binotel import codes, events, forms, webhook
from ..binotel.neutral import parse, to_pbx
from ..pbx import events as pbx
from ..pbx.client import Employee, PbxClient, PbxError, PbxNotReady, PbxUnsupported
from ..pbx.numbers import Number, as_written, classify
from ..pbx.providers import provider
from ..pbx.values import InvalidNotification, MalformedNotification
from .common import client_timeouts
from .emulators.binotel import (BinotelEmulator, call_settings, completed_call, encode,
                                incoming_call, legacy_names, outgoing_call, push)
from .fuzzing import fuzz

try:
    from hypothesis import strategies as st
except ImportError:
    st = None


def _q(key):
    return quote(key, safe="")


# A completed call as Binotel posted it in 2023 (reference §4.3, ①): the keys, percent-
# encoded brackets and values of that body.
REAL_COMPLETED = "&".join(f"{_q(key)}={_q(value)}" for key, value in (
    ("requestType", "apiCallCompleted"), ("attemptsCounter", "5"),
    ("callDetails[companyID]", "62770"), ("callDetails[generalCallID]", "4683310794"),
    ("callDetails[callID]", "4683310794"), ("callDetails[startTime]", "1702107076"),
    ("callDetails[callType]", "0"), ("callDetails[internalNumber]", "901"),
    ("callDetails[internalAdditionalData]", ""), ("callDetails[externalNumber]", "0990272198"),
    ("callDetails[waitsec]", "13"), ("callDetails[billsec]", "17"),
    ("callDetails[disposition]", "ANSWER"), ("callDetails[recordingStatus]", "uploaded"),
    ("callDetails[isNewCall]", "0"), ("callDetails[whoHungUp]", ""),
    ("callDetails[customerData]", ""), ("callDetails[employeeData][name]", "Ярослав 2"),
    ("callDetails[employeeData][email]", "rep@example.com"),
    ("callDetails[pbxNumberData][number]", "0502792021"),
    ("callDetails[historyData][0][waitsec]", "13"),
    ("callDetails[historyData][0][billsec]", "17"),
    ("callDetails[historyData][0][disposition]", "ANSWER"),
    ("callDetails[historyData][0][internalNumber]", "901"),
    ("callDetails[historyData][0][internalAdditionalData]", ""),
    ("callDetails[historyData][0][employeeData][name]", "Ярослав 2"),
    ("callDetails[historyData][0][employeeData][email]", "rep@example.com"),
    ("language", "ru")))


def neutral(notification, received_at=0):
    """What the call log gets of one request ``(path, data)`` posted as Binotel posts it."""
    path, data = notification
    data = read_body(encode(data).encode())
    if received_at:
        data[events.RECEIVED_AT] = str(received_at)
    return parse(path, json.dumps(data))


@tagged("post_install", "-at_install", "binotel")
class TestBinotelForms(BaseCase):
    """Form bodies with PHP bracket keys, as Binotel posts them."""

    def test_a_real_body_nests(self):
        data = read_body(REAL_COMPLETED.encode(), "application/x-www-form-urlencoded")
        details = data["callDetails"]
        self.assertEqual((data["requestType"], details["generalCallID"], details["customerData"]),
                         ("apiCallCompleted", "4683310794", ""))
        self.assertEqual(details["employeeData"], {"name": "Ярослав 2",
                                                   "email": "rep@example.com"})
        self.assertEqual(details["historyData"][0]["waitsec"], "13")
        self.assertEqual(details["historyData"][0]["employeeData"]["name"], "Ярослав 2")

    def test_indices_make_lists_in_order(self):
        self.assertEqual(forms.parse_form("a[1][x]=b&a[0][x]=a&a[2][x]=c"),
                         {"a": [{"x": "a"}, {"x": "b"}, {"x": "c"}]})
        self.assertEqual(forms.parse_form("a[]=x&a[]=y"), {"a": ["x", "y"]})
        self.assertEqual(forms.parse_form("a[0]=x&a[2]=y"), {"a": {"0": "x", "2": "y"}},
                         "with a gap, the indices stay keys")
        self.assertEqual(forms.parse_form("a[01]=x"), {"a": {"01": "x"}})
        self.assertEqual(forms.parse_form("a=1&a=2&b=1&b[c]=2"), {"a": "2", "b": {"c": "2"}},
                         "as in PHP, the last value wins")
        self.assertEqual(forms.parse_form(""), {})

    def test_json_bodies_too(self):
        """One integration received JSON (reference §9.1): both are read."""
        self.assertEqual(read_body(b'{"requestType": "hangupTheCall"}'),
                         {"requestType": "hangupTheCall"})
        self.assertEqual(read_body('{"a": "1"}', "application/json; charset=utf-8"), {"a": "1"})
        self.assertEqual(read_body(b"requestType=x"), {"requestType": "x"})

    def test_malformed_bodies_are_value_errors_in_words(self):
        cases = {"a[b=1": "not a name", "=1": "not a name", "[a]=1": "not a name",
                 "a[b]c=1": "not a name", "a%00=1": "control characters",
                 "a" + "[x]" * 9 + "=1": "deeper than 8",
                 f"a[{'x' * 200}]=1": "longer than 128",
                 "&".join(["a=1"] * 2001): "more than 2000 fields",
                 "a=" + "x" * forms.MAX_BODY: "larger than"}
        cases.update({'{"a": 1': "not valid JSON", "[1]": "not a JSON object"})
        for body, words in cases.items():
            with self.subTest(body=body[:40]), self.assertRaises(ValueError) as caught:
                read_body(body.encode(), "application/json" if body == "[1]" else "")
            self.assertIs(type(caught.exception), ValueError)
            self.assertIn(words, str(caught.exception))

    @fuzz(max_examples=500)
    def test_fuzz_any_body_is_a_dict_or_a_value_error(self, data):
        alphabet = "ab0[]=&%5B%5D{}\"\x00é"
        body = data.draw(st.text(alphabet=alphabet, max_size=80) | st.binary(max_size=80))
        try:
            result = read_body(body)
        except ValueError:
            return
        self.assertIsInstance(result, dict)


@tagged("post_install", "-at_install", "binotel")
class TestBinotelRequests(BaseCase):
    """Binotel's three kinds of request as the call log's neutral events."""

    def test_push_moves_the_customers_leg(self):
        call = incoming_call("777", "0671234567", extension="901")
        legs = [neutral(request, received_at=1767261600 + i)
                for i, request in enumerate(call) if request[0] == "push"]
        self.assertEqual([(leg.state, leg.seq, leg.pbx_state) for leg in legs], [
            (pbx.LegState.RINGING, 1, "receivedTheCall"),
            (pbx.LegState.TALKING, 2, "answeredTheCall"),
            (pbx.LegState.ENDED, 4, "hangupTheCall")])
        ringing, ended = legs[0], legs[-1]
        self.assertEqual((ringing.entry_ref, ringing.leg_ref, ringing.location,
                          ringing.from_number, ringing.to_extension, ringing.line_number,
                          ringing.timestamp),
                         ("777", "777", pbx.Location.EMPLOYEE, "0671234567", "901",
                          "0441234567", 1767261600))
        self.assertEqual((ended.reason, ended.from_number), (codes.disposition_code("ANSWER"), ""))
        self.assertEqual(provider("binotel").describe(ended.reason), "Answered")

    def test_push_with_the_names_of_api_2(self):
        for request in incoming_call("778", "0671234567")[:2]:
            with self.subTest(kind=request[1]["requestType"]):
                self.assertEqual(neutral((request[0], legacy_names(request[1]))),
                                 neutral(request))

    def test_outgoing_and_transferred_push(self):
        ringing, answered = (neutral(r) for r in outgoing_call("779", "902", "0501112233")[:2])
        self.assertEqual((ringing.from_extension, ringing.to_number, ringing.to_extension,
                          ringing.location), ("902", "0501112233", "", pbx.Location.EMPLOYEE))
        self.assertEqual((answered.state, answered.from_extension, answered.location),
                         (pbx.LegState.TALKING, "", ""), "no call type: no parties guessed")
        moved = neutral(push("transferredTheCall", "779", callType="0", internalNumber="903"))
        self.assertEqual((moved.state, moved.seq, moved.to_extension),
                         (pbx.LegState.TALKING, 3, "903"))

    def test_call_settings_is_a_route_query(self):
        query = neutral(call_settings("0671234567"))
        self.assertEqual(query, pbx.RouteQuery(from_number="0671234567", line_number="0441234567",
                                               direction=pbx.Direction.INCOMING))
        old = neutral(("settings", {"requestType": "gettingCallSettings",
                                    "srcNumber": "0671234567", "didNumber": "0441234567"}))
        self.assertEqual((old.from_number, old.line_number, old.direction),
                         ("0671234567", "0441234567", ""))

    def test_a_real_completed_call(self):
        report = parse("completed", json.dumps(read_body(REAL_COMPLETED)))
        self.assertIsInstance(report, pbx.CallReport)
        kinds = [type(event).__name__ for event in report.events]
        self.assertEqual(kinds, ["LegEvent"] * 3 + ["CallSummary", "RecordingEvent"],
                         "one attempt: the customer's leg is at that employee's phone")
        summary = report.events[3]
        self.assertEqual((summary.entry_ref, summary.direction, summary.from_number,
                          summary.to_extension, summary.line_number, summary.answered),
                         ("4683310794", pbx.Direction.INCOMING, "0990272198", "901",
                          "0502792021", True))
        self.assertEqual((summary.start_time, summary.answer_time, summary.end_time),
                         (1702107076, 1702107076 + 13, 1702107076 + 30))
        self.assertEqual(codes.describe(summary.reason), "Answered")
        self.assertEqual([(leg.state, leg.timestamp) for leg in report.events[:3]],
                         [(pbx.LegState.RINGING, 1702107076), (pbx.LegState.TALKING, 1702107089),
                          (pbx.LegState.ENDED, 1702107106)])
        self.assertEqual(report.events[4], pbx.RecordingEvent(
            "4683310794", "4683310794", pbx.RecordingState.READY, pbx_state="uploaded",
            extension="901"))

    def test_attempts_are_legs_one_after_the_other(self):
        call = incoming_call("780", "0671234567", start=1767261600, attempts=[
            ("901", 20, 0, "NOANSWER"), ("902", 15, 0, "BUSY"), ("903", 5, 60, "ANSWER")])
        report = neutral(call[-1])
        legs = [e for e in report.events if isinstance(e, pbx.LegEvent) and ":" in e.leg_ref]
        self.assertEqual([(leg.leg_ref, leg.to_extension, leg.state, leg.timestamp, leg.reason)
                          for leg in legs], [
            ("780:1", "901", "ringing", 1767261600, 0), ("780:1", "901", "ended", 1767261620, 5),
            ("780:2", "902", "ringing", 1767261620, 0), ("780:2", "902", "ended", 1767261635, 4),
            ("780:3", "903", "ringing", 1767261635, 0), ("780:3", "903", "talking", 1767261640, 0),
            ("780:3", "903", "ended", 1767261700, 1)])
        summary = next(e for e in report.events if isinstance(e, pbx.CallSummary))
        self.assertEqual((summary.to_extension, summary.answer_time, summary.end_time),
                         ("903", 1767261640, 1767261700))
        self.assertEqual([codes.describe(leg.reason) for leg in legs if leg.reason],
                         ["No answer", "Busy", "Answered"])

    def test_a_missed_call_without_its_own_waitsec(self):
        """A body of 2021 (reference §4.3): no top-level waitsec, the attempt tells it."""
        body = ("requestType=apiCallCompleted&attemptsCounter=3&callDetails[generalCallID]=31"
                "&callDetails[startTime]=1639667705&callDetails[callType]=0"
                "&callDetails[internalNumber]=901&callDetails[externalNumber]=0689532858"
                "&callDetails[billsec]=0&callDetails[disposition]=CANCEL"
                "&callDetails[recordingStatus]=uploaded"
                "&callDetails[historyData][0][waitsec]=30"
                "&callDetails[historyData][0][disposition]=CANCEL")
        report = parse("completed", json.dumps(read_body(body)))
        summary = report.events[-1]
        self.assertIsInstance(summary, pbx.CallSummary, "no recording of a missed call")
        self.assertEqual((summary.answered, summary.answer_time, summary.end_time,
                          codes.describe(summary.reason), summary.to_extension),
                         (False, 0, 1639667735, "The caller hung up before an answer", "901"))

    def test_call_tracking_comes_with_the_call(self):
        tracking = {"id": "77", "type": "dynamic", "gaClientId": "GA1.2.3", "utm_source": "google",
                    "utm_campaign": "spring", "geoipCity": "Київ", "fullUrl": "https://shop.ua/",
                    "firstVisitAt": "0"}
        call = incoming_call("781", "0671234567", tracking=tracking)
        summary = next(e for e in neutral(call[-1]).events if isinstance(e, pbx.CallSummary))
        self.assertEqual((summary.tracking_number, summary.tracking_type),
                         ("0441234567", pbx.Tracking.DYNAMIC))
        self.assertEqual(summary.visitor, {"uid": "77", "ga_cid": "GA1.2.3",
                                           "channel_source": "google",
                                           "channel_campaign": "spring",
                                           "location_city": "Київ",
                                           "current_page_url": "https://shop.ua/"})

    def test_the_shape_of_api_2(self):
        """2018's callDetails (reference §9.7): dstNumbers, employeeName, srcNumber, didNumber."""
        details = {"generalCallID": "55", "startTime": "1767261600", "callType": "0",
                   "srcNumber": "0671234567", "didNumber": "0441234567", "waitsec": "4",
                   "billsec": "10", "disposition": "ANSWER", "employeeName": "Rep",
                   "dstNumbers": [{"dstNumber": "901", "waitsec": "4", "billsec": "10",
                                   "disposition": "ANSWER", "employeeName": "Rep"}]}
        parsed = events.CallDetails.parse(read_body(encode({"d": details}))["d"])
        self.assertEqual((parsed.external_number, parsed.line_number, parsed.employee_name,
                          parsed.attempts[0].internal_number), ("0671234567", "0441234567",
                                                                "Rep", "901"))

    def test_the_rest(self):
        self.assertEqual(neutral(("push", {"requestType": "newKindOfPush", "generalCallID": "1"})),
                         pbx.Other(kind="newKindOfPush"))
        self.assertEqual(parse(events.RECORD_READY, '{"generalCallID": "9"}'),
                         pbx.RecordingEvent("9", "9", pbx.RecordingState.READY))

    def test_not_a_request(self):
        for body in ('{"generalCallID": "1"}', '{"requestType": "hangupTheCall"}',
                     '{"requestType": "apiCallCompleted", "callDetails": "x"}',
                     '{"requestType": "apiCallCompleted", "callDetails": {"startTime": "1"}}',
                     "[]", "{", '{"requestType": 5}'):
            with self.subTest(body=body), self.assertRaises(MalformedNotification):
                parse("push", body)

    def test_values_that_cannot_be_applied(self):
        completed = {"requestType": "apiCallCompleted"}
        for details in ({"startTime": "soon"}, {"waitsec": "-1"}, {"historyData": ["x"]},
                        {"historyData": "x"}, {"externalNumber": "067\x00"},
                        {"employeeData": "Rep"}, {"callType": "in"}):
            with self.subTest(details=details), self.assertRaises(InvalidNotification) as caught:
                parse("completed", json.dumps({**completed, "callDetails": {
                    "generalCallID": "E1", **details}}))
            self.assertEqual(caught.exception.entry_ref, "E1")
        with self.assertRaises(InvalidNotification) as caught:
            parse("push", '{"requestType": "hangupTheCall", "generalCallID": "E2", '
                          '"billsec": "x"}')
        self.assertEqual(caught.exception.entry_ref, "E2")

    def test_dispositions_and_errors_in_words(self):
        words = {"ANSWER": "Answered", "NOANSWER": "No answer", "BUSY": "Busy",
                 "CANCEL": "The caller hung up before an answer",
                 "CHANUNAVAIL": "The number is unavailable", "FAILED": "The fax was not received",
                 "VM": "Voicemail, no message left", "VM-SUCCESS": "Voicemail, a message was left",
                 "TRANSFER": "Answered, then transferred", "CONGESTION": "The network is congested"}
        for disposition, text in words.items():
            with self.subTest(disposition=disposition):
                self.assertEqual(codes.describe(disposition), text)
                self.assertEqual(codes.describe(codes.disposition_code(disposition)), text)
        self.assertEqual(codes.disposition_code("ANSWER"), 1, "stored in the call log: stable")
        self.assertEqual(codes.describe(codes.disposition_code("HOLOGRAM")),
                         "An outcome Binotel added since")
        self.assertEqual((codes.disposition_code(""), codes.describe("nonsense")),
                         (0, "Unknown code"))
        self.assertEqual(codes.describe(121), "The API key or secret is wrong")
        self.assertEqual(codes.describe("106"), "Requests are too frequent")
        numbers = [number for number, _words in codes.DISPOSITIONS.values()]
        self.assertFalse(set(numbers) & set(codes.ERRORS), "no error has a disposition's number")

    def test_webhook_helpers(self):
        self.assertTrue(webhook.from_binotel("194.88.218.116"))
        self.assertTrue(webhook.from_binotel("10.1.2.3", extra=["bad entry", "10.0.0.0/8"]))
        for address in ("8.8.8.8", "", "localhost", None):
            self.assertFalse(webhook.from_binotel(address))
        self.assertEqual(json.loads(webhook.SUCCESS), {"status": "success"})
        self.assertEqual(webhook.call_settings_reply(), {})
        self.assertEqual(webhook.call_settings_reply(name="ТОВ Ромашка", employee_email="a@b.ua"),
                         {"customerData": {"name": "ТОВ Ромашка", "assignedToEmployeeEmail": "a@b.ua"},
                          "name": "ТОВ Ромашка"})

    def test_ukrainian_numbers_as_binotel_sends_them(self):
        for raw in ("0671234567", "380671234567", "00380671234567", "+380671234567",
                    "067 123 45 67"):
            with self.subTest(raw=raw):
                self.assertEqual(classify(raw, "UA"), Number(raw, "phone", "+380671234567"))
        self.assertEqual(classify("901", "UA").kind, "extension")
        self.assertEqual(as_written("0441234567", "UA"), "+380 44 123 4567")


@tagged("post_install", "-at_install", "binotel")
class TestBinotelClient(BaseCase):
    """The one class that talks to Binotel, against the emulator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = BinotelEmulator("key", "secret").start_for(cls)
        cls.startClassPatcher(client_timeouts(BinotelClient))

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.client = BinotelClient(self.emulator.url, "key", "secret", timeout=2)

    def assertBinotelError(self, code, words, call, *args, **kwargs):
        with self.assertRaises(BinotelError) as caught:
            call(*args, **kwargs)
        error = caught.exception
        self.assertEqual((isinstance(error, PbxError), error.code), (True, code),
                         "a PbxError, which the call log catches")
        self.assertIn(words, str(error))
        return error

    def test_binotel_is_a_pbx_client(self):
        self.assertIsInstance(self.client, PbxClient)
        self.assertIs(provider("binotel").client_class, BinotelClient)
        self.assertIsNone(BinotelClient.result_error(0))
        self.assertIn("cannot be called", str(BinotelClient.result_error(151)))
        self.assertEqual(BinotelClient.DEFAULT_URL, "https://api.binotel.com/api/4.0/")

    def test_users(self):
        self.assertEqual(self.client.users(), [
            Employee("5001", "Олена Коваль", "olena@example.com", "901"),
            Employee("5002", "Тарас Шевчук", "taras@example.com", "902"),
            Employee("5003", "Ірина Бойко", "iryna@example.com", "903")])
        self.assertEqual(self.emulator.requests_to("settings/list-of-employees")[0]["payload"], {})

    def test_the_body_carries_the_key_and_secret(self):
        response = requests.post(self.emulator.url + "settings/list-of-employees.json",
                                 json={"key": "key", "secret": "secret"}, timeout=5)
        self.assertEqual(response.json()["status"], "success")
        self.assertBinotelError(121, "key or secret is wrong",
                                BinotelClient(self.emulator.url, "key", "wrong").users)

    def test_errors_in_words_with_any_http_status(self):
        for status in (200, 400):
            self.emulator.error_http_status = status
            for code, words in ((103, "mandatory parameter is missing"), (120, "disabled"),
                                (999, "Error")):
                with self.subTest(status=status, code=code):
                    self.emulator.fail("settings/list-of-employees", code=code, times=1)
                    error = self.assertBinotelError(code, words, self.client.users)
                    self.assertEqual(error.http_status, status)
                    self.assertFalse(error.retryable)
        self.emulator.fail("*", code=106, times=1)
        error = self.assertBinotelError(106, "too frequent", self.client.users)
        self.assertTrue(error.retryable and error.rate_limited)

    def test_answers_binotel_should_not_give_are_errors_in_words(self):
        html = ("text/html", b"<html><body>502 Bad Gateway</body></html>")

        def body(data):
            return ("application/json", json.dumps(data).encode())

        cases = (
            (html, "not the JSON object"),
            (body({"status": "success"}), "has no listOfEmployees"),
            (body({"status": "success", "listOfEmployees": ["Rep"]}), "not in the expected format"),
            (body({"listOfEmployees": []}), "not in the expected format"),
            (body({"status": "error", "message": "Server busy"}),
             "refused the request: Server busy"),
        )
        for answer, words in cases:
            with self.subTest(answer=answer):
                self.emulator.fail("settings/list-of-employees", body=answer, times=1)
                self.assertBinotelError(None, words, self.client.users)
        self.emulator.fail("*", http_status=503, times=1)
        self.assertTrue(self.assertBinotelError(None, "HTTP status 503", self.client.users)
                        .retryable)
        self.emulator.fail("*", http_status=429, times=1)
        self.assertTrue(self.assertBinotelError(106, "too frequent", self.client.users)
                        .rate_limited)

    def test_click_to_call_rings_the_employee_then_the_number(self):
        general_call_ref = self.client.callback("901", "380671234567", line_number="380441234567")
        self.assertTrue(general_call_ref.isdigit())
        self.assertEqual(
            self.emulator.requests_to("calls/internal-number-to-external-number")[0]["payload"],
            {"internalNumber": "901", "externalNumber": "0671234567", "pbxNumber": "0441234567"})
        self.client.callback("903", "48221234567")
        self.assertEqual(self.emulator.requests_to(
            "calls/internal-number-to-external-number")[1]["payload"]["externalNumber"],
            "48221234567", "a foreign number as it is")
        self.assertBinotelError(150, "internal number cannot be called", self.client.callback,
                                "999", "380671234567")

    def test_transfer_and_hang_up_the_call_of_a_leg(self):
        self.assertEqual(self.client.transfer("4683310794:2", "902", initiator="901"), "4683310794")
        self.assertEqual(self.client.hangup("4683310794"), "4683310794")
        self.assertEqual(self.emulator.requests_to("calls/attended-call-transfer")[0]["payload"],
                         {"generalCallID": "4683310794", "externalNumber": "902"})
        self.assertEqual(self.emulator.requests_to("calls/hangup-call")[0]["payload"],
                         {"generalCallID": "4683310794"})

    def test_what_binotel_has_no_method_for(self):
        for call, args in ((self.client.route, ("leg", "901")), (self.client.groups, ()),
                           (self.client.lines, ()), (self.client.tracking_visitor, ("044",)),
                           (self.client.group_callback, ("380671234567", "500", "0441234567"))):
            with self.subTest(call=call.__name__), self.assertRaises(PbxUnsupported) as caught:
                call(*args)
            self.assertFalse(caught.exception.retryable)
        self.assertEqual(self.emulator.requests, [], "nothing asked of Binotel")

    def test_statistics_are_what_to_journal_in_binotels_shapes(self):
        start = int(time.time()) - 600
        self.emulator.keep_in_stats(incoming_call("S1", "0671234567", start=start))
        self.emulator.keep_in_stats(incoming_call("S2", "0671234567", start=start + 5,
                                                  answered=False))
        now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        calls = self.client.statistics(now - timedelta(hours=1), now)
        self.assertEqual([(c.entry_ref, c.start, list(c.recordings)) for c in calls],
                         [("S1", start, ["S1"]), ("S2", start + 5, [])])
        report = parse(calls[0].summary.path, json.dumps(calls[0].summary.payload))
        summary = next(e for e in report.events if isinstance(e, pbx.CallSummary))
        self.assertEqual((summary.entry_ref, summary.from_number, summary.answered),
                         ("S1", "0671234567", True))
        record = calls[0].recordings["S1"]
        self.assertEqual(parse(record.path, json.dumps(record.payload)),
                         pbx.RecordingEvent("S1", "S1", pbx.RecordingState.READY))
        payload = self.emulator.requests_to("stats/list-of-calls-for-period")[0]["payload"]
        self.assertEqual(payload["stopTime"] - payload["startTime"], 3600)
        self.assertEqual(self.client.statistics(now - timedelta(days=2),
                                                now - timedelta(days=1, hours=1)), [],
                         "no call: Binotel's []")
        self.assertBinotelError(None, "at most 24 hours", self.client.statistics,
                                now - timedelta(hours=25), now)

    def test_the_recording_link_expires(self):
        self.emulator.add_recording("R1", b"ID3 fake mp3")
        self.assertEqual(self.client.recording("R1"), ("audio/mpeg", b"ID3 fake mp3"))
        self.assertEqual(self.emulator.requests_to("stats/call-record")[0]["payload"],
                         {"generalCallID": "R1", "callID": "R1"})
        self.emulator.link_seconds = 0.1
        url = self.client.request("stats/call-record", {"generalCallID": "R1"})["url"]
        time.sleep(0.2)
        self.assertEqual(requests.get(url, timeout=5).status_code, 404)
        self.emulator.uploading.add("R2")
        error = self.assertBinotelError(None, "no file of the recording", self.client.recording,
                                        "R2")
        self.assertIsInstance(error, PbxNotReady)
        self.assertTrue(error.retryable, "Binotel is still uploading it: asked again later")
        self.assertBinotelError(104, "wrong value", self.client.recording, "R3")

    def test_timeout_and_refused_connection_fail_fast_without_retry(self):
        path = "calls/internal-number-to-external-number"
        self.emulator.delay(path, 1.0)
        client = BinotelClient(self.emulator.url, "key", "secret", timeout=0.3)
        started = time.monotonic()
        error = self.assertBinotelError(None, "did not answer in time", client.callback, "901",
                                        "380671234567")
        self.assertLess(time.monotonic() - started, 0.9)
        self.assertTrue(error.retryable)
        time.sleep(0.8)
        self.assertEqual(len(self.emulator.requests_to(path)), 1, "a call is never asked twice")
        down = BinotelClient("http://127.0.0.1:9/api/4.0/", "key", "secret", timeout=2)
        self.assertBinotelError(None, "Could not reach Binotel", down.users)

    def test_missing_credentials(self):
        with self.assertRaises(BinotelError):
            BinotelClient(None, "key", "")
        self.assertEqual(BinotelClient(None, "k", "s").base_url, BinotelClient.DEFAULT_URL)

    def test_the_emulator_posts_forms_odoo_reads(self):
        """What ``incoming_call`` posts is a bracket form the parser reads back."""
        notifications = incoming_call("P1", "0671234567", attempts=[("901", 5, 0, "NOANSWER"),
                                                                    ("902", 3, 20, "ANSWER")])
        completed = notifications[-1]
        self.assertIn("callDetails%5BhistoryData%5D%5B1%5D%5BinternalNumber%5D=902",
                      encode(completed[1]))
        self.assertEqual(read_body(encode(completed[1]))["callDetails"]["historyData"][1]
                         ["internalNumber"], "902")
        self.assertEqual(completed_call("P2", 1, "0671234567", 1, [("901", 1, 2, "ANSWER")])[0],
                         "completed")

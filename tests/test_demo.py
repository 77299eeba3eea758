import json
import random
import re
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch
from urllib.parse import parse_qs

from odoo.tests import BaseCase, Form, TransactionCase, tagged
from odoo.tools import convert_file

from ..binotel import BinotelClient
from ..mango import MangoClient, parse_notification
from ..pbx.numbers import classify
from .emulators import binotel_demo
from .emulators.demo import RING, TALK, CallPlan, DemoTeam, demo_plans, play_demo
from .emulators.mango import MangoEmulator, incoming_call
from .emulators.mango_demo import (DEMO_CUSTOMERS, DEMO_EXTENSIONS, DEMO_STRANGERS,
                                   DEMO_TRACKING, MANGO_BOOK, MangoDemoCall, demo_emulator)

KEY, SALT = "demo-key", "demo-salt"
SCALE = 0.01  # a demo second lasts 10 ms here


def wait_until(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


@tagged("post_install", "-at_install")
class TestDemoPacing(BaseCase):
    """The demo's calls are paced as real ones, the same for the same seed."""

    def plans(self, seed, count=3000, every=40.0):
        plans = demo_plans(random.Random(seed), every, MANGO_BOOK)
        return [next(plans) for _ in range(count)]

    def test_the_same_seed_gives_the_same_calls(self):
        self.assertEqual(self.plans(7, 200), self.plans(7, 200))
        self.assertNotEqual(self.plans(7, 200), self.plans(8, 200))

    def test_timings_in_their_ranges(self):
        plans = self.plans(1)
        self.assertTrue(all(RING[0] <= plan.ring <= RING[1] for plan in plans))
        self.assertTrue(all(plan.talk == 0 or TALK[0] <= plan.talk <= TALK[1]
                            for plan in plans))
        self.assertEqual((RING, TALK), ((5, 15), (30, 180)))
        self.assertTrue(all(20 <= plan.pause <= 60 for plan in plans))
        self.assertAlmostEqual(statistics.mean(plan.pause for plan in plans), 40, delta=1)
        self.assertEqual({plan.ring for plan in plans}, set(range(5, 16)), "all of the range")

    def test_a_mix_of_calls_a_sales_team_gets(self):
        plans = self.plans(2)
        incoming = [plan for plan in plans if plan.direction == "incoming"]
        outgoing = [plan for plan in plans if plan.direction == "outgoing"]
        known = [plan for plan in incoming if plan.number in DEMO_CUSTOMERS]
        strangers = [plan for plan in incoming if plan.number not in DEMO_CUSTOMERS]

        def share(part, whole):
            return len(part) / len(whole)

        self.assertAlmostEqual(share(outgoing, plans), 0.2, delta=0.03)
        self.assertAlmostEqual(share([p for p in incoming if not p.talk], incoming), 0.2,
                               delta=0.03, msg="a missed call now and then")
        self.assertAlmostEqual(share(known, incoming), 0.55, delta=0.04)
        self.assertTrue({plan.number for plan in strangers} > set(DEMO_STRANGERS),
                        "callers nobody knows, some of them again")
        self.assertTrue(all(plan.tracking in ("", DEMO_TRACKING) for plan in plans))
        self.assertFalse([plan for plan in known if plan.tracking])
        self.assertTrue([plan for plan in strangers if plan.tracking])
        self.assertTrue(all(plan.extension in DEMO_EXTENSIONS for plan in plans))
        self.assertTrue(all(DEMO_CUSTOMERS.get(plan.number) == plan.extension
                            for plan in outgoing), "reps call their own customers")


class Webhook:
    """What Odoo would receive: every notification posted to it, parsed (Mango's; Binotel's
    forms with ``pbx="binotel"``, answered as Odoo answers them)."""

    def __init__(self, pbx="mango"):
        received = self.received = []
        binotel = pbx == "binotel"

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                path = self.path.removeprefix(f"/{pbx}/")
                received.append((path, {key: values[0] for key, values in form.items()}
                                 if binotel else json.loads(form["json"][0])))
                body = b'{"status":"success"}' if binotel else b""
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{pbx}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def calls(self, state=None, call_id=None):
        return [payload for path, payload in self.received if path == "events/call"
                and state in (None, payload["call_state"])
                and call_id in (None, payload["call_id"])]


@tagged("post_install", "-at_install")
class TestDemoCall(BaseCase):
    """A demo call played as it happens, following what the emulator did to it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = MangoEmulator(KEY, SALT).start_for(cls)

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.emulator.recordings.clear()
        self.webhook = Webhook()
        self.addCleanup(self.webhook.stop)
        self.log = []

    def play(self, plan, entry="D1", team=None, webhook=None):
        call = MangoDemoCall(self.emulator, webhook or self.webhook.url, plan, entry, team,
                             scale=SCALE, log=lambda line, **kw: self.log.append(line))
        thread = threading.Thread(target=call.run)
        thread.start()
        self.addCleanup(thread.join)
        return thread

    def incoming(self, ring=8, talk=60, number="79161234567", extension="102", tracking=""):
        return CallPlan(0, "incoming", number, extension, "74951234567", ring, talk, tracking)

    def assertAbout(self, seconds, expected):
        self.assertTrue(expected <= seconds <= expected + 2, f"{seconds} s, not {expected} s")

    def test_an_answered_call_rings_then_talks(self):
        self.play(self.incoming(tracking=DEMO_TRACKING)).join()
        paths = [path for path, _payload in self.webhook.received]
        self.assertEqual(paths, ["events/call"] * 5 + ["events/summary", "events/recording",
                                                       "events/recording", "events/record/added"])
        for path, payload in self.webhook.received:
            parse_notification(path, json.dumps(payload))  # all valid Mango notifications
        ivr, ivr_end, ringing, talking, end = self.webhook.calls()
        self.assertEqual((ivr["location"], ivr_end["call_state"]), ("ivr", "Disconnected"))
        self.assertEqual((ringing["to"]["extension"], ringing["from"]["taken_from_call_id"]),
                         ("102", ivr["call_id"]))
        self.assertEqual({event["call_id"] for event in (ringing, talking, end)},
                         {ringing["call_id"]})
        self.assertEqual([event["seq"] for event in (ringing, talking, end)], [1, 2, 3])
        self.assertEqual(ringing["dct"], {"number": DEMO_TRACKING, "type": 1})
        self.assertAbout(ringing["timestamp"] - ivr["timestamp"], 3)
        self.assertAbout(talking["timestamp"] - ringing["timestamp"], 8)
        self.assertAbout(end["timestamp"] - talking["timestamp"], 60)
        summary = self.webhook.received[5][1]
        self.assertEqual((summary["entry_result"], summary["talk_time"], summary["to"]),
                         (1, talking["timestamp"], {"extension": "102",
                                                    "number": "sip:102@demo.mangosip.ru"}))
        self.assertEqual([row["entry_id"] for row in self.emulator.stats], ["D1"])
        self.assertEqual(self.emulator.stats[0]["records"], ["rec-D1"])
        self.assertIn("rec-D1", self.emulator.recordings)
        self.assertRegex(self.log[0], r"^incoming call D1 79161234567 ext 102: talked \d+ s$")

    def test_a_missed_call(self):
        self.play(self.incoming(ring=12, talk=0)).join()
        _ivr, _ivr_end, ringing, end = self.webhook.calls()
        self.assertEqual((end["call_state"], end["disconnect_reason"]), ("Disconnected", 1111))
        self.assertAbout(end["timestamp"] - ringing["timestamp"], 12)
        summary = self.webhook.received[-1][1]
        self.assertEqual((summary["entry_result"], summary["talk_time"]), (0, 0))
        self.assertNotIn("rec-D1", self.emulator.recordings)
        self.assertEqual(self.log, ["incoming call D1 79161234567 ext 102: missed"])

    def test_an_outgoing_call(self):
        self.play(CallPlan(0, "outgoing", "79161234567", "101", "74951234567", 6, 40)).join()
        dialling, talking, end = self.webhook.calls()
        self.assertEqual((dialling["from"]["extension"], dialling["to"]["number"]),
                         ("101", "79161234567"))
        self.assertAbout(talking["timestamp"] - dialling["timestamp"], 6)
        self.assertEqual(end["disconnect_reason"], 1120)
        summary = self.webhook.received[3][1]
        self.assertEqual((summary["call_direction"], summary["from"]["extension"],
                          summary["to"]), (2, "101", {"number": "79161234567"}))

    def test_the_call_goes_on_at_a_leg_the_emulator_opened(self):
        """A route or a transfer: the emulator posts the new leg, the call follows it."""
        self.play(self.incoming(ring=5, talk=180))
        wait_until(lambda: self.webhook.calls("Connected"))
        talking = self.webhook.calls("Connected")[0]
        colleague = {**talking, "call_id": "D1:transfer", "seq": 1, "call_state": "Appeared",
                     "to": {"extension": "103", "number": "sip:103@demo.mangosip.ru"}}
        self.emulator.notify(self.webhook.url, "events/call", colleague)
        wait_until(lambda: self.webhook.received[-1][0] == "events/record/added")
        rep = self.webhook.calls(call_id=talking["call_id"])
        self.assertEqual([event["call_state"] for event in rep],
                         ["Appeared", "Connected", "Disconnected"])
        self.assertEqual([(event["call_state"], event["seq"])
                          for event in self.webhook.calls(call_id="D1:transfer")],
                         [("Appeared", 1), ("Connected", 2), ("Disconnected", 3)])
        summary = self.webhook.received[-4][1]
        self.assertEqual(summary["to"]["extension"], "103")
        self.assertEqual(summary["talk_time"], talking["timestamp"], "answered by the first")
        self.assertEqual(self.webhook.calls("Appeared")[-1], colleague, "posted once")

    def test_a_hang_up_from_odoo_ends_the_call(self):
        self.play(self.incoming(ring=5, talk=180))
        wait_until(lambda: self.webhook.calls("Connected"))
        leg = self.webhook.calls("Connected")[0]["call_id"]
        MangoClient(self.emulator.url, KEY, SALT).hangup(leg)
        wait_until(lambda: self.webhook.received[-1][0] == "events/record/added")
        self.assertEqual(self.webhook.calls("Disconnected")[-1]["disconnect_reason"], 1181)
        wait_until(lambda: self.log)  # the call says what became of it once all is posted
        self.assertIn("hung up from Odoo", self.log[0])

    def test_a_free_rep_gets_the_call(self):
        team = DemoTeam(DEMO_EXTENSIONS)
        first = self.play(self.incoming(ring=5, talk=100, extension="102"), "D1", team)
        wait_until(lambda: self.webhook.calls("Connected"))
        self.play(self.incoming(ring=5, talk=30, extension="102"), "D2", team).join()
        first.join()
        rung = [event["to"]["extension"] for event in self.webhook.calls("Appeared")
                if event["location"] == "abonent"]
        self.assertEqual(rung, ["102", "101"])
        self.assertFalse(+team.calls, "everyone free again")

    def test_calls_going_on_end_when_the_demo_stops(self):
        interrupted = []

        def plans():
            yield self.incoming(ring=5, talk=1000, extension="102")
            yield self.incoming(ring=1000, talk=60, number="79035556677", extension="103")
            wait_until(lambda: self.webhook.calls("Connected") and len(
                [event for event in self.webhook.calls("Appeared")
                 if event["location"] == "abonent"]) == 2)
            interrupted.append(time.monotonic())
            raise KeyboardInterrupt  # Ctrl-C

        with self.assertRaises(KeyboardInterrupt):
            play_demo(self.emulator, self.webhook.url, plans(), MangoDemoCall, scale=SCALE,
                      log=lambda line, **kw: self.log.append(line))
        self.assertLess(time.monotonic() - interrupted[0], 3, "at once, not when planned")
        self.assertEqual(sorted(re.search(r" (\d+) ext \d+: (missed|talked)", line).groups()
                                for line in self.log),
                         [("79035556677", "missed"), ("79161234567", "talked")])
        self.assertEqual(len(self.emulator.stats), 2)
        self.assertEqual(len(self.webhook.calls("Disconnected")), 4)

    def test_odoo_down_the_call_is_still_in_the_statistics(self):
        self.play(self.incoming(ring=5, talk=30), webhook="http://127.0.0.1:9/mango").join()
        self.assertEqual([row["entry_id"] for row in self.emulator.stats], ["D1"])
        self.assertEqual(self.log[0], "Odoo did not take call D1")
        self.assertRegex(self.log[1], r": talked \d+ s, 9 notifications Odoo did not take$")


    def test_settle_posts_what_a_command_holds_after_its_answer(self):
        """A test's command is answered before the emulator's thread holds what follows
        it: ``settle`` still posts it all, at once."""
        self.emulator.notify_url = self.webhook.url
        self.emulator.hold_follow_ups = True
        self.emulator.know(incoming_call("T1", "79161234567", extension="105")[:4])
        answered = self.emulator.answered

        def late():
            time.sleep(0.5)
            answered()

        with patch.object(self.emulator, "answered", late):
            MangoClient(self.emulator.url, KEY, SALT).transfer("T1:105", "106",
                                                                initiator="105")
            started = time.monotonic()
            self.emulator.settle(timeout=10)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual([path for path, _payload in self.webhook.received][:2],
                         ["result/transfer", "events/call"])


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """The demo loads: a Russian company whose employees and customers are those the
    emulator's demo calls come from."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        convert_file(cls.env, "mango_office", "data/mango_office_demo.xml", {}, mode="init",
                     noupdate=True)
        cls.company = cls.env.ref("base.main_company")

    def test_the_company_and_its_people_speak_russian(self):
        self.assertRecordValues(self.company, [{
            "name": "ООО «ТехноСнаб»", "country_id": self.env.ref("base.ru").id,
            "currency_id": self.env.ref("base.RUB").id}])
        users = self.env["pbx.extension"].search([("company_id", "=", self.company.id)]).user_id
        self.assertEqual(len(users), 4)
        for partner in self.company.partner_id | users.partner_id:
            self.assertEqual((partner.lang, partner.tz), ("ru_RU", "Europe/Moscow"),
                             partner.name)
        self.assertEqual(self.env["res.partner"].create({"name": "Новый клиент"}).lang, "ru_RU")
        self.assertEqual(self.env["ir.model"].with_context(lang="ru_RU")._get("pbx.call").name,
                         "Телефонный звонок", "the addon's Russian is loaded")

    def test_the_employees_are_the_pbx_users(self):
        emulator = demo_emulator(KEY, SALT).start()
        self.addCleanup(emulator.stop)
        self.company.write({"mango_api_url": emulator.url, "mango_api_key": KEY,
                            "mango_api_salt": SALT})
        pbx = {user["telephony"]["extension"]: user["general"]["name"]
               for user in emulator.users}
        self.assertEqual(set(pbx), set(DEMO_EXTENSIONS))
        Extension = self.env["pbx.extension"]
        self.assertEqual({extension: Extension._pbx_user(self.company, extension).name
                          for extension in pbx}, pbx)
        self.assertEqual(self.env.ref("base.user_admin").pbx_extension, "901")
        wizard = Form(self.env["pbx.user.import"]).save()
        self.assertEqual([(line.extension, line.user_id) for line in wizard.line_ids],
                         [(extension, Extension._pbx_user(self.company, extension))
                          for extension in ("101", "102", "103", "901")],
                         "importing changes nothing")
        lines = self.env["pbx.line"].search([("company_id", "=", self.company.id)])
        self.assertEqual([(line.name, line.number) for line in lines],
                         [(line["name"], line["number"]) for line in emulator.lines])

    def test_known_customers_and_strangers(self):
        Call = self.env["pbx.call"]
        stages = set()
        for number, extension in DEMO_CUSTOMERS.items():
            with self.subTest(number=number):
                partner, lead, user, found, _name = Call._pbx_match(self.company,
                                                                      classify(number).e164)
                self.assertTrue(partner)
                self.assertEqual(found, extension, "routed to their salesperson")
                self.assertEqual(user.pbx_extension, extension)
                stages.add(lead.stage_id)
        self.assertGreaterEqual(len(stages - {self.env["crm.stage"]}), 3,
                                "open opportunities at various stages")
        self.assertIn(self.env["crm.stage"], stages, "and a customer with none open")
        for number in DEMO_STRANGERS:
            with self.subTest(number=number):
                self.assertFalse(Call._pbx_match(self.company, classify(number).e164)[0])


@tagged("post_install", "-at_install", "binotel")
class TestBinotelDemoCall(BaseCase):
    """A call of the Binotel demo: the three kinds of requests, following Odoo's commands."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = binotel_demo.demo_emulator().start_for(cls)

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        self.webhook = Webhook("binotel")
        self.addCleanup(self.webhook.stop)
        self.log = []

    def play(self, plan, entry="7001"):
        call = binotel_demo.BinotelDemoCall(self.emulator, self.webhook.url, plan, entry,
                                            scale=SCALE,
                                            log=lambda line, **kw: self.log.append(line))
        thread = threading.Thread(target=call.run)
        thread.start()
        self.addCleanup(thread.join)
        return thread

    def kinds(self):
        return [(path, data["requestType"]) for path, data in self.webhook.received]

    def test_an_incoming_call_asks_who_calls_then_pushes_and_completes(self):
        self.play(CallPlan(0, "incoming", "0671234567", "901", "0441234567", 8, 60)).join()
        self.assertEqual(self.kinds(), [
            ("settings", "apiCallSettings"), ("push", "receivedTheCall"),
            ("push", "answeredTheCall"), ("push", "hangupTheCall"),
            ("completed", "apiCallCompleted")])
        received = self.webhook.received[1][1]
        self.assertEqual((received["internalNumber"], received["externalNumber"]),
                         ("901", "0671234567"))
        completed = self.webhook.received[-1][1]
        self.assertEqual((completed["callDetails[disposition]"],
                          completed["callDetails[internalNumber]"]), ("ANSWER", "901"))
        self.assertRegex(self.log[0], r"^incoming call 7001 0671234567 ext 901: talked \d+ s$")

    def test_a_transfer_then_a_hang_up_asked_by_odoo(self):
        self.play(CallPlan(0, "incoming", "0671234567", "901", "0441234567", 5, 1000))
        wait_until(lambda: ("push", "answeredTheCall") in self.kinds())
        client = BinotelClient(self.emulator.url, binotel_demo.COMPANY_KEY,
                               binotel_demo.COMPANY_SECRET)
        client.transfer("7001", "902", initiator="901")
        wait_until(lambda: ("push", "transferredTheCall") in self.kinds())
        self.assertEqual(self.webhook.received[-1][1]["internalNumber"], "902")
        client.hangup("7001")
        wait_until(lambda: ("completed", "apiCallCompleted") in self.kinds())
        completed = self.webhook.received[-1][1]
        self.assertEqual([completed[f"callDetails[historyData][{n}][disposition]"]
                          for n in (0, 1)], ["TRANSFER", "ANSWER"])
        wait_until(lambda: self.log)  # the call says what became of it once completed is posted
        self.assertIn("hung up from Odoo", self.log[0])

    def test_a_click_to_call_is_played_as_an_outgoing_call(self):
        binotel_demo.play_callbacks(self.emulator, self.webhook.url,
                                    DemoTeam(binotel_demo.DEMO_EXTENSIONS),
                                    log=lambda line, **kw: self.log.append(line))
        self.addCleanup(setattr, self.emulator, "on_callback", None)
        ref = BinotelClient(self.emulator.url, binotel_demo.COMPANY_KEY,
                            binotel_demo.COMPANY_SECRET).callback("901", "380671234567")
        wait_until(lambda: self.webhook.received, timeout=5)
        path, received = self.webhook.received[0]
        self.assertEqual((path, received["generalCallID"], received["callType"],
                          received["internalNumber"]), ("push", ref, "1", "901"))


@tagged("post_install", "-at_install", "binotel")
class TestBinotelDemoData(TransactionCase):
    """The Binotel demo loads: a Ukrainian company on Binotel whose employees and customers
    are those of the emulator's demo calls."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("uk_UA")
        convert_file(cls.env, "mango_office", "data/binotel_demo.xml", {}, mode="init",
                     noupdate=True)
        cls.company = cls.env.ref("base.main_company")

    def test_a_ukrainian_company_on_binotel(self):
        self.assertRecordValues(self.company, [{
            "name": "ТОВ «ТехноПостач»", "country_id": self.env.ref("base.ua").id,
            "currency_id": self.env.ref("base.UAH").id, "pbx_provider": "binotel",
            "binotel_company_ref": "62770"}])
        users = self.env["pbx.extension"].search([("company_id", "=", self.company.id)]).user_id
        self.assertEqual(len(users), 4)
        for partner in self.company.partner_id | users.partner_id:
            self.assertEqual((partner.lang, partner.tz), ("uk_UA", "Europe/Kyiv"), partner.name)

    def test_the_employees_are_binotels(self):
        emulator = binotel_demo.demo_emulator().start()
        self.addCleanup(emulator.stop)
        self.company.binotel_api_url = emulator.url
        Extension = self.env["pbx.extension"]
        pbx = {employee["endpointData"].get("internalNumber")
               or next(iter(employee["endpointData"].values()))["internalNumber"]:
               employee["name"] for employee in emulator.employees}
        self.assertEqual(set(pbx), set(binotel_demo.DEMO_EXTENSIONS))
        self.assertEqual({extension: Extension._pbx_user(self.company, extension).name
                          for extension in pbx}, pbx)
        wizard = Form(self.env["pbx.user.import"]).save()
        self.assertEqual({(line.extension, line.user_id) for line in wizard.line_ids},
                         {(extension, Extension._pbx_user(self.company, extension))
                          for extension in pbx}, "importing changes nothing")

    def test_known_customers_go_to_their_salesperson(self):
        Call = self.env["pbx.call"]
        for number, extension in binotel_demo.DEMO_CUSTOMERS.items():
            with self.subTest(number=number):
                partner, lead, _user, found, _name = Call._pbx_match(
                    self.company, classify(number, "UA").e164)
                self.assertTrue(partner and lead)
                self.assertEqual(found, extension)
        for number in binotel_demo.DEMO_STRANGERS:
            self.assertFalse(Call._pbx_match(self.company, classify(number, "UA").e164)[0])

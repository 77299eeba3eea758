"""Binotel's webhook over real HTTP: who may post, the journal, the answers, and the call
log its requests make."""
import time
from urllib.parse import parse_qs, urlsplit

from odoo.tests import tagged

from ..binotel.webhook import SERVER_ADDRESSES
from .common_binotel import BinotelHttpCase
from .emulators.binotel import call_settings, completed_call, incoming_call, outgoing_call

CALLER = "0671234567"  # as Binotel sends a Ukrainian number
CALLER_E164 = "+380671234567"
SUCCESS = '{"status":"success"}'
LOGGER = "odoo.addons.mango_office.controllers.binotel"


@tagged("post_install", "-at_install", "binotel")
class TestBinotelWebhookAuthentication(BinotelHttpCase):
    """Binotel signs nothing: only the company's Binotel, from its addresses, gets anything
    written."""

    def assertNothingWritten(self):
        self.assertFalse(self.journal())
        self.assertFalse(self.calls())

    def test_an_address_off_the_list_is_refused(self):
        self.company.binotel_allowed_ips = ", ".join(SERVER_ADDRESSES)  # the default list
        for request in (incoming_call("B-off", CALLER)[0], call_settings(CALLER)):
            with self.subTest(kind=request[1]["requestType"]), \
                    self.assertLogs(LOGGER, "WARNING") as logs:
                response = self.post_binotel(request)
            self.assertEqual(response.status_code, 403)
            self.assertNotIn("customerData", response.text)
            self.assertIn("127.0.0.1 is not on the list", logs.output[0])
        self.assertNothingWritten()

    def test_the_list_takes_addresses_and_networks_commas_or_lines(self):
        self.company.binotel_allowed_ips = "194.88.218.114,\n127.0.0.0/8"
        self.post_binotel_all(incoming_call("B-net", CALLER)[:1])
        self.assertEqual(len(self.journal()), 1)

    def test_another_companys_requests_are_refused(self):
        path, data = incoming_call("B-other", CALLER)[0]
        path2, completed = completed_call("B-other", 0, CALLER, 1767261600,
                                          [("101", 5, 10, "ANSWER")])
        completed["callDetails"]["companyID"] = "99999"
        for request in ((path, {**data, "companyID": "99999"}), (path, {**data, "companyID": ""}),
                        (path2, completed)):
            with self.subTest(request=request[1].get("companyID")), \
                    self.assertLogs(LOGGER, "WARNING"):
                self.assertEqual(self.post_binotel(request).status_code, 403)
        self.company.pbx_provider = "mango"  # the company ID of a company not on Binotel
        with self.assertLogs(LOGGER, "WARNING"):
            self.assertEqual(self.post_binotel((path, data)).status_code, 403)
        self.assertNothingWritten()

    def test_what_is_not_a_request_is_a_bad_request(self):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        for body in ("requestType=hangupTheCall&companyID=62770",  # no generalCallID
                     "companyID=62770&generalCallID=1",  # no requestType
                     "requestType=apiCallCompleted&callDetails=x&companyID=62770",
                     "a[b=1", "x" * 300000):
            with self.subTest(body=body[:40]):
                response = self.url_open("/binotel/push", data=body, headers=headers)
                self.assertEqual(response.status_code, 400)
        for body in ("[1, 2]", "{not json"):
            response = self.url_open("/binotel", data=body,
                                     headers={"Content-Type": "application/json"})
            self.assertEqual(response.status_code, 400)
        self.assertNothingWritten()

    def test_every_address_takes_every_kind_and_answers_success(self):
        requests = incoming_call("B-all", CALLER, extension="101")
        for address, request in zip(("/binotel", "/binotel/push", "/binotel/settings",
                                     "/binotel/completed", "/binotel"), requests):
            response = self.post_binotel(request, address)
            self.assertEqual((response.status_code, response.text), (200, SUCCESS))
            self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertEqual(self.journal().mapped("path"),
                         ["completed", "push", "push", "push"])
        self.assertEqual(self.calls("B-all").state, "answered")

    def test_a_json_body_is_read_too(self):
        path, data = incoming_call("B-json", CALLER)[0]
        response = self.url_open("/binotel", json=data)
        self.assertEqual((response.status_code, response.text), (200, SUCCESS))
        self.assertEqual(self.journal().path, "push")

    def test_get_is_not_a_request(self):
        self.assertNotEqual(self.url_open("/binotel/push").status_code, 200)


@tagged("post_install", "-at_install", "binotel")
class TestBinotelCallLog(BinotelHttpCase):
    """What the sales team sees in CRM > Calls after Binotel's requests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.olena = cls.env["res.partner"].create({"name": "Олена Коваль", "phone": CALLER_E164,
                                                   "user_id": cls.rep.id})

    def test_pushes_drive_the_ringing_card(self):
        received, answered, hangup, _completed = incoming_call("B-push", CALLER, extension="101")
        states = []
        for request in (received, answered, hangup):
            self.post_binotel_all([request])
            states.append(self.calls("B-push").state)
        self.assertEqual(states, ["ringing", "talking", "ended"])
        call = self.calls("B-push")
        self.assertRecordValues(call, [{"user_id": self.rep.id, "partner_id": self.olena.id,
                                        "external_e164": CALLER_E164, "direction": "incoming"}])

    def test_an_answered_call_delivered_twice_is_one_call_with_its_talk_time(self):
        requests = incoming_call("B-twice", CALLER, extension="101", start=1767261600,
                                 talk_seconds=42)
        self.post_binotel_all(requests)
        notes = len(self.olena.message_ids)
        path, completed = requests[-1]
        retry = {**completed, "attemptsCounter": "2"}  # Binotel's next attempt
        self.post_binotel_all([(path, retry)])
        self.assertEqual(self.post_binotel((path, retry), "/binotel").text, SUCCESS)
        call = self.calls("B-twice")
        self.assertEqual(len(call), 1)
        self.assertRecordValues(call, [{
            "state": "answered", "direction": "incoming", "from_number": CALLER,
            "line_number": "0441234567", "extension": "101", "user_id": self.rep.id,
            "partner_id": self.olena.id, "summary_received": True,
            "disconnect_reason_text": "Answered"}])
        self.assertAlmostEqual(call.talk_time * 3600, 42, places=3)
        self.assertEqual(len(self.journal().filtered(lambda e: e.path == "completed")), 1,
                         "the retries are the same journal row")
        self.assertEqual(set(self.journal().mapped("state")), {"processed"})
        self.assertEqual(call.recording_ids.mapped("recording_ref"), ["B-twice"])
        self.assertEqual(len(self.olena.message_ids), notes, "no second note of the call")

    def test_the_administrator_sees_the_health_of_binotels_requests(self):
        self.post_binotel_all(incoming_call("B-health", CALLER, extension="101"))
        Call = self.env["pbx.call"]
        self.assertFalse(Call.with_user(self.rep).pbx_webhook_health(), "not for a rep")
        health = Call.with_user(self.env.ref("base.user_admin")).pbx_webhook_health()
        self.assertTrue(health["last_notification"])
        self.assertEqual(health["errors"], 0)

    def test_a_missed_call_gives_its_state(self):
        self.post_binotel_all(incoming_call("B-missed", CALLER, extension="102", answered=False))
        call = self.calls("B-missed")
        self.assertRecordValues(call, [{
            "state": "missed", "user_id": self.rep2.id, "talk_time": 0.0,
            "disconnect_reason_text": "No answer"}])
        self.assertFalse(call.recording_ids)
        activity = self.olena.activity_ids
        self.assertEqual((len(activity), activity.user_id), (1, self.rep),
                         "the contact's salesperson calls back")

    def test_attempts_are_legs_and_the_one_who_answered_has_the_call(self):
        self.post_binotel_all(incoming_call("B-attempts", CALLER, attempts=[
            ("102", 20, 0, "NOANSWER"), ("101", 5, 60, "ANSWER")]))
        call = self.calls("B-attempts")
        self.assertEqual(call.user_id, self.rep)
        self.assertEqual(sorted(call.leg_ids.mapped("leg_ref")),
                         ["B-attempts", "B-attempts:1", "B-attempts:2"])
        self.assertAlmostEqual(call.talk_time * 3600, 60, places=3)

    def test_an_outgoing_call(self):
        self.post_binotel_all(outgoing_call("B-out", "101", "0501112233", talk_seconds=30))
        self.assertRecordValues(self.calls("B-out"), [{
            "direction": "outgoing", "state": "answered", "user_id": self.rep.id,
            "external_e164": "+380501112233"}])

    def test_call_tracking_comes_with_the_call_and_its_lead(self):
        self.company.mango_autolead = "both"
        tracking = {"id": "77", "type": "dynamic", "utm_source": "google", "utm_medium": "cpc",
                    "utm_campaign": "spring", "geoipCity": "Київ"}
        self.post_binotel_all(incoming_call("B-dct", "0509998877", extension="101",
                                            tracking=tracking))
        call = self.calls("B-dct")
        self.assertRecordValues(call, [{"dct_state": "done", "dct_utm_source": "google",
                                        "dct_type": "1", "dct_number": "0441234567"}])
        self.assertEqual(call.dct_data["location_city"], "Київ")
        self.assertIn("Київ", call.dct_html)
        lead = call.lead_id
        self.assertTrue(lead)
        self.assertEqual((lead.source_id.name, lead.medium_id.name, lead.campaign_id.name),
                         ("google", "cpc", "spring"))
        self.assertFalse(self.binotel.requests, "nothing asked of Binotel")


@tagged("post_install", "-at_install", "binotel")
class TestBinotelCallSettings(BinotelHttpCase):
    """While the call rings, Binotel asks who calls: Odoo names them and their salesperson."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep.email = "rep.one@example.com"
        cls.env["pbx.extension"].search([("user_id", "=", cls.rep.id)]).pbx_user_ref = "5001"
        cls.agro = cls.env["res.partner"].create({"name": "ТОВ Агроплюс", "is_company": True,
                                                  "user_id": cls.rep.id})
        cls.olena = cls.env["res.partner"].create({"name": "Олена Коваль", "phone": CALLER_E164,
                                                   "parent_id": cls.agro.id})
        cls.lead = cls.env["crm.lead"].create({"name": "Поставка насіння", "type": "opportunity",
                                               "partner_id": cls.olena.id,
                                               "user_id": cls.rep.id})

    def ask(self, caller, **fields):
        started = time.perf_counter()
        response = self.post_binotel(call_settings(caller, **fields))
        elapsed = time.perf_counter() - started
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        return response.json(), elapsed

    def test_a_known_customer_is_named_with_their_salesperson(self):
        self.ask(CALLER)  # the first request of the class warms the worker up
        reply, elapsed = self.ask(CALLER)
        self.assertLess(elapsed, 1.0, "within the call's first second")
        base = self.company.get_base_url()
        self.assertEqual(reply["customerData"], {
            "name": "ТОВ Агроплюс, Олена Коваль",
            "description": f"Поставка насіння ({self.lead.stage_id.name})",
            "assignedToEmployeeEmail": "rep.one@example.com",
            "assignedToEmployeeNumber": "101", "assignedToEmployeeID": "5001",
            "linkToCrmUrl": f"{base}/odoo/crm.lead/{self.lead.id}",
            "linkToCrmTitle": "Open the opportunity in Odoo"})
        self.assertFalse(self.binotel.requests, "no request to Binotel while the call rings")
        self.assertEqual(self.journal().mapped("path"), ["settings", "settings"])
        self.assertEqual(set(self.journal().mapped("state")), {"processed"})

    def test_a_contact_without_lead_and_the_numbers_binotel_sends(self):
        self.lead.action_set_won()
        for caller in ("380671234567", "00380671234567"):
            with self.subTest(caller=caller):
                reply = self.ask(caller)[0]["customerData"]
                self.assertEqual((reply["name"], reply["assignedToEmployeeNumber"],
                                  reply["linkToCrmTitle"]),
                                 ("ТОВ Агроплюс, Олена Коваль", "101",
                                  "Open the contact in Odoo"))
                self.assertTrue(reply["linkToCrmUrl"].endswith(
                    f"/odoo/res.partner/{self.olena.id}"))

    def test_an_outgoing_call_names_whom_the_employee_calls(self):
        reply = self.ask(CALLER, call_type=1, internalNumber="102")[0]
        self.assertEqual(reply["customerData"]["name"], "ТОВ Агроплюс, Олена Коваль")

    def test_an_unknown_number_gets_a_link_that_creates_its_lead(self):
        reply = self.ask("0509998877")[0]
        self.assertEqual(set(reply["customerData"]), {"linkToCrmUrl", "linkToCrmTitle"})
        self.assertEqual(reply["customerData"]["linkToCrmTitle"], "Create a lead in Odoo")
        link = reply["customerData"]["linkToCrmUrl"]
        self.authenticate("rep", "rep")
        response = self.url_open(link, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        lead = self.env["crm.lead"].search([("phone_sanitized", "=", "+380509998877")])
        self.assertEqual(len(lead), 1)
        self.assertEqual((lead.user_id, lead.medium_id), (self.rep,
                                                          self.env.ref("utm.utm_medium_phone")))
        self.assertEqual(urlsplit(response.headers["Location"]).path, f"/odoo/crm.lead/{lead.id}")
        again = self.url_open(link, allow_redirects=False)
        self.assertEqual(urlsplit(again.headers["Location"]).path, f"/odoo/crm.lead/{lead.id}",
                         "the second click opens the same lead")
        query = parse_qs(urlsplit(link).query)
        forged = link.replace(query["token"][0], "0" * len(query["token"][0]))
        self.assertEqual(self.url_open(forged, allow_redirects=False).status_code, 404)
        self.assertEqual(self.ask("0509998877")[0]["customerData"]["linkToCrmUrl"],
                         f"{self.company.get_base_url()}/odoo/crm.lead/{lead.id}")

    def test_no_customer_number_no_customer(self):
        self.assertEqual(self.ask("")[0], {})

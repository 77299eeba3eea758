"""Calls made of Binotel's requests follow the CRM's rights as Mango's do (``test_access``):
who reads which call, its legs (one per phone that rang, from the completed call's
history), recordings and journal rows, what its chatter entry offers each reader; the
journal of requests that made no call (API CALL SETTINGS) and Binotel's keys are for
administrators. And the link Binotel shows on an employee's phone for an unknown caller
(``/binotel/lead``): only for a logged-in user of the company with Odoo's token, the lead
made with the clicking user's rights and for them, an existing lead opened only for who
may read it, one lead for a number however many click."""
import threading
import time
from unittest.mock import patch
from urllib.parse import parse_qs, urlencode, urlsplit

from odoo import api
from odoo.exceptions import AccessError
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import TransactionCase, new_test_user, tagged, users
from odoo.tools import mute_logger

from .common import forget_committed_leads
from .common_binotel import BinotelHttpCase
from .emulators.binotel import call_settings, completed_call, incoming_call
from .test_access import ChatterEntriesCase, ReadsCase

CUSTOMER = "0671234567"  # Олена's number as Binotel sends it
UNKNOWN = "0509998877"
UNKNOWN_E164 = "+380509998877"


def reached_nobody(entry, caller):
    """The completed call of a caller who hung up in the voice menu: no phone rang."""
    path, data = completed_call(entry, 0, caller, int(time.time()), [("", 12, 0, "CANCEL")],
                                recorded=False)
    data["callDetails"].update(historyData=[], internalNumber="", employeeData="")
    return path, data


@tagged("post_install", "-at_install", "binotel")
class TestBinotelRights(ReadsCase, ChatterEntriesCase, BinotelHttpCase):
    """Rep One (101) is the salesperson of Олена Коваль; Rep Two is 102."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.all_docs = new_test_user(cls.env, "all_docs", name="All Documents",
                                     groups="sales_team.group_sale_salesman_all_leads")
        cls.other_company, cls.stranger = cls.new_stranger("Інша компанія")
        cls.olena = cls.env["res.partner"].create({"name": "Олена Коваль",
                                                   "phone": "067 123 45 67",
                                                   "user_id": cls.rep.id})

    def setUp(self):
        super().setUp()
        for entry in ("BR1", "BR2", "BR3", "BR4", "BR6"):
            self.binotel.add_recording(entry)
        self.post_binotel_all(incoming_call("BR1", CUSTOMER, extension="101"))
        self.post_binotel_all(incoming_call("BR2", CUSTOMER, extension="102"))
        self.post_binotel_all(incoming_call("BR3", "0502223344", extension="102"))
        self.post_binotel_all(incoming_call("BR4", "0503334455", attempts=[
            ("101", 10, 0, "NOANSWER"), ("102", 5, 30, "ANSWER")]))
        self.post_binotel_all([reached_nobody("BR5", "0504445566")])
        self.post_binotel_all(incoming_call("BR6", "0505556677", extension="199"))  # no user
        self.assertEqual(self.post_binotel(call_settings("0506667788")).status_code, 200)
        self.as_cron("pbx.call.recording", "_cron_fetch")
        self.env.flush_all()
        self.call = {entry: self.calls(entry) for entry in
                     ("BR1", "BR2", "BR3", "BR4", "BR5", "BR6")}

    def some(self, *entries):
        return self.env["pbx.call"].union(*(self.call[entry] for entry in entries))

    def offered(self, entry):
        call = self.call[entry]
        return {"id": call.id, "recordings": [
            {"id": attachment.id, "name": attachment.name}
            for attachment in call.recording_ids.attachment_id]}

    def test_the_calls_as_binotel_told_them(self):
        nobody, no_contact = self.env["res.users"], self.env["res.partner"]
        self.assertEqual(
            [(call.user_id, call.extension, call.partner_id) for call in self.call.values()],
            [(self.rep, "101", self.olena), (self.rep2, "102", self.olena),
             (self.rep2, "102", no_contact), (self.rep2, "102", no_contact),
             (nobody, False, no_contact), (nobody, "199", no_contact)])
        self.assertEqual({leg.leg_ref: leg.extension for leg in self.call["BR4"].leg_ids},
                         {"BR4": "102", "BR4:1": "101", "BR4:2": "102"},
                         "the customer's leg, and a leg for each phone that rang")
        self.assertEqual(self.call["BR5"].leg_ids.mapped("location"), [False], "no phone rang")
        self.assertEqual(len(self.some("BR1", "BR2", "BR3", "BR4", "BR6").recording_ids
                             .attachment_id), 5)
        self.assertEqual(len(self.journal().filtered(lambda event: not event.call_id)), 1)

    @users("rep", "rep2")
    def test_own_documents_salespeople(self):
        """Rep One: their call, Rep Two's call of their contact, the call that rang at their
        phone before Rep Two took it, the one that reached nobody; Rep Two: theirs and it."""
        self.assertReads(self.some("BR1", "BR2", "BR4", "BR5") if self.env.user == self.rep
                         else self.some("BR2", "BR3", "BR4", "BR5"))

    @users("all_docs", "sales_manager")
    def test_all_documents_read_every_call_not_the_questions(self):
        self.assertReads(self.some(*self.call))

    def test_administrators_read_the_whole_journal(self):
        admin = self.env.ref("base.user_admin")
        self.assertEqual(self.journal().with_user(admin).search([]), self.journal())
        question = self.journal().filtered(lambda event: event.path == "settings")
        self.assertEqual((len(question), question.call_id), (1, self.call["BR1"].browse()))
        for user in (self.rep, self.all_docs, self.sales_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                question.with_user(user).read(["payload"])

    @users("stranger")
    def test_another_company_reads_nothing(self):
        for model in ("pbx.call", "pbx.call.leg", "pbx.call.recording", "pbx.event"):
            with self.subTest(model=model):
                self.assertFalse(self.readable(model))
        self.authenticate("stranger", "stranger")
        self.assertOpensNothing(self.call["BR1"])

    def test_the_contacts_chatter_offers_each_rep_what_they_may_open(self):
        self.assertEqual(self.entries("rep", self.olena),
                         [self.offered("BR2"), self.offered("BR1")])
        self.assertOpens(self.offered("BR1"))
        self.assertOpens(self.offered("BR2"))
        self.assertEqual(self.entries("rep2", self.olena), [self.offered("BR2"), False],
                         "Rep One's call: the note, nothing to open")
        self.assertOpens(self.offered("BR2"))
        self.assertOpensNothing(self.call["BR1"])

    def test_binotels_keys_are_for_administrators(self):
        for user in (self.rep, self.all_docs, self.sales_manager):
            for name in ("binotel_api_key", "binotel_api_secret"):
                with self.subTest(user=user.login, field=name), self.assertRaises(AccessError):
                    self.company.with_user(user).read([name])
        self.assertEqual(self.company.with_user(self.env.ref("base.user_admin")).read(
            ["binotel_api_key", "binotel_api_secret"])[0]["binotel_api_key"],
            self.company.sudo().binotel_api_key)


@tagged("post_install", "-at_install", "binotel")
class TestBinotelNewLeadLink(BinotelHttpCase):
    """``/binotel/lead``: the link of an unknown caller on the employee's phone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = new_test_user(cls.env, "clerk", name="Clerk", groups="base.group_user")
        cls.team = cls.sales_team("Продажі Київ", cls.rep2)
        cls.other_company, cls.stranger = cls.new_stranger("Інша компанія")

    def link(self, caller=UNKNOWN):
        """The link Odoo answers Binotel's question about ``caller`` with."""
        response = self.post_binotel(call_settings(caller))
        return response.json()["customerData"]["linkToCrmUrl"]

    def click(self, login, link):
        """What ``login`` (None: nobody logged in) gets clicking ``link``."""
        self.authenticate(login, login)
        with mute_logger("odoo.http"):
            return self.url_open(link, allow_redirects=False)

    def leads(self):
        return self.env["crm.lead"].search([("phone_sanitized", "=", UNKNOWN_E164)])

    def assertOpens(self, response, record):
        self.assertEqual(response.status_code, 303)
        location = urlsplit(response.headers["Location"])
        self.assertEqual((location.path, parse_qs(location.query)),
                         (f"/odoo/{record._name}/{record.id}", {"cids": [str(self.company.id)]}))

    def test_only_a_logged_in_user_of_the_company_with_odoos_token(self):
        link = self.link()
        response = self.click(None, link)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/web/login")
        query = parse_qs(urlsplit(link).query)
        token = query["token"][0]
        another = parse_qs(urlsplit(self.link("0501112233")).query)["token"][0]
        for name, params in (
                ("no token", {"token": ""}),
                ("another number's token", {"token": another}),
                ("another number", {"number": "+380501112233"}),
                ("another company", {"company": str(self.other_company.id)})):
            forged = "/binotel/lead?" + urlencode({"company": self.company.id,
                                                   "number": UNKNOWN_E164, "token": token,
                                                   **params})
            with self.subTest(name):
                self.assertEqual(self.click("rep", forged).status_code, 404)
        self.assertEqual(self.click("stranger", link).status_code, 404, "not their company")
        self.assertFalse(self.leads())

    def test_the_lead_is_made_with_the_users_rights_and_for_them(self):
        link = self.link()
        self.assertEqual(self.click("clerk", link).status_code, 403, "no CRM rights")
        self.assertFalse(self.leads())
        response = self.click("rep2", link)
        lead = self.leads()
        self.assertRecordValues(lead, [{
            "name": "Call from +380 50 999 8877", "type": "opportunity",
            "phone": "+380 50 999 8877", "user_id": self.rep2.id, "team_id": self.team.id,
            "company_id": self.company.id, "medium_id": self.env.ref("utm.utm_medium_phone").id,
            "create_uid": self.rep2.id}])
        self.assertOpens(response, lead)

    def test_a_lead_the_user_may_not_read_is_said_whose_it_is_not_made_twice(self):
        link = self.link()
        self.click("rep2", link)
        lead = self.leads()
        refused = self.click("rep", link)
        self.assertEqual(refused.status_code, 403)
        self.assertIn("+380 50 999 8877 already has an open lead or opportunity, with Rep Two: "
                      "ask them or a sales manager.", refused.text)
        self.assertNotIn(f"crm.lead/{lead.id}", refused.text)
        self.assertOpens(self.click("sales_manager", link), lead)
        self.assertEqual(self.leads(), lead)

    def test_a_contact_or_the_calls_own_lead_made_since_opens(self):
        link = self.link()
        self.company.mango_autolead = "missed"
        self.post_binotel_all(incoming_call("BL1", UNKNOWN, extension="101", answered=False))
        lead = self.calls("BL1").lead_id
        self.assertEqual((lead.user_id, lead.phone_sanitized), (self.rep.browse(), UNKNOWN_E164))
        self.assertOpens(self.click("rep", link), lead)
        link = self.link("0501112233")
        contact = self.env["res.partner"].create({"name": "Тарас", "phone": "050 111 22 33"})
        self.assertOpens(self.click("rep", link), contact)
        self.assertEqual(self.leads(), lead)
        self.assertFalse(self.env["crm.lead"].search([("phone_sanitized", "=", "+380501112233")]))


@tagged("post_install", "-at_install", "binotel")
class TestBinotelNewLeadLinkConcurrency(TransactionCase):
    """Two clicks on the link of one number at the same moment (two employees whose phones
    rang, or a double click), in real concurrent transactions retried as Odoo's HTTP layer
    retries a request: one lead, opened by both."""

    def setUp(self):
        super().setUp()
        self.addCleanup(forget_committed_leads, self.registry, UNKNOWN_E164)

    def test_two_clicks_at_once_make_one_lead(self):
        company_id, admin_id = self.env.company.id, self.env.ref("base.user_admin").id
        first_made = threading.Event()
        opened, errors = [], []

        def others_wait():
            """Whether another transaction waits for a lock (the second click's)."""
            with self.registry.cursor() as cr:
                cr.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND wait_event_type = 'Lock'")
                return cr.fetchone()[0] > 0

        def click(first):
            """A request of the link: what the controller calls, retried as Odoo's HTTP
            layer retries it, committed at its end; the first one holds its transaction
            open once it made its lead, until the second one waits for it or ends."""
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, admin_id, {})
                    company = env["res.company"].browse(company_id)

                    def request():
                        record = env["pbx.call"].with_company(company)._pbx_lead_of_number(
                            company, UNKNOWN_E164)
                        if first and not first_made.is_set():
                            first_made.set()
                            deadline = time.monotonic() + 30
                            while second.is_alive() and not others_wait() \
                                    and time.monotonic() < deadline:
                                time.sleep(0.02)
                        return record

                    if not first:
                        first_made.wait(30)
                    record = retrying(request, env)
                    opened.append((record._name, record.id))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        first, second = (threading.Thread(target=click, args=(one,)) for one in (True, False))
        # The test runner holds the registry lock that new environments take.
        with patch.object(Registry, "_lock", DummyRLock()):
            first.start()
            second.start()
            first.join(timeout=60)
            second.join(timeout=60)
        self.assertEqual(errors, [])
        with self.registry.cursor() as cr:
            cr.execute("SELECT id FROM crm_lead WHERE phone_sanitized = %s", [UNKNOWN_E164])
            leads = [row[0] for row in cr.fetchall()]
        self.assertEqual(len(leads), 1, leads)
        self.assertEqual(opened, [("crm.lead", leads[0])] * 2)

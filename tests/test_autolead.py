import ast

from odoo import Command, api
from odoo.tests import TransactionCase, tagged

from ..mango.signing import dumps
from . import test_concurrency
from .common import PbxHttpCase, forget_committed_calls, forget_committed_leads
from .emulators.mango import incoming_call

UNKNOWN = "79035556677"  # +7 903 555-66-77: no contact, no lead
LINE = "74951234567"  # the emulator's line "Москва"


def dynamic_tracking(notifications, number="74001234567"):
    """The same call, made from a website's dynamic call tracking number."""
    return [(path, {**payload, "dct": {"number": number, "type": 1}})
            if path in ("events/call", "events/summary") else (path, payload)
            for path, payload in notifications]


class RussianRepCase(PbxHttpCase):
    """A Russian rep on extension 103 in a sales team whose pipeline starts with a stage of
    its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna, = cls.russian_reps(("anna", "103", "Анна Смирнова"))
        cls.team, cls.first_stage = cls.new_team("Продажи Москва", cls.anna)

    @classmethod
    def new_team(cls, name, *members):
        team = cls.sales_team(name, *members)
        return team, cls.env["crm.stage"].create({"name": f"Новый звонок: {name}", "sequence": 0,
                                                  "team_ids": [Command.link(team.id)]})

    def in_action(self, lead, xmlid, user):
        """Whether ``user`` finds the lead in the records of this CRM action."""
        domain = self.env["ir.actions.act_window"]._for_xml_id(xmlid)["domain"]
        return lead in self.env["crm.lead"].with_user(user).search(ast.literal_eval(domain))


@tagged("post_install", "-at_install")
class TestAutolead(RussianRepCase):
    """Unknown callers, automatically: the lead or opportunity a call makes by itself."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.line_team, cls.line_stage = cls.new_team("Входящие звонки")
        admin = cls.env.ref("base.user_admin")
        Line = cls.env["pbx.line"].with_user(admin)
        Line.action_mango_sync()
        Line.search([("number", "=", LINE)]).team_id = cls.line_team

    def setUp(self):
        super().setUp()
        self.company.mango_autolead = "missed"

    def leads(self, number=UNKNOWN):
        return self.env["crm.lead"].with_context(active_test=False).search(
            [("phone_sanitized", "=", f"+{number}")])

    def call(self, entry, number=UNKNOWN, **kwargs):
        self.post_all(incoming_call(entry, number, **{"extension": "103", **kwargs}))
        return self.calls(entry)

    def test_off_by_default(self):
        self.assertEqual(self.env["res.company"].create({"name": "Новая"}).mango_autolead,
                         "off")
        self.company.mango_autolead = "off"
        self.call("A0", answered=False)
        self.call("A1")
        self.assertFalse(self.leads())

    def test_a_missed_call_gives_the_line_team_an_opportunity(self):
        call = self.call("A2", answered=False)
        lead = self.leads()
        self.assertRecordValues(lead, [{
            "type": "opportunity", "name": "Звонок с +7 903 555-66-77",
            "phone": "+7 903 555-66-77", "user_id": False, "team_id": self.line_team.id,
            "stage_id": self.line_stage.id, "partner_id": False,
            "medium_id": self.env.ref("utm.utm_medium_phone").id,
            "company_id": self.company.id}])
        self.assertEqual(call.lead_id, lead)
        self.assertTrue(call.lead_created)
        note = lead.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("mail.mt_note"))
        self.assertEqual(len(note), 1, "the call's note is on it")
        self.assertIn("+7 903 555-66-77", note.body)
        self.assertEqual(lead.activity_ids.activity_type_id,
                         self.env.ref("mail.mail_activity_data_call"), "and its callback")
        self.assertTrue(self.in_action(lead, "crm.crm_lead_action_pipeline", self.sales_manager),
                        "a sales manager sees it in the pipeline")
        self.call("A3")  # answered: not wanted
        self.assertEqual(self.leads(), lead)

    def test_an_answered_call_gives_the_employee_an_opportunity(self):
        self.company.mango_autolead = "answered"
        self.call("A4", answered=False)
        self.assertFalse(self.leads())
        call = self.call("A5")
        lead = self.leads()
        self.assertRecordValues(lead, [{"type": "opportunity", "user_id": self.anna.id,
                                        "team_id": self.team.id}])
        self.assertEqual(call.lead_id, lead)
        self.assertEqual(self.calls("A4").lead_id, lead, "the earlier call follows it")
        self.assertEqual(lead.with_user(self.anna).pbx_call_count, 2)

    def test_a_call_going_on_follows_the_lead_its_number_got(self):
        answered = incoming_call("A15", UNKNOWN, extension="102")
        self.post_all(answered[:3])  # ringing at 102
        missed = self.call("A16", answered=False)
        self.assertFalse(self.calls("A15").lead_id, "not while it is going on")
        self.post_all(answered[3:])
        self.assertEqual(self.calls("A15").lead_id, missed.lead_id)

    def test_both(self):
        self.company.mango_autolead = "both"
        self.call("A6")
        self.call("A7", number="79035550000", answered=False)
        self.assertEqual(len(self.leads()), 1)
        self.assertEqual(len(self.leads("79035550000")), 1)

    def test_a_lead_where_leads_are_on(self):
        self.env.ref("base.group_user").implied_ids = [
            Command.link(self.env.ref("crm.group_use_lead").id)]
        self.line_team.use_leads = True
        self.assertEqual(self.call("A8", answered=False).lead_id.type, "lead")

    def test_not_for_a_known_caller_nor_a_number_with_an_open_lead(self):
        self.company.mango_autolead = "both"
        partner = self.env["res.partner"].create({"name": "Олег", "phone": "+79035551111"})
        self.call("A9", number="79035551111", answered=False)
        self.assertFalse(self.leads("79035551111"))
        lead = self.env["crm.lead"].create({"name": "Запрос", "phone": "8 903 555-66-77",
                                            "type": "opportunity"})
        call = self.call("A10", answered=False)
        self.assertEqual(self.leads(), lead)
        self.assertEqual(call.lead_id, lead)
        lead.action_set_lost()
        self.call("A11", answered=False)
        self.assertEqual(len(self.leads()), 2, "a lost one is not open")
        self.assertEqual(partner.pbx_call_count, 1)

    def test_never_twice_for_one_call(self):
        notifications = incoming_call("A12", UNKNOWN, extension="103", answered=False)
        self.post_all(notifications)
        lead = self.leads()
        summary = self.journal().filtered(lambda event: event.path == "events/summary")

        def reprocess():
            self.env.flush_all()
            with self.registry.cursor() as cr:
                api.Environment(cr, api.SUPERUSER_ID, {})["pbx.event"].browse(
                    summary.id).action_reprocess()
            self.env.invalidate_all()

        lead.action_set_lost()
        reprocess()
        self.post_all(notifications)  # replayed
        self.assertEqual(self.leads(), lead)
        lead.unlink()
        reprocess()
        self.assertFalse(self.leads(), "not even when its lead was deleted")

    def test_call_tracking_utm(self):
        self.company.mango_autolead = "answered"
        self.emulator.visitors["74001234567"] = {"channel": {"source": "yandex",
                                                             "medium": "cpc"}}
        notifications = dynamic_tracking(incoming_call("A13", UNKNOWN, extension="103"))
        self.post_all(notifications[:1])
        self.as_cron("pbx.call", "_cron_fetch_visitors")  # the visitor came first
        self.post_all(notifications[1:])
        self.assertEqual((self.leads().source_id.name, self.leads().medium_id.name),
                         ("yandex", "cpc"))

    def test_call_tracking_utm_after_the_lead(self):
        self.company.mango_autolead = "answered"
        self.emulator.visitors["74001234567"] = {"channel": {"source": "yandex",
                                                             "campaign": "весна"}}
        self.post_all(dynamic_tracking(incoming_call("A14", UNKNOWN, extension="103")))
        lead = self.leads()
        self.assertEqual(lead.medium_id, self.env.ref("utm.utm_medium_phone"))
        self.assertFalse(lead.source_id)
        self.as_cron("pbx.call", "_cron_fetch_visitors")
        self.assertEqual((lead.source_id.name, lead.campaign_id.name, lead.medium_id),
                         ("yandex", "весна", self.env.ref("utm.utm_medium_phone")))


@tagged("post_install", "-at_install")
class TestAutoleadConcurrency(TransactionCase):
    """Concurrent notifications of an unknown caller, in separate committed transactions,
    create exactly one lead."""

    ENTRY = "E-autolead-test"
    receive_concurrently = test_concurrency.TestConcurrentNotifications.receive_concurrently

    def setUp(self):
        super().setUp()
        self.addCleanup(self._cleanup)
        self.commit_sql("UPDATE res_company SET mango_autolead = 'missed' WHERE id = %s",
                        self.env.company.id)

    def commit_sql(self, query, *args):
        with self.registry.cursor() as cr:
            cr.execute(query, args)
            return cr.fetchall() if cr.description else None

    def _cleanup(self):
        forget_committed_leads(self.registry, f"+{UNKNOWN}")
        forget_committed_calls(self.registry, self.ENTRY + "%")
        self.commit_sql("UPDATE res_company SET mango_autolead = 'off' WHERE id = %s",
                        self.env.company.id)

    def missed_call(self, suffix):
        return incoming_call(self.ENTRY + suffix, UNKNOWN, extension="101", answered=False)

    def receive_in_order(self, notifications):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            company = env["res.company"].browse(self.env.company.id)
            for path, payload in notifications:
                raw = dumps(payload)
                env["pbx.event"]._receive(company, path, raw)

    def assert_one_lead(self, calls):
        self.assertEqual(self.commit_sql(
            "SELECT path, error FROM pbx_event WHERE entry_ref LIKE %s AND state != 'processed'",
            self.ENTRY + "%"), [])
        leads = self.commit_sql("SELECT id FROM crm_lead WHERE phone_sanitized = %s",
                                f"+{UNKNOWN}")
        self.assertEqual(len(leads), 1, leads)
        self.assertEqual(self.commit_sql(
            """SELECT entry_ref, lead_id, summary_received FROM pbx_call
                WHERE entry_ref LIKE %s ORDER BY entry_ref""", self.ENTRY + "%"),
            [(self.ENTRY + suffix, leads[0][0], True) for suffix in calls])

    def test_copies_of_one_summary_at_once(self):
        *events, summary = self.missed_call("-1")
        self.receive_in_order(events)
        self.receive_concurrently([summary] * 2)
        self.assert_one_lead(["-1"])

    def test_two_summaries_of_one_number_at_once(self):
        first, second = self.missed_call("-1"), self.missed_call("-2")
        self.receive_in_order(first[:-1] + second[:-1])
        self.receive_concurrently([first[-1], second[-1]])
        self.assert_one_lead(["-1", "-2"])

    def test_two_summaries_before_their_calls_at_once(self):
        """Each summary creates its call; the legs come afterwards."""
        first, second = self.missed_call("-1"), self.missed_call("-2")
        self.receive_concurrently([first[-1], second[-1]])
        self.receive_in_order(first[:-1] + second[:-1])
        self.assert_one_lead(["-1", "-2"])

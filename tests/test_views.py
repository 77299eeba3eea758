from ast import literal_eval
from datetime import datetime, time, timedelta, timezone

import pytz
from lxml import etree

from odoo import fields
from odoo.tests import tagged

from .common import PbxHttpCase
from .emulators.mango import incoming_call

# what the web client offers in "Custom Group" (web/static/src/search/utils/misc.js)
GROUPABLE_TYPES = {"boolean", "char", "date", "datetime", "integer", "many2one", "many2many",
                   "selection", "tags"}
TECHNICAL = {"from_number", "to_number", "line_number", "external_e164", "entry_ref", "leg_ids",
             "event_ids", "route_status", "route_message", "route_user_id", "pbx_direction",
             "disconnect_reason", "summary_received"}
PLUMBING = {"route_taken", "route_command_ref", "route_leg_ref", "route_date", "dct_next",
            "dct_tries", "summary_data", "route_error", "dct_data", "create_uid",
            "note_message_ids", "callback_scheduled"}
# 10:17:23 in Moscow: no time of the call reads like an empty talk time
START = datetime(2026, 3, 2, 7, 17, 23, tzinfo=timezone.utc).timestamp()


@tagged("post_install", "-at_install")
class TestViews(PbxHttpCase):
    """What a Russian rep and an administrator read on the calls' views."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.speak_russian()
        cls.boris = cls.new_rep("views_rep", "104", "Борис Иванов")
        cls.admin_ru = cls.new_rep("views_admin", "105", "Вера Кузнецова",
                                   groups="base.group_system,sales_team.group_sale_manager")

    def call(self, entry, caller, answered=True, line="74951234567", start=START):
        self.post_all(incoming_call(entry, caller, line=line, extension="104",
                                    answered=answered, start=start))
        return self.as_user(self.calls(entry), self.boris)

    @staticmethod
    def as_user(records, user):
        """As the web client asks: in the user's language and time zone."""
        return records.with_user(user).with_context(lang=user.lang, tz=user.tz)

    def learn_lines(self):
        self.as_cron("pbx.line", "_cron_refresh")

    def trigger_count(self):
        cron = self.env.ref("mango_office.ir_cron_mango_refresh_lines")
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

    def form_fields(self, user):
        """The fields the form shows ``user`` (not those Odoo adds, hidden, for a button's
        condition)."""
        arch = self.as_user(self.env["pbx.call"], user).get_views([(False, "form")])[
            "views"]["form"]["arch"]
        return {node.get("name") for node in etree.fromstring(arch).iter("field")
                if not node.get("data-used-by")}

    def offered(self, user):
        described = self.as_user(self.env["pbx.call"], user).fields_get(
            attributes=["groupable", "searchable", "type", "aggregator"])
        group_by = {name for name, field in described.items()
                    if field.get("groupable") and field["type"] in GROUPABLE_TYPES}
        filter_by = {name for name, field in described.items() if field.get("searchable")}
        measures = {name for name, field in described.items() if field.get("aggregator")
                    and field["type"] in ("integer", "float", "monetary")}
        return group_by, filter_by, measures

    # -- what the views are made of ---------------------------------------------------------

    def test_no_technical_field_on_a_reps_form(self):
        rep_fields = self.form_fields(self.boris)
        self.assertFalse(rep_fields & (TECHNICAL | PLUMBING))
        self.assertLessEqual({"direction", "number_display", "partner_id", "partner_company_id",
                              "lead_id", "line_display", "user_id", "start_date", "answer_date",
                              "end_date", "talk_time", "state", "disconnect_reason_text",
                              "recording_ids", "dct_number_display"}, rep_fields)
        self.assertLessEqual(TECHNICAL, self.form_fields(self.admin_ru))

    def test_group_by_offers_what_people_group_by(self):
        group_by, filter_by, measures = self.offered(self.boris)
        self.assertLessEqual({"direction", "state", "user_id", "partner_id", "lead_id", "line_id",
                              "start_date"}, group_by)
        self.assertFalse(group_by & (TECHNICAL | PLUMBING))
        self.assertFalse(filter_by & (TECHNICAL | PLUMBING))
        self.assertEqual(measures, {"talk_minutes"})
        strings = {field["string"] for field in self.as_user(
            self.env["pbx.call"], self.boris).fields_get(sorted(group_by), ["string"]).values()}
        self.assertIn("Сотрудник", strings)
        self.assertNotIn("Перевод взят на отправку", strings)

        group_by, filter_by, _measures = self.offered(self.admin_ru)
        self.assertLessEqual({"entry_ref", "disconnect_reason", "route_status", "line_id"}, group_by)
        self.assertFalse(group_by & PLUMBING)
        self.assertFalse(filter_by & PLUMBING)

    def test_the_journal_groups_by_path_and_state_not_by_digest(self):
        described = self.env["pbx.event"].with_user(self.admin_ru).fields_get(
            attributes=["groupable"])
        group_by = {name for name, field in described.items() if field.get("groupable")}
        self.assertLessEqual({"path", "state", "call_id"}, group_by)
        self.assertFalse(group_by & {"digest", "create_uid", "write_uid", "write_date"})
        arch = etree.fromstring(self.env["pbx.event"].with_user(self.admin_ru).get_views(
            [(False, "form")])["views"]["form"]["arch"])
        self.assertEqual([node.get("widget") for node in arch.iter("field")
                          if node.get("name") == "state"], ["badge"])

    def test_the_pivot_counts_calls_first_then_talk_minutes(self):
        views = self.env["pbx.call"].with_user(self.boris).get_views(
            [(False, "pivot"), (False, "graph")])["views"]
        pivot = etree.fromstring(views["pivot"]["arch"])
        self.assertEqual(pivot.get("display_quantity"), "1")
        self.assertEqual([node.get("name") for node in pivot.iter("field")
                          if node.get("type") == "measure"], ["talk_minutes"])
        graph = etree.fromstring(views["graph"]["arch"])
        self.assertFalse([node for node in graph.iter("field") if node.get("type") == "measure"])

    # -- what a call says -------------------------------------------------------------------

    def test_a_call_as_a_russian_rep_reads_it(self):
        self.learn_lines()
        call = self.call("views-1", "380671234567")
        self.assertEqual(call.number_display, "+380 67 123 4567")
        self.assertEqual(call.line_display, "Москва · +7 495 123-45-67")
        self.assertEqual(call.line_id.name, "Москва")
        self.assertEqual(call.user_id.name, "Борис Иванов")
        self.assertEqual(call.disconnect_reason_text, "Звонок завершён звонящим")
        employee_leg = call.leg_ids.filtered(lambda leg: leg.location == "employee")
        self.assertEqual((employee_leg.from_display, employee_leg.to_display),
                         ("+380 67 123 4567", "Борис Иванов"))
        shown = call.read([name for name in self.form_fields(self.boris)
                           if name in call._fields and name != "recording_ids"])[0]
        for value in shown.values():
            self.assertNotIn("sip:", str(value))
            self.assertNotIn("380671234567", str(value))

    def test_a_missed_call_has_no_talk_time(self):
        call = self.call("views-2", "79035556677", answered=False)
        self.assertEqual(call.state, "missed")
        self.assertFalse(call.answer_date)
        arch = etree.fromstring(call.get_views([(False, "form")])["views"]["form"]["arch"])
        talk = next(node for node in arch.iter("field") if node.get("name") == "talk_time")
        self.assertEqual(talk.get("invisible"), "not answer_date or not end_date")

    def test_today_starts_at_the_readers_midnight(self):
        moscow = pytz.timezone("Europe/Moscow")
        midnight = moscow.localize(datetime.combine(datetime.now(moscow).date(), time.min))
        self.call("views-9", "79035556677", start=(midnight - timedelta(minutes=30)).timestamp())
        self.call("views-10", "79035556677", start=(midnight + timedelta(minutes=30)).timestamp())
        Call = self.as_user(self.env["pbx.call"], self.boris)
        arch = etree.fromstring(Call.get_views([(False, "search")])["views"]["search"]["arch"])
        today = next(node for node in arch.iter("filter") if node.get("name") == "today")
        found = Call.search(literal_eval(today.get("domain"))
                            + [("entry_ref", "in", ["views-9", "views-10"])])
        self.assertEqual(found.mapped("entry_ref"), ["views-10"],
                         "a call at 23:30 in Moscow was yesterday's")

    def test_a_customer_number_is_found_as_people_type_it(self):
        self.call("views-3", "79035556677")
        Call = self.as_user(self.env["pbx.call"], self.boris)
        for typed in ("8 903 555-66-77", "+7 (903) 555 66 77", "555-66"):
            self.assertEqual(Call.search([("number_display", "ilike", typed)]).entry_ref,
                             "views-3", typed)
        self.assertFalse(Call.search([("number_display", "ilike", "8 903 555-66-78")]))

    def test_a_line_not_known_shows_its_number_until_the_cron_learns_it(self):
        call = self.call("views-4", "79035556677")
        self.assertEqual(call.line_display, "+7 495 123-45-67")
        self.assertFalse(self.emulator.requests_to("incominglines"),
                         "the webhook never asks Mango")
        self.assertTrue(self.trigger_count(), "the cron reads the lines soon")
        self.learn_lines()
        self.assertEqual(len(self.emulator.requests_to("incominglines")), 1)
        self.assertEqual(call.line_display, "Москва · +7 495 123-45-67")
        self.assertEqual(self.env["pbx.line"].search([("number", "=", "78001234567")])
                         .display_name, "8-800 · +7 800 123-45-67")

    def test_a_line_mango_does_not_list_is_asked_for_at_most_every_quarter_hour(self):
        cron = self.env.ref("mango_office.ir_cron_mango_refresh_lines")
        cron.lastcall = fields.Datetime.now()
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        call = self.call("views-5", "79035556677", line="74991112233")
        self.assertEqual(call.line_display, "+7 499 111-22-33")
        self.assertFalse(self.trigger_count())
        cron.lastcall = fields.Datetime.now() - timedelta(hours=1)
        self.call("views-6", "79035556677", line="74991112233")
        self.assertEqual(self.trigger_count(), 1)

    def test_browser_a_russian_rep_reads_the_call_form(self):
        self.learn_lines()
        self.call("views-7", "380671234567")
        self.call("views-8", "79035556677", answered=False, start=START + 600)
        self.start_tour("/odoo/action-mango_office.pbx_call_action",
                        "mango_office_views_call_form", login="views_rep")

import json
import time
from datetime import datetime, timezone

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import PbxCase, PbxHttpCase
from .emulators.mango import incoming_call
from .test_autolead import RussianRepCase


class CardCase(PbxHttpCase):
    """The rep's call card: what the bus carries to whom."""

    def cards(self, user, bus_type="mango_office/call"):
        """What the bus carries to ``user``'s web clients about calls."""
        cards = []
        for bus in self.env["bus.bus"].sudo().search([], order="id"):
            channel, message = json.loads(bus.channel), json.loads(bus.message)
            if channel[1:] == ["res.partner", user.partner_id.id] \
                    and message["type"] == bus_type:
                cards.append(message["payload"])
        return cards


@tagged("post_install", "-at_install")
class TestWebClient(CardCase):
    """The ringing card and click-to-call, on the server and in the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"country_id": cls.env.ref("base.ru").id})
        cls.ivan = cls.env["res.partner"].create({"name": "Иван Петров",
                                                  "phone": "+7 916 123-45-67",
                                                  "user_id": cls.rep.id})

    def test_the_card_follows_the_rep_whose_phone_rings(self):
        notifications = [n for n in incoming_call("W1", "79161234567", extension="101")
                         if n[0] == "events/call"]
        self.post_all(notifications[:3])  # ringing at 101
        cards = self.cards(self.rep)
        self.assertEqual(cards[-1]["status"], "ringing")
        self.assertEqual(cards[-1]["caller"], "Иван Петров")
        self.assertEqual(cards[-1]["partner"]["id"], self.ivan.id)
        self.assertEqual(cards[-1]["number"], "+7 916 123-45-67")
        self.assertEqual(cards[-1]["salesperson"], "Rep One")
        self.assertFalse(self.cards(self.rep2), "nobody else gets it")
        self.post_all(notifications[3:4])
        self.assertEqual(self.cards(self.rep)[-1]["status"], "talking")
        self.post_all(notifications[4:])
        self.assertEqual(self.cards(self.rep)[-1]["status"], "closed")
        self.assertTrue(self.cards(self.rep)[-1]["talked"])

    def test_click_to_call_rings_the_rep_first(self):
        result = self.env["pbx.call"].with_user(self.rep).pbx_click_to_call("8 (916) 123-45-67")
        self.assertIn("101", result["message"])
        payload = self.emulator.requests_to("commands/callback")[0]["payload"]
        self.assertEqual((payload["from"]["extension"], payload["to_number"]),
                         ("101", "79161234567"))

    def test_click_to_call_refusals_in_words(self):
        Call = self.env["pbx.call"]
        with self.assertRaisesRegex(UserError, "no extension"):
            Call.with_user(self.sales_manager).pbx_click_to_call("+79161234567")
        with self.assertRaisesRegex(UserError, "not a phone number"):
            Call.with_user(self.rep).pbx_click_to_call("call me")
        self.emulator.fail("commands/callback", code=2240)
        with self.assertRaisesRegex(UserError, "Insufficient funds"):
            Call.with_user(self.rep).pbx_click_to_call("+79161234567")

    def test_browser_card_only_for_the_ringing_rep_in_their_language(self):
        """rep2 (English, 102) sees the card of their call, not the one ringing at 101."""
        self.tour_posting("mango_office_card_only_mine", "rep2",
                       others=incoming_call("W2", "79161234567", extension="101")[2],
                       mine=incoming_call("W4", "79035556677", extension="102")[2])

    def test_browser_phone_button(self):
        self.start_tour(f"/odoo/res.partner/{self.ivan.id}", "mango_office_click_to_call",
                        login="rep")
        payload = self.emulator.requests_to("commands/callback")[0]["payload"]
        self.assertEqual(payload["from"]["extension"], "101")

    def test_browser_phone_button_refusal(self):
        self.emulator.fail("commands/callback", code=2240)
        self.start_tour(f"/odoo/res.partner/{self.ivan.id}",
                        "mango_office_click_to_call_refused", login="rep")

    def test_webhook_health_above_the_calls_for_administrators(self):
        self.post_all(incoming_call("W9", "79161234567")[:1])
        Call = self.env["pbx.call"]
        self.assertFalse(Call.with_user(self.rep).pbx_webhook_health(),
                         "salespeople see the calls, not the webhook's health")
        health = Call.with_user(self.env.ref("base.user_admin")).pbx_webhook_health()
        self.assertTrue(health["last_notification"])
        self.assertEqual((health["errors"], health["reconciliation"]), (0, False))
        self.start_tour("/odoo/action-mango_office.pbx_call_action",
                        "mango_office_call_list_health", login="admin")

    def test_browser_call_list_follows_the_calls(self):
        """A call that rings at an employee appears in open call lists without a reload."""
        self.tour_posting("mango_office_call_list_follows", "rep2",
                          url="/odoo/action-mango_office.pbx_call_action",
                          ringing=incoming_call("W10", "79161234567", extension="102")[2])

    def test_browser_create_lead_from_the_card(self):
        self.env["utm.source"].search([("name", "=", "yandex")]).unlink()
        greeting, _gone, ringing = incoming_call("W3", "79035550011", extension="101")[:3]
        dct = {"dct": {"number": "74001234567", "type": 1}}
        payload = {**ringing[1], **dct}
        self.emulator.visitors["74001234567"] = {"channel": {"source": "yandex"}}
        self.post("events/call", {**greeting[1], **dct})
        call = self.calls("W3")
        call._pbx_fetch_visitor()
        self.env.flush_all()
        self.tour_posting("mango_office_card_create_lead", "rep",
                          ringing=("events/call", payload))
        lead = call.lead_id
        self.assertTrue(lead, "saving the lead linked the call")
        self.assertEqual(lead.phone, "+7 903 555-00-11")
        self.assertEqual(lead.source_id.name, "yandex")
        self.assertEqual(lead.medium_id, self.env.ref("utm.utm_medium_phone"))
        self.assertEqual(lead.user_id, self.rep)


IVAN, STRANGER = "79161234567", "79035556677"


def moment(*args):
    """A UTC moment as Mango's Unix seconds."""
    return datetime(*args, tzinfo=timezone.utc).timestamp()


def without_ids(history):
    return [{key: value for key, value in call.items() if key != "id"} for call in history]


@tagged("post_install", "-at_install")
class TestCallCard(CardCase):
    """The card of each employee whose phone rings, in their language and time zone, and
    the live call from it: note, transfer, hang up."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.boris, cls.vera = cls.russian_reps(("boris", "105", "Борис Иванов"),
                                               ("vera", "106", "Вера Кузнецова"))
        cls.john = cls.new_rep("john", "107", "John Smith", lang="en_US", tz="Europe/London",
                               groups="sales_team.group_sale_salesman_all_leads")
        cls.env["pbx.line"]._pbx_sync(cls.company, cls.company._pbx_client().lines())
        Partner = cls.env["res.partner"]
        romashka = Partner.create({"name": "ООО Ромашка", "is_company": True})
        cls.ivan = Partner.create({"name": "Иван Петров", "parent_id": romashka.id,
                                   "phone": "+7 916 123-45-67", "user_id": cls.boris.id})
        cls.deal = cls.env["crm.lead"].create({
            "name": "Поставка станков", "type": "opportunity", "partner_id": cls.ivan.id,
            "user_id": cls.boris.id,
            "stage_id": cls.env["crm.stage"].create({"name": "Переговоры"}).id})

    def earlier_calls(self):
        """Иван called Борис twice before: answered (1:05 of talk), then missed."""
        for entry, start, answered in (("H1", moment(2026, 11, 20, 9, 5), True),
                                       ("H2", moment(2026, 11, 21, 14, 30), False)):
            self.post_all(incoming_call(entry, IVAN, extension="105", answered=answered,
                                        talk_seconds=65, start=start))

    @staticmethod
    def call(entry, caller, extension="105"):
        """A call that began a minute ago: greeting, ringing, talk, end, summary."""
        return incoming_call(entry, caller, extension=extension, start=time.time() - 60)

    def follow_commands(self, hold=True):
        """The emulator posts what follows a command to this Odoo, as Mango does, with the
        key of the test's requests; ``hold``: only when the test lets it (``mango_follows``)."""
        self.emulator.notify_url = f"{self.base_url()}/mango"
        self.emulator.notify_cookies = self.opener.cookies
        self.emulator.hold_follow_ups = hold

    def mango_follows(self):
        """Mango posts now what follows the commands sent so far."""
        self.env.flush_all()
        with self.allow_requests():
            self.emulator.settle()
        self.env.invalidate_all()

    def as_rep(self, user, record):
        """``record`` as ``user`` in their web client (their language)."""
        return record.with_user(user).with_context(lang=user.lang)

    def test_unknown_caller_in_the_reps_language(self):
        self.post_all(self.call("U1", STRANGER)[:3])
        card = self.cards(self.boris)[-1]
        self.assertNotIn("res.partner()", json.dumps(card))
        self.assertNotIn("crm.lead()", json.dumps(card))
        self.assertEqual({key: card[key] for key in (
            "status", "title", "caller", "company", "number", "line", "partner", "lead",
            "use_leads", "history", "history_count")}, {
            "status": "ringing", "title": "Входящий звонок", "caller": "Неизвестный номер",
            "company": "", "number": "+7 903 555-66-77", "line": "Москва · +7 495 123-45-67",
            "partner": False, "lead": False, "use_leads": False, "history": [],
            "history_count": 0})
        self.boris.group_ids += self.env.ref("crm.group_use_lead")
        self.post_all(self.call("U1", STRANGER)[3:4])
        self.assertTrue(self.cards(self.boris)[-1]["use_leads"], "the card offers a lead")

    def test_known_caller_with_an_open_opportunity(self):
        self.earlier_calls()
        self.post_all(self.call("K1", IVAN)[:3])
        card = self.cards(self.boris)[-1]
        self.assertEqual((card["caller"], card["company"], card["number"], card["salesperson"]),
                         ("Иван Петров", "ООО Ромашка", "+7 916 123-45-67", "Борис Иванов"))
        self.assertEqual(card["partner"], {"id": self.ivan.id, "can_open": True})
        self.assertEqual(card["lead"], {"id": self.deal.id, "name": "Поставка станков",
                                        "stage": "Переговоры", "type": "opportunity",
                                        "can_open": True})
        self.assertEqual(without_ids(card["history"]), [
            {"date": "21.11.2026, 17:30", "direction": "Входящий", "outcome": "Пропущен"},
            {"date": "20.11.2026, 12:05", "direction": "Входящий", "outcome": "Отвечен, 1:05"}])
        self.assertEqual(card["history_count"], 2)
        action = self.as_rep(self.boris, self.calls("K1")).action_number_calls()
        self.assertEqual(self.env["pbx.call"].with_user(self.boris).search(action["domain"]),
                         self.calls("K1") | self.calls("H1") | self.calls("H2"),
                         "the link opens all calls of the number")

    def test_a_ukrainian_rep_reads_the_card_in_ukrainian(self):
        self.env["res.lang"]._activate_lang("uk_UA")
        self.env["ir.module.module"]._load_module_terms(["mango_office"], ["uk_UA"],
                                                        overwrite=True)
        olena = self.new_rep("olena", "108", "Олена Коваль", lang="uk_UA", tz="Europe/Kyiv")
        self.post_all(self.call("UA1", STRANGER, "108")[:3])
        card = self.cards(olena)[-1]
        self.assertEqual((card["title"], card["caller"]), ("Вхідний дзвінок", "Невідомий номер"))

    def test_each_rep_reads_the_card_in_their_language(self):
        """One call rings at three phones: each card in its reader's language and time zone,
        with the earlier calls its reader may open."""
        self.earlier_calls()
        legs = [self.call("G1", IVAN, extension)[2] for extension in ("105", "106", "107")]
        self.post_all(legs)
        english = self.cards(self.john)[-1]
        self.assertEqual((english["title"], english["status"]), ("Incoming call", "ringing"))
        self.assertEqual(without_ids(english["history"]), [
            {"date": "11/21/26, 2:30 PM", "direction": "Incoming", "outcome": "Missed"},
            {"date": "11/20/26, 9:05 AM", "direction": "Incoming",
             "outcome": "Answered, 1:05"}])
        self.assertEqual(self.cards(self.boris)[-1]["title"], "Входящий звонок")
        vera = self.cards(self.vera)[-1]
        self.assertEqual((vera["history"], vera["history_count"]), ([], 0),
                         "Борис's calls are not Вера's to open")
        self.assertFalse(vera["lead"]["can_open"], "nor is Борис's opportunity")
        self.post_all(self.call("G2", STRANGER, "107")[2:3])
        self.assertEqual(self.cards(self.john)[-1]["caller"], "Unknown number")

    def test_after_the_call_the_card_stays_with_outcome_and_talk_time(self):
        group = {extension: self.call("A1", IVAN, extension) for extension in ("105", "106")}
        self.post_all(group["105"][:3] + group["106"][2:3])
        self.post_all(group["105"][3:4])  # Борис answers
        vera = self.cards(self.vera)[-1]
        self.assertEqual((vera["status"], vera["talked"], vera["answered_elsewhere"]),
                         ("closed", False, True), "Вера's card may go: Борис took the call")
        self.post_all(group["105"][4:5])  # the customer hangs up
        card = self.cards(self.boris)[-1]
        self.assertEqual((card["status"], card["title"], card["talked"], card["outcome"],
                          card["reason"], card["talk_time"]),
                         ("closed", "Звонок завершён", True, "Завершён",
                          "Звонок завершён звонящим", "0:42"))
        self.post_all(group["105"][5:])  # the summary
        card = self.cards(self.boris)[-1]
        self.assertEqual((card["outcome"], card["talk_time"]), ("Отвечен", "0:42"))

    def test_my_cards_come_back_after_a_reload(self):
        notifications = self.call("R1", IVAN)
        self.post_all(notifications[:3])
        Call = self.env["pbx.call"]
        cards = self.as_rep(self.boris, Call).pbx_my_cards()
        self.assertEqual([(card["status"], card["caller"]) for card in cards],
                         [("ringing", "Иван Петров")])
        self.assertEqual(self.as_rep(self.vera, Call).pbx_my_cards(), [])
        self.post_all(notifications[3:5])
        self.assertEqual(self.as_rep(self.boris, Call).pbx_my_cards(), [],
                         "a card after the call stays until closed, not after a reload")

    def test_note_saved_on_the_call(self):
        self.post_all(self.call("N1", IVAN)[:4])
        call = self.calls("N1")
        self.as_rep(self.boris, call).pbx_save_note("Просит счёт")
        self.assertEqual(call.note, "Просит счёт")
        with self.assertRaises(AccessError):
            self.as_rep(self.boris, call).write({"note": "the guard still holds"})
        with self.assertRaises(AccessError):
            self.as_rep(self.rep2, call).pbx_save_note("not my call")

    def test_transfer_to_a_colleague(self):
        self.follow_commands()
        notifications = self.call("T1", IVAN)
        self.post_all(notifications[:4])
        self.emulator.know(notifications[:4])
        call = self.calls("T1")
        targets = self.as_rep(self.boris, call).pbx_transfer_targets()
        self.assertIn({"extension": "106", "name": "Вера Кузнецова"}, targets)
        self.assertNotIn("105", [target["extension"] for target in targets])
        self.assertFalse(call.with_user(self.vera).has_access("read"), "not Вера's call yet")
        result = self.as_rep(self.boris, call).pbx_transfer("106")
        self.assertEqual(result["message"], "Звонок переводится: Вера Кузнецова.")
        payload = self.emulator.requests_to("commands/transfer")[0]["payload"]
        self.assertEqual({key: payload[key] for key in ("call_id", "method", "to_number",
                                                        "initiator")},
                         {"call_id": "T1:105", "method": "blind", "to_number": "106",
                          "initiator": "105"})
        self.mango_follows()
        vera = self.cards(self.vera)
        self.assertEqual((vera[0]["status"], vera[-1]["status"]), ("ringing", "talking"),
                         "Вера's phone rang, then she answered")
        self.assertEqual(vera[0]["caller"], "Иван Петров")
        self.assertTrue(call.with_user(self.vera).has_access("read"),
                        "the call rang at Вера's phone: she opens it from her card")
        card = self.cards(self.boris)[-1]
        self.assertEqual((card["status"], card["talked"], card["outcome"], card["reason"]),
                         ("closed", True, "Переведён: Вера Кузнецова", ""))

    def test_hang_up(self):
        self.follow_commands()
        notifications = self.call("X1", STRANGER)
        self.post_all(notifications[:4])
        self.emulator.know(notifications[:4])
        self.as_rep(self.boris, self.calls("X1")).pbx_hangup()
        self.assertEqual(self.emulator.requests_to("commands/call/hangup")[0]["payload"]["call_id"],
                         "X1:105")
        self.mango_follows()
        card = self.cards(self.boris)[-1]
        self.assertEqual((card["status"], card["reason"]),
                         ("closed", "Звонок завершён командой внешней системы"))

    def test_refusals_in_words(self):
        self.post_all(self.call("F1", IVAN)[:4])
        call = self.calls("F1")
        with self.assertRaisesRegex(UserError, "Вы не разговариваете"):
            self.as_rep(self.vera, call).pbx_hangup()
        with self.assertRaisesRegex(UserError, "999"):
            self.as_rep(self.boris, call).pbx_transfer("999")
        self.as_rep(self.boris, call).pbx_transfer("106")
        command_ref = self.emulator.requests_to("commands/transfer")[0]["payload"]["command_id"]
        self.post_all([("result/transfer", {"command_id": command_ref, "result": 3200})])
        self.assertEqual(self.cards(self.boris, "mango_office/call_refused"), [{
            "call_id": call.id,
            "message": "Mango не перевёл звонок: Mango ответил кодом 3200: Неверный номер "
                       "абонента"}], "Mango's later refusal is said on the card")
        self.emulator.clear()
        self.emulator.fail("commands/transfer", code=4101)
        with self.assertRaisesRegex(UserError, "Mango не перевёл звонок: .*Звонок завершён или "
                                               "не найден"):
            self.as_rep(self.boris, call).pbx_transfer("106")
        self.assertEqual(len(self.emulator.requests_to("commands/transfer")), 1, "no retry")
        self.company.mango_api_url = "http://127.0.0.1:9/vpbx/"
        with self.assertRaisesRegex(UserError, "Mango не завершил звонок: Не удалось связаться"):
            self.as_rep(self.boris, call).pbx_hangup()

    def test_browser_unknown_caller(self):
        self.tour_posting("mango_office_card_unknown_caller", "boris",
                       ringing=self.call("B1", STRANGER)[2])

    def test_browser_known_caller_note_transfer_and_hang_up(self):
        self.earlier_calls()
        self.follow_commands(hold=False)
        first, second = self.call("B2", IVAN), self.call("B3", STRANGER)
        self.tour_posting("mango_office_card_known_caller", "boris", **{
            "ringing": first[2], "answered": first[3],
            "second ringing": second[2], "second answered": second[3]})
        self.emulator.settle()
        self.assertEqual(self.calls("B2").note, "Просит счёт на два станка")
        payload = self.emulator.requests_to("commands/transfer")[0]["payload"]
        self.assertEqual((payload["call_id"], payload["to_number"]), ("B2:105", "106"))
        self.assertIn("ringing", [card["status"] for card in self.cards(self.vera)],
                      "the colleague's card rang")
        self.assertEqual(self.emulator.requests_to("commands/call/hangup")[0]["payload"]["call_id"],
                         "B3:105")


@tagged("post_install", "-at_install")
class TestGroupCall(PbxCase):
    """A sales manager asks a PBX group to call a customer."""

    def wizard(self, user=None):
        from odoo.tests import Form
        Wizard = self.env["pbx.group.call"].with_user(user or self.sales_manager)
        return Form(Wizard.with_context(default_number="+7 916 123-45-67"))

    def test_group_and_line_from_mango_and_the_call(self):
        with self.wizard() as form:
            self.assertEqual(form.group_id.extension, "500")
            self.assertEqual(form.line_id.number, "74951234567")
        action = form.record.action_call()
        self.assertIn("Отдел продаж", action["params"]["message"])
        payload = self.emulator.requests_to("commands/callback_group")[0]["payload"]
        self.assertEqual((payload["from"], payload["to"], payload["line_number"]),
                         ("79161234567", "500", "74951234567"))

    def test_at_most_one_group_call_per_customer_per_minute(self):
        self.wizard().save().action_call()
        with self.assertRaisesRegex(UserError, "less than a minute ago"):
            self.wizard().save().action_call()
        self.assertEqual(len(self.emulator.requests_to("commands/callback_group")), 1)

    def test_mango_down_still_opens_the_form(self):
        self.wizard().save()  # the groups and lines are known from before
        self.company.mango_api_url = "http://127.0.0.1:9/vpbx/"
        with self.wizard() as form:
            self.assertIn("could not be read", form.sync_warning)
            self.assertEqual(form.group_id.extension, "500")

    def test_salespeople_cannot(self):
        from odoo.exceptions import AccessError
        with self.assertRaises(AccessError):
            self.env["pbx.group.call"].with_user(self.rep).create({"number": "+79161234567"})


@tagged("post_install", "-at_install")
class TestCreateFromCall(RussianRepCase):
    """Create from the call, as the Russian rep whose call it is."""

    def unknown_call(self, entry="L1"):
        self.post_all(incoming_call(entry, "79035556677", extension="103"))
        return self.calls(entry).with_user(self.anna)

    def create(self, call):
        """What the rep gets from the button, and saves."""
        action = call.action_create_lead()
        self.assertEqual((action["type"], action["res_model"]), ("ir.actions.act_window",
                                                                 "crm.lead"))
        self.assertNotIn("res_id", action)
        with Form(self.env["crm.lead"].with_user(self.anna).with_context(
                action["context"])) as form:
            pass
        return form.record

    def test_an_opportunity_in_the_reps_pipeline_where_leads_are_off(self):
        call = self.unknown_call()
        lead = self.create(call)
        self.assertRecordValues(lead, [{
            "type": "opportunity", "name": "Звонок с +7 903 555-66-77",
            "phone": "+7 903 555-66-77", "user_id": self.anna.id, "team_id": self.team.id,
            "stage_id": self.first_stage.id,
            "medium_id": self.env.ref("utm.utm_medium_phone").id}])
        self.assertEqual(call.lead_id, lead, "saving it linked the call")
        self.assertTrue(self.in_action(lead, "crm.crm_lead_action_pipeline", self.anna))

    def test_a_lead_where_leads_are_on(self):
        self.env.ref("base.group_user").implied_ids = [
            Command.link(self.env.ref("crm.group_use_lead").id)]
        self.team.use_leads = True
        lead = self.create(self.unknown_call())
        self.assertRecordValues(lead, [{"type": "lead", "team_id": self.team.id}])
        self.assertTrue(self.in_action(lead, "crm.crm_lead_all_leads", self.anna))

    def test_an_open_opportunity_is_opened_not_made_again(self):
        opportunity = self.env["crm.lead"].create({
            "name": "Поставка", "phone": "+7 903 555-66-77", "type": "opportunity",
            "user_id": self.anna.id})
        call = self.unknown_call()
        self.assertEqual(call.lead_id, opportunity)
        action = call.action_create_lead()
        self.assertEqual((action["res_model"], action["res_id"]), ("crm.lead", opportunity.id))
        opportunity.action_set_lost()
        self.assertNotIn("res_id", call.action_create_lead(), "a lost one is not open")

    def test_an_opportunity_the_call_missed_is_opened_and_linked(self):
        call = self.unknown_call()
        # made while the call was being applied: the calls of its number were not relinked
        opportunity = self.env["crm.lead"].with_context(mango_autolead=True).create({
            "name": "Поставка", "phone": "+7 903 555-66-77", "type": "opportunity",
            "user_id": self.anna.id})
        self.assertFalse(call.lead_id)
        self.assertEqual(call.action_create_lead()["res_id"], opportunity.id)
        self.assertEqual(call.lead_id, opportunity, "and linked to the call")

    def test_a_colleagues_opportunity_is_named_not_duplicated(self):
        colleague = self.new_rep("boris", "104", "Борис Иванов")
        self.env["crm.lead"].create({"name": "Поставка", "phone": "+7 903 555-66-77",
                                     "type": "opportunity", "user_id": colleague.id})
        call = self.unknown_call()
        with self.assertRaisesRegex(UserError, "Борис Иванов"):
            call.action_create_lead()

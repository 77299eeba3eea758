import json

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..mango.emulator import incoming_call
from ..mango.signing import form_body
from .common import KEY, SALT, MangoCase
from .test_autolead import RussianRepCase

WAIT_FOR_CARD = """
(async () => {
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    await sleep(1500);  // the bus is connected
    const response = await fetch("/mango/events/call", {method: "POST",
                                                        body: new URLSearchParams(%(body)s)});
    if (response.status !== 200) { console.error("webhook answered " + response.status); return; }
    for (let i = 0; i < 60; i++) {
        const card = document.querySelector(".o_mango_call_card");
        if (card) {
            if (%(expected)s && card.textContent.includes(%(name)s)
                    && card.textContent.includes("Create lead")) {
                console.log("test successful");
            } else {
                console.error("unexpected card: " + card.textContent);
            }
            return;
        }
        await sleep(100);
    }
    if (%(expected)s) { console.error("no card"); } else { console.log("test successful"); }
})();
"""

WAIT_FOR = """
(async () => {
    for (let i = 0; i < 100; i++) {
        const found = document.querySelector(%(selector)s);
        if (found && found.textContent.includes(%(text)s)) {
            console.log("test successful");
            return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    console.error("not shown: " + %(selector)s);
})();
"""

LIST_FOLLOWS = """
(async () => {
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    await sleep(1500);  // the bus is connected
    const shown = () => [...document.querySelectorAll(".o_list_view .o_data_row")]
        .some((row) => row.textContent.includes("+7 916 123-45-67"));
    if (shown()) { console.error("the call is in the list before it rang"); return; }
    const response = await fetch("/mango/events/call", {method: "POST",
                                                        body: new URLSearchParams(%(body)s)});
    if (response.status !== 200) { console.error("webhook answered " + response.status); return; }
    for (let i = 0; i < 100; i++) {
        if (shown()) { console.log("test successful"); return; }
        await sleep(100);
    }
    console.error("the list did not show the call");
})();
"""

CREATE_LEAD = """
(async () => {
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    await sleep(1500);
    await fetch("/mango/events/call", {method: "POST", body: new URLSearchParams(%(body)s)});
    let button;
    for (let i = 0; i < 60 && !button; i++) {
        button = [...document.querySelectorAll(".o_mango_call_card button")]
            .find((b) => b.textContent.includes("Create lead"));
        await sleep(100);
    }
    if (!button) { console.error("no Create lead on the card"); return; }
    button.click();
    let save;
    for (let i = 0; i < 100 && !save; i++) {
        save = document.querySelector(".o_form_view .o_form_button_save");
        await sleep(100);
    }
    if (!save) { console.error("no lead form"); return; }
    save.click();
    for (let i = 0; i < 100; i++) {
        if (/\/odoo\/.*\/\d+/.test(location.pathname) && !document.querySelector(".o_form_dirty")) {
            console.log("test successful");
            return;
        }
        await sleep(100);
    }
    console.error("the lead was not saved: " + location.pathname);
})();
"""

CLICK_TO_CALL = """
(async () => {
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    for (let i = 0; i < 100; i++) {
        const button = document.querySelector(".o_field_phone .o_mango_call_button");
        if (button) {
            button.click();
            break;
        }
        await sleep(100);
    }
    for (let i = 0; i < 100; i++) {
        const text = document.body.textContent;
        if (text.includes(%(expected)s)) { console.log("test successful"); return; }
        await sleep(100);
    }
    console.error("no message: " + document.querySelector(".o_notification_manager, .modal")?.textContent);
})();
"""


@tagged("post_install", "-at_install")
class TestWebClient(MangoCase):
    """The ringing card and click-to-call, on the server and in the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"country_id": cls.env.ref("base.ru").id})
        cls.ivan = cls.env["res.partner"].create({"name": "Иван Петров",
                                                  "phone": "+7 916 123-45-67",
                                                  "user_id": cls.rep.id})

    def cards(self, user):
        """What the bus carries to ``user``'s web clients about calls."""
        cards = []
        for bus in self.env["bus.bus"].sudo().search([], order="id"):
            channel, message = json.loads(bus.channel), json.loads(bus.message)
            if channel[1:] == ["res.partner", user.partner_id.id] \
                    and message["type"] == "mango_office/call":
                cards.append(message["payload"])
        return cards

    def test_the_card_follows_the_rep_whose_phone_rings(self):
        notifications = [n for n in incoming_call("W1", "79161234567", extension="101")
                         if n[0] == "events/call"]
        self.post_all(notifications[:3])  # ringing at 101
        cards = self.cards(self.rep)
        self.assertEqual(cards[-1]["status"], "ringing")
        self.assertEqual(cards[-1]["partner"]["name"], "Иван Петров")
        self.assertEqual(cards[-1]["number"], "+7 916 123-45-67")
        self.assertEqual(cards[-1]["salesperson"], "Rep One")
        self.assertFalse(self.cards(self.rep2), "nobody else gets it")
        self.post_all(notifications[3:4])
        self.assertEqual(self.cards(self.rep)[-1]["status"], "talking")
        self.post_all(notifications[4:])
        self.assertEqual(self.cards(self.rep)[-1]["status"], "closed")

    def test_click_to_call_rings_the_rep_first(self):
        result = self.env["mango.call"].with_user(self.rep).mango_click_to_call("8 (916) 123-45-67")
        self.assertIn("101", result["message"])
        payload = self.emulator.requests_to("commands/callback")[0]["payload"]
        self.assertEqual((payload["from"]["extension"], payload["to_number"]),
                         ("101", "79161234567"))

    def test_click_to_call_refusals_in_words(self):
        Call = self.env["mango.call"]
        with self.assertRaisesRegex(UserError, "no extension"):
            Call.with_user(self.sales_manager).mango_click_to_call("+79161234567")
        with self.assertRaisesRegex(UserError, "not a phone number"):
            Call.with_user(self.rep).mango_click_to_call("call me")
        self.emulator.fail("commands/callback", code=2240)
        with self.assertRaisesRegex(UserError, "Insufficient funds"):
            Call.with_user(self.rep).mango_click_to_call("+79161234567")

    def browser_card(self, login, expected):
        path, payload = incoming_call("W2", "79161234567", extension="101")[2]
        code = WAIT_FOR_CARD % {"body": json.dumps(form_body(KEY, SALT, payload)),
                                "expected": json.dumps(expected),
                                "name": json.dumps("Иван Петров")}
        self.browser_js("/odoo", code, ready="odoo.isReady", login=login, timeout=60)

    def test_browser_card_for_the_ringing_rep(self):
        self.browser_card("rep", True)

    def test_browser_no_card_for_another_user(self):
        self.browser_card("rep2", False)

    def test_browser_phone_button(self):
        code = CLICK_TO_CALL % {"expected": json.dumps("rings first")}
        self.browser_js(f"/odoo/res.partner/{self.ivan.id}", code, ready="odoo.isReady",
                        login="rep", timeout=60)
        payload = self.emulator.requests_to("commands/callback")[0]["payload"]
        self.assertEqual(payload["from"]["extension"], "101")

    def test_browser_phone_button_refusal(self):
        self.emulator.fail("commands/callback", code=2240)
        code = CLICK_TO_CALL % {"expected": json.dumps("Insufficient funds")}
        self.browser_js(f"/odoo/res.partner/{self.ivan.id}", code, ready="odoo.isReady",
                        login="rep", timeout=60)

    def test_webhook_health_above_the_calls_for_administrators(self):
        self.post_all(incoming_call("W9", "79161234567")[:1])
        Call = self.env["mango.call"]
        self.assertFalse(Call.with_user(self.rep).mango_webhook_health(),
                         "salespeople see the calls, not the webhook's health")
        health = Call.with_user(self.env.ref("base.user_admin")).mango_webhook_health()
        self.assertTrue(health["last_notification"])
        self.assertEqual((health["errors"], health["reconciliation"]), (0, False))
        code = WAIT_FOR % {"selector": json.dumps(".o_mango_health"),
                           "text": json.dumps("Last notification from Mango")}
        self.browser_js("/odoo/action-mango_office.mango_call_action", code,
                        ready="odoo.isReady", login="admin", timeout=60)

    def test_browser_call_list_follows_the_calls(self):
        """A call that rings at an employee appears in open call lists without a reload."""
        path, payload = incoming_call("W10", "79161234567", extension="102")[2]
        code = LIST_FOLLOWS % {"body": json.dumps(form_body(KEY, SALT, payload))}
        self.browser_js("/odoo/action-mango_office.mango_call_action", code,
                        ready="odoo.isReady", login="rep2", timeout=60)

    def test_browser_create_lead_from_the_card(self):
        self.env["utm.source"].search([("name", "=", "yandex")]).unlink()
        greeting, _gone, ringing = incoming_call("W3", "79035550011", extension="101")[:3]
        dct = {"dct": {"number": "74001234567", "type": 1}}
        payload = {**ringing[1], **dct}
        self.emulator.visitors["74001234567"] = {"channel": {"source": "yandex"}}
        self.post("events/call", {**greeting[1], **dct})
        call = self.calls("W3")
        call._mango_fetch_visitor()
        self.env.flush_all()
        code = CREATE_LEAD % {"body": json.dumps(form_body(KEY, SALT, payload))}
        self.browser_js("/odoo", code, ready="odoo.isReady", login="rep", timeout=60)
        lead = call.lead_id
        self.assertTrue(lead, "saving the lead linked the call")
        self.assertEqual(lead.phone, "+7 903 555-00-11")
        self.assertEqual(lead.source_id.name, "yandex")
        self.assertEqual(lead.medium_id, self.env.ref("utm.utm_medium_phone"))
        self.assertEqual(lead.user_id, self.rep)


@tagged("post_install", "-at_install")
class TestGroupCall(MangoCase):
    """A sales manager asks a PBX group to call a customer."""

    def wizard(self, user=None):
        from odoo.tests import Form
        Wizard = self.env["mango.group.call"].with_user(user or self.sales_manager)
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
            self.env["mango.group.call"].with_user(self.rep).create({"number": "+79161234567"})


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

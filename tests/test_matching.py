from odoo.tests import tagged

from .common import PbxHttpCase
from .emulators.mango import incoming_call, outgoing_call


@tagged("post_install", "-at_install")
class TestCallerMatching(PbxHttpCase):
    """A call is tied to the caller's contact and open lead from its first notification."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.ru")
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create({"name": "ООО Ромашка", "is_company": True,
                                   "phone": "+7 (916) 123-45-67", "user_id": cls.rep2.id})
        cls.ivan = Partner.create({"name": "Иван Петров", "parent_id": cls.acme.id,
                                   "phone": "8 916 123 45 67"})
        cls.olena = Partner.create({"name": "Олена Коваль", "phone": "+380 67 123 4567",
                                    "user_id": cls.rep.id})

    def first_notification(self, entry, caller):
        self.post_all(incoming_call(entry, caller)[:1])
        return self.calls(entry)

    def test_formats_match_on_the_first_notification(self):
        for entry, caller, partner in (("M1", "79161234567", self.ivan),
                                       ("M2", "89161234567", self.ivan),
                                       ("M3", "380671234567", self.olena)):
            with self.subTest(caller=caller):
                call = self.first_notification(entry, caller)
                self.assertEqual(call.partner_id, partner, "the contact person before its company")
                self.assertEqual(call.state, "ringing")
                self.assertEqual(call.external_number, caller)

    def test_both_forms_of_the_number_are_kept(self):
        call = self.first_notification("M4", "89161234567")
        self.assertEqual((call.external_number, call.external_e164), ("89161234567", "+79161234567"))

    def test_most_recently_updated_open_lead(self):
        Lead = self.env["crm.lead"]
        older = Lead.create({"name": "Old deal", "phone": "+79161234567", "type": "opportunity"})
        newer = Lead.create({"name": "Fresh deal", "partner_id": self.ivan.id,
                             "type": "opportunity"})
        won = Lead.create({"name": "Won deal", "phone": "+79161234567"})
        won.action_set_won()
        lost = Lead.create({"name": "Lost deal", "phone": "+79161234567"})
        lost.action_set_lost()
        self.env.cr.execute("UPDATE crm_lead SET write_date = now() - interval '1 day' WHERE id = %s",
                            [older.id])
        self.env.invalidate_all()
        self.assertEqual(self.first_notification("M5", "79161234567").lead_id, newer)
        newer.action_set_lost()
        self.assertEqual(self.first_notification("M6", "79161234567").lead_id, older)

    def test_archived_and_other_company_contacts_are_not_matched(self):
        other = self.env["res.company"].create({"name": "Other"})
        self.env["res.partner"].create({"name": "Other's", "phone": "+74955404444",
                                        "company_id": other.id})
        self.env["res.partner"].create({"name": "Archived", "phone": "+74955404444",
                                        "active": False})
        self.assertFalse(self.first_notification("M7", "74955404444").partner_id)

    def test_outgoing_call_matches_the_called_number(self):
        self.post_all(outgoing_call("M8", "101", "380671234567"))
        self.assertEqual(self.calls("M8").partner_id, self.olena)

    def test_hidden_and_sip_callers_match_nobody(self):
        for entry, caller in (("M9", ""), ("M10", "sip:someone@example.mangosip.ru")):
            call = self.first_notification(entry, caller)
            self.assertFalse(call.partner_id or call.lead_id or call.external_e164)

    def test_past_calls_follow_a_new_contact_and_lead(self):
        self.post_all(incoming_call("M11", "74957778899", answered=False))
        call = self.calls("M11")
        self.assertFalse(call.partner_id)
        partner = self.env["res.partner"].create({"name": "Новый клиент"})
        partner.phone = "8 (495) 777-88-99"
        self.assertEqual(call.partner_id, partner)
        lead = self.env["crm.lead"].create({"name": "New lead", "phone": "+7 495 777 88 99"})
        self.assertEqual(call.lead_id, lead)

    def test_responsible_salesperson(self):
        call = self.first_notification("M12", "79161234567")
        self.assertEqual(call._pbx_responsible(), self.rep2, "the contact's company's salesperson")
        self.ivan.user_id = self.sales_manager
        self.assertEqual(call._pbx_responsible(), self.sales_manager)
        call.lead_id = self.env["crm.lead"].create({"name": "Deal", "user_id": self.rep.id})
        self.assertEqual(call._pbx_responsible(), self.rep)

from unittest.mock import patch

from odoo.tests import tagged

from ..models import mango_forwarding
from .common import PbxCase


@tagged("post_install", "-at_install")
class TestForwardingRules(PbxCase):
    """Known customers reach their salesperson through Mango's own rules while Odoo is down."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"mango_forwarding": True, "country_id": cls.env.ref("base.ru").id})
        Extension = cls.env["pbx.extension"]
        Extension.search([("user_id", "=", cls.rep.id)]).pbx_user_ref = "400001"
        Extension.search([("user_id", "=", cls.rep2.id)]).pbx_user_ref = "400002"
        cls.ivan = cls.env["res.partner"].create({"name": "Иван Петров",
                                                  "phone": "+7 916 123-45-67",
                                                  "user_id": cls.rep.id})

    def sync(self):
        self.env.flush_all()
        with patch.object(mango_forwarding, "PAUSE", 0):
            return self.env["mango.forwarding"]._mango_sync(self.company)

    def rules(self):
        return {rule["client_phone_number"]: (rule["forward_to_user"]["forward_user_id"],
                                              rule["comment"])
                for rule in self.emulator.forwarding.values()}

    def test_rules_follow_the_salesperson(self):
        self.emulator.forwarding[1] = {  # made by hand in Mango: left alone
            "forward_id": 1, "client_phone_number": "79035550000", "comment": "VIP",
            "forward_type": "user", "forward_to_user": {"forward_user_id": 999}}
        self.env["res.partner"].create({"name": "VIP", "phone": "+7 903 555-00-00",
                                        "user_id": self.rep.id})
        self.assertEqual(self.sync(), 1)
        self.assertEqual(self.rules(), {"79161234567": (400001, "Odoo CRM"),
                                        "79035550000": (999, "VIP")})
        self.assertEqual(self.sync(), 0, "in step: nothing to do")
        trigger = self.env.ref("mango_office.ir_cron_mango_forwarding")
        self.ivan.user_id = self.rep2
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", trigger.id)]),
                        "a new salesperson wakes the sync")
        self.assertEqual(self.sync(), 1)
        self.assertEqual(self.rules()["79161234567"], (400002, "Odoo CRM"))
        lead = self.env["crm.lead"].create({"name": "Поставка", "partner_id": self.ivan.id,
                                            "phone": "+7 916 123-45-67", "user_id": self.rep.id})
        self.sync()
        self.assertEqual(self.rules()["79161234567"][0], 400001, "the open lead's salesperson")
        lead.action_set_lost()
        self.ivan.active = False
        self.sync()
        self.assertNotIn("79161234567", self.rules())
        self.assertFalse(self.company.mango_forwarding_error)

    def test_mango_refusal_is_shown(self):
        self.emulator.fail("forwarding/numbers", code=5224)
        self.sync()
        self.assertIn("5224", self.company.mango_forwarding_error)

    def test_one_run_of_the_cron_makes_more_changes_than_a_call_may(self):
        self.env["res.partner"].create({"name": "Ольга Сидорова", "phone": "+7 903 555-00-01",
                                        "user_id": self.rep2.id})
        with patch.object(mango_forwarding, "PAUSE", 0), \
                patch.object(mango_forwarding, "MAX_CHANGES", 1), \
                self.enter_registry_test_mode():  # the cron's cursor shares the test's
            self.env.ref("mango_office.ir_cron_mango_forwarding").method_direct_trigger()
        self.assertEqual(self.rules(), {"79161234567": (400001, "Odoo CRM"),
                                        "79035550001": (400002, "Odoo CRM")},
                         "the cron calls the sync again while it has changes left")

from odoo.tests import tagged

from .common import MangoCase


@tagged("post_install", "-at_install")
class TestSettings(MangoCase):
    """The admin fills in the Mango Office block of the CRM settings once."""

    def settings(self):
        return self.env["res.config.settings"].create({})

    def test_webhook_address_to_paste_into_mango(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        self.assertEqual(self.settings().mango_webhook_url, base + "/mango")

    def test_default_api_address(self):
        company = self.env["res.company"].create({"name": "New Co"})
        self.assertEqual(company.mango_api_url, "https://app.mango-office.ru/vpbx/")

    def test_test_connection_success(self):
        action = self.settings().action_mango_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn(str(len(self.emulator.users)), action["params"]["message"])
        self.assertEqual(len(self.emulator.requests_to("config/users/request")), 1)

    def test_test_connection_reports_mango_refusal_in_words(self):
        self.emulator.fail("config/users/request", code=3102)
        action = self.settings().action_mango_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("3102", action["params"]["message"])
        self.assertIn("Signature mismatch", action["params"]["message"])

    def test_test_connection_when_mango_is_down(self):
        self.env.company.mango_api_url = "http://127.0.0.1:9/vpbx/"
        action = self.settings().action_mango_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("Could not reach Mango", action["params"]["message"])

    def test_test_connection_without_credentials(self):
        self.env.company.mango_api_salt = False
        action = self.settings().action_mango_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("not set", action["params"]["message"])

    def test_settings_save_to_the_company(self):
        self.settings().write({"mango_api_key": "new-key", "mango_api_salt": "new-salt"})
        self.assertEqual(self.env.company.mango_api_key, "new-key")
        self.assertEqual(self.env.company.mango_api_salt, "new-salt")

    def test_a_russian_admin_reads_the_failure_in_russian(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["mango_office"], ["ru_RU"])
        self.emulator.fail("config/users/request", code=3102)
        action = self.settings().with_context(lang="ru_RU").action_mango_test_connection()
        self.assertEqual(action["params"]["title"], "Соединение с Mango Office не удалось")
        self.assertEqual(action["params"]["message"], "Mango ответил кодом 3102: "
                         "Подпись не совпадает: проверьте ключ для создания подписи")

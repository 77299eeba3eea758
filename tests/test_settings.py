import time

from odoo.tests import tagged

from .common import PbxHttpCase
from .emulators.mango import incoming_call


@tagged("post_install", "-at_install")
class TestSettings(PbxHttpCase):
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

    def test_test_connection_reports_an_html_page_in_words(self):
        self.emulator.fail("config/users/request",
                           body=("text/html", b"<html><body>502 Bad Gateway</body></html>"))
        action = self.settings().action_mango_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(action["params"]["message"],
                         "Mango's answer is not the JSON object expected")

    def test_lines_cron_logs_an_unexpected_answer_as_a_warning(self):
        self.emulator.fail("incominglines", body=("application/json", b'{"lines": [1, 2]}'))
        with self.assertLogs("odoo.addons.mango_office.models.pbx_line", "WARNING") as logged:
            self.as_cron("pbx.line", "_cron_refresh")
        self.assertIn("Mango's answer to incominglines is not in the expected format",
                      logged.output[0])
        self.assertIsNone(logged.records[0].exc_info, "a warning, no Traceback")

    def test_test_connection_without_credentials(self):
        self.env.company.mango_api_salt = False
        action = self.settings().action_mango_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("not set", action["params"]["message"])

    def test_settings_save_to_the_company(self):
        self.settings().write({"mango_api_key": "new-key", "mango_api_salt": "new-salt"})
        self.assertEqual(self.env.company.mango_api_key, "new-key")
        self.assertEqual(self.env.company.mango_api_salt, "new-salt")

    def test_the_company_chooses_its_pbx_in_the_settings(self):
        """The settings say which PBX the company has; its package reads what it posts and
        its client answers for it."""
        settings = self.settings()
        self.assertEqual(settings.pbx_provider, "mango")
        labels = dict(settings._fields["pbx_provider"]._description_selection(self.env))
        self.assertEqual(labels, {"mango": "Mango Office", "binotel": "Binotel"})
        view = self.env.ref("mango_office.res_config_settings_view_form")
        self.assertIn('name="pbx_provider"', view.arch_db)
        self.assertIsInstance(self.env.company._pbx_client(), self.env.company._pbx_client_class())

    def test_a_russian_admin_reads_the_failure_in_russian(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["mango_office"], ["ru_RU"])
        self.emulator.fail("config/users/request", code=3102)
        action = self.settings().with_context(lang="ru_RU").action_mango_test_connection()
        self.assertEqual(action["params"]["title"], "Соединение с Mango Office не удалось")
        self.assertEqual(action["params"]["message"], "Mango ответил кодом 3102: "
                         "Подпись не совпадает: проверьте ключ для создания подписи")

    def test_webhook_address_warns_unless_https(self):
        self.assertFalse(self.settings().mango_webhook_https, "the test server is plain HTTP")
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", "https://crm.example.ru")
        settings = self.settings()
        self.assertEqual(settings.mango_webhook_url, "https://crm.example.ru/mango")
        self.assertTrue(settings.mango_webhook_https)

    def test_browser_webhook_address_whole_with_copy_button(self):
        # a long address, as behind a company's proxy (the tour knows these segments)
        base = self.base_url() + "/" + "very-long-path-segment/" * 4
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", base.rstrip("/"))
        self.env["ir.config_parameter"].sudo().set_param("web.base.url.freeze", "1")
        self.start_tour("/odoo/settings#crm", "mango_office_settings_webhook_address",
                        login="admin", timeout=90)

    def test_keep_recordings_zero_means_forever(self):
        self.assertIn("0: recordings are kept forever",
                      self.env["res.company"]._fields["mango_recording_days"].help)
        self.emulator.add_recording("OLD1")
        self.post_all(incoming_call("OLD", "79161234567", extension="101",
                                    start=int(time.time()) - 3 * 365 * 86400,
                                    recording_ref="OLD1"))
        recording = self.calls("OLD").recording_ids
        self.as_cron("pbx.call.recording", "_cron_fetch")
        self.assertTrue(recording.attachment_id)
        self.settings().write({"mango_recording_days": 0})
        self.as_cron("pbx.call.recording", "_cron_purge")
        self.assertEqual(recording.fetch_state, "done")
        self.assertTrue(recording.attachment_id.exists())

    def test_help_speaks_the_admins_language(self):
        """No API internals in what the admin reads on the settings page."""
        view = self.env.ref("mango_office.res_config_settings_view_form")
        fields_help = [field.help or "" for model in ("res.config.settings", "pbx.extension")
                       for name, field in self.env[model]._fields.items()
                       if name.startswith("mango_") or model == "pbx.extension"]
        for text in [view.arch_db, *fields_help]:
            for internal in ("general.user_id", "vpbx_api_key", "VPBX API", "stats/"):
                self.assertNotIn(internal, text)

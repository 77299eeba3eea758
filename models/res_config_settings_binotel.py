from odoo import fields, models


class ResConfigSettingsBinotel(models.TransientModel):
    """Binotel's block of the CRM settings: the keys, the company ID, the addresses its
    requests may come from, and what to write to Binotel's support."""
    _inherit = "res.config.settings"

    binotel_api_key = fields.Char(related="company_id.binotel_api_key", readonly=False,
                                  groups="base.group_system")
    binotel_api_secret = fields.Char(related="company_id.binotel_api_secret", readonly=False,
                                     groups="base.group_system")
    binotel_api_url = fields.Char(related="company_id.binotel_api_url", readonly=False)
    binotel_company_ref = fields.Char(related="company_id.binotel_company_ref", readonly=False)
    binotel_allowed_ips = fields.Text(related="company_id.binotel_allowed_ips", readonly=False)
    binotel_webhook_push_url = fields.Char(string="Push Requests",
                                           compute="_compute_binotel_webhook")
    binotel_webhook_settings_url = fields.Char(string="Call Settings Requests",
                                               compute="_compute_binotel_webhook")
    binotel_webhook_completed_url = fields.Char(string="Call Completed Requests",
                                                compute="_compute_binotel_webhook")
    binotel_webhook_url = fields.Char(string="All Requests", compute="_compute_binotel_webhook",
                                      help="One address for the three kinds of request, if "
                                           "Binotel's support prefers one.")
    binotel_support_letter = fields.Text(
        string="Letter to Binotel's Support", compute="_compute_binotel_webhook",
        help="Send it to support@binotel.ua: they set the addresses and send the API key "
             "and secret.")

    def _compute_binotel_webhook(self):
        for settings in self:
            (_push, push), (_settings, call_settings), (_completed, completed), (_all, every) = \
                settings.company_id._binotel_webhook_urls()
            settings.binotel_webhook_push_url = push
            settings.binotel_webhook_settings_url = call_settings
            settings.binotel_webhook_completed_url = completed
            settings.binotel_webhook_url = every
            settings.binotel_support_letter = self.env._(
                "Hello,\n\n"
                "Our company is setting up the integration of your service with Odoo. "
                "We need you to:\n\n"
                "1. Set the following addresses for notifications:\n\n"
                "Push requests: %(push)s\n"
                "callSettings requests: %(settings)s\n"
                "callCompleted requests: %(completed)s\n\n"
                "2. Give us the keys for the REST API. Our requests to it will come from the "
                "address of our Odoo server: %(server)s.\n\n"
                "Thank you!",
                push=push, settings=call_settings, completed=completed,
                server=self.env._("[the IP address of your Odoo server]"))

    def action_binotel_test_connection(self):
        return self._pbx_test_connection(self.env._("Binotel connection works"),
                                         self.env._("Binotel connection failed"))

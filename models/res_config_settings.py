from odoo import fields, models

from ..mango import MangoError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mango_api_url = fields.Char(related="company_id.mango_api_url", readonly=False)
    mango_api_key = fields.Char(related="company_id.mango_api_key", readonly=False,
                                groups="base.group_system")
    mango_api_salt = fields.Char(related="company_id.mango_api_salt", readonly=False,
                                 groups="base.group_system")
    mango_routing = fields.Boolean(related="company_id.mango_routing", readonly=False)
    mango_recordings_restricted = fields.Boolean(related="company_id.mango_recordings_restricted",
                                                 readonly=False)
    mango_recording_days = fields.Integer(related="company_id.mango_recording_days",
                                          readonly=False)
    mango_webhook_url = fields.Char(string="Webhook Address", compute="_compute_mango_webhook_url")

    def _compute_mango_webhook_url(self):
        for settings in self:
            settings.mango_webhook_url = settings.company_id._mango_webhook_url()

    def action_mango_test_connection(self):
        """Ask the PBX for its employees and say what came of it."""
        self.ensure_one()
        company = self.company_id
        try:
            users = company._mango_client().users()
        except MangoError as error:
            return self._mango_notify(
                self.env._("Mango Office connection failed"),
                company._mango_error_message(error), "danger")
        return self._mango_notify(
            self.env._("Mango Office connection works"),
            self.env._("The PBX answered and has %(count)s employees.", count=len(users)),
            "success")

    def _mango_notify(self, title, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": title, "message": message, "type": kind, "sticky": kind == "danger"},
        }

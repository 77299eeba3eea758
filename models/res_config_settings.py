from datetime import timedelta

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
    mango_forwarding = fields.Boolean(related="company_id.mango_forwarding", readonly=False)
    mango_forwarding_date = fields.Datetime(related="company_id.mango_forwarding_date")
    mango_forwarding_error = fields.Char(related="company_id.mango_forwarding_error")
    mango_recordings_restricted = fields.Boolean(related="company_id.mango_recordings_restricted",
                                                 readonly=False)
    mango_recording_days = fields.Integer(related="company_id.mango_recording_days",
                                          readonly=False)
    mango_webhook_url = fields.Char(string="Webhook Address", compute="_compute_mango_webhook_url")
    mango_last_notification = fields.Datetime(string="Last Notification",
                                              compute="_compute_mango_health")
    mango_journal_errors = fields.Integer(string="Notifications in Error",
                                          compute="_compute_mango_health")
    mango_reconciliation_date = fields.Datetime(related="company_id.mango_reconciliation_date")
    mango_reconciliation_recovered = fields.Integer(
        related="company_id.mango_reconciliation_recovered")
    mango_reconcile_from = fields.Datetime(string="Reconcile From",
                                           default=lambda self: fields.Datetime.now()
                                           - timedelta(days=1))
    mango_reconcile_to = fields.Datetime(string="Reconcile To", default=fields.Datetime.now)

    def _compute_mango_health(self):
        for settings in self:
            settings.mango_last_notification, settings.mango_journal_errors = \
                settings.company_id._mango_health()

    def action_mango_reconcile(self):
        """Compare Mango's statistics of the chosen period with the call log, now."""
        self.ensure_one()
        company = self.company_id
        end = min(self.mango_reconcile_to or fields.Datetime.now(), fields.Datetime.now())
        try:
            count = self.env["mango.reconciliation"]._mango_reconcile(
                company, self.mango_reconcile_from or end - timedelta(days=1), end)
        except MangoError as error:
            return self._mango_notify(self.env._("Reconciliation failed"),
                                      company._mango_error_message(error), "danger")
        return self._mango_notify(
            self.env._("Reconciliation done"),
            self.env._("%(count)s calls recovered from Mango's statistics.", count=count),
            "success")

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

    mango_autolead = fields.Selection(related="company_id.mango_autolead", readonly=False)

from datetime import timedelta

from odoo import fields, models
from odoo.tools import format_datetime

from ..pbx.client import PbxError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pbx_provider = fields.Selection(related="company_id.pbx_provider", readonly=False)
    mango_api_key = fields.Char(related="company_id.mango_api_key", readonly=False,
                                groups="base.group_system")
    mango_api_salt = fields.Char(related="company_id.mango_api_salt", readonly=False,
                                 groups="base.group_system")
    mango_api_url = fields.Char(related="company_id.mango_api_url", readonly=False)
    mango_routing = fields.Boolean(related="company_id.mango_routing", readonly=False)
    mango_autolead = fields.Selection(related="company_id.mango_autolead", readonly=False)
    mango_forwarding = fields.Boolean(related="company_id.mango_forwarding", readonly=False)
    mango_forwarding_date = fields.Datetime(related="company_id.mango_forwarding_date")
    mango_forwarding_error = fields.Char(related="company_id.mango_forwarding_error")
    mango_recordings_restricted = fields.Boolean(related="company_id.mango_recordings_restricted",
                                                 readonly=False)
    mango_recording_days = fields.Integer(related="company_id.mango_recording_days",
                                          readonly=False)
    mango_webhook_url = fields.Char(string="Webhook Address", compute="_compute_mango_webhook_url")
    mango_webhook_https = fields.Boolean(string="Webhook Address Is HTTPS",
                                         compute="_compute_mango_webhook_url")
    mango_last_notification = fields.Datetime(string="Last Notification",
                                              compute="_compute_mango_health")
    mango_journal_errors = fields.Integer(string="Notifications in Error",
                                          compute="_compute_mango_health")
    mango_reconciliation_date = fields.Datetime(related="company_id.mango_reconciliation_date")
    mango_reconciliation_recovered = fields.Integer(
        related="company_id.mango_reconciliation_recovered")
    mango_reconciliation_start = fields.Datetime(related="company_id.mango_reconciliation_start")
    mango_reconciliation_end = fields.Datetime(related="company_id.mango_reconciliation_end")
    mango_reconciliation_failure = fields.Char(string="Reconciliation Problem",
                                               compute="_compute_mango_health")
    mango_reconciling_from = fields.Datetime(related="company_id.mango_reconciling_from")
    mango_reconciling_to = fields.Datetime(related="company_id.mango_reconciling_to")
    mango_reconciling_done = fields.Datetime(related="company_id.mango_reconciling_done")
    mango_reconciling_recovered = fields.Integer(
        related="company_id.mango_reconciling_recovered")
    mango_reconcile_from = fields.Datetime(string="Reconcile From",
                                           default=lambda self: fields.Datetime.now()
                                           - timedelta(days=1))
    mango_reconcile_to = fields.Datetime(string="Reconcile To", default=fields.Datetime.now)

    def _compute_mango_health(self):
        for settings in self:
            company = settings.company_id
            settings.mango_last_notification, settings.mango_journal_errors = \
                company._mango_health()
            settings.mango_reconciliation_failure = company._pbx_reconciliation_failure()

    def action_mango_reconcile(self):
        """Have the reconciliation cron compare the PBX's statistics of the chosen period
        with the call log, and say so at once."""
        self.ensure_one()
        now = fields.Datetime.now()
        end = min(self.mango_reconcile_to or now, now)
        start = self.mango_reconcile_from or end - timedelta(days=1)
        company = self.company_id
        if start >= end:
            return self._mango_notify(self.env._("Nothing to reconcile"), self.env._(
                "The period ends before it starts: choose its start before its end, and "
                "not in the future."), "warning")
        binotel = company.pbx_provider == "binotel"
        if not self.env["pbx.reconciliation"].sudo()._pbx_request(
                company, start, end, self.env.user):
            period = self._mango_period(company.mango_reconciling_from,
                                        company.mango_reconciling_to)
            return self._mango_notify(self.env._("A reconciliation is running"), self.env._(
                "Binotel's statistics of %(period)s are being compared with the call log: "
                "this page tells when that has finished; then reconcile another period.",
                period=period) if binotel else self.env._(
                "Mango's statistics of %(period)s are being compared with the call log: "
                "this page tells when that has finished; then reconcile another period.",
                period=period), "warning")
        period = self._mango_period(start, end)
        action = self._mango_notify(self.env._("Reconciliation started"), self.env._(
            "Binotel's statistics of %(period)s are compared with the call log in the "
            "background. You are told when it has finished; this page then says what it "
            "recovered.", period=period) if binotel else self.env._(
            "Mango's statistics of %(period)s are compared with the call log in the "
            "background. You are told when it has finished; this page then says what it "
            "recovered.", period=period), "info")
        action["params"]["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
        return action

    def _compute_mango_webhook_url(self):
        for settings in self:
            settings.mango_webhook_url = settings.company_id._mango_webhook_url()
            settings.mango_webhook_https = settings.mango_webhook_url.startswith("https://")

    def action_mango_test_connection(self):
        return self._pbx_test_connection(self.env._("Mango Office connection works"),
                                         self.env._("Mango Office connection failed"))

    def _pbx_test_connection(self, works, failed):
        """Ask the company's PBX for its employees and say what came of it, under the title
        ``works`` or ``failed``."""
        self.ensure_one()
        company = self.company_id
        try:
            users = company._pbx_client().users()
        except PbxError as error:
            return self._mango_notify(failed, company._pbx_error_message(error), "danger")
        return self._mango_notify(
            works, self.env._("The PBX answered and has %(count)s employees.", count=len(users)),
            "success")

    def _mango_notify(self, title, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": title, "message": message, "type": kind, "sticky": kind == "danger"},
        }

    def _mango_period(self, start, end):
        """``start – end`` as the reader reads dates."""
        tz = self.env.user.tz or "UTC"
        start, end = (format_datetime(self.env, moment, tz=tz) for moment in (start, end))
        return f"{start} – {end}"

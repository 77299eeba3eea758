from odoo import api, fields, models

from ..mango import MangoClient
from ..mango.codes import describe


class ResCompany(models.Model):
    _inherit = "res.company"

    mango_api_url = fields.Char(
        string="Mango API Address", default=MangoClient.DEFAULT_URL,
        help="Address of the Mango Office VPBX API.")
    mango_api_key = fields.Char(
        string="PBX Unique Code", groups="base.group_system", index="btree_not_null", copy=False,
        help="'Уникальный код вашей АТС' from Mango's API connector (vpbx_api_key).")
    mango_api_salt = fields.Char(
        string="Signing Key", groups="base.group_system", copy=False,
        help="'Ключ для создания подписи' from Mango's API connector. It is never sent.")
    mango_recordings_restricted = fields.Boolean(
        string="Restrict Call Recordings",
        help="Only members of 'Listen to call recordings' may listen to and download "
             "recordings; others still see the calls they may read.")
    mango_recording_days = fields.Integer(
        string="Keep Recordings (days)",
        help="Recordings older than this are removed from Odoo (empty: kept forever).")
    mango_reconciled_until = fields.Datetime(
        string="Reconciled Until", readonly=True, copy=False,
        help="Mango's statistics were compared with the call log up to this moment.")
    mango_reconciliation_date = fields.Datetime(string="Last Reconciliation", readonly=True,
                                                copy=False)
    mango_reconciliation_recovered = fields.Integer(
        string="Calls Recovered", readonly=True, copy=False,
        help="Calls the last reconciliation found in Mango's statistics and not in Odoo.")
    mango_forwarding = fields.Boolean(
        string="Routing Rules in Mango",
        help="Keep one forwarding rule per customer number in Mango to their salesperson, so "
             "that known customers reach them even when Odoo cannot answer.")
    mango_forwarding_date = fields.Datetime(string="Rules Synchronised", readonly=True,
                                            copy=False)
    mango_forwarding_error = fields.Char(string="Rules Problem", readonly=True, copy=False)
    mango_routing = fields.Boolean(
        string="Route Known Callers",
        help="While a known customer hears the greeting, put them through to the extension of "
             "their salesperson (of the open lead, else of the contact).")

    _mango_api_key_unique = models.Constraint(
        "UNIQUE(mango_api_key)", "This PBX unique code is already used by another company: "
                                 "each company connects its own PBX.")

    @api.model
    def _mango_company_for_key(self, key):
        """The company whose PBX has this unique code (sudo), or an empty recordset."""
        if not key:
            return self.browse()
        return self.sudo().search([("mango_api_key", "=", key)], limit=1)

    def _mango_client(self, timeout=10.0):
        """The Mango API client of this company's PBX; MangoError when it is not set up."""
        self.ensure_one()
        company = self.sudo()
        return MangoClient(company.mango_api_url, company.mango_api_key, company.mango_api_salt,
                           timeout=timeout)

    def _mango_webhook_url(self):
        """The address to paste into Mango's 'Адрес внешней системы'."""
        self.ensure_one()
        return self.get_base_url().rstrip("/") + "/mango"

    def _mango_error_message(self, error):
        """A MangoError in the user's language."""
        params = dict(error.params)
        meaning = params.get("meaning")
        if meaning:
            params["meaning"] = self.env._(meaning)  # pylint: disable=gettext-variable
        return self.env._(error.reason, **params)  # pylint: disable=gettext-variable

    def _mango_describe_code(self, code):
        return self.env._(describe(code))  # pylint: disable=gettext-variable

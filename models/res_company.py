from collections import namedtuple
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, ormcache

from ..mango import MangoClient
from ..pbx.client import PbxError
from ..pbx.providers import provider

# What every notification needs of its company, cached across requests (``_mango_profile``)
MangoProfile = namedtuple("MangoProfile", "key salt url lang country routing tz")
PROFILE_FIELDS = {"mango_api_key", "mango_api_salt", "mango_api_url", "mango_routing",
                  "partner_id", "country_id", "pbx_provider"}
# the country a company's numbers are read in when it has none, by its PBX
PBX_COUNTRY = {"binotel": "UA"}


def profile_client(profile, timeout):
    """The PBX client of a company from its cached profile (``_mango_profile``), where no
    database is at hand (a command sent after the webhook has answered)."""
    return MangoClient(profile.url, profile.key, profile.salt, timeout=timeout)


class ResCompany(models.Model):
    _inherit = "res.company"

    pbx_provider = fields.Selection(
        [("mango", "Mango Office"), ("binotel", "Binotel")], string="PBX", default="mango", required=True,
        help="The cloud PBX this company's calls go through.")
    mango_api_url = fields.Char(
        string="Mango API Address", default=MangoClient.DEFAULT_URL,
        help="Where Odoo sends its requests to Mango: leave it as it is unless Mango's support "
             "gives you another address.")
    mango_api_key = fields.Char(
        string="PBX Unique Code", groups="base.group_system", copy=False,
        help="'Уникальный код вашей АТС' from Mango's API connector.")
    mango_api_salt = fields.Char(
        string="Signing Key", groups="base.group_system", copy=False,
        help="'Ключ для создания подписи' from Mango's API connector. It is never sent.")
    mango_recordings_restricted = fields.Boolean(
        string="Restrict Call Recordings",
        help="Only members of 'Listen to call recordings' may listen to and download "
             "recordings; others still see the calls they may read.")
    mango_recording_days = fields.Integer(
        string="Keep Recordings (days)",
        help="Recordings of calls older than this many days are removed from Odoo; the calls "
             "stay. 0: recordings are kept forever.")
    mango_reconciled_until = fields.Datetime(
        string="Reconciled Until", readonly=True, copy=False,
        help="The PBX's statistics were compared with the call log up to this moment.")
    mango_reconciliation_date = fields.Datetime(
        string="Last Reconciliation", readonly=True, copy=False,
        help="When the last reconciliation finished.")
    mango_reconciliation_recovered = fields.Integer(
        string="Calls Recovered", readonly=True, copy=False,
        help="Calls the last reconciliation found in the PBX's statistics and not in Odoo.")
    mango_reconciliation_start = fields.Datetime(string="Reconciled From",
                                                 readonly=True, copy=False)
    mango_reconciliation_end = fields.Datetime(string="Reconciled To", readonly=True,
                                               copy=False)
    mango_reconciliation_error = fields.Json(
        string="Last Reconciliation Problem", readonly=True, copy=False,
        help="Why the last reconciliation stopped: the PBX's refusal.")
    # the reconciliation running in the background, from the hourly cron or asked for in the
    # settings: one at a time per company (see pbx.reconciliation)
    mango_reconciling_from = fields.Datetime(string="Reconciling From", readonly=True,
                                             copy=False)
    mango_reconciling_to = fields.Datetime(string="Reconciling To", readonly=True, copy=False)
    mango_reconciling_done = fields.Datetime(
        string="Compared Up To", readonly=True, copy=False,
        help="The running reconciliation has compared the PBX's statistics up to this "
             "moment.")
    mango_reconciling_recovered = fields.Integer(string="Calls Recovered So Far", readonly=True,
                                                 copy=False)
    mango_reconciling_user_id = fields.Many2one(
        "res.users", string="Reconciliation Asked By", readonly=True, copy=False,
        help="The administrator told when the running reconciliation ends.")
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
    # written in SQL, never through the ORM: a write would clear every worker's caches
    pbx_slow_until = fields.Datetime(
        string="PBX Slow Until", readonly=True, copy=False,
        help="The PBX took longer to answer a routing command than a webhook waits: until "
             "then routes are sent by the route cron, which gives it more time.")

    _mango_recording_days_positive = models.Constraint(
        "CHECK(mango_recording_days >= 0)",
        "Keep recordings for 0 days (forever) or more.")
    _mango_api_key_unique = models.Constraint(
        "UNIQUE(mango_api_key)", "This PBX unique code is already used by another company: "
                                 "each company connects its own PBX.")

    def cache_invalidation_fields(self):
        # written, these clear every worker's caches (res.company clears them all when a
        # company is created): here _mango_company_id's and _mango_profile's
        return super().cache_invalidation_fields() | PROFILE_FIELDS

    @api.model
    def _mango_company_for_key(self, key):
        """The company whose PBX has this unique code (sudo), or an empty recordset."""
        return self.sudo().browse(self._mango_company_id(key) if key else ())

    @api.model
    @ormcache("key")
    def _mango_company_id(self, key):
        company = self.sudo().search([("mango_api_key", "=", key)], limit=1)
        return company.id or None

    def _mango_profile(self):
        """The PBX settings every notification needs, without reading the company: they
        are cached in each worker and cleared in all of them when they change."""
        self.ensure_one()
        return self._mango_profile_of(self.id)

    @api.model
    @ormcache("company_id")
    def _mango_profile_of(self, company_id):
        company = self.sudo().browse(company_id)
        return MangoProfile(company.mango_api_key or "", company.mango_api_salt or "",
                            company.mango_api_url or "",
                            company.partner_id.lang or "",
                            company.country_id.code or PBX_COUNTRY.get(company.pbx_provider, "RU"),
                            company.mango_routing, company.partner_id.tz or "")

    def _pbx_mark_slow(self, slow, seconds):
        """Mark this company's PBX slow for ``seconds`` from now, or (``slow`` false) no
        longer slow; in the caller's transaction, meant to be short. Never waits for the
        company's row (a settings form saving it): the mark is then left as it is, the next
        route marks it. Rewritten only when it changes by a quarter of ``seconds`` or more,
        so that a burst of slow routes writes it once."""
        self.ensure_one()
        now = fields.Datetime.now()
        if slow:
            until = now + timedelta(seconds=seconds)
            stale = SQL("(pbx_slow_until IS NULL OR pbx_slow_until < %s)",
                        until - timedelta(seconds=seconds / 4))
        else:
            until, stale = None, SQL("pbx_slow_until IS NOT NULL")
        self.env.cr.execute(SQL(
            """UPDATE res_company SET pbx_slow_until = %s
                WHERE id = (SELECT id FROM res_company WHERE id = %s AND %s
                            FOR UPDATE SKIP LOCKED)""", until, self.id, stale),
            log_exceptions=False)  # a concurrent mark fails it to serialise: tried again
        self.invalidate_recordset(["pbx_slow_until"])

    def _mango_health(self):
        """(when the last notification came, how many are in error) for the journal."""
        self.ensure_one()
        Event = self.env["pbx.event"].sudo()
        domain = [("company_id", "=", self.id)]
        last = Event.search_fetch(domain, ["create_date"], order="id desc", limit=1)
        return last.create_date, Event.search_count(domain + [("state", "=", "error")])

    def _pbx_reconciliation_failure(self):
        """Why the last reconciliation stopped, in the reader's language; False when it
        did not."""
        self.ensure_one()
        error = self.mango_reconciliation_error
        return error and self._pbx_error_message(PbxError(error["reason"], **error["params"]))

    @api.model
    def _pbx_connected_domain(self):
        """The companies whose PBX Odoo may ask (its keys are set), each PBX adding its own."""
        return Domain("pbx_provider", "=", "mango") & Domain("mango_api_key", "!=", False)

    def _pbx_client(self, timeout=10.0):
        """The client of this company's PBX (``pbx.client.PbxClient``); a PbxError when it
        is not set up."""
        self.ensure_one()
        # each PBX's settings make its client
        clients = {"mango": self._mango_client, "binotel": self._binotel_client}
        return clients[self.pbx_provider](timeout=timeout)

    def _pbx_client_class(self):
        """The class of this company's PBX client, for what it says without a request (its
        result codes, its statistics window)."""
        return self._pbx_provider().client_class

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

    def _pbx_error_message(self, error):
        """A PbxError in the user's language."""
        params = dict(error.params)
        meaning = params.get("meaning")
        if meaning:
            params["meaning"] = self.env._(meaning)  # pylint: disable=gettext-variable
        return self.env._(error.reason, **params)  # pylint: disable=gettext-variable

    def _pbx_provider(self):
        """What the call log needs of this company's PBX package (``pbx.providers``)."""
        self.ensure_one()
        return provider(self.pbx_provider)

    def _pbx_describe_code(self, code):
        """A result or disconnect code of this company's PBX, in the user's language."""
        return self.env._(self._pbx_provider().describe(code))  # pylint: disable=gettext-variable

    mango_autolead = fields.Selection(
        [("off", "Off"), ("answered", "Answered calls"), ("missed", "Missed calls"),
         ("both", "Answered and missed calls")],
        string="Leads from Unknown Numbers", default="off", required=True,
        help="A call from a number with no contact and no open lead or opportunity creates "
             "one by itself: a lead where Leads are on, else an opportunity in the pipeline; "
             "for the employee who answered, else for the sales team of the line.")

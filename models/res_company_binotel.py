from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import ormcache

from ..binotel import BinotelClient
from ..binotel.webhook import SERVER_ADDRESSES, allowed_addresses

# What Binotel's webhook reads of a company, cached in each worker (``_binotel_*_of``)
BINOTEL_FIELDS = {"binotel_company_ref", "binotel_allowed_ips", "pbx_provider"}
# Binotel's request types, each with the path of the address that takes it
WEBHOOK_PATHS = (("push", "push"), ("callSettings", "settings"), ("callCompleted", "completed"))


class ResCompanyBinotel(models.Model):
    """A company's Binotel: its REST keys, its company ID, and the addresses its
    requests may come from (Binotel signs nothing it posts)."""
    _inherit = "res.company"

    binotel_api_url = fields.Char(
        string="Binotel API Address", default=BinotelClient.DEFAULT_URL,
        help="Where Odoo sends its requests to Binotel's REST API: leave it as it is unless "
             "Binotel's support gives you another address.")
    binotel_api_key = fields.Char(
        string="Binotel API Key", groups="base.group_system", copy=False,
        help="The REST API key Binotel's support sends you.")
    binotel_api_secret = fields.Char(
        string="Binotel API Secret", groups="base.group_system", copy=False,
        help="The REST API secret Binotel's support sends you. It is sent only to Binotel.")
    binotel_company_ref = fields.Char(
        string="Binotel Company ID", copy=False,
        help="Your company's ID at Binotel (companyID in its requests): requests naming "
             "another company are refused.")
    binotel_allowed_ips = fields.Text(
        string="Binotel Addresses", default="\n".join(SERVER_ADDRESSES),
        help="The addresses Binotel's requests may come from (Binotel's published servers "
             "by default), separated by commas or new lines; networks such as 10.0.0.0/8 "
             "too. Requests from any other address are refused.")

    _binotel_company_ref_unique = models.Constraint(
        "UNIQUE(binotel_company_ref)", "This Binotel company ID is already used by another "
                                       "company: each company connects its own PBX.")

    def cache_invalidation_fields(self):
        # written, these clear every worker's caches: _binotel_company_id's, _allowed_of's
        return super().cache_invalidation_fields() | BINOTEL_FIELDS

    @api.model
    def _binotel_company_for(self, company_ref):
        """The company on Binotel with this company ID (sudo), or an empty recordset."""
        company_id = company_ref and len(company_ref) <= 64 and company_ref.isprintable() \
            and self._binotel_company_id(company_ref)
        return self.sudo().browse(company_id or ())

    @api.model
    @ormcache("company_ref")
    def _binotel_company_id(self, company_ref):
        return self.sudo().search([("pbx_provider", "=", "binotel"),
                                   ("binotel_company_ref", "=", company_ref)], limit=1).id or None

    def _binotel_allowed(self):
        """The addresses this company's Binotel requests may come from."""
        self.ensure_one()
        return self._binotel_allowed_of(self.id)

    @api.model
    @ormcache("company_id")
    def _binotel_allowed_of(self, company_id):
        return allowed_addresses(self.sudo().browse(company_id).binotel_allowed_ips)

    @api.model
    def _pbx_connected_domain(self):
        return super()._pbx_connected_domain() | (
            Domain("pbx_provider", "=", "binotel") & Domain("binotel_api_key", "!=", False))

    def _binotel_client(self, timeout=10.0):
        """The Binotel REST client of this company; BinotelError when it is not set up."""
        self.ensure_one()
        company = self.sudo()
        return BinotelClient(company.binotel_api_url, company.binotel_api_key,
                             company.binotel_api_secret, timeout=timeout)

    def _binotel_webhook_urls(self):
        """``[(request type, address)]`` to give Binotel's support, then ``("", address)``:
        the one address that takes them all."""
        self.ensure_one()
        base = self.get_base_url().rstrip("/") + "/binotel"
        return [(kind, f"{base}/{path}") for kind, path in WEBHOOK_PATHS] + [("", base)]

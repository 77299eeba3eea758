from collections import defaultdict

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Callers are found by exact E.164: crm_lead has this index, res_partner lacks it.
    phone_sanitized = fields.Char(index="btree_not_null")
    # Salespeople read the calls of the contacts they are the salesperson of (record rules).
    user_id = fields.Many2one(index="btree_not_null")
    pbx_call_count = fields.Integer(string="Number of Calls",
                                      compute="_compute_pbx_call_count",
                                      groups="sales_team.group_sale_salesman")

    def write(self, vals):
        result = super().write(vals)
        if {"lang", "country_id", "tz"} & set(vals) and self.env["res.company"].sudo().search_count(
                [("partner_id", "in", self.ids)], limit=1):
            self.env.registry.clear_cache()  # a company's language, country, zone: _mango_profile
        return result

    def _pbx_calls_domain(self):
        """The calls of this contact, of its company and of the company's other contacts."""
        return [("partner_id", "child_of", self.commercial_partner_id.ids)]

    def _compute_pbx_call_count(self):
        """One ``_read_group`` for all: a contact counts the calls of its commercial entity
        and of everyone under it (``_pbx_calls_domain``), as crm counts opportunities."""
        self.pbx_call_count = 0
        commercials = self.filtered("id").commercial_partner_id
        if not commercials:
            return
        counts = defaultdict(int)  # by partner id: the calls of the partner and those under it
        for partner, count in self.env["pbx.call"]._read_group(
                [("partner_id", "child_of", commercials.ids)], ["partner_id"], ["__count"]):
            partner = partner.sudo()  # sudo: res.partner - only the hierarchy is read
            while partner:
                counts[partner.id] += count
                partner = partner.parent_id
        for partner in self.filtered("id"):
            partner.pbx_call_count = counts[partner.commercial_partner_id.id]

    def action_pbx_calls(self):
        self.ensure_one()
        return self.env["pbx.call"]._pbx_calls_action(
            self._pbx_calls_domain(), self.env._("Calls of %(name)s", name=self.display_name))

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Callers are found by exact E.164: crm_lead has this index, res_partner lacks it.
    phone_sanitized = fields.Char(index="btree_not_null")
    # Salespeople read the calls of the contacts they are the salesperson of (record rules).
    user_id = fields.Many2one(index="btree_not_null")
    mango_call_count = fields.Integer(string="Number of Calls",
                                      compute="_compute_mango_call_count",
                                      groups="sales_team.group_sale_salesman")

    def write(self, vals):
        result = super().write(vals)
        if {"lang", "country_id"} & set(vals) and self.env["res.company"].sudo().search_count(
                [("partner_id", "in", self.ids)], limit=1):
            self.env.registry.clear_cache()  # a company's language or country: _mango_profile
        return result

    def _mango_calls_domain(self):
        """The calls of this contact, of its company and of the company's other contacts."""
        return [("partner_id", "child_of", self.commercial_partner_id.ids)]

    def _compute_mango_call_count(self):
        Call = self.env["mango.call"]
        for partner in self:
            partner.mango_call_count = partner.id and Call.search_count(
                partner._mango_calls_domain())

    def action_mango_calls(self):
        self.ensure_one()
        return self.env["mango.call"]._mango_calls_action(
            self._mango_calls_domain(), self.env._("Calls of %(name)s", name=self.display_name))

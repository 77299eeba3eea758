from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Callers are found by exact E.164: crm_lead has this index, res_partner lacks it.
    phone_sanitized = fields.Char(index="btree_not_null")

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        self.env["mango.call"]._mango_relink(partners)
        return partners

    def write(self, vals):
        result = super().write(vals)
        if "phone" in vals:
            self.env["mango.call"]._mango_relink(self)
        return result

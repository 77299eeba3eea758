from odoo import api, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        self.env["mango.call"]._mango_relink(leads)
        return leads

    def write(self, vals):
        result = super().write(vals)
        if "phone" in vals:
            self.env["mango.call"]._mango_relink(self)
        return result

from odoo import api, fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    pbx_call_ids = fields.One2many("pbx.call", "lead_id", string="Calls")
    pbx_call_count = fields.Integer(string="Number of Calls",
                                      compute="_compute_pbx_call_count",
                                      groups="sales_team.group_sale_salesman")

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        call = self.env["pbx.call"].browse(self.env.context.get("pbx_call_id"))
        if call and len(leads) == 1 and call.has_access("read"):
            call._pbx_link_lead(leads)
        return leads

    def _mango_relink_calls(self):
        if not self.env.context.get("mango_autolead"):  # that call links them itself
            super()._mango_relink_calls()

    def _compute_pbx_call_count(self):
        counts = dict(self.env["pbx.call"]._read_group(
            [("lead_id", "in", self.ids)], ["lead_id"], ["__count"]))
        for lead in self:
            lead.pbx_call_count = counts.get(lead, 0)

    def action_pbx_calls(self):
        self.ensure_one()
        return self.env["pbx.call"]._pbx_calls_action(
            [("lead_id", "=", self.id)], self.env._("Calls of %(name)s", name=self.display_name))

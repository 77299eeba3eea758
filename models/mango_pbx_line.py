from odoo import api, fields, models
from odoo.exceptions import UserError

from ..mango import MangoError


class MangoPbxLine(models.Model):
    """A line (number) of the company's PBX, as Mango lists it (``incominglines``)."""
    _name = "mango.pbx.line"
    _inherit = ["mango.pbx.listed"]
    _description = "PBX Line"
    _order = "id"  # as Mango lists them

    number = fields.Char(required=True)
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", domain="[('company_id', 'in', [company_id, False])]",
        help="Where a lead or opportunity an unknown caller's call on this line created by "
             "itself goes when no employee answered.")

    _mango_id_unique = models.Constraint("UNIQUE(company_id, mango_id)",
                                         "A PBX line is listed once per company.")

    @api.depends("name", "number")
    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.name} ({line.number})" if line.name else line.number

    @api.model
    def action_mango_sync(self):
        """Read the company's lines from Mango again (their sales teams are kept)."""
        company = self.env.company
        try:
            self._mango_sync(company, company._mango_client().incoming_lines())
        except MangoError as error:
            raise UserError(self.env._("Mango's lines could not be read: %(reason)s",
                                       reason=company._mango_error_message(error))) from None
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _mango_values(self, row):
        number = str(row.get("number") or "")[:128]
        return {"mango_id": str(row.get("line_id") or number), "number": number,
                "name": str(row.get("name") or number)[:256]}

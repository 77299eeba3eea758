from odoo import api, fields, models


class MangoPbxLine(models.Model):
    """A line (number) of the company's PBX, as Mango lists it (``incominglines``)."""
    _name = "mango.pbx.line"
    _inherit = ["mango.pbx.listed"]
    _description = "PBX Line"
    _order = "id"  # as Mango lists them

    number = fields.Char(required=True)

    _mango_id_unique = models.Constraint("UNIQUE(company_id, mango_id)",
                                         "A PBX line is listed once per company.")

    @api.depends("name", "number")
    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.name} ({line.number})" if line.name else line.number

    @api.model
    def _mango_values(self, row):
        number = str(row.get("number") or "")[:128]
        return {"mango_id": str(row.get("line_id") or number), "number": number,
                "name": str(row.get("name") or number)[:256]}

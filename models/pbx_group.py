from odoo import api, fields, models


class PbxGroup(models.Model):
    """A group of the company's PBX, as Mango lists it (``groups``), for group calls."""
    _name = "pbx.group"
    _inherit = ["pbx.listed"]
    _description = "PBX Group"

    extension = fields.Char(help="The group's short number.")

    _mango_id_unique = models.Constraint("UNIQUE(company_id, pbx_ref)",
                                         "A PBX group is listed once per company.")

    @api.depends("name", "extension")
    def _compute_display_name(self):
        for group in self:
            group.display_name = f"{group.name} ({group.extension})" if group.extension \
                else group.name

    @api.model
    def _pbx_values(self, group):
        return {"pbx_ref": group.ref, "name": group.name[:256],
                "extension": group.extension[:64]}

from odoo import fields, models


class PbxUserImportLine(models.TransientModel):
    _name = "pbx.user.import.line"
    _description = "PBX Employee"
    _order = "extension"

    wizard_id = fields.Many2one("pbx.user.import", required=True, ondelete="cascade")
    name = fields.Char(string="PBX Employee", readonly=True)
    extension = fields.Char(readonly=True)
    email = fields.Char(readonly=True)
    pbx_user_ref = fields.Char(string="PBX User ID", readonly=True)
    user_id = fields.Many2one("res.users", string="Odoo User",
                              domain="[('share', '=', False)]")

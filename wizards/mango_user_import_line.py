from odoo import fields, models


class MangoUserImportLine(models.TransientModel):
    _name = "mango.user.import.line"
    _description = "Mango PBX Employee"
    _order = "extension"

    wizard_id = fields.Many2one("mango.user.import", required=True, ondelete="cascade")
    name = fields.Char(string="PBX Employee", readonly=True)
    extension = fields.Char(readonly=True)
    email = fields.Char(readonly=True)
    mango_user_id = fields.Char(string="Mango User ID", readonly=True)
    user_id = fields.Many2one("res.users", string="Odoo User",
                              domain="[('share', '=', False)]")

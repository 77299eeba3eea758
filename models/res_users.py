from odoo import api, fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    mango_extension_ids = fields.One2many("mango.extension", "user_id", string="PBX Extensions")
    mango_extension = fields.Char(
        string="Mango Extension", compute="_compute_mango_extension",
        inverse="_inverse_mango_extension", search="_search_mango_extension",
        help="The user's short number in the current company's Mango PBX: calls to and from "
             "it are logged as this user's.")

    @api.depends_context("company")
    @api.depends("mango_extension_ids.extension", "mango_extension_ids.company_id")
    def _compute_mango_extension(self):
        company = self.env.company
        for user in self:
            user.mango_extension = user.sudo().mango_extension_ids.filtered(
                lambda ext: ext.company_id == company).extension or False

    def _inverse_mango_extension(self):
        Extension = self.env["mango.extension"].sudo()
        company = self.env.company
        for user in self:
            current = user.sudo().mango_extension_ids.filtered(
                lambda ext: ext.company_id == company)
            if not user.mango_extension:
                current.unlink()
            elif current:
                current.extension = user.mango_extension
            else:
                Extension.create({"company_id": company.id, "user_id": user.id,
                                  "extension": user.mango_extension})

    def _search_mango_extension(self, operator, value):
        return [("mango_extension_ids", "any", [("company_id", "=", self.env.company.id),
                                                ("extension", operator, value)])]

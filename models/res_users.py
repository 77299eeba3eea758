from odoo import api, fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    pbx_extension_ids = fields.One2many("pbx.extension", "user_id", string="PBX Extensions")
    pbx_extension = fields.Char(
        string="PBX Extension", compute="_compute_pbx_extension",
        inverse="_inverse_pbx_extension", search="_search_pbx_extension",
        help="The user's short number in the current company's PBX: calls to and from "
             "it are logged as this user's.")

    @api.depends_context("company")
    @api.depends("pbx_extension_ids.extension", "pbx_extension_ids.company_id")
    def _compute_pbx_extension(self):
        company = self.env.company
        for user in self:
            user.pbx_extension = user.sudo().pbx_extension_ids.filtered(
                lambda ext: ext.company_id == company).extension or False

    def _inverse_pbx_extension(self):
        Extension = self.env["pbx.extension"].sudo()
        company = self.env.company
        for user in self:
            current = user.sudo().pbx_extension_ids.filtered(
                lambda ext: ext.company_id == company)
            if not user.pbx_extension:
                current.unlink()
            elif current:
                current.extension = user.pbx_extension
            else:
                Extension.create({"company_id": company.id, "user_id": user.id,
                                  "extension": user.pbx_extension})

    def _search_pbx_extension(self, operator, value):
        return [("pbx_extension_ids", "any", [("company_id", "=", self.env.company.id),
                                                ("extension", operator, value)])]

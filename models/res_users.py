from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResUsers(models.Model):
    _inherit = "res.users"

    mango_extension = fields.Char(
        string="Mango Extension", index="btree_not_null", copy=False,
        help="The employee's short number in the Mango Office PBX: calls to and from it are "
             "logged as this user's.")
    mango_user_id = fields.Char(string="Mango User ID", copy=False,
                                help="The employee's id in Mango (general.user_id).")

    @api.constrains("mango_extension", "company_ids")
    def _check_mango_extension_unique(self):
        for user in self.filtered("mango_extension"):
            clash = self.sudo().search([
                ("id", "!=", user.id),
                ("mango_extension", "=", user.mango_extension),
                ("company_ids", "in", user.company_ids.ids),
            ], limit=1)
            if clash:
                raise ValidationError(self.env._(
                    "Extension %(extension)s is already used by %(user)s in the same company.",
                    extension=user.mango_extension, user=clash.name))

    @api.model
    def _mango_user_for_extension(self, company, extension):
        """The active user of ``company`` whose Mango extension this is, or an empty recordset."""
        if not extension:
            return self.browse()
        return self.sudo().search([
            ("mango_extension", "=", extension), ("company_ids", "in", company.ids),
        ], limit=1)

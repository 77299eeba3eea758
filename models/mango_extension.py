from odoo import api, fields, models


class MangoExtension(models.Model):
    """An Odoo user's extension in one company's PBX.

    One PBX per company: a person who works for two companies has one extension in
    each, and the same short number can belong to different people in two PBXs.
    """
    _name = "mango.extension"
    _description = "PBX Extension"
    _order = "company_id, extension"
    _rec_name = "extension"

    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade",
                                 default=lambda self: self.env.company)
    user_id = fields.Many2one("res.users", string="User", required=True, index=True,
                              ondelete="cascade", domain="[('share', '=', False)]")
    extension = fields.Char(required=True,
                            help="The employee's short number in the company's Mango PBX.")
    mango_user_id = fields.Char(string="Mango User ID",
                                help="The employee's id in Mango (general.user_id).")

    _extension_unique = models.Constraint(
        "UNIQUE(company_id, extension)", "An extension belongs to one user per company.")
    _user_unique = models.Constraint(
        "UNIQUE(company_id, user_id)", "A user has one extension per company.")

    @api.model_create_multi
    def create(self, vals_list):
        extensions = super().create(vals_list)
        self.env["mango.forwarding"]._mango_trigger()  # rules point at Mango user ids
        return extensions

    def write(self, vals):
        result = super().write(vals)
        self.env["mango.forwarding"]._mango_trigger()
        return result

    def unlink(self):
        result = super().unlink()
        self.env["mango.forwarding"]._mango_trigger()
        return result

    @api.model
    def _mango_user(self, company, extension):
        """The user whose extension this is in ``company``'s PBX, or an empty recordset."""
        if not extension:
            return self.env["res.users"]
        return self.sudo().search_fetch([("company_id", "=", company.id),
                                         ("extension", "=", extension)], ["user_id"],
                                        limit=1).user_id

    @api.model
    def _mango_extension(self, company, user):
        """``user``'s extension in ``company``'s PBX, or ''."""
        if not user:
            return ""
        return self.sudo().search_fetch([("company_id", "=", company.id),
                                         ("user_id", "=", user.id)], ["extension"],
                                        limit=1).extension or ""

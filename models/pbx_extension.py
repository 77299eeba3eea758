from odoo import api, fields, models
from odoo.tools import ormcache


class PbxExtension(models.Model):
    """An Odoo user's extension in one company's PBX.

    One PBX per company: a person who works for two companies has one extension in
    each, and the same short number can belong to different people in two PBXs.
    """
    _name = "pbx.extension"
    _description = "PBX Extension"
    _order = "company_id, extension"
    _rec_name = "extension"

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade",
                                 default=lambda self: self.env.company)
    user_id = fields.Many2one("res.users", string="User", required=True, index=True,
                              ondelete="cascade", domain="[('share', '=', False)]")
    extension = fields.Char(required=True,
                            help="The employee's short number in the company's PBX.")
    pbx_user_ref = fields.Char(string="PBX User ID",
                                help="The employee's ID in the company's PBX, filled in by "
                                     "Import PBX users: the PBX's forwarding rules point "
                                     "at it.")

    _extension_unique = models.Constraint(
        "UNIQUE(company_id, extension)", "An extension belongs to one user per company.")
    _user_unique = models.Constraint(
        "UNIQUE(company_id, user_id)", "A user has one extension per company.")

    @api.model_create_multi
    def create(self, vals_list):
        extensions = super().create(vals_list)
        self._pbx_changed()
        return extensions

    def write(self, vals):
        result = super().write(vals)
        self._pbx_changed()
        return result

    def unlink(self):
        result = super().unlink()
        self._pbx_changed()
        return result

    def _pbx_changed(self):
        self.env.registry.clear_cache()  # every worker's _pbx_user_id, _pbx_extension_of
        self.env["mango.forwarding"]._mango_trigger()  # rules point at Mango user ids

    @api.model
    def _pbx_user(self, company, extension):
        """The user whose extension this is in ``company``'s PBX, or an empty recordset.

        Asked on every call event: kept in each worker, cleared when extensions change.
        """
        user_id = extension and self._pbx_user_id(company.id, extension)
        return self.env["res.users"].browse(user_id or ())

    @api.model
    @ormcache("company_id", "extension")
    def _pbx_user_id(self, company_id, extension):
        return self.sudo().search_fetch([("company_id", "=", company_id),
                                         ("extension", "=", extension)], ["user_id"],
                                        limit=1).user_id.id

    @api.model
    def _pbx_extension(self, company, user):
        """``user``'s extension in ``company``'s PBX, or ''."""
        return user and self._pbx_extension_of(company.id, user.id) or ""

    @api.model
    @ormcache("company_id", "user_id")
    def _pbx_extension_of(self, company_id, user_id):
        return self.sudo().search_fetch([("company_id", "=", company_id),
                                         ("user_id", "=", user_id)], ["extension"],
                                        limit=1).extension or ""

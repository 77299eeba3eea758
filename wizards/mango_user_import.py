from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..mango import MangoError


class MangoUserImport(models.TransientModel):
    """Map the PBX's employees to Odoo users in one pass."""
    _name = "mango.user.import"
    _description = "Import Mango PBX Users"

    company_id = fields.Many2one("res.company", required=True, readonly=True,
                                 default=lambda self: self.env.company)
    line_ids = fields.One2many("mango.user.import.line", "wizard_id", string="PBX Employees")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "line_ids" in fields_list:
            company = self.env["res.company"].browse(values.get("company_id")) or self.env.company
            values["line_ids"] = [fields.Command.create(line)
                                  for line in self._mango_lines(company)]
        return values

    @api.model
    def _mango_lines(self, company):
        try:
            employees = company._mango_client().users()
        except MangoError as error:
            raise UserError(company._mango_error_message(error)) from None
        users = self.env["res.users"].search([("share", "=", False),
                                              ("company_ids", "in", company.ids)])
        lines = []
        for employee in employees:
            general, telephony = employee.get("general", {}), employee.get("telephony", {})
            extension = str(telephony.get("extension") or "")
            if not extension:
                continue  # an employee without an extension can neither ring nor be routed to
            line = {"name": general.get("name") or extension, "extension": extension,
                    "email": general.get("email") or "",
                    "mango_user_id": str(general.get("user_id") or "")}
            line["user_id"] = self._propose(users, line).id
            lines.append(line)
        return lines

    @staticmethod
    def _propose(users, line):
        """Same email, else same name, else whoever has the extension now."""
        email, name = line["email"].strip().lower(), line["name"].strip().lower()
        return (email and users.filtered(lambda u: (u.email or "").strip().lower() == email)[:1]) \
            or users.filtered(lambda u: u.name.strip().lower() == name)[:1] \
            or users.filtered(lambda u: u.mango_extension == line["extension"])[:1]

    def action_apply(self):
        self.ensure_one()
        mapped = self.line_ids.filtered("user_id")
        twice = [user for user in mapped.user_id
                 if len(mapped.filtered(lambda line, u=user: line.user_id == u)) > 1]
        if twice:
            raise ValidationError(self.env._(
                "%(user)s is chosen for more than one extension.", user=twice[0].name))
        Users = self.env["res.users"].sudo()
        extensions = {line.user_id: line for line in mapped}
        stale = Users.search([("mango_extension", "!=", False),
                              ("company_ids", "in", self.company_id.ids)])
        for user in stale - mapped.user_id:
            user.write({"mango_extension": False, "mango_user_id": False})
        for user, line in extensions.items():
            vals = {"mango_extension": line.extension, "mango_user_id": line.mango_user_id or False}
            if any((user[name] or False) != value for name, value in vals.items()):
                user.sudo().write(vals)
        return {"type": "ir.actions.act_window_close"}

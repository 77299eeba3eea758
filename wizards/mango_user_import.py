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
        current = {ext.extension: ext.user_id for ext in self.env["mango.extension"].search(
            [("company_id", "=", company.id)])}
        lines = []
        for employee in employees:
            general, telephony = employee.get("general", {}), employee.get("telephony", {})
            extension = str(telephony.get("extension") or "")
            if not extension:
                continue  # an employee without an extension can neither ring nor be routed to
            line = {"name": general.get("name") or extension, "extension": extension,
                    "email": general.get("email") or "",
                    "mango_user_id": str(general.get("user_id") or "")}
            line["user_id"] = (self._propose(users, line) or current.get(extension)
                               or users.browse()).id
            lines.append(line)
        return lines

    @staticmethod
    def _propose(users, line):
        """Same email, else same name (else, by the caller, whoever has the extension now)."""
        email, name = line["email"].strip().lower(), line["name"].strip().lower()
        return (email and users.filtered(lambda u: (u.email or "").strip().lower() == email)[:1]) \
            or users.filtered(lambda u: u.name.strip().lower() == name)[:1]

    def action_apply(self):
        self.ensure_one()
        mapped = self.line_ids.filtered("user_id")
        twice = [user for user in mapped.user_id
                 if len(mapped.filtered(lambda line, u=user: line.user_id == u)) > 1]
        if twice:
            raise ValidationError(self.env._(
                "%(user)s is chosen for more than one extension.", user=twice[0].name))
        wanted = {line.user_id: (line.extension, line.mango_user_id or False) for line in mapped}
        Extension = self.env["mango.extension"].sudo()
        existing = Extension.search([("company_id", "=", self.company_id.id)])
        # what changes is removed first, so that two users can swap extensions in one apply
        unchanged = existing.filtered(
            lambda ext: wanted.get(ext.user_id) == (ext.extension, ext.mango_user_id or False))
        (existing - unchanged).unlink()
        Extension.create([
            {"company_id": self.company_id.id, "user_id": user.id, "extension": extension,
             "mango_user_id": mango_user_id}
            for user, (extension, mango_user_id) in wanted.items()
            if user not in unchanged.user_id])
        return {"type": "ir.actions.act_window_close"}

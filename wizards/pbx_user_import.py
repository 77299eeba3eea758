from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..pbx.client import PbxError


class PbxUserImport(models.TransientModel):
    """Map the PBX's employees to Odoo users in one pass."""
    _name = "pbx.user.import"
    _description = "Import PBX Users"

    company_id = fields.Many2one("res.company", required=True, readonly=True,
                                 default=lambda self: self.env.company)
    line_ids = fields.One2many("pbx.user.import.line", "wizard_id", string="PBX Employees")
    state = fields.Selection([("map", "Choosing users"), ("done", "Applied")], default="map",
                             required=True)
    result = fields.Html(readonly=True,
                         help="What the last apply gave, changed and left, in words.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "line_ids" in fields_list:
            company = self.env["res.company"].browse(values.get("company_id")) or self.env.company
            values["line_ids"] = [fields.Command.create(line)
                                  for line in self._pbx_lines(company)]
        return values

    @api.model
    def _pbx_lines(self, company):
        try:
            employees = company._pbx_client().users()
        except PbxError as error:
            raise UserError(company._pbx_error_message(error)) from None
        users = self.env["res.users"].search([("share", "=", False),
                                              ("company_ids", "in", company.ids)])
        current = {ext.extension: ext.user_id for ext in self.env["pbx.extension"].search(
            [("company_id", "=", company.id)])}
        lines = []
        for employee in employees:
            extension = employee.extension
            if not extension:
                continue  # an employee without an extension can neither ring nor be routed to
            line = {"name": employee.name or extension, "extension": extension,
                    "email": employee.email, "pbx_user_ref": employee.ref}
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
        wanted = {line.user_id: (line.extension, line.pbx_user_ref or False) for line in mapped}
        Extension = self.env["pbx.extension"].sudo()
        existing = Extension.search([("company_id", "=", self.company_id.id)])
        before = {ext.user_id: ext.extension for ext in existing}
        # what changes is removed first, so that two users can swap extensions in one apply
        unchanged = existing.filtered(
            lambda ext: wanted.get(ext.user_id) == (ext.extension, ext.pbx_user_ref or False))
        (existing - unchanged).unlink()
        Extension.create([
            {"company_id": self.company_id.id, "user_id": user.id, "extension": extension,
             "pbx_user_ref": pbx_user_ref}
            for user, (extension, pbx_user_ref) in wanted.items()
            if user not in unchanged.user_id])
        self.write({"state": "done", "result": self._pbx_result(
            wanted, before, unchanged.user_id, self.line_ids - mapped)})
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "view_mode": "form", "views": [(False, "form")], "target": "new",
                "name": self.env._("PBX Users Imported")}

    def _pbx_result(self, wanted, before, unchanged, unmapped):
        """What the apply did, in the admin's words: who got an extension, whose changed,
        who lost theirs, who kept theirs, and the PBX employees left without a user."""
        env = self.env
        given = [env._("%(user)s: %(extension)s", user=user.name, extension=extension)
                 for user, (extension, _ref) in wanted.items() if user not in before]
        changed = [env._("%(user)s: %(old)s → %(new)s", user=user.name, old=before[user],
                         new=extension) if before[user] != extension
                   else env._("%(user)s: %(extension)s", user=user.name, extension=extension)
                   for user, (extension, _ref) in wanted.items()
                   if user in before and user not in unchanged]
        removed = [env._("%(user)s: %(extension)s", user=user.name, extension=extension)
                   for user, extension in before.items() if user not in wanted]
        left = [env._("%(employee)s (%(extension)s)", employee=line.name,
                      extension=line.extension) for line in unmapped]
        sections = [
            (env._("Extensions given"), given),
            (env._("Extensions changed"), changed),
            (env._("Extensions taken away (these users are not PBX employees)"), removed),
            (env._("PBX employees left without an Odoo user"), left),
        ]
        html = Markup("").join(
            Markup("<p class='mb-1'><strong>%s</strong></p><ul>%s</ul>") % (
                title, Markup("").join(Markup("<li>%s</li>") % item for item in items))
            for title, items in sections if items)
        kept = len(unchanged)
        if kept or not html:
            html += Markup("<p>%s</p>") % env._(
                "%(count)s users kept their extension unchanged.", count=kept)
        return html

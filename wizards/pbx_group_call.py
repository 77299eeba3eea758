from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..pbx.numbers import classify, display
from ..pbx.client import PbxError

PAUSE = timedelta(minutes=1)  # at most one group call per customer per minute


class PbxGroupCall(models.TransientModel):
    """Ask a PBX group to call a customer (Mango's ``commands/callback_group``): the PBX
    dials the customer first, then the group, on the chosen line. Groups and lines are read
    from the PBX when the wizard opens."""
    _name = "pbx.group.call"
    _description = "Group Call"

    company_id = fields.Many2one("res.company", required=True, readonly=True,
                                 default=lambda self: self.env.company)
    number = fields.Char(string="Customer Number", required=True)
    group_id = fields.Many2one("pbx.group", string="Group", required=True,
                               domain="[('company_id', '=', company_id)]")
    line_id = fields.Many2one("pbx.line", string="Line", required=True,
                              domain="[('company_id', '=', company_id)]",
                              help="The PBX number the call is made from.")
    sync_warning = fields.Char(readonly=True)
    e164 = fields.Char(readonly=True)
    sent_date = fields.Datetime(readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        company = self.env["res.company"].browse(values.get("company_id")) or self.env.company
        Group, Line = self.env["pbx.group"].sudo(), self.env["pbx.line"].sudo()
        try:
            client = company._pbx_client()
            Group._pbx_sync(company, client.groups())
            Line._pbx_sync(company, client.lines())
        except PbxError as error:
            values["sync_warning"] = self.env._(
                "The groups and lines could not be read from the PBX (%(reason)s): those "
                "known from before are offered.", reason=company._pbx_error_message(error))
        groups = Group.search([("company_id", "=", company.id)])
        if len(groups) == 1:
            values["group_id"] = groups.id
        values["line_id"] = Line.search([("company_id", "=", company.id)], limit=1).id
        return values

    def action_call(self):
        self.ensure_one()
        parsed = classify(self.number, self.company_id.country_id.code or "RU", typed=True)
        if not parsed.e164:
            raise UserError(self.env._("%(number)s is not a phone number.", number=self.number))
        recent = self.sudo().search_count([
            ("company_id", "=", self.company_id.id), ("e164", "=", parsed.e164),
            ("sent_date", ">", fields.Datetime.now() - PAUSE)])
        if recent:
            raise UserError(self.env._(
                "A group already called %(number)s less than a minute ago.",
                number=display(parsed.e164)))
        if not self.group_id.extension:
            raise UserError(self.env._("The group %(group)s has no short number in the PBX.",
                                       group=self.group_id.name))
        try:
            self.company_id._pbx_client().group_callback(
                parsed.e164.lstrip("+"), self.group_id.extension, self.line_id.number)
        except PbxError as error:
            raise UserError(self.env["pbx.call"]._pbx_refusal("callback", error,
                                                              self.company_id)) from None
        self.write({"e164": parsed.e164, "sent_date": fields.Datetime.now()})
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "type": "success", "next": {"type": "ir.actions.act_window_close"},
            "message": self.env._("The PBX calls %(number)s, then the group %(group)s.",
                                  number=display(parsed.e164), group=self.group_id.name)}}

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..mango import MangoError
from ..mango.numbers import classify, display

BUS_TYPE = "mango_office/call"
LIST_BUS_TYPE = "mango_office/calls"


class MangoCallWeb(models.AbstractModel):
    """A call in the web client: the card of the rep whose phone rings, and
    click-to-call from any phone number.

    The card follows the legs of the call at employees' extensions: a leg ringing at a
    user's extension shows the card in that user's open web clients (through the bus,
    sent when the webhook's transaction commits), a connected leg shows it as talking,
    and the card goes away when that leg ends or another employee answers.
    """
    _name = "mango.call.web"
    _description = "Phone Call in the Web Client"

    def _mango_notify_employees(self):
        """Send each employee with a leg in this call the state of their card."""
        self.ensure_one()
        Extension = self.env["mango.extension"]
        legs = self.leg_ids.filtered(lambda leg: leg.location == "abonent" and leg.extension)
        answered = legs.filtered(lambda leg: leg.state in ("Connected", "OnHold"))
        for leg in legs:
            user = Extension._mango_user(self.company_id, leg.extension)
            if not user:
                continue
            if leg.state in ("Connected", "OnHold"):
                status = "talking"
            elif leg.state == "Appeared" and not answered and self.state == "ringing":
                status = "ringing"
            else:
                status = "closed"
            user.partner_id._bus_send(BUS_TYPE, self._mango_card(status))
        if legs:
            self._mango_notify_lists()

    def _mango_notify_lists(self):
        """Open call lists reload: when the call reaches an employee, and when it ends.

        Salespeople listen on their group's channel; only ids travel, each list reloads
        what its user may read.
        """
        self.ensure_one()
        self.env.ref("sales_team.group_sale_salesman")._bus_send(
            LIST_BUS_TYPE, {"company_id": self.company_id.id, "call_id": self.id})

    def _mango_card(self, status):
        """What the ringing card shows: who calls, their lead and salesperson."""
        self.ensure_one()
        partner, lead = self.partner_id, self.lead_id
        salesperson = self._mango_responsible()
        earlier = self.search_count([("company_id", "=", self.company_id.id),
                                     ("external_e164", "=", self.external_e164),
                                     ("id", "!=", self.id)]) if self.external_e164 else 0
        return {
            "call_id": self.id,
            "status": status,
            "direction": self.direction or "incoming",
            "title": self.display_name,
            "number": display(self.external_e164 or self._external_number() or ""),
            "line": display(self.line_number or ""),
            "partner": partner and {"id": partner.id, "name": partner.name,
                                    "company": partner.parent_id.name or ""},
            "lead": lead and {"id": lead.id, "name": lead.name, "stage": lead.stage_id.name or ""},
            "salesperson": salesperson.name or "",
            "earlier_calls": earlier,
        }

    @api.model
    def mango_webhook_health(self):
        """What the call list shows administrators above the calls; False for others.

        Datetimes travel serialised (UTC), the web client writes them as it writes every
        other date: ``last_notification``, ``errors``, ``reconciliation`` (the last one:
        ``date``, ``start``, ``end``, ``recovered``, ``failure``) and ``running`` (``start``,
        ``end``, ``done``, ``recovered``), each False when there is none, and ``warning``.
        """
        company = self.env.company
        if not (self.env.user.has_group("base.group_system") and company.sudo().mango_api_key):
            return False
        last, errors = company._mango_health()
        when = fields.Datetime.to_string
        failure = company._mango_reconciliation_failure()
        return {
            "last_notification": when(last), "errors": errors,
            "reconciliation": company.mango_reconciliation_date and {
                "date": when(company.mango_reconciliation_date),
                "start": when(company.mango_reconciliation_start),
                "end": when(company.mango_reconciliation_end),
                "recovered": company.mango_reconciliation_recovered,
                "failure": failure,
            },
            "running": company.mango_reconciling_to and {
                "start": when(company.mango_reconciling_from),
                "end": when(company.mango_reconciling_to),
                "done": when(company.mango_reconciling_done),
                "recovered": company.mango_reconciling_recovered,
            },
            "warning": bool(errors or not last or failure
                            or company.mango_reconciliation_recovered),
        }

    @api.model
    def mango_click_to_call(self, number):
        """Ask Mango to ring the current user's phone, then ``number`` (commands/callback)."""
        company = self.env.company
        extension = self.env["mango.extension"]._mango_extension(company, self.env.user)
        if not extension:
            raise UserError(self.env._(
                "You have no extension in the PBX of %(company)s: ask an administrator to "
                "import the PBX users.", company=company.name))
        parsed = classify(number or "", company.country_id.code or "RU", typed=True)
        if parsed.kind == "extension":
            to_number = parsed.raw.strip()
        elif parsed.e164:
            to_number = parsed.e164.lstrip("+")
        else:
            raise UserError(self.env._("%(number)s is not a phone number.",
                                       number=number or "?"))
        try:
            company._mango_client().callback(extension, to_number)
        except MangoError as error:
            raise UserError(self.env._("Mango did not call: %(reason)s",
                                       reason=company._mango_error_message(error))) from None
        return {"message": self.env._(
            "Your phone (%(extension)s) rings first, then %(number)s.",
            extension=extension, number=display(parsed.e164) or to_number)}

import re
from datetime import datetime, timedelta

from psycopg2.extras import Json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_datetime

from ..pbx.numbers import classify, display
from ..pbx.client import PbxClient, PbxError
from ..pbx.events import Command, LegState, Location
from .pg_notify import bus_send

BUS_TYPE = "mango_office/call"
LIST_BUS_TYPE = "mango_office/calls"
REFUSED_BUS_TYPE = "mango_office/call_refused"
# the command id of a transfer or hang-up sent from a card: which call, which user
CARD_COMMAND = re.compile(r"card(\d+)u(\d+)-[0-9a-f]+")
LIVE = LegState.LIVE
HISTORY = 5  # earlier calls of the number on the card
# a leg still "ringing" or "talking" after this long lost its last notification: its card
# is not brought back on a reload (reconciliation completes the call later)
CARD_HOURS = 6


def _lt(message):
    return message


# A command the company's PBX refused, said by the PBX's name: whole sentences, so that a
# translation agrees the verb with it
REFUSALS = {
    "mango": {"callback": _lt("Mango did not call: %(reason)s"),
              Command.TRANSFER: _lt("Mango did not transfer the call: %(reason)s"),
              Command.HANGUP: _lt("Mango did not hang up: %(reason)s")},
    "binotel": {"callback": _lt("Binotel did not call: %(reason)s"),
                Command.TRANSFER: _lt("Binotel did not transfer the call: %(reason)s"),
                Command.HANGUP: _lt("Binotel did not hang up: %(reason)s")},
}


def _minutes(seconds):
    """Talk time as people read it: 1:05."""
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


class PbxCallWeb(models.Model):
    """A call in the web client: the card of each employee whose phone rings, and
    click-to-call from any phone number.

    The card follows the employee's legs of the call: ringing, talking, and after the call
    (the server's "closed" for that employee) with its outcome, talk time and a note. Each
    state is sent through the bus, when the webhook's transaction commits, to the employee's
    web clients, built in that employee's language and time zone. From the card the
    employee who talks transfers the call to a colleague or hangs up.
    """
    _inherit = "pbx.call"

    # -- the card ------------------------------------------------------------------------

    def _pbx_notify_employees(self):
        """Send each employee with a leg in this call the state of their card."""
        self.ensure_one()
        by_user = self._pbx_employee_legs()
        messages = [(self.env["res.partner"].browse(self._pbx_card_fixed(user, legs)["recipient"]),
                     BUS_TYPE, self._pbx_card(user, by_user)) for user, legs in by_user.items()]
        if by_user or self.summary_received:
            messages.append(self._pbx_list_message())
        bus_send(self.env, messages)

    def _pbx_list_message(self):
        """Open call lists reload: when the call reaches an employee, and when it ends.

        Salespeople listen on their group's channel; only ids travel, each list reloads
        what its user may read.
        """
        self.ensure_one()
        return (self.env.ref("sales_team.group_sale_salesman"), LIST_BUS_TYPE,
                {"company_id": self.company_id.id, "call_id": self.id})

    def _pbx_employee_legs(self):
        """The legs of this call at the phones of employees, by the user each belongs to."""
        Extension = self.env["pbx.extension"]
        by_user = {}
        for leg in self.leg_ids:
            user = leg.location == Location.EMPLOYEE and Extension._pbx_user(self.company_id,
                                                                              leg.extension)
            if user:
                by_user[user] = by_user.get(user, leg.browse()) | leg
        return by_user

    def _pbx_card_status(self, mine, others):
        """``(status, answered elsewhere)`` of the card of the employee of legs ``mine``.

        A leg rings until the call ends or another employee answers while it rings (a group
        call); a colleague who answered before it appeared is the one transferring to it.
        """
        if mine.filtered(lambda leg: leg.state in LIVE):
            return "talking", False
        answered = others.filtered("connected_date")
        ringing = mine.filtered(lambda leg: leg.state == LegState.RINGING and not any(
            other.connected_date >= (leg.appeared_date or datetime.min) for other in answered))
        if ringing and self.state in ("ringing", "talking"):
            return "ringing", False
        return "closed", bool(answered)

    def _pbx_card(self, user, by_user):
        """What ``user``'s card of this call shows, in their language and time zone.

        Only ids, texts, numbers and booleans: it travels as JSON. What does not change
        while the call lasts is built once (``_pbx_card_fixed``); the rest comes from the
        call and its legs as the notification left them.
        """
        self.ensure_one()
        mine = by_user[user]
        fixed = self._pbx_card_fixed(user, mine)
        call = self.with_context(lang=fixed["lang"], tz=fixed["tz"])
        _ = call.env._
        others = sum((legs for other, legs in by_user.items() if other != user),
                     call.env["pbx.call.leg"])
        status, elsewhere = call._pbx_card_status(mine, others)
        talked = mine.filtered("connected_date")
        if status == "ringing":
            title = _("Outgoing call") if call.direction == "outgoing" else _("Incoming call")
        else:
            title = _("Talking") if status == "talking" else _("Call ended")
        return {
            **fixed["card"],
            "call_id": call.id,
            "status": status,
            "title": title,
            "talked": bool(talked),
            "answered_elsewhere": elsewhere,
            "use_leads": user.has_group("crm.group_use_lead"),
            "note": call.note or "",
            "talk_time": _minutes(call._pbx_talk_seconds(talked))
            if talked and status == "closed" else "",
            **call._pbx_card_outcome(status, user, by_user),
        }

    def _pbx_card_fixed(self, user, mine):
        """The part of ``user``'s card that stays the same while the call lasts (who calls,
        their deal, the history of the number, what the user may open), with the user's
        language, time zone and partner: kept on their first leg of the call
        (``card_data``), so that the call's later notifications read nothing for it, and
        built again once the call's contact or lead changes."""
        kept = next((leg.card_data for leg in mine if leg.card_data), None)
        about = [self.partner_id.id, self.lead_id.id]
        if kept and kept["about"] == about:
            return kept
        tz = user.tz or self.company_id._mango_profile().tz or None
        call = self.with_context(lang=user.lang or None, tz=tz)
        partner, lead = call.partner_id, call.lead_id
        if partner:
            caller, company = partner.name, partner.parent_id.name or ""
        elif lead.contact_name:
            caller, company = lead.contact_name, lead.partner_name or ""
        else:
            caller, company = lead.partner_name or lead.name or call.env._("Unknown number"), ""
        fixed = {"about": about, "lang": user.lang or None, "tz": tz,
                 "recipient": user.partner_id.id, "card": {
                     "caller": caller,
                     "company": company,
                     "number": display(call.external_e164 or call._external_number() or ""),
                     "line": call.line_display or "",
                     "partner": {"id": partner.id,
                                 "can_open": partner.with_user(user).has_access("read")}
                     if partner else False,
                     "lead": {"id": lead.id, "name": lead.name, "stage": lead.stage_id.name or "",
                              "type": lead.type,
                              "can_open": lead.with_user(user).has_access("read")}
                     if lead else False,
                     "salesperson": call._pbx_responsible().name or "",
                     **call._pbx_card_history(user),
                 }}
        leg = mine.sorted("id")[:1]
        self.env.cr.execute(SQL("UPDATE pbx_call_leg SET card_data = %s WHERE id = %s",
                                Json(fixed), leg.id))
        leg._fields["card_data"]._update_cache(leg, fixed)
        return fixed

    def _pbx_talk_seconds(self, legs):
        """How long these legs talked."""
        return sum(max(((leg.disconnected_date or self.end_date or leg.connected_date)
                        - leg.connected_date).total_seconds(), 0) for leg in legs)

    def _pbx_card_history(self, user):
        """The last calls of the number that ``user`` may read, and how many there are."""
        Call = self.env["pbx.call"].with_user(user)
        if not (self.external_e164 and Call.has_access("read")):
            return {"history": [], "history_count": 0}
        domain = [("company_id", "=", self.company_id.id),
                  ("external_e164", "=", self.external_e164), ("id", "!=", self.id)]
        earlier = Call.search_fetch(domain, ["start_date", "direction", "state", "talk_time"],
                                    limit=HISTORY)
        directions = dict(self._fields["direction"]._description_selection(self.env))
        states = dict(self._fields["state"]._description_selection(self.env))
        tz = self.env.context.get("tz") or "UTC"

        def outcome(call):
            if call.state == "answered" and call.talk_time:
                return self.env._("%(outcome)s, %(talk_time)s", outcome=states[call.state],
                                  talk_time=_minutes(call.talk_time * 3600))
            return states[call.state]

        return {
            "history": [{
                "id": call.id,
                "date": format_datetime(self.env, call.start_date, tz=tz, dt_format="short"),
                "direction": directions.get(call.direction, ""),
                "outcome": outcome(call),
            } for call in earlier],
            "history_count": len(earlier) if len(earlier) < HISTORY
            else Call.search_count(domain),
        }

    def _pbx_card_outcome(self, status, user, by_user):
        """After the call: what became of it for ``user``, in words (empty before)."""
        if status != "closed":
            return {"outcome": "", "reason": ""}
        mine = by_user[user]
        # a colleague whose phone rang while the user talked: the user transferred the call
        transferred_to = [other.name for other, legs in by_user.items() if other != user and any(
            leg.connected_date and theirs.appeared_date
            and leg.connected_date < theirs.appeared_date <= (leg.disconnected_date
                                                              or datetime.max)
            for leg in mine for theirs in legs)]
        if transferred_to:  # the user's leg ended as the transfer's, nothing more to say
            return {"outcome": self.env._("Transferred to %(name)s",
                                          name=", ".join(transferred_to)), "reason": ""}
        if self.summary_received:
            outcome = dict(self._fields["state"]._description_selection(self.env))[self.state]
        else:
            outcome = self.env._("Ended")
        last = mine.sorted(lambda leg: leg.disconnected_date or datetime.min)[-1:]
        code = self.disconnect_reason if self.summary_received else last.disconnect_reason
        return {"outcome": outcome,
                "reason": code and self.company_id._pbx_describe_code(code) or ""}

    @api.model
    def pbx_my_cards(self):
        """The cards of the current user's live calls, newest first: what their web client
        shows again after a reload."""
        user = self.env.user
        extensions = self.env["pbx.extension"].sudo().search_fetch(
            [("user_id", "=", user.id)], ["company_id", "extension"])
        if not extensions:
            return []
        legs = self.env["pbx.call.leg"].sudo().search([
            ("location", "=", Location.EMPLOYEE), ("state", "!=", LegState.ENDED),
            ("appeared_date", ">=", fields.Datetime.now() - timedelta(hours=CARD_HOURS)),
            ("call_id.state", "in", ("ringing", "talking")),
            Domain.OR([("extension", "=", ext.extension), ("call_id.company_id", "=",
                                                             ext.company_id.id)]
                      for ext in extensions)])
        cards = []
        for call in legs.call_id.sorted(lambda call: (call.start_date or datetime.min, call.id),
                                        reverse=True):
            by_user = call._pbx_employee_legs()
            if user not in by_user:  # an extension changed hands since the call rang
                continue
            card = call._pbx_card(user, by_user)
            if card["status"] != "closed":
                cards.append(card)
        return cards

    # -- what the employee does from the card ----------------------------------------------

    def _pbx_as_participant(self):
        """This call as superuser, for an employee who has a leg in it or may read it."""
        self.ensure_one()
        call = self.sudo()
        if self.env.user not in call._pbx_employee_legs():
            self.check_access("read")
        return call

    def pbx_save_note(self, note):
        """The employee's note on the call, also shown in its chatter notes."""
        call = self._pbx_as_participant()
        call.write({"note": note or False})  # as superuser: users may only relink a call
        call._pbx_refresh_notes()
        return True

    def action_number_calls(self):
        """All calls of the customer's number, in the call list."""
        call = self._pbx_as_participant()
        return self._pbx_calls_action(
            [("company_id", "=", call.company_id.id),
             ("external_e164", "=", call.external_e164 or False)],
            self.env._("Calls of %(number)s", number=display(call.external_e164)))

    def pbx_transfer_targets(self):
        """The colleagues the current user may transfer this call to: name and extension."""
        call = self._pbx_as_participant()
        extensions = self.env["pbx.extension"].sudo().search(
            [("company_id", "=", call.company_id.id), ("user_id", "!=", self.env.uid),
             ("user_id.active", "=", True)])
        return [{"extension": ext.extension, "name": ext.user_id.name}
                for ext in extensions.sorted(lambda ext: ext.user_id.name or "")]

    def _pbx_my_live_leg(self):
        """(call as superuser, the current user's extension, their connected leg)."""
        self.ensure_one()
        call = self.sudo()
        extension = self.env["pbx.extension"]._pbx_extension(call.company_id, self.env.user)
        leg = call.leg_ids.filtered(lambda leg: extension and leg.location == Location.EMPLOYEE
                                    and leg.extension == extension and leg.state in LIVE)
        if not leg:
            raise UserError(self.env._("You are not talking on this call: only the employee "
                                       "on the line transfers it or hangs up."))
        return call, extension, leg[-1]

    def pbx_transfer(self, extension):
        """Transfer the current user's conversation to a colleague (blind: the colleague's
        phone rings, the user leaves the call)."""
        call, mine, leg = self._pbx_my_live_leg()
        extension = str(extension or "")
        colleague = self.env["pbx.extension"]._pbx_user(call.company_id, extension)
        if not colleague or colleague == self.env.user:
            raise UserError(self.env._("%(extension)s is no colleague's extension in the PBX.",
                                       extension=extension or "?"))
        call._pbx_card_command("transfer", lambda client, command_ref: client.transfer(
            leg.leg_ref, extension, initiator=mine, command_ref=command_ref))
        return {"message": self.env._("The call goes to %(name)s.", name=colleague.name)}

    def pbx_hangup(self):
        """End the current user's conversation."""
        call, _mine, leg = self._pbx_my_live_leg()
        call._pbx_card_command(Command.HANGUP, lambda client, command_ref: client.hangup(
            leg.leg_ref, command_ref=command_ref))
        return True

    def _pbx_card_command(self, command, send):
        """Send a command from the card, ``send(client, command_ref)``, once (never retried:
        a PBX asked twice may act twice): what the PBX refuses now is a UserError. Mango
        may also refuse later, in ``result/<command>``, which comes back to the card
        (``_pbx_apply_card_result``); Binotel's answer is all it says of a command."""
        self.ensure_one()
        command_ref = PbxClient.new_command_ref(f"card{self.id}u{self.env.uid}")
        try:
            send(self.company_id._pbx_client(), command_ref)
        except PbxError as error:
            raise UserError(self._pbx_refusal(command, error)) from None

    def _pbx_refusal(self, command, error, company=None):
        """The refusal of a command (``callback`` or one sent from the card) by the PBX
        of ``company`` (the call's), in words."""
        company = company or self.company_id
        message = REFUSALS[company.pbx_provider][command]
        return self.env._(message, reason=company._pbx_error_message(error))  # pylint: disable=gettext-variable

    @api.model
    def _pbx_apply_card_result(self, company, result):
        """Mango's outcome of a command sent from a card (``result/transfer``, ``result/
        call/hangup``): a refusal is said on the card of the user who sent it. Answers the
        call, or an empty recordset for a command that is not a card's."""
        match = CARD_COMMAND.fullmatch(result.command_ref)
        call = self.browse(int(match[1]) if match else ()).exists().filtered(
            lambda call: call.company_id == company)
        user = self.env["res.users"].browse(int(match[2]) if call else ()).exists()
        refusal = user and not result.ok and company._pbx_client_class().result_error(
            result.code)
        if refusal:
            call = call.with_context(lang=user.lang or None)
            user.partner_id._bus_send(REFUSED_BUS_TYPE, {
                "call_id": call.id, "message": call._pbx_refusal(result.command, refusal)})
        return call

    # -- the call list and click-to-call ------------------------------------------------------

    @api.model
    def pbx_webhook_health(self):
        """What the call list shows administrators above the calls; False for others.

        Datetimes travel serialised (UTC), the web client writes them as it writes every
        other date: ``pbx`` (the PBX's name), ``last_notification``, ``errors``,
        ``reconciliation`` (the last one:
        ``date``, ``start``, ``end``, ``recovered``, ``failure``) and ``running`` (``start``,
        ``end``, ``done``, ``recovered``), each False when there is none, and ``warning``.
        """
        company = self.env.company
        if not (self.env.user.has_group("base.group_system")
                and company.sudo().filtered_domain(company._pbx_connected_domain())):
            return False
        last, errors = company._mango_health()
        when = fields.Datetime.to_string
        failure = company._pbx_reconciliation_failure()
        names = dict(company._fields["pbx_provider"]._description_selection(self.env))
        return {
            "pbx": names[company.pbx_provider], "last_notification": when(last), "errors": errors,
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
    def pbx_click_to_call(self, number):
        """Ask the company's PBX to ring the current user's phone, then ``number`` (Mango's
        commands/callback, Binotel's calls/internal-number-to-external-number)."""
        company = self.env.company
        extension = self.env["pbx.extension"]._pbx_extension(company, self.env.user)
        if not extension:
            raise UserError(self.env._(
                "You have no extension in the PBX of %(company)s: ask an administrator to "
                "import the PBX users.", company=company.name))
        parsed = classify(number or "", company._mango_profile().country, typed=True)
        if parsed.kind == "extension":
            to_number = parsed.raw.strip()
        elif parsed.e164:
            to_number = parsed.e164.lstrip("+")
        else:
            raise UserError(self.env._("%(number)s is not a phone number.",
                                       number=number or "?"))
        try:  # once: a callback asked twice may dial twice
            company._pbx_client().callback(extension, to_number)
        except PbxError as error:
            raise UserError(self._pbx_refusal("callback", error, company)) from None
        return {"message": self.env._(
            "Your phone (%(extension)s) rings first, then %(number)s.",
            extension=extension, number=display(parsed.e164) or to_number)}

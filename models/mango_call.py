import logging
import threading
import time
from datetime import UTC, datetime

from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tools import SQL

from ..mango import MangoClient, MangoError, codes, events
from ..mango.numbers import classify

_logger = logging.getLogger(__name__)

DIRECTIONS = {0: "internal", 1: "incoming", 2: "outgoing"}
NORMAL_END = 1100
ROUTE_WAIT_SECONDS = 5  # how long the routing thread waits for the webhook's commit
ROUTE_TIMEOUT = 3.0  # seconds; the caller is waiting in the voice menu
APPLY = {
    events.CallEvent: "_mango_apply_call_event",
    events.Summary: "_mango_apply_summary",
    events.RecordingEvent: "_mango_apply_recording",
    events.RecordAdded: "_mango_apply_recording",
}


def to_datetime(timestamp):
    """Mango's Unix seconds as a naive UTC datetime, False for 0."""
    return timestamp and datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


class MangoCall(models.Model):
    """One call of the PBX: all its legs (voice menu, each employee tried) in one record."""
    _name = "mango.call"
    _description = "Phone Call"
    _order = "start_date desc, id desc"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True,
                                 default=lambda self: self.env.company)
    entry_id = fields.Char(string="Mango Entry ID", required=True, readonly=True)
    direction = fields.Selection(
        [("incoming", "Incoming"), ("outgoing", "Outgoing"), ("internal", "Internal")],
        readonly=True, index=True)
    state = fields.Selection(
        [("ringing", "Ringing"), ("talking", "Talking"), ("ended", "Ended"),
         ("answered", "Answered"), ("missed", "Missed")],
        string="Status", default="ringing", required=True, readonly=True, index=True)
    from_number = fields.Char(string="Caller Number", readonly=True)
    to_number = fields.Char(string="Called Number", readonly=True)
    line_number = fields.Char(string="Line", readonly=True)
    external_number = fields.Char(string="Customer Number", readonly=True,
                                  help="The customer's number as Mango sent it.")
    external_e164 = fields.Char(string="Customer Number (E.164)", readonly=True,
                                index="btree_not_null")
    extension = fields.Char(readonly=True, help="The employee's extension in the PBX.")
    user_id = fields.Many2one("res.users", string="Employee", index=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Contact", index="btree_not_null")
    lead_id = fields.Many2one("crm.lead", string="Lead/Opportunity", index="btree_not_null")
    start_date = fields.Datetime(string="Started", readonly=True, index=True)
    answer_date = fields.Datetime(string="Answered at", readonly=True)
    end_date = fields.Datetime(string="Ended", readonly=True)
    talk_time = fields.Float(string="Talk Time", readonly=True, aggregator="sum",
                             help="Duration of the conversation, in hours.")
    disconnect_reason = fields.Integer(string="Disconnect Code", readonly=True)
    disconnect_reason_text = fields.Char(string="Disconnect Reason",
                                         compute="_compute_disconnect_reason_text")
    route_status = fields.Selection(
        [("pending", "Sending to the salesperson"), ("sent", "Sent to the salesperson"),
         ("routed", "Put through to the salesperson"), ("failed", "Mango refused"),
         ("disabled", "Routing is off"), ("no_owner", "No responsible salesperson"),
         ("no_extension", "The salesperson has no extension")],
        string="Routing", readonly=True,
        help="What became of sending this incoming call to the customer's salesperson.")
    route_user_id = fields.Many2one("res.users", string="Routed to", readonly=True)
    route_message = fields.Char(string="Routing Details", readonly=True)
    route_command_id = fields.Char(readonly=True, index="btree_not_null", copy=False)
    summary_received = fields.Boolean(readonly=True,
                                      help="Mango sent its final summary of the call.")
    leg_ids = fields.One2many("mango.call.leg", "call_id", string="Legs", readonly=True)
    recording_ids = fields.One2many("mango.call.recording", "call_id", string="Recordings",
                                    readonly=True)
    event_ids = fields.One2many("mango.event", "call_id", string="Notifications", readonly=True,
                                groups="base.group_system")

    _entry_unique = models.Constraint(
        "UNIQUE(company_id, entry_id)", "A call is logged once per Mango entry.")

    @api.depends("direction", "from_number", "to_number")
    def _compute_display_name(self):
        labels = dict(self._fields["direction"]._description_selection(self.env))
        for call in self:
            number = call._external_number() or call.extension or ""
            call.display_name = f"{labels.get(call.direction, self.env._('Call'))} {number}".strip()

    @api.depends("disconnect_reason")
    def _compute_disconnect_reason_text(self):
        for call in self:
            code = call.disconnect_reason
            call.disconnect_reason_text = code and call.company_id._mango_describe_code(code)

    def _external_number(self):
        """The customer's number as Mango sent it."""
        self.ensure_one()
        return self.to_number if self.direction == "outgoing" else self.from_number

    # -- who is calling --------------------------------------------------------------------

    def _mango_identify(self):
        """Normalise the customer's number and, the first time, link contact and lead."""
        self.ensure_one()
        raw = self._external_number() or ""
        if self.direction == "internal" or raw == (self.external_number or ""):
            return
        number = classify(raw, self.company_id.country_id.code or "RU")
        vals = {"external_number": raw, "external_e164": number.e164 or False}
        if number.e164 and not (self.partner_id or self.lead_id):
            partner, lead = self._mango_match(self.company_id, number.e164)
            vals.update(partner_id=partner.id, lead_id=lead.id)
        self.write(vals)

    @api.model
    def _mango_match(self, company, e164):
        """The contact and open lead of a number, the same every time.

        The contact person comes before its company, the most recently updated open
        lead or opportunity (not won, not lost) with that number or of that contact
        before the others. One statement on the indexed ``phone_sanitized`` columns: it
        runs on every incoming call, with the caller waiting.
        """
        self.env.cr.execute(SQL(
            """WITH partner AS (
                   SELECT id FROM res_partner
                    WHERE phone_sanitized = %(number)s AND active
                      AND (company_id = %(company)s OR company_id IS NULL)
                    ORDER BY is_company, write_date DESC, id DESC LIMIT 1),
               lead AS (
                   SELECT lead.id, lead.partner_id FROM crm_lead lead
                    WHERE (lead.phone_sanitized = %(number)s
                           OR lead.partner_id = (SELECT id FROM partner))
                      AND lead.active AND lead.won_status = 'pending'
                      AND (lead.company_id = %(company)s OR lead.company_id IS NULL)
                    ORDER BY lead.write_date DESC, lead.id DESC LIMIT 1)
               SELECT COALESCE((SELECT id FROM partner), (SELECT partner_id FROM lead)),
                      (SELECT id FROM lead)""",
            number=e164, company=company.id))
        partner_id, lead_id = self.env.cr.fetchone()
        return self.env["res.partner"].browse(partner_id), self.env["crm.lead"].browse(lead_id)

    @api.model
    def _mango_relink(self, records):
        """Link earlier unlinked calls from these contacts' or leads' numbers to them."""
        field = "lead_id" if records._name == "crm.lead" else "partner_id"
        by_number = {}
        for record in records.sudo():
            if record.phone_sanitized and not (field == "lead_id" and record.won_status != "pending"):
                by_number.setdefault(record.phone_sanitized, record)
        if not by_number:
            return
        calls = self.sudo().search([("external_e164", "in", list(by_number)), (field, "=", False)])
        for call in calls:
            record = by_number[call.external_e164]
            if record.company_id and record.company_id != call.company_id:
                continue
            vals = {field: record.id}
            if field == "lead_id" and not call.partner_id and record.partner_id:
                vals["partner_id"] = record.partner_id.id
            call.write(vals)

    def _mango_responsible(self):
        """The salesperson of the lead, else of the contact, else of its company."""
        self.ensure_one()
        partner = self.partner_id
        return self.lead_id.user_id or partner.user_id or partner.commercial_partner_id.user_id

    # -- routing to the responsible salesperson ------------------------------------------

    def _mango_route(self, event):
        """Send a known caller waiting in the voice menu to their salesperson.

        The command goes out from a thread once this transaction has committed, so the
        webhook never waits on Mango; every outcome is recorded on the call.
        """
        self.ensure_one()
        user = self._mango_responsible()
        extension = user.mango_extension if user and self.company_id in user.company_ids else ""
        if not self.company_id.mango_routing:
            status = "disabled"
        elif not user:
            status = "no_owner"
        elif not extension:
            status = "no_extension"
        else:
            status = "pending"
        vals = {"route_status": status, "route_user_id": user.id}
        if status == "pending":
            vals["route_command_id"] = MangoClient.new_command_id("route")
            name = (self.partner_id or self.lead_id).display_name or ""
            threading.Thread(
                target=_send_route, daemon=True, name="mango-route",
                args=(self.env.cr.dbname, self.id, vals["route_command_id"], event.call_id,
                      extension, name)).start()
        self.write(vals)

    def _mango_apply_route_result(self, result):
        self.ensure_one()
        if codes.is_success(result.result):
            self.write({"route_status": "routed", "route_message": False})
        else:
            error = MangoError.from_code(result.result)
            self.write({"route_status": "failed",
                        "route_message": self.company_id._mango_error_message(error)})

    # -- applying notifications --------------------------------------------------------

    @api.model
    def _mango_apply(self, company, notification):
        """Apply one parsed notification; answers the call it concerns (maybe empty).

        Call, summary and recording notifications create the call when it is new;
        other notifications with an entry (DTMF) are only linked to a known call.
        """
        if isinstance(notification, events.CommandResult):
            return self._mango_apply_command_result(company, notification)
        entry_id = getattr(notification, "entry_id", "")
        if not entry_id:
            return self.browse()
        method = APPLY.get(type(notification))
        call = self._mango_lock(company, entry_id, create=bool(method))
        if call and method:
            getattr(call, method)(notification)
        return call

    @api.model
    def _mango_apply_command_result(self, company, result):
        if result.command != "route":
            return self.browse()
        call = self.sudo().search([("company_id", "=", company.id),
                                   ("route_command_id", "=", result.command_id)], limit=1)
        if call:
            call._mango_apply_route_result(result)
        return call

    @api.model
    def _mango_lock(self, company, entry_id, create=True):
        """The call of this entry, row-locked for this transaction; created if new.

        Two transactions creating the same call race on the unique constraint: the
        loser retries (ConcurrencyError) and then finds the winner's row.
        """
        cr = self.env.cr
        query = SQL("SELECT id FROM mango_call WHERE company_id = %s AND entry_id = %s FOR UPDATE",
                    company.id, entry_id)
        cr.execute(query, log_exceptions=False)  # a serialization failure is retried, not an error
        row = cr.fetchone()
        if row:
            return self.browse(row[0])
        if not create:
            return self.browse()
        try:
            with cr.savepoint(flush=False):
                cr.execute(SQL(
                    """INSERT INTO mango_call (company_id, entry_id, state, create_uid, write_uid,
                                               create_date, write_date)
                       VALUES (%s, %s, 'ringing', %s, %s, now() at time zone 'utc',
                               now() at time zone 'utc')
                       RETURNING id""",
                    company.id, entry_id, self.env.uid, self.env.uid), log_exceptions=False)
                call_id = cr.fetchone()[0]
        except UniqueViolation:
            raise ConcurrencyError("mango.call %s created concurrently" % entry_id) from None
        return self.browse(call_id)

    def _mango_apply_call_event(self, event):
        self.ensure_one()
        leg = self.leg_ids.filtered(lambda leg: leg.leg_id == event.call_id)
        if leg and event.seq <= leg.seq:
            return  # older than what we know of this leg, or a replay
        leg_vals = self.env["mango.call.leg"]._mango_values(self, event, leg)
        if leg:
            leg.write(leg_vals)
        else:
            self.env["mango.call.leg"].create(leg_vals)
        vals = {}
        if not self.direction:
            vals["direction"] = self._mango_direction(event)
        for field, value in (("from_number", event.from_number), ("to_number", event.to_number),
                             ("line_number", event.line_number)):
            if value and not self[field]:
                vals[field] = value
        if vals:
            self.write(vals)
        self._mango_refresh_from_legs()
        self._mango_identify()
        if event.call_state == "Appeared" and event.location == "ivr" \
                and self.direction == "incoming" and not self.route_status:
            self._mango_route(event)

    @staticmethod
    def _mango_direction(event):
        if not event.from_extension:
            return "incoming"
        return "internal" if event.to_extension else "outgoing"

    def _mango_refresh_from_legs(self):
        """Derive the call's state, employee and times from its legs, until the summary."""
        self.ensure_one()
        if self.summary_received:
            return
        legs = self.leg_ids
        vals = {"start_date": min(legs.mapped("appeared_date") or [False]) or self.start_date}
        answered = legs.filtered("connected_date").sorted("connected_date")
        if answered:
            vals["answer_date"] = answered[0].connected_date
        live = legs.filtered(lambda leg: leg.state != "Disconnected")
        last = legs.sorted(lambda leg: (leg.disconnected_date or datetime.min, leg.id))[-1:]
        # A voice menu or queue leg that ends normally hands the caller on to a new leg.
        handed_on = not live and last.location in ("ivr", "queue") \
            and last.disconnect_reason == NORMAL_END
        if not live and not handed_on:
            vals.update(end_date=last.disconnected_date, disconnect_reason=last.disconnect_reason)
        if live.filtered(lambda leg: leg.state in ("Connected", "OnHold")):
            vals["state"] = "talking"
        else:
            vals["state"] = "ringing" if live or handed_on else "ended"
        tried = legs.filtered("extension").sorted(lambda leg: (leg.appeared_date or datetime.min,
                                                                 leg.id))
        employee = answered.filtered("extension")[:1] or tried[-1:]
        if employee:
            vals.update(self._mango_employee_values(employee.extension))
        if vals.get("answer_date") and vals.get("end_date"):
            vals["talk_time"] = (vals["end_date"] - vals["answer_date"]).total_seconds() / 3600
        self.write(vals)

    def _mango_apply_summary(self, summary):
        self.ensure_one()
        direction = DIRECTIONS[summary.direction]
        extension = summary.from_extension if direction == "outgoing" else summary.to_extension
        answer, end = to_datetime(summary.talk_time), to_datetime(summary.end_time)
        vals = {
            "direction": direction,
            "state": "answered" if summary.answered else "missed",
            "summary_received": True,
            "start_date": to_datetime(summary.create_time) or self.start_date,
            "answer_date": answer or False,
            "end_date": end or self.end_date,
            "talk_time": (end - answer).total_seconds() / 3600 if answer and end else 0.0,
            "disconnect_reason": summary.disconnect_reason,
            **self._mango_employee_values(extension or self.extension),
        }
        for field, value in (("from_number", summary.from_number),
                             ("to_number", summary.to_number),
                             ("line_number", summary.line_number)):
            if value:
                vals[field] = value
        if direction == "incoming" and summary.line_number and not summary.to_number:
            vals["to_number"] = summary.line_number
        self.write(vals)
        self._mango_identify()

    def _mango_apply_recording(self, event):
        self.ensure_one()
        self.env["mango.call.recording"]._mango_apply(self, event)

    def _mango_employee_values(self, extension):
        user = self.env["res.users"]._mango_user_for_extension(self.company_id, extension)
        return {"extension": extension or False, "user_id": user.id}


def _send_route(dbname, call_id, command_id, leg_call_id, extension, display_name):
    """Thread: wait for the webhook's commit, send ``commands/route``, record the outcome."""
    registry = Registry(dbname)
    deadline = time.monotonic() + ROUTE_WAIT_SECONDS
    company_id = None
    while company_id is None:
        with registry.cursor() as cr:
            cr.execute("SELECT company_id FROM mango_call WHERE id = %s AND route_command_id = %s",
                       [call_id, command_id])
            row = cr.fetchone()
        if row:
            company_id = row[0]
        elif time.monotonic() > deadline:
            return  # the webhook's transaction was rolled back: its retry routes instead
        else:
            time.sleep(0.02)
    with registry.cursor() as cr:
        company = api.Environment(cr, api.SUPERUSER_ID, {})["res.company"].browse(company_id)
        try:
            client = company._mango_client(timeout=ROUTE_TIMEOUT)
        except MangoError as error:
            client, failure = None, company._mango_error_message(error)
    if client:
        try:
            client.route(leg_call_id, extension, command_id=command_id, display_name=display_name)
            failure = None
        except MangoError as error:
            failure = error
        except Exception as error:  # noqa: BLE001 - the call must not stay "pending"
            _logger.exception("Routing call %s failed", call_id)
            failure = MangoError(error.__class__.__name__)
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        env = env(context={"lang": env["res.company"].browse(company_id).partner_id.lang})

        def record():
            call = env["mango.call"].browse(call_id)
            if call.route_status != "pending":
                return  # Mango's result/route arrived first
            if failure is None:
                call.write({"route_status": "sent", "route_message": False})
            else:
                message = failure if isinstance(failure, str) \
                    else call.company_id._mango_error_message(failure)
                call.write({"route_status": "failed", "route_message": message})
                _logger.info("Mango refused routing call %s: %s", call_id, failure)

        retrying(record, env)

from datetime import UTC, datetime

from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError
from odoo.tools import SQL

from ..mango import events

DIRECTIONS = {0: "internal", 1: "incoming", 2: "outgoing"}
NORMAL_END = 1100
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

    # -- applying notifications --------------------------------------------------------

    @api.model
    def _mango_apply(self, company, notification):
        """Apply one parsed notification; answers the call it concerns (maybe empty).

        Call, summary and recording notifications create the call when it is new;
        other notifications with an entry (DTMF) are only linked to a known call.
        """
        entry_id = getattr(notification, "entry_id", "")
        if not entry_id:
            return self.browse()
        method = APPLY.get(type(notification))
        call = self._mango_lock(company, entry_id, create=bool(method))
        if call and method:
            getattr(call, method)(notification)
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
        cr.execute(query)
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
                    company.id, entry_id, self.env.uid, self.env.uid))
        except UniqueViolation:
            raise ConcurrencyError("mango.call %s created concurrently" % entry_id) from None
        return self.browse(cr.fetchone()[0])

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

    def _mango_apply_recording(self, event):
        self.ensure_one()
        self.env["mango.call.recording"]._mango_apply(self, event)

    def _mango_employee_values(self, extension):
        user = self.env["res.users"]._mango_user_for_extension(self.company_id, extension)
        return {"extension": extension or False, "user_id": user.id}

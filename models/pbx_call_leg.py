from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .pbx_call import to_datetime

_lt = LazyTranslate(__name__)

STATES = {"Appeared": _lt("Ringing"), "Connected": _lt("Talking"), "OnHold": _lt("On Hold"),
          "Disconnected": _lt("Ended")}
LOCATIONS = {"ivr": _lt("Voice Menu"), "queue": _lt("Queue"), "abonent": _lt("Employee")}
MERGED = ("location", "from_number", "to_number", "from_extension", "to_extension", "extension",
          "line_number", "command_ref")


class PbxCallLeg(models.Model):
    """One leg of a call: the voice menu, a queue, or one employee's phone ringing.

    Mango posts a leg's events without waiting for each other, so they arrive in any
    order: each event is merged in (``_pbx_merge``). The leg's state is that of its
    newest event (highest ``seq``); an older event arriving late still fills in the
    times and facts it carries.
    """
    _name = "pbx.call.leg"
    _description = "Phone Call Leg"
    _order = "appeared_date, id"

    call_id = fields.Many2one("pbx.call", required=True, ondelete="cascade")
    leg_ref = fields.Char(string="PBX Leg ID", required=True)
    seq = fields.Integer(string="Last Sequence Number")
    state = fields.Char(string="PBX State", required=True,
                        help="The leg's state as Mango sent it.")
    state_label = fields.Char(string="State", compute="_compute_labels")
    location = fields.Char(string="PBX Location", help="Where the leg is, as Mango sent it.")
    location_label = fields.Char(string="Location", compute="_compute_labels")
    from_number = fields.Char(string="Caller Number", help="As Mango sent it.")
    to_number = fields.Char(string="Called Number", help="As Mango sent it.")
    from_display = fields.Char(string="From", compute="_compute_parties")
    to_display = fields.Char(string="To", compute="_compute_parties")
    from_extension = fields.Char(string="From Extension")
    to_extension = fields.Char(string="To Extension")
    extension = fields.Char(help="The employee's extension on this leg.")
    line_number = fields.Char(string="Line")
    command_ref = fields.Char(string="Command ID", help="The command that created this leg.")
    appeared_date = fields.Datetime(string="Appeared")
    connected_date = fields.Datetime(string="Connected")
    disconnected_date = fields.Datetime(string="Disconnected")
    disconnect_reason = fields.Integer()

    _leg_unique = models.Constraint("UNIQUE(call_id, leg_ref)", "A leg is logged once per call.")

    @api.depends("state", "location")
    def _compute_labels(self):
        for leg in self:
            state, location = STATES.get(leg.state), LOCATIONS.get(leg.location)
            # pylint: disable=gettext-variable
            leg.state_label = self.env._(state) if state else leg.state
            leg.location_label = self.env._(location) if location else leg.location

    @api.depends("from_number", "from_extension", "to_number", "to_extension")
    def _compute_parties(self):
        """The employee by name (not a SIP address), the customer's number as written."""
        for leg in self:
            leg.from_display = leg.call_id._pbx_party(leg.from_number, leg.from_extension)
            leg.to_display = leg.call_id._pbx_party(leg.to_number, leg.to_extension)

    @api.model
    def _pbx_merge(self, call, event):
        """Merge one ``events/call`` into its leg (created if new); answers the leg.

        One statement: concurrent events of a leg never insert it twice.
        """
        when = to_datetime(event.timestamp) or None
        at_employee = event.location == "abonent" and event.to_extension
        values = {
            "location": event.location, "from_number": event.from_number,
            "to_number": event.to_number, "from_extension": event.from_extension,
            "to_extension": event.to_extension, "line_number": event.line_number,
            "extension": event.to_extension if at_employee else event.from_extension,
            "command_ref": event.command_ref,
        }
        # the newest event's value when it has one, else what the leg knows
        merged = SQL(", ").join(SQL(
            """%(col)s = CASE WHEN EXCLUDED.seq > leg.seq
                              THEN COALESCE(EXCLUDED.%(col)s, leg.%(col)s)
                              ELSE COALESCE(leg.%(col)s, EXCLUDED.%(col)s) END""",
            col=SQL.identifier(name)) for name in MERGED)
        self.env.cr.execute(SQL(
            """INSERT INTO pbx_call_leg AS leg (
                   call_id, leg_ref, seq, state, %(columns)s, appeared_date, connected_date,
                   disconnected_date, disconnect_reason, create_uid, write_uid, create_date,
                   write_date)
               VALUES (%(call)s, %(leg)s, %(seq)s, %(state)s, %(values)s, %(when)s,
                       %(connected)s, %(disconnected)s, %(reason)s, %(uid)s, %(uid)s,
                       now() at time zone 'utc', now() at time zone 'utc')
               ON CONFLICT (call_id, leg_ref) DO UPDATE SET
                   seq = GREATEST(leg.seq, EXCLUDED.seq),
                   state = CASE WHEN EXCLUDED.seq > leg.seq THEN EXCLUDED.state ELSE leg.state END,
                   %(merged)s,
                   appeared_date = LEAST(leg.appeared_date, EXCLUDED.appeared_date),
                   connected_date = LEAST(leg.connected_date, EXCLUDED.connected_date),
                   disconnected_date = LEAST(leg.disconnected_date, EXCLUDED.disconnected_date),
                   disconnect_reason = CASE
                       WHEN EXCLUDED.disconnected_date IS NOT NULL
                            AND (leg.disconnected_date IS NULL OR EXCLUDED.seq > leg.seq)
                       THEN EXCLUDED.disconnect_reason ELSE leg.disconnect_reason END,
                   write_date = EXCLUDED.write_date
               RETURNING id""",
            columns=SQL(", ").join(SQL.identifier(name) for name in MERGED),
            values=SQL(", ").join(SQL("%s", values[name] or None) for name in MERGED),
            call=call.id, leg=event.leg_ref, seq=event.seq, state=event.call_state, when=when,
            connected=when if event.call_state in ("Connected", "OnHold") else None,
            disconnected=when if event.call_state == "Disconnected" else None,
            reason=event.disconnect_reason if event.call_state == "Disconnected" else 0,
            uid=self.env.uid, merged=merged))
        leg = self.browse(self.env.cr.fetchone()[0])
        self.invalidate_model()
        call.invalidate_recordset(["leg_ids"])
        return leg

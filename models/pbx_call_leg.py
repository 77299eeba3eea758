from odoo import api, fields, models
from odoo.tools import SQL

from ..pbx.events import LegState, Location
from .pbx_call import to_datetime
from .sql_rows import cached, column_names

MERGED = ("location", "pbx_location", "from_number", "to_number", "from_extension",
          "to_extension", "extension", "line_number", "command_ref")


class PbxCallLeg(models.Model):
    """One leg of a call: the voice menu, a queue, or one employee's phone ringing.

    A PBX posts a leg's events without waiting for each other, so they arrive in any
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
    state = fields.Selection(
        [(LegState.RINGING, "Ringing"), (LegState.TALKING, "Talking"),
         (LegState.ON_HOLD, "On Hold"), (LegState.ENDED, "Ended"), (LegState.OTHER, "Other")],
        required=True)
    pbx_state = fields.Char(string="PBX State", help="The leg's state as the PBX sent it.")
    location = fields.Selection(
        [(Location.MENU, "Voice Menu"), (Location.QUEUE, "Queue"),
         (Location.EMPLOYEE, "Employee"), (Location.OTHER, "Other")])
    pbx_location = fields.Char(string="PBX Location",
                               help="Where the leg is, as the PBX sent it.")
    from_number = fields.Char(string="Caller Number", help="As the PBX sent it.")
    to_number = fields.Char(string="Called Number", help="As the PBX sent it.")
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
    handed_on = fields.Boolean(
        help="The voice menu or queue ended normally, passing the caller on to another leg.")

    _leg_unique = models.Constraint("UNIQUE(call_id, leg_ref)", "A leg is logged once per call.")

    @api.depends("from_number", "from_extension", "to_number", "to_extension")
    def _compute_parties(self):
        """The employee by name (not a SIP address), the customer's number as written."""
        for leg in self:
            leg.from_display = leg.call_id._pbx_party(leg.from_number, leg.from_extension)
            leg.to_display = leg.call_id._pbx_party(leg.to_number, leg.to_extension)

    @api.model
    def _pbx_merge(self, company, event):
        """Merge one ``LegEvent`` into its leg, created if new, and its call, created if
        new and row-locked (``pbx.call._pbx_lock``): answers ``(call, created, leg)``.

        One statement, which also reads the call and all its legs into the cache:
        concurrent events of a leg never insert it twice, and what follows reads nothing
        more of them.
        """
        Call = self.env["pbx.call"]
        Call.flush_model()
        self.flush_model()
        when = to_datetime(event.timestamp) or None
        ended = event.state == LegState.ENDED
        at_employee = event.location == Location.EMPLOYEE and event.to_extension
        values = {
            "location": event.location, "pbx_location": event.pbx_location,
            "from_number": event.from_number,
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
        call_columns, leg_columns = column_names(Call), column_names(self)
        self.env.cr.execute(SQL(
            """WITH call AS (%(call)s),
               merged AS (
                   INSERT INTO pbx_call_leg AS leg (
                       call_id, leg_ref, seq, state, pbx_state, %(columns)s, appeared_date,
                       connected_date, disconnected_date, disconnect_reason, handed_on,
                       create_uid, write_uid, create_date, write_date)
                   SELECT call.id, %(leg)s, %(seq)s, %(state)s, %(pbx_state)s, %(values)s,
                          %(when)s, %(connected)s, %(disconnected)s, %(reason)s, %(handed_on)s,
                          %(uid)s, %(uid)s, now() at time zone 'utc', now() at time zone 'utc'
                     FROM call
                   ON CONFLICT (call_id, leg_ref) DO UPDATE SET
                       seq = GREATEST(leg.seq, EXCLUDED.seq),
                       state = CASE WHEN EXCLUDED.seq > leg.seq THEN EXCLUDED.state
                                    ELSE leg.state END,
                       pbx_state = CASE WHEN EXCLUDED.seq > leg.seq THEN EXCLUDED.pbx_state
                                        ELSE leg.pbx_state END,
                       %(merged)s,
                       appeared_date = LEAST(leg.appeared_date, EXCLUDED.appeared_date),
                       connected_date = LEAST(leg.connected_date, EXCLUDED.connected_date),
                       disconnected_date = LEAST(leg.disconnected_date,
                                                 EXCLUDED.disconnected_date),
                       disconnect_reason = CASE
                           WHEN EXCLUDED.disconnected_date IS NOT NULL
                                AND (leg.disconnected_date IS NULL OR EXCLUDED.seq > leg.seq)
                           THEN EXCLUDED.disconnect_reason ELSE leg.disconnect_reason END,
                       handed_on = CASE
                           WHEN EXCLUDED.disconnected_date IS NOT NULL
                                AND (leg.disconnected_date IS NULL OR EXCLUDED.seq > leg.seq)
                           THEN EXCLUDED.handed_on ELSE leg.handed_on END,
                       write_date = EXCLUDED.write_date
                   RETURNING %(leg_columns)s)
               SELECT call.*, legs.* FROM call, (
                   SELECT * FROM merged
                   UNION ALL
                   SELECT %(other_columns)s FROM pbx_call_leg other, call
                    WHERE other.call_id = call.id AND other.leg_ref != %(leg)s) legs""",
            call=Call._pbx_upsert(company, event.entry_ref, SQL(", ").join(
                SQL.identifier("pbx_call", name) for name in ["id", *call_columns])),
            columns=SQL(", ").join(SQL.identifier(name) for name in MERGED),
            values=SQL(", ").join(SQL("%s", values[name] or None) for name in MERGED),
            leg=event.leg_ref, seq=event.seq, state=event.state,
            pbx_state=event.pbx_state or None, when=when,
            connected=when if event.state in LegState.LIVE else None,
            disconnected=when if ended else None,
            reason=event.reason if ended else 0, handed_on=ended and event.handed_on,
            uid=self.env.uid, merged=merged,
            leg_columns=SQL(", ").join(
                SQL.identifier("leg", name) for name in ["id", *leg_columns]),
            other_columns=SQL(", ").join(
                SQL.identifier("other", name) for name in ["id", *leg_columns])),
            log_exceptions=False)  # serialization failures are retried
        rows = self.env.cr.fetchall()
        width = len(call_columns) + 2  # the call's id, its columns, whether it was created
        call = cached(Call, call_columns, [rows[0][:width - 1]])
        legs = cached(self, leg_columns, [row[width:] for row in rows])
        call._fields["leg_ids"]._update_cache(call, legs.sorted("id")._ids)
        return call, rows[0][width - 1], legs.filtered(lambda leg: leg.leg_ref == event.leg_ref)

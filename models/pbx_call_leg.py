from odoo import api, fields, models
from odoo.tools import SQL

from ..pbx.events import LegState, Location
from .pbx_call import to_datetime

MERGED = ("location", "pbx_location", "from_number", "to_number", "from_extension",
          "to_extension", "extension", "line_number", "command_ref")
# The merge of a leg's event in a function of the database, whose plan PL/pgSQL keeps for
# the connection: planning the statement cost four times running it. It locks (creates)
# the call first (pbx_call_lock) and answers the call's id and whether it was created.
MERGE = """
CREATE OR REPLACE FUNCTION pbx_call_leg_merge(
    p_company integer, p_entry varchar, p_uid integer, p_leg varchar, p_seq integer,
    p_state varchar, p_pbx_state varchar, %(parameters)s, p_when timestamp,
    p_connected timestamp, p_disconnected timestamp, p_reason integer, p_handed_on boolean,
    OUT call_id integer, OUT created boolean) LANGUAGE plpgsql AS $merge$
BEGIN
    SELECT locked.id, locked.created INTO call_id, created
      FROM pbx_call_lock(p_company, p_entry, p_uid) locked;
    INSERT INTO pbx_call_leg AS leg (
        call_id, leg_ref, seq, state, pbx_state, %(columns)s, appeared_date, connected_date,
        disconnected_date, disconnect_reason, handed_on, create_uid, write_uid, create_date,
        write_date)
    VALUES (call_id, p_leg, p_seq, p_state, p_pbx_state, %(arguments)s, p_when, p_connected,
            p_disconnected, p_reason, p_handed_on, p_uid, p_uid, now() at time zone 'utc',
            now() at time zone 'utc')
    ON CONFLICT ON CONSTRAINT pbx_call_leg_leg_unique DO UPDATE SET
        seq = GREATEST(leg.seq, EXCLUDED.seq),
        state = CASE WHEN EXCLUDED.seq > leg.seq THEN EXCLUDED.state ELSE leg.state END,
        pbx_state = CASE WHEN EXCLUDED.seq > leg.seq THEN EXCLUDED.pbx_state
                         ELSE leg.pbx_state END,
        %(merged)s,
        appeared_date = LEAST(leg.appeared_date, EXCLUDED.appeared_date),
        connected_date = LEAST(leg.connected_date, EXCLUDED.connected_date),
        disconnected_date = LEAST(leg.disconnected_date, EXCLUDED.disconnected_date),
        disconnect_reason = CASE
            WHEN EXCLUDED.disconnected_date IS NOT NULL
                 AND (leg.disconnected_date IS NULL OR EXCLUDED.seq > leg.seq)
            THEN EXCLUDED.disconnect_reason ELSE leg.disconnect_reason END,
        handed_on = CASE
            WHEN EXCLUDED.disconnected_date IS NOT NULL
                 AND (leg.disconnected_date IS NULL OR EXCLUDED.seq > leg.seq)
            THEN EXCLUDED.handed_on ELSE leg.handed_on END,
        write_date = EXCLUDED.write_date;
END
$merge$
""" % {
    "parameters": ", ".join(f"p_{name} varchar" for name in MERGED),
    "columns": ", ".join(MERGED),
    "arguments": ", ".join(f"p_{name}" for name in MERGED),
    # the newest event's value when it has one, else what the leg knows
    "merged": ",\n        ".join(
        f"{name} = CASE WHEN EXCLUDED.seq > leg.seq THEN COALESCE(EXCLUDED.{name}, leg.{name})"
        f" ELSE COALESCE(leg.{name}, EXCLUDED.{name}) END" for name in MERGED),
}


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
    card_data = fields.Json(
        readonly=True, copy=False,
        help="What this employee's call card shows that does not change while the call lasts, "
             "in their language (pbx.call._pbx_card_fixed).")
    handed_on = fields.Boolean(
        help="The voice menu or queue ended normally, passing the caller on to another leg.")

    _leg_unique = models.Constraint("UNIQUE(call_id, leg_ref)", "A leg is logged once per call.")

    @api.depends("from_number", "from_extension", "to_number", "to_extension")
    def _compute_parties(self):
        """The employee by name (not a SIP address), the customer's number as written."""
        for leg in self:
            leg.from_display = leg.call_id._pbx_party(leg.from_number, leg.from_extension)
            leg.to_display = leg.call_id._pbx_party(leg.to_number, leg.to_extension)

    def init(self):
        self.env.cr.execute(MERGE)

    @api.model
    def _pbx_merge(self, company, event):
        """Merge one ``LegEvent`` into its leg, created if new, and its call, created if
        new and row-locked (``pbx.call._pbx_lock``): answers ``(call, created, leg)``.

        One statement merges (``MERGE``: concurrent events of a leg never insert it
        twice), one reads the call and all its legs into the cache, so that what follows
        reads nothing more of them.
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
        self.env.cr.execute(SQL(
            "SELECT * FROM pbx_call_leg_merge(%s)", SQL(", ").join([
                company.id, event.entry_ref, self.env.uid, event.leg_ref, event.seq,
                event.state, event.pbx_state or None,
                *(values[name] or None for name in MERGED),
                when, when if event.state in LegState.LIVE else None, when if ended else None,
                event.reason if ended else 0, bool(ended and event.handed_on)])),
            log_exceptions=False)  # serialization failures are retried
        call_id, created = self.env.cr.fetchone()
        call = Call.browse(call_id)._pbx_load()
        return call, created, call.leg_ids.filtered(lambda leg: leg.leg_ref == event.leg_ref)

from odoo import api, fields, models

from .mango_call import to_datetime


class MangoCallLeg(models.Model):
    """One leg of a call: the voice menu, a queue, or one employee's phone ringing."""
    _name = "mango.call.leg"
    _description = "Phone Call Leg"
    _order = "appeared_date, id"

    call_id = fields.Many2one("mango.call", required=True, index=True, ondelete="cascade")
    leg_id = fields.Char(string="Mango Call ID", required=True)
    seq = fields.Integer(string="Last Sequence Number")
    state = fields.Selection(
        [("Appeared", "Ringing"), ("Connected", "Talking"), ("OnHold", "On Hold"),
         ("Disconnected", "Ended")], required=True)
    location = fields.Selection(
        [("ivr", "Voice Menu"), ("queue", "Queue"), ("abonent", "Employee")])
    from_number = fields.Char(string="From")
    to_number = fields.Char(string="To")
    extension = fields.Char()
    appeared_date = fields.Datetime(string="Appeared")
    connected_date = fields.Datetime(string="Connected")
    disconnected_date = fields.Datetime(string="Disconnected")
    disconnect_reason = fields.Integer()

    _leg_unique = models.Constraint("UNIQUE(call_id, leg_id)", "A leg is logged once per call.")

    @api.model
    def _mango_values(self, call, event, leg):
        """Values that bring ``leg`` (maybe empty) up to date with a newer ``event``."""
        when = to_datetime(event.timestamp)
        at_employee = event.location == "abonent" and event.to_extension
        vals = {
            "seq": event.seq,
            "state": event.call_state,
            "location": event.location if event.location in ("ivr", "queue", "abonent")
            else leg.location,
            "from_number": event.from_number or leg.from_number,
            "to_number": event.to_number or leg.to_number,
            "extension": (event.to_extension if at_employee else event.from_extension)
            or leg.extension,
        }
        if not leg:
            vals.update(call_id=call.id, leg_id=event.call_id, appeared_date=when)
        if event.call_state == "Connected" and not leg.connected_date:
            vals["connected_date"] = when
        if event.call_state == "Disconnected":
            vals.update(disconnected_date=when, disconnect_reason=event.disconnect_reason)
        return vals

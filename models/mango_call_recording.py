from odoo import api, fields, models

from ..mango import codes, events

# A recording only moves forward: recording -> saved or not saved -> downloadable.
RANK = {"recording": 0, "saved": 1, "failed": 1, "ready": 2}


class MangoCallRecording(models.Model):
    """A conversation recording kept in Mango's cloud storage."""
    _name = "mango.call.recording"
    _description = "Call Recording"
    _order = "id"
    _rec_name = "recording_id"

    call_id = fields.Many2one("mango.call", required=True, index=True, ondelete="cascade")
    recording_id = fields.Char(string="Mango Recording ID", required=True)
    state = fields.Selection(
        [("recording", "Recording"), ("saved", "Saved"), ("failed", "Not Saved"),
         ("ready", "Ready to Download")], required=True, default="recording")
    mango_state = fields.Char(string="Mango State",
                              help="The recording's last state as Mango sent it.")
    extension = fields.Char()
    completion_code = fields.Integer()

    _recording_unique = models.Constraint(
        "UNIQUE(call_id, recording_id)", "A recording is listed once per call.")

    @api.model
    def _mango_apply(self, call, event):
        recording = call.recording_ids.filtered(lambda rec: rec.recording_id == event.recording_id)
        if isinstance(event, events.RecordAdded):
            vals = {"state": "ready"}
        elif event.recording_state == "Completed":
            saved = not event.completion_code or codes.is_success(event.completion_code)
            vals = {"state": "saved" if saved else "failed",
                    "completion_code": event.completion_code}
        else:  # Started, Continued (in another leg), or a state Mango added since
            vals = {"state": "recording"}
        if isinstance(event, events.RecordingEvent):
            vals["mango_state"] = event.recording_state
        if getattr(event, "extension", ""):
            vals["extension"] = event.extension
        if not recording:
            return self.create({**vals, "call_id": call.id, "recording_id": event.recording_id})
        if RANK[vals["state"]] < RANK[recording.state]:
            vals.pop("state")
            vals.pop("completion_code", None)
            vals.pop("mango_state", None)
        recording.write(vals)
        return recording

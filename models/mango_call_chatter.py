from odoo import api, fields, models
from odoo.tools import format_datetime

from ..mango.numbers import display


class MangoCallChatter(models.AbstractModel):
    """Where salespeople see a call: one note in the chatter of its contact and of its
    lead, and a "Call" activity when an incoming call was missed.

    Notes are internal (subtype Note: the customer is never emailed, followers are not
    notified), rendered from the QWeb template ``mango_office.call_note`` whose values are
    all escaped. Replays and reprocessing never post twice; a call linked later gets its
    note then. The recording is attached to the note as the call's mp3, which the
    chatter's file viewer plays.
    """
    _name = "mango.call.chatter"
    _description = "Phone Call in the Chatter"

    note_message_ids = fields.Many2many("mail.message", string="Chatter Notes", readonly=True,
                                        copy=False)
    callback_scheduled = fields.Boolean(readonly=True, copy=False,
                                        help="A missed call: a callback activity was scheduled.")

    # -- notes ---------------------------------------------------------------------------

    def _mango_post_notes(self):
        """One note per call in the chatter of its contact and of its lead (once each)."""
        for call in self.filtered("summary_received"):
            noted = {(message.model, message.res_id) for message in call.note_message_ids}
            for record in (call.partner_id, call.lead_id):
                if not record or (record._name, record.id) in noted:
                    continue
                message = record.sudo().message_post(
                    body=call._mango_note_body(), message_type="comment",
                    subtype_xmlid="mail.mt_note",
                    author_id=call.user_id.partner_id.id or None,
                    attachment_ids=call.recording_ids.attachment_id.ids)
                call.note_message_ids = [fields.Command.link(message.id)]

    def _mango_refresh_notes(self):
        """The notes say what became of the recording, and carry its file once it landed."""
        for call in self:
            attachments = call.recording_ids.attachment_id
            for message in call.note_message_ids.sudo():
                message.write({"body": call._mango_note_body(),
                               "attachment_ids": [fields.Command.set(attachments.ids)]})

    def _mango_note_body(self):
        self.ensure_one()
        tz = self.user_id.tz or self.company_id.partner_id.tz or "UTC"
        direction = dict(self._fields["direction"]._description_selection(self.env)).get(
            self.direction, "")
        seconds = round(self.talk_time * 3600)
        return self.env["ir.qweb"]._render("mango_office.call_note", {
            "call": self,
            "direction": direction,
            "number": display(self.external_e164 or self._external_number() or ""),
            "start": self.start_date and format_datetime(self.env, self.start_date, tz=tz,
                                                         dt_format="short"),
            "duration": f"{seconds // 60}:{seconds % 60:02d}",
            "answered": self.state == "answered",
            "reason": self.disconnect_reason_text,
            "recordings": self.recording_ids,
            "url": f"/odoo/mango.call/{self.id}",
        })

    # -- missed calls ----------------------------------------------------------------------

    def _mango_schedule_callback(self):
        """An incoming call nobody answered: a "Call" activity for whoever should call back.

        On the lead, else the contact, else the call; for the responsible salesperson,
        else the employee it rang last, else the sales team's leader. Missed calls from
        the same number before the callback add to the open activity.
        """
        Activity = self.env["mail.activity"].sudo()
        for call in self:
            if call.callback_scheduled or call.direction != "incoming" \
                    or call.state != "missed" or not call.external_e164:
                continue
            call.callback_scheduled = True
            target = call.lead_id or call.partner_id or call
            user = call._mango_responsible() or call.user_id or self.env["crm.team"].search(
                [("company_id", "in", [call.company_id.id, False]), ("user_id", "!=", False)],
                limit=1).user_id
            activity = Activity.search([
                ("res_model", "=", target._name), ("res_id", "=", target.id),
                ("mango_number", "=", call.external_e164)], limit=1)
            if activity:
                activity.write({"mango_missed_count": activity.mango_missed_count + 1,
                                "mango_call_id": call.id,
                                "summary": call._mango_callback_summary(
                                    activity.mango_missed_count + 1)})
                continue
            # recovered calls older than a day are logged without notifying anyone
            quiet = bool(self.env.context.get("mango_quiet"))
            target.sudo().with_context(mail_activity_quick_update=quiet).activity_schedule(
                "mail.mail_activity_data_call", fields.Date.context_today(call),
                summary=call._mango_callback_summary(1),
                user_id=user.id or self.env.uid, mango_number=call.external_e164,
                mango_call_id=call.id, mango_missed_count=1)

    def _mango_callback_summary(self, count):
        tz = self.user_id.tz or self.company_id.partner_id.tz or "UTC"
        when = self.start_date and format_datetime(self.env, self.start_date, tz=tz,
                                                   dt_format="short")
        number = display(self.external_e164)
        if count == 1:
            return self.env._("Call back %(number)s: missed call at %(when)s",
                              number=number, when=when)
        return self.env._("Call back %(number)s: %(count)s missed calls, the last at %(when)s",
                          number=number, count=count, when=when)

    def _mango_close_callbacks(self):
        """An answered call with a number closes the callback activities of that number."""
        for call in self.filtered(lambda call: call.state == "answered" and call.external_e164):
            activities = self.env["mail.activity"].sudo().search([
                ("mango_number", "=", call.external_e164),
                ("mango_call_id.company_id", "=", call.company_id.id)])
            for activity in activities:
                activity.action_feedback(feedback=self.env._(
                    "Called back: %(call)s", call=call.display_name))

    # -- smart buttons -----------------------------------------------------------------------

    @api.model
    def _mango_calls_action(self, domain, name):
        action = self.env["ir.actions.act_window"]._for_xml_id("mango_office.mango_call_action")
        action.update(domain=domain, name=name, context={"create": False})
        return action

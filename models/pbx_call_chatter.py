import pytz

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import plaintext2html
from odoo.tools.misc import babel_locale_parse, format_datetime, get_lang, posix_to_ldml

from ..pbx.events import Location


def zone_name(local):
    """``MSK``, or ``UTC+05`` where the zone has no letters of its own."""
    name = local.tzname()
    return name if name[:1].isalpha() else f"UTC{name}"


class PbxCallChatter(models.Model):
    """Where salespeople see a call: one note in the chatter of its contact and of its
    lead, and a "Call" activity when an incoming call was missed.

    What everyone reads (notes, the recording's message, file names, feedback) is in the
    company's language and time zone, marked, whoever or whatever triggered it, and is
    signed by the employee of the call (the company when none). Notes are internal
    (subtype Note: the customer is never emailed, followers are not notified), rendered
    from the QWeb template ``mango_office.call_note`` whose values are all escaped.
    Replays and reprocessing never post twice; a call linked later gets its note then.

    A note's body is the same for all its readers; what opens the call (its link, the
    recording's player and Download) is added by the web client for each reader who may
    open it (``mail.message.pbx_call_id``, ``static/src/chatter``).
    """
    _inherit = "pbx.call"

    note = fields.Text(help="What the employee wrote about the call; shown in its chatter "
                            "entry.")
    note_message_ids = fields.One2many("mail.message", "pbx_call_id", string="Chatter Notes",
                                       domain=[("model", "!=", "pbx.call")], readonly=True)
    callback_scheduled = fields.Boolean(readonly=True, copy=False,
                                        help="A missed call: a callback activity was scheduled.")

    # -- rights ------------------------------------------------------------------------------

    @api.model
    def _pbx_salesperson_domain(self, user):
        """The calls a salesperson with "own documents" may read, the one domain of the
        record rules of calls and of what follows them (legs, recordings, journal rows).

        Their own calls; the calls that rang at their phone (a colleague transferred it to
        them); the incoming calls that reached no employee (anyone may call back); and the
        calls of the leads and contacts they are the salesperson of, so that the
        salesperson of an opportunity opens the calls a colleague took for it.
        """
        rang_here = Domain.OR(
            Domain("company_id", "=", ext.company_id.id)
            & Domain("leg_ids", "any", [("location", "=", Location.EMPLOYEE),
                                        ("extension", "=", ext.extension)])
            for ext in user.sudo().pbx_extension_ids)
        return (Domain("user_id", "=", user.id)
                | rang_here
                | Domain([("user_id", "=", False), ("extension", "=", False),
                          ("direction", "=", "incoming")])
                | Domain("lead_id.user_id", "=", user.id)
                | Domain("partner_id.user_id", "=", user.id))

    def _pbx_chatter_entries(self):
        """What the current user may open of these calls' chatter entries, by call id: the
        call, and the files of the recordings they may listen to."""
        calls = self._filtered_access("read")
        # sudo: pbx.call.recording - the recordings of readable calls, then their access
        recordings = calls.sudo().recording_ids.filtered("attachment_id").with_env(
            self.env)._filtered_access("read").sudo()
        return {call.id: {"id": call.id, "recordings": [
            {"id": recording.attachment_id.id, "name": recording.attachment_id.name}
            for recording in recordings if recording.call_id == call]} for call in calls}

    # -- one language for everyone ---------------------------------------------------------

    def _pbx_company_view(self):
        """The call as everyone reads it: in its company's language."""
        self.ensure_one()
        return self.with_context(lang=self.company_id._mango_profile().lang or self.env.lang)

    @api.model
    def _pbx_format_datetime(self, value, tz, marked=False):
        """``02.12.2026 15:12`` as the web client writes it in this environment's language
        (without seconds), in time zone ``tz``; ``02.12.2026 15:12 (MSK)`` when marked."""
        if not value:
            return ""
        lang = get_lang(self.env)
        time_format = lang.time_format.replace(":%S", "")
        pattern = posix_to_ldml(f"{lang.date_format} {time_format}",
                                locale=babel_locale_parse(lang.code))
        text = format_datetime(self.env, value, tz=tz, dt_format=pattern)
        if not marked:
            return text
        local = pytz.utc.localize(value).astimezone(pytz.timezone(tz))
        return f"{text} ({zone_name(local)})"

    def _pbx_post(self, record, body, entry=True, message_type="notification"):
        """Log on record, as the employee of the call (the company when none), an internal
        note that notifies nobody (``_message_log``: no followers to look up, nothing to
        send); an entry of the call is shown with what its reader may open of it (link,
        recordings)."""
        self.ensure_one()
        author = self.user_id.partner_id or self.company_id.partner_id
        message = record.sudo()._message_log(body=body, author_id=author.id,
                                             message_type=message_type)
        if entry:
            message.pbx_call_id = self
        return message

    # -- notes ---------------------------------------------------------------------------

    def _pbx_post_notes(self):
        """One note per call in the chatter of its contact and of its lead (once each)."""
        for call in self.filtered("summary_received"):
            noted = {(message.model, message.res_id) for message in call.sudo().note_message_ids}
            for record in (call.partner_id, call.lead_id):
                if record and (record._name, record.id) not in noted:
                    call._pbx_post(record, call._pbx_note_body(), message_type="comment")

    def _pbx_refresh_notes(self):
        """The notes say what the employee wrote and what became of the recording."""
        for call in self:
            if messages := call.sudo().note_message_ids:
                messages.write({"body": call._pbx_note_body()})

    def _pbx_note_body(self):
        self.ensure_one()
        call = self._pbx_company_view()
        tz = call.company_id._mango_profile().tz or "UTC"
        seconds = round(call.talk_time * 3600)
        return call.env["ir.qweb"]._render("mango_office.call_note", {
            "call": call,
            "direction": dict(call._fields["direction"]._description_selection(call.env)).get(
                call.direction, ""),
            "number": call.number_display,
            "start": call._pbx_format_datetime(call.start_date, tz, marked=True),
            "duration": f"{seconds // 60}:{seconds % 60:02d}",
            "answered": call.state == "answered",
            "reason": call.disconnect_reason
            and call.company_id._pbx_describe_code(call.disconnect_reason),
            "note": call.note and plaintext2html(call.note),
            "recordings": call.recording_ids,
        })

    # -- missed calls ----------------------------------------------------------------------

    def _pbx_schedule_callback(self):
        """An incoming call nobody answered: a "Call" activity for whoever should call back.

        On the lead, else the contact, else the call; for the responsible salesperson,
        else the employee it rang last, else the sales team's leader. Missed calls from
        the same number before the callback add to the open activity (an unknown
        caller's: on the first of their calls). Its summary is in the language and time
        zone of whom it is for.
        """
        Activity = self.env["mail.activity"].sudo()
        for call in self:
            if call.callback_scheduled or call.direction != "incoming" \
                    or call.state != "missed" or not call.external_e164:
                continue
            call.callback_scheduled = True
            target = call.lead_id or call.partner_id or call
            unknown = target._name == call._name  # the activity is on one of their calls
            activity = Activity.search(
                Domain("res_model", "=", target._name)
                & Domain("mango_number", "=", call.external_e164)
                & (Domain("pbx_call_id.company_id", "=", call.company_id.id) if unknown
                   else Domain("res_id", "=", target.id)), limit=1)
            if activity:
                count = activity.mango_missed_count + 1
                activity.write({"mango_missed_count": count, "pbx_call_id": call.id,
                                "summary": call._pbx_callback_summary(count, activity.user_id)})
                continue
            user = call._pbx_responsible() or call.user_id or self.env["crm.team"].search(
                [("company_id", "in", [call.company_id.id, False]), ("user_id", "!=", False)],
                limit=1).user_id or self.env.user
            # recovered calls older than a day are logged without notifying anyone
            quiet = bool(self.env.context.get("mango_quiet"))
            target.sudo().with_context(mail_activity_quick_update=quiet).activity_schedule(
                "mail.mail_activity_data_call", fields.Date.context_today(call),
                summary=call._pbx_callback_summary(1, user),
                user_id=user.id, mango_number=call.external_e164,
                pbx_call_id=call.id, mango_missed_count=1)

    def _pbx_callback_summary(self, count, user):
        """``Перезвонить +7 916 123-45-67: пропущенный звонок в 02.12.2026 15:12``, as user
        reads it: in their language and time zone."""
        call = self.with_context(lang=user.lang or self.env.lang)
        when = call._pbx_format_datetime(
            call.start_date, user.tz or call.company_id._mango_profile().tz or "UTC")
        number = call.number_display
        if count == 1:
            return call.env._("Call back %(number)s: missed call at %(when)s",
                              number=number, when=when)
        return call.env._("Call back %(number)s: %(count)s missed calls, the last at %(when)s",
                          number=number, count=count, when=when)

    def _pbx_close_callbacks(self):
        """An answered call with a number closes the callback activities of that number,
        done by the employee who called back, with feedback in the company's language."""
        for call in self.filtered(lambda call: call.state == "answered" and call.external_e164):
            activities = self.env["mail.activity"].sudo().search([
                ("mango_number", "=", call.external_e164),
                ("pbx_call_id.company_id", "=", call.company_id.id)])
            view = call._pbx_company_view()
            for activity in activities:
                doer = call.user_id or activity.user_id
                activity.with_user(doer).sudo().with_context(lang=view.env.lang).action_feedback(
                    feedback=view.env._("Called back: %(call)s", call=view.display_name))

    # -- smart buttons -----------------------------------------------------------------------

    @api.model
    def _pbx_calls_action(self, domain, name):
        action = self.env["ir.actions.act_window"]._for_xml_id("mango_office.pbx_call_action")
        action.update(domain=domain, name=name, context={"create": False})
        return action

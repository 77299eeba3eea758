import logging
from contextlib import contextmanager
from datetime import datetime, timezone

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..pbx.numbers import classify, display
from .sql_rows import cached, column_names
from ..pbx.events import (CallSummary, CommandResult, Dtmf, LegEvent, LegState, Location,
                          RecordingEvent)

_logger = logging.getLogger(__name__)

STAGED = "pbx.call.staged"  # in the cursor's cache: the values ``_pbx_set`` keeps to write
# What a salesperson may change on a call: which contact and lead it is about (and the
# chatter's own fields). The rest is what the PBX said happened.
USER_WRITABLE = {"partner_id", "lead_id"}


# _pbx_match's statement. PL/pgSQL keeps the plan of a function's statements for the session:
# planning this one took 0.45 ms, running it 0.07 ms.
MATCH = """
CREATE OR REPLACE FUNCTION pbx_call_match(p_number varchar, p_company integer)
RETURNS TABLE (partner_id integer, lead_id integer, user_id integer, extension varchar,
               name varchar) LANGUAGE plpgsql STABLE AS $match$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH partner AS (
        SELECT id FROM res_partner
         WHERE phone_sanitized = p_number AND active
           AND (company_id = p_company OR company_id IS NULL)
         ORDER BY is_company, write_date DESC, id DESC LIMIT 1),
    lead AS (
        SELECT lead.id, lead.partner_id, lead.user_id FROM crm_lead lead
         WHERE (lead.phone_sanitized = p_number OR lead.partner_id = (SELECT id FROM partner))
           AND lead.active AND lead.won_status = 'pending'
           AND (lead.company_id = p_company OR lead.company_id IS NULL)
         ORDER BY lead.write_date DESC, lead.id DESC LIMIT 1),
    found AS (
        SELECT COALESCE((SELECT id FROM partner), (SELECT partner_id FROM lead)) AS partner_id,
               (SELECT id FROM lead) AS lead_id, (SELECT user_id FROM lead) AS lead_user_id),
    responsible AS (
        SELECT found.*, COALESCE(found.lead_user_id, contact.user_id,
                                 commercial.user_id) AS user_id,
               COALESCE(contact.complete_name,
                        (SELECT name FROM crm_lead WHERE id = found.lead_id)) AS name
          FROM found
          LEFT JOIN res_partner contact ON contact.id = found.partner_id
          LEFT JOIN res_partner commercial ON commercial.id = contact.commercial_partner_id)
    SELECT responsible.partner_id, responsible.lead_id, responsible.user_id,
           (SELECT extension FROM pbx_extension
             WHERE company_id = p_company AND pbx_extension.user_id = responsible.user_id),
           responsible.name::varchar
      FROM responsible;
END
$match$
"""


# _pbx_lock's statement that creates the call, in a function of the database (its plan kept
# for the connection): also the first step of a leg's merge (pbx.call.leg's MERGE).
LOCK = """
CREATE OR REPLACE FUNCTION pbx_call_lock(p_company integer, p_entry varchar, p_uid integer,
                                         OUT id integer, OUT created boolean)
LANGUAGE plpgsql AS $lock$
#variable_conflict use_column
BEGIN
    INSERT INTO pbx_call (company_id, entry_ref, state, create_uid, write_uid, create_date,
                          write_date)
    VALUES (p_company, p_entry, 'ringing', p_uid, p_uid, now() at time zone 'utc',
            now() at time zone 'utc')
    ON CONFLICT (company_id, entry_ref) DO UPDATE SET write_date = EXCLUDED.write_date
    RETURNING pbx_call.id, xmax = 0 INTO id, created;
END
$lock$
"""


def to_datetime(timestamp):
    """A PBX's Unix seconds as a naive UTC datetime, False for 0."""
    return bool(timestamp) and datetime.fromtimestamp(timestamp, timezone.utc).replace(tzinfo=None)


class PbxCall(models.Model):
    """One call of the PBX: all its legs (voice menu, each employee tried) in one record.

    Everything but the contact and the lead is derived from the PBX's events, in
    whatever order they arrive: the legs as merged so far, and the summary when it came
    (``_pbx_refresh``). The same notifications in any order give the same call.
    """
    _name = "pbx.call"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Phone Call"
    _order = "start_date desc, id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True,
                                 default=lambda self: self.env.company)
    entry_ref = fields.Char(string="PBX Entry ID", required=True, readonly=True)
    direction = fields.Selection(
        [("incoming", "Incoming"), ("outgoing", "Outgoing"), ("internal", "Internal"),
         ("other", "Other")], readonly=True, index=True)
    pbx_direction = fields.Integer(
        string="PBX Direction Code", readonly=True, aggregator=False,
        help="The direction as the PBX sent it in its summary, in the PBX's own code; "
             "Direction says what it means.")
    state = fields.Selection(
        [("ringing", "Ringing"), ("talking", "Talking"), ("ended", "Ended"),
         ("answered", "Answered"), ("missed", "Missed")],
        string="Status", default="ringing", required=True, readonly=True, index=True)
    from_number = fields.Char(string="Caller Number", readonly=True)
    to_number = fields.Char(string="Called Number", readonly=True)
    line_number = fields.Char(string="Line", readonly=True)
    external_number = fields.Char(string="Customer Number", readonly=True,
                                  help="The customer's number as the PBX sent it.")
    external_e164 = fields.Char(string="Customer Number (E.164)", readonly=True,
                                index="btree_not_null")
    extension = fields.Char(readonly=True, help="The employee's extension in the PBX.")
    user_id = fields.Many2one("res.users", string="Employee", index=True, readonly=True,
                              help="Who answered the call; for a call nobody answered, the last "
                                   "employee whose phone rang.")
    partner_id = fields.Many2one("res.partner", string="Contact", index="btree_not_null")
    lead_id = fields.Many2one("crm.lead", string="Lead/Opportunity", index="btree_not_null")
    start_date = fields.Datetime(string="Started", readonly=True, index=True)
    answer_date = fields.Datetime(string="Answered at", readonly=True)
    end_date = fields.Datetime(string="Ended", readonly=True)
    talk_time = fields.Float(string="Talk Time", readonly=True, aggregator=False,
                             help="Duration of the conversation, in hours (shown as hh:mm:ss).")
    talk_minutes = fields.Float(string="Talk Time (min)", compute="_compute_talk_minutes",
                                store=True, aggregator="sum", digits=(16, 1))
    number_display = fields.Char(string="Customer", compute="_compute_number_display",
                                 help="The customer's number as people write it.")
    disconnect_reason = fields.Integer(string="Disconnect Code", readonly=True, aggregator=False)
    disconnect_reason_text = fields.Char(string="Disconnect Reason",
                                         compute="_compute_disconnect_reason_text")
    summary_received = fields.Boolean(readonly=True,
                                      help="The PBX sent its final summary of the call.")
    summary_data = fields.Json(readonly=True, copy=False)
    leg_ids = fields.One2many("pbx.call.leg", "call_id", string="Legs", readonly=True)
    recording_ids = fields.One2many("pbx.call.recording", "call_id", string="Recordings",
                                    readonly=True)
    event_ids = fields.One2many("pbx.event", "call_id", string="Notifications", readonly=True)

    _entry_unique = models.Constraint(
        "UNIQUE(company_id, entry_ref)", "A call is logged once per PBX entry.")

    def init(self):
        self.env.cr.execute(LOCK)
        self.env.cr.execute(MATCH)

    @api.depends("direction", "from_number", "to_number", "partner_id", "external_e164")
    def _compute_display_name(self):
        for call in self:
            who = call.partner_id.name or display(call.external_e164) \
                or call._external_number() or call.extension or ""
            if call.direction == "incoming":
                call.display_name = self.env._("Incoming call from %(who)s", who=who)
            elif call.direction == "outgoing":
                call.display_name = self.env._("Outgoing call to %(who)s", who=who)
            elif call.direction == "internal":
                call.display_name = self.env._("Internal call %(who)s", who=who)
            else:
                call.display_name = self.env._("Call %(who)s", who=who)

    @api.depends("talk_time")
    def _compute_talk_minutes(self):
        for call in self:
            call.talk_minutes = call.talk_time * 60

    @api.depends("external_e164", "from_number", "to_number", "direction", "extension")
    def _compute_number_display(self):
        for call in self:
            raw = call._external_number() or ""
            if call.direction == "internal" or not raw or raw.startswith("sip:"):
                user = call.user_id.name
                call.number_display = user and f"{user} ({call.extension})" or call.extension or raw
            else:
                call.number_display = display(call.external_e164) or raw

    @api.depends("disconnect_reason")
    def _compute_disconnect_reason_text(self):
        for call in self:
            code = call.disconnect_reason
            call.disconnect_reason_text = code and call.company_id._pbx_describe_code(code)

    def write(self, vals):
        facts = {name for name in vals if name not in USER_WRITABLE
                 and name in self._fields and self._fields[name]._module == "mango_office"}
        if facts and not self.env.su:
            raise AccessError(self.env._(
                "What happened on a call comes from the PBX and cannot be changed; only its "
                "contact and lead can."))
        result = super().write(vals)
        if {"partner_id", "lead_id"} & set(vals):
            self.sudo()._pbx_post_notes()  # a call linked later gets its notes then
        return result

    def _external_number(self):
        """The customer's number as the PBX sent it."""
        self.ensure_one()
        return self.to_number if self.direction == "outgoing" else self.from_number

    # -- who is calling --------------------------------------------------------------------

    def _pbx_identify(self):
        """Normalise the customer's number and, the first time, link contact and lead.

        Answers ``(salesperson, extension, name)`` when it matched, for the routing
        decision.
        """
        self.ensure_one()
        raw = self._external_number() or ""
        if self.direction == "internal" or raw == (self.external_number or ""):
            return None
        number = classify(raw, self.company_id._mango_profile().country)
        vals = {"external_number": raw, "external_e164": number.e164 or False}
        matched = None
        if number.e164 and not (self.partner_id or self.lead_id):
            partner, lead, *matched = self._pbx_match(self.company_id, number.e164)
            vals.update(partner_id=partner.id, lead_id=lead.id)
        self._pbx_set(vals)
        return matched

    @api.model
    def _pbx_match(self, company, e164):
        """The contact and open lead of a number, the same every time, and the
        salesperson responsible for them with their extension in the company's PBX.

        The contact person comes before its company, the most recently updated open
        lead or opportunity (not won, not lost) with that number or of that contact
        before the others; the salesperson is the lead's, else the contact's, else its
        company's (``_pbx_responsible``). One statement on the indexed
        ``phone_sanitized`` columns, in a function of the database (``MATCH``) so that
        its plan is kept for the connection: it runs on every incoming call, with the
        caller waiting, and planning it cost five times running it. Answers ``(partner, lead, user, extension, name shown to the
        salesperson)``.
        """
        self.env.cr.execute(SQL("SELECT * FROM pbx_call_match(%s, %s)", e164, company.id))
        partner_id, lead_id, user_id, extension, name = self.env.cr.fetchone()
        return (self.env["res.partner"].browse(partner_id), self.env["crm.lead"].browse(lead_id),
                self.env["res.users"].browse(user_id), extension or "", name or "")

    @api.model
    def _pbx_relink(self, records):
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

    def action_create_lead(self):
        """Create from the call: the caller's open lead or opportunity when there is one,
        else a new one prefilled from the call, saved by the user: a lead where the user
        has Leads (``crm.group_use_lead``), else an opportunity in the salesperson's team's
        pipeline. Saving it links the call to it."""
        self.ensure_one()
        lead = self._pbx_open_lead()
        if lead:
            if not lead.with_env(self.env).has_access("read"):
                raise UserError(self._pbx_lead_taken(lead, self.number_display))
            if not self.lead_id and self.has_access("write"):
                self._pbx_link_lead(lead)
            return {"type": "ir.actions.act_window", "res_model": "crm.lead", "res_id": lead.id,
                    "view_mode": "form", "views": [(False, "form")], "target": "current"}
        defaults = {f"default_{name}": value for name, value in self._pbx_lead_values(
            self.user_id or self.env.user, self._pbx_lead_type(self.env.user)).items()}
        return {"type": "ir.actions.act_window", "res_model": "crm.lead", "view_mode": "form",
                "views": [(False, "form")], "target": "current",
                "context": {**defaults, "pbx_call_id": self.id}}

    def action_call_back(self):
        """Перезвонить: Mango rings the user's phone, then the customer's."""
        self.ensure_one()
        result = self.pbx_click_to_call(self.external_e164 or self._external_number())
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"type": "success", "message": result["message"]}}

    def action_new_contact(self):
        """Новый клиент: a contact with the number; the calls from it follow the contact."""
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "res.partner", "view_mode": "form",
                "views": [(False, "form")], "target": "current",
                "context": {"default_phone": display(self.external_e164 or "")
                            or self._external_number()}}

    def _pbx_responsible(self):
        """The salesperson of the lead, else of the contact, else of its company."""
        self.ensure_one()
        partner = self.partner_id
        return self.lead_id.user_id or partner.user_id or partner.commercial_partner_id.user_id

    # -- leads made from the call ------------------------------------------------------

    def _pbx_open_lead(self):
        """The call's lead if it is still open, else the caller's open lead or opportunity
        as ``_pbx_match`` finds it (sudo; empty when there is none)."""
        self.ensure_one()
        lead = self.sudo().lead_id
        if lead.active and lead.won_status == "pending":
            return lead
        if not self.external_e164:
            return lead.browse()
        for model in ("res.partner", "crm.lead"):
            self.env[model].flush_model()  # the match reads them in SQL
        return self.sudo()._pbx_match(self.company_id, self.external_e164)[1]

    @api.model
    def _pbx_lead_taken(self, lead, number):
        """Why the current user may not open ``lead``, the open lead of ``number`` (as
        people write it): whose it is."""
        return self.env._(
            "%(number)s already has an open lead or opportunity, with %(salesperson)s: "
            "ask them or a sales manager.", number=number,
            salesperson=lead.user_id.name or lead.team_id.name or "?")

    @api.model
    def _pbx_lead_type(self, user):
        """The type of a new lead: a lead where Leads are on (``crm.group_use_lead``) for
        ``user``, or for employees when there is no user; else an opportunity."""
        if user:
            leads = user.sudo().has_group("crm.group_use_lead")
        else:
            leads = self.env.ref("crm.group_use_lead") in self.env.ref(
                "base.group_user").sudo().all_implied_ids
        return "lead" if leads else "opportunity"

    def _pbx_lead_values(self, user, kind):
        """A new lead or opportunity of this call: its name (in the company's language:
        everyone reads it), contact, phone as people write it, salesperson, medium Phone and
        the UTM of call tracking. CRM then puts it in the salesperson's team and its first
        stage."""
        self.ensure_one()
        number = display(self.external_e164 or "") or self._external_number() or ""
        lang = self.company_id.partner_id.lang or "en_US"
        return {
            "name": self.partner_id.name or self.with_context(lang=lang).env._(
                "Call from %(number)s", number=number),
            "type": kind,
            "partner_id": self.partner_id.id,
            "phone": number,
            "user_id": user.id,
            "medium_id": self.env.ref("utm.utm_medium_phone").id,
            **self._pbx_utm_values(),
        }

    def _pbx_link_lead(self, lead):
        """Link the call to this lead, and to its contact when the call has none."""
        self.write({"lead_id": lead.id, "partner_id": self.partner_id.id or lead.partner_id.id})

    # -- applying the PBX's events --------------------------------------------------------

    @api.model
    def _pbx_apply(self, company, event):
        """Apply one neutral event (``pbx.events``) as superuser.

        Answers ``(call, journal state, whether the call was created, work)``: ``work`` is
        what to do once the PBX has had its answer (the routing command), callables that
        take no argument. Leg events and summaries create the call; recordings and DTMF
        that arrive before any of them wait in the journal for it, so that no call exists
        that the PBX never described.
        """
        self = self.sudo()
        if isinstance(event, CommandResult):
            call = self._pbx_apply_command_result(company, event)
            return call, "processed" if call else "ignored", False, ()
        entry_ref = getattr(event, "entry_ref", "")
        if not entry_ref:
            return self.browse(), "ignored", False, ()
        if isinstance(event, LegEvent):
            call, created, leg = self.env["pbx.call.leg"]._pbx_merge(company, event)
            return call, "processed", created, call._pbx_apply_leg_event(event, leg)
        call, created = self._pbx_lock(company, entry_ref,
                                       create=isinstance(event, CallSummary))
        if call and isinstance(event, CallSummary):
            call = call._pbx_load()
        if not call:
            waits = isinstance(event, (RecordingEvent, Dtmf))
            return call, "waiting" if waits else "ignored", False, ()
        if isinstance(event, CallSummary):
            call._pbx_apply_summary(event)
        elif isinstance(event, RecordingEvent):
            self.env["pbx.call.recording"]._pbx_apply(call, event)
        elif not isinstance(event, Dtmf):
            return call, "ignored", False, ()
        return call, "processed", created, ()

    @contextmanager
    def _pbx_writing_once(self):
        """Inside, ``_pbx_set`` only puts the call's new values in the cache; they are all
        written at the end, in one statement (``_pbx_store``). For the webhook's hot path,
        where nothing inside reads the call from the database: one ORM ``write`` per step
        cost more than the rest of the notification."""
        self.ensure_one()
        cache = self.env.cr.cache
        if STAGED in cache:  # already inside
            yield
            return
        cache[STAGED] = staged = {}
        try:
            yield
            if staged:
                self._pbx_store(staged)
        finally:
            cache.pop(STAGED, None)

    def _pbx_set(self, vals):
        """Write these values of the PBX's on the call, at once or at the end of
        ``_pbx_writing_once``."""
        self.ensure_one()
        staged = self.env.cr.cache.get(STAGED)
        if staged is None:
            self.write(vals)
            self._pbx_written(vals)
            return
        self.invalidate_recordset(self._pbx_computed(), flush=False)
        for name, value in vals.items():
            field = self._fields[name]
            field._update_cache(self, field.convert_to_cache(value, self))
        staged.update(vals)

    def _pbx_computed(self):
        """The call's fields computed from others and not stored, which a change makes
        stale (``_pbx_store`` computes the stored ones)."""
        return [name for name, field in self._fields.items()
                if field.compute and not field.store]

    def _pbx_store(self, vals):
        """Write ``vals`` in one statement, with the stored fields computed from them, as
        the ORM's write would, and keep the cache right."""
        if "talk_time" in vals:
            vals["talk_minutes"] = vals["talk_time"] * 60
        derived = self._pbx_derived(vals)
        assignments = [SQL("%s = %s", SQL.identifier(name),
                           self._fields[name].convert_to_column(value, self))
                       for name, value in vals.items()]
        assignments += [SQL("%s = %s", SQL.identifier(name), value)
                        for name, value in derived.items()]
        self.env.cr.execute(SQL(
            """UPDATE pbx_call SET %s, write_uid = %s, write_date = now() at time zone 'utc'
                WHERE id = %s RETURNING %s""",
            SQL(", ").join(assignments), self.env.uid, self.id,
            SQL(", ").join(SQL.identifier(name) for name in ["write_date", *derived])))
        returned = self.env.cr.fetchone()
        self.invalidate_recordset([*self._pbx_computed(), "write_uid"], flush=False)
        for name, value in [*zip(["write_date", *derived], returned),
                            *((name, vals[name]) for name in ("talk_minutes",) if name in vals)]:
            self._fields[name]._update_cache(self, value)
        self._pbx_written(vals)
        if {"partner_id", "lead_id"} & set(vals):
            self._pbx_post_notes()  # as ``write`` does

    def _pbx_derived(self, vals):
        """What ``_pbx_store`` also writes when it writes ``vals``, computed in the
        statement: ``{column: SQL}``."""
        return {}

    def _pbx_written(self, vals):
        """What follows the PBX's values written on the call (``_pbx_set``)."""

    @api.model
    def _pbx_apply_command_result(self, company, result):
        if result.command != "route":
            return self._pbx_apply_card_result(company, result)
        call = self.search([("company_id", "=", company.id),
                            ("route_command_ref", "=", result.command_ref)], limit=1)
        if call:
            call._pbx_apply_route_result(result)
        return call

    @api.model
    def _pbx_lock(self, company, entry_ref, create=True):
        """The call of this entry, row-locked for this transaction; created if new
        (``LOCK``).

        Answers ``(call, created)``. The lock always changes the row, so that a
        transaction that waited for it fails to serialise and is tried again on a
        snapshot that sees everything the holder wrote (legs, recordings), instead of
        going on with an older one.
        """
        if create:
            query = SQL("SELECT * FROM pbx_call_lock(%s, %s, %s)", company.id, entry_ref,
                        self.env.uid)
        else:
            query = SQL(
                """UPDATE pbx_call SET write_date = now() at time zone 'utc'
                    WHERE company_id = %s AND entry_ref = %s
                   RETURNING id, false""", company.id, entry_ref)
        self.env.cr.execute(query, log_exceptions=False)  # serialization failures are retried
        row = self.env.cr.fetchone()
        return (self.browse(row[0]), row[1]) if row else (self.browse(), False)

    def _pbx_apply_leg_event(self, event, leg):
        """The call once a leg's event is merged in (``leg``, as merged); answers the work
        to do after the PBX's answer."""
        self.ensure_one()
        work = ()
        with self._pbx_writing_once():
            self._pbx_refresh()
            matched = self._pbx_identify()
            self._pbx_track(event.tracking_number, event.tracking_type)
            if event.state == LegState.RINGING and event.location == Location.MENU:
                work = self._pbx_route_if_waiting(leg, matched)
        self._pbx_notify_employees()
        return work

    def _pbx_apply_summary(self, summary):
        self.ensure_one()
        with self._pbx_writing_once():
            self._pbx_set({"summary_data": {
                name: getattr(summary, name) for name in (
                    "direction", "pbx_direction", "from_extension", "from_number",
                    "to_extension", "to_number", "line_number", "start_time", "answer_time",
                    "end_time", "answered", "reason")}})
            self._pbx_refresh()
            self._pbx_identify()
            self._pbx_track(summary.tracking_number, summary.tracking_type)
        self._pbx_autolead()
        self._pbx_post_notes()
        self._pbx_notify_employees()  # the cards after the call: outcome and talk time
        self._pbx_schedule_callback()
        self._pbx_close_callbacks()

    # -- what the call is, from its legs and its summary --------------------------------

    def _pbx_refresh(self):
        """Derive the call from its legs and its summary (a pure function of both)."""
        self.ensure_one()
        legs = self._pbx_legs().sorted(
            lambda leg: (leg.appeared_date or datetime.max, leg.leg_ref))
        summary = self.summary_data or {}
        vals = self._pbx_values_from_legs(legs)
        if summary:
            vals.update(self._pbx_values_from_summary(summary, vals))
        extension = self._pbx_employee_extension(legs) or self._pbx_summary_extension(
            summary, vals.get("direction"))
        user = self.env["pbx.extension"]._pbx_user(self.company_id, extension)
        vals.update(extension=extension or False, user_id=user.id)
        if vals.get("answer_date") and vals.get("end_date"):
            vals["talk_time"] = max(
                (vals["end_date"] - vals["answer_date"]).total_seconds(), 0) / 3600
        else:
            vals["talk_time"] = 0.0
        changed = {name: value for name, value in vals.items()
                   if self._fields[name].convert_to_write(self[name], self) != value}
        if changed:
            self._pbx_set(changed)

    def _pbx_load(self):
        """The call and its legs read in one statement into the cache (``leg_ids`` too);
        answers the call."""
        self.ensure_one()
        Leg = self.env["pbx.call.leg"]
        self.flush_model()
        Leg.flush_model()
        call_columns, leg_columns = column_names(self), column_names(Leg)
        self.env.cr.execute(SQL(
            "SELECT %s, %s FROM pbx_call call LEFT JOIN pbx_call_leg leg ON leg.call_id = call.id"
            " WHERE call.id = %s ORDER BY leg.id",
            SQL(", ").join(SQL.identifier("call", name) for name in ["id", *call_columns]),
            SQL(", ").join(SQL.identifier("leg", name) for name in ["id", *leg_columns]),
            self.id))
        rows = self.env.cr.fetchall()
        width = len(call_columns) + 1
        call = cached(self, call_columns, rows[:1])
        legs = cached(Leg, leg_columns, [row[width:] for row in rows if row[width]])
        self._fields["leg_ids"]._update_cache(call, legs._ids)
        return call

    def _pbx_legs(self):
        """The call's legs with their fields in one statement, kept as its ``leg_ids``;
        those in the cache when a leg's event just read them (``pbx.call.leg._pbx_merge``)."""
        if self.id in self._fields["leg_ids"]._get_cache(self.env):
            return self.leg_ids
        Leg = self.env["pbx.call.leg"]
        legs = Leg.search_fetch([("call_id", "=", self.id)],
                                [name for name, field in Leg._fields.items()
                                 if field.store and field.column_type])
        self._fields["leg_ids"]._update_cache(self, legs._ids)
        return legs

    def _pbx_values_from_legs(self, legs):
        first = legs[:1]
        vals = {"summary_received": False, "pbx_direction": 0, "disconnect_reason": 0,
                "direction": self._pbx_leg_direction(first) if first else False,
                "start_date": first.appeared_date or False, "answer_date": False,
                "end_date": False, "state": "ringing"}
        for name in ("from_number", "to_number", "line_number"):
            vals[name] = next((leg[name] for leg in legs if leg[name]), False)
        answered = legs.filtered("connected_date").sorted("connected_date")
        if answered:
            vals["answer_date"] = answered[0].connected_date
        live = legs.filtered(lambda leg: leg.state != LegState.ENDED)
        ended = legs - live
        last = ended.sorted(lambda leg: (leg.disconnected_date or datetime.min, leg.leg_ref))[-1:]
        # A voice menu or queue leg that ends normally hands the caller on to a new leg.
        if legs and not live and not last.handed_on:
            vals.update(end_date=last.disconnected_date, disconnect_reason=last.disconnect_reason,
                        state="ended")
        elif live.filtered(lambda leg: leg.state in LegState.LIVE):
            vals["state"] = "talking"
        return vals

    @staticmethod
    def _pbx_leg_direction(leg):
        if not leg.from_extension:
            return "incoming"
        return "internal" if leg.to_extension else "outgoing"

    def _pbx_values_from_summary(self, summary, from_legs):
        direction, answered = summary["direction"], summary["answered"]
        vals = {
            "summary_received": True, "direction": direction,
            "pbx_direction": summary["pbx_direction"],
            "state": "answered" if answered else "missed",
            "start_date": to_datetime(summary["start_time"]) or from_legs["start_date"],
            "answer_date": to_datetime(summary["answer_time"]) if answered else False,
            "end_date": to_datetime(summary["end_time"]) or from_legs["end_date"],
            "disconnect_reason": summary["reason"],
        }
        for name in ("from_number", "to_number", "line_number"):
            vals[name] = summary[name] or from_legs[name]
        if direction == "incoming" and summary["line_number"] and not summary["to_number"]:
            vals["to_number"] = summary["line_number"]
        return vals

    @staticmethod
    def _pbx_employee_extension(legs):
        """Who answered; for a call nobody answered, the last employee whose phone rang."""
        with_extension = legs.filtered("extension")
        answered = with_extension.filtered("connected_date").sorted(
            lambda leg: (leg.connected_date, leg.leg_ref))
        return (answered[:1] or with_extension[-1:]).extension or ""

    @staticmethod
    def _pbx_summary_extension(summary, direction):
        if not summary:
            return ""
        return summary["from_extension"] if direction == "outgoing" else summary["to_extension"]

    def _pbx_waiting_for_employee(self):
        """Whether the caller still waits for an employee: nobody answered, not ended."""
        self.ensure_one()
        return self.state == "ringing" and not self.summary_received \
            and not self.leg_ids.filtered("connected_date")


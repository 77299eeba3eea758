import re
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..pbx.numbers import as_written, classify, display

SIP_USER = re.compile(r"^(?:sips?:)?([^@;]*)", re.IGNORECASE)  # sip:102@… -> 102

# What salespeople group, filter and sum calls by; administrators also get the technical
# fields of the call form's Technical tab. The rest (flags, queue dates, command ids,
# Mango's raw json, the log columns) is the machinery's own and offered to nobody.
OFFERED = frozenset({
    "direction", "state", "number_display", "user_id", "partner_id", "lead_id", "line_id",
    "start_date", "answer_date", "end_date", "talk_minutes", "recording_ids", "dct_type",
    "dct_number", "dct_utm_source", "company_id"})
TECHNICAL = frozenset({
    "entry_ref", "extension", "from_number", "to_number", "line_number", "external_e164",
    "disconnect_reason", "pbx_direction", "summary_received", "route_status",
    "route_user_id", "route_code", "dct_state"})


def offer_only(model, described, offered):
    """Mark the fields of ``described`` (what ``fields_get`` answers) that are not in
    ``offered`` as neither groupable, searchable in the custom filter, nor a measure.

    Only the fields of this addon and the log columns: those of the mixins (activities,
    messages) stay as Odoo offers them.
    """
    for name, description in described.items():
        field = model._fields[name]
        if name in offered or (field._module != "mango_office"
                               and name not in models.LOG_ACCESS_COLUMNS):
            continue
        for attribute in ("groupable", "searchable"):
            if attribute in description:
                description[attribute] = False
        description.pop("aggregator", None)
    return described


class PbxCall(models.Model):
    """The call as people read it: its line by name, the customer's company, the
    parties of its legs by name (``_pbx_party``), and only meaningful fields offered
    to group and filter by."""
    _inherit = "pbx.call"

    line_id = fields.Many2one(
        "pbx.line", string="PBX Line", compute="_compute_line_id", store=True,
        index="btree_not_null", ondelete="set null",
        help="The company's number the call came in on or went out from, with its name in "
             "the PBX.")
    line_display = fields.Char(string="Line Name and Number", compute="_compute_line_display",
                               help="The line's name in the PBX and its number.")
    number_display = fields.Char(search="_search_number_display")
    partner_company_id = fields.Many2one("res.partner", string="Customer's Company",
                                         compute="_compute_partner_company_id")
    dct_number_display = fields.Char(string="Tracking Number",
                                     compute="_compute_dct_number_display")

    @api.depends("line_number", "company_id")
    def _compute_line_id(self):
        numbers = [number for number in set(self.mapped("line_number")) if number]
        lines = self.env["pbx.line"].with_context(active_test=False).search_fetch(
            [("company_id", "in", self.company_id.ids), ("number", "in", numbers)],
            ["company_id", "number"], order="active, id") if numbers else ()
        # the active line, the newest of them, comes last and wins
        by_number = {(line.company_id.id, line.number): line.id for line in lines}
        for call in self:
            call.line_id = by_number.get((call.company_id.id, call.line_number), False)

    @api.depends("line_id", "line_number")
    def _compute_line_display(self):
        for call in self:
            call.line_display = call.line_id.display_name or as_written(
                call.line_number, call.company_id._mango_profile().country)

    def _search_number_display(self, operator, value):
        """A number as people type it (``8 916 123-45-67``), or some of its digits."""
        if operator != "ilike" or not isinstance(value, str):
            return NotImplemented
        number = classify(value, self.env.company._mango_profile().country, typed=True)
        if number.e164:
            return Domain("external_e164", "=", number.e164)
        digits = re.sub(r"\D", "", value) or value
        return Domain("from_number", "ilike", digits) | Domain("to_number", "ilike", digits)

    @api.depends("partner_id.commercial_partner_id")
    def _compute_partner_company_id(self):
        for call in self:
            company = call.partner_id.commercial_partner_id
            call.partner_company_id = company if company != call.partner_id else False

    @api.depends("dct_number")
    def _compute_dct_number_display(self):
        for call in self:
            call.dct_number_display = call.dct_number and as_written(
                call.dct_number, call.company_id._mango_profile().country)

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        admin = self.env.user.has_group("base.group_system")
        offered = (OFFERED | TECHNICAL) if admin else OFFERED
        return offer_only(self, super().fields_get(allfields, attributes), offered)

    def _pbx_derived(self, vals):
        derived = super()._pbx_derived(vals)
        if "line_number" in vals:  # as _compute_line_id finds it
            derived["line_id"] = SQL(
                """(SELECT id FROM pbx_line WHERE company_id = pbx_call.company_id AND number = %s
                     ORDER BY active IS TRUE DESC, id DESC LIMIT 1)""", vals["line_number"] or None)
        return derived

    def _pbx_written(self, vals):
        super()._pbx_written(vals)
        if vals.get("line_number") and not self.line_id:
            self.env["pbx.line"]._pbx_learn()

    @api.model
    def _pbx_link_lines(self, company):
        """Link the company's calls on lines that were not known to their line."""
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL(
                    """UPDATE pbx_call call SET line_id = line.id
                         FROM (SELECT DISTINCT ON (number) id, number FROM pbx_line
                                WHERE company_id = %(company)s
                                ORDER BY number, active DESC, id DESC) line
                        WHERE call.company_id = %(company)s AND call.line_id IS NULL
                          AND call.line_number = line.number""", company=company.id),
                    log_exceptions=False)
        except psycopg2.errors.SerializationFailure:
            # calls being applied right now: their lines are linked on the next run
            self.env.ref("mango_office.ir_cron_mango_refresh_lines")._trigger(
                fields.Datetime.now() + timedelta(minutes=1))
        self.invalidate_model(["line_id"])

    def _pbx_party(self, number, extension=""):
        """Who Mango names in this call, as people say it: the employee of an extension or
        a SIP address (else the extension), a phone number as written."""
        self.ensure_one()
        parsed = classify(number or "", self.company_id._mango_profile().country)
        if not extension and parsed.kind in ("sip", "extension"):
            extension = SIP_USER.match(parsed.raw).group(1)
        if extension:
            user = self.env["pbx.extension"]._pbx_user(self.company_id, extension)
            return user.name or extension
        return display(parsed.e164) or parsed.raw

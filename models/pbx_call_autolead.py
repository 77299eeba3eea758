from odoo import fields, models
from odoo.tools import SQL

# The company setting (``mango_autolead``): which outcomes of an unknown caller's call
# create their lead or opportunity.
OUTCOMES = {"answered": ("answered",), "missed": ("missed",), "both": ("answered", "missed")}


class PbxCallAutolead(models.Model):
    """Unknown callers, automatically: where the company wants it, an incoming call from a
    number with no contact and no open lead or opportunity creates one when its summary
    is applied, for the employee who answered, else for the sales team of the line.

    Once per call, and once per number: decisions for one number are serialised on its
    row of ``pbx.autolead.number``. A transaction that had to wait for another one, or
    whose snapshot is older than another one's decision, fails to serialise and is tried
    again on a snapshot that sees the lead the other one created; it links its call to it
    (so does a call of the number that does not create leads, ended meanwhile).
    """
    _inherit = "pbx.call"

    lead_created = fields.Boolean(
        string="Lead Created by the Call", readonly=True, copy=False,
        help="The caller was unknown: this call created its lead or opportunity by itself.")

    def _pbx_autolead(self):
        """Create the lead or opportunity of an unknown caller, if the company wants it."""
        self.ensure_one()
        outcomes = OUTCOMES.get(self.company_id.mango_autolead)
        if not outcomes or self.direction != "incoming" or not self.external_e164 \
                or self.partner_id or self.lead_id or self.lead_created:
            return
        self.env["pbx.autolead.number"]._pbx_lock(self.company_id, self.external_e164)
        partner, lead, *_ = self._pbx_match(self.company_id, self.external_e164)
        if partner or lead:  # found since the call rang: by a transaction committed meanwhile
            self.write({"partner_id": partner.id, "lead_id": lead.id})
            return
        if self.state not in outcomes:
            return
        user = self.user_id if self.state == "answered" else self.env["res.users"]
        kind = self._pbx_lead_type(user)
        vals = {**self._pbx_lead_values(user, kind), "company_id": self.company_id.id}
        if not user:  # else CRM puts it in the employee's team
            vals["team_id"] = self._pbx_line_team(kind).id
        lead = self.env["crm.lead"].with_context(
            mango_autolead=True, mail_create_nolog=True, mail_create_nosubscribe=True,
            mail_auto_subscribe_no_notify=True).create(vals)
        self.write({"lead_id": lead.id, "lead_created": True})
        self._pbx_link_earlier_calls(lead)

    def _pbx_line_team(self, kind):
        """The sales team of the call's line, else the company's first one for ``kind``."""
        return self.line_id.team_id or self.env["crm.team"].search([
            ("company_id", "in", [self.company_id.id, False]),
            ("use_leads" if kind == "lead" else "use_opportunities", "=", True)], limit=1)

    def _pbx_link_earlier_calls(self, lead):
        """The earlier ended calls of the number, unlinked, follow the new lead.

        Calls still going on decide when they end; those that other transactions are
        applying now are left to them: waiting for them could deadlock with one that
        waits for this number.
        """
        self.env.cr.execute(SQL(
            """SELECT id FROM pbx_call
                WHERE company_id = %s AND external_e164 = %s AND lead_id IS NULL AND id != %s
                  AND summary_received
                  FOR UPDATE SKIP LOCKED""", self.company_id.id, self.external_e164, self.id),
            log_exceptions=False)  # a call changed meanwhile fails to serialise: tried again
        self.browse(row[0] for row in self.env.cr.fetchall()).write({"lead_id": lead.id})

    def _pbx_fetch_visitor(self):
        """The visitor behind the call, when it comes after the lead was created, gives
        the lead its UTM."""
        super()._pbx_fetch_visitor()
        lead = self.lead_id if self.lead_created and self.dct_state == "done" else None
        if lead:
            phone = self.env.ref("utm.utm_medium_phone")
            lead.write({name: value for name, value in self._pbx_utm_values().items()
                        if not lead[name] or lead[name] == phone})


class PbxAutoleadNumber(models.Model):
    """A number an unknown caller's lead was decided for: concurrent decisions for one
    number serialise on its row (``_pbx_lock``)."""
    _name = "pbx.autolead.number"
    _description = "Unknown Caller's Number"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    number = fields.Char(required=True, help="E.164")

    _number_unique = models.Constraint("UNIQUE(company_id, number)",
                                       "A number is kept once per company.")

    def _pbx_lock(self, company, number):
        """Lock the number's row for this transaction, creating it if new.

        The upsert always changes the row: a transaction that waited for it, or whose
        snapshot misses the holder's commit, fails to serialise and is tried again.
        """
        self.env.cr.execute(SQL(
            """INSERT INTO pbx_autolead_number (company_id, number) VALUES (%s, %s)
               ON CONFLICT (company_id, number) DO UPDATE SET number = EXCLUDED.number""",
            company.id, number), log_exceptions=False)  # serialization failures are retried

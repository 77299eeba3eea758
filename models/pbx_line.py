import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..pbx.numbers import as_written
from ..pbx.client import PbxError

_logger = logging.getLogger(__name__)

LEARN_EVERY = timedelta(minutes=15)  # a call on a line not known asks Mango at most that often


class PbxLine(models.Model):
    """A line (number) of the company's PBX, as Mango lists it (``incominglines``).

    Lines are read from Mango when the group call opens and by a cron: daily, and soon
    after a call came in on a line not known (never inside the webhook). Calls show
    their line by its name, else by its number.
    """
    _name = "pbx.line"
    _inherit = ["pbx.listed"]
    _description = "PBX Line"
    _order = "id"  # as Mango lists them

    number = fields.Char(required=True)
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", domain="[('company_id', 'in', [company_id, False])]",
        help="Where a lead or opportunity an unknown caller's call on this line created by "
             "itself goes when no employee answered.")

    _mango_id_unique = models.Constraint("UNIQUE(company_id, pbx_ref)",
                                         "A PBX line is listed once per company.")

    @api.depends("name", "number", "company_id")
    def _compute_display_name(self):
        for line in self:
            number = as_written(line.number, line.company_id._mango_profile().country)
            named = line.name and line.name != line.number
            line.display_name = f"{line.name} · {number}" if named else number

    @api.model
    def action_mango_sync(self):
        """Read the company's lines from Mango again (their sales teams are kept)."""
        company = self.env.company
        try:
            self._pbx_sync(company, company._pbx_client().lines())
        except PbxError as error:
            raise UserError(self.env._("The lines could not be read from the PBX: %(reason)s",
                                       reason=company._pbx_error_message(error))) from None
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _pbx_values(self, line):
        return {"pbx_ref": line.ref, "number": line.number[:128], "name": line.name[:256]}

    @api.model
    def _pbx_sync(self, company, rows):
        lines = super()._pbx_sync(company, rows)
        self.env["pbx.call"]._pbx_link_lines(company)
        return lines

    @api.model
    def _pbx_learn(self):
        """A call came in on a line not known: the cron reads the lines soon, unless it
        did a moment ago (then Mango does not list that line)."""
        cron = self.env.ref("mango_office.ir_cron_mango_refresh_lines").sudo()
        if not cron.lastcall or cron.lastcall < fields.Datetime.now() - LEARN_EVERY:
            cron._trigger()

    @api.model
    def _cron_refresh(self):
        """Read the lines of every connected PBX from Mango, committed a company at a time."""
        Cron = self.env["ir.cron"]
        companies = self.env["res.company"].sudo().search([("mango_api_key", "!=", False)])
        Cron._commit_progress(remaining=len(companies))
        for company in companies:
            try:
                rows = company._pbx_client().lines()
            except PbxError as error:
                _logger.warning("The PBX lines of %s could not be read from Mango: %s",
                                company.name, error)
            else:
                self.sudo()._pbx_sync(company, rows)
            Cron._commit_progress(1)

import logging
import time

from odoo import api, fields, models
from odoo.tools import SQL

from ..mango import MangoError

_logger = logging.getLogger(__name__)

MARKER = "Odoo CRM"  # the comment of the rules Odoo keeps; the others are left alone
MAX_CHANGES = 300  # per company and call of the cron: the rest follows at the next call
PAUSE = 0.15  # seconds between changes: Mango allows 10 requests a second per PBX (§6)


class MangoForwarding(models.AbstractModel):
    """Routing that works while Odoo is down (optional per company): one Mango forwarding
    rule per customer number to the Mango user of their salesperson (§3.12), kept in step
    by a cron woken when a salesperson or a number changes. Only the rules Odoo made
    (comment ``Odoo CRM``) are changed or removed."""
    _name = "mango.forwarding"
    _description = "Mango Forwarding Rules"

    @api.model
    def _cron_sync(self):
        """Each company's rules, committed a company at a time; a company that made
        ``MAX_CHANGES`` changes may have more to make: the cron calls this again at once."""
        Cron = self.env["ir.cron"]
        unfinished = 0
        for company in self.env["res.company"].sudo().search([("mango_forwarding", "=", True)]):
            unfinished += self._mango_sync(company) == MAX_CHANGES
            Cron._commit_progress(1)
        Cron._commit_progress(remaining=unfinished)

    @api.model
    def _mango_trigger(self):
        if self.env["res.company"].sudo().search_count([("mango_forwarding", "=", True)],
                                                       limit=1):
            self.env.ref("mango_office.ir_cron_mango_forwarding")._trigger()

    @api.model
    def _mango_desired(self, company):
        """{number digits: Mango user id} of the customers whose salesperson has one."""
        params = {"company": company.id}
        self.env.cr.execute(SQL(
            """SELECT number, pbx_user_ref FROM (
                   SELECT partner.phone_sanitized AS number, ext.pbx_user_ref, 0 AS priority,
                          partner.write_date, partner.id
                     FROM res_partner partner
                     JOIN res_partner commercial
                       ON commercial.id = COALESCE(partner.commercial_partner_id, partner.id)
                     JOIN pbx_extension ext
                       ON ext.company_id = %(company)s
                      AND ext.user_id = COALESCE(partner.user_id, commercial.user_id)
                    WHERE partner.active AND partner.phone_sanitized IS NOT NULL
                      AND (partner.company_id = %(company)s OR partner.company_id IS NULL)
                      AND ext.pbx_user_ref IS NOT NULL
                   UNION ALL
                   SELECT lead.phone_sanitized, ext.pbx_user_ref, 1, lead.write_date, lead.id
                     FROM crm_lead lead
                     JOIN pbx_extension ext
                       ON ext.company_id = %(company)s AND ext.user_id = lead.user_id
                    WHERE lead.active AND lead.won_status = 'pending'
                      AND lead.phone_sanitized IS NOT NULL
                      AND (lead.company_id = %(company)s OR lead.company_id IS NULL)
                      AND ext.pbx_user_ref IS NOT NULL) wanted
               ORDER BY priority, write_date, id""", **params))
        # later rows win: an open lead's salesperson over the contact's, the newest lead last
        return {number.lstrip("+"): str(user) for number, user in self.env.cr.fetchall()}

    @api.model
    def _mango_sync(self, company):
        """Add, change and remove Odoo's rules so that Mango's match the CRM; answers the
        number of changes made."""
        client = company.sudo()._mango_client()
        changes, error = 0, False
        try:
            rules = client.forwarding_rules()
            desired = self._mango_desired(company)
            ours = {rule["client_phone_number"]: rule for rule in rules
                    if rule.get("comment") == MARKER}
            others = {rule["client_phone_number"] for rule in rules} - set(ours)
            todo = []
            for number, user in desired.items():
                rule = ours.get(number)
                if number in others:
                    continue  # a rule made in Mango by hand wins
                if not rule:
                    todo.append((client.forwarding_add, number, user, MARKER))
                elif str((rule.get("forward_to_user") or {}).get("forward_user_id")) != user:
                    todo.append((client.forwarding_change, rule["forward_id"], user))
            todo += [(client.forwarding_remove, rule["forward_id"])
                     for number, rule in ours.items() if number not in desired]
            for operation, *args in todo[:MAX_CHANGES]:
                operation(*args)
                changes += 1
                time.sleep(PAUSE)
        except MangoError as failure:
            error = company._pbx_error_message(failure)
            _logger.warning("Forwarding rules of %s: %s", company.name, failure)
        company.sudo().write({"mango_forwarding_date": fields.Datetime.now(),
                              "mango_forwarding_error": error})
        return changes

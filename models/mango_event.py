import hashlib
import logging

from psycopg2.errors import UniqueViolation

from odoo import fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class MangoEvent(models.Model):
    """The journal of authenticated Mango notifications, exactly as received.

    Each distinct notification is kept once: a replay (same path and same signed
    body) finds its journal row and changes nothing.
    """
    _name = "mango.event"
    _description = "Mango Notification"
    _order = "id desc"
    _rec_name = "path"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    path = fields.Char(required=True, readonly=True)
    payload = fields.Text(string="JSON", required=True, readonly=True)
    digest = fields.Char(required=True, readonly=True)
    entry_id = fields.Char(string="Entry ID", index="btree_not_null", readonly=True)
    call_id = fields.Many2one("mango.call", string="Call", index="btree_not_null",
                              ondelete="set null", readonly=True)
    state = fields.Selection(
        [("received", "Received"), ("processed", "Processed"), ("ignored", "Kept only")],
        default="received", required=True, readonly=True)

    _digest_unique = models.Constraint(
        "UNIQUE(company_id, digest)", "This notification is already in the journal.")

    def _receive(self, company, path, raw_json, notification):
        """Journal one authenticated notification and apply it; a replay changes nothing.

        Answers the journal row, or an empty recordset for a replay.
        """
        event = self._journal(company, path, raw_json, getattr(notification, "entry_id", ""))
        if not event:
            _logger.info("Mango notification %s replayed: already in the journal", path)
            return event
        call = self.env["mango.call"].with_company(company)._mango_apply(company, notification)
        event.write({"call_id": call.id, "state": "processed" if call else "ignored"})
        return event

    def _journal(self, company, path, raw_json, entry_id):
        digest = hashlib.sha256(f"{path}\n{raw_json}".encode()).hexdigest()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL(
                    """INSERT INTO mango_event (company_id, path, payload, digest, entry_id, state,
                                                create_uid, write_uid, create_date, write_date)
                       VALUES (%s, %s, %s, %s, %s, 'received', %s, %s, now() at time zone 'utc',
                               now() at time zone 'utc')
                       RETURNING id""",
                    company.id, path, raw_json, digest, entry_id or None, self.env.uid,
                    self.env.uid), log_exceptions=False)
                event_id = self.env.cr.fetchone()[0]
        except UniqueViolation:
            return self.browse()
        return self.browse(event_id)


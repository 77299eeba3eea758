import hashlib
import json
import logging
import random
import time
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError
from odoo.tools import SQL

from .pbx_call_display import offer_only

_logger = logging.getLogger(__name__)

MAX_TRIES = 10  # transactions tried when concurrent notifications of a call collide
MAX_PAUSE = 0.5  # seconds, at most, between two of them
STALE_AFTER = timedelta(minutes=1)  # a received row still unprocessed then lost its worker
PENDING_BATCH = 100  # rows applied per call of the cron
# what administrators group and filter the journal by (not the digest, not the log columns)
OFFERED = frozenset({"company_id", "path", "entry_ref", "call_id", "state", "error", "payload",
                     "create_date"})
CONCURRENT = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected,
              pg_errors.LockNotAvailable, ConcurrencyError)


class PbxEvent(models.Model):
    """The journal of authenticated PBX notifications, exactly as received.

    A row is committed before its notification is applied, so that nothing the PBX sent
    is ever lost: a notification that cannot be applied stays here as an Error, with the
    reason, until an administrator reprocesses it. A replay (same path and same signed
    body) finds its row and changes nothing.
    """
    _name = "pbx.event"
    _description = "PBX Notification"
    _order = "id desc"
    _rec_name = "path"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    path = fields.Char(required=True, readonly=True)
    payload = fields.Text(string="JSON", required=True, readonly=True)
    payload_pretty = fields.Text(string="Notification", compute="_compute_payload_pretty")
    digest = fields.Char(required=True, readonly=True)
    entry_ref = fields.Char(string="Entry ID", index="btree_not_null", readonly=True)
    call_id = fields.Many2one("pbx.call", string="Call", index="btree_not_null",
                              ondelete="set null", readonly=True)
    state = fields.Selection(
        [("received", "Received"), ("processed", "Processed"),
         ("waiting", "Waiting for the call"), ("ignored", "Kept only"), ("error", "Error")],
        default="received", required=True, readonly=True, index=True)
    error = fields.Text(readonly=True)

    _digest_unique = models.Constraint(
        "UNIQUE(company_id, digest)", "This notification is already in the journal.")

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        return offer_only(self, super().fields_get(allfields, attributes), OFFERED)

    def _compute_payload_pretty(self):
        for event in self:
            try:
                event.payload_pretty = json.dumps(json.loads(event.payload), indent=2,
                                                  ensure_ascii=False)
            except ValueError:
                event.payload_pretty = event.payload

    # -- receiving ---------------------------------------------------------------------

    @api.model
    def _receive(self, company, path, raw_json, notification=None, error=None):
        """Journal one authenticated notification, commit, then apply it.

        ``notification`` is the neutral event (``pbx.events``) the PBX's package made of
        it, parsed here with the company's provider when not given; or None with the
        package's ``error`` for values that cannot be applied (its ``entry_ref`` when it
        could be read): then it is journaled as an Error.

        Answers ``(journal row, work)``: the row is empty for a replay; ``work`` is what to
        do once the PBX has its answer (callables of no argument), for the webhook to run
        after answering.
        """
        if notification is None and error is None:
            try:
                notification = company._pbx_provider().parse(path, raw_json)
            except ValueError as invalid:
                error = invalid
        entry_ref = getattr(error if error else notification, "entry_ref", "")
        turn = not error and self._turn(company, entry_ref)
        event, has_turn = self._journal_row(company, path, raw_json, entry_ref, error, turn)
        if not event:
            _logger.info("PBX notification %s replayed: already in the journal", path)
            return event, []
        self.env.cr.commit()  # from here on, the notification cannot be lost
        if error:
            _logger.warning("PBX notification %s (journal #%s) cannot be applied: %s",
                            path, event.id, error)
            return event, []
        return event, event._process(notification, company, has_turn)

    def _journal(self, company, path, raw_json, entry_ref, error=None):
        """The journal row of this notification, inserted; empty for a replay."""
        return self._journal_row(company, path, raw_json, entry_ref, error)[0]

    def _journal_row(self, company, path, raw_json, entry_ref, error=None, turn=None):
        """``_journal``, and the call's turn (``turn``, from ``_turn``) tried in the same
        statement: answers (row, whether the turn was taken). A replay takes no turn."""
        digest = hashlib.sha256(f"{path}\n{raw_json}".encode()).hexdigest()
        self.env.cr.execute(SQL(
            """INSERT INTO pbx_event (company_id, path, payload, digest, entry_ref, state, error,
                                        create_uid, write_uid, create_date, write_date)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, now() at time zone 'utc',
                       now() at time zone 'utc')
               ON CONFLICT (company_id, digest) DO NOTHING
               RETURNING id, %s""",
            company.id, path, raw_json, digest, entry_ref or None,
            "error" if error else "received", error and str(error).replace("\x00", ""),
            self.env.uid, self.env.uid,
            SQL("pg_try_advisory_lock(%s)", turn) if turn else False),
            log_exceptions=False)  # a concurrent copy fails to serialise: the request is retried
        row = self.env.cr.fetchone()
        return (self.browse(row[0]), row[1]) if row else (self.browse(), False)

    @api.model
    def _turn(self, company, entry_ref):
        """The key of the session lock the notifications of one call take turns on (SQL),
        None without a call."""
        return entry_ref and SQL("hashtextextended(%s, 0)",
                                 f"pbx.call:{company.id}:{entry_ref}") or None

    # -- applying ------------------------------------------------------------------------

    def _process(self, notification=None, company=None, has_turn=False):
        """Apply each row in its own transaction, committed; never raises. Answers the
        work to do once the PBX has its answer: the caller does it (``_run``).

        Notifications of one call are applied one at a time (``_try``). A row left
        waiting for its call is applied by the notification that creates the call, after
        its commit: the creator's snapshot then sees every waiting row committed before it
        took the call's turn, and a row applied after the creator sees the call.
        ``company`` (the row's, known to the webhook) spares reading the row again;
        ``has_turn``: the webhook took the call's turn with the journal row.
        """
        work = []
        for event in self:
            owner = company or event.company_id
            state, call, work_after, waiting = event._try(notification, owner, has_turn)
            work += work_after
            for pending in self.browse(waiting):
                work += pending._try(None, owner)[2]
        return work

    def _try(self, notification, company, has_turn=False):
        """Apply this row; commit; answer (state, call, the work to do after the PBX's
        answer, the rows that waited for the call when this one created it).

        The notifications of one call take turns, on a session lock of its entry taken
        before the transaction that applies (with the journal row, or in a transaction of
        its own) and released after its commit: that transaction takes its snapshot once
        the previous turn has committed, and never fails to serialise for having waited.
        (With the call's row lock alone, each turn of a burst failed all the waiting ones,
        and the last ran out of tries.) Called with no transaction of the caller's in
        progress.
        """
        self.ensure_one()
        cr = self.env.cr
        entry_ref = getattr(notification, "entry_ref", None) if notification else self.entry_ref
        turn = self._turn(company, entry_ref)
        if turn and not has_turn:
            cr.execute(SQL("SELECT pg_advisory_lock(%s)", turn))
            cr.commit()
        created = False
        try:
            state, call, created, work = self._try_applying(notification, company)
        finally:
            if turn:  # no commit needed: a session lock is released at once
                cr.execute(SQL(
                    """SELECT pg_advisory_unlock(%s), ARRAY(
                           SELECT id FROM pbx_event WHERE %s AND company_id = %s
                                                      AND entry_ref = %s AND state = 'waiting'
                            ORDER BY id)""", turn, created, company.id, entry_ref))
        return state, call, work, cr.fetchone()[1] if turn else []

    def _try_applying(self, notification, company):
        """``_try``'s transaction, tried again on a fresh snapshot when it fails to
        serialise with a concurrent one of another kind (a route, a cron)."""
        cr = self.env.cr
        for attempt in range(1, MAX_TRIES + 1):
            try:
                if notification is None:
                    notification = company._pbx_provider().parse(self.path, self.payload)
                # no savepoint: the row is committed, a failure rolls back the rest
                call, state, created, work = self.env["pbx.call"].with_company(
                    company)._pbx_apply(company, notification)
                self.env.flush_all()
                self._set_state(state, call)
                cr.commit()
                return state, call, created, list(work)
            except CONCURRENT as error:
                cr.rollback()
                if attempt == MAX_TRIES:
                    failure = self.env._("Concurrent notifications kept this one from being "
                                         "applied; reprocess it. (%(error)s)", error=str(error))
                    break
                time.sleep(random.uniform(0.01, min(0.05 * 2 ** attempt, MAX_PAUSE)))
            except Exception as error:  # noqa: BLE001 - journaled as an error, never lost
                failure = f"{error.__class__.__name__}: {error}"
                _logger.warning("PBX notification #%s could not be applied: %s", self.id,
                                failure)
                break
        cr.rollback()
        self._set_state("error", error=failure)
        cr.commit()
        return "error", self.env["pbx.call"], False, []

    def _set_state(self, state, call=None, error=False):
        self.env.cr.execute(SQL(
            """UPDATE pbx_event SET state = %s, call_id = COALESCE(%s, call_id), error = %s,
                                      write_date = now() at time zone 'utc'
                WHERE id = %s""", state, call.id if call else None,
            error and error.replace("\x00", "") or None, self.id))
        self.invalidate_recordset(["state", "call_id", "error"])

    # -- administrators --------------------------------------------------------------------

    def action_reprocess(self):
        """Apply these notifications again, oldest first, after a fix."""
        for event in self.sudo().sorted("id"):
            self._run(event._process())
        states = dict(self._fields["state"]._description_selection(self.env))
        counts = {}
        for event in self:
            counts[states[event.state]] = counts.get(states[event.state], 0) + 1
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {
                "title": self.env._("Notifications reprocessed"),
                "message": ", ".join(f"{label}: {count}" for label, count in counts.items()),
                "type": "danger" if "error" in self.mapped("state") else "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _cron_process_pending(self):
        """Rows whose worker died before applying them, and rows whose call came since: a
        batch per call, each row applied in a transaction of its own (``_process``); the
        cron calls it again while some are left."""
        pending = SQL(
            """(event.state = 'received' AND event.create_date < %s)
               OR (event.state = 'waiting' AND EXISTS (
                    SELECT 1 FROM pbx_call call WHERE call.company_id = event.company_id
                                                    AND call.entry_ref = event.entry_ref))""",
            fields.Datetime.now() - STALE_AFTER)
        self.env.cr.execute(SQL("SELECT event.id FROM pbx_event event WHERE %s "
                                "ORDER BY event.id LIMIT %s", pending, PENDING_BATCH))
        found = self.browse(row[0] for row in self.env.cr.fetchall())
        events = found.try_lock_for_update()  # those a worker is applying now: the next run
        self._run(events._process())
        remaining = 0
        if len(found) == PENDING_BATCH:
            self.env.cr.execute(SQL("SELECT count(*) FROM pbx_event event WHERE %s", pending))
            remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._commit_progress(len(events), remaining=remaining)

    @api.model
    def _run(self, work):
        """Do now the work ``_process`` left for after the PBX's answer: nobody waits for
        an answer here (a cron, a reprocessing)."""
        for func in work:
            func()

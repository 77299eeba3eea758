import json
import logging
import time
from datetime import datetime, timedelta

from odoo import api, fields, models

from ..mango import MangoError

_logger = logging.getLogger(__name__)

POLL_SECONDS = 5.0  # Mango: stats/result no more often than once per 5 s (reference §3.9)
POLLS = 12
MAX_WINDOW = timedelta(days=30) - timedelta(seconds=1)  # "at most one month"; 30 days fails
SETTLE = timedelta(minutes=2)  # calls still going on are left to the next run
QUIET_AFTER = timedelta(days=1)  # older calls are recovered without notifying anyone


class MangoReconciliation(models.AbstractModel):
    """Nothing lost while Odoo is down: Mango never posts a notification twice, so its
    statistics (``stats/request`` + ``stats/result``) are compared with the call log and
    what is missing is journaled and applied like a live notification, exactly once
    (the journal's digest and the call's entry id make a second run change nothing)."""
    _name = "mango.reconciliation"
    _description = "Mango Reconciliation"

    @api.model
    def _cron_reconcile(self):
        """Each company's PBX, from where the last complete run ended until now."""
        now = fields.Datetime.now()
        for company in self.env["res.company"].sudo().search([("mango_api_key", "!=", False)]):
            start = company.mango_reconciled_until or now - timedelta(days=1)
            try:
                self._mango_reconcile(company, start, now - SETTLE)
            except MangoError as error:
                _logger.warning("Reconciliation of %s failed: %s", company.name, error)

    @api.model
    def _mango_reconcile(self, company, date_from, date_to):
        """Recover the calls of the period Mango knows and Odoo lacks; answers how many."""
        client = company.sudo()._mango_client(timeout=30)
        recovered, start = 0, date_from
        while start < date_to:
            end = min(date_to, start + MAX_WINDOW)
            key = client.stats_request(_epoch(start), _epoch(end))
            rows = None
            for _poll in range(POLLS):
                time.sleep(POLL_SECONDS)
                rows = client.stats_result(key)
                if rows is not None:
                    break
            if rows is None:
                raise MangoError("Mango's statistics were not ready in time")
            for row in rows:
                recovered += self._mango_recover(company, row)
            start = end
            company.sudo().write({"mango_reconciled_until": end})
        company.sudo().write({"mango_reconciliation_date": fields.Datetime.now(),
                              "mango_reconciliation_recovered": recovered})
        self.env.cr.commit()
        return recovered

    @api.model
    def _mango_recover(self, company, row):
        """Journal and apply what the call log lacks of one call; answers 1 if it did."""
        Event = self.env["mango.event"].sudo().with_context(
            lang=company.partner_id.lang,
            mango_quiet=_to_int(row["start"]) < _epoch(fields.Datetime.now() - QUIET_AFTER))
        entry = row["entry_id"]
        call = self.env["mango.call"].sudo().search([("company_id", "=", company.id),
                                                     ("entry_id", "=", entry)])
        known = set(call.recording_ids.mapped("recording_id"))
        notifications = []
        if not call.summary_received:
            notifications.append(("reconciliation/summary", _summary(row)))
        notifications += [("reconciliation/record", {"entry_id": entry, "recording_id": rec,
                                                     "timestamp": _to_int(row["finish"])})
                          for rec in row["records"] if rec not in known]
        done = 0
        for path, payload in notifications:
            raw = json.dumps(payload, ensure_ascii=False, sort_keys=True)
            event = Event._journal(company, path, raw, entry)
            if event:
                self.env.cr.commit()
                event._process()
                done = 1
        return done


def _epoch(moment):
    return int((moment - datetime(1970, 1, 1)).total_seconds())


def _to_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _summary(row):
    """A statistics row in the shape of Mango's ``events/summary``."""
    if row["from_extension"] and row["to_extension"]:
        direction = 0
    elif row["from_extension"]:
        direction = 2
    else:
        direction = 1
    answer = _to_int(row["answer"])
    return {"entry_id": row["entry_id"], "call_direction": direction,
            "from": {"extension": row["from_extension"], "number": row["from_number"]},
            "to": {"extension": row["to_extension"], "number": row["to_number"]},
            "line_number": row["line_number"], "create_time": _to_int(row["start"]),
            "talk_time": answer, "end_time": _to_int(row["finish"]),
            "entry_result": 1 if answer else 0,
            "disconnect_reason": _to_int(row["disconnect_reason"])}

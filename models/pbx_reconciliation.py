import logging
import math
from datetime import datetime, timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.tools import SQL, format_datetime

from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..pbx.client import PbxError

_logger = logging.getLogger(__name__)

SETTLE = timedelta(minutes=2)  # calls still going on are left to the next run
QUIET_AFTER = timedelta(days=1)  # older calls are recovered without notifying anyone
# the hourly run compares at least this much: the cron's loop, which calls it again while it
# has time, does not start another one right after the last
MIN_REGULAR = timedelta(minutes=15)
RETRY_AFTER = timedelta(seconds=10)  # a window whose progress could not be written
RUNNING_FIELDS = ["mango_reconciling_from", "mango_reconciling_to", "mango_reconciling_done",
                  "mango_reconciling_recovered", "mango_reconciling_user_id"]


class PbxReconciliation(models.AbstractModel):
    """Nothing lost while Odoo is down: a PBX never posts a notification twice, so its
    statistics (``PbxClient.statistics``) are compared with the call log and what is
    missing is journaled and applied like a live notification, exactly once (the
    journal's digest and the call's entry id make a second run change nothing).

    A reconciliation runs in the background, in the reconciliation cron: every hour from
    where the last complete one ended, and when an administrator asks for a period in the
    settings. Its period and progress are kept on the company, so that it resumes where
    it stopped; one cron runs them all, so a company never has two at once. A window is
    at most the period one ``statistics`` call of the company's PBX may cover.
    """
    _name = "pbx.reconciliation"
    _description = "PBX Reconciliation"

    @api.model
    def _pbx_request(self, company, date_from, date_to, user):
        """Have the cron reconcile ``date_from``–``date_to`` for ``company`` and tell
        ``user`` when it ends; False while another reconciliation of it is running."""
        if not self._pbx_claim(company, date_from, date_to, user):
            return False
        self.env.ref("mango_office.ir_cron_pbx_reconcile")._trigger()
        return True

    @api.model
    def _pbx_claim(self, company, date_from, date_to, user=None):
        """Make ``date_from``–``date_to`` the company's running reconciliation unless it
        has one. A single statement, so that two at once cannot both start one; run by a
        request that then fails to serialise, it is retried without an error in the log."""
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """UPDATE res_company
                  SET mango_reconciling_from = %(start)s, mango_reconciling_to = %(end)s,
                      mango_reconciling_done = %(start)s, mango_reconciling_recovered = 0,
                      mango_reconciling_user_id = %(user)s
                WHERE id = %(company)s AND mango_reconciling_to IS NULL
            RETURNING id""", start=date_from, end=date_to, user=user and user.id,
            company=company.id), log_exceptions=False)
        company.invalidate_recordset(RUNNING_FIELDS)
        return bool(self.env.cr.fetchone())

    @api.model
    def _cron_reconcile(self):
        """One window of one company per call, committed with the cron's progress: the
        periods running or asked for first, then each PBX from where its last complete run
        ended (at most once per ``MIN_REGULAR``)."""
        Company = self.env["res.company"].sudo()
        companies = Company.search(Company._pbx_connected_domain(), order="id")
        now = fields.Datetime.now()
        for company in companies.filtered(lambda c: not c.mango_reconciling_to):
            start = company.mango_reconciled_until or now - timedelta(days=1)
            if start <= now - SETTLE - MIN_REGULAR:
                self._pbx_claim(company, start, now - SETTLE)
        running = companies.filtered("mango_reconciling_to")
        if not running:
            return
        # the claims are committed before the PBX is asked (their rows stay free meanwhile);
        # the cron calls this again ten times at least: past its time, the rest is left to
        # the next run, which it starts at once, since a window can take a minute
        Cron = self.env["ir.cron"]
        if Cron._commit_progress(remaining=sum(map(_windows, running))):
            try:
                self._pbx_reconcile_window(running[0])
                self.env.flush_all()
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                # the company was saved at the same moment: the window is compared again
                # soon (what it recovered is journaled, so nothing twice)
                self.env.cr.rollback()
                self.env.invalidate_all()
                self.env.ref("mango_office.ir_cron_pbx_reconcile")._trigger(
                    fields.Datetime.now() + RETRY_AFTER)
                return
            Cron._commit_progress(1, remaining=sum(
                map(_windows, running.filtered("mango_reconciling_to"))))

    @api.model
    def _pbx_reconcile_window(self, company):
        """Compare the next window of the company's running reconciliation; end it after
        its last window, or when the PBX refuses (it is then asked again another time)."""
        start, stop = company.mango_reconciling_done, company.mango_reconciling_to
        end = min(stop, start + _window(company))
        try:
            lost = self._pbx_reconcile(company, start, end)
        except PbxError as error:
            _logger.warning("Reconciliation of %s failed: %s", company.name, error)
            self._pbx_finish(company, error.stored())
            return
        # the progress is written in a transaction of its own: the PBX took its time, and a
        # settings form saved meanwhile would fail a write of this one to serialise
        self.env.cr.commit()
        company.invalidate_recordset(RUNNING_FIELDS + ["mango_reconciled_until"])
        until = company.mango_reconciled_until
        vals = {"mango_reconciling_done": end,
                "mango_reconciling_recovered": company.mango_reconciling_recovered + lost}
        if not until or start <= until < end:
            vals["mango_reconciled_until"] = end
        company.write(vals)
        if end >= stop:
            self._pbx_finish(company)

    @api.model
    def _pbx_finish(self, company, error=None):
        """The running reconciliation becomes the last one; whoever asked for it is told."""
        user = company.mango_reconciling_user_id
        company.write({
            "mango_reconciliation_date": fields.Datetime.now(),
            "mango_reconciliation_start": company.mango_reconciling_from,
            "mango_reconciliation_end": company.mango_reconciling_to,
            "mango_reconciliation_recovered": company.mango_reconciling_recovered,
            "mango_reconciliation_error": error,
            **dict.fromkeys(RUNNING_FIELDS, False),
        })
        if user:
            company = company.with_context(lang=user.lang)
            env = company.env
            count = company.mango_reconciliation_recovered
            if error:
                message = env._("Reconciliation failed: %(reason)s",
                                reason=company._pbx_reconciliation_failure())
            elif company.pbx_provider == "binotel":
                message = env._("Reconciliation done: %(count)s calls recovered from "
                                "Binotel's statistics.", count=count)
            else:
                message = env._("Reconciliation done: %(count)s calls recovered from Mango's "
                                "statistics.", count=count)
            user._bus_send("simple_notification", {
                "type": "danger" if error else "success", "message": message,
                "sticky": bool(error)})

    @api.model
    def _pbx_reconcile(self, company, date_from, date_to):
        """Recover the calls of a window the PBX knows and Odoo lacks; answers how many."""
        calls = company.sudo()._pbx_client(timeout=30).statistics(date_from, date_to)
        lost = self.env["pbx.call"]
        for stats_call in calls:
            lost |= self._pbx_recover(company, stats_call)
        if lost:
            self._pbx_warn_admins(company, lost, date_from, date_to)
        return len(lost)

    @api.model
    def _pbx_recover(self, company, stats_call):
        """Journal and apply what the call log lacks of one call of the statistics.

        Answers the call when notifications of it never arrived (the call or its summary
        was missing), else an empty recordset: a recording that was only late is queued
        without counting as lost.
        """
        Event = self.env["pbx.event"].sudo().with_context(
            lang=company.partner_id.lang,
            mango_quiet=stats_call.start < _epoch(fields.Datetime.now() - QUIET_AFTER))
        entry = stats_call.entry_ref
        call = self.env["pbx.call"].sudo().search([("company_id", "=", company.id),
                                                     ("entry_ref", "=", entry)])
        known = set(call.recording_ids.mapped("recording_ref"))
        notifications = [] if call.summary_received else [stats_call.summary]
        notifications += [notification for ref, notification in stats_call.recordings.items()
                          if ref not in known]
        lost = False
        for notification in notifications:
            event = Event._journal(company, notification.path, notification.journal_text(),
                                   entry)
            if event:
                self.env.cr.commit()
                event._process()
                lost = lost or notification is stats_call.summary
        if not lost:
            return self.env["pbx.call"]
        return self.env["pbx.call"].sudo().search([("company_id", "=", company.id),
                                                     ("entry_ref", "=", entry)])

    @api.model
    def _pbx_warn_admins(self, company, calls, date_from, date_to):
        """A to-do for each administrator of the company: the PBX's notifications of these
        calls never reached Odoo, and what usually causes that."""
        admins = self.env.ref("base.group_system").sudo().all_user_ids.filtered(
            lambda user: user.active and not user.share and company in user.company_ids
            and user.id != SUPERUSER_ID)
        newest = calls.sorted("start_date")[-1:]
        for admin in admins:
            lang = admin.lang or company.partner_id.lang
            call = newest.with_context(lang=lang)
            env = call.env
            tz = admin.tz or "UTC"
            period = {"count": len(calls), "start": format_datetime(env, date_from, tz=tz),
                      "end": format_datetime(env, date_to, tz=tz)}
            summary, lines = getattr(self, f"_pbx_warning_{company.pbx_provider}")(
                company, env, period)
            if self.env["mail.activity"].sudo().search_count([
                    ("res_model", "=", "pbx.call"), ("user_id", "=", admin.id),
                    ("summary", "=", summary)], limit=1):
                continue  # warned already; one open to-do is enough
            note = Markup("<p>%s</p><ul>%s</ul>") % (lines[0], Markup().join(
                Markup("<li>%s</li>") % line for line in lines[1:]))
            call.sudo().activity_schedule("mail.mail_activity_data_todo", summary=summary,
                                          note=note, user_id=admin.id)

    @api.model
    def _pbx_warning_mango(self, company, env, period):
        """The to-do's summary and lines (what happened, then what to check) for Mango."""
        return env._("Mango notifications did not reach Odoo"), [
            env._("Mango's statistics list %(count)s calls between %(start)s and %(end)s "
                  "whose notifications never reached Odoo. They are now in the call log, "
                  "recovered by the reconciliation.", **period),
            env._("Check that the address of the external system in Mango's API "
                  "connector is %(url)s.", url=company._mango_webhook_url()),
            env._("Mango needs HTTPS with a valid certificate (TLS 1.2): check that "
                  "Odoo's certificate is accepted."),
            env._("Odoo may have been stopped or unreachable from the internet then "
                  "(a restart, the proxy, a firewall).")]

    @api.model
    def _pbx_warning_binotel(self, company, env, period):
        """The to-do's summary and lines for Binotel."""
        completed = dict(company._binotel_webhook_urls())["callCompleted"]
        return env._("Binotel requests did not reach Odoo"), [
            env._("Binotel's statistics list %(count)s calls between %(start)s and %(end)s "
                  "whose requests never reached Odoo. They are now in the call log, "
                  "recovered by the reconciliation.", **period),
            env._("Check with Binotel's support that API CALL COMPLETED requests go to "
                  "%(url)s.", url=completed),
            env._("Check that Binotel's servers are on the list of Binotel addresses in "
                  "the settings, and that a proxy in front of Odoo passes their address."),
            env._("Odoo may have been stopped or unreachable from the internet then "
                  "(a restart, the proxy, a firewall).")]

def _window(company):
    """The longest period one statistics call of the company's PBX may cover."""
    return company._pbx_client_class().statistics_window


def _windows(company):
    """How many windows the company's running reconciliation has left."""
    return math.ceil((company.mango_reconciling_to - company.mango_reconciling_done)
                     / _window(company))


def _epoch(moment):
    return int((moment - datetime(1970, 1, 1)).total_seconds())

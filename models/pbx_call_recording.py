import logging
import re
from datetime import timedelta

import psycopg2
import pytz

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..pbx.client import PbxError
from ..pbx.events import RecordingState
from .cron_batch import cron_batch
from .pbx_call_chatter import zone_name

_logger = logging.getLogger(__name__)

# A recording only moves forward: recording -> saved or not saved -> downloadable.
RANK = {"recording": 0, "saved": 1, "failed": 1, "ready": 2}
RETRY_AFTER = timedelta(minutes=1)
GIVE_UP_AFTER = timedelta(days=1)
DOWNLOAD_TIMEOUT = 120.0  # seconds: a long conversation is a large file
BATCH = 20
PURGE_BATCH = 100


def _lt(message):
    return message


GAVE_UP = {"mango": _lt("Mango did not give the file within a day: %(problem)s"),
           "binotel": _lt("Binotel did not give the file within a day: %(problem)s")}


class PbxCallRecording(models.Model):
    """A conversation recording kept in Mango's cloud storage, and its mp3 in Odoo.

    When Mango says it is ready, it is queued; a cron (woken by the webhook) fetches the
    file through ``queries/recording/post`` and keeps it as an attachment of this record,
    so that who may read the call may listen to it, and nobody else. Mango's one-time
    links are never stored.
    """
    _name = "pbx.call.recording"
    _description = "Call Recording"
    _order = "id"
    _rec_name = "recording_ref"

    call_id = fields.Many2one("pbx.call", required=True, ondelete="cascade")
    recording_ref = fields.Char(string="PBX Recording ID", required=True)
    state = fields.Selection(
        [(RecordingState.RECORDING, "Recording"), (RecordingState.SAVED, "Saved"),
         (RecordingState.FAILED, "Not Saved"), (RecordingState.READY, "Ready to Download")],
        required=True, default=RecordingState.RECORDING)
    pbx_state = fields.Char(string="PBX State",
                            help="The recording's last state as the PBX sent it.")
    extension = fields.Char()
    completion_code = fields.Integer(aggregator=False)
    completion_text = fields.Char(string="Completion", compute="_compute_texts")
    fetch_state = fields.Selection(
        [("queued", "Recording pending"), ("done", "Downloaded"), ("failed", "Not downloaded"),
         ("deleted", "Deleted")], string="File Download", readonly=True, index="btree_not_null")
    fetch_queued = fields.Datetime(readonly=True)
    fetch_next = fields.Datetime(readonly=True)
    fetch_tries = fields.Integer(readonly=True)
    fetch_error = fields.Json(readonly=True)
    fetch_message = fields.Char(string="Download Problem", compute="_compute_texts")
    attachment_id = fields.Many2one("ir.attachment", string="File", readonly=True,
                                    ondelete="set null")
    attachment_name = fields.Char(related="attachment_id.name", string="File Name")

    _recording_unique = models.Constraint(
        "UNIQUE(call_id, recording_ref)", "A recording is listed once per call.")

    @api.depends("completion_code", "fetch_error")
    @api.depends_context("lang")
    def _compute_texts(self):
        """The PBX's completion code and the download's problem, in the reader's words."""
        for recording in self:
            company, code, error = (
                recording.call_id.company_id, recording.completion_code, recording.fetch_error)
            recording.completion_text = code and company._pbx_describe_code(code)
            recording.fetch_message = error and company._pbx_error_message(
                PbxError(error["reason"], **error["params"]))

    # -- from the PBX's events ------------------------------------------------------------

    @api.model
    def _pbx_apply(self, call, event):
        """Apply a ``RecordingEvent`` to the call's recording (created if new)."""
        recording = call.recording_ids.filtered(lambda rec: rec.recording_ref == event.recording_ref)
        vals = {"state": event.state}
        if event.state in (RecordingState.SAVED, RecordingState.FAILED):
            vals["completion_code"] = event.completion_code
        if event.pbx_state:
            vals["pbx_state"] = event.pbx_state
        if event.extension:
            vals["extension"] = event.extension
        if not recording:
            recording = self.create({**vals, "call_id": call.id,
                                     "recording_ref": event.recording_ref})
        else:
            recording._pbx_lock_row()
            if RANK[vals["state"]] < RANK[recording.state]:
                vals.pop("state")
                vals.pop("completion_code", None)
                vals.pop("pbx_state", None)
            recording.write(vals)
        if recording.state in ("saved", "ready"):
            recording._pbx_queue()
        return recording

    def _pbx_queue(self):
        """Queue the file for the fetching cron, once, and wake the cron."""
        new = self.filtered(lambda recording: not recording.fetch_state)
        if not new:
            return
        now = fields.Datetime.now()
        new.write({"fetch_state": "queued", "fetch_queued": now, "fetch_next": now})
        self.env.ref("mango_office.ir_cron_mango_fetch_recordings")._trigger()
        new.call_id._pbx_refresh_notes()

    # -- fetching the file ---------------------------------------------------------------------

    @api.model
    def _cron_fetch(self):
        """Fetch the queued files whose time has come, each committed on its own; the cron
        calls it again while some are left."""
        domain = [("fetch_state", "=", "queued"), ("fetch_next", "<=", fields.Datetime.now())]
        # no row lock while a file downloads (a notification of the recording would wait
        # for it): _pbx_fetch locks the row before it writes, and leaves it if it changed
        for recording in cron_batch(self, domain, BATCH, order="fetch_next, id"):
            recording._pbx_fetch()

    def _pbx_lock_row(self):
        """Lock the recording for this transaction before the ORM writes it: when a
        concurrent transaction changed it, this fails to serialise without an error in the
        log, and the caller tries again (a webhook) or leaves it for the next run (a cron)."""
        self.env.cr.execute(SQL("SELECT id FROM pbx_call_recording WHERE id IN %s FOR UPDATE",
                                tuple(self.ids)), log_exceptions=False)

    def _pbx_fetch(self):
        self.ensure_one()
        company = self.call_id.company_id
        try:
            mimetype, data = company._pbx_client(timeout=DOWNLOAD_TIMEOUT).recording(
                self.recording_ref)
        except PbxError as error:
            self._pbx_fetch_failed(error)
            return
        try:
            self._pbx_lock_row()
        except psycopg2.errors.SerializationFailure:
            self.env.cr.rollback()  # a notification of this recording came meanwhile
            self.env.ref("mango_office.ir_cron_mango_fetch_recordings")._trigger()
            return
        self.attachment_id = self.env["ir.attachment"].create({
            "name": self._pbx_file_name(), "raw": data, "res_model": self._name,
            "res_id": self.id,
            "mimetype": "audio/mpeg" if "mp" in (mimetype or "mpeg") else mimetype})
        self.write({"fetch_state": "done", "fetch_error": False})
        call = self.call_id._pbx_company_view()
        if not call.sudo().message_ids.filtered("pbx_call_id"):  # one entry plays them all
            call._pbx_post(call, call.env._("Recording of the conversation"),
                             message_type="comment")
        call._pbx_refresh_notes()

    def _pbx_fetch_failed(self, error):
        """A file not stored yet and network trouble are tried again a minute later, for a day."""
        now = fields.Datetime.now()
        again = error.retryable
        stored = error.stored()
        if again and now - self.fetch_queued < GIVE_UP_AFTER:
            self.write({"fetch_tries": self.fetch_tries + 1, "fetch_next": now + RETRY_AFTER,
                        "fetch_error": stored})
            self.env.ref("mango_office.ir_cron_mango_fetch_recordings")._trigger(
                now + RETRY_AFTER)
            return
        if again:
            company = self.call_id.company_id
            stored = {"reason": GAVE_UP[company.pbx_provider],
                      "params": {"problem": company._pbx_error_message(error)}}
        self.write({"fetch_state": "failed", "fetch_error": stored})
        _logger.info("Recording %s of call %s not downloaded: %s", self.recording_ref,
                     self.call_id.id, error)
        self.call_id._pbx_refresh_notes()

    def _pbx_file_name(self):
        """``2026-11-23 14-05 MSK Иван Петров.mp3``: when, in the company's time zone, and
        with whom (the contact, the lead, else the call's name in the company's language)."""
        call = self.call_id._pbx_company_view()
        tz = pytz.timezone(call.company_id.partner_id.tz or "UTC")
        start = pytz.utc.localize(call.start_date or fields.Datetime.now()).astimezone(tz)
        who = (call.partner_id or call.lead_id).display_name or call.display_name
        name = f"{start:%Y-%m-%d %H-%M} {zone_name(start)} {who}"
        return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", name).strip() + ".mp3"

    # -- retention ---------------------------------------------------------------------------

    @api.model
    def _cron_purge(self):
        """Remove the files older than each company's retention, a batch per call; the cron
        calls it again while some are left."""
        now = fields.Datetime.now()
        companies = self.env["res.company"].search([("mango_recording_days", ">", 0)])
        domain = Domain("fetch_state", "=", "done") & Domain.OR(
            Domain("call_id.company_id", "=", company.id)
            & Domain("call_id.start_date", "<", now - timedelta(days=company.mango_recording_days))
            for company in companies)
        found = self.search(domain, limit=PURGE_BATCH, order="id")
        old = found.try_lock_for_update()
        for company, recordings in old.grouped(lambda rec: rec.call_id.company_id).items():
            recordings._pbx_delete_files(company.mango_recording_days)
        remaining = self.search_count(domain) if len(found) == PURGE_BATCH else 0
        self.env["ir.cron"]._commit_progress(len(old), remaining=remaining)

    def _pbx_delete_files(self, days):
        attachments = self.attachment_id
        self.write({"fetch_state": "deleted", "attachment_id": False})
        attachments.unlink()
        for call in self.call_id:
            call = call._pbx_company_view()
            call._pbx_post(call, call.env._("Recording deleted after %(days)s days", days=days),
                             entry=False, message_type="notification")
            call._pbx_refresh_notes()

"""Recordings of calls on Binotel: a link to the file that lives 15 minutes, downloaded at
once into the call's recording, asked again when it fails or Binotel is still uploading,
given up after a day; who may listen and how long it is kept, as with Mango."""
import time
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common_binotel import BinotelHttpCase
from .emulators.base import FAKE_MP3
from .emulators.binotel import incoming_call

CALLER = "0671234567"
CALLER_E164 = "+380671234567"
START = 1767261600  # 2026-01-01 10:00 UTC, 12:00 in Kyiv


@tagged("post_install", "-at_install", "binotel")
class TestBinotelRecordings(BinotelHttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Europe/Kyiv"
        cls.olena = cls.env["res.partner"].create({"name": "Олена Коваль", "phone": CALLER_E164,
                                                   "user_id": cls.rep.id})

    def recorded_call(self, entry, status="uploaded", start=START):
        """A call answered at 101 whose completion says the recording is ``status``."""
        requests = incoming_call(entry, CALLER, extension="101", start=start)
        requests[-1][1]["callDetails"]["recordingStatus"] = status
        self.post_binotel_all(requests)
        return self.calls(entry).recording_ids

    def fetch(self):
        self.as_cron("pbx.call.recording", "_cron_fetch")

    def links(self):
        return self.binotel.requests_to("stats/call-record")

    def notes(self):
        return self.olena.message_ids.filtered("pbx_call_id")

    def test_a_recorded_call_gets_its_file(self):
        self.binotel.add_recording("B-rec")
        recording = self.recorded_call("B-rec")
        self.assertRecordValues(recording, [{"recording_ref": "B-rec", "state": "ready",
                                             "fetch_state": "queued", "extension": "101"}])
        self.assertFalse(self.links(), "never asked in the webhook's request")
        self.assertIn("Recording pending", self.notes().body)
        self.fetch()
        self.assertEqual(recording.fetch_state, "done")
        self.assertEqual([link["payload"]["generalCallID"] for link in self.links()], ["B-rec"])
        attachment = recording.attachment_id
        self.assertEqual((attachment.name, attachment.mimetype, attachment.raw),
                         ("2026-01-01 12-00 EET Олена Коваль.mp3", "audio/mpeg", FAKE_MP3))
        self.assertNotIn("files/", str(recording.read()), "Binotel's link is not kept")
        call = recording.call_id
        self.assertNotIn("Recording pending", self.notes().body)
        self.assertEqual(self.notes().pbx_call_id, call, "the contact's chatter plays it")
        self.assertEqual(call.with_user(self.rep)._pbx_chatter_entries(), {call.id: {
            "id": call.id, "recordings": [{"id": attachment.id, "name": attachment.name}]}})
        self.assertEqual(call.message_ids.filtered("pbx_call_id").mapped("body"),
                         ["<p>Recording of the conversation</p>"])

    def test_an_expired_link_is_asked_again(self):
        self.binotel.add_recording("B-exp")
        recording = self.recorded_call("B-exp")
        self.binotel.link_seconds = 0  # expired before Odoo downloads it
        self.fetch()
        self.assertRecordValues(recording, [{"fetch_state": "queued", "fetch_tries": 1}])
        self.assertIn("did not give the file (HTTP status 404)", recording.fetch_message)
        self.assertGreater(recording.fetch_next, fields.Datetime.now())
        self.binotel.link_seconds = 15 * 60
        recording.sudo().fetch_next = fields.Datetime.now() - timedelta(seconds=1)
        self.fetch()
        self.assertEqual(recording.fetch_state, "done")
        self.assertEqual(recording.attachment_id.raw, FAKE_MP3)
        self.assertEqual(len(self.links()), 2, "a fresh link for the second try")

    def test_uploading_is_tried_again_later(self):
        self.binotel.uploading.add("B-up")
        recording = self.recorded_call("B-up", status="uploading")
        self.assertRecordValues(recording, [{"state": "saved", "pbx_state": "uploading",
                                             "fetch_state": "queued"}])
        self.fetch()
        self.assertRecordValues(recording, [{"fetch_state": "queued", "fetch_tries": 1}])
        self.assertIn("no file of the recording of call B-up yet", recording.fetch_message)
        self.fetch()
        self.assertEqual((recording.fetch_tries, len(self.links())), (1, 1),
                         "not before a minute")
        self.binotel.uploading.discard("B-up")
        self.binotel.add_recording("B-up")
        recording.sudo().fetch_next = fields.Datetime.now() - timedelta(seconds=1)
        self.fetch()
        self.assertEqual(recording.fetch_state, "done")

    def test_given_up_after_a_day_with_the_reason(self):
        self.binotel.uploading.add("B-gone")
        recording = self.recorded_call("B-gone", status="uploading")
        recording.sudo().fetch_queued = fields.Datetime.now() - timedelta(days=1, minutes=1)
        self.fetch()
        self.assertEqual(recording.fetch_state, "failed")
        self.assertEqual(recording.fetch_message,
                         "Binotel did not give the file within a day: Binotel has no file "
                         "of the recording of call B-gone yet")
        self.assertIn("Recording not available", self.notes().body)
        self.fetch()
        self.assertEqual(len(self.links()), 1, "not asked again")

    def test_who_may_listen_and_how_long_it_is_kept(self):
        self.binotel.add_recording("B-acc")
        recording = self.recorded_call("B-acc", start=int(time.time()))
        self.fetch()
        url = f"/web/content/{recording.attachment_id.id}?download=true"
        self.authenticate("rep", "rep")
        self.assertEqual(self.url_open(url).content, FAKE_MP3)
        self.authenticate("rep2", "rep2")
        self.assertIn(self.url_open(url).status_code, (403, 404))
        self.company.mango_recordings_restricted = True
        self.authenticate("rep", "rep")
        self.assertIn(self.url_open(url).status_code, (403, 404))
        self.rep.group_ids |= self.env.ref("mango_office.group_call_recordings")
        self.assertEqual(self.url_open(url).status_code, 200)
        attachment = recording.attachment_id
        self.company.mango_recording_days = 30
        self.as_cron("pbx.call.recording", "_cron_purge")
        self.assertTrue(attachment.exists(), "the call is recent")
        recording.call_id.sudo().start_date = fields.Datetime.now() - timedelta(days=31)
        self.as_cron("pbx.call.recording", "_cron_purge")
        self.assertFalse(attachment.exists())
        self.assertEqual(recording.fetch_state, "deleted")
        self.assertIn("Recording deleted after 30 days",
                      recording.call_id.message_ids.mapped("body")[0])

import time
from datetime import timedelta
from unittest.mock import patch

from odoo import api, fields
from odoo.tests import tagged

from ..models import pbx_call_recording
from .common import PbxHttpCase
from .emulators.mango import FAKE_MP3, incoming_call, outgoing_call

CALLER = "79161234567"


@tagged("post_install", "-at_install")
class TestChatter(PbxHttpCase):
    """What a salesperson sees of a call on the contact and the lead."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"country_id": cls.env.ref("base.ru").id})
        cls.company.partner_id.tz = "Europe/Moscow"
        cls.rep.tz = "Europe/Moscow"
        cls.ivan = cls.env["res.partner"].create({
            "name": "Иван Петров", "phone": "+7 916 123-45-67", "user_id": cls.rep.id,
            "tz": "Europe/Moscow"})
        cls.lead = cls.env["crm.lead"].create({"name": "Поставка", "partner_id": cls.ivan.id,
                                               "user_id": cls.rep.id, "type": "opportunity"})
        cls.stranger_company, cls.stranger = cls.new_stranger()

    def notes(self, record):
        return record.message_ids.filtered("pbx_call_id")

    def call_with_recording(self, entry="C1", recording="REC1", start=1767261600):
        self.emulator.add_recording(recording)
        self.post_all(incoming_call(entry, CALLER, extension="101", start=start,
                                    talk_seconds=125, recording_ref=recording))
        return self.calls(entry)

    def test_one_note_on_the_contact_and_the_lead_never_twice(self):
        notifications = incoming_call("C0", CALLER, extension="101", start=1767261600,
                                      talk_seconds=125)
        self.post_all(notifications)
        call = self.calls("C0")
        for record in (self.ivan, self.lead):
            note = self.notes(record)
            self.assertEqual(len(note), 1, record)
            self.assertEqual(note.message_type, "comment")
            self.assertEqual(note.author_id, self.rep.partner_id)
            self.assertIn("+7 916 123-45-67", note.body)
            self.assertIn("Rep One", note.body)
            self.assertIn("Talk time: 2:05", note.body)
            self.assertIn("answered", note.body)
            self.assertIn("Started: 01/01/2026 01:00 PM (MSK)", note.body)
            self.assertEqual(note.pbx_call_id, call)
            self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
            self.assertFalse(note.notified_partner_ids, "notes notify nobody")
        self.post_all(notifications)  # replayed
        summary = self.journal().filtered(lambda e: e.path == "events/summary")
        with self.registry.cursor() as cr:
            api.Environment(cr, api.SUPERUSER_ID, {})["pbx.event"].browse(
                summary.id).action_reprocess()
        self.env.invalidate_all()
        self.assertEqual(len(self.notes(self.ivan)), 1)
        self.assertEqual(len(self.notes(self.lead)), 1)
        self.assertEqual((self.ivan.pbx_call_count, self.lead.pbx_call_count), (1, 1))

    def test_a_company_and_its_people_count_the_calls_of_all_of_them(self):
        firm = self.env["res.partner"].create({"name": "ООО Ромашка", "is_company": True})
        self.ivan.parent_id = firm
        petr = self.env["res.partner"].create({"name": "Пётр Сидоров", "parent_id": firm.id,
                                               "phone": "+7 903 555-66-77"})
        other = self.env["res.partner"].create({"name": "Анна Смирнова",
                                                "phone": "+7 903 555-66-78"})
        self.post_all(incoming_call("C-firm-1", CALLER, extension="101"))
        self.post_all(incoming_call("C-firm-2", "79035556677", extension="101"))
        self.post_all(incoming_call("C-other", "79035556678", extension="101"))
        self.assertEqual(self.calls("C-firm-2").partner_id, petr)
        people = (firm | self.ivan | petr | other).with_user(self.rep)
        self.assertEqual(people.mapped("pbx_call_count"), [2, 2, 2, 1])

    def test_names_from_anyone_are_escaped(self):
        self.ivan.name = "<img src=x onerror=alert(1)>"
        self.lead.partner_id = False
        self.post_all(incoming_call("C9", CALLER, extension="101"))
        body = self.notes(self.ivan).body
        self.assertNotIn("<img", body)

    def test_a_call_linked_later_gets_its_note(self):
        self.post_all(incoming_call("C2", "79035556677", extension="101", answered=False))
        self.assertFalse(self.calls("C2").partner_id)
        newcomer = self.env["res.partner"].create({"name": "Новый клиент",
                                                   "phone": "8 903 555-66-77"})
        self.assertEqual(self.calls("C2").partner_id, newcomer)
        self.assertEqual(len(self.notes(newcomer)), 1)
        self.assertIn("missed", self.notes(newcomer).body)
        self.assertNotIn("Talk time", self.notes(newcomer).body, "no talk on a missed call")

    def test_recording_is_fetched_in_the_background_and_attached(self):
        call = self.call_with_recording()
        recording = call.recording_ids
        self.assertEqual(recording.fetch_state, "queued")
        self.assertFalse(self.emulator.requests_to("queries/recording/post"),
                         "never fetched in the webhook's request")
        self.assertIn("Recording pending", self.notes(self.ivan).body)
        self.emulator.delay("queries/recording/post", 0.5)  # a slow file
        self.as_cron("pbx.call.recording", "_cron_fetch")
        self.assertEqual(recording.fetch_state, "done")
        attachment = recording.attachment_id
        self.assertEqual(attachment.name, "2026-01-01 13-00 MSK Иван Петров.mp3")
        self.assertEqual((attachment.mimetype, attachment.raw), ("audio/mpeg", FAKE_MP3))
        self.assertEqual((attachment.res_model, attachment.res_id), (recording._name,
                                                                     recording.id))
        self.assertEqual(len(self.emulator.requests_to("queries/recording/post")), 1)
        call = recording.call_id
        for record in (self.ivan, self.lead):
            note = self.notes(record)
            self.assertEqual(note.pbx_call_id, call, "the chatter plays it")
            self.assertFalse(note.attachment_ids, "no file token for readers who may not listen")
            self.assertNotIn("Recording pending", note.body)
        self.assertEqual(call.with_user(self.rep)._pbx_chatter_entries(), {call.id: {
            "id": call.id, "recordings": [{"id": attachment.id, "name": attachment.name}]}})
        self.assertNotIn("files/", str(recording.read()), "Mango's one-time link is not kept")
        entry = call.message_ids.filtered("pbx_call_id")
        self.assertEqual(entry.mapped("body"), ["<p>Recording of the conversation</p>"],
                         "the call's own chatter plays it too")
        self.assertEqual(entry.author_id, self.rep.partner_id)

    def test_not_found_yet_then_found(self):
        self.post_all(incoming_call("C3", CALLER, extension="101", recording_ref="REC3"))
        recording = self.calls("C3").recording_ids
        self.as_cron("pbx.call.recording", "_cron_fetch")
        self.assertRecordValues(recording, [{"fetch_state": "queued", "fetch_tries": 1}])
        self.assertIn("3320", recording.fetch_message)
        self.assertGreater(recording.fetch_next, fields.Datetime.now())
        self.as_cron("pbx.call.recording", "_cron_fetch")
        self.assertEqual(recording.fetch_tries, 1, "not before a minute")
        self.emulator.add_recording("REC3")
        recording.sudo().fetch_next = fields.Datetime.now() - timedelta(seconds=1)
        self.as_cron("pbx.call.recording", "_cron_fetch")
        self.assertEqual(recording.fetch_state, "done")

    def test_missing_for_good_is_said_on_the_call(self):
        self.post_all(incoming_call("C4", CALLER, extension="101", recording_ref="REC4"))
        recording = self.calls("C4").recording_ids
        recording.sudo().fetch_queued = fields.Datetime.now() - timedelta(days=2)
        self.as_cron("pbx.call.recording", "_cron_fetch")
        self.assertEqual(recording.fetch_state, "failed")
        self.assertIn("within a day", recording.fetch_message)
        self.assertIn("Recording not available", self.notes(self.ivan).body)

    def test_who_may_listen(self):
        recording = self.call_with_recording().recording_ids
        self.as_cron("pbx.call.recording", "_cron_fetch")
        url = f"/web/content/{recording.attachment_id.id}?download=true"
        self.authenticate("rep", "rep")
        response = self.url_open(url)
        self.assertEqual((response.status_code, response.content), (200, FAKE_MP3))
        self.assertIn(".mp3", response.headers["Content-Disposition"])
        for login in ("rep2", "stranger"):
            self.authenticate(login, login)
            with self.subTest(login=login):
                self.assertIn(self.url_open(url).status_code, (403, 404))
                self.assertIn(self.url_open(f"/web/content/{recording.attachment_id.id}")
                              .status_code, (403, 404))
        self.company.mango_recordings_restricted = True
        self.authenticate("rep", "rep")
        self.assertIn(self.url_open(url).status_code, (403, 404))
        self.rep.group_ids |= self.env.ref("mango_office.group_call_recordings")
        self.assertEqual(self.url_open(url).status_code, 200)

    def test_old_recordings_are_removed_and_the_call_says_so(self):
        recording = self.call_with_recording(start=time.time() - 86400).recording_ids
        self.as_cron("pbx.call.recording", "_cron_fetch")
        attachment = recording.attachment_id
        self.company.mango_recording_days = 90
        self.as_cron("pbx.call.recording", "_cron_purge")
        self.assertTrue(attachment.exists(), "the call is recent")
        recording.call_id.sudo().write({"start_date": fields.Datetime.now() - timedelta(days=91)})
        self.as_cron("pbx.call.recording", "_cron_purge")
        self.assertFalse(attachment.exists())
        self.assertEqual(recording.fetch_state, "deleted")
        self.assertIn("Recording deleted after 90 days",
                      recording.call_id.message_ids.mapped("body")[0])

    def test_missed_calls_make_one_activity_that_the_callback_closes(self):
        for n in range(3):
            self.post_all(incoming_call(f"M{n}", CALLER, extension="102", answered=False,
                                        start=1767261600 + 600 * n))
        activities = self.lead.activity_ids
        self.assertEqual(len(activities), 1)
        self.assertRecordValues(activities, [{
            "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
            "user_id": self.rep.id, "mango_missed_count": 3,
            "date_deadline": fields.Date.context_today(self.lead)}])
        self.assertIn("3 missed calls", activities.summary)
        self.assertIn("+7 916 123-45-67", activities.summary)
        self.post_all(incoming_call("M0", CALLER, extension="102", answered=False))  # replay
        self.assertEqual(self.lead.activity_ids.mango_missed_count, 3)
        self.post_all(outgoing_call("CB", "101", CALLER))
        self.assertFalse(self.lead.activity_ids, "done by the callback")
        self.assertTrue(self.lead.message_ids.filtered(lambda m: "Called back" in (m.body or "")))

    def test_unknown_caller_missed_activity_on_the_call(self):
        self.post_all(incoming_call("M9", "79990001122", extension="102", answered=False))
        call = self.calls("M9")
        self.assertEqual(call.activity_ids.user_id, self.rep2, "the employee it rang last")

    def test_results_in_russian_and_english(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["mango_office"], ["ru_RU"])
        self.post_all(incoming_call("C5", CALLER, extension="101", answered=False))
        call = self.calls("C5")
        self.assertEqual(call.disconnect_reason, 1111)
        self.assertEqual(call.disconnect_reason_text, "No answer")
        russian = call.with_context(lang="ru_RU")
        russian.invalidate_recordset(["disconnect_reason_text"])
        self.assertEqual(russian.disconnect_reason_text, "Нет ответа")
        self.assertEqual(self.company.with_context(lang="ru_RU")._pbx_describe_code(2219),
                         self.company.with_context(lang="ru_RU")._pbx_describe_code(2210))
        self.assertEqual(self.company._pbx_describe_code(2219),
                         "The PBX account is restricted")

    def test_fetch_errors_are_not_lost_with_mango_down(self):
        self.post_all(incoming_call("C6", CALLER, extension="101", recording_ref="REC6"))
        self.company.mango_api_url = "http://127.0.0.1:9/vpbx/"
        with patch.object(pbx_call_recording, "DOWNLOAD_TIMEOUT", 1.0):
            self.as_cron("pbx.call.recording", "_cron_fetch")
        recording = self.calls("C6").recording_ids
        self.assertRecordValues(recording, [{"fetch_state": "queued", "fetch_tries": 1}])
        self.assertIn("Could not reach Mango", recording.fetch_message)


@tagged("post_install", "-at_install")
class TestChatterLanguages(PbxHttpCase):
    """A Russian company: what everyone reads is in Russian and Moscow time, marked, signed
    by the employee of the call; what one person reads is in their language and time zone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.speak_russian()
        cls.anna = cls.new_rep("anna", "103", "Анна Смирнова")
        cls.john = cls.new_rep("john", "104", "John Smith", lang="en_US",
                               tz="Asia/Yekaterinburg")
        cls.ivan = cls.env["res.partner"].create({
            "name": "Иван Петров", "phone": "+7 916 123-45-67", "user_id": cls.anna.id})
        cls.lead = cls.env["crm.lead"].create({"name": "Поставка", "partner_id": cls.ivan.id,
                                               "user_id": cls.anna.id, "type": "opportunity"})
        cls.peter = cls.env["res.partner"].create({
            "name": "Peter Brown", "phone": "+7 916 765-43-21", "user_id": cls.john.id})

    def note(self, record):
        return record.message_ids.filtered("pbx_call_id")

    def assertRussian(self, body, *words):
        for word in words:
            self.assertIn(word, body)
        for english in ("Employee", "Started", "Talk time", "Result", "answered", "missed",
                        "Note", "Recording", "Incoming", "Outgoing"):
            self.assertNotIn(english, body)

    def test_a_webhook_call_taken_by_an_english_rep_is_noted_in_russian(self):
        self.post_all(incoming_call("L1", CALLER, extension="104", start=1767261600,
                                    talk_seconds=125, recording_ref="RL1"))
        for record in (self.ivan, self.lead):
            note = self.note(record)
            self.assertRussian(note.body, "Входящий", "+7 916 123-45-67", "Сотрудник: John Smith",
                               "Начало: 01.01.2026 13:00 (MSK)", "Время разговора: 2:05",
                               "отвечен", "Запись ожидается")
            self.assertEqual(note.author_id, self.john.partner_id)

    def test_a_rep_in_english_links_a_call_noted_in_russian(self):
        self.post_all(incoming_call("L2", "79035556677", extension="104", answered=False,
                                    start=1767261600))
        call = self.calls("L2").with_user(self.john).with_context(lang="en_US")
        call.write({"partner_id": self.peter.id})
        self.assertRussian(self.note(self.peter).body, "Сотрудник: John Smith",
                           "пропущен", "Нет ответа", "(MSK)")
        self.assertNotIn("Время разговора", self.note(self.peter).body, "nobody talked")

    def test_the_note_of_the_call_is_in_its_entry(self):
        self.post_all(incoming_call("L3", CALLER, extension="103"))
        call = self.calls("L3")
        call.sudo().note = "Просит счёт\nперезвонить в пятницу <b>утром</b>"
        call._pbx_refresh_notes()
        body = self.note(self.ivan).body
        self.assertIn("Заметка:", body)
        self.assertIn("Просит счёт<br>перезвонить в пятницу &lt;b&gt;утром&lt;/b&gt;", body)
        self.assertEqual(self.note(self.lead).body, body)

    def test_missed_call_activities_in_the_language_and_time_zone_of_whom_they_are_for(self):
        self.post_all(incoming_call("L4", CALLER, extension="104", answered=False,
                                    start=1767261600))
        self.post_all(incoming_call("L5", "79167654321", extension="103", answered=False,
                                    start=1767261600))
        self.assertRecordValues(self.lead.activity_ids, [{
            "user_id": self.anna.id,
            "summary": "Перезвонить +7 916 123-45-67: пропущенный звонок в 01.01.2026 13:00"}])
        self.assertRecordValues(self.peter.activity_ids, [{
            "user_id": self.john.id,
            "summary": "Call back +7 916 765-43-21: missed call at 01/01/2026 03:00 PM"}])
        self.post_all(incoming_call("L6", CALLER, extension="104", answered=False,
                                    start=1767261600 + 3600))
        self.assertEqual(self.lead.activity_ids.summary,
                         "Перезвонить +7 916 123-45-67: пропущенных звонков — 2, последний в "
                         "01.01.2026 14:00")

    def test_the_callback_closes_the_activity_in_russian_signed_by_who_called_back(self):
        self.post_all(incoming_call("L7", CALLER, extension="103", answered=False))
        self.post_all(outgoing_call("L8", "104", CALLER))
        self.assertFalse(self.lead.activity_ids)
        done = self.lead.message_ids.filtered(lambda m: "Перезвонили" in (m.body or ""))
        self.assertEqual(done.author_id, self.john.partner_id)
        self.assertIn("Перезвонили: Исходящий звонок на Иван Петров", done.body)
        self.assertNotIn("Called back", done.body)

    def test_the_recording_its_file_and_its_removal_in_russian_signed_by_the_employee(self):
        self.emulator.add_recording("RL9")
        self.post_all(incoming_call("L9", "79035556677", extension="104", start=1767261600,
                                    recording_ref="RL9"))
        call = self.calls("L9")
        self.as_cron("pbx.call.recording", "_cron_fetch")
        entry = call.message_ids.filtered("pbx_call_id")
        self.assertEqual(entry.body, "<p>Запись разговора</p>")
        self.assertEqual(entry.author_id, self.john.partner_id)
        self.assertEqual(call.recording_ids.attachment_id.name,
                         "2026-01-01 13-00 MSK Входящий звонок от +7 903 555-66-77.mp3")
        call.sudo().start_date = fields.Datetime.now() - timedelta(days=31)
        self.company.mango_recording_days = 30
        self.as_cron("pbx.call.recording", "_cron_purge")
        removed = call.message_ids.filtered(lambda m: "30" in (m.body or ""))
        self.assertEqual(removed.body, "<p>Запись удалена через 30 дн.</p>")
        self.assertEqual(removed.author_id, self.john.partner_id)

    def test_a_call_nobody_took_is_signed_by_the_company(self):
        self.post_all(incoming_call("L10", CALLER, extension="199", answered=False))  # no user
        self.assertEqual(self.note(self.ivan).author_id, self.company.partner_id)


@tagged("post_install", "-at_install")
class TestChatterBrowser(PbxHttpCase):
    """The recording plays in place in the contact's chatter, as the rep sees it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.speak_russian()
        cls.anna = cls.new_rep("anna", "103", "Анна Смирнова")
        cls.ivan = cls.env["res.partner"].create({
            "name": "Иван Петров", "phone": "+7 916 123-45-67", "user_id": cls.anna.id})

    def test_the_recording_plays_in_the_contacts_chatter(self):
        self.emulator.add_recording("RB1")
        self.post_all(incoming_call("B1", CALLER, extension="103", talk_seconds=125,
                                    recording_ref="RB1"))
        self.as_cron("pbx.call.recording", "_cron_fetch")
        self.start_tour(f"/odoo/res.partner/{self.ivan.id}", "mango_office_chatter_recording",
                        login="anna")

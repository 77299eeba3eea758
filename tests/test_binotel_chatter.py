"""A Ukrainian sales team on Binotel, as ``test_chatter`` and ``test_autolead`` prove it of
Mango: the call's note on the contact and the lead matched on the numbers Binotel sends, in
Ukrainian, with what each reader may open of it; a missed call's callback, for whom, in
their language and time zone, one per caller, done by the callback; the lead an unknown
caller's call makes by itself, for whom Binotel says answered it."""
from odoo.tests import tagged

from .common_binotel import BinotelHttpCase
from .emulators.binotel import incoming_call, outgoing_call
from .test_access import ChatterEntriesCase

START = 1767261600  # 2026-01-01 10:00 UTC, 12:00 in Kyiv
UNKNOWN = "0509998877"  # as Binotel sends a Ukrainian number
UNKNOWN_SHOWN = "+380 50 999 8877"
ENGLISH = ("Employee", "Started", "Talk time", "Result", "answered", "missed", "Recording",
           "Incoming", "Outgoing", "Call back", "Called back")


class UkrainianTeamCase(BinotelHttpCase):
    """The company in Ukrainian and Kyiv time; Олена (901) and Тарас (902) in Ukrainian,
    Iryna (903) in English."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.olena, cls.taras, cls.iryna = cls.ukrainian_reps()
        cls.company.partner_id.write({"lang": "uk_UA", "tz": "Europe/Kyiv"})

    def note(self, record):
        return record.message_ids.filtered("pbx_call_id")

    def assertUkrainian(self, text, *words):
        for word in words:
            self.assertIn(word, text)
        for english in ENGLISH:
            self.assertNotIn(english, text)


@tagged("post_install", "-at_install", "binotel")
class TestBinotelChatter(ChatterEntriesCase, UkrainianTeamCase):
    """Микола Ткаченко, written the Ukrainian way, and his opportunity are Олена's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        agrosvit = cls.env["res.partner"].create({"name": "ТОВ «Агросвіт»", "is_company": True})
        cls.mykola = cls.env["res.partner"].create({
            "name": "Микола Ткаченко", "parent_id": agrosvit.id, "phone": "(067) 123-45-67",
            "user_id": cls.olena.id})
        cls.lead = cls.env["crm.lead"].create({
            "name": "Поставка насіння", "type": "opportunity", "partner_id": cls.mykola.id,
            "user_id": cls.olena.id})

    def test_the_numbers_binotel_sends_find_the_contact_and_the_lead(self):
        for entry, number in (("BN1", "0671234567"), ("BN2", "380671234567"),
                              ("BN3", "+380671234567")):
            with self.subTest(number=number):
                self.post_binotel_all(incoming_call(entry, number, extension="902"))
                self.assertRecordValues(self.calls(entry), [{
                    "partner_id": self.mykola.id, "lead_id": self.lead.id,
                    "external_e164": "+380671234567", "number_display": "+380 67 123 4567"}])
        self.assertEqual(len(self.note(self.mykola)), 3)
        self.assertEqual(len(self.note(self.lead)), 3)

    def test_the_note_in_ukrainian_and_what_each_reader_may_open(self):
        self.binotel.add_recording("BN4")
        self.post_binotel_all(incoming_call("BN4", "0671234567", extension="903", start=START,
                                            talk_seconds=125))
        call = self.calls("BN4")
        for record in (self.mykola, self.lead):
            with self.subTest(record=record._name):
                note = self.note(record)
                self.assertEqual(len(note), 1)
                self.assertUkrainian(note.body, "Вхідний", "+380 67 123 4567",
                                     "Співробітник: Iryna Boiko", "Початок: 01.01.2026 12:00 (EET)",
                                     "Час розмови: 2:05", "прийнятий", "Запис очікується")
                self.assertEqual(note.author_id, self.iryna.partner_id,
                                 "signed by the English employee who took it")
        self.as_cron("pbx.call.recording", "_cron_fetch")
        self.assertNotIn("Запис очікується", self.note(self.mykola).body)
        self.assertEqual(call.message_ids.filtered("pbx_call_id").mapped("body"),
                         ["<p>Запис розмови</p>"])
        attachment = call.recording_ids.attachment_id
        self.assertEqual(attachment.name, "2026-01-01 12-00 EET ТОВ «Агросвіт», Микола Ткаченко.mp3")
        offered = {"id": call.id, "recordings": [{"id": attachment.id,
                                                  "name": attachment.name}]}
        # the salesperson; the employee who took it (the contact: the lead is Олена's)
        for login, records in (("olena", (self.mykola, self.lead)), ("iryna", (self.mykola,))):
            for record in records:
                with self.subTest(login=login, record=record._name):
                    self.assertEqual(self.entries(login, record), [offered])
                    self.assertOpens(offered)
        self.assertEqual(self.entries("taras", self.mykola), [False],
                         "a colleague on neither reads the note, opens nothing")
        self.assertOpensNothing(call)


@tagged("post_install", "-at_install", "binotel")
class TestBinotelMissedCalls(UkrainianTeamCase):
    """Callbacks and unknown callers' leads from Binotel's completed calls."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kyiv = cls.sales_team("Продажі Київ", cls.taras)

    def leads(self, number="+380509998877"):
        return self.env["crm.lead"].search([("phone_sanitized", "=", number)])

    def callbacks(self, number="+380509998877"):
        return self.env["mail.activity"].search([("mango_number", "=", number)])

    def missed(self, entry, *extensions, start=START):
        """A call from UNKNOWN ringing at each of ``extensions`` in turn, unanswered."""
        self.post_binotel_all(incoming_call(entry, UNKNOWN, start=start, attempts=[
            (extension, 15, 0, "NOANSWER") for extension in extensions]))
        return self.calls(entry)

    def test_a_missed_call_gives_a_lead_and_the_callback_to_whom_it_rang_last(self):
        self.company.mango_autolead = "missed"
        call = self.missed("BM1", "902", "901")
        lead = self.leads()
        self.assertRecordValues(lead, [{
            "name": f"Дзвінок з {UNKNOWN_SHOWN}", "type": "opportunity", "phone": UNKNOWN_SHOWN,
            "user_id": False, "partner_id": False, "company_id": self.company.id,
            "team_id": self.env.ref("sales_team.team_sales_department").id,
            "medium_id": self.env.ref("utm.utm_medium_phone").id}])
        self.assertRecordValues(call, [{"lead_id": lead.id, "lead_created": True,
                                        "user_id": self.olena.id}])
        self.assertUkrainian(self.note(lead).body, "Вхідний", "Співробітник: Олена Коваль",
                             "пропущений", "Немає відповіді")
        self.assertRecordValues(lead.activity_ids, [{
            "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
            "user_id": self.olena.id, "mango_missed_count": 1,
            "summary": f"Передзвонити {UNKNOWN_SHOWN}: пропущений дзвінок 01.01.2026 12:00"}])
        self.assertEqual(self.missed("BM2", "902", start=START + 3600).lead_id, lead)
        self.assertEqual(self.leads(), lead, "one lead for the number")
        self.assertRecordValues(self.callbacks(), [{
            "res_id": lead.id, "user_id": self.olena.id, "mango_missed_count": 2,
            "summary": f"Передзвонити {UNKNOWN_SHOWN}: пропущених дзвінків — 2, останній "
                       f"01.01.2026 13:00"}])
        self.post_binotel_all(outgoing_call("BM3", "902", UNKNOWN, answered=False))
        self.assertEqual(len(self.callbacks()), 1, "a callback nobody answered does not do it")
        self.post_binotel_all(outgoing_call("BM4", "902", UNKNOWN))
        self.assertFalse(self.callbacks())
        done = lead.message_ids.filtered(lambda m: "Передзвонили" in (m.body or ""))
        self.assertEqual(done.author_id, self.taras.partner_id, "done by who called back")
        self.assertUkrainian(done.body, f"Передзвонили: Вихідний дзвінок на {UNKNOWN_SHOWN}")

    def test_an_unknown_callers_missed_calls_make_one_callback(self):
        first = self.missed("BM5", "901")
        self.missed("BM6", "902", start=START + 600)
        self.assertFalse(self.leads(), "no leads made by calls: the company's default")
        self.assertRecordValues(self.callbacks(), [{
            "res_model": "pbx.call", "res_id": first.id, "user_id": self.olena.id,
            "mango_missed_count": 2,
            "summary": f"Передзвонити {UNKNOWN_SHOWN}: пропущених дзвінків — 2, останній "
                       f"01.01.2026 12:10"}])
        self.post_binotel_all(outgoing_call("BM7", "901", UNKNOWN))
        self.assertFalse(self.callbacks())

    def test_an_answered_call_gives_the_employee_who_took_it_an_opportunity(self):
        self.company.mango_autolead = "answered"
        missed = self.missed("BA1", "901")
        self.assertFalse(self.leads(), "not for a missed call")
        self.assertEqual(self.callbacks().user_id, self.olena)
        self.post_binotel_all(incoming_call("BA2", UNKNOWN, start=START + 600, attempts=[
            ("901", 10, 0, "NOANSWER"), ("902", 4, 60, "ANSWER")]))
        call, lead = self.calls("BA2"), self.leads()
        self.assertRecordValues(lead, [{
            "name": f"Дзвінок з {UNKNOWN_SHOWN}", "type": "opportunity",
            "user_id": self.taras.id, "team_id": self.kyiv.id}])
        self.assertRecordValues(call, [{"user_id": self.taras.id, "lead_id": lead.id,
                                        "lead_created": True}])
        self.assertEqual(missed.lead_id, lead, "the earlier call follows it")
        self.assertFalse(self.callbacks(), "the customer was answered: the callback is done")

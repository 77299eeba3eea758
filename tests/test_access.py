from psycopg2.errors import UniqueViolation

from odoo.exceptions import AccessError
from odoo.tests import JsonRpcException, new_test_user, tagged, users
from odoo.tools import mute_logger

from .common import PbxHttpCase
from .emulators.mango import FAKE_MP3, incoming_call, outgoing_call

MODELS = ("pbx.call", "pbx.call.leg", "pbx.call.recording", "pbx.event")


class ReadsCase:
    """What a user reads of calls and of what follows them, as the web client asks."""

    def readable(self, model):
        """What the current user gets from search_read, as the web client asks."""
        return {row["id"] for row in self.env[model].search_read([], ["id"])}

    def expected(self, calls):
        calls = calls.sudo()
        return {"pbx.call": set(calls.ids), "pbx.call.leg": set(calls.leg_ids.ids),
                "pbx.call.recording": set(calls.recording_ids.ids),
                "pbx.event": set(calls.event_ids.ids)}

    def assertReads(self, calls):
        expected = self.expected(calls)
        for model in MODELS:
            with self.subTest(model=model):
                self.assertEqual(self.readable(model), expected[model])


class ChatterEntriesCase:
    """What a call's chatter entry offers a reader, over HTTP as their web client asks."""

    def entries(self, login, record):
        """What the call entries of record's chatter offer login, as their web client gets it."""
        self.authenticate(login, login)
        result = self.make_jsonrpc_request("/mail/thread/messages", {
            "thread_model": record._name, "thread_id": record.id})
        return [message["pbx_call"] for message in result["data"]["mail.message"]
                if "pbx_call" in message]

    def open_call(self, call_id):
        return self.make_jsonrpc_request("/web/dataset/call_kw/pbx.call/web_read", {
            "model": "pbx.call", "method": "web_read", "args": [[call_id]],
            "kwargs": {"specification": {"display_name": {}}}})

    def assertOpens(self, entry):
        """Everything the entry offers opens for the current HTTP user: the call; each
        recording played (a range, as the audio element asks for it) and downloaded."""
        self.assertEqual(self.open_call(entry["id"])[0]["id"], entry["id"])
        for recording in entry["recordings"]:
            played = self.url_open(f"/web/content/{recording['id']}",
                                   headers={"Range": "bytes=0-99"})
            self.assertEqual((played.status_code, played.headers["Content-Type"],
                              played.content), (206, "audio/mpeg", FAKE_MP3[:100]))
            downloaded = self.url_open(f"/web/content/{recording['id']}?download=true")
            self.assertEqual((downloaded.status_code, downloaded.content), (200, FAKE_MP3))

    def assertOpensNothing(self, call):
        """The current HTTP user opens neither the call nor its recordings' files."""
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self.open_call(call.id)
        attachments = call.sudo().recording_ids.attachment_id
        self.assertTrue(attachments, "a recording to try")
        for attachment in attachments:
            for url in (f"/web/content/{attachment.id}",
                        f"/web/content/{attachment.id}?download=true"):
                self.assertIn(self.url_open(url).status_code, (403, 404))


@tagged("post_install", "-at_install")
class TestRights(ReadsCase, PbxHttpCase):
    """Calls, legs, recordings and journal rows follow the CRM's rights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.all_docs = new_test_user(cls.env, "all_docs", name="All Documents",
                                     groups="sales_team.group_sale_salesman_all_leads")
        cls.other_company, cls.stranger = cls.new_stranger()

    def setUp(self):
        super().setUp()
        # rep's answered call, rep2's call, a call that reached nobody, a call of PBX
        # staff without an Odoo user, an internal call
        self.post_all(incoming_call("A1", "79161234567", extension="101", recording_ref="R1"))
        self.post_all(incoming_call("A2", "79161234568", extension="102", recording_ref="R2"))
        self.post_all([n for n in incoming_call("A3", "79161234569") if n[1].get("location")
                       != "abonent" and n[0] == "events/call"])
        self.post_all(incoming_call("A4", "79161234560", extension="199"))
        self.post_all(outgoing_call("A5", "102", "101"))
        self.mine, self.theirs, self.pool, self.staff, self.internal = (
            self.calls(entry) for entry in ("A1", "A2", "A3", "A4", "A5"))
        self.env.flush_all()

    @users("rep")
    def test_own_documents_salesperson(self):
        self.assertEqual(self.pool.direction, "incoming")
        self.assertFalse(self.pool.sudo().extension)
        self.assertReads(self.mine | self.pool)

    @users("all_docs", "sales_manager")
    def test_all_documents(self):
        calls = self.env["pbx.call"].sudo().search([("company_id", "=", self.company.id)])
        self.assertReads(calls)

    @users("stranger")
    def test_other_company_reads_nothing(self):
        for model in MODELS:
            with self.subTest(model=model):
                self.assertFalse(self.readable(model))

    @users("rep")
    def test_salesperson_cannot_rewrite_what_happened(self):
        call = self.mine.with_env(self.env)
        for vals in ({"talk_time": 10.0}, {"state": "missed"}, {"user_id": self.rep2.id},
                     {"start_date": "2020-01-01 00:00:00"}, {"from_number": "000"}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                call.write(vals)
        with self.assertRaises(AccessError):
            call.leg_ids.write({"state": "talking"})
        partner = self.env["res.partner"].create({"name": "Новый клиент"})
        call.write({"partner_id": partner.id})
        self.assertEqual(call.partner_id, partner)

    @users("rep")
    def test_salesperson_cannot_delete_or_create(self):
        with self.assertRaises(AccessError):
            self.mine.with_env(self.env).unlink()
        with self.assertRaises(AccessError):
            self.env["pbx.call"].create({"entry_ref": "X"})

    @users("sales_manager")
    def test_manager_deletes(self):
        self.mine.with_env(self.env).unlink()
        self.assertFalse(self.mine.exists())

    @users("sales_manager")
    def test_secrets_are_for_administrators(self):
        with self.assertRaises(AccessError):
            _secret = self.company.with_env(self.env).mango_api_salt
        self.post("events/sms", {"command_id": "s1", "reason": 1000})
        unlinked = self.env["pbx.event"].sudo().search([("call_id", "=", False)])
        self.assertTrue(unlinked)
        self.assertFalse(set(unlinked.ids) & self.readable("pbx.event"),
                         "journal rows of no call are for administrators")


@tagged("post_install", "-at_install")
class TestTwoCompanies(PbxHttpCase):
    """One PBX per company: each company receives its own calls with its own extensions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({
            "name": "Company B", "mango_api_key": "key-b", "mango_api_salt": "salt-b"})
        cls.rep.write({"company_ids": [(4, cls.company_b.id)]})
        cls.rep_b = new_test_user(cls.env, "rep_b", groups="sales_team.group_sale_salesman",
                                  name="Rep B", company_id=cls.company_b.id,
                                  company_ids=[cls.company_b.id])
        Extension = cls.env["pbx.extension"]
        Extension.create({"company_id": cls.company_b.id, "user_id": cls.rep_b.id,
                          "extension": "101"})
        Extension.create({"company_id": cls.company_b.id, "user_id": cls.rep.id,
                          "extension": "555"})

    def test_each_pbx_gets_its_own_calls_and_extensions(self):
        for path, payload in incoming_call("B1", "79161234567", extension="101"):
            self.assertEqual(self.post(path, payload, key="key-b", salt="salt-b").status_code,
                             200)
        self.post_all(incoming_call("B1", "79161234567", extension="101"))
        calls = self.calls("B1")
        self.assertEqual(len(calls), 2)
        self.assertEqual({(c.company_id, c.user_id) for c in calls},
                         {(self.company, self.rep), (self.company_b, self.rep_b)})
        for path, payload in incoming_call("B2", "79161234567", extension="555"):
            self.post(path, payload, key="key-b", salt="salt-b")
        self.assertEqual(self.calls("B2").user_id, self.rep, "the same person, another PBX")

    def test_a_signature_of_the_other_pbx_is_refused(self):
        path, payload = incoming_call("B3", "79161234567")[0]
        with self.assertLogs("odoo.addons.mango_office.controllers.mango", "WARNING"):
            self.assertEqual(self.post(path, payload, key="key-b", salt=self.company.sudo()
                                       .mango_api_salt).status_code, 403)

    def test_one_user_one_extension_per_company(self):
        self.assertEqual(self.rep.with_company(self.company).pbx_extension, "101")
        self.assertEqual(self.rep.with_company(self.company_b).pbx_extension, "555")
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            with self.env.cr.savepoint():
                self.env["pbx.extension"].create({"company_id": self.company_b.id,
                                                    "user_id": self.rep2.id, "extension": "555"})

    def test_a_pbx_unique_code_belongs_to_one_company(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            with self.env.cr.savepoint():
                self.company_b.mango_api_key = self.company.sudo().mango_api_key


@tagged("post_install", "-at_install")
class TestSharedCalls(ChatterEntriesCase, PbxHttpCase):
    """Two reps on one opportunity. A call's chatter entry offers each reader only what they
    may open; the salesperson of the opportunity and of the contact may open the calls a
    colleague took for them; a rep on neither opens nothing and is offered nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna, cls.boris, cls.carl = cls.russian_reps(
            ("anna", "103", "Анна Смирнова"), ("boris", "104", "Борис Иванов"),
            ("carl", "105", "Карл Сидоров"))
        cls.ivan = cls.env["res.partner"].create({
            "name": "Иван Петров", "phone": "+7 916 123-45-67", "user_id": cls.anna.id})
        cls.lead = cls.env["crm.lead"].create({"name": "Поставка", "partner_id": cls.ivan.id,
                                               "user_id": cls.anna.id, "type": "opportunity"})

    def setUp(self):
        super().setUp()
        self.emulator.add_recording("RS1")
        self.post_all(incoming_call("S1", "79161234567", extension="104", recording_ref="RS1"))
        self.as_cron("pbx.call.recording", "_cron_fetch")
        self.call = self.calls("S1")
        self.attachment = self.call.recording_ids.attachment_id
        self.offered = {"id": self.call.id, "recordings": [
            {"id": self.attachment.id, "name": self.attachment.name}]}

    def test_the_note_links_nothing_itself(self):
        for note in self.call.note_message_ids:
            self.assertNotIn("href", note.body)
            self.assertFalse(note.attachment_ids)

    def test_the_salesperson_opens_what_the_note_of_a_colleagues_call_offers(self):
        for record in (self.lead, self.ivan, self.call):
            with self.subTest(record=record._name):
                self.assertEqual(self.entries("anna", record), [self.offered])
                self.assertOpens(self.offered)

    def test_the_employee_who_took_it_opens_it_from_the_contact(self):
        self.assertEqual(self.entries("boris", self.ivan), [self.offered])
        self.assertOpens(self.offered)

    def test_a_rep_on_neither_is_offered_nothing_and_opens_nothing(self):
        self.assertEqual(self.entries("carl", self.ivan), [False], "the note, nothing to open")
        self.assertOpensNothing(self.call)

    def test_restricted_recordings_are_offered_to_who_may_listen(self):
        self.company.mango_recordings_restricted = True
        self.assertEqual(self.entries("anna", self.lead), [{"id": self.call.id, "recordings": []}])
        self.assertIn(self.url_open(f"/web/content/{self.attachment.id}").status_code,
                      (403, 404))
        self.anna.group_ids |= self.env.ref("mango_office.group_call_recordings")
        self.assertEqual(self.entries("anna", self.lead), [self.offered])
        self.assertOpens(self.offered)

import contextlib
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import api, fields
from odoo.tests import tagged

from ..controllers.mango import MangoWebhook
from ..models import pbx_call_routing
from .common import PbxHttpCase, client_timeouts
from .emulators.mango import incoming_call


@tagged("post_install", "-at_install")
class TestRouting(PbxHttpCase):
    """A known caller hearing the greeting is put through to their salesperson."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"country_id": cls.env.ref("base.ru").id, "mango_routing": True})
        cls.olena = cls.env["res.partner"].create({
            "name": "Олена Коваль-Шевченко, ТОВ «Дуже Довга Назва Компанії»",
            "phone": "+380 67 123 4567", "user_id": cls.rep.id})
        cls.startClassPatcher(client_timeouts())  # Mango's timeouts as they are

    def setUp(self):
        super().setUp()
        # Under the test runner a request keeps the test's cursor: the work the webhook
        # leaves for after its answer would race the test. It is lost, as with a worker
        # stopped between its commit and its answer, unless done before answering.
        self.work_before_answer = False

        def after_answer(response, work):
            for func in work if self.work_before_answer else ():
                func()

        self.startPatcher(patch.object(MangoWebhook, "_after_answer",
                                       staticmethod(after_answer)))

    @contextlib.contextmanager
    def webhook_work(self):
        """The webhook does what it leaves for after its answer (the route), before it."""
        self.work_before_answer = True
        try:
            yield
        finally:
            self.work_before_answer = False

    def greeting(self, entry, caller="380671234567"):
        """The caller's first leg appears in the voice menu, then the route cron runs;
        answers that leg's Mango id."""
        leg = self.first_leg(entry, caller)
        self.send_routes()
        return leg

    def first_leg(self, entry, caller="380671234567"):
        """The caller's first leg appears in the voice menu, and the webhook's worker does
        what the webhook left for after its answer; answers that leg's Mango id."""
        path, payload = incoming_call(entry, caller)[0]
        self.assertEqual((payload["call_state"], payload["location"]), ("Appeared", "ivr"))
        with self.webhook_work():
            self.assertEqual(self.post(path, payload).status_code, 200)
        return payload["call_id"]

    def send_routes(self):
        """What the route cron does: routes no webhook sent."""
        self.as_cron("pbx.call", "_cron_send_routes")

    def test_known_caller_is_sent_to_the_salesperson_with_their_name(self):
        leg = self.greeting("R1")
        routes = self.emulator.requests_to("commands/route")
        self.assertEqual(len(routes), 1)
        payload = routes[0]["payload"]
        self.assertEqual((payload["call_id"], payload["to_number"]), (leg, "101"))
        name = payload["sip_headers"]["From/display-name"]
        self.assertTrue(self.olena.name.startswith(name))
        self.assertLessEqual(len(name.encode()), 64)
        call = self.calls("R1")
        self.assertRecordValues(call, [{"route_status": "sent", "route_user_id": self.rep.id,
                                        "route_command_ref": payload["command_id"]}])
        self.post("result/route", {"command_id": payload["command_id"], "result": 1000})
        self.assertRecordValues(call, [{"route_status": "routed", "route_code": 1000,
                                        "route_message": False}])

    def test_the_rest_of_the_call_does_not_route_again(self):
        with self.webhook_work():
            self.post_all(incoming_call("R2", "380671234567")[:1])
            self.send_routes()
            self.post_all(incoming_call("R2", "380671234567")[1:])
        self.send_routes()
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 1)

    def test_mango_refusal_is_shown_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["mango_office"], ["ru_RU"])
        self.emulator.fail("commands/route", code=4101)
        self.greeting("R3")
        call = self.calls("R3")
        self.assertRecordValues(call, [{"route_status": "failed", "route_code": 4101}])
        self.assertIn("4101", call.route_message)
        self.assertIn("The call has ended", call.route_message)
        russian = call.with_context(lang="ru_RU")
        russian.invalidate_recordset(["route_message"])
        self.assertIn("Звонок завершён", russian.route_message)

    def test_rate_limit_is_tried_again_while_the_caller_waits(self):
        """By the cron: no worker sleeps for Mango's rate limit."""
        self.emulator.fail("commands/route", http_status=429, times=1)
        path, payload = incoming_call("R4", "380671234567")[0]
        with patch.object(pbx_call_routing, "ROUTE_RETRY_SECONDS", 0.1):
            with self.webhook_work():
                self.post(path, payload)
            self.assertRecordValues(self.calls("R4"), [{"route_status": "pending",
                                                        "route_taken": False}])
            self.send_routes()
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 2)
        self.assertEqual(self.calls("R4").route_status, "sent")
        self.assertFalse(self.slow_until(), "a refusal is an answer in time")

    def test_rate_limit_reported_when_it_lasts(self):
        self.emulator.fail("commands/route", http_status=429)
        with patch.object(pbx_call_routing, "ROUTE_RETRY_SECONDS", 0.1):
            self.greeting("R4b")
        self.assertEqual(len(self.emulator.requests_to("commands/route")),
                         1 + pbx_call_routing.ROUTE_TRIES, "once in the worker, then the cron")
        call = self.calls("R4b")
        self.assertRecordValues(call, [{"route_status": "failed", "route_code": 4290}])
        self.assertIn("Rate limit", call.route_message)

    def test_result_refused_later(self):
        self.greeting("R5")
        command = self.emulator.requests_to("commands/route")[0]["payload"]["command_id"]
        self.post("result/route", {"command_id": command, "result": 4100})
        call = self.calls("R5")
        self.assertEqual(call.route_status, "failed")
        self.assertIn("4100", call.route_message)

    def test_mango_down(self):
        self.company.mango_api_url = "http://127.0.0.1:9/vpbx/"
        self.greeting("R7")
        call = self.calls("R7")
        self.assertEqual(call.route_status, "failed")
        self.assertIn("Could not reach Mango", call.route_message)

    def test_a_route_no_webhook_sent_is_sent_or_failed_by_the_cron(self):
        """The webhook's worker stopped after its commit: the cron sends the route while
        the caller waits; one whose sender died while sending is failed, never resent."""
        path, payload = incoming_call("R11", "380671234567")[0]
        self.post(path, payload)  # the work after the answer is lost: a stopped worker
        call = self.calls("R11")
        self.assertEqual(call.route_status, "pending")
        self.send_routes()
        self.assertEqual(call.route_status, "sent")
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 1)
        path, payload = incoming_call("R11b", "380671234567")[0]
        self.post(path, payload)
        lost = self.calls("R11b")
        lost.sudo().route_taken = True  # its sender died while sending
        self.send_routes()
        self.assertEqual(lost.route_status, "pending", "not yet stale")
        lost.sudo().route_date = fields.Datetime.now() - timedelta(minutes=1)
        self.send_routes()
        self.assertEqual(lost.route_status, "failed")
        self.assertIn("No outcome of the routing command", lost.route_message)
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 1, "never resent")

    def test_never_routed_once_the_call_ended_or_was_answered(self):
        notifications = incoming_call("R12", "380671234567")
        greeting = notifications[0]
        with self.webhook_work():
            self.post_all([n for n in notifications if n is not greeting])
            self.post_all([greeting])  # late
        self.send_routes()
        self.assertFalse(self.emulator.requests_to("commands/route"))
        self.assertFalse(self.calls("R12").route_status)

    def test_not_sent_when_the_caller_left_before_the_cron_ran(self):
        path, payload = incoming_call("R13", "380671234567")[0]
        self.post(path, payload)
        call = self.calls("R13")
        self.assertEqual(call.route_status, "pending")
        self.post_all(incoming_call("R13", "380671234567")[1:])  # the call goes on and ends
        self.send_routes()
        self.assertFalse(self.emulator.requests_to("commands/route"))
        self.assertEqual(call.route_status, "failed")
        self.assertIn("left the voice menu", call.route_message)

    def test_a_slow_mango_is_left_to_the_cron(self):
        self.emulator.delay("commands/route", 1.0)
        path, payload = incoming_call("R6", "380671234567")[0]
        started = time.monotonic()
        with self.webhook_work():
            self.assertEqual(self.post(path, payload).status_code, 200)
        self.assertLess(time.monotonic() - started,
                        pbx_call_routing.ROUTE_ANSWER_TIMEOUT + 0.8,
                        "the webhook's worker waits 0.3 s at most")
        call = self.calls("R6")
        self.assertRecordValues(call, [{"route_status": "pending", "route_taken": False}])
        self.send_routes()  # the cron, woken by the hand-over, gives Mango 3 s
        self.assertEqual(call.route_status, "sent")
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 2)

    def slow_until(self):
        self.company.invalidate_recordset(["pbx_slow_until"])
        return self.company.pbx_slow_until

    def route_triggers(self):
        return self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.env.ref("mango_office.ir_cron_mango_route").id)])

    def test_a_slow_mango_is_left_to_the_cron_without_trying_it(self):
        """Once a route timed out in a worker, the workers (of every node: the mark is the
        company's) leave routes to the cron, woken, without trying them; the cron's routes
        answered in time again let the workers send."""
        self.emulator.delay("commands/route", 1.0)
        self.greeting("S1")  # times out in the worker; the cron sends it
        self.assertEqual(self.calls("S1").route_status, "sent")
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 2)
        self.assertGreater(self.slow_until(), fields.Datetime.now(), "marked slow")

        triggers = self.route_triggers()
        leg = self.first_leg("S2")
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 2, "not tried")
        self.assertRecordValues(self.calls("S2"), [{"route_status": "pending",
                                                    "route_taken": False}])
        self.assertEqual(self.route_triggers(), triggers + 1, "the cron is woken at once")
        self.send_routes()  # Mango still slow: the cron's answer keeps the mark
        routes = self.emulator.requests_to("commands/route")
        self.assertEqual([r["payload"]["call_id"] for r in routes[2:]], [leg])
        self.assertEqual(self.calls("S2").route_status, "sent")
        self.assertTrue(self.slow_until())

        self.emulator.delay("commands/route", 0)  # Mango is fast again
        self.greeting("S3")  # still left to the cron, whose answer in time clears the mark
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 4)
        self.assertEqual(self.calls("S3").route_status, "sent")
        self.assertFalse(self.slow_until())
        self.first_leg("S4")
        self.assertEqual(self.calls("S4").route_status, "sent", "sent by the worker")
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 5)

    def test_a_slow_mark_expires(self):
        """With no route for the cron to measure Mango by, the workers try again once the
        mark expires."""
        self.emulator.delay("commands/route", 1.0)
        self.first_leg("S5")  # times out in the worker, and is left to the cron
        self.assertTrue(self.slow_until())
        self.emulator.delay("commands/route", 0)
        self.first_leg("S6")
        self.assertRecordValues(self.calls("S6"), [{"route_status": "pending",
                                                    "route_taken": False}])
        self.company.pbx_slow_until = fields.Datetime.now() - timedelta(seconds=1)
        self.env.flush_all()
        self.first_leg("S7")
        self.assertEqual(self.calls("S7").route_status, "sent", "sent by the worker")
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 2)

    def test_routed_outside_a_request(self):
        """Applied by a reprocessing, with no HTTP request: routed all the same."""
        path, payload = incoming_call("R14", "380671234567")[0]
        with patch.object(type(self.env["pbx.event"]), "_process", return_value=[]):
            self.post(path, payload)  # journaled, and its worker stopped before applying it
        event = self.journal()
        self.assertEqual(event.state, "received")
        self.env.flush_all()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env["pbx.event"].browse(event.id).action_reprocess()
        self.env.invalidate_all()
        self.assertEqual(event.state, "processed")
        self.assertEqual(self.calls("R14").route_status, "sent")
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 1)

    def test_no_routing_without_owner_extension_or_setting(self):
        stranger = self.greeting("R8", "74951112233")
        self.assertTrue(stranger)
        self.assertEqual(self.calls("R8").route_status, "no_owner")
        self.olena.user_id = self.sales_manager
        self.greeting("R9")
        self.assertEqual(self.calls("R9").route_status, "no_extension")
        self.olena.user_id = self.rep
        self.company.mango_routing = False
        self.greeting("R10")
        self.assertEqual(self.calls("R10").route_status, "disabled")
        self.assertFalse(self.emulator.requests_to("commands/route"))

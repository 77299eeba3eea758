import threading
import time

from odoo.tests import tagged
from odoo.tests.common import release_test_lock

from ..mango.emulator import incoming_call
from .common import MangoCase


@tagged("post_install", "-at_install")
class TestRouting(MangoCase):
    """A known caller hearing the greeting is put through to their salesperson."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"country_id": cls.env.ref("base.ru").id, "mango_routing": True})
        cls.olena = cls.env["res.partner"].create({
            "name": "Олена Коваль-Шевченко, ТОВ «Дуже Довга Назва Компанії»",
            "phone": "+380 67 123 4567", "user_id": cls.rep.id})

    def greeting(self, entry, caller="380671234567"):
        """The caller's first leg appears in the voice menu; answers that leg's Mango id."""
        path, payload = incoming_call(entry, caller)[0]
        self.assertEqual((payload["call_state"], payload["location"]), ("Appeared", "ivr"))
        started = time.monotonic()
        self.assertEqual(self.post(path, payload).status_code, 200)
        self.webhook_seconds = time.monotonic() - started
        self.wait_for_routing()
        return payload["call_id"]

    def wait_for_routing(self):
        """Let the routing thread take the test cursor, and wait until it is done."""
        with release_test_lock():
            for thread in threading.enumerate():
                if thread.name == "mango-route":
                    thread.join(timeout=30)
        self.env.invalidate_all()

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
                                        "route_command_id": payload["command_id"]}])
        self.post("result/route", {"command_id": payload["command_id"], "result": 1000})
        self.assertEqual(call.route_status, "routed")

    def test_the_rest_of_the_call_does_not_route_again(self):
        self.post_all(incoming_call("R2", "380671234567"))
        self.wait_for_routing()
        self.assertEqual(len(self.emulator.requests_to("commands/route")), 1)

    def test_mango_refusals_are_shown_on_the_call(self):
        for entry, fault, words in (("R3", {"code": 4101}, "4101"),
                                    ("R4", {"http_status": 429}, "4290")):
            with self.subTest(fault=fault):
                self.emulator.fail("commands/route", **fault)
                self.greeting(entry)
                call = self.calls(entry)
                self.assertEqual(call.route_status, "failed")
                self.assertIn(words, call.route_message)
                self.emulator.reset()

    def test_result_refused_later(self):
        self.greeting("R5")
        command = self.emulator.requests_to("commands/route")[0]["payload"]["command_id"]
        self.post("result/route", {"command_id": command, "result": 4100})
        call = self.calls("R5")
        self.assertEqual(call.route_status, "failed")
        self.assertIn("4100", call.route_message)

    def test_a_slow_mango_does_not_hold_the_webhook(self):
        self.emulator.delay("commands/route", 2.0)
        self.greeting("R6")
        self.assertLess(self.webhook_seconds, 1.0)
        self.assertEqual(self.calls("R6").route_status, "sent")

    def test_mango_down(self):
        self.company.mango_api_url = "http://127.0.0.1:9/vpbx/"
        self.greeting("R7")
        call = self.calls("R7")
        self.assertEqual(call.route_status, "failed")
        self.assertIn("Could not reach Mango", call.route_message)

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

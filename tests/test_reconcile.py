import json
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import tagged

from ..mango import MangoClient
from ..models import pbx_reconciliation
from .common import PbxHttpCase
from .emulators.mango import incoming_call, outgoing_call, stats_row


@tagged("post_install", "-at_install")
class TestReconciliation(PbxHttpCase):
    """Calls Mango knows and Odoo never heard of are recovered from Mango's statistics."""

    def setUp(self):
        super().setUp()
        patcher = patch.object(MangoClient, "STATS_POLL_SECONDS", 0.01)
        patcher.start()
        self.addCleanup(patcher.stop)

    def reconcile(self, hours=2):
        """A reconciliation of the last ``hours`` run by the cron; answers what it recovered."""
        now = fields.Datetime.now()
        self.as_cron("pbx.reconciliation", "_pbx_claim", self.company,
                     now - timedelta(hours=hours), now)
        self.as_cron("pbx.reconciliation", "_cron_reconcile")
        return self.company.mango_reconciliation_recovered

    def test_what_never_arrived_is_recovered_exactly_once(self):
        t0 = int(time.time()) - 1800
        delivered = incoming_call("K1", "79161234567", extension="101", start=t0)
        cut = incoming_call("K2", "79161234568", extension="102", start=t0 + 60,
                            answered=False)
        lost = incoming_call("K3", "79161234569", extension="101", start=t0 + 120,
                             recording_ref="KR3")
        out = outgoing_call("K4", "101", "79161234560", start=t0 + 180)
        self.post_all(delivered)
        self.post_all(cut[:2])  # Odoo went down in the middle of this call
        self.emulator.stats.extend(stats_row(n) for n in (delivered, cut, lost, out))
        self.emulator.stats_not_ready = 2  # Mango answers 204 twice: polled again
        journal = self.journal()
        self.assertEqual(self.reconcile(), 3)
        self.assertEqual(len(self.emulator.requests_to("stats/result")), 3)
        self.assertRecordValues(self.calls("K1") | self.calls("K2") | self.calls("K3")
                                | self.calls("K4"), [
            {"entry_ref": "K1", "state": "answered", "user_id": self.rep.id,
             "direction": "incoming"},
            {"entry_ref": "K2", "state": "missed", "user_id": self.rep2.id,
             "direction": "incoming"},
            {"entry_ref": "K3", "state": "answered", "user_id": self.rep.id,
             "direction": "incoming"},
            {"entry_ref": "K4", "state": "answered", "user_id": self.rep.id,
             "direction": "outgoing"}])
        self.assertEqual(self.calls("K3").recording_ids.mapped("fetch_state"), ["queued"])
        self.assertEqual(self.calls("K2").activity_ids.user_id, self.rep2,
                         "a missed call recovered is called back like a live one")
        recovered = self.journal() - journal
        self.assertEqual(sorted(recovered.mapped("path")), [
            "reconciliation/record"] + ["reconciliation/summary"] * 3)
        self.assertEqual(set(recovered.mapped("state")), {"processed"})
        warning = self.env["mail.activity"].search([
            ("res_model", "=", "pbx.call"),
            ("summary", "=", "Mango notifications did not reach Odoo")])
        self.assertEqual(warning.user_id, self.env.ref("base.user_admin"),
                         "the administrators are told, once")
        self.assertIn("3 calls", str(warning.note), "K1 arrived whole; K2, K3, K4 did not")
        self.assertIn(self.company._mango_webhook_url(), str(warning.note))
        self.assertEqual(self.reconcile(), 0, "a second run changes nothing")
        self.assertEqual(len(self.calls()), 4)
        self.assertTrue(self.company.mango_reconciliation_date)
        self.assertEqual(self.company.mango_reconciliation_recovered, 0)

    def test_live_notifications_after_the_recovery_do_not_make_a_second_call(self):
        t0 = int(time.time()) - 600
        late = incoming_call("K5", "79161234567", extension="101", start=t0)
        self.emulator.stats.append(stats_row(late))
        self.reconcile()
        self.post_all(late)
        self.assertEqual(len(self.calls("K5")), 1)
        self.assertEqual(self.calls("K5").state, "answered")


@tagged("post_install", "-at_install")
class TestReconcileFromSettings(PbxHttpCase):
    """A Russian administrator reconciles a period from the settings: the page answers at
    once, the cron does the work, and the page then tells what it recovered."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.speak_russian()
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.write({"lang": "ru_RU", "tz": "Europe/Moscow"})
        cls.cron = cls.env.ref("mango_office.ir_cron_pbx_reconcile")

    def setUp(self):
        super().setUp()
        patcher = patch.object(MangoClient, "STATS_POLL_SECONDS", 0.01)
        patcher.start()
        self.addCleanup(patcher.stop)

    def settings(self, **values):
        """The settings page as the admin opens it."""
        return self.env["res.config.settings"].with_user(self.admin).with_context(
            lang="ru_RU", tz="Europe/Moscow").create(values)

    def run_cron(self, **context):
        """One call of the cron's method; answers the progress it committed."""
        self.env.flush_all()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cron, progress = env["ir.cron"].browse(self.cron.id)._add_progress()
            env["pbx.reconciliation"].with_context(
                ir_cron_progress_id=progress.id, cron_id=cron.id, **context)._cron_reconcile()
            result = progress.done, progress.remaining
        self.env.invalidate_all()
        return result

    def lost_calls(self, start, count):
        for n in range(count):
            call = incoming_call(f"S{start}-{n}", "7916123456%s" % n, extension="101",
                                 start=start + 60 * n)
            self.emulator.stats.append(stats_row(call))

    def notifications_to(self, user):
        return [json.loads(bus.message)["payload"]
                for bus in self.env["bus.bus"].sudo().search([], order="id")
                if json.loads(bus.channel)[1:] == ["res.partner", user.partner_id.id]
                and json.loads(bus.message)["type"] == "simple_notification"]

    def test_reconcile_answers_at_once_and_the_page_then_tells_what_it_recovered(self):
        now = int(time.time())
        self.lost_calls(now - 3 * 3600, 3)
        date_from = fields.Datetime.now() - timedelta(hours=4)
        date_to = fields.Datetime.now() - timedelta(hours=1)
        action = self.settings(mango_reconcile_from=date_from,
                               mango_reconcile_to=date_to).action_mango_reconcile()
        self.assertEqual(action["params"]["title"], "Сверка запущена")
        self.assertIn("в фоне", action["params"]["message"])
        self.assertFalse(self.emulator.requests_to("stats/request"), "nothing asked of Mango yet")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]))
        page = self.settings()
        self.assertEqual((page.mango_reconciling_from, page.mango_reconciling_to),
                         (date_from, date_to), "the page says one is running, for this period")
        again = self.settings().action_mango_reconcile()
        self.assertEqual(again["params"]["title"], "Сверка уже идёт")
        self.cron.method_direct_trigger()  # as the cron worker runs it
        self.assertEqual(len(self.calls()), 3)
        page = self.settings()
        self.assertFalse(page.mango_reconciling_to)
        self.assertRecordValues(page, [{
            "mango_reconciliation_start": date_from, "mango_reconciliation_end": date_to,
            "mango_reconciliation_recovered": 3, "mango_reconciliation_failure": False}])
        self.assertAlmostEqual(page.mango_reconciliation_date, fields.Datetime.now(),
                               delta=timedelta(minutes=1))
        self.assertEqual(self.notifications_to(self.admin)[-1]["message"],
                         "Сверка завершена: из статистики Mango восстановлено звонков: 3.")
        health = self.env["pbx.call"].with_user(self.admin).pbx_webhook_health()
        self.assertEqual(health["reconciliation"]["recovered"], 3)
        self.assertEqual(health["reconciliation"]["start"], fields.Datetime.to_string(date_from))
        self.assertFalse(health["running"])

    def test_browser_reconcile_button(self):
        """The admin presses Reconcile: told at once, and the page shows it running."""
        self.start_tour("/odoo/settings#crm", "mango_office_settings_reconcile",
                        login="admin", timeout=90)
        self.assertTrue(self.company.mango_reconciling_to)
        self.assertFalse(self.emulator.requests_to("stats/request"))

    def test_a_long_period_goes_month_by_month_and_resumes(self):
        now = fields.Datetime.now()
        start = now - timedelta(days=45)
        self.lost_calls(int(time.time()) - 40 * 86400, 1)
        self.lost_calls(int(time.time()) - 5 * 86400, 2)
        self.settings(mango_reconcile_from=start, mango_reconcile_to=now).action_mango_reconcile()
        self.assertEqual(self.run_cron(cron_end_time=0), (0, 2),
                         "past the cron's time, nothing is begun: the next run does it")
        self.assertFalse(self.emulator.requests_to("stats/request"))
        self.assertEqual(self.run_cron(), (1, 1), "the first month, and one window left")
        page = self.settings()
        self.assertEqual(page.mango_reconciling_done, start + MangoClient.statistics_window)
        self.assertEqual(page.mango_reconciling_recovered, 1)
        health = self.env["pbx.call"].with_user(self.admin).pbx_webhook_health()
        self.assertEqual(health["running"]["recovered"], 1)
        self.assertEqual(self.run_cron(), (1, 0))
        self.assertEqual(self.settings().mango_reconciliation_recovered, 3)
        self.assertEqual(len(self.emulator.requests_to("stats/request")), 2)

    def test_mango_refusal_is_on_the_page_in_russian(self):
        self.emulator.fail("stats/request", code=3102)
        self.settings().action_mango_reconcile()
        self.run_cron()
        page = self.settings()
        self.assertFalse(page.mango_reconciling_to, "the page lets the admin try again")
        self.assertEqual(page.mango_reconciliation_failure, "Mango ответил кодом 3102: "
                         "Подпись не совпадает: проверьте ключ для создания подписи")
        self.assertIn("3102", self.notifications_to(self.admin)[-1]["message"])
        self.assertTrue(self.env["pbx.call"].with_user(self.admin).pbx_webhook_health()[
            "warning"])

    def test_answers_mango_should_not_give_are_warnings_in_words(self):
        """A body without the key, an HTML error page instead of the statistics: the page
        and the health banner say so in words, the cron ends without a Traceback."""
        answers = (
            ("stats/request", ("application/json", b'{"result": 1000}'),
             "В ответе Mango на stats/request нет поля key"),
            ("stats/request", ("text/html", b"<html><body>Maintenance</body></html>"),
             "Ответ Mango — не ожидаемый JSON-объект"),
            ("stats/result", ("text/html", b"<html><body>502 Bad Gateway</body></html>"),
             "Статистика Mango пришла не в ожидаемом формате"),
        )
        for path, body, words in answers:
            with self.subTest(path=path, body=body):
                self.emulator.reset()
                self.emulator.fail(path, body=body)
                self.settings().action_mango_reconcile()
                with self.assertLogs(pbx_reconciliation.__name__, "WARNING") as logged:
                    self.run_cron()  # no exception: Mango's answer is the run's failure
                self.assertEqual(len(logged.records), 1)
                self.assertIn("Reconciliation of", logged.output[0])
                self.assertIsNone(logged.records[0].exc_info, "a warning, no Traceback")
                self.assertEqual(self.settings().mango_reconciliation_failure, words)
                self.assertTrue(self.env["pbx.call"].with_user(
                    self.admin).pbx_webhook_health()["warning"])

    def test_the_hourly_run_waits_for_the_one_asked_for(self):
        """Never two reconciliations of a company at once: the hourly one does not start
        while the admin's is running, and starts after it from where the last ended."""
        hour_ago = fields.Datetime.now() - timedelta(hours=1)
        self.company.mango_reconciled_until = hour_ago
        self.settings(mango_reconcile_from=hour_ago - timedelta(days=2),
                      mango_reconcile_to=hour_ago - timedelta(days=1)).action_mango_reconcile()
        self.assertFalse(self.as_cron("pbx.reconciliation", "_pbx_claim", self.company,
                                      hour_ago, fields.Datetime.now()))
        self.run_cron()
        self.assertEqual(self.company.mango_reconciliation_end, hour_ago - timedelta(days=1))
        self.assertEqual(self.company.mango_reconciled_until, hour_ago,
                         "an older period does not move where the hourly run resumes")
        self.run_cron()
        self.assertEqual(self.company.mango_reconciliation_start, hour_ago)
        self.assertGreater(self.company.mango_reconciled_until, hour_ago)
        self.assertEqual(self.run_cron(), (0, 0), "then nothing until the next hour")

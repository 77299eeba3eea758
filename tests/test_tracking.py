from odoo.tests import Form, tagged

from .common import PbxHttpCase
from .emulators.mango import incoming_call

TRACKING_NUMBER = "74001234567"
VISITOR = {"uid": "3b8f", "widget_id": 17, "widget_name": "Сайт", "ga_cid": "GA1.2.3",
           "ya_cid": "16789", "ip": "203.0.113.5", "device": "mobile",
           "location": {"country_code": "RU", "region": "Московская область", "city": "Москва"},
           "channel": {"source": "yandex", "medium": "cpc", "campaign": "весна-2026",
                       "term": "<b>crm</b>"},
           "current_page": {"url": "https://example.ru/price", "title": "Цены",
                            "date": "2026-11-23T11:00:00Z"}}


@tagged("post_install", "-at_install")
class TestCallTracking(PbxHttpCase):
    """Dynamic call tracking: the visitor behind the number, and its UTM on the lead."""

    def tracked_call(self, entry, kind=1):
        notifications = []
        for path, payload in incoming_call(entry, "79161112233", extension="101"):
            if path in ("events/call", "events/summary"):
                payload = {**payload, "dct": {"number": TRACKING_NUMBER, "type": kind}}
            notifications.append((path, payload))
        self.post_all(notifications)
        return self.calls(entry)

    def fetch_visitors(self):
        self.as_cron("pbx.call", "_cron_fetch_visitors")

    def test_visitor_is_fetched_in_the_background_and_shown(self):
        self.emulator.visitors[TRACKING_NUMBER] = VISITOR
        call = self.tracked_call("T1")
        self.assertRecordValues(call, [{"dct_number": TRACKING_NUMBER, "dct_type": "1",
                                        "dct_state": "queued"}])
        self.assertFalse(self.emulator.requests_to("queries/user_info_by_dct_number"))
        self.fetch_visitors()
        self.assertEqual(len(self.emulator.requests_to("queries/user_info_by_dct_number")), 1)
        self.assertEqual(call.dct_state, "done")
        self.assertEqual(call.dct_data["channel_source"], "yandex")
        self.assertEqual(call.dct_data["location_city"], "Москва")
        self.assertIn("Москва", call.dct_html)
        self.assertIn("&lt;b&gt;crm&lt;/b&gt;", call.dct_html, "visitor data is escaped")

    def test_a_russian_rep_reads_the_visitor_in_russian(self):
        self.speak_russian()
        self.emulator.visitors[TRACKING_NUMBER] = VISITOR
        call = self.tracked_call("T9")
        self.fetch_visitors()
        html = call.with_user(self.rep).with_context(lang="ru_RU").dct_html
        self.assertIn("UTM источник", html)
        self.assertIn("Москва", html)

    def test_a_lead_from_the_call_takes_its_utm(self):
        self.emulator.visitors[TRACKING_NUMBER] = VISITOR
        call = self.tracked_call("T2")
        self.fetch_visitors()
        action = call.with_user(self.rep).action_create_lead()
        with Form(self.env["crm.lead"].with_user(self.rep).with_context(action["context"])) as form:
            self.assertEqual(form.phone, "+7 916 111-22-33")
        lead = form.record
        self.assertEqual((lead.source_id.name, lead.medium_id.name, lead.campaign_id.name),
                         ("yandex", "cpc", "весна-2026"))
        self.assertEqual(lead.user_id, self.rep)
        self.assertEqual(call.lead_id, lead, "saving the lead links the call")

    def test_static_tracking_is_kept_without_asking_mango(self):
        call = self.tracked_call("T3", kind=2)
        self.assertRecordValues(call, [{"dct_number": TRACKING_NUMBER, "dct_type": "2",
                                        "dct_state": False}])

    def test_an_answer_mango_should_not_give_fails_the_visitor_in_words(self):
        """An HTML page where Mango's JSON should be: no visitor, no Traceback, and no
        asking again for an answer that would be the same."""
        self.emulator.fail("queries/user_info_by_dct_number",
                           body=("text/html", b"<html><body>Maintenance</body></html>"))
        call = self.tracked_call("T4")
        self.fetch_visitors()
        self.assertEqual(len(self.emulator.requests_to("queries/user_info_by_dct_number")), 1)
        self.assertRecordValues(call, [{"dct_state": "failed", "dct_data": False}])

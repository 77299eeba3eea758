import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MangoCase
from .fuzzing import SAMPLES, mutations


@tagged("post_install", "-at_install")
class TestWebhookFuzz(MangoCase):
    """Signed but mutated bodies on every path: never a 500, nothing authenticated lost."""

    @mute_logger("odoo.addons.mango_office.models.pbx_event",
                 "odoo.addons.mango_office.controllers.mango")
    @settings(max_examples=1000, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def test_mutated_notifications(self, data):
        path, payload = data.draw(st.sampled_from(SAMPLES))
        body = json.dumps(data.draw(mutations(payload)))
        before = self.env["pbx.event"].search_count([])
        response = self.post_raw(path, body)
        self.assertIn(response.status_code, (200, 400), body[:200])
        journaled = self.env["pbx.event"].search([("path", "=", path), ("payload", "=", body)])
        if response.status_code == 200:
            self.assertEqual(len(journaled), 1, "an accepted notification is journaled")
            self.assertIn(journaled.state, ("processed", "waiting", "ignored", "error"))
        else:
            self.assertFalse(journaled)
            self.assertEqual(self.env["pbx.event"].search_count([]), before)

import json

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PbxHttpCase
from .fuzzing import fuzz, mutate, sample


@tagged("post_install", "-at_install")
class TestWebhookFuzz(PbxHttpCase):
    """Signed but mutated bodies on every path: never a 500, nothing authenticated lost."""

    @mute_logger("odoo.addons.mango_office.models.pbx_event",
                 "odoo.addons.mango_office.controllers.mango")
    @fuzz(max_examples=1000)
    def test_mutated_notifications(self, data):
        path, payload = sample(data)
        body = json.dumps(mutate(data, payload))
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

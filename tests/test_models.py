"""The house as a newcomer finds it: one neutral call log for any PBX, each PBX's protocol in
its own package, and names that say what a field is."""
from pathlib import Path

from odoo.tests import TransactionCase, tagged

ROOT = Path(__file__).resolve().parent.parent
CALL_LOG = ("pbx.call", "pbx.call.leg", "pbx.call.recording", "pbx.event", "pbx.extension")


@tagged("post_install", "-at_install")
class TestNeutralCallLog(TransactionCase):

    def test_the_call_log_is_named_for_no_pbx(self):
        for name in CALL_LOG:
            self.assertIn(name, self.env.registry)
        left = [name for name in self.env.registry
                if name.startswith(("mango.call", "mango.event", "mango.extension"))]
        self.assertEqual(left, [])

    def test_a_field_named_as_a_link_is_one(self):
        wrong = []
        for name in self.env.registry:
            if not name.startswith("pbx."):
                continue
            for field in self.env[name]._fields.values():
                if field.name.endswith("_id") and field.type != "many2one" \
                        or field.name.endswith("_ids") and field.type not in ("one2many",
                                                                              "many2many"):
                    wrong.append(f"{name}.{field.name} ({field.type})")
        self.assertEqual(wrong, [])

    def test_the_call_log_reaches_a_pbx_only_through_its_seam(self):
        """The call's files know the neutral events and the client interface, not Mango's
        package; the protocol packages hold only what production runs (no HTTP server)."""
        for path in sorted((ROOT / "models").glob("pbx_*.py")):
            self.assertNotIn("..mango", path.read_text(), path.name)
        for package in ("mango", "binotel", "pbx"):
            for path in sorted((ROOT / package).glob("*.py")):
                self.assertNotIn("http.server", path.read_text(), f"{package}/{path.name}")

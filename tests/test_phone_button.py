from odoo.tests import tagged

from .common import PbxHttpCase


def hoot_id(name):
    """The id by which the unit test page runs one suite (as web's HOOTCommon makes it)."""
    value = 0
    for char in name:
        value = ((value << 5) - value + ord(char)) & 0xFFFFFFFF
    return f"{value:08x}"


@tagged("post_install", "-at_install")
class TestPhoneButton(PbxHttpCase):
    """The Mango button of the phone widget shows only to users with an extension in the
    current company's PBX."""

    def extensions_in_session(self, login):
        self.authenticate(login, login)
        companies = self.make_jsonrpc_request("/web/session/get_session_info")[
            "user_companies"]["allowed_companies"]
        return {int(company_id): company["pbx_extension"]
                for company_id, company in companies.items()}

    def test_the_web_client_knows_the_extension_of_each_company(self):
        other = self.env["res.company"].create({"name": "Other PBX"})
        self.rep.company_ids |= other
        self.assertEqual(self.extensions_in_session("rep"), {self.company.id: "101",
                                                             other.id: False})
        self.env["pbx.extension"].create({"company_id": other.id, "user_id": self.rep.id,
                                            "extension": "7001"})
        self.assertEqual(self.extensions_in_session("rep"), {self.company.id: "101",
                                                             other.id: "7001"})
        self.assertEqual(self.extensions_in_session("sales_manager"), {self.company.id: False},
                         "no extension: no Mango button")

    def test_hoot_phone_button(self):
        """static/tests/phone_button.test.js: shown, hidden, turned off, calling."""
        self.browser_js(
            f"/web/tests?headless&loglevel=2&preset=desktop&timeout=15000"
            f"&id={hoot_id('@mango_office')}", "", "", login="admin", timeout=600,
            success_signal="[HOOT] Test suite succeeded",
            error_checker=lambda message: "[HOOT]" not in message)

"""The admin sets up Binotel in the CRM settings: its keys and company ID, the addresses to
send to Binotel's support with the letter, Test connection, Import PBX users."""
import json

from psycopg2.errors import UniqueViolation

from odoo.exceptions import AccessError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..binotel.webhook import SERVER_ADDRESSES
from .common_binotel import BINOTEL_KEY, BinotelHttpCase
from .emulators.binotel import COMPANY


@tagged("post_install", "-at_install", "binotel")
class TestBinotelSettings(BinotelHttpCase):

    def settings(self):
        return self.env["res.config.settings"].create({})

    def test_a_new_company_has_binotels_defaults(self):
        company = self.env["res.company"].create({"name": "Нова Компанія"})
        self.assertEqual(company.binotel_api_url, "https://api.binotel.com/api/4.0/")
        self.assertEqual(company._binotel_allowed(), SERVER_ADDRESSES)

    def test_the_admin_fills_in_binotels_block_in_the_form(self):
        with Form(self.env["res.config.settings"]) as form:
            self.assertEqual(form.pbx_provider, "binotel")
            form.binotel_company_ref = "70001"
            form.binotel_allowed_ips = "194.88.218.114, 10.0.0.0/8"
        form.record.execute()
        self.assertEqual(self.company.binotel_company_ref, "70001")
        self.assertEqual(self.company._binotel_allowed(), ("194.88.218.114", "10.0.0.0/8"))

    def test_the_keys_are_for_administrators_and_saved_on_the_company(self):
        for name in ("binotel_api_key", "binotel_api_secret"):
            self.assertEqual(self.env["res.company"]._fields[name].groups, "base.group_system")
        self.settings().write({"binotel_api_key": "new-key", "binotel_api_secret": "new-secret",
                               "binotel_company_ref": "12345"})
        self.assertEqual((self.company.binotel_api_key, self.company.binotel_api_secret,
                          self.company.binotel_company_ref), ("new-key", "new-secret", "12345"))

    def test_a_neutralized_copy_takes_and_sends_nothing(self):
        self.env.flush_all()
        for query in get_neutralization_queries(["mango_office"]):
            self.env.cr.execute(query)
        self.company.invalidate_recordset()
        self.assertEqual((self.company.binotel_api_key, self.company.binotel_api_secret,
                          self.company.binotel_company_ref), (False, False, False))

    def test_the_addresses_and_the_letter_for_binotels_support(self):
        base = self.company.get_base_url()
        settings = self.settings()
        self.assertEqual(
            [settings.binotel_webhook_push_url, settings.binotel_webhook_settings_url,
             settings.binotel_webhook_completed_url, settings.binotel_webhook_url],
            [f"{base}/binotel/push", f"{base}/binotel/settings", f"{base}/binotel/completed",
             f"{base}/binotel"])
        letter = settings.binotel_support_letter
        for line in (f"Push requests: {base}/binotel/push",
                     f"callSettings requests: {base}/binotel/settings",
                     f"callCompleted requests: {base}/binotel/completed",
                     "Give us the keys for the REST API"):
            self.assertIn(line, letter)

    def test_the_settings_show_binotels_block_for_binotel(self):
        settings = self.settings()
        labels = dict(settings._fields["pbx_provider"]._description_selection(self.env))
        self.assertEqual(labels["binotel"], "Binotel")
        arch = self.env.ref("mango_office.res_config_settings_view_form").arch_db
        for name in ("binotel_company_ref", "binotel_api_key", "binotel_api_secret",
                     "binotel_allowed_ips", "binotel_support_letter",
                     "action_binotel_test_connection"):
            self.assertIn(f'name="{name}"', arch)
        self.assertIsInstance(self.company._pbx_client(), self.company._pbx_client_class())

    def test_test_connection_asks_for_the_employees(self):
        action = self.settings().action_binotel_test_connection()
        self.assertEqual((action["params"]["type"], action["params"]["title"],
                          action["params"]["message"]),
                         ("success", "Binotel connection works",
                          "The PBX answered and has 3 employees."))
        self.assertEqual(len(self.binotel.requests_to("settings/list-of-employees")), 1)

    def test_test_connection_says_binotels_refusal_in_words(self):
        self.company.binotel_api_secret = "not-the-secret"
        action = self.settings().action_binotel_test_connection()
        self.assertEqual((action["params"]["type"], action["params"]["title"]),
                         ("danger", "Binotel connection failed"))
        self.assertEqual(action["params"]["message"],
                         "Binotel answered with code 121: The API key or secret is wrong")

    def test_test_connection_without_keys_or_binotel(self):
        self.company.binotel_api_key = False
        self.assertIn("not set",
                      self.settings().action_binotel_test_connection()["params"]["message"])
        self.company.write({"binotel_api_key": BINOTEL_KEY,
                            "binotel_api_url": "http://127.0.0.1:9/api/4.0/"})
        self.assertIn("Could not reach Binotel",
                      self.settings().action_binotel_test_connection()["params"]["message"])

    def test_import_pbx_users_from_binotels_employees(self):
        olena = self.env["res.users"].create({"name": "Olena K.", "login": "olena",
                                              "email": "OLENA@example.com"})
        taras = self.env["res.users"].create({"name": "Тарас Шевчук", "login": "taras"})
        wizard = Form(self.env["pbx.user.import"]).save()
        self.assertEqual(
            [(line.extension, line.name, line.email, line.pbx_user_ref, line.user_id)
             for line in wizard.line_ids],
            [("901", "Олена Коваль", "olena@example.com", "5001", olena),  # same email
             ("902", "Тарас Шевчук", "taras@example.com", "5002", taras),  # same name
             ("903", "Ірина Бойко", "iryna@example.com", "5003", self.env["res.users"])])
        wizard.action_apply()
        self.assertEqual((olena.pbx_extension, taras.pbx_extension), ("901", "902"))
        self.assertFalse(self.rep.pbx_extension, "not a Binotel employee: 101 taken away")
        self.assertEqual(self.env["pbx.extension"].search(
            [("user_id", "=", olena.id)]).pbx_user_ref, "5001")

    def test_the_company_id_is_one_companys(self):
        other = self.env["res.company"].create({"name": "Інша"})
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation), \
                self.env.cr.savepoint():
            other.binotel_company_ref = COMPANY
            self.env.flush_all()


@tagged("post_install", "-at_install", "binotel")
class TestBinotelWording(BinotelHttpCase):
    """A Ukrainian administrator of a company on Binotel reads Binotel, or the PBX, where a
    text applies to any PBX: never Mango in what the web client shows them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.speak_ukrainian()
        cls.admin = cls.env.ref("base.user_admin")
        (cls.admin | cls.sales_manager).write({"lang": "uk_UA", "tz": "Europe/Kyiv"})

    def as_user(self, model, user=None):
        return self.env[model].with_user(user or self.admin).with_context(lang="uk_UA")

    def assertNoMango(self, shown, where):
        text = json.dumps(shown, ensure_ascii=False)
        found = text.find("Mango")
        self.assertEqual(found, -1, f"Mango in {where}: …{text[max(found - 200, 0):found + 100]}…")

    def test_the_settings_say_binotel(self):
        """The Telephony block as the browser shows it: its texts and the tooltips of its
        fields (the PBX's choice itself aside)."""
        self.start_tour("/odoo/settings#crm", "mango_office_binotel_settings", login="admin")

    def test_the_call_list_says_binotel(self):
        """The webhook's health above the calls, and the empty list's help."""
        health = self.as_user("pbx.call").pbx_webhook_health()
        self.assertEqual((health["pbx"], health["last_notification"]), ("Binotel", False))
        self.start_tour("/odoo/action-mango_office.pbx_call_action",
                        "mango_office_binotel_call_list", login="admin")

    def test_the_views_and_their_fields_say_the_pbx(self):
        """What the web client gets of the call log's views, the journal's, the lines' and
        the extensions': their texts and their fields' labels, tooltips and choices."""
        for model, types in (("pbx.call", ("list", "form", "search", "pivot", "graph")),
                             ("pbx.event", ("list", "form", "search")),
                             ("pbx.line", ("list",)), ("pbx.extension", ("list",))):
            views = self.as_user(model).get_views([(False, kind) for kind in types])
            self.assertNoMango(views, model)
        form = self.as_user("pbx.call").get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("Як надіслала АТС", form)
        users = self.as_user("res.users").fields_get(["pbx_extension"], ["string", "help"])
        self.assertEqual(users["pbx_extension"]["help"],
                         "Внутрішній (короткий) номер користувача в АТС поточної компанії: "
                         "дзвінки на нього та з нього записуються на цього користувача.")
        call = self.env["pbx.call"].create({"entry_ref": "B-wording"})
        with self.assertRaisesRegex(AccessError, "Відомості про дзвінок надходять з АТС"):
            call.with_user(self.rep).with_context(lang="uk_UA").write({"state": "missed"})

    def test_the_menus_say_the_pbx(self):
        menus = self.as_user("ir.ui.menu").load_menus(False)
        names = {menu["xmlid"]: menu["name"] for menu in menus.values() if "xmlid" in menu}
        self.assertEqual((names["mango_office.mango_office_menu_events"],
                          names["mango_office.mango_office_menu_user_import"]),
                         ("Сповіщення АТС", "Імпорт співробітників АТС"))
        self.assertNoMango([name for xmlid, name in names.items()
                            if xmlid.startswith("mango_office.")], "menus")

    def test_the_import_wizard_says_the_pbx(self):
        views = self.as_user("pbx.user.import").get_views([(False, "form")])
        self.assertIn("Кожен співробітник АТС компанії", views["views"]["form"]["arch"])
        self.assertNoMango(views, "the import wizard")

    def test_the_group_call_says_the_pbx(self):
        """Binotel lists no groups: the sales manager is told so, by Binotel's name."""
        form = Form(self.as_user("pbx.group.call", self.sales_manager).with_context(
            default_number="067 123 4567"))
        self.assertEqual(form.sync_warning, "Не вдалося прочитати групи та лінії з АТС (API "
                                            "Binotel не надає списку груп): пропонуються "
                                            "відомі раніше.")
        self.assertNoMango(self.as_user("pbx.group.call", self.sales_manager).get_views(
            [(False, "form")]), "the group call")

from psycopg2.errors import UniqueViolation

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import html2plaintext, mute_logger

from .common import PbxCase
from .emulators.mango import mango_user


@tagged("post_install", "-at_install")
class TestUserImport(PbxCase):
    """The admin maps the PBX's employees to Odoo users in one pass."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna = cls.rep2  # has extension 102 now; in the PBX she is Анна Смирнова, 101
        cls.anna.write({"name": "Анна Смирнова", "email": "ANNA@example.com"})
        cls.boris = cls.env["res.users"].create({"name": "Борис Иванов", "login": "boris",
                                                 "email": "b.ivanov@example.org"})
        cls.rep.pbx_extension = "103"  # Rep One holds Вера's extension and no PBX match

    def setUp(self):
        super().setUp()
        self.emulator.users = [
            mango_user("Анна Смирнова", "101", "anna@example.com", 400001),
            mango_user("Борис Иванов", "102", "boris@example.com", 400002),
            mango_user("Вера Кузнецова", "103", "vera@example.com", 400003),
            mango_user("Без номера", "", "", 400004),
        ]

    def wizard(self):
        return Form(self.env["pbx.user.import"])

    def test_proposals(self):
        wizard = self.wizard().save()
        self.assertEqual([(line.extension, line.name, line.user_id) for line in wizard.line_ids], [
            ("101", "Анна Смирнова", self.anna),  # same email, whatever the case
            ("102", "Борис Иванов", self.boris),  # same name
            ("103", "Вера Кузнецова", self.rep),  # the current mapping
        ])
        self.assertEqual(wizard.line_ids[0].pbx_user_ref, "400001")

    def test_apply_twice_changes_nothing_the_second_time(self):
        with self.wizard() as form:
            with form.line_ids.edit(2) as line:
                line.user_id = self.sales_manager
        form.record.action_apply()
        self.assertEqual(self.mapping(), [
            ("101", "Анна Смирнова", "400001"), ("102", "Борис Иванов", "400002"),
            ("103", "Sales Manager", "400003")])
        self.assertFalse(self.rep.pbx_extension)
        before = self.extensions().read(["extension", "user_id", "pbx_user_ref", "write_date"])
        self.wizard().save().action_apply()
        self.assertEqual(self.extensions().read(
            ["extension", "user_id", "pbx_user_ref", "write_date"]), before)

    def extensions(self, company=None):
        return self.env["pbx.extension"].search(
            [("company_id", "=", (company or self.company).id)])

    def mapping(self, company=None):
        return [(ext.extension, ext.user_id.name, ext.pbx_user_ref or False)
                for ext in self.extensions(company)]

    def test_two_users_swap_extensions_in_one_apply(self):
        self.wizard().save().action_apply()
        with self.wizard() as form:
            with form.line_ids.edit(0) as line:
                line.user_id = self.boris
            with form.line_ids.edit(1) as line:
                line.user_id = self.anna
        form.record.action_apply()
        self.assertEqual(self.mapping()[:2], [("101", "Борис Иванов", "400001"),
                                              ("102", "Анна Смирнова", "400002")])

    def test_other_companies_are_left_alone(self):
        other = self.env["res.company"].create({"name": "Other PBX"})
        self.anna.company_ids |= other
        self.env["pbx.extension"].create({"company_id": other.id, "user_id": self.anna.id,
                                            "extension": "7000"})
        self.wizard().save().action_apply()
        self.assertEqual(self.mapping(other), [("7000", "Анна Смирнова", False)])
        self.assertEqual(self.anna.with_company(other).pbx_extension, "7000")
        self.assertEqual(self.anna.pbx_extension, "101")

    def test_one_user_for_two_extensions_is_refused(self):
        with self.wizard() as form:
            with form.line_ids.edit(2) as line:
                line.user_id = self.anna
        with self.assertRaises(ValidationError):
            form.record.action_apply()

    def test_extension_never_given_to_two_users_of_a_company(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation), \
                self.env.cr.savepoint():
            self.boris.pbx_extension = "102"

    def test_mango_error_in_words(self):
        self.emulator.fail("config/users/request", code=3102)
        with self.assertRaisesRegex(UserError, "Signature mismatch"):
            self.wizard()

    def test_apply_says_what_it_gave_changed_and_left_in_russian(self):
        """The result step of the wizard, as the Russian admin reads it."""
        self.speak_russian()
        admin = self.env.ref("base.user_admin")
        admin.lang = "ru_RU"
        self.anna.pbx_extension = False  # Анна gets 101
        self.rep.pbx_extension = "104"  # Rep One: no PBX employee, loses 104
        self.boris.pbx_extension = "103"  # Борис moves to 102
        wizard = Form(self.env["pbx.user.import"].with_user(admin).with_context(lang="ru_RU"))
        with wizard.line_ids.edit(2) as line:
            line.user_id = self.env["res.users"]  # nobody for Вера
        wizard = wizard.save()
        action = wizard.action_apply()
        self.assertEqual((action["res_model"], action["res_id"], action["target"]),
                         ("pbx.user.import", wizard.id, "new"), "the result step")
        self.assertEqual(wizard.state, "done")
        text = html2plaintext(wizard.result)
        for expected in ("Выданы внутренние номера", "Анна Смирнова: 101",
                         "Изменены внутренние номера", "Борис Иванов: 103 → 102",
                         "Сняты внутренние номера", "Rep One: 104",
                         "Сотрудники АТС, оставшиеся без пользователя Odoo",
                         "Вера Кузнецова (103)"):
            self.assertIn(expected, text)
        self.assertEqual(self.mapping(), [("101", "Анна Смирнова", "400001"),
                                          ("102", "Борис Иванов", "400002")])

    def test_an_answer_mango_should_not_give_is_said_in_words(self):
        self.emulator.fail("config/users/request",
                           body=("application/json", b'{"result": 1000}'))
        with self.assertRaisesRegex(UserError, "Mango's answer to config/users/request has "
                                               "no users"):
            self.wizard()

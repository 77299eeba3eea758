from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from ..mango.emulator import mango_user
from .common import MangoCase


@tagged("post_install", "-at_install")
class TestUserImport(MangoCase):
    """The admin maps the PBX's employees to Odoo users in one pass."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna = cls.rep2  # has extension 102 now; in the PBX she is Анна Смирнова, 101
        cls.anna.write({"name": "Анна Смирнова", "email": "ANNA@example.com"})
        cls.boris = cls.env["res.users"].create({"name": "Борис Иванов", "login": "boris",
                                                 "email": "b.ivanov@example.org"})
        cls.rep.mango_extension = "103"  # Rep One holds Вера's extension and no PBX match

    def setUp(self):
        super().setUp()
        self.emulator.users = [
            mango_user("Анна Смирнова", "101", "anna@example.com", 400001),
            mango_user("Борис Иванов", "102", "boris@example.com", 400002),
            mango_user("Вера Кузнецова", "103", "vera@example.com", 400003),
            mango_user("Без номера", "", "", 400004),
        ]

    def wizard(self):
        return Form(self.env["mango.user.import"])

    def test_proposals(self):
        wizard = self.wizard().save()
        self.assertEqual([(line.extension, line.name, line.user_id) for line in wizard.line_ids], [
            ("101", "Анна Смирнова", self.anna),  # same email, whatever the case
            ("102", "Борис Иванов", self.boris),  # same name
            ("103", "Вера Кузнецова", self.rep),  # the current mapping
        ])
        self.assertEqual(wizard.line_ids[0].mango_user_id, "400001")

    def test_apply_twice_changes_nothing_the_second_time(self):
        with self.wizard() as form:
            with form.line_ids.edit(2) as line:
                line.user_id = self.sales_manager
        form.record.action_apply()
        users = self.anna | self.boris | self.rep | self.sales_manager
        self.assertEqual(users.mapped(lambda u: (u.name, u.mango_extension, u.mango_user_id)), [
            ("Анна Смирнова", "101", "400001"), ("Борис Иванов", "102", "400002"),
            ("Rep One", False, False), ("Sales Manager", "103", "400003")])
        before = users.read(["mango_extension", "mango_user_id", "write_date"])
        self.wizard().save().action_apply()
        self.assertEqual(users.read(["mango_extension", "mango_user_id", "write_date"]), before)

    def test_one_user_for_two_extensions_is_refused(self):
        with self.wizard() as form:
            with form.line_ids.edit(2) as line:
                line.user_id = self.anna
        with self.assertRaises(ValidationError):
            form.record.action_apply()

    def test_extension_never_given_to_two_users_of_a_company(self):
        with self.assertRaises(ValidationError):
            self.boris.mango_extension = "102"

    def test_mango_error_in_words(self):
        self.emulator.fail("config/users/request", code=3102)
        with self.assertRaisesRegex(UserError, "Signature mismatch"):
            self.wizard()

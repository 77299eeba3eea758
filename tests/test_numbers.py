from odoo.tests import BaseCase, tagged

from ..mango.numbers import classify


@tagged("post_install", "-at_install")
class TestNumbers(BaseCase):
    """What Mango sends, read as a customer's phone or not."""

    def test_customer_numbers(self):
        for raw, e164 in (("79161234567", "+79161234567"), ("89161234567", "+79161234567"),
                          ("9161234567", "+79161234567"), ("380671234567", "+380671234567"),
                          ("+7 (916) 123-45-67", "+79161234567"),
                          ("8 (495) 540-44-44", "+74955404444"),
                          ("+380 67 123 4567", "+380671234567")):
            with self.subTest(raw=raw):
                number = classify(raw, "RU")
                self.assertEqual((number.kind, number.e164, number.raw), ("phone", e164, raw))
                self.assertTrue(number.is_customer)

    def test_not_customers(self):
        for raw, kind in (("101", "extension"), ("0511", "extension"),
                          ("sip:user00000@tech.mangosip.ru", "sip"), ("", "hidden"),
                          ("anonymous", "hidden"), ("12345678", "unknown"),
                          ("abc123456789", "unknown")):
            with self.subTest(raw=raw):
                number = classify(raw, "RU")
                self.assertEqual((number.kind, number.e164, number.raw), (kind, "", raw))
                self.assertFalse(number.is_customer)

    def test_country_of_the_company(self):
        self.assertEqual(classify("0671234567", "UA").e164, "+380671234567")
        self.assertEqual(classify("0671234567", "RU").e164, "")

from odoo.tests import BaseCase, tagged

from ..pbx.numbers import classify


@tagged("post_install", "-at_install")
class TestNumbers(BaseCase):
    """What Mango sends, read as a customer's phone or not."""

    def test_customer_numbers(self):
        for raw, e164 in (("79161234567", "+79161234567"), ("89161234567", "+79161234567"),
                          ("9161234567", "+79161234567"), ("380671234567", "+380671234567"),
                          ("+7 (916) 123-45-67", "+79161234567"),
                          ("+380 67 123 4567", "+380671234567"),
                          ("84912345678", "+84912345678")):
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

    def test_mango_digits_are_international_first(self):
        """Vietnam's +84 912 345 678 is not the Russian 8 (491) 234-56-78."""
        self.assertEqual(classify("84912345678", "RU").e164, "+84912345678")
        self.assertEqual(classify("74912345678", "RU").e164, "+74912345678")

    def test_typed_numbers_use_the_trunk_prefix(self):
        for raw, e164 in (("8 (495) 540-44-44", "+74955404444"),
                          ("84912345678", "+74912345678"), ("8 916 123-45-67", "+79161234567"),
                          ("+84 912 345 678", "+84912345678")):
            with self.subTest(raw=raw):
                self.assertEqual(classify(raw, "RU", typed=True).e164, e164)

    def test_country_of_the_company(self):
        self.assertEqual(classify("0671234567", "UA").e164, "+380671234567")
        self.assertEqual(classify("0671234567", "RU").e164, "")

"""A company on Binotel in the web client: the rep's card from Binotel's push requests,
click-to-call, transfer and hang up through Binotel's ``calls/*``, its refusals in words."""
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common_binotel import BinotelHttpCase
from .emulators.binotel import incoming_call
from .test_web import CardCase

CUSTOMER = "0671234567"  # as Binotel sends a Ukrainian number
CALLBACK = "calls/internal-number-to-external-number"
TRANSFER = "calls/attended-call-transfer"
HANGUP = "calls/hangup-call"


@tagged("post_install", "-at_install", "binotel")
class TestBinotelCallCard(BinotelHttpCase, CardCase):
    """Ukrainian reps on the emulator's extensions (901, 902) and an English one (903)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.olena, cls.taras, cls.iryna = cls.ukrainian_reps()
        agrosvit = cls.env["res.partner"].create({"name": "ТОВ «Агросвіт»", "is_company": True})
        cls.mykola = cls.env["res.partner"].create({
            "name": "Микола Ткаченко", "parent_id": agrosvit.id, "phone": "067 123 4567",
            "user_id": cls.olena.id})

    def as_rep(self, user, record):
        return record.with_user(user).with_context(lang=user.lang)

    def talking(self, entry, extension="901"):
        """A call of Микола's answered at ``extension``: its push requests so far."""
        notifications = incoming_call(entry, CUSTOMER, extension=extension)
        self.post_binotel_all(notifications[:2])
        return self.calls(entry)

    def test_the_card_follows_binotels_push_requests(self):
        notifications = incoming_call("BW1", CUSTOMER, extension="901")
        self.post_binotel_all(notifications[:1])
        card = self.cards(self.olena)[-1]
        self.assertEqual({key: card[key] for key in ("status", "title", "caller", "company",
                                                     "number", "salesperson")}, {
            "status": "ringing", "title": "Вхідний дзвінок", "caller": "Микола Ткаченко",
            "company": "ТОВ «Агросвіт»", "number": "+380 67 123 4567",
            "salesperson": "Олена Коваль"})
        self.assertFalse(self.cards(self.taras), "nobody else gets it")
        self.post_binotel_all(notifications[1:2])
        self.assertEqual(self.cards(self.olena)[-1]["status"], "talking")
        self.post_binotel_all(notifications[2:3])
        card = self.cards(self.olena)[-1]
        self.assertEqual((card["status"], card["title"], card["talked"]),
                         ("closed", "Дзвінок завершено", True))

    def test_click_to_call_through_binotel(self):
        result = self.as_rep(self.olena, self.env["pbx.call"]).pbx_click_to_call("067 123 45 67")
        self.assertEqual(result["message"],
                         "Спочатку задзвонить ваш телефон (901), потім +380 67 123 4567.")
        self.assertEqual([request["payload"] for request in self.binotel.requests_to(CALLBACK)],
                         [{"internalNumber": "901", "externalNumber": "0671234567"}])

    def test_click_to_call_refusals_in_words_never_retried(self):
        Call = self.as_rep(self.iryna, self.env["pbx.call"])
        for code, meaning in ((151, "The external number cannot be called"),
                              (106, "Requests are too frequent")):
            with self.subTest(code=code):
                self.binotel.clear()
                self.binotel.fail(CALLBACK, code=code)
                with self.assertRaises(UserError) as refused:
                    Call.pbx_click_to_call("+380671234567")
                self.assertEqual(str(refused.exception), f"Binotel did not call: Binotel "
                                                         f"answered with code {code}: {meaning}")
                self.assertEqual(len(self.binotel.requests_to(CALLBACK)), 1, "asked once")
        self.binotel.reset_faults()
        self.sales_manager.pbx_extension = "555"  # no phone of Binotel's
        with self.assertRaisesRegex(UserError, "^Binotel did not call: Binotel answered with "
                                               "code 150: The internal number cannot be called"):
            self.as_rep(self.sales_manager, self.env["pbx.call"]).pbx_click_to_call(CUSTOMER)

    def test_transfer_and_hang_up_through_binotel(self):
        call = self.talking("BW2")
        result = self.as_rep(self.olena, call).pbx_transfer("902")
        self.assertEqual(result["message"], "Дзвінок переводиться: Тарас Шевчук.")
        self.assertEqual([request["payload"] for request in self.binotel.requests_to(TRANSFER)],
                         [{"generalCallID": "BW2", "externalNumber": "902"}])
        self.as_rep(self.olena, call).pbx_hangup()
        self.assertEqual([request["payload"] for request in self.binotel.requests_to(HANGUP)],
                         [{"generalCallID": "BW2"}], "Binotel ends the whole call")

    def test_card_refusals_in_words_never_retried(self):
        call = self.talking("BW3", "903")
        self.binotel.fail(TRANSFER, code=104)
        with self.assertRaisesRegex(UserError, "^Binotel did not transfer the call: Binotel "
                                               "answered with code 104: A parameter has a "
                                               "wrong value$"):
            self.as_rep(self.iryna, call).pbx_transfer("901")
        self.binotel.fail(HANGUP, code=105)
        with self.assertRaisesRegex(UserError, "^Binotel did not hang up: Binotel answered "
                                               "with code 105: Something went wrong at "
                                               "Binotel$"):
            self.as_rep(self.iryna, call).pbx_hangup()
        self.assertEqual((len(self.binotel.requests_to(TRANSFER)),
                          len(self.binotel.requests_to(HANGUP))), (1, 1), "asked once each")
        self.company.binotel_api_url = "http://127.0.0.1:9/api/4.0/"
        with self.assertRaisesRegex(UserError, "^Binotel did not hang up: Could not reach "
                                               "Binotel"):
            self.as_rep(self.iryna, call).pbx_hangup()

    def test_the_phone_button_names_the_pbx(self):
        self.authenticate("olena", "olena")
        company = self.make_jsonrpc_request("/web/session/get_session_info")[
            "user_companies"]["allowed_companies"][str(self.company.id)]
        self.assertEqual((company["pbx_name"], company["pbx_extension"]), ("Binotel", "901"))

    def test_browser_card_rings_and_closes_then_click_to_call(self):
        notifications = incoming_call("BW4", CUSTOMER, extension="901")
        self.tour_posting("mango_office_binotel_card_and_call", "olena",
                          url=f"/odoo/res.partner/{self.mykola.id}", **{
                              "ringing": notifications[0], "answered": notifications[1],
                              "hung up": notifications[2]})
        self.assertEqual([request["payload"] for request in self.binotel.requests_to(CALLBACK)],
                         [{"internalNumber": "901", "externalNumber": "0671234567"}])

"""The Binotel test base: ``PbxHttpCase``'s company moved onto a running Binotel emulator,
in Ukraine, its reps the emulator's employees, Odoo's test server (127.0.0.1) on its list
of Binotel addresses; requests posted as Binotel posts them (forms with bracket keys)."""
from .common import PbxHttpCase
from .emulators.binotel import COMPANY, BinotelEmulator, encode

BINOTEL_KEY = "test-binotel-key"
BINOTEL_SECRET = "test-binotel-secret"
TEST_SERVER = "127.0.0.1"  # where Odoo's test server sees the requests come from


class BinotelHttpCase(PbxHttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.binotel = BinotelEmulator(BINOTEL_KEY, BINOTEL_SECRET).start_for(cls)
        cls.company.write({
            "pbx_provider": "binotel", "binotel_api_url": cls.binotel.url,
            "binotel_api_key": BINOTEL_KEY, "binotel_api_secret": BINOTEL_SECRET,
            "binotel_company_ref": COMPANY, "country_id": cls.env.ref("base.ua").id,
            "binotel_allowed_ips": f"{cls.company.binotel_allowed_ips}\n{TEST_SERVER}"})

    def setUp(self):
        super().setUp()
        self.binotel.reset()

    @classmethod
    def speak_ukrainian(cls):
        """Ukrainian installed with the addon's translations."""
        cls.env["res.lang"]._activate_lang("uk_UA")
        cls.env["ir.module.module"]._load_module_terms(["mango_office"], ["uk_UA"],
                                                        overwrite=True)

    @classmethod
    def ukrainian_reps(cls):
        """Ukrainian installed (``speak_ukrainian``), and the emulator's employees as reps
        in Kyiv: Олена Коваль (901) and Тарас Шевчук (902) in Ukrainian, Iryna Boiko (903)
        in English."""
        cls.speak_ukrainian()
        return (cls.new_rep("olena", "901", "Олена Коваль", lang="uk_UA", tz="Europe/Kyiv"),
                cls.new_rep("taras", "902", "Тарас Шевчук", lang="uk_UA", tz="Europe/Kyiv"),
                cls.new_rep("iryna", "903", "Iryna Boiko", lang="en_US", tz="Europe/Kyiv"))

    def post_binotel(self, notification, address=None):
        """Post one request ``(path, data)`` of the emulator's builders to ``/binotel/<path>``
        (or to ``address``), as Binotel does."""
        path, data = notification
        self.env.flush_all()
        return self.url_open(address or f"/binotel/{path}", data=encode(data), headers={
            "Content-Type": "application/x-www-form-urlencoded"})

    def post_binotel_all(self, notifications):
        responses = [self.post_binotel(notification) for notification in notifications]
        self.assertEqual([(r.status_code, r.text) for r in responses],
                         [(200, '{"status":"success"}')] * len(responses))
        return responses

    def tour_bodies(self, notifications):
        """What a tour's ``post`` sends of each named request: Binotel's forms, to
        ``/binotel/<path>``."""
        return {name: {"url": f"/binotel/{path}", "body": encode(data)}
                for name, (path, data) in notifications.items()}

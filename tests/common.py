"""The test bases, as ``payment/tests/common.py`` and ``http_common.py`` make them.

``PbxCase``: a company wired to a running Mango emulator, reps with extensions, and helpers;
for models and the API client. ``PbxHttpCase`` adds what goes through Odoo's HTTP server:
notifications posted to the webhook as Mango posts them, tours in the browser. Only the
classes that post or drive the browser pay for it.
"""
import json
from unittest.mock import patch
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter

from odoo import Command, api, models
from odoo.tests import HttpCase, TransactionCase, new_test_user

from ..mango import MangoClient
from ..mango.signing import form_body
from .emulators.mango import MangoEmulator

KEY = "test-vpbx-key"
SALT = "test-vpbx-salt"


def forget_committed_calls(registry, entry_like):
    """Delete the calls a test committed (entry_ref LIKE ``entry_like``) as Odoo deletes
    records, with their notes, followers and activities, and their journal rows: rows
    deleted in SQL would leave a later browser test a "Missing Record" for the admin."""
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        env["pbx.call"].search([("entry_ref", "=like", entry_like)]).unlink()
        cr.execute("DELETE FROM pbx_event WHERE entry_ref LIKE %s", [entry_like])


def forget_committed_leads(registry, e164):
    """Delete the leads of number ``e164`` a test committed, with their activities, notes
    and followers, and the number's row of ``pbx.autolead.number``."""
    leads = "SELECT id FROM crm_lead WHERE phone_sanitized = %s"
    with registry.cursor() as cr:
        cr.execute(f"DELETE FROM mail_activity WHERE res_model = 'crm.lead' "  # noqa: S608
                   f"AND res_id IN ({leads})", [e164])
        for table, model in (("mail_message", "model"), ("mail_followers", "res_model")):
            cr.execute(f"DELETE FROM {table} WHERE {model} = 'crm.lead' "  # noqa: S608
                       f"AND res_id IN ({leads})", [e164])
        cr.execute("DELETE FROM crm_lead WHERE phone_sanitized = %s", [e164])
        cr.execute("DELETE FROM pbx_autolead_number WHERE number = %s", [e164])


class PbxCase(TransactionCase):
    """A company wired to a running Mango emulator, with reps who have extensions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = MangoEmulator(KEY, SALT).start_for(cls)
        cls.company = cls.env.company
        cls.company.write({"mango_api_url": cls.emulator.url, "mango_api_key": KEY,
                           "mango_api_salt": SALT})
        cls.rep = new_test_user(cls.env, "rep", groups="sales_team.group_sale_salesman",
                                name="Rep One", pbx_extension="101")
        cls.rep2 = new_test_user(cls.env, "rep2", groups="sales_team.group_sale_salesman",
                                 name="Rep Two", pbx_extension="102")
        cls.sales_manager = new_test_user(cls.env, "sales_manager", name="Sales Manager",
                                          groups="sales_team.group_sale_manager")

    def setUp(self):
        super().setUp()
        self.emulator.reset()

    @classmethod
    def speak_russian(cls):
        """Russian installed with the addon's translations, the company in Russia."""
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.env["ir.module.module"]._load_module_terms(["mango_office"], ["ru_RU"], overwrite=True)
        cls.company.write({"country_id": cls.env.ref("base.ru").id})
        cls.company.partner_id.write({"lang": "ru_RU", "tz": "Europe/Moscow"})

    @classmethod
    def russian_reps(cls, *people):
        """Russian spoken (``speak_russian``) and a Russian rep for each (login, extension,
        name)."""
        cls.speak_russian()
        return [cls.new_rep(*person) for person in people]

    @classmethod
    def new_rep(cls, login, extension, name, lang="ru_RU", tz="Europe/Moscow", **kwargs):
        """A salesperson (own documents) with an extension, in their language and time zone."""
        groups = kwargs.pop("groups", "sales_team.group_sale_salesman")
        return new_test_user(cls.env, login, groups=groups, name=name, lang=lang, tz=tz,
                             pbx_extension=extension, **kwargs)

    @classmethod
    def new_stranger(cls, company_name="Other Co"):
        """Another company, and its salesperson with all documents (login ``stranger``),
        who works for it alone: ``(company, user)``."""
        company = cls.env["res.company"].create({"name": company_name})
        return company, new_test_user(cls.env, "stranger", name="Other Company Rep",
                                      groups="sales_team.group_sale_salesman_all_leads",
                                      company_id=company.id, company_ids=[company.id])

    @classmethod
    def sales_team(cls, name, *members):
        return cls.env["crm.team"].create({"name": name, "member_ids": [
            Command.link(member.id) for member in members]})

    def calls(self, entry_ref=None):
        domain = [("entry_ref", "=", entry_ref)] if entry_ref else []
        return self.env["pbx.call"].search(domain)

    def journal(self):
        return self.env["pbx.event"].search([])


class PbxHttpCase(PbxCase, HttpCase):
    """``PbxCase`` with Odoo's HTTP server: the webhook as Mango posts to it, the browser as
    the rep sees it. Cursors the code opens itself (a cron's, a route's) share the test's
    transaction here."""

    def post(self, path, payload, key=KEY, salt=SALT):
        """Post a notification to the webhook as Mango does, signed with key and salt."""
        return self.url_open(f"/mango/{path}", data=form_body(key, salt, payload))

    def post_all(self, notifications):
        responses = [self.post(path, payload) for path, payload in notifications]
        self.assertEqual([r.status_code for r in responses], [200] * len(responses))
        return responses

    def post_raw(self, path, json_str, key=KEY, salt=SALT):
        """Post an exact ``json`` string, signed."""
        return self.url_open(f"/mango/{path}", data=form_body(key, salt, json_str))

    def as_cron(self, model, method, *args):
        """Run a cron's method as the cron worker does, on a cursor of its own that commits."""
        self.env.flush_all()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            args = [arg.with_env(env) if isinstance(arg, models.BaseModel) else arg
                    for arg in args]
            result = getattr(env[model], method)(*args)
        self.env.invalidate_all()
        return result

    def tour_posting(self, tour, login, url="/odoo", **notifications):
        """Run ``tour`` as ``login``; its steps post the named notifications themselves (as
        Mango would, signed here: ``post`` of static/tests/tours/mango_tour_utils.js), and
        the emulator knows their legs."""
        bodies = self.tour_bodies(notifications)
        options = json.dumps({"stepDelay": 0, "startUrl": url})
        code = (f"sessionStorage.setItem('mango_office.tour', {json.dumps(json.dumps(bodies))});"
                f" odoo.startTour({json.dumps(tour)}, {options});")
        self.start_tour(url, tour, login=login, code=code)

    def tour_bodies(self, notifications):
        """What a tour's ``post`` sends of each named notification: Mango's, signed."""
        self.emulator.know(list(notifications.values()))
        return {name: {"path": path, "body": form_body(KEY, SALT, payload)}
                for name, (path, payload) in notifications.items()}


class _ClientTimeout(HTTPAdapter):
    """Sends with the timeout of the client it was mounted for."""

    def __init__(self, timeout):
        super().__init__()
        self.timeout = timeout

    def send(self, request, **kwargs):
        return super().send(request, **{**kwargs, "timeout": self.timeout})


def client_timeouts(client_class=MangoClient):
    """A patch under which a PBX's client waits its own timeout, not more: the test runner
    raises every timeout under 10 s to 10 s (and still logs that it did), and a test of a
    slow PBX needs the real one."""
    post = client_class.post

    def post_in_time(client, path, payload=None, **kwargs):
        origin = "{0.scheme}://{0.netloc}/".format(urlsplit(client.base_url))
        if not isinstance(client.session.get_adapter(origin), _ClientTimeout):
            client.session.mount(origin, _ClientTimeout(client.timeout))
        return post(client, path, payload, **kwargs)

    return patch.object(client_class, "post", post_in_time)

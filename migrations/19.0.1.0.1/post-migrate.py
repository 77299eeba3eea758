"""The record rules became noupdate, with one domain for salespeople
(``mango.call._mango_salesperson_domain``): load them once more on databases that had them."""
from odoo import SUPERUSER_ID, api
from odoo.tools import convert_file


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    convert_file(env, "mango_office", "security/mango_office_security.xml", {}, mode="init",
                 noupdate=True)

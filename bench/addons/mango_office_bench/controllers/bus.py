"""bench/card's floor: the least server work that puts something on a rep's screen."""
from odoo import http
from odoo.http import request

PING_BUS_TYPE = "mango_office_bench/ping"


class MangoOfficeBenchBus(http.Controller):

    @http.route("/mango_office_bench/bus", type="http", auth="public", methods=["POST"],
                csrf=False, save_session=False)
    def bench_bus(self, partner, **payload):
        """One bare bus message to ``partner`` (an id), the query's other values its payload,
        sent when the transaction commits as the webhook's cards are."""
        request.env["res.partner"].sudo().browse(int(partner))._bus_send(PING_BUS_TYPE, payload)
        return request.make_response("ok", [("Content-Type", "text/plain")])

import logging
import time
from urllib.parse import urlencode

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request
from odoo.tools import consteq

from ..binotel import read_body
from ..binotel.events import InvalidNotification, MalformedNotification, parse_notification
from ..binotel.neutral import to_pbx
from ..binotel.webhook import (SUCCESS, call_settings_reply, company_ref, from_binotel,
                               to_journal)
from ..pbx.events import RouteQuery

_logger = logging.getLogger(__name__)


class BinotelWebhook(http.Controller):
    """Receives what Binotel posts: API PUSH, API CALL SETTINGS and API CALL COMPLETED, at
    ``/binotel/push``, ``/binotel/settings``, ``/binotel/completed`` or all at ``/binotel``
    (each request says its kind: ``requestType``).

    400 and nothing written for a body that is no request; Binotel signs nothing, so 403 and
    nothing written unless the request names a company on Binotel (``companyID``) and comes
    from an address on that company's list. Otherwise the request is journaled and committed
    (``pbx.event._receive``) before it is applied, and answered ``{"status":"success"}``,
    which stops Binotel's retries of a completed call (a retry is the same journal row:
    ``binotel.webhook.to_journal``); a call settings request is answered with the caller
    as Odoo knows them, read after the journal's commit, with no request to Binotel.
    """

    @http.route(["/binotel", "/binotel/<any(push,settings,completed):kind>"], type="http",
                auth="public", methods=["POST"], csrf=False, save_session=False)
    def binotel_request(self, kind="", **_form):
        received_at = time.time()
        httprequest = request.httprequest
        try:
            data = read_body(self._body(httprequest), httprequest.content_type)
        except ValueError as error:
            return self._answer(400, {"status": "error", "message": str(error)})
        company, refusal = self._company(data, httprequest.remote_addr)
        if refusal:
            _logger.warning("Binotel request /%s refused from %s: %s", kind,
                            httprequest.remote_addr, refusal)
            return self._answer(403, {"status": "error", "message": "forbidden"})
        path, raw_json = to_journal(data, received_at)
        try:
            event, error = to_pbx(parse_notification(path, raw_json)), None
        except InvalidNotification as invalid:
            event, error = None, invalid
        except MalformedNotification as malformed:
            _logger.warning("Binotel request /%s is not one: %s", kind, malformed)
            return self._answer(400, {"status": "error", "message": str(malformed)})
        # texts stored while applying it, and the answer, in the company's language
        env = request.env(context=dict(request.env.context,
                                       lang=company._mango_profile().lang or None))
        _row, work = env["pbx.event"].sudo().with_company(company)._receive(
            company, path, raw_json, event, error)
        if isinstance(event, RouteQuery):
            body = call_settings_reply(**env["pbx.call"].sudo()._pbx_caller(company, event))
        else:
            body = SUCCESS
        response = self._answer(200, body)
        for func in work:
            response.call_on_close(func)
        return response

    @http.route("/binotel/lead", type="http", auth="user", methods=["GET"])
    def binotel_lead(self, company="", number="", token="", **_kwargs):
        """The link of an unknown caller on the employee's phone (their Binotel): the
        lead of the number, created now if it still has none."""
        env = request.env
        company = env["res.company"].browse(int(company) if company.isdigit() else ())
        Call = env["pbx.call"]
        if not (company and company in env.user.company_ids and token
                and consteq(Call._pbx_new_lead_token(company, number), token)):
            raise NotFound()
        record = Call.with_company(company)._pbx_lead_of_number(company, number)
        return request.redirect(f"/odoo/{record._name}/{record.id}?"
                                + urlencode({"cids": company.id}))

    @staticmethod
    def _body(httprequest):
        """The body as Binotel posted it: Odoo has read a form body already."""
        raw = httprequest.get_data()
        if not raw and httprequest.form:
            raw = urlencode(list(httprequest.form.items(multi=True)))
        return raw

    @staticmethod
    def _company(data, remote_addr):
        """(company, None) when the request names a company on Binotel and comes from one of
        its addresses, else (None, why not)."""
        ref = company_ref(data)
        company = request.env["res.company"].sudo()._binotel_company_for(ref)
        if not company:
            return None, f"no company on Binotel has the company ID {ref[:64]!r}"
        if not from_binotel(remote_addr, company._binotel_allowed(), servers=()):
            return None, (f"{remote_addr} is not on the list of Binotel addresses of "
                          f"company #{company.id}")
        return company, None

    @staticmethod
    def _answer(status, body):
        if isinstance(body, str):
            return request.make_response(body, [("Content-Type", "application/json")],
                                         status=status)
        return request.make_json_response(body, status=status)

import logging

from odoo import http
from odoo.http import request

from ..mango import signature_ok
from ..mango.events import (InvalidNotification, MalformedNotification, Ping, normalize_path,
                            parse_notification)
from ..mango.neutral import to_pbx

_logger = logging.getLogger(__name__)

MAX_KEY = 128


class MangoWebhook(http.Controller):
    """Receives the signed notifications Mango posts to ``<base>/mango/<path>``.

    403 and nothing written for an unknown PBX or a bad signature; 400 and nothing
    written for what is not a notification; otherwise the notification, said as a
    neutral event, is handed to the journal (``pbx.event._receive``), which commits it
    before applying it, and Mango gets its 200 whatever happens next. What the journal
    leaves for after the answer (the routing command) runs once Mango has it.
    """

    @http.route(["/mango", "/mango/<path:subpath>"], type="http", auth="public",
                methods=["POST"], csrf=False, save_session=False)
    def mango_notification(self, subpath="", **form):
        key, signature, raw_json = form.get("vpbx_api_key"), form.get("sign"), form.get("json")
        if not (key or signature or raw_json):
            return self._answer(200)  # "Проверить подключение" in Mango's account posts nothing
        if not (key and signature and raw_json is not None):
            return self._answer(400, "vpbx_api_key, sign and json are required")
        company, refusal = self._company(key)
        if company and not signature_ok(key, raw_json, company._mango_profile().salt,
                                         signature):
            refusal = "bad signature"
        if refusal:
            _logger.warning("Mango notification /%s refused from %s: %s", (subpath or "")[:64],
                            request.httprequest.remote_addr, refusal)
            return self._answer(403, "forbidden")
        try:
            path = normalize_path(subpath)
            notification = parse_notification(path, raw_json)
        except InvalidNotification as invalid:
            notification, event, error = None, None, invalid
        except MalformedNotification as malformed:
            _logger.warning("Mango notification %s is not one: %s", subpath[:64], malformed)
            return self._answer(400, str(malformed))
        else:
            if isinstance(notification, Ping):
                return self._answer(200)
            event, error = to_pbx(notification), None
        # texts stored while applying it are written in the company's language
        _row, work = request.env["pbx.event"].sudo().with_company(company).with_context(
            lang=company._mango_profile().lang or None)._receive(
                company, path, raw_json, event, error)
        response = self._answer(200)
        self._after_answer(response, work)
        return response

    @http.route("/mango", type="http", auth="public", methods=["GET"], save_session=False)
    def mango_address(self):
        """The webhook address opened in a browser: it reaches this Odoo."""
        return self._answer(200)

    @staticmethod
    def _company(key):
        """(company, None) for the PBX of this unique code, else (None, why not)."""
        if len(key) > MAX_KEY or not key.isprintable():
            return None, "unknown PBX unique code"
        company = request.env["res.company"].sudo()._mango_company_for_key(key)
        if not company:
            return None, "unknown PBX unique code"
        if not company._mango_profile().salt:
            return None, (f"the signing key of company #{company.id} is not set: copy it from "
                          "Mango's API connector into Settings > CRM > Telephony")
        return company, None

    @staticmethod
    def _after_answer(response, work):
        """Do ``work`` (callables) in this worker once Mango has its answer."""
        for func in work:
            response.call_on_close(func)

    @staticmethod
    def _answer(status, error=None):
        body = {"result": 1000} if status == 200 else {"error": error}
        return request.make_json_response(body, status=status)

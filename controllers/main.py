import json
import logging

from odoo import http
from odoo.http import request

from ..mango import MalformedNotification, parse_notification, signature_ok
from ..mango.events import Ping, normalize_path

_logger = logging.getLogger(__name__)


class MangoWebhook(http.Controller):
    """Receives the signed notifications Mango posts to ``<base>/mango/<path>``."""

    @http.route(["/mango", "/mango/<path:subpath>"], type="http", auth="public",
                methods=["POST"], csrf=False, save_session=False)
    def mango_notification(self, subpath="", **form):
        path = normalize_path(subpath)
        key, signature, raw_json = form.get("vpbx_api_key"), form.get("sign"), form.get("json")
        if not (key or signature or raw_json):
            return self._answer(200)  # "Проверить подключение" in Mango's account posts nothing
        if not (key and signature and raw_json is not None):
            return self._answer(400, "vpbx_api_key, sign and json are required")
        company = request.env["res.company"].sudo()._mango_company_for_key(key)
        if not company or not signature_ok(key, raw_json, company.mango_api_salt, signature):
            _logger.warning("Mango notification %s refused from %s: %s", path or "/",
                            request.httprequest.remote_addr,
                            "bad signature" if company else "unknown PBX unique code")
            return self._answer(403, "forbidden")
        try:
            notification = parse_notification(path, raw_json)
        except MalformedNotification as error:
            _logger.warning("Mango notification %s malformed: %s", path, error)
            return self._answer(400, str(error))
        if not isinstance(notification, Ping):
            # stored texts (routing outcomes) are written in the company's language
            request.env["mango.event"].sudo().with_company(company).with_context(
                lang=company.partner_id.lang)._receive(company, path, raw_json, notification)
        return self._answer(200)

    @staticmethod
    def _answer(status, error=None):
        body = {"result": 1000} if status == 200 else {"error": error}
        return request.make_response(json.dumps(body), status=status,
                                     headers=[("Content-Type", "application/json")])

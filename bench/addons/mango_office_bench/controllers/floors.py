"""The two floors bench/webhook measures Mango's webhook against, on the same server.

Both take the request Mango posts (a form of ``vpbx_api_key``, ``sign`` and ``json``) and
answer as the webhook does, ``{"result": 1000}``.
"""
import hashlib
import json

from odoo import http
from odoo.http import request
from odoo.tools import SQL

from odoo.addons.mango_office.mango import signature_ok

PATH = "events/call"  # the limit route takes a first event, journaled under its path


def cheap_e164(number):
    """Mango's digits as E.164 without phonenumbers: ``79161234567`` and the Russian
    national ``89161234567`` give ``+79161234567``; anything but digits gives None."""
    if not number or not number.isdigit():
        return None
    if len(number) == 11 and number.startswith("8"):
        number = "7" + number[1:]
    return "+" + number


class BenchFloors(http.Controller):

    @http.route("/mango_office_bench/trivial", type="http", auth="public",
                methods=["GET", "POST"], csrf=False, save_session=False)
    def trivial(self, **_form):
        """The trivial floor: Odoo's dispatch of a public route and one statement."""
        request.env.cr.execute("SELECT 1")
        return self._answer()

    @http.route("/mango_office_bench/limit", type="http", auth="public", methods=["POST"],
                csrf=False, save_session=False)
    def limit(self, **form):
        """The limit floor: what a journal-first webhook cannot avoid for the first event of
        a known caller's call, in plain SQL.

        The company found by its key and the signature checked, as the real webhook does;
        the journal row inserted and committed; the caller matched on the indexed
        ``phone_sanitized`` of contacts and open leads; the call upserted with its
        contact and lead; the row marked processed with its call; committed.

        Left out, which the real webhook also does: parsing the notification into a
        neutral event and checking its values; phonenumbers' normalisation of the number
        (here only digits, see ``cheap_e164``); the lead of the matched contact and the
        salesperson with their extension (the routing decision); the call's turn on its
        advisory lock; the leg row and the call derived from its legs; the card sent to
        the employees on the bus; the routing command, sent after the answer.
        """
        key, raw_json = form.get("vpbx_api_key") or "", form.get("json") or ""
        company = request.env["res.company"].sudo()._mango_company_for_key(key)
        if not company or not signature_ok(key, raw_json, company._mango_profile().salt,
                                           form.get("sign")):
            return request.make_json_response({"error": "forbidden"}, status=403)
        event = json.loads(raw_json)
        cr, uid = request.env.cr, request.env.uid
        digest = hashlib.sha256(f"{PATH}\n{raw_json}".encode()).hexdigest()
        cr.execute(SQL(
            """INSERT INTO pbx_event (company_id, path, payload, digest, entry_ref, state,
                                        create_uid, write_uid, create_date, write_date)
               VALUES (%s, %s, %s, %s, %s, 'received', %s, %s, now() at time zone 'utc',
                       now() at time zone 'utc')
               ON CONFLICT (company_id, digest) DO NOTHING
               RETURNING id""", company.id, PATH, raw_json, digest, event["entry_id"], uid, uid))
        row = cr.fetchone()
        if not row:
            return self._answer()  # a replay
        cr.commit()
        number = (event.get("from") or {}).get("number") or ""
        e164 = cheap_e164(number)
        cr.execute(SQL(
            """SELECT (SELECT id FROM res_partner
                        WHERE phone_sanitized = %(number)s AND active
                          AND (company_id = %(company)s OR company_id IS NULL)
                        ORDER BY is_company, write_date DESC, id DESC LIMIT 1),
                      (SELECT id FROM crm_lead
                        WHERE phone_sanitized = %(number)s AND active
                          AND won_status = 'pending'
                          AND (company_id = %(company)s OR company_id IS NULL)
                        ORDER BY write_date DESC, id DESC LIMIT 1)""",
            number=e164, company=company.id))
        partner_id, lead_id = cr.fetchone()
        cr.execute(SQL(
            """INSERT INTO pbx_call (company_id, entry_ref, state, direction, from_number,
                                       to_number, external_number, external_e164, partner_id,
                                       lead_id, start_date, create_uid, write_uid, create_date,
                                       write_date)
               VALUES (%s, %s, 'ringing', 'incoming', %s, %s, %s, %s, %s, %s,
                       to_timestamp(%s) at time zone 'utc', %s, %s, now() at time zone 'utc',
                       now() at time zone 'utc')
               ON CONFLICT (company_id, entry_ref) DO UPDATE SET write_date = EXCLUDED.write_date
               RETURNING id""",
            company.id, event["entry_id"], number, (event.get("to") or {}).get("number"),
            number, e164, partner_id, lead_id, event.get("timestamp") or 0, uid, uid))
        call_id = cr.fetchone()[0]
        cr.execute(SQL(
            """UPDATE pbx_event SET state = 'processed', call_id = %s,
                                      write_date = now() at time zone 'utc'
                WHERE id = %s""", call_id, row[0]))
        cr.commit()
        return self._answer()

    @staticmethod
    def _answer():
        return request.make_json_response({"result": 1000})

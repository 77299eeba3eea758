import functools
import logging
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tools import SQL

from ..pbx.client import PbxClient, PbxError, PbxTimeout
from ..pbx.events import LegState
from .res_company import profile_client

_logger = logging.getLogger(__name__)

ROUTE_TIMEOUT = 3.0  # seconds for one commands/route; the caller is waiting in the voice menu
# what the webhook's worker gives Mango before leaving the route to the cron, so that a slow
# Mango never keeps the workers from answering webhooks
ROUTE_ANSWER_TIMEOUT = 0.3
# a PBX that took longer than that is slow for this long: the workers do not try it, the cron
# sends its routes, and once the cron's are answered within ROUTE_ANSWER_TIMEOUT again it is not
ROUTE_SLOW_SECONDS = 60
ROUTE_TRIES = 3  # Mango allows one route per 2 s per PBX (reference §6): a 429 is tried again
ROUTE_RETRY_SECONDS = 2.0
ROUTE_STALE_SECONDS = 45  # a route with no outcome then lost the worker that was sending it
STALE_PARAMETER = "mango_office.route_stale_seconds"


def _lt(message):
    return message


CALLER_LEFT = _lt("The caller left the voice menu before the call could be put through")
NOT_SENT = _lt("No outcome of the routing command within %(seconds)s seconds: the Odoo worker "
               "sending it stopped (restarted or killed)")


class PbxCallRouting(models.Model):
    """Routing of a call: a known caller hearing the greeting is put through to the
    extension of their salesperson.

    The webhook decides, never for a call that has ended or been answered, and sends
    the command after its commit, once Mango has its answer (in the same worker, so
    nothing outlives the request), giving Mango 0.3 s. A cron sends what a
    slower Mango or a stopped worker left, and fails the routes whose sending was lost.

    A Mango slower than that half second is marked slow on its company (``pbx_slow_until``)
    for every worker on every node: while it is, the workers leave its routes to the cron
    at once, woken, without trying; the cron's own sends clear the mark once Mango answers
    in time again, or it expires. The worker reads it in the statement that takes the route.
    """
    _inherit = "pbx.call"

    route_status = fields.Selection(
        [("pending", "Sending to the salesperson"), ("sent", "Sent to the salesperson"),
         ("routed", "Put through to the salesperson"), ("failed", "Not put through"),
         ("disabled", "Routing is off"), ("no_owner", "No responsible salesperson"),
         ("no_extension", "The salesperson has no extension")],
        string="Routing", readonly=True, index="btree_not_null",
        help="What became of sending this incoming call to the customer's salesperson.")
    route_user_id = fields.Many2one("res.users", string="Routed to", readonly=True)
    route_code = fields.Integer(string="Routing Result Code", readonly=True, aggregator=False,
                                help="The PBX's result code for the routing command.")
    route_error = fields.Json(readonly=True, copy=False)
    route_message = fields.Char(string="Routing Details", compute="_compute_route_message")
    route_command_ref = fields.Char(readonly=True, index="btree_not_null", copy=False)
    route_leg_ref = fields.Char(readonly=True, copy=False)
    route_date = fields.Datetime(readonly=True, copy=False)
    route_taken = fields.Boolean(readonly=True, copy=False,
                                 help="The route cron took this route to send it.")

    @api.depends("route_code", "route_error")
    def _compute_route_message(self):
        """The PBX's answer in the reader's language."""
        for call in self:
            error = call.route_code and call.company_id._pbx_client_class().result_error(
                call.route_code)
            if not error and call.route_error:
                error = PbxError(call.route_error["reason"], **call.route_error["params"])
            call.route_message = error and call.company_id._pbx_error_message(error)

    def _pbx_route_if_waiting(self, leg, matched=None):
        """Route a known caller whose voice-menu leg just appeared, once per call.

        Answers the work that sends the command (none when there is nothing to send): the
        journal does it once this transaction has committed, and the webhook once it has
        answered, so that neither a slow Mango nor a burst of calls holds up a webhook.
        ``matched``: the salesperson, extension and name the caller's match just found,
        which spares reading them again.
        """
        self.ensure_one()
        if self.direction != "incoming" or self.route_status \
                or leg.state != LegState.RINGING or not self._pbx_waiting_for_employee():
            return ()
        if matched:
            user, extension, name = matched
        else:
            user = self._pbx_responsible()
            extension = self.env["pbx.extension"]._pbx_extension(self.company_id, user)
            name = (self.partner_id or self.lead_id).display_name or ""
        profile = self.company_id._mango_profile()
        if not profile.routing:
            status = "disabled"
        elif not user:
            status = "no_owner"
        elif not extension:
            status = "no_extension"
        else:
            status = "pending"
        vals = {"route_status": status, "route_user_id": user.id}
        work = ()
        if status == "pending":
            vals.update(route_command_ref=PbxClient.new_command_ref("route"),
                        route_leg_ref=leg.leg_ref, route_date=fields.Datetime.now())
            command = {"leg_ref": leg.leg_ref, "to_number": extension, "display_name": name,
                       "command_ref": vals["route_command_ref"]}
            work = (functools.partial(_send_route, self.env.cr.dbname, self.id, command,
                                      profile),)
        self._pbx_set(vals)
        return work

    def _pbx_apply_route_result(self, result):
        self.ensure_one()
        self._pbx_route_lock()
        self.write({"route_status": "routed" if result.ok else "failed",
                    "route_code": result.code, "route_error": False})

    def _pbx_route_lock(self, condition=None):
        """Lock this call's row for the transaction, before the ORM writes it; False when
        ``condition`` (SQL) does not hold.

        A notification of the call committed meanwhile fails this statement to serialise
        and the transaction is tried again: executed without logging, so that the retry
        leaves no error in the log (an ORM write failing the same way would).
        """
        self.env.cr.execute(SQL("SELECT id FROM pbx_call WHERE id = %s AND %s FOR UPDATE",
                                self.id, condition or SQL("TRUE")), log_exceptions=False)
        return bool(self.env.cr.fetchone())

    def _pbx_route_take(self, command_ref):
        """Take this route to send it; False when another sender took it or it is over."""
        self.env.cr.execute(SQL(
            """UPDATE pbx_call SET route_taken = true
                WHERE id = %s AND route_command_ref = %s AND route_status = 'pending'
                  AND route_taken IS NOT TRUE RETURNING id""", self.id, command_ref),
            log_exceptions=False)  # retried on a serialisation failure, see _pbx_route_lock
        return bool(self.env.cr.fetchone())

    def _pbx_route_take_in_worker(self, command_ref):
        """``_pbx_route_take`` for the webhook's worker, unless the company's PBX is slow
        (``pbx_slow_until``): then the route is left to the cron, woken, in the same
        statement, and the answer is False."""
        self.env.cr.execute(SQL(
            """UPDATE pbx_call
                  SET route_taken = company.pbx_slow_until IS NULL
                                    OR company.pbx_slow_until <= %s
                 FROM res_company company
                WHERE pbx_call.id = %s AND company.id = pbx_call.company_id
                  AND pbx_call.route_command_ref = %s AND pbx_call.route_status = 'pending'
                  AND pbx_call.route_taken IS NOT TRUE
            RETURNING pbx_call.route_taken""", fields.Datetime.now(), self.id, command_ref),
            log_exceptions=False)  # retried, see _pbx_route_lock
        row = self.env.cr.fetchone()
        if row and not row[0]:
            self.env.ref("mango_office.ir_cron_mango_route")._trigger()
        return bool(row and row[0])

    def _pbx_route_hand_over(self, command_ref, slow=False):
        """Leave the route to the cron, which gives Mango more time; ``slow``: Mango did
        not answer in time, and is marked slow."""
        self.env.cr.execute(SQL(
            """UPDATE pbx_call SET route_taken = false
                WHERE id = %s AND route_command_ref = %s AND route_status = 'pending'""",
            self.id, command_ref), log_exceptions=False)  # retried, see _pbx_route_lock
        if slow:
            self.company_id._pbx_mark_slow(True, ROUTE_SLOW_SECONDS)
        self.env.ref("mango_office.ir_cron_mango_route")._trigger()

    def _pbx_route_request(self, command_ref):
        """The command to send again, or None when it is no longer to be sent."""
        self.ensure_one()
        if self.route_status != "pending" or self.route_command_ref != command_ref:
            return None
        leg = self.leg_ids.filtered(lambda leg: leg.leg_ref == self.route_leg_ref)
        if leg.state != LegState.RINGING or not self._pbx_waiting_for_employee():
            self._pbx_route_outcome(command_ref, error=PbxError(CALLER_LEFT))
            return None
        return {
            "leg_ref": self.route_leg_ref,
            "to_number": self.env["pbx.extension"]._pbx_extension(self.company_id,
                                                                      self.route_user_id),
            "display_name": (self.partner_id or self.lead_id).display_name or "",
            "command_ref": command_ref,
        }

    def _pbx_route_outcome(self, command_ref, error=None, slow=None):
        """Record what the PBX answered, unless its result of the route came first.
        ``slow``: whether the PBX took longer to answer than a webhook's worker waits,
        which marks it slow or no longer slow (None: says nothing of it)."""
        self.ensure_one()
        if slow is not None:
            self.company_id._pbx_mark_slow(slow, ROUTE_SLOW_SECONDS)
        if error is None:
            vals = {"route_status": "sent"}
        else:
            vals = {"route_status": "failed", "route_code": error.code or 0,
                    "route_error": None if error.code else error.stored()}
            _logger.info("The PBX refused routing call %s: %s", self.id, error)
        # only while it is pending: a notification committed meanwhile fails this statement
        # to serialise, and the transaction is tried again (executed without logging)
        self.env.cr.execute(SQL(
            """UPDATE pbx_call SET %s, write_uid = %s, write_date = now() at time zone 'utc'
                WHERE id = %s AND route_status = 'pending' AND route_command_ref = %s""",
            SQL(", ").join(SQL("%s = %s", SQL.identifier(name),
                               self._fields[name].convert_to_column(value, self))
                           for name, value in vals.items()),
            self.env.uid, self.id, command_ref), log_exceptions=False)
        self.invalidate_recordset([*vals, "write_date", "write_uid"])

    def _pbx_route_client(self):
        return self.company_id._pbx_client(timeout=ROUTE_TIMEOUT)

    @api.model
    def _pbx_route_stale_seconds(self):
        return int(self.env["ir.config_parameter"].sudo().get_param(
            STALE_PARAMETER, ROUTE_STALE_SECONDS))

    @api.model
    def _cron_send_routes(self):
        """The routes no webhook sent (Mango was slower than the worker waits, or was
        already slow, or the worker stopped between its commit and its answer): sent
        while the caller still waits, else failed; and those whose sending was lost with
        its worker, failed with the reason."""
        Cron = self.env["ir.cron"]
        seconds = self._pbx_route_stale_seconds()
        stale_before = fields.Datetime.now() - timedelta(seconds=seconds)
        stale = self.sudo().search([
            ("route_status", "=", "pending"), ("route_date", "<", stale_before),
        ]).try_lock_for_update()  # those a notification is applying now: the next run
        for call in stale:
            call._pbx_route_outcome(call.route_command_ref, error=PbxError(
                NOT_SENT, seconds=seconds))
        unsent = self.sudo().search([("route_status", "=", "pending"), ("route_taken", "=", False),
                                     ("route_date", ">=", stale_before)], order="route_date, id")
        Cron._commit_progress(len(stale), remaining=len(unsent))
        for call in unsent:  # each taken, then sent, in transactions of its own
            _send_route(self.env.cr.dbname, call.id, {"command_ref": call.route_command_ref})
            if not Cron._commit_progress(1):
                break


def _send_route(dbname, call_id, command, profile=None):
    """Send ``commands/route`` for one call, taken first so that it is sent once; never
    raises. ``command`` is what the webhook decided (with ``profile``, the company's
    settings), or only its ``command_ref`` when the cron sends it.

    Mango's 429 (one route per 2 s per PBX) is tried again while the caller is still
    in the voice menu, by the cron: the webhook's worker leaves it to the cron, as it does
    a route Mango does not answer in time, and one of a PBX marked slow, which it does not
    try. The cron marks the PBX slow, or no longer slow, by how long each answer took.
    """
    registry = Registry(dbname)
    command_ref = command["command_ref"]

    def in_transaction(method, *args, **kwargs):
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            call = env["pbx.call"].browse(call_id)
            return retrying(lambda: getattr(call, method)(*args, **kwargs), env)

    try:
        in_worker = profile is not None
        if not in_transaction("_pbx_route_take_in_worker" if in_worker else "_pbx_route_take",
                              command_ref):
            return
        for attempt in range(1, ROUTE_TRIES + 1):
            if attempt > 1 or not in_worker:
                command = in_transaction("_pbx_route_request", command_ref)
                if command is None:
                    return
            started = time.monotonic()  # also when the client cannot be made
            try:
                if in_worker:
                    client = profile_client(profile, timeout=ROUTE_ANSWER_TIMEOUT)
                else:
                    client = in_transaction("_pbx_route_client")
                started = time.monotonic()
                client.route(**command)
                error = None
            except PbxTimeout as failure:
                if in_worker:  # the cron takes it over, and the other workers leave theirs
                    in_transaction("_pbx_route_hand_over", command_ref, slow=True)
                    return
                error = failure
            except PbxError as failure:
                error = failure
            # the cron's answers tell whether Mango answers the workers in time again
            slow = None if in_worker else time.monotonic() - started > ROUTE_ANSWER_TIMEOUT
            if error is not None and error.rate_limited:
                if in_worker:  # no worker sleeps: the cron tries again
                    in_transaction("_pbx_route_hand_over", command_ref)
                    return
                if attempt < ROUTE_TRIES:
                    time.sleep(ROUTE_RETRY_SECONDS)
                    continue
            in_transaction("_pbx_route_outcome", command_ref, error=error, slow=slow)
            return
    except Exception:  # noqa: BLE001 - after the answer nothing may raise; the cron fails it
        _logger.exception("Routing call %s failed", call_id)

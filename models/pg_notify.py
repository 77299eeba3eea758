"""Notifications to the ``postgres`` database (``NOTIFY imbus`` for the bus, ``NOTIFY
cron_trigger`` for the cron workers) over a connection each process keeps.

Odoo opens a new connection to the ``postgres`` database for every transaction that sends
on the bus or wakes a cron (it keeps none of them in its pool): about 3 ms, as much as the
rest of a webhook that sends a call card. The kept connection holds nothing but itself; a
broken one, or one inherited from a parent process, is opened again.
"""
import logging
import os
import threading

import psycopg2
from psycopg2 import sql

from odoo import sql_db
from odoo.addons.bus.models.bus import ODOO_NOTIFY_FUNCTION, get_notify_payloads
from odoo.tools.misc import OrderedSet

_logger = logging.getLogger(__name__)
_lock = threading.Lock()
NOTIFY = sql.SQL("SELECT {}(%s, %s)").format(sql.Identifier(ODOO_NOTIFY_FUNCTION))
_kept = {}  # "connection": the kept one to the postgres database, "pid": its process


def bus_send(env, messages):
    """Send ``messages`` (``(target, type, payload)``: a record and what ``_bus_send``
    takes) with this transaction: the web clients get them once it commits (bus messages
    written as Odoo's bus writes them, rows in ``bus_bus`` before the commit).

    They go through Odoo's ``_bus_send``, which keeps them in the transaction's hook data
    (``bus.bus.values``, ``bus.bus.channels``); when no one sent on this transaction yet,
    the hooks that write and notify them are these, rather than Odoo's.
    """
    if not messages:
        return
    cr = env.cr
    if "bus.bus.values" not in cr.precommit.data and \
            "bus.bus.channels" not in cr.postcommit.data:
        cr.precommit.data["bus.bus.values"] = []
        cr.postcommit.data["bus.bus.channels"] = OrderedSet()
        cr.precommit.add(lambda: env["bus.bus"].sudo().create(
            cr.precommit.data.pop("bus.bus.values")))
        cr.postcommit.add(lambda: notify("imbus", get_notify_payloads(
            list(cr.postcommit.data.pop("bus.bus.channels")))))
    for target, kind, payload in messages:
        target._bus_send(kind, payload)


def notify(channel, payloads):
    """``NOTIFY channel`` with each of ``payloads`` on the postgres database, now."""
    with _lock:
        for attempt in (1, 2):
            try:
                with _connection().cursor() as cursor:
                    for payload in payloads:
                        cursor.execute(NOTIFY, (channel, payload))
                return
            except (psycopg2.InterfaceError, psycopg2.OperationalError) as error:
                _drop()
                if attempt == 2:  # bus rows and cron triggers wait for the next poll
                    _logger.warning("%s not notified: %s", channel, error)


def _connection():
    """The process's connection to the postgres database, in autocommit."""
    if _kept.get("pid") != os.getpid() or _kept["connection"].closed:
        connection = psycopg2.connect(**sql_db.connection_info_for("postgres")[1])
        connection.autocommit = True
        _kept.update(connection=connection, pid=os.getpid())
    return _kept["connection"]


def _drop():
    connection = _kept.pop("connection", None)
    if connection is not None and _kept.pop("pid", None) == os.getpid():
        try:
            connection.close()
        except psycopg2.Error:
            pass

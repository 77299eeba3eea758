"""Bus messages of the webhooks, sent as Odoo's bus sends them (rows in ``bus_bus``, then
``NOTIFY imbus`` once committed), but notified over a connection each process keeps.

Odoo's bus opens a new connection to the ``postgres`` database for every transaction that
sends (it keeps none of them in its pool): about 3 ms, as much as the rest of a webhook
that sends a call card. The kept connection holds nothing but itself; a broken one, or one
inherited from a parent process, is opened again.
"""
import logging
import os
import threading

import psycopg2
from psycopg2 import sql

from odoo import sql_db
from odoo.addons.bus.models.bus import (ODOO_NOTIFY_FUNCTION, channel_with_db,
                                        get_notify_payloads, json_dump)

_logger = logging.getLogger(__name__)
_lock = threading.Lock()
NOTIFY = sql.SQL("SELECT {}('imbus', %s)").format(sql.Identifier(ODOO_NOTIFY_FUNCTION))
_kept = {}  # "connection": the kept one to the postgres database, "pid": its process


def bus_send(env, messages):
    """Send ``messages`` (``(target, type, payload)``: a partner or a group, and what
    ``_bus_send`` takes) with this transaction: the web clients get them once it commits."""
    if not messages:
        return
    channels = [channel_with_db(env.cr.dbname, target) for target, _kind, _payload in messages]
    env["bus.bus"].sudo().create([
        {"channel": json_dump(channel), "message": json_dump({"type": kind, "payload": payload})}
        for channel, (_target, kind, payload) in zip(channels, messages)])
    env.cr.postcommit.add(lambda: _notify(channels))


def _notify(channels):
    payloads = get_notify_payloads(list(dict.fromkeys(channels)))
    with _lock:
        for attempt in (1, 2):
            try:
                with _connection().cursor() as cursor:
                    for payload in payloads:
                        cursor.execute(NOTIFY, (payload,))
                return
            except (psycopg2.InterfaceError, psycopg2.OperationalError) as error:
                _drop()
                if attempt == 2:  # the rows are in bus_bus: clients get them on their next poll
                    _logger.warning("Bus notification not sent: %s", error)


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

from odoo import models

from .pg_notify import notify


class IrCron(models.Model):
    _inherit = "ir.cron"

    def _notifydb(self):
        """Wake the cron workers as Odoo does, over the connection this process keeps
        (``pg_notify``) rather than a new one: a webhook that queues a recording or a
        route wakes a cron."""
        notify("cron_trigger", [self.env.cr.dbname])

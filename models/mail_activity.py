from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    mango_number = fields.Char(string="Missed Number", index="btree_not_null", readonly=True,
                               help="The callback of missed calls from this number (E.164).")
    pbx_call_id = fields.Many2one("pbx.call", string="Last Missed Call", readonly=True,
                                    ondelete="set null")
    mango_missed_count = fields.Integer(string="Missed Calls", readonly=True)

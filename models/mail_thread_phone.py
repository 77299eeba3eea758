from odoo import api, models

LINKED_MODELS = ("res.partner", "crm.lead")


class MailThreadPhone(models.AbstractModel):
    """Contacts and leads that get a number pick up the earlier calls from it."""
    _inherit = "mail.thread.phone"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._mango_relink_calls()
        return records

    def write(self, vals):
        result = super().write(vals)
        if set(vals) & set(self._phone_get_number_fields()):
            self._mango_relink_calls()
        return result

    def _mango_relink_calls(self):
        if self and self._name in LINKED_MODELS:
            self.env["mango.call"]._mango_relink(self)

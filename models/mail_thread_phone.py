from odoo import api, models

LINKED_MODELS = ("res.partner", "crm.lead")
# what decides which salesperson a number's forwarding rule in Mango goes to
FORWARDING_FIELDS = {"user_id", "active", "won_status", "company_id", "parent_id"}


class MailThreadPhone(models.AbstractModel):
    """Contacts and leads that get a number pick up the earlier calls from it, and keep
    Mango's forwarding rules in step."""
    _inherit = "mail.thread.phone"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._mango_relink_calls()
        if records._name in LINKED_MODELS:
            self.env["mango.forwarding"]._mango_trigger()
        return records

    def write(self, vals):
        result = super().write(vals)
        phones = set(vals) & set(self._phone_get_number_fields())
        if phones:
            self._mango_relink_calls()
        if self._name in LINKED_MODELS and (phones or set(vals) & FORWARDING_FIELDS):
            self.env["mango.forwarding"]._mango_trigger()
        return result

    def _mango_relink_calls(self):
        if self and self._name in LINKED_MODELS:
            self.env["pbx.call"]._pbx_relink(self)

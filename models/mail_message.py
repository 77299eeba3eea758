from odoo import fields, models

from odoo.addons.mail.tools.discuss import Store


class MailMessage(models.Model):
    _inherit = "mail.message"

    pbx_call_id = fields.Many2one("pbx.call", string="Phone Call", index="btree_not_null",
                                    readonly=True, ondelete="set null",
                                    help="The call this message is about: its chatter entry.")

    def _to_store_defaults(self, target):
        """A call's chatter entry offers each reader only what they may open.

        ``pbx_call`` is, for the one user the data is for, the call (its id) and the
        recordings they may listen to (attachment id and file name), or False when they
        may not read the call; nothing when the data goes to many (a record's channel).
        """
        defaults = super()._to_store_defaults(target)
        user = target.get_user(self.env)
        # sudo: mail.message - which call an accessible message is about
        calls = self.sudo().pbx_call_id
        if not (user and calls):
            return defaults
        entries = calls.with_user(user)._pbx_chatter_entries()
        return [*defaults, Store.Attr(
            "pbx_call", lambda message: entries.get(message.sudo().pbx_call_id.id, False),
            predicate=lambda message: message.sudo().pbx_call_id)]

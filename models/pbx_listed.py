from odoo import api, fields, models


class PbxListed(models.AbstractModel):
    """Something a company's PBX lists (groups, lines), kept as the PBX says."""
    _name = "pbx.listed"
    _description = "Listed by the PBX"
    _order = "name"

    name = fields.Char(required=True)
    pbx_ref = fields.Char(string="PBX ID", required=True)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    active = fields.Boolean(default=True)

    @api.model
    def _pbx_sync(self, company, rows):
        """Upsert what the PBX listed (``_pbx_values`` of each of its ``pbx.client``
        objects); archive the rest."""
        existing = {record.pbx_ref: record for record in self.with_context(
            active_test=False).search([("company_id", "=", company.id)])}
        seen = self.browse()
        for row in rows:
            vals = self._pbx_values(row)
            record = existing.get(vals["pbx_ref"])
            if record:
                record.write({**vals, "active": True})
            else:
                record = self.create({**vals, "company_id": company.id})
            seen |= record
        (self.browse([record.id for record in existing.values()]) - seen).write(
            {"active": False})
        return seen

from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        """Each company of the web client says the user's extension in its PBX and the
        PBX's name: the phone widget's button (named after the PBX) shows only where the
        user has an extension."""
        result = super().session_info()
        companies = result.get("user_companies", {}).get("allowed_companies", {})
        Extension = self.env["pbx.extension"]
        names = dict(self.env["res.company"]._fields["pbx_provider"].selection)
        for company in self.env["res.company"].browse(list(companies)):
            companies[company.id]["pbx_extension"] = Extension._pbx_extension(
                company, self.env.user) or False
            companies[company.id]["pbx_name"] = names[company.sudo().pbx_provider]
        return result

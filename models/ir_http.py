from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        """Each company of the web client says the user's extension in its PBX: the phone
        widget's Mango button shows only where the user has one."""
        result = super().session_info()
        companies = result.get("user_companies", {}).get("allowed_companies", {})
        Extension = self.env["pbx.extension"]
        for company in self.env["res.company"].browse(list(companies)):
            companies[company.id]["pbx_extension"] = Extension._pbx_extension(
                company, self.env.user) or False
        return result

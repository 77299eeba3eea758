from urllib.parse import urlencode

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools.misc import hmac

from ..pbx.events import CallReport, Direction, RouteQuery
from ..pbx.numbers import classify, display
from .pbx_call_tracking import DCT_TYPES

NEW_LEAD_SCOPE = "mango_office.pbx_new_lead"  # the scope of the tokens of new-lead links
# a report's state when its events end in several: the first of these any of them has
STATES = ("processed", "waiting", "ignored")


class PbxCallReport(models.Model):
    """What a PBX such as Binotel tells differently from Mango: a whole call in one
    notification (``CallReport``: its legs, summary and recording, applied in their order,
    in one transaction), the website visitor with the call's summary (so nobody asks the
    PBX for it), and its question while a call rings (``RouteQuery``): who calls, and who
    is their salesperson, answered by the webhook (``_pbx_caller``)."""
    _inherit = "pbx.call"

    @api.model
    def _pbx_apply(self, company, event):
        if isinstance(event, RouteQuery):  # journaled; the webhook answers it
            return self.browse(), "processed", False, ()
        if not isinstance(event, CallReport):
            return super()._pbx_apply(company, event)
        call, states, created, work = self.browse(), set(), False, []
        for each in event.events:
            applied, state, made, after = self._pbx_apply(company, each)
            call, created = call or applied, created or made
            states.add(state)
            work += after
        return call, next((s for s in STATES if s in states), "ignored"), created, work

    def _pbx_apply_summary(self, summary):
        """The visitor told with the summary is the call's call tracking data, received."""
        if summary.visitor and not self.dct_data:
            with self._pbx_writing_once():  # one statement, as the summary's own values
                self._pbx_set({
                    "dct_number": summary.tracking_number or False,
                    "dct_type": DCT_TYPES.get(summary.tracking_type, False),
                    "dct_state": "done", "dct_data": dict(summary.visitor),
                    "dct_utm_source": summary.visitor.get("channel_source", False)})
        return super()._pbx_apply_summary(summary)

    # -- who calls, while the call rings -----------------------------------------------

    @api.model
    def _pbx_caller(self, company, query):
        """What the PBX shows of the customer of a ringing call (``query``, a RouteQuery),
        in the context's language: their ``name``, a ``description`` (their open lead),
        their salesperson (``employee_email``, ``employee_number``: the extension,
        ``employee_ref``: the PBX's id of them), a link to them in Odoo (``link_url``,
        ``link_title``); for an unknown number, a link that creates a lead. {} for no
        customer number. Reads the database once (``_pbx_match``): the caller waits."""
        number = query.to_number if query.direction == Direction.OUTGOING else query.from_number
        e164 = classify(number, company._mango_profile().country).e164
        if not e164:
            return {}
        partner, lead, user, extension, name = self._pbx_match(company, e164)
        if not (partner or lead):
            return {"link_url": self._pbx_new_lead_url(company, e164),
                    "link_title": self.env._("Create a lead in Odoo")}
        record = lead or partner
        titles = {"opportunity": self.env._("Open the opportunity in Odoo"),
                  "lead": self.env._("Open the lead in Odoo")}
        return {
            "name": name,
            "description": lead and self.env._("%(lead)s (%(stage)s)", lead=lead.name,
                                               stage=lead.stage_id.name or "") or "",
            "employee_email": user.email or "", "employee_number": extension,
            "employee_ref": extension and self.env["pbx.extension"].sudo().search_fetch(
                [("company_id", "=", company.id), ("user_id", "=", user.id)],
                ["pbx_user_ref"], limit=1).pbx_user_ref or "",
            "link_url": f"{company.get_base_url()}/odoo/{record._name}/{record.id}",
            "link_title": titles.get(lead.type) or self.env._("Open the contact in Odoo"),
        }

    @api.model
    def _pbx_new_lead_token(self, company, e164):
        return hmac(self.env(su=True), NEW_LEAD_SCOPE, f"{company.id}:{e164}")

    @api.model
    def _pbx_new_lead_url(self, company, e164):
        """A link that opens the lead of ``e164``, created then if there is none: only
        links Odoo made work (their token)."""
        query = urlencode({"company": company.id, "number": e164,
                           "token": self._pbx_new_lead_token(company, e164)})
        return f"{company.get_base_url()}/binotel/lead?{query}"

    @api.model
    def _pbx_lead_of_number(self, company, e164):
        """The open lead of ``e164`` in ``company``, else its contact, else a new lead of
        the current user's (a lead where they have Leads, else an opportunity) with the
        number, medium Phone, created with their rights. An open lead the user may not
        read is refused, saying whose it is (AccessError). Decided on the number's row of
        ``pbx.autolead.number``, as an unknown caller's automatic lead is: two clicks at
        once, or a click and the call's own lead, make one lead."""
        self.env["pbx.autolead.number"]._pbx_lock(company, e164)
        partner, lead = self.sudo()._pbx_match(company, e164)[:2]
        if lead and not lead.with_env(self.env).has_access("read"):
            raise AccessError(self._pbx_lead_taken(lead, display(e164)))
        if lead or partner:
            return (lead or partner).with_env(self.env)
        kind = self._pbx_lead_type(self.env.user)
        draft = self.new({"company_id": company.id, "direction": "incoming",
                          "from_number": e164, "external_e164": e164})
        return self.env["crm.lead"].with_company(company).create(
            {**draft._pbx_lead_values(self.env.user, kind), "company_id": company.id})

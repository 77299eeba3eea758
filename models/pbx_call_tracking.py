from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

from ..pbx.client import PbxError
from ..pbx.events import Tracking
from .cron_batch import cron_batch

TRIES = 10
VISITOR_BATCH = 50
# the call's kind of call tracking for each neutral one
DCT_TYPES = {Tracking.NONE: "0", Tracking.DYNAMIC: "1", Tracking.STATIC: "2"}

_lt = LazyTranslate(__name__)

# What Mango says of the visitor, in the order shown (reference §3.11, PlanFix's list).
LABELS = {
    "channel_source": _lt("UTM source"), "channel_medium": _lt("UTM medium"),
    "channel_campaign": _lt("UTM campaign"), "channel_content": _lt("UTM content"),
    "channel_term": _lt("UTM term"), "current_page_url": _lt("Page"),
    "current_page_title": _lt("Page title"), "current_page_date": _lt("Page opened at"),
    "widget_name": _lt("Call tracking widget"), "widget_id": _lt("Widget ID"),
    "product_id": _lt("Product ID"), "uid": _lt("Visitor ID"),
    "ga_cid": _lt("Google Analytics client ID"), "ya_cid": _lt("Yandex Metrica client ID"),
    "rs_cid": _lt("Roistat visit"), "ip": _lt("IP address"), "device": _lt("Device"),
    "location_country_code": _lt("Country"), "location_region": _lt("Region"),
    "location_region_code": _lt("Region code"), "location_city": _lt("City"),
    "region_id": _lt("Billing region"), "duration": _lt("Seconds on the site"),
    "custom": _lt("Custom parameter"),
}
UTM = {"source_id": ("utm.source", "channel_source"), "medium_id": ("utm.medium", "channel_medium"),
       "campaign_id": ("utm.campaign", "channel_campaign")}


class PbxCallTracking(models.Model):
    """Call tracking: which number of the website the customer called, and for dynamic
    call tracking, the visitor behind it (their UTM source, page, city...), fetched from
    Mango in the background. A lead created from the call takes its UTM from it."""
    _inherit = "pbx.call"

    dct_number = fields.Char(string="Call Tracking Number", readonly=True)
    dct_type = fields.Selection(
        [("0", "No call tracking"), ("1", "Dynamic"), ("2", "Static")],
        string="Call Tracking", readonly=True)
    dct_state = fields.Selection(
        [("queued", "Asking the PBX"), ("done", "Received"), ("failed", "Not received")],
        string="Visitor Data", readonly=True, index="btree_not_null")
    dct_tries = fields.Integer(readonly=True)
    dct_next = fields.Datetime(readonly=True)
    dct_data = fields.Json(string="Visitor", readonly=True, copy=False)
    dct_html = fields.Html(string="Website Visitor", compute="_compute_dct_html",
                           sanitize=False)
    dct_utm_source = fields.Char(string="UTM Source", readonly=True)

    @api.depends("dct_data")
    def _compute_dct_html(self):
        for call in self:
            rows = [Markup("<tr><th>%s</th><td>%s</td></tr>") % (self.env._(label),  # pylint: disable=gettext-variable
                                                                  call.dct_data[name])
                    for name, label in LABELS.items() if (call.dct_data or {}).get(name)]
            call.dct_html = rows and Markup('<table class="table table-sm">%s</table>') % Markup(
                "").join(rows)

    def _pbx_track(self, number, kind):
        """Keep the call tracking number; queue the visitor of a dynamic one, once.
        ``kind``: a ``Tracking``, "" when the PBX did not say."""
        self.ensure_one()
        if not number or self.dct_number:
            return
        vals = {"dct_number": number, "dct_type": DCT_TYPES.get(kind, False)}
        if kind == Tracking.DYNAMIC:
            vals.update(dct_state="queued", dct_next=fields.Datetime.now())
            self.env.ref("mango_office.ir_cron_mango_fetch_visitors")._trigger()
        self._pbx_set(vals)

    @api.model
    def _cron_fetch_visitors(self):
        """Ask Mango for the visitors whose time has come, each committed on its own; the
        cron calls it again while some are left. No row lock while Mango answers: the
        call's notifications would wait for it."""
        domain = [("dct_state", "=", "queued"), ("dct_next", "<=", fields.Datetime.now())]
        for call in cron_batch(self, domain, VISITOR_BATCH):
            call._pbx_fetch_visitor()

    def _pbx_fetch_visitor(self):
        try:
            visitor = self.company_id._pbx_client().tracking_visitor(self.dct_number)
        except PbxError as error:
            if error.retryable and self.dct_tries < TRIES:
                self.write({"dct_tries": self.dct_tries + 1,
                            "dct_next": fields.Datetime.now() + timedelta(minutes=1)})
            else:
                self.write({"dct_state": "failed"})
            return
        self.write({"dct_state": "done", "dct_data": visitor,
                    "dct_utm_source": visitor.get("channel_source", False)})

    def _pbx_utm_values(self):
        """UTM source, medium and campaign of the visitor, created in Odoo when missing."""
        self.ensure_one()
        data, Mixin = self.dct_data or {}, self.env["utm.mixin"].sudo()
        return {field: Mixin._find_or_create_record(model, data[key]).id
                for field, (model, key) in UTM.items() if data.get(key)}

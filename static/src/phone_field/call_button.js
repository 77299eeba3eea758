import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { Component } from "@odoo/owl";

/** Click-to-call: Mango rings the rep's phone first, then the number of this field. */
export class PbxCallButton extends Component {
    static template = "mango_office.CallButton";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.title = _t("Call through Mango Office: your phone rings first, then this number");
    }

    async onClick() {
        const number = this.props.record.data[this.props.name];
        const result = await this.orm.call("pbx.call", "pbx_click_to_call", [number]);
        this.notification.add(result.message, { type: "success", title: _t("Calling") });
    }
}

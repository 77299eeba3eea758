import { _t } from "@web/core/l10n/translation";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { Component } from "@odoo/owl";

/**
 * Click-to-call: the company's PBX (Mango Office, Binotel) rings the rep's phone first, then
 * the number of this field. The button bears the PBX's short name.
 */
export class PbxCallButton extends Component {
    static template = "mango_office.CallButton";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.pbxName = user.activeCompany?.pbx_name || "Mango Office";
        this.label = this.pbxName.split(" ")[0];
        this.title = _t("Call through %(pbx)s: your phone rings first, then this number", {
            pbx: this.pbxName,
        });
    }

    async onClick() {
        const number = this.props.record.data[this.props.name];
        const result = await this.orm.call("pbx.call", "pbx_click_to_call", [number]);
        this.notification.add(result.message, { type: "success", title: _t("Calling") });
    }
}

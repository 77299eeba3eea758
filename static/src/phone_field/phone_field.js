import { _t } from "@web/core/l10n/translation";
import { user } from "@web/core/user";
import { patch } from "@web/core/utils/patch";
import { formPhoneField, PhoneField, phoneField } from "@web/views/fields/phone/phone_field";
import { PbxCallButton } from "./call_button";

/**
 * The PBX's button of the phone widget, as `sms` adds its own: the option `enable_mango`
 * (on by default) turns it off for a field; it shows only to a user with an extension in
 * the current company's PBX (`pbx_extension` of the company in the session).
 */
patch(PhoneField, {
    components: { ...PhoneField.components, PbxCallButton },
    defaultProps: { ...PhoneField.defaultProps, enableMango: true },
    props: { ...PhoneField.props, enableMango: { type: Boolean, optional: true } },
});

patch(PhoneField.prototype, {
    get showMangoButton() {
        return Boolean(
            this.props.enableMango &&
                user.activeCompany?.pbx_extension &&
                this.props.record.data[this.props.name]
        );
    },
});

const patchDescription = (description) => ({
    extractProps({ options }) {
        const props = super.extractProps(...arguments);
        props.enableMango = options.enable_mango ?? true;
        return props;
    },
    supportedOptions: [
        ...description.supportedOptions,
        {
            label: _t("Call through the PBX"),
            name: "enable_mango",
            type: "boolean",
            default: true,
        },
    ],
});

patch(phoneField, patchDescription(phoneField));
patch(formPhoneField, patchDescription(formPhoneField));

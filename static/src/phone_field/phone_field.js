import { patch } from "@web/core/utils/patch";
import { PhoneField } from "@web/views/fields/phone/phone_field";
import { MangoCallButton } from "./call_button";

patch(PhoneField, {
    components: { ...PhoneField.components, MangoCallButton },
});

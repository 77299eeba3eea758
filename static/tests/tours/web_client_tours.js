import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";
import { busConnected, post } from "@mango_office/../tests/tours/mango_tour_utils";

const CALL_BUTTON = ".o_field_phone .o_pbx_call_button";
// the phone's buttons show when the field is hovered or has the focus
const FOCUS_PHONE = { trigger: ".o_field_phone input", run: "click" };

// Click-to-call on the contact's phone: Mango rings the rep's phone first, and says so.
registry.category("web_tour.tours").add("mango_office_click_to_call", {
    steps: () => [
        FOCUS_PHONE,
        { content: "call the contact", trigger: CALL_BUTTON, run: "click" },
        { trigger: ".o_notification:contains('rings first')" },
    ],
});

// Mango refuses the call: the rep reads why.
registry.category("web_tour.tours").add("mango_office_click_to_call_refused", {
    steps: () => [
        FOCUS_PHONE,
        { content: "call the contact", trigger: CALL_BUTTON, run: "click" },
        { trigger: ".modal:contains('Insufficient funds')" },
    ],
});

// An administrator sees the webhook's health above the calls.
registry.category("web_tour.tours").add("mango_office_call_list_health", {
    steps: () => [{ trigger: ".o_mango_health:contains('Last notification from Mango Office')" }],
});

// A call that rings at an employee appears in an open call list without a reload.
registry.category("web_tour.tours").add("mango_office_call_list_follows", {
    steps: () => [
        busConnected(),
        {
            content: "the call is not in the list before it rang",
            trigger: ".o_list_renderer:not(:has(.o_data_row:contains('+7 916 123-45-67')))",
        },
        post("ringing"),
        { trigger: ".o_list_renderer .o_data_row:contains('+7 916 123-45-67')" },
    ],
});

// The rep creates the lead from the ringing card, and saves it (the lead form opens).
registry.category("web_tour.tours").add("mango_office_card_create_lead", {
    steps: () => [
        busConnected(),
        post("ringing"),
        {
            content: "create from the card",
            trigger: ".o_pbx_call_card .o_pbx_call_card_create_lead",
            run: "click",
        },
        ...stepUtils.saveForm(),
    ],
});

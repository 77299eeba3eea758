import { registry } from "@web/core/registry";
import {
    busConnected,
    callCard as card,
    cardShows,
    post,
    ringing,
} from "@mango_office/../tests/tours/mango_tour_utils";

// A Ukrainian rep of a company on Binotel: the card follows Binotel's push requests (posted
// by the steps, as Binotel posts them), and the phone button calls through Binotel.
registry.category("web_tour.tours").add("mango_office_binotel_card_and_call", {
    steps: () => [
        busConnected(),
        ...ringing("Вхідний дзвінок", {
            caller: "Микола Ткаченко",
            company: "ТОВ «Агросвіт»",
            number: "+380 67 123 4567",
            salesperson: "Олена Коваль",
        }),
        post("answered"),
        { trigger: card("talking", ":contains('Розмова')") },
        post("hung up"),
        ...cardShows("closed", { title: "Дзвінок завершено", caller: "Микола Ткаченко" }),
        { content: "the rep closes the card", trigger: card("closed", " .o_pbx_call_card_close"), run: "click" },
        { trigger: "body:not(:has(.o_pbx_call_card))" },
        // click-to-call on the customer's phone: the button says Binotel, and Binotel rings
        // the rep's phone first
        { trigger: ".o_field_phone input", run: "click" },
        {
            content: "call the customer through Binotel",
            trigger: ".o_field_phone .o_pbx_call_button:contains('Binotel')",
            run: "click",
        },
        { trigger: ".o_notification:contains('Спочатку задзвонить ваш телефон (901)')" },
    ],
});

// What the web client shows of `selector` says no "Mango": its text (the choice of the PBX
// aside, which names Mango Office among the PBXs) and the tooltips of its fields.
function saysNoMango(selector) {
    return {
        content: `no Mango in ${selector}`,
        trigger: selector,
        run() {
            const shown = this.anchor.cloneNode(true);
            for (const choice of shown.querySelectorAll("select, .o_field_selection")) {
                choice.remove();
            }
            const tooltips = [...this.anchor.querySelectorAll("[data-tooltip-info]")].map(
                (label) => label.dataset.tooltipInfo
            );
            const said = [shown.textContent, ...tooltips].find((text) => text.includes("Mango"));
            if (said) {
                throw new Error(`Mango in ${selector}: ${said}`);
            }
        },
    };
}

// A Ukrainian administrator of a company on Binotel in the settings: the Telephony block
// says what Binotel does.
registry.category("web_tour.tours").add("mango_office_binotel_settings", {
    steps: () => [
        { trigger: "#mango_office_health:contains('Binotel надсилає завершений дзвінок')" },
        { trigger: "#mango_office_recordings:contains('Записи завантажуються з Binotel одразу')" },
        { trigger: "h2:contains('Телефонія') + .o_settings_container:has(#mango_office_health)" },
        saysNoMango(".o_settings_container:has(#mango_office_health)"),
    ],
});

// The same administrator in the call list: the webhook's health names Binotel.
registry.category("web_tour.tours").add("mango_office_binotel_call_list", {
    steps: () => [
        { trigger: ".o_mango_health:contains('Останнє сповіщення від Binotel: ніколи')" },
        { trigger: ".o_view_nocontent:contains('Дзвінки вашої АТС з’являються тут')" },
        saysNoMango(".o_action_manager"),
    ],
});

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

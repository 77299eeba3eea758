import { registry } from "@web/core/registry";
import {
    callCard as card,
    cardShows,
    post,
    ringing,
} from "@mango_office/../tests/tours/mango_tour_utils";

// The rep's call card, as a Russian rep sees it: each story posts Mango's notifications
// when it needs them (``post``), and the next step waits for the card.

registry.category("web_tour.tours").add("mango_office_card_unknown_caller", {
    steps: () => [
        ...ringing("Входящий звонок", {
            caller: "Неизвестный номер",
            number: "+7 903 555-66-77",
            line: "Москва · +7 495 123-45-67",
            new_contact: "Новый контакт",
        }),
        { trigger: card("ringing", ":not(:has(.o_pbx_call_card_open_contact, .o_pbx_call_card_open_lead))") },
        {
            content: "the rep creates the deal from the card",
            trigger: card("ringing", " .o_pbx_call_card_create_lead:contains('Создать сделку')"),
            run: "click",
        },
        { trigger: ".o_form_view .o_field_widget[name=phone] input:value('+7 903 555-66-77')" },
    ],
});

registry.category("web_tour.tours").add("mango_office_card_known_caller", {
    steps: () => [
        post("ringing"),
        ...cardShows("ringing", {
            caller: "Иван Петров",
            company: "ООО Ромашка",
            lead: "Поставка станков",
            stage: "Переговоры",
            salesperson: "Борис Иванов",
            all_calls: "Все звонки (2)",
            open_contact: "Открыть контакт",
            open_lead: "Открыть сделку",
        }),
        { trigger: card("ringing", " .o_pbx_call_card_history li:contains('Входящий'):contains('Отвечен, 1:05')") },
        { trigger: card("ringing", " .o_pbx_call_card_history li:contains('Пропущен')") },
        { trigger: card("ringing", ":not(:has(.o_pbx_call_card_create_lead, .o_pbx_call_card_new_contact))") },
        post("answered"),
        { trigger: card("talking", ":contains('Разговор')") },
        {
            content: "the rep notes what the customer wants",
            trigger: card("talking", " .o_pbx_call_card_note textarea"),
            run: "edit Просит счёт на два станка",
        },
        { trigger: card("talking", " .o_pbx_call_card_save:contains('Сохранить')"), run: "click" },
        { trigger: card("talking", " .o_pbx_call_card_saved:contains('Заметка сохранена')") },
        {
            content: "the rep transfers the customer to a colleague",
            trigger: card("talking", " .o_pbx_call_card_transfer_button:contains('Перевести')"),
            run: "click",
        },
        { trigger: card("talking", " .o_pbx_call_card_target:contains('Вера Кузнецова')"), run: "click" },
        { trigger: card("talking", " .o_pbx_call_card_message:contains('Вера Кузнецова')") },
        ...cardShows("closed", {
            outcome: "Переведён: Вера Кузнецова",
            call_back: "Перезвонить",
        }),
        // another call while the first card stays: both shown, the newest first
        post("second ringing"),
        { trigger: ".o_pbx_call_card:first-child.o_pbx_call_card_ringing:contains('Неизвестный номер')" },
        { trigger: ".o_pbx_call_card:nth-child(2).o_pbx_call_card_closed:contains('Иван Петров')" },
        post("second answered"),
        { trigger: card("talking", ":contains('Неизвестный номер')") },
        {
            content: "a reload brings back the card of the live call",
            trigger: card("talking"),
            run: () => window.location.reload(),
            expectUnloadPage: true,
        },
        { trigger: card("talking", ":contains('Неизвестный номер')") },
        { trigger: "body:not(:has(.o_pbx_call_card_closed))" },
        {
            content: "the rep hangs up from the card",
            trigger: card("talking", " .o_pbx_call_card_hangup:contains('Положить трубку')"),
            run: "click",
        },
        { trigger: card("closed", " .o_pbx_call_card_outcome:contains('Завершён')") },
        { trigger: card("closed", " .o_pbx_call_card_close"), run: "click" },
        { trigger: "body:not(:has(.o_pbx_call_card))" },
    ],
});

registry.category("web_tour.tours").add("mango_office_card_only_mine", {
    steps: () => [
        post("others"),
        post("mine"),
        { trigger: card("ringing", ":contains('Incoming call'):contains('Unknown number')") },
        ...cardShows("ringing", {
            create_lead: "Create opportunity",
            new_contact: "New contact",
        }),
        // the bus brings messages in order: the colleague's call would have come first
        { trigger: "body:not(:has(.o_pbx_call_card:contains('Иван Петров')))" },
    ],
});

import { registry } from "@web/core/registry";

const ENTRY = ".o-mail-Message:has(.o-mango_office-RecordingPlayer)";
const PLAYER = `${ENTRY} .o-mango_office-RecordingPlayer`;
const TIME = ".o-mango_office-RecordingPlayer-time";

// A Russian rep opens their customer: the call's note in Russian, its recording played in
// place (the browser loads the file and plays it to its end), Download beside it, and the
// link to the call opens the call, whose own entry plays it too.
registry.category("web_tour.tours").add("mango_office_chatter_recording", {
    steps: () => [
        {
            content: "the call's note, in Russian, with its recording",
            trigger:
                `${ENTRY} .o-mail-Message-body` +
                ":contains('Входящий'):contains('Время разговора: 2:05')",
        },
        {
            content: "the browser loaded the recording: its length is shown",
            trigger: `${PLAYER} ${TIME}:contains('0:00 / 0:02')`,
        },
        {
            content: "Download beside it",
            trigger: `${PLAYER} a[title='Скачать'][href*='download=true']`,
        },
        {
            content: "listen",
            trigger: `${PLAYER} button[title='Слушать']`,
            run: "click",
        },
        {
            content: "playing: the button pauses",
            trigger: `${PLAYER} button[title='Пауза']`,
        },
        {
            content: "played to the end",
            trigger: `${PLAYER}:has(button[title='Слушать']) ${TIME}:contains('0:02 / 0:02')`,
        },
        {
            content: "open the call",
            trigger: `${ENTRY} a.o-mango_office-CallEntry-open:contains('Открыть звонок')`,
            run: "click",
        },
        {
            content: "the call is open",
            trigger: ".o_last_breadcrumb_item:contains('Входящий звонок от Иван Петров')",
        },
        {
            content: "the call's own entry plays it too, with no link to itself",
            trigger:
                `${ENTRY}:contains('Запись разговора')` +
                `:not(:has(.o-mango_office-CallEntry-open)) ${TIME}:contains('0:00 / 0:02')`,
        },
    ],
});

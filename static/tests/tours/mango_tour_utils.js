import { WORKER_STATE } from "@bus/workers/websocket_worker";

/**
 * Steps the addon's tours share. The Python test gives the notifications the PBX would post
 * (Mango's signed, Binotel's forms with their own ``url``) under names (sessionStorage
 * "mango_office.tour", see ``PbxHttpCase.tour_posting``); ``post(name)`` posts one to the
 * webhook when the story needs it, and the next step waits for what the rep sees of it.
 */
export function post(name) {
    return {
        content: `the PBX posts "${name}"`,
        trigger: ".o_main_navbar",
        async run() {
            const { path, url, body } = JSON.parse(sessionStorage.getItem("mango_office.tour"))[
                name
            ];
            const response = await fetch(url || `/mango/${path}`, {
                method: "POST",
                body: new URLSearchParams(body),
            });
            if (!response.ok) {
                throw new Error(`the webhook answered ${response.status} to "${name}"`);
            }
        },
    };
}

/** Until the web client's bus is connected: what the server sends now reaches this page. */
export function busConnected() {
    return {
        content: "the bus is connected",
        trigger: ".o_main_navbar",
        async run() {
            const bus = odoo.__WOWL_DEBUG__.root.env.services.bus_service;
            await new Promise((resolve) => {
                bus.addEventListener("BUS:CONNECT", resolve, { once: true });
                if (bus.workerState === WORKER_STATE.CONNECTED) {
                    resolve();
                }
            });
        },
    };
}

/** The call card in ``status`` (ringing, talking, closed), ``more`` appended to its selector. */
export function callCard(status, more = "") {
    return `.o_pbx_call_card.o_pbx_call_card_${status}${more}`;
}

/**
 * A step for each part of the call card in ``status``, in order: until the part shows its
 * text. ``cardShows("ringing", { caller: "Иван Петров" })`` waits for
 * ``.o_pbx_call_card_caller:contains('Иван Петров')`` in the ringing card.
 */
export function cardShows(status, texts) {
    return Object.entries(texts).map(([part, text]) => ({
        trigger: callCard(status, ` .o_pbx_call_card_${part}:contains('${text}')`),
    }));
}

/** The PBX posts "ringing": the ringing card says ``title`` and shows ``texts`` (``cardShows``). */
export function ringing(title, texts) {
    return [
        post("ringing"),
        { trigger: callCard("ringing", `:contains('${title}')`) },
        ...cardShows("ringing", texts),
    ];
}

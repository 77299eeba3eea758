import { reactive } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { CallCards } from "./call_card";

/**
 * The cards of the rep's calls: the server sends "mango_office/call" through the bus to
 * each employee with a leg in a call (ringing, talking, closed), the card built in their
 * language. One card per call, newest first, kept after the call until the rep closes it;
 * the cards of live calls come back after a reload.
 */
export const mangoCallCardService = {
    dependencies: ["bus_service", "orm"],

    start(env, { bus_service, orm }) {
        const cards = reactive([]);

        function close(callId) {
            const index = cards.findIndex((card) => card.call_id === callId);
            if (index >= 0) {
                cards.splice(index, 1);
            }
        }

        function show(card) {
            const index = cards.findIndex((shown) => shown.call_id === card.call_id);
            if (index < 0) {
                if (card.status !== "closed") {
                    cards.unshift(card); // a call that ended unseen brings no card
                }
            } else if (card.status === "closed" && card.answered_elsewhere && !card.talked) {
                // a colleague took the call while this rep's phone rang: the customer is
                // served and nothing is left to do here (a missed call keeps its card)
                cards.splice(index, 1);
            } else {
                cards[index] = card;
            }
        }

        bus_service.subscribe("mango_office/call", show);
        // Mango accepted a transfer or hang-up, then refused it: said on the card
        bus_service.subscribe("mango_office/call_refused", ({ call_id, message }) => {
            const index = cards.findIndex((card) => card.call_id === call_id);
            if (index >= 0) {
                cards[index] = { ...cards[index], refusal: message };
            }
        });
        orm.silent.call("pbx.call", "pbx_my_cards", []).then((restored) => {
            for (const card of restored) {
                if (!cards.some((shown) => shown.call_id === card.call_id)) {
                    cards.push(card); // older than what the bus brought meanwhile
                }
            }
        });
        registry.category("main_components").add("mango_office.CallCards", {
            Component: CallCards,
            props: { cards, close },
        });
        return { cards, close };
    },
};

registry.category("services").add("mango_office.call_card", mangoCallCardService);

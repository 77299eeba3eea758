import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";

/**
 * The card of the rep whose phone rings: the server sends "mango_office/call" through the
 * bus to the employees whose extension has a leg of the call (ringing, talking, closed).
 * One card per call and tab; it follows the call and goes away when it ends for this rep.
 */
export const mangoCallCardService = {
    dependencies: ["bus_service", "notification", "action", "orm"],

    start(env, { bus_service, notification, action, orm }) {
        const cards = new Map(); // call id -> close function of its notification

        function lines(card) {
            const result = [];
            if (card.partner) {
                result.push(card.partner.company
                    ? `${card.partner.name}, ${card.partner.company}`
                    : card.partner.name);
            } else {
                result.push(_t("Unknown number"));
            }
            result.push(card.number);
            if (card.lead) {
                result.push(card.lead.stage ? `${card.lead.name} (${card.lead.stage})` : card.lead.name);
            }
            if (card.salesperson) {
                result.push(_t("Salesperson: %(name)s", { name: card.salesperson }));
            }
            if (card.earlier_calls) {
                result.push(_t("Earlier calls: %(count)s", { count: card.earlier_calls }));
            }
            if (!card.partner && card.line) {
                result.push(_t("Line: %(line)s", { line: card.line }));
            }
            return result.join(" · ");
        }

        function open(model, id) {
            action.doAction({
                type: "ir.actions.act_window",
                res_model: model,
                res_id: id,
                views: [[false, "form"]],
            });
        }

        function buttons(card) {
            const result = [];
            if (card.lead || card.partner) {
                result.push({
                    name: _t("Open"),
                    primary: true,
                    onClick: () => card.lead
                        ? open("crm.lead", card.lead.id)
                        : open("res.partner", card.partner.id),
                });
            }
            result.push({
                name: _t("Create lead"),
                onClick: async () => {
                    action.doAction(await orm.call("mango.call", "action_create_lead", [[card.call_id]]));
                },
            });
            if (!card.partner) {
                result.push({
                    name: _t("New contact"),
                    onClick: () => action.doAction({
                        type: "ir.actions.act_window",
                        res_model: "res.partner",
                        views: [[false, "form"]],
                        context: { default_phone: card.number },
                    }),
                });
            }
            return result;
        }

        function show(card) {
            cards.get(card.call_id)?.();
            cards.delete(card.call_id);
            if (card.status === "closed") {
                return;
            }
            const title = card.status === "talking" ? _t("Talking: %(title)s", { title: card.title }) : card.title;
            const close = notification.add(lines(card), {
                title,
                sticky: true,
                type: card.status === "talking" ? "success" : "info",
                className: `o_mango_call_card o_mango_call_card_${card.status}`,
                buttons: buttons(card),
                onClose: () => cards.delete(card.call_id),
            });
            cards.set(card.call_id, close);
        }

        bus_service.subscribe("mango_office/call", show);
        return { cards };
    },
};

registry.category("services").add("mango_office.call_card", mangoCallCardService);

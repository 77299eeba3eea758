import { onWillStart, onWillUnmount } from "@odoo/owl";
import { deserializeDateTime, toLocaleDateTimeString } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";
import { ListController } from "@web/views/list/list_controller";
import { listView } from "@web/views/list/list_view";

/**
 * The call list: the webhook's health above the calls for administrators (when the PBX's
 * last notification came, the journal's errors, the last reconciliation), and a reload
 * when a call of the current companies reaches an employee or ends.
 */
export class PbxCallListController extends ListController {
    static template = "mango_office.CallListView";

    setup() {
        super.setup();
        const orm = useService("orm");
        const bus = useService("bus_service");
        onWillStart(async () => {
            this.mangoHealth = await orm.call("pbx.call", "pbx_webhook_health", []);
        });
        const reload = useDebounced(() => this.model.load(), 300);  // not after unmount
        const onCallChanged = ({ company_id }) => {
            if (user.activeCompanies.some((active) => (active?.id ?? active) === company_id)) {
                reload();
            }
        };
        bus.subscribe("mango_office/calls", onCallChanged);
        onWillUnmount(() => bus.unsubscribe("mango_office/calls", onCallChanged));
    }

    /** The banner's lines, with its dates (serialised, UTC) written as the list writes dates. */
    get mangoHealthItems() {
        const { pbx, last_notification, errors, reconciliation, running } = this.mangoHealth;
        const date = (value) =>
            value ? toLocaleDateTimeString(deserializeDateTime(value)) : _t("never");
        const items = [
            {
                text: _t("Last notification from %(pbx)s: %(date)s", {
                    pbx,
                    date: date(last_notification),
                }),
            },
            { text: _t("Notifications in error: %(count)s", { count: errors }) },
        ];
        if (!reconciliation) {
            items.push({ text: _t("Last reconciliation: never") });
        } else {
            items.push({
                text: _t("Last reconciliation: %(date)s, calls of %(start)s – %(end)s", {
                    date: date(reconciliation.date),
                    start: date(reconciliation.start),
                    end: date(reconciliation.end),
                }),
            });
            items.push({
                text: _t("Calls recovered by it: %(count)s", { count: reconciliation.recovered }),
            });
            if (reconciliation.failure) {
                items.push({ text: reconciliation.failure, className: "text-danger" });
            }
        }
        if (running) {
            items.push({
                className: "o_mango_reconciling fw-bold",
                text: _t(
                    "Reconciliation running: calls of %(start)s – %(end)s, compared up to %(done)s, %(count)s recovered so far",
                    {
                        start: date(running.start),
                        end: date(running.end),
                        done: date(running.done),
                        count: running.recovered,
                    }
                ),
            });
        }
        return items;
    }
}

registry.category("views").add("pbx_call_list", {
    ...listView,
    Controller: PbxCallListController,
});

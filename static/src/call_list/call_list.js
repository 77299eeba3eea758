import { onWillStart, onWillUnmount } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";
import { ListController } from "@web/views/list/list_controller";
import { listView } from "@web/views/list/list_view";

/**
 * The call list: the webhook's health above the calls for administrators (when Mango's
 * last notification came, the journal's errors, the last reconciliation), and a reload
 * when a call of the current companies reaches an employee or ends.
 */
export class MangoCallListController extends ListController {
    static template = "mango_office.CallListView";

    setup() {
        super.setup();
        const orm = useService("orm");
        const bus = useService("bus_service");
        onWillStart(async () => {
            this.mangoHealth = await orm.call("mango.call", "mango_webhook_health", []);
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
}

registry.category("views").add("mango_call_list", {
    ...listView,
    Controller: MangoCallListController,
});

import { onWillStart } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { ListController } from "@web/views/list/list_controller";
import { listView } from "@web/views/list/list_view";

/**
 * The call list, with the webhook's health above the calls for administrators: when
 * Mango's last notification came, the journal's errors, the last reconciliation.
 */
export class MangoCallListController extends ListController {
    static template = "mango_office.CallListView";

    setup() {
        super.setup();
        const orm = useService("orm");
        onWillStart(async () => {
            this.mangoHealth = await orm.call("mango.call", "mango_webhook_health", []);
        });
    }
}

registry.category("views").add("mango_call_list", {
    ...listView,
    Controller: MangoCallListController,
});

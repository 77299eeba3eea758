import { registry } from "@web/core/registry";

const ADDRESS = ".o_mango_webhook_url span";

// The webhook address in the settings, long as behind a company's proxy (the test sets
// web.base.url to this server's address and four long path segments): all of it
// readable, a copy button beside it, plain HTTP warned of.
registry.category("web_tour.tours").add("mango_office_settings_webhook_address", {
    steps: () => [
        {
            content: "the whole address, not cut off",
            trigger: `${ADDRESS}:visible`,
            run() {
                const text = document.querySelector(ADDRESS);
                const expected = `${location.origin}/${"very-long-path-segment/".repeat(4)}mango`;
                if (text.textContent.trim() !== expected) {
                    throw new Error(`address shown: ${text.textContent}`);
                }
                if (text.scrollWidth > text.clientWidth + 1) {
                    throw new Error("the address is cut off");
                }
            },
        },
        { trigger: ".o_mango_webhook_url .o_clipboard_button" },
        { trigger: "#mango_office_webhook .alert-warning:contains('HTTPS')" },
    ],
});

// A Russian administrator starts a reconciliation: told it started, and the page says
// one is running.
registry.category("web_tour.tours").add("mango_office_settings_reconcile", {
    steps: () => [
        { trigger: "button[name=action_mango_reconcile]:visible", run: "click" },
        { trigger: ".o_notification:contains('Сверка запущена')" },
        { trigger: ".o_mango_reconciling:visible:contains('Идёт сверка в фоне')" },
    ],
});

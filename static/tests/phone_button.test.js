import { mailModels } from "@mail/../tests/mail_test_helpers";
import { beforeEach, describe, expect, test } from "@odoo/hoot";
import {
    contains,
    defineModels,
    fields,
    models,
    mountView,
    onRpc,
    serverState,
} from "@web/../tests/web_test_helpers";

describe.current.tags("desktop");

class Partner extends models.Model {
    phone = fields.Char();
    _records = [
        { id: 1, phone: "+7 916 123-45-67" },
        { id: 2, phone: false },
    ];
}

defineModels({ ...mailModels, Partner });

// the call card asks, as the web client starts, for the cards of the user's live calls
beforeEach(() => onRpc("pbx.call", "pbx_my_cards", () => []));

/** The current company, with or without the user's extension in its PBX. */
function inCompany(extension) {
    serverState.companies = [{ ...serverState.companies[0], pbx_extension: extension }];
}

async function mountPartner(options = "", resId = 1, readonly = false) {
    await mountView({
        type: "form",
        resModel: "partner",
        resId,
        readonly,
        arch: `<form><field name="phone" widget="phone" ${options}/></form>`,
    });
}

test("the Mango button for a user with an extension, beside Odoo's own Call", async () => {
    inCompany("101");
    await mountPartner();
    expect(".o_field_phone .o_pbx_call_button").toHaveCount(1);
    expect(".o_pbx_call_button i").toHaveClass("fa-headphones");
    expect(".o_pbx_call_button i").not.toHaveClass("fa-phone");
    expect(".o_phone_form_link i").toHaveClass("fa-phone");
});

test("no Mango button for a user without an extension in the current company", async () => {
    inCompany(false);
    await mountPartner();
    expect(".o_field_phone .o_phone_form_link").toHaveCount(1);
    expect(".o_pbx_call_button").toHaveCount(0);
});

test("no Mango button where the view turns the option off", async () => {
    inCompany("101");
    await mountPartner(`options="{'enable_mango': false}"`);
    expect(".o_pbx_call_button").toHaveCount(0);
});

test("no Mango button on an empty phone", async () => {
    inCompany("101");
    await mountPartner("", 2);
    expect(".o_pbx_call_button").toHaveCount(0);
});

test("a click asks Mango to call this number", async () => {
    inCompany("101");
    onRpc("pbx.call", "pbx_click_to_call", ({ args }) => {
        expect.step(args[0]);
        return { message: "Your phone (101) rings first, then +7 916 123-45-67." };
    });
    await mountPartner("", 1, true);
    await contains(".o_pbx_call_button").click();
    await expect.waitForSteps(["+7 916 123-45-67"]);
    expect(".o_notification").toHaveText(/rings first/);
});

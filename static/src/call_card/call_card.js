import { Component, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { RPCError } from "@web/core/network/rpc";
import { useService } from "@web/core/utils/hooks";

/** One call's card: who calls, what they have with us, and what the rep can do. */
export class CallCard extends Component {
    static template = "mango_office.CallCard";
    static props = { card: Object, close: Function };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({
            note: this.props.card.note,
            savedNote: this.props.card.note,
            targets: null, // the colleagues to transfer to, once asked for
            message: "",
            error: "",
            busy: false,
        });
    }

    get card() {
        return this.props.card;
    }

    get leadLabel() {
        return this.card.lead.type === "lead" ? _t("Lead") : _t("Opportunity");
    }

    get openLeadLabel() {
        return this.card.lead.type === "lead" ? _t("Open lead") : _t("Open opportunity");
    }

    get createLeadLabel() {
        return this.card.use_leads ? _t("Create lead") : _t("Create opportunity");
    }

    get allCallsLabel() {
        return _t("All calls (%(count)s)", { count: this.card.history_count });
    }

    get noteChanged() {
        return this.state.note !== this.state.savedNote;
    }

    /** A method of the call; the server's refusals are said on the card. */
    async call(method, args = []) {
        Object.assign(this.state, { busy: true, error: "", message: "" });
        try {
            return await this.orm.call("pbx.call", method, [[this.card.call_id], ...args]);
        } catch (error) {
            if (error instanceof RPCError && error.exceptionName === "odoo.exceptions.UserError") {
                this.state.error = error.data.message;
                return false;
            }
            throw error;
        } finally {
            this.state.busy = false;
        }
    }

    async doCallAction(method) {
        const action = await this.call(method);
        if (action) {
            await this.action.doAction(action);
        }
    }

    open(model, id) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: model,
            res_id: id,
            views: [[false, "form"]],
        });
    }

    async saveNote() {
        const note = this.state.note;
        if (await this.call("pbx_save_note", [note])) {
            this.state.savedNote = note;
        }
    }

    async pickColleague() {
        this.state.targets = (await this.call("pbx_transfer_targets")) || null;
    }

    async transfer(extension) {
        const result = await this.call("pbx_transfer", [extension]);
        if (result) {
            this.state.targets = null;
            this.state.message = result.message;
        }
    }

    async hangUp() {
        await this.call("pbx_hangup");
    }
}

/** The stack of cards, fixed at the bottom left corner, away from the view switcher. */
export class CallCards extends Component {
    static template = "mango_office.CallCards";
    static components = { CallCard };
    static props = { cards: Array, close: Function };

    setup() {
        this.cards = useState(this.props.cards);
    }
}

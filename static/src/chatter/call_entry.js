import { Message } from "@mail/core/common/message";
import { patch } from "@web/core/utils/patch";
import { RecordingPlayer } from "./recording_player";

/**
 * A call's chatter entry (a note on the contact or the lead, the recording's message on
 * the call) shows what its reader may open of the call, as the server says for them
 * (``message.pbx_call``): the recordings' players, and a link to the call when the
 * entry is not on the call itself.
 */
patch(Message, {
    components: { ...Message.components, RecordingPlayer },
});

import { Component, onWillUnmount, useRef, useState } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { url } from "@web/core/utils/urls";

/** ``2:05``: minutes and seconds. */
export function formatSeconds(seconds) {
    const whole = Math.floor(seconds);
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

/**
 * A call recording played in place: play and pause, its progress (which also seeks), the
 * time, and Download. The browser's audio element streams the file (a long conversation
 * is not loaded whole) from /web/content, which checks the reader's access; one player
 * plays at a time, voice messages included.
 */
export class RecordingPlayer extends Component {
    static template = "mango_office.RecordingPlayer";
    static props = { recording: { type: Object, shape: { id: Number, name: String } } };

    setup() {
        this.audioRef = useRef("audio");
        this.players = useService("discuss.voice_message");
        this.state = useState({ playing: false, current: 0, duration: 0 });
        this.formatSeconds = formatSeconds;
        onWillUnmount(() => this.pause());
    }

    get src() {
        return url(`/web/content/${this.props.recording.id}`);
    }

    get downloadUrl() {
        return url(`/web/content/${this.props.recording.id}`, { download: true });
    }

    get progress() {
        return this.state.duration ? (100 * this.state.current) / this.state.duration : 0;
    }

    play() {
        if (this.players.activePlayer !== this) {
            this.players.activePlayer?.pause();
            this.players.activePlayer = this;
        }
        this.audioRef.el.play();
    }

    pause() {
        if (this.players.activePlayer === this) {
            this.players.activePlayer = null;
        }
        this.audioRef.el?.pause();
    }

    onClickPlayPause() {
        if (this.state.playing) {
            this.pause();
        } else {
            this.play();
        }
    }

    onDuration() {
        const duration = this.audioRef.el.duration;
        this.state.duration = Number.isFinite(duration) ? duration : 0;
    }

    onTimeUpdate() {
        this.state.current = this.audioRef.el.currentTime;
    }

    onSeek(ev) {
        this.audioRef.el.currentTime = Number(ev.target.value);
        this.onTimeUpdate();
    }
}

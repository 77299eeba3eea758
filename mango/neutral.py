"""Mango's notifications in the call log's words (``pbx.events``).

All that the call log must not know of Mango is here: its call states and locations,
its direction codes, what ``entry_result`` says, and that a voice menu or queue leg ending
with 1100 hands the caller on. Imported by the addon (``pbx.providers``), not by the
protocol package itself, which stays importable on its own.
"""
from ..pbx import events as pbx
from . import codes, events

NORMAL_END = 1100  # "call ended normally": for a voice menu or a queue, the caller went on
LEG_STATES = {"Appeared": pbx.LegState.RINGING, "Connected": pbx.LegState.TALKING,
              "OnHold": pbx.LegState.ON_HOLD, "Disconnected": pbx.LegState.ENDED}
LOCATIONS = {"ivr": pbx.Location.MENU, "queue": pbx.Location.QUEUE,
             "abonent": pbx.Location.EMPLOYEE}
DIRECTIONS = {0: pbx.Direction.INTERNAL, 1: pbx.Direction.INCOMING, 2: pbx.Direction.OUTGOING}
TRACKING = {0: pbx.Tracking.NONE, 1: pbx.Tracking.DYNAMIC, 2: pbx.Tracking.STATIC}
COMMANDS = {"route": pbx.Command.ROUTE, "transfer": pbx.Command.TRANSFER,
            "call/hangup": pbx.Command.HANGUP}
COMPLETED = "Completed"  # the one recording state that says how it ended


def describe(code):
    """A Mango result or disconnect code in English words."""
    return codes.describe(code)


def parse(path, raw_json):
    """A journaled Mango notification as a neutral event (``events.parse_notification``)."""
    return to_pbx(events.parse_notification(path, raw_json))


def to_pbx(notification):
    """The neutral event of one parsed Mango notification."""
    translate = TRANSLATIONS.get(type(notification))
    if translate is None:
        return pbx.Other(kind=getattr(notification, "path", type(notification).__name__))
    return translate(notification)


def _leg_event(event):
    location = LOCATIONS.get(event.location, pbx.Location.OTHER if event.location else "")
    state = LEG_STATES.get(event.call_state, pbx.LegState.OTHER)
    return pbx.LegEvent(
        entry_ref=event.entry_ref, leg_ref=event.leg_ref, state=state,
        timestamp=event.timestamp, seq=event.seq, pbx_state=event.call_state,
        location=location, pbx_location=event.location,
        **event.parties(), reason=event.disconnect_reason,
        handed_on=state == pbx.LegState.ENDED and event.disconnect_reason == NORMAL_END
        and location in (pbx.Location.MENU, pbx.Location.QUEUE),
        command_ref=event.command_ref, tracking_number=event.dct_number,
        tracking_type=TRACKING.get(event.dct_type, ""))


def _summary(summary):
    return pbx.CallSummary(
        entry_ref=summary.entry_ref,
        direction=DIRECTIONS.get(summary.direction, pbx.Direction.OTHER),
        pbx_direction=summary.direction,
        **summary.parties(), start_time=summary.create_time,
        answer_time=summary.talk_time, end_time=summary.end_time,
        # entry_result 1: the call reached someone; talk_time: when the talk began
        answered=bool(summary.entry_result) and bool(summary.talk_time),
        reason=summary.disconnect_reason, tracking_number=summary.dct_number,
        tracking_type=TRACKING.get(summary.dct_type, ""))


def _recording(event):
    if event.recording_state == COMPLETED:
        saved = not event.completion_code or codes.is_success(event.completion_code)
        state = pbx.RecordingState.SAVED if saved else pbx.RecordingState.FAILED
    else:  # Started, Continued (in another leg), or a state Mango added since
        state = pbx.RecordingState.RECORDING
    return pbx.RecordingEvent(
        recording_ref=event.recording_ref, entry_ref=event.entry_ref, state=state,
        pbx_state=event.recording_state, leg_ref=event.leg_ref, extension=event.extension,
        completion_code=event.completion_code)


def _record_added(event):
    return pbx.RecordingEvent(recording_ref=event.recording_ref, entry_ref=event.entry_ref,
                              state=pbx.RecordingState.READY)


def _command_result(result):
    return pbx.CommandResult(command=COMMANDS.get(result.command, result.command),
                             command_ref=result.command_ref, code=result.result,
                             ok=codes.is_success(result.result))


def _dtmf(event):
    return pbx.Dtmf(entry_ref=event.entry_ref, leg_ref=event.leg_ref, digits=event.digits,
                    seq=event.seq, timestamp=event.timestamp)


TRANSLATIONS = {
    events.CallEvent: _leg_event,
    events.Summary: _summary,
    events.RecordingEvent: _recording,
    events.RecordAdded: _record_added,
    events.CommandResult: _command_result,
    events.Dtmf: _dtmf,
    events.SmsStatus: lambda status: pbx.Other(kind="events/sms"),
    events.Ping: lambda ping: pbx.Other(kind="ping"),
}

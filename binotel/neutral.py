"""Binotel's requests in the call log's words (``pbx.events``).

What the call log must not know of Binotel is here: its call types, that a push request
moves the customer's one leg of the call (``generalCallID``: received -> ringing, answered
-> talking, transferred -> talking to another employee, hung up -> ended), and that a
completed call tells everything at once: the customer's leg, a leg per attempt when there
were several (``historyData``, one after the other from ``startTime``), the summary and the
recording,
as one :class:`pbx.events.CallReport`. Dispositions become our numbers (``codes``).
Imported by the addon (``pbx.providers``), not by the protocol package itself.
"""
from ..pbx import events as pbx
from . import codes, events

PUSH_STATES = {"receivedTheCall": (pbx.LegState.RINGING, 1),
               "answeredTheCall": (pbx.LegState.TALKING, 2),
               "transferredTheCall": (pbx.LegState.TALKING, 3),
               "hangupTheCall": (pbx.LegState.ENDED, 4)}
RINGING, TALKING, ENDED = (PUSH_STATES[kind][1] for kind in (
    "receivedTheCall", "answeredTheCall", "hangupTheCall"))
DIRECTIONS = {0: pbx.Direction.INCOMING, 1: pbx.Direction.OUTGOING}
TRACKING = {"dynamic": pbx.Tracking.DYNAMIC, "static": pbx.Tracking.STATIC}
READY = {"uploaded": pbx.RecordingState.READY, "uploading": pbx.RecordingState.SAVED}
# callTrackingData -> the call log's names of what it shows of a website visitor
VISITOR = {"id": "uid", "gaClientId": "ga_cid", "ipAddress": "ip",
           "utm_source": "channel_source", "utm_medium": "channel_medium",
           "utm_campaign": "channel_campaign", "utm_content": "channel_content",
           "utm_term": "channel_term", "geoipRegion": "location_region",
           "geoipCity": "location_city", "timeSpentOnSiteBeforeMakeCall": "duration",
           "fullUrl": "current_page_url"}


def describe(code):
    """A disposition or a Binotel REST error code in English words."""
    return codes.describe(code)


def parse(path, raw_json):
    """A journaled Binotel request as a neutral event (``events.parse_notification``)."""
    return to_pbx(events.parse_notification(path, raw_json))


def to_pbx(request):
    """The neutral event of one parsed Binotel request."""
    if isinstance(request, events.Push):
        return _push(request)
    if isinstance(request, events.CallSettings):  # asked of incoming calls above all
        call_type = 0 if request.call_type is None else request.call_type
        return pbx.RouteQuery(entry_ref=request.entry_ref, **_direction(request.call_type),
                              **_parties(call_type, request.internal_number,
                                         request.external_number, request.line_number))
    if isinstance(request, events.CallCompleted):
        return report(request.details)
    if isinstance(request, events.RecordReady):
        return pbx.RecordingEvent(request.entry_ref, request.entry_ref, pbx.RecordingState.READY)
    return pbx.Other(kind=getattr(request, "kind", type(request).__name__))


def _direction(call_type, unknown=""):
    if call_type is None:
        return {"direction": unknown}
    return {"direction": DIRECTIONS.get(call_type, pbx.Direction.OTHER),
            "pbx_direction": call_type}


def _parties(call_type, internal, external, line):
    """Who calls whom: the employee by extension, the customer by number; nobody when the
    request does not say which way the call goes."""
    if call_type == 1:
        return {"from_extension": internal, "to_number": external, "line_number": line}
    if call_type is None:
        return {"line_number": line}
    return {"from_number": external, "to_extension": internal, "line_number": line}


def _leg(entry_ref, leg_ref, state, seq, when, parties, pbx_state="", reason=0):
    """A leg's event; at an employee's phone when the parties name an extension."""
    at_employee = parties.get("to_extension") or parties.get("from_extension")
    return pbx.LegEvent(
        entry_ref=entry_ref, leg_ref=leg_ref, state=state, timestamp=when, seq=seq,
        pbx_state=pbx_state, location=pbx.Location.EMPLOYEE if at_employee else "", **parties,
        reason=reason)


def _push(push):
    state, seq = PUSH_STATES[push.request_type]
    ended = state == pbx.LegState.ENDED
    return _leg(push.entry_ref, push.entry_ref, state, seq, push.received_at,
                _parties(push.call_type, push.internal_number, push.external_number,
                         push.line_number), pbx_state=push.request_type,
                reason=codes.disposition_code(push.disposition) if ended else 0)


def _answered(disposition):
    return disposition.strip().upper() in codes.ANSWERED


def _timeline(details):
    """Each attempt with when it rang, was answered (0: never) and ended, one after the
    other from the start of the call."""
    moment, timeline = details.start_time, []
    for attempt in details.attempts:
        answer = moment + attempt.waitsec if _answered(attempt.disposition) else 0
        end = moment + attempt.waitsec + attempt.billsec
        timeline.append((attempt, moment, answer, end))
        moment = end
    return timeline


def _call_times(details, timeline):
    """When the call was answered (0: never) and ended: from its own waitsec and billsec,
    else from its attempts."""
    start = details.start_time
    last_end = timeline[-1][3] if timeline else start
    if details.waitsec is None:
        waited = next((answer for _a, _r, answer, _e in timeline if answer), last_end) - start
    else:
        waited = details.waitsec
    answer = start + waited if _answered(details.disposition) else 0
    if details.billsec is None:
        return answer, max(last_end, start + waited)
    return answer, start + waited + details.billsec


def _legs(details, leg_ref, parties, times, disposition):
    """A leg's events: it rang, was answered (when it was), ended."""
    ring, answer, end = times
    legs = [_leg(details.entry_ref, leg_ref, pbx.LegState.RINGING, RINGING, ring, parties)]
    if answer:
        legs.append(_leg(details.entry_ref, leg_ref, pbx.LegState.TALKING, TALKING, answer,
                         parties))
    legs.append(_leg(details.entry_ref, leg_ref, pbx.LegState.ENDED, ENDED, end, parties,
                     pbx_state=disposition, reason=codes.disposition_code(disposition)))
    return legs


def report(details):
    """A finished call (``events.CallDetails``) as a CallReport: the customer's leg (at the
    employee who answered, else Binotel's ``internalNumber``), a leg per attempt when there were several,
    the summary, then the recording when Binotel has one."""
    entry, timeline = details.entry_ref, _timeline(details)
    answer, end = _call_times(details, timeline)
    took = next((attempt for attempt, _r, answered, _e in timeline if answered), None)
    extension = (took.internal_number if took else "") or details.internal_number
    call_type = 0 if details.call_type is None else details.call_type
    parties = _parties(call_type, extension, details.external_number, details.line_number)
    events = _legs(details, entry, parties, (details.start_time, answer, end),
                   details.disposition)
    for number, (attempt, *times) in enumerate(timeline if len(timeline) > 1 else (), 1):
        events += _legs(details, f"{entry}:{number}", _parties(
            call_type, attempt.internal_number, details.external_number, details.line_number),
            times, attempt.disposition)
    events.append(_summary(details, parties, (answer, end)))
    recording = READY.get(details.recording_status.strip().lower())
    if recording and details.disposition.strip().upper() in codes.RECORDED:
        events.append(pbx.RecordingEvent(entry, entry, recording,
                                         pbx_state=details.recording_status,
                                         extension=extension))
    return pbx.CallReport(entry, tuple(events))


def _summary(details, parties, times):
    tracking = details.tracking
    return pbx.CallSummary(
        entry_ref=details.entry_ref, **_direction(details.call_type, pbx.Direction.OTHER),
        **parties, start_time=details.start_time, answer_time=times[0], end_time=times[1],
        answered=_answered(details.disposition),
        reason=codes.disposition_code(details.disposition),
        tracking_number=details.line_number if tracking else "",
        tracking_type=TRACKING.get(tracking.get("type", "").lower(), ""),
        visitor={VISITOR[key]: value for key, value in tracking.items() if key in VISITOR})

"""Binotel's words for how a call ended (``disposition``) and its REST error codes, in ours.

Binotel says a call's outcome in words (``ANSWER``, ``NOANSWER``...: reference §4.4); the call
log keeps an outcome as a number (``reason``), so each disposition has a number of ours
here. These numbers are stored in the call log: never change one, only add. Binotel's REST
errors (102-151, reference §2) have their own numbers, none of which is a disposition's.

The descriptions are marked with ``_lt`` so that Odoo's translation export picks them up;
the Odoo side translates them when it shows them.
"""


def _lt(message):
    return message


# disposition -> (our number, description)
DISPOSITIONS = {
    "ANSWER": (1, _lt("Answered")),
    "TRANSFER": (2, _lt("Answered, then transferred")),
    "ONLINE": (3, _lt("The call is in progress")),
    "BUSY": (4, _lt("Busy")),
    "NOANSWER": (5, _lt("No answer")),
    "CANCEL": (6, _lt("The caller hung up before an answer")),
    "CONGESTION": (7, _lt("The network is congested")),
    "CHANUNAVAIL": (8, _lt("The number is unavailable")),
    "VM": (9, _lt("Voicemail, no message left")),
    "VM-SUCCESS": (10, _lt("Voicemail, a message was left")),
    "SMS-SENDING": (11, _lt("An SMS is being sent")),
    "SMS-SUCCESS": (12, _lt("An SMS was sent")),
    "SMS-FAILED": (13, _lt("The SMS could not be sent")),
    "SUCCESS": (14, _lt("A fax was received")),
    "FAILED": (15, _lt("The fax was not received")),
    "CALLING": (16, _lt("Calling")),
}
OTHER_DISPOSITION = 99  # a disposition Binotel added since (the journal keeps its word)
ANSWERED = {"ANSWER", "TRANSFER"}  # someone talked with the customer
RECORDED = {"ANSWER", "TRANSFER", "VM-SUCCESS"}  # a conversation or a message was recorded

ERRORS = {
    102: _lt("No such API method"),
    103: _lt("A mandatory parameter is missing"),
    104: _lt("A parameter has a wrong value"),
    105: _lt("Something went wrong at Binotel"),
    106: _lt("Requests are too frequent"),
    120: _lt("The company is disabled at Binotel"),
    121: _lt("The API key or secret is wrong"),
    150: _lt("The internal number cannot be called"),
    151: _lt("The external number cannot be called"),
}
RATE_LIMITED = 106
RETRYABLE = {105, 106}  # asking again later may succeed (never automatically for calls/*)

DESCRIPTIONS = {
    **dict(DISPOSITIONS.values()),
    OTHER_DISPOSITION: _lt("An outcome Binotel added since"),
    **ERRORS,
}
UNKNOWN = _lt("Unknown code")


def disposition_code(disposition):
    """Our number of a Binotel disposition; 0 for none."""
    disposition = (disposition or "").strip().upper()
    if not disposition:
        return 0
    return DISPOSITIONS.get(disposition, (OTHER_DISPOSITION,))[0]


def describe(code):
    """A disposition (Binotel's word or our number) or a REST error code in English words."""
    if isinstance(code, str) and code.strip().upper() in DISPOSITIONS:
        return DISPOSITIONS[code.strip().upper()][1]
    try:
        return DESCRIPTIONS.get(int(code), UNKNOWN)
    except (TypeError, ValueError):
        return UNKNOWN

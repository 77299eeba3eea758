"""Mango result codes (reference §5): what they mean and whether a retry may help.

Unknown codes fall back to their subclass, then their class (2219 -> 2210 -> 2000).
The descriptions are marked with ``_lt`` so that Odoo's translation export picks
them up; the Odoo side translates them when it shows them.
"""


def _lt(message):
    return message


SUCCESS = 1000

DESCRIPTIONS = {
    1000: _lt("Success"),
    1001: _lt("Success with remarks"),
    1100: _lt("Call ended normally"),
    1110: _lt("Call ended by the caller"),
    1111: _lt("No answer"),
    1120: _lt("Call ended by the callee"),
    1121: _lt("Busy"),
    1122: _lt("Call rejected"),
    1123: _lt("Do not disturb"),
    1124: _lt("Do not disturb in the contact center"),
    1130: _lt("Callee number is restricted"),
    1131: _lt("Callee number is unavailable"),
    1132: _lt("Callee number does not exist"),
    1133: _lt("Callee number is temporarily unavailable"),
    1134: _lt("Too many forwards"),
    1135: _lt("Callee number is busy with too many calls"),
    1140: _lt("Calls to this region are forbidden"),
    1150: _lt("Caller is blacklisted"),
    1151: _lt("Caller is on the blacklist"),
    1152: _lt("Caller is not on the whitelist"),
    1160: _lt("Group call failed"),
    1161: _lt("Group queue is full"),
    1162: _lt("Group queue timed out"),
    1163: _lt("No operator of the group is available"),
    1164: _lt("All operators of the group are unavailable"),
    1170: _lt("Call ended by the forwarding scheme"),
    1171: _lt("Wrong forwarding scheme"),
    1180: _lt("Call ended by a user command"),
    1181: _lt("Call ended by a command of the external system"),
    1182: _lt("Call intercepted by another operator"),
    1183: _lt("A new operator was assigned"),
    1190: _lt("Employee is inactive or outside working hours"),
    1191: _lt("Employee is inactive"),
    1192: _lt("Outside the employee's working hours"),
    1193: _lt("Outside the working hours"),
    1200: _lt("Contact center session error"),
    1300: _lt("Contact center session error"),
    1310: _lt("Answering machine detected"),
    2000: _lt("Billing restriction"),
    2100: _lt("The PBX account is unavailable (blocked, closed or frozen)"),
    2110: _lt("The PBX account is blocked"),
    2120: _lt("The PBX account is closed"),
    2130: _lt("The PBX account is frozen"),
    2140: _lt("The PBX account is invalid"),
    2200: _lt("The PBX account is restricted"),
    2210: _lt("The PBX account is restricted"),
    2211: _lt("Daily limit reached"),
    2212: _lt("Monthly limit reached"),
    2220: _lt("Too many concurrent calls or actions"),
    2230: _lt("The service is unavailable for this account"),
    2240: _lt("Insufficient funds"),
    2250: _lt("Usage limit reached"),
    2300: _lt("This call direction is blocked"),
    2400: _lt("Billing error"),
    3000: _lt("Invalid request"),
    3100: _lt("Invalid command parameters"),
    3101: _lt("The request is not a POST"),
    3102: _lt("Signature mismatch: check the signing key"),
    3103: _lt("A mandatory parameter is missing"),
    3104: _lt("A parameter has the wrong format"),
    3105: _lt("Invalid PBX unique code"),
    3110: _lt("A parameter has a wrong value"),
    3111: _lt("Wrong date range"),
    3200: _lt("Wrong subscriber number"),
    3300: _lt("Object not found"),
    3310: _lt("Call not found"),
    3320: _lt("Recording not found"),
    3330: _lt("Number not found"),
    3340: _lt("File not found"),
    3400: _lt("Invalid JSON"),
    4000: _lt("The command cannot be carried out"),
    4001: _lt("The command is not supported"),
    4002: _lt("The recording is too short and was not saved"),
    4100: _lt("Not possible by the PBX logic for this call"),
    4101: _lt("The call has ended or was not found"),
    4102: _lt("The call is already being recorded"),
    4104: _lt("Too many forwards"),
    4200: _lt("The subscriber is unreachable now"),
    4290: _lt("Rate limit exceeded"),
    4300: _lt("The SMS could not be sent"),
    4301: _lt("The SMS expired"),
    4302: _lt("The SMS was lost"),
    4303: _lt("The SMS was rejected"),
    4304: _lt("The SMS was cancelled"),
    4400: _lt("Conference error"),
    4500: _lt("Security limit reached"),
    4501: _lt("Call rate limit reached"),
    4502: _lt("The number is blacklisted"),
    4503: _lt("The file is too large"),
    4504: _lt("The file format is not supported"),
    4505: _lt("The file cannot be used"),
    5000: _lt("Mango server error"),
    5001: _lt("Mango server overloaded"),
    5002: _lt("Mango server restarting"),
    5003: _lt("Mango technical problems"),
    5004: _lt("Mango database unavailable"),
    5005: _lt("Mango is in service mode"),
    5006: _lt("Mango service access error"),
    5007: _lt("Mango remote internal error"),
    5008: _lt("The service is unavailable"),
    5009: _lt("The service could not be connected"),
    5010: _lt("The service could not be connected"),
    5011: _lt("Mango service timeout"),
    5100: _lt("Campaign error"),
    5200: _lt("Group or employee error"),
    5201: _lt("The option to connect PBX services through the API is not enabled"),
    5203: _lt("The group or employee is used in forwarding by client number"),
    5300: _lt("Address book error"),
    6000: _lt("Fax error"),
}
UNKNOWN = _lt("Unknown result code")

RATE_LIMITED = 4290  # our code for Mango's HTTP 429
# Codes after which the same request may succeed later (reference §5).
RETRYABLE = {4290, 5000, 5001, 5002, 5003, 5004, 5006, 5007, 5008, 5011}


def describe(code):
    """English description of a result code, falling back to its subclass and class."""
    try:
        code = int(code)
    except (TypeError, ValueError):
        return UNKNOWN
    for candidate in (code, code // 10 * 10, code // 100 * 100, code // 1000 * 1000):
        if candidate in DESCRIPTIONS:
            return DESCRIPTIONS[candidate]
    return UNKNOWN


def is_success(code):
    try:
        return int(code) // 100 == SUCCESS // 100
    except (TypeError, ValueError):
        return False

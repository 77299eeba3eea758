"""What Binotel's webhook needs besides parsing: who may post, and what to answer.

Binotel signs nothing it posts (reference §4.0): a request is Binotel's when it comes from
one of Binotel's servers (``SERVER_ADDRESSES``, with those the company adds). API CALL
COMPLETED is posted again until the answer is the text ``{"status":"success"}``; API CALL
SETTINGS is answered with what Odoo knows of the caller (``call_settings_reply``), fast.
"""
import ipaddress
import json

# Binotel's servers (reference §4.0: the official list, then newer ones seen in use)
SERVER_ADDRESSES = (
    "194.88.218.114", "194.88.218.116", "194.88.218.117", "194.88.218.118",
    "194.88.218.119", "194.88.218.120",
    "194.88.219.67", "194.88.219.70", "194.88.219.71", "194.88.219.72", "194.88.219.78",
    "194.88.219.79", "194.88.219.80", "194.88.219.81", "194.88.219.82", "194.88.219.83",
    "194.88.219.84", "194.88.219.85", "194.88.219.86", "194.88.219.87", "194.88.219.88",
    "194.88.219.89", "194.88.219.92",
    "185.100.66.145", "185.100.66.146", "185.100.66.147",
    "45.91.130.36", "45.91.130.51", "45.91.130.82", "45.91.129.203",
)
SUCCESS = json.dumps({"status": "success"}, separators=(",", ":"))
NAME_LIMIT = 128  # characters of the caller's name shown on the employee's phone


def from_binotel(remote_addr, extra=()):
    """Whether a request from ``remote_addr`` is Binotel's: its servers, or ``extra``
    (addresses or networks such as ``10.0.0.0/8``, one a string)."""
    try:
        address = ipaddress.ip_address((remote_addr or "").strip())
    except ValueError:
        return False
    for allowed in (*SERVER_ADDRESSES, *extra):
        try:
            if address in ipaddress.ip_network(str(allowed).strip(), strict=False):
                return True
        except ValueError:
            continue  # a mistyped entry of the settings allows nothing
    return False


def call_settings_reply(name="", description="", employee_email="", employee_number="",
                        link_url="", link_title=""):
    """The answer to API CALL SETTINGS (reference §4.2): the caller's ``name`` shown on the
    employee's phone, the employee responsible for them, a link to them in Odoo. Only what
    is given is sent; {} says nothing of the caller. The name is also sent at the top,
    where one integration read it (reference §9.2)."""
    customer = {"name": (name or "")[:NAME_LIMIT], "description": description,
                "assignedToEmployeeEmail": employee_email,
                "assignedToEmployeeNumber": employee_number,
                "linkToCrmUrl": link_url, "linkToCrmTitle": link_title}
    customer = {key: value for key, value in customer.items() if value}
    if not customer:
        return {}
    return {"customerData": customer, **({"name": customer["name"]} if name else {})}

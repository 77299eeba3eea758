"""The Mango Office VPBX protocol in plain Python: no Odoo import here.

``signing`` signs and verifies form bodies, ``codes`` explains result codes,
``client`` is the one class that talks HTTP to Mango, ``events`` parses the
notifications Mango posts to us, ``neutral`` says them as the call log's neutral events
(``pbx.events``; it is imported by the addon, not here, so that this package also runs on
its own).
"""
from .client import MangoClient, MangoError, MangoTimeout  # noqa: F401
from .events import MalformedNotification, parse_notification  # noqa: F401
from .signing import form_body, sign, signature_ok  # noqa: F401

"""The Mango Office VPBX protocol in plain Python: no Odoo import here.

``signing`` signs and verifies form bodies, ``codes`` explains result codes,
``client`` is the one class that talks HTTP to Mango, ``events`` parses the
notifications Mango posts to us.
"""
from .client import MangoClient, MangoError, MangoTimeout  # noqa: F401
from .events import MalformedNotification, parse_notification  # noqa: F401
from .signing import form_body, sign, signature_ok  # noqa: F401

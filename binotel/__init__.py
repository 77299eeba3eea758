"""Binotel's protocol in plain Python: no Odoo import here.

``forms`` reads the form bodies Binotel posts (PHP bracket keys) into nested dicts,
``events`` parses them into Binotel's requests, ``codes`` says dispositions and REST error
codes in words, ``client`` is the one class that talks HTTP to Binotel, ``webhook`` says
who may post and what to answer, ``neutral`` says the requests as the call log's neutral
events (``pbx.events``; it is imported by the addon, not here, so that this package also
runs on its own).
"""
from .client import BinotelClient, BinotelError, BinotelTimeout  # noqa: F401
from .events import parse_notification  # noqa: F401
from .forms import read_body  # noqa: F401

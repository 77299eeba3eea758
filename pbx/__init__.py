"""A PBX as the call log sees it, in plain Python: no Odoo import here.

``events`` are the neutral events every PBX's package translates its notifications into;
``providers`` says which package speaks for each PBX.
"""
from . import events  # noqa: F401
from .providers import PROVIDERS, provider  # noqa: F401

"""A PBX as the call log sees it, in plain Python: no Odoo import here.

``client`` is the one interface through which the call log asks a PBX for something.
"""
from .client import PbxClient, PbxError, PbxNotReady, PbxTimeout  # noqa: F401

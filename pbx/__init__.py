"""A PBX as the call log sees it, in plain Python: no Odoo import here.

``events`` are the neutral events every PBX's package translates its notifications into;
``client`` is the one interface through which the call log asks a PBX for something
(``PbxClient``, ``PbxError``); ``providers`` says which package speaks for each PBX
(imported where it is needed: it imports the PBX packages, which import ``events`` and
``client``).
"""

"""The PBXs the tests and the demo talk to instead of the real ones: HTTP servers on
127.0.0.1 speaking each PBX's API, and the notifications of whole calls.

Not tests themselves (Odoo's runner collects only the ``test_*`` modules of ``tests``), and
with no Odoo import: ``scripts/``, ``bench/`` and ``tests/live_workers.py`` import them as
``emulators.<pbx>`` with the addon's root and ``tests/`` on ``sys.path``.
"""

"""The demo's PBX: the Mango emulator as the demo company's Mango Office, playing its calls
(or, with ``--pbx binotel``, the Binotel emulator as the Ukrainian demo company's Binotel).

    python3 scripts/demo_pbx.py --key K --salt S [--port 8079] [--odoo http://127.0.0.1:8069/mango]
        [--every 40] [--seed N] [--pbx mango|binotel]

``scripts/demo`` runs it beside Odoo. Without ``--odoo`` it only answers the API. Ctrl-C
(or SIGTERM) ends the calls going on, as if their callers hung up, then stops.
"""
import argparse
import itertools
import random
import signal
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the protocol package and the emulators
from emulators import binotel_demo, mango_demo  # noqa: E402
from emulators.demo import DemoTeam, demo_plans, play_demo  # noqa: E402


def wait_for(url, log=print):
    """Until Odoo answers at ``url``: the demo's calls begin once someone can see them."""
    for attempt in itertools.count():
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            if not attempt:
                log(f"waiting for Odoo at {url}", flush=True)
            time.sleep(2)


def main():
    parser = argparse.ArgumentParser(
        description="The demo company's Mango Office: the emulator playing its calls")
    parser.add_argument("--key", required=True)
    parser.add_argument("--salt", required=True, help="Mango's signing key, Binotel's secret")
    parser.add_argument("--port", type=int, default=8079)
    parser.add_argument("--odoo", help="Odoo's webhook base, e.g. http://127.0.0.1:8069/mango")
    parser.add_argument("--every", type=float, default=40,
                        help="seconds between the beginnings of two calls, on average")
    parser.add_argument("--seed", type=int, help="the same calls on every run")
    parser.add_argument("--pbx", choices=("mango", "binotel"), default="mango")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))  # ends the calls, as Ctrl-C
    rng, closing = random.Random(args.seed), threading.Event()
    if args.pbx == "binotel":
        emulator = binotel_demo.demo_emulator(args.key, args.salt, port=args.port).start()
        team = DemoTeam(binotel_demo.DEMO_EXTENSIONS)
        binotel_demo.play_callbacks(emulator, args.odoo, team, closing=closing)
        demo = {"plans": demo_plans(rng, args.every, binotel_demo.BINOTEL_BOOK), "team": team,
                "call_class": binotel_demo.BinotelDemoCall}
    else:
        emulator = mango_demo.demo_emulator(args.key, args.salt, port=args.port).start()
        emulator.notify_url = args.odoo
        demo = {"plans": demo_plans(rng, args.every, mango_demo.MANGO_BOOK),
                "call_class": mango_demo.MangoDemoCall}
    print(f"{args.pbx.capitalize()} emulator on {emulator.url}", flush=True)
    try:
        if args.odoo:
            wait_for(args.odoo)
            play_demo(emulator, args.odoo, **demo)
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        closing.set()
        emulator.stop()

if __name__ == "__main__":
    main()

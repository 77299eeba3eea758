"""The README's screenshots, taken from a demo database by headless Chromium (Playwright).

    python3 scripts/screenshots.py --odoo http://127.0.0.1:PORT --db DB --out docs/screenshots

The demo company's PBX is the emulator on 127.0.0.1:8079 (data/mango_office_demo.xml):
this script starts it, plays the calls the pictures need, and logs in as the head of sales
(admin) and as Борис Иванов (boris, extension 102), whose card is shown ringing, talking
and after the call, as the demo plays such a call. Fails, after taking the others, when a
picture's element did not show.
"""
import argparse
import sys
import threading
import time
import xmlrpc.client
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the protocol package and the emulators
from emulators.mango import incoming_call  # noqa: E402
from emulators.demo import CallPlan  # noqa: E402
from emulators.mango_demo import DEMO_LINES, MangoDemoCall, demo_emulator  # noqa: E402

KEY, SALT = "demo-vpbx-key", "demo-vpbx-salt"
CUSTOMER = "380671234567"  # Олена Коваль, Борис's customer with an open opportunity
# the call of the card's pictures: time to take each while it lasts
CARD_CALL = CallPlan(0, "incoming", CUSTOMER, "102", DEMO_LINES[0], ring=15, talk=40)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--odoo", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rpc = xmlrpc.client.ServerProxy(f"{args.odoo}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *params, **kw):
        return rpc.execute_kw(args.db, 2, "admin", model, method, list(params), kw)

    emulator = demo_emulator(KEY, SALT, port=8079).start()
    webhook = emulator.notify_url = f"{args.odoo}/mango"
    missing = []
    try:
        # earlier calls: a recorded conversation with the customer, a missed one from a stranger
        start = int(time.time()) - 3600
        emulator.add_recording(f"shot-{start}")
        emulator.play(webhook, incoming_call(f"shot-{start}", CUSTOMER, extension="102",
                                             start=start, talk_seconds=187,
                                             recording_ref=f"shot-{start}"))
        emulator.play(webhook, incoming_call(f"shot-{start}-m", "79035550011", extension="102",
                                             start=start + 900, answered=False))
        customer = call("res.partner", "search", [("phone_sanitized", "=", "+" + CUSTOMER)],
                        limit=1)[0]
        for _wait in range(30):  # the cron fetches the recording in the background
            if call("pbx.call.recording", "search_count", [("fetch_state", "=", "done")]):
                break
            time.sleep(1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium,
                                                 args=["--no-sandbox", "--disable-gpu"])

            def login(user):
                page = browser.new_page(viewport={"width": 1440, "height": 900},
                                        locale="ru-RU", timezone_id="Europe/Moscow")
                page.goto(f"{args.odoo}/web/login")
                page.fill("input[name=login]", user)
                page.fill("input[name=password]", user)
                page.click("button[type=submit]")
                page.wait_for_selector(".o_main_navbar")
                return page

            def shot(page, name, selector, url=None, timeout=20):
                if url:
                    page.goto(args.odoo + url)
                try:
                    page.wait_for_selector(selector, timeout=timeout * 1000)
                except PlaywrightTimeout:
                    print(f"{name}: nothing matched {selector} in {timeout} s", flush=True)
                    missing.append(name)
                    return
                page.locator(selector).first.evaluate(
                    "element => element.scrollIntoView({block: 'nearest'})")
                page.mouse.move(1, 1)
                time.sleep(1.5)  # animations
                page.screenshot(path=str(out / f"{name}.png"))
                print(f"{out / name}.png", flush=True)

            admin = login("admin")
            shot(admin, "chatter", ".o-mail-Message", f"/odoo/contacts/{customer}")
            shot(admin, "calls", ".o_mango_health", "/odoo/action-mango_office.pbx_call_action")
            shot(admin, "settings", "#mango_office_connection",
                 "/odoo/action-crm.crm_config_settings_action")
            shot(admin, "import", ".modal .o_data_row",
                 "/odoo/action-mango_office.pbx_user_import_action")

            rep = login("boris")
            rep.goto(args.odoo + "/odoo/crm")
            rep.wait_for_selector(".o_kanban_view")
            time.sleep(2)  # the bus is connected
            # the card of the call played next alone: Борис closes the cards of earlier calls
            while rep.locator(".o_pbx_call_card_close").count():
                rep.locator(".o_pbx_call_card_close").first.click()
            card_call = MangoDemoCall(emulator, webhook, CARD_CALL,
                                      f"shot-{int(time.time())}-card")
            playing = threading.Thread(target=card_call.run)
            playing.start()
            for status, timeout in (("ringing", CARD_CALL.ring), ("talking", CARD_CALL.ring),
                                    ("closed", CARD_CALL.talk + 5)):
                shot(rep, f"card_{status}", f".o_pbx_call_card_{status}", timeout=timeout)
            playing.join()
            browser.close()
    finally:
        emulator.stop()
    if missing:
        sys.exit(f"not taken: {', '.join(missing)}")


if __name__ == "__main__":
    main()

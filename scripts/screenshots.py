"""The README's screenshots, taken from a demo database by headless Chromium (Playwright).

    python3 scripts/screenshots.py --odoo http://127.0.0.1:PORT --out docs/screenshots

The demo company's PBX is the emulator on 127.0.0.1:8079 (data/mango_office_demo.xml):
this script starts it, plays the calls the pictures need, and logs in as admin.
"""
import argparse
import sys
import time
import xmlrpc.client
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mango.emulator import MangoEmulator, incoming_call  # noqa: E402

KEY, SALT = "demo-vpbx-key", "demo-vpbx-salt"


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

    emulator = MangoEmulator(KEY, SALT, port=8079).start()
    emulator.notify_url = f"{args.odoo}/mango"
    webhook = f"{args.odoo}/mango"
    try:
        # a recorded conversation with a known customer, and a missed call from a stranger
        start = int(time.time()) - 600
        emulator.add_recording("shot-rec-1")
        emulator.play(webhook, incoming_call(f"shot-{start}", "79161234567", extension="101",
                                             start=start, talk_seconds=187,
                                             recording_id="shot-rec-1"))
        emulator.play(webhook, incoming_call(f"shot-{start}-m", "79035550011",
                                             extension="101", start=start + 300,
                                             answered=False))
        ivan = call("res.partner", "search", [("name", "=", "Иван Петров")], limit=1)[0]
        for _wait in range(30):  # the cron fetches the recording in the background
            if call("mango.call.recording", "search_count", [("fetch_state", "=", "done")]):
                break
            time.sleep(1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium,
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(f"{args.odoo}/web/login")
            page.fill("input[name=login]", "admin")
            page.fill("input[name=password]", "admin")
            page.click("button[type=submit]")
            page.wait_for_selector(".o_main_navbar")

            def shot(name, url=None, selector=None, menus=()):
                if url:
                    page.goto(args.odoo + url)
                for menu in menus:
                    page.get_by_role("button", name=menu).or_(
                        page.get_by_role("menuitem", name=menu)).first.click()
                if selector:
                    page.wait_for_selector(selector, timeout=20000)
                    page.locator(selector).first.evaluate(
                        "element => element.scrollIntoView({block: 'start'})")
                page.mouse.move(1, 1)
                time.sleep(1.5)
                page.screenshot(path=str(out / f"{name}.png"))
                print(f"{out / name}.png", flush=True)

            shot("chatter", f"/odoo/contacts/{ivan}", ".o-mail-Message")
            shot("calls", "/odoo/action-mango_office.mango_call_action", ".o_mango_health")
            page.goto(args.odoo + "/odoo/crm")
            page.wait_for_selector(".o_kanban_view")
            time.sleep(2)  # the bus is connected
            ringing = incoming_call(f"shot-{start}-r", "380671234567", extension="101")[:3]
            emulator.play(webhook, ringing)
            shot("card", selector=".o_mango_call_card")
            shot("settings", "/odoo/action-crm.crm_config_settings_action",
                 "#mango_office_connection")
            shot("import", "/odoo/crm", menus=("Configuration", "Import PBX Users"),
                 selector=".modal .o_data_row")
            browser.close()
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()

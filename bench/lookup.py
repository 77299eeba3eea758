"""Caller matching at 10k and at 1M partners plus as many leads.

    python3 bench/lookup.py --addons-path P --db-host H --db-user U -d DB [--lookups 500]

Bulk-inserts partners and leads (SQL, tagged "bench-" and removed at the end), then times
the whole match of an incoming number as Mango sends it: normalise with phonenumbers, find
the contact and the open lead (``pbx.call._pbx_match``). Prints median and p99 at both
sizes and the ratio 1M/10k.
"""
import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import odoo
from odoo import api
from odoo.modules.registry import Registry

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pbx.numbers import classify  # noqa: E402

SIZES = (10_000, 1_000_000)
BASE = 79_000_000_000  # +7 900 000-00-00 and up: valid Russian mobiles


def fill(cr, upto, have):
    """Partners and leads numbered have+1..upto; every third lead belongs to its partner."""
    if upto <= have:
        return
    cr.execute("""
        INSERT INTO res_partner (name, phone, phone_sanitized, active, is_company, type,
                                 create_date, write_date)
        SELECT 'bench-' || g, '+' || (%s + g), '+' || (%s + g), true, false, 'contact',
               now() at time zone 'utc', now() at time zone 'utc' - g * interval '1 second'
          FROM generate_series(%s, %s) g""", [BASE, BASE, have + 1, upto])
    cr.execute("""
        INSERT INTO crm_lead (name, type, active, phone, phone_sanitized, won_status,
                              partner_id, create_date, write_date)
        SELECT 'bench-' || g, 'opportunity', true, '+' || (%s + 500000000 + g),
               '+' || (%s + 500000000 + g), 'pending',
               CASE WHEN g %% 3 = 0 THEN p.id END,
               now() at time zone 'utc', now() at time zone 'utc'
          FROM generate_series(%s, %s) g
          LEFT JOIN res_partner p ON p.phone_sanitized = '+' || (%s + g)""",
               [BASE, BASE, have + 1, upto, BASE])
    cr.execute("ANALYZE res_partner")
    cr.execute("ANALYZE crm_lead")


def measure(env, size, lookups):
    company = env.company
    numbers = [str(BASE + random.randint(1, size)) for _ in range(lookups // 2)]
    numbers += [str(BASE + 500_000_000 + random.randint(1, size)) for _ in range(lookups // 2)]
    Call = env["pbx.call"]
    timings, found = [], 0
    for raw in numbers:
        start = time.perf_counter()
        partner, lead, *_responsible = Call._pbx_match(
            company, classify(raw, "RU").e164)
        timings.append((time.perf_counter() - start) * 1000)
        found += bool(partner or lead)
        env.invalidate_all()
    assert found == len(numbers), f"only {found} of {len(numbers)} numbers matched"
    ordered = sorted(timings)
    return statistics.median(timings), ordered[int(0.99 * (len(ordered) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--db-host", default="")
    parser.add_argument("--db-user", default="")
    parser.add_argument("--lookups", type=int, default=500)
    args = parser.parse_args()
    odoo.tools.config.parse_config([
        f"--addons-path={args.addons_path}", f"--db_host={args.db_host}",
        f"--db_user={args.db_user}", "--log-level=warn"])
    registry = Registry(args.database)
    cleanup(registry)
    results, have = {}, 0
    try:
        for size in SIZES:
            started = time.monotonic()
            with registry.cursor() as cr:
                fill(cr, size, have)
            have = size
            print(f"{size:>9} partners and leads in place ({time.monotonic() - started:.0f} s)",
                  flush=True)
            with registry.cursor() as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                measure(env, size, 50)  # warm-up
                results[size] = measure(env, size, args.lookups)
        print(f"{'size':>9}{'median ms':>11}{'p99 ms':>9}")
        for size, (median, p99) in results.items():
            print(f"{size:>9}{median:>11.3f}{p99:>9.3f}")
        small, large = results[SIZES[0]][0], results[SIZES[1]][0]
        print(f"ratio 1M/10k (median): {large / small:.2f}  (target: <= 1 ms at 1M, ratio <= 1.5)",
              flush=True)
    finally:
        cleanup(registry)


def cleanup(registry):
    """Remove the bench rows; foreign-key triggers are off for that (a superuser role)."""
    with registry.cursor() as cr:
        cr.execute("SET LOCAL session_replication_role = replica")
        cr.execute("DELETE FROM crm_lead WHERE name LIKE 'bench-%%'")
        cr.execute("DELETE FROM res_partner WHERE name LIKE 'bench-%%'")


if __name__ == "__main__":
    main()

# Shared by the benches: source it after scripts/lib.sh and run `bootstrap` first.

# The benches' own addon (bench/addons/mango_office_bench, its floors) on the addons path.
bench_addons() {
    ADDONS_PATH="$ADDONS_PATH,$ROOT/bench/addons"
}

# The bench database $1 with mango_office and the benches' addon up to date, and $2 contacts
# and as many leads (bench-1, bench-2, ...) bulk-inserted by SQL, once.
bench_database() {
    local db=$1 rows=$2 have
    if ! psql -XAtqc "select 1 from pg_database where datname = '$db'" postgres | grep -q 1; then
        log "creating database $db (about a minute)"
        odoo -d "$db" -i mango_office,mango_office_bench --stop-after-init --log-level=warn
    else
        odoo -d "$db" -i mango_office_bench -u mango_office --stop-after-init --log-level=warn
    fi
    have=$(psql -XAtqc "select count(*) from res_partner where name like 'bench-%'" "$db")
    if [ "$have" -lt "$rows" ]; then
        log "adding $((rows - have)) contacts and as many leads (a few minutes for 1M)"
        psql -XAtq -v ON_ERROR_STOP=1 "$db" >/dev/null <<SQL
INSERT INTO res_partner (name, phone, phone_sanitized, active, is_company, type, create_date,
                         write_date)
SELECT 'bench-' || g, '+' || (79000000000 + g), '+' || (79000000000 + g), true, false,
       'contact', now() at time zone 'utc', now() at time zone 'utc'
  FROM generate_series($have + 1, $rows) g;
INSERT INTO crm_lead (name, type, active, phone, phone_sanitized, won_status, create_date,
                      write_date)
SELECT 'bench-' || g, 'opportunity', true, '+' || (79500000000 + g), '+' || (79500000000 + g),
       'pending', now() at time zone 'utc', now() at time zone 'utc'
  FROM generate_series($have + 1, $rows) g;
ANALYZE res_partner;
ANALYZE crm_lead;
SQL
    fi
}

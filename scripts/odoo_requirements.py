"""Turn Odoo's requirements.txt into one that installs from wheels on this Python.

Odoo pins old sdists for Python < 3.12 that no longer build; the pins meant for
3.12 ship wheels for 3.11 too, so markers are evaluated as if Python were at
least 3.12. psycopg2 becomes psycopg2-binary and python-ldap is skipped (only
the auth_ldap addon needs it).
"""
import sys

from packaging.markers import Marker
from packaging.requirements import Requirement

SKIP = {"python-ldap", "pypiwin32", "rl-renderpm"}
RENAME = {"psycopg2": "psycopg2-binary"}


def main(path):
    current = sys.version_info[:2]
    env = {"python_version": "%d.%d" % max(current, (3, 12))}
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.marker and not Marker(str(req.marker)).evaluate(env):
            continue
        name = req.name.lower()
        if name in SKIP:
            continue
        print(f"{RENAME.get(name, req.name)}{req.specifier}")


if __name__ == "__main__":
    main(sys.argv[1])

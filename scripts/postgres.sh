#!/bin/sh
# Install the PostgreSQL server binaries the test suite uses for its throwaway cluster
# (tests/conftest.py: postgres_url). Debian/Ubuntu; run as root. The service itself is not needed.
set -eu
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "PostgreSQL binaries already installed: $(ls -d /usr/lib/postgresql/*/bin)"
    exit 0
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql

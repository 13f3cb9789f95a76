#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the indexer's PostgreSQL test (Debian's
# `postgresql` package): `source scripts/e2e/postgres.sh` initialises a cluster in a temp folder on
# a free port, creates the database `medchain_test`, exports MEDCHAIN_TEST_POSTGRES_URL and defines
# `medchain_postgres_stop` (call it when done; .ci/run does from its EXIT trap). As root, the server
# runs as the `postgres` user (PostgreSQL refuses to run as root).
medchain_pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$medchain_pg_bin" ]; then
  echo "postgres.sh: PostgreSQL is not installed (apt-get install -y postgresql)" >&2
  return 1 2>/dev/null || exit 1
fi
medchain_pg_as() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
medchain_pg_dir=$(mktemp -d)
[ "$(id -u)" = 0 ] && chown postgres "$medchain_pg_dir"
medchain_pg_port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
medchain_pg_as "$medchain_pg_bin/initdb -D $medchain_pg_dir/data -A trust -U postgres" >/dev/null
medchain_pg_as "$medchain_pg_bin/pg_ctl -D $medchain_pg_dir/data -l $medchain_pg_dir/log -w \
  -o '-c listen_addresses=127.0.0.1 -p $medchain_pg_port -k $medchain_pg_dir -c fsync=off' start" >/dev/null
medchain_pg_as "$medchain_pg_bin/createdb -h 127.0.0.1 -p $medchain_pg_port -U postgres medchain_test"
export MEDCHAIN_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:${medchain_pg_port}/medchain_test"
medchain_postgres_stop() {
  medchain_pg_as "$medchain_pg_bin/pg_ctl -D $medchain_pg_dir/data -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$medchain_pg_dir"
}

# A private PostgreSQL on loopback for the HTTP service's tests (tests/service/) and its load
# benchmark. Sourced by .ci/run: exports CALLGUIDE_TEST_POSTGRES (the DSN of a database the
# tests may wipe) and CALLGUIDE_REQUIRE_POSTGRES=1 (a skipped PostgreSQL test fails instead).
# Runs as the `postgres` user in its own data folder; a second run reuses a running cluster.
callguide_pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$callguide_pg_bin" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q postgresql >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null; }
  callguide_pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
callguide_pg_dir=${CALLGUIDE_PG_DIR:-/tmp/callguide-postgres}
if ! [ -s "$callguide_pg_dir/port" ] || ! su postgres -c "$callguide_pg_bin/pg_ctl status -D '$callguide_pg_dir/data'" >/dev/null 2>&1; then
  rm -rf "$callguide_pg_dir" && mkdir -p "$callguide_pg_dir" && chown postgres "$callguide_pg_dir"
  su postgres -c "$callguide_pg_bin/initdb -D '$callguide_pg_dir/data' -A trust -U postgres" >/dev/null
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$callguide_pg_dir/port"
  su postgres -c "$callguide_pg_bin/pg_ctl start -w -D '$callguide_pg_dir/data' -l '$callguide_pg_dir/log' \
    -o '-c listen_addresses=127.0.0.1 -p $(cat "$callguide_pg_dir/port") -k $callguide_pg_dir -c max_connections=200'" >/dev/null
  su postgres -c "$callguide_pg_bin/createdb -h 127.0.0.1 -p $(cat "$callguide_pg_dir/port") callguide_test"
fi
export CALLGUIDE_TEST_POSTGRES="postgresql://postgres@127.0.0.1:$(cat "$callguide_pg_dir/port")/callguide_test"
export CALLGUIDE_REQUIRE_POSTGRES=1

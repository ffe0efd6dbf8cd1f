# Sourced by the other scripts: development defaults and DATABASE_URL.
# DATABASE_URL wins when set; otherwise the server at localhost:5432 if one answers;
# otherwise a private cluster in .pgdata/ started from the local PostgreSQL binaries.
export DEBUG="${DEBUG:-true}"
export SECRET_KEY="${SECRET_KEY:-dev-only-not-secret-$(whoami)}"
export DJANGO_SETTINGS_MODULE=ncg_portal.settings
export PATH="$HOME/.local/bin:$PATH"

_pg_bin() {
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return; fi
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/pg_ctl" ]; then pg_config --bindir; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

_answers() { # host port user
  .venv/bin/python - "$@" <<'PY' 2>/dev/null
import sys, psycopg
host, port, user = sys.argv[1:4]
try:
    psycopg.connect(host=host, port=int(port), user=user, dbname="postgres", connect_timeout=2).close()
except Exception:
    sys.exit(1)
PY
}

_ensure_db() { # host port user dbname
  .venv/bin/python - "$@" <<'PY'
import sys, psycopg
host, port, user, name = sys.argv[1:5]
with psycopg.connect(host=host, port=int(port), user=user, dbname="postgres", autocommit=True) as c:
    if not c.execute("select 1 from pg_database where datname=%s", [name]).fetchone():
        c.execute(f'create database "{name}"')
PY
}

if [ -z "${DATABASE_URL:-}" ]; then
  _db_name="${NCG_DB_NAME:-ncg_portal}"
  _found=""
  for _u in postgres "$(whoami)"; do
    if _answers 127.0.0.1 5432 "$_u"; then
      _ensure_db 127.0.0.1 5432 "$_u" "$_db_name"
      export DATABASE_URL="postgres://$_u@127.0.0.1:5432/$_db_name"
      _found=1
      break
    fi
  done
  if [ -z "$_found" ]; then
    _bin=$(_pg_bin)
    [ -n "$_bin" ] || { echo "No PostgreSQL found: set DATABASE_URL or install PostgreSQL." >&2; return 1; }
    _data="$PWD/.pgdata"
    if [ ! -f "$_data/PG_VERSION" ]; then
      echo "Starting a private PostgreSQL cluster in .pgdata/" >&2
      _init_user=""
      [ "$(id -u)" = 0 ] && _init_user="postgres"
      if [ -n "$_init_user" ]; then
        mkdir -p "$_data" && chown postgres "$_data"
        su "$_init_user" -s /bin/sh -c "'$_bin/initdb' -D '$_data' -U postgres -A trust >/dev/null"
      else
        "$_bin/initdb" -D "$_data" -U postgres -A trust >/dev/null
      fi
    fi
    if ! _answers 127.0.0.1 54329 postgres; then
      _start="'$_bin/pg_ctl' -D '$_data' -l '$_data/server.log' -o '-p 54329 -k $_data -c listen_addresses=127.0.0.1' -w start >/dev/null"
      if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$_start"; else sh -c "$_start"; fi
    fi
    _ensure_db 127.0.0.1 54329 postgres "$_db_name"
    export DATABASE_URL="postgres://postgres@127.0.0.1:54329/$_db_name"
  fi
fi

#!/usr/bin/env bash
# The README's "Chat write path" table in one run: every chat shape on
# SQLite (one process) and on PostgreSQL (two processes and Redis), each
# with CHAT_WINDOW=8 and CHAT_WINDOW=1, one fresh database per run.
#
#   bash cmd/edusphere-load/writepath.sh
#
# It builds both binaries into a temporary directory, binds the servers to
# 127.0.0.1:8000-8002, and for PostgreSQL drops and recreates the database
# named by PG_DB (default edusphere_load) through PG_ADMIN_URL, and empties
# the Redis database REDIS_DB (default 3) before each run: point them at
# nothing you keep. Each run sends for 10 s.
set -euo pipefail
cd "$(dirname "$0")/../.."

PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_DB="${PG_DB:-edusphere_load}"
PG_URL="${PG_ADMIN_URL%/*}/$PG_DB"
REDIS_DB="${REDIS_DB:-3}"

work="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/edusphere" ./cmd/edusphere
go build -o "$work/edusphere-load" ./cmd/edusphere-load
export LOGIN_RATE_LIMIT=0 REGISTER_RATE_LIMIT=0 WS_RATE_LIMIT=0 LOG_LEVEL=warn

# serve starts one server on addr with the given settings and waits for it.
serve() {
	local addr=$1
	shift
	env "$@" "$work/edusphere" serve --addr "$addr" >"$work/server-${addr##*:}.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 150); do
		curl -sf "http://$addr/healthz" >/dev/null && return 0
		sleep 0.2
	done
	echo "server $addr did not start; see $work/server-${addr##*:}.log" >&2
	exit 1
}

# stop ends the servers this script started.
stop() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
}

load() {
	"$work/edusphere-load" chat "$@" -users 4 -duration 10s | grep -E 'delivered|latency|CPU'
}

for window in 8 1; do
	for shape in "-rooms 10 -clients-per-room 10 -rate 2" \
		"-rooms 10 -clients-per-room 10 -rate 20" \
		"-rooms 10 -clients-per-room 10 -rate 40" \
		"-rooms 1 -clients-per-room 200 -senders 5 -rate 10"; do
		data="$(mktemp -d -p "$work")"
		serve 127.0.0.1:8000 CHAT_WINDOW="$window" EDUSPHERE_DATA_DIR="$data" DATABASE_URL="$data/db.sqlite3"
		echo "### SQLite, CHAT_WINDOW=$window: $shape"
		# shellcheck disable=SC2086
		load -addr 127.0.0.1:8000 $shape
		stop
	done
	for shape in "-rooms 10 -clients-per-room 10 -rate 2" \
		"-rooms 10 -clients-per-room 10 -rate 20" \
		"-rooms 1 -clients-per-room 200 -senders 5 -rate 10"; do
		psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB" >/dev/null
		redis-cli -n "$REDIS_DB" flushdb >/dev/null
		data="$(mktemp -d -p "$work")"
		settings=(CHAT_WINDOW="$window" EDUSPHERE_DATA_DIR="$data" DATABASE_URL="$PG_URL"
			REDIS_URL="redis://127.0.0.1:6379/$REDIS_DB" SECRET_KEY="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')")
		env "${settings[@]}" "$work/edusphere" migrate >/dev/null
		serve 127.0.0.1:8001 "${settings[@]}"
		serve 127.0.0.1:8002 "${settings[@]}"
		echo "### PostgreSQL, two processes + Redis, CHAT_WINDOW=$window: $shape"
		# shellcheck disable=SC2086
		load -addr 127.0.0.1:8001,127.0.0.1:8002 $shape
		stop
	done
done

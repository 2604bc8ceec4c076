#!/usr/bin/env bash
# A PostgreSQL primary and a hot standby on one machine for accountd:
# streaming replication with synchronous commit to the standby, so a commit
# accountd acknowledged to a station is on both servers before the station
# hears of it; and the steps to promote the standby when the primary dies.
#
#   standby.sh setup DIR PRIMARY_PORT STANDBY_PORT   make and start both (DIR must not exist)
#   standby.sh url DIR                                the URL accountd's --db takes (both hosts)
#   standby.sh kill-primary DIR                       kill -9 the primary (a crash, for the test)
#   standby.sh promote DIR                            make the standby the primary
#   standby.sh stop DIR                               stop both
#
# accountd is given both servers in one URL with target_session_attrs=
# read-write: it connects to whichever accepts writes, so after a promotion
# its new connections reach the promoted standby; a group commit that failed
# meanwhile is retried, and a station whose push failed pushes the same ops
# again (answered as duplicates when they had been applied).
#
# Run as root, the servers belong to the user nobody (PostgreSQL refuses to
# run as root). Both listen on 127.0.0.1 and on a unix socket in DIR. This is
# a recipe for one machine (a demonstration and a test): in production the
# standby runs on another machine, primary_conninfo names the primary's
# address with a replication user and password (in ~/.pgpass), and pg_hba
# allows only that address.
set -euo pipefail

bindir="${KIOSK_TEST_POSTGRES_BIN:-}"
if [ -z "$bindir" ]; then
	for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir="$d"; done
fi
if [ -z "$bindir" ] && command -v initdb >/dev/null; then bindir="$(dirname "$(command -v initdb)")"; fi
[ -n "$bindir" ] || { echo "standby.sh: no initdb: install PostgreSQL" >&2; exit 2; }

as=()
[ "$(id -u)" = 0 ] && as=(runuser -u nobody --)
pg() { "${as[@]}" "$bindir/$@"; }

cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,12p' "$0" >&2; exit 2; }

case "$cmd" in
setup)
	pport="$3"; sport="$4"
	mkdir "$dir"
	[ "$(id -u)" = 0 ] && chown nobody "$dir"
	chmod 700 "$dir"
	echo "$pport $sport" >"$dir/ports"
	pg initdb -D "$dir/primary" -U kiosk --auth=trust -E UTF8 --no-locale >"$dir/initdb.log"
	cat >>"$dir/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pport
unix_socket_directories = '$dir'
wal_level = replica
max_wal_senders = 4
hot_standby = on
# A commit returns only once the standby has it on disk: an acknowledged
# op survives the loss of the primary.
synchronous_standby_names = 'standby1'
synchronous_commit = on
CONF
	echo "host replication kiosk 127.0.0.1/32 trust" >>"$dir/primary/pg_hba.conf"
	pg pg_ctl -D "$dir/primary" -l "$dir/primary.log" -w start >/dev/null
	# -R writes primary_conninfo (with the name synchronous_standby_names
	# waits for) and standby.signal.
	pg pg_basebackup -d "host=127.0.0.1 port=$pport user=kiosk application_name=standby1" -D "$dir/standby" -R -X stream
	echo "port = $sport" >>"$dir/standby/postgresql.conf"
	pg pg_ctl -D "$dir/standby" -l "$dir/standby.log" -w start >/dev/null
	# Wait until the standby streams synchronously.
	for _ in $(seq 1 100); do
		state=$(pg psql -h "$dir" -p "$pport" -U kiosk -d postgres -Atc \
			"SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'" 2>/dev/null || true)
		[ "$state" = sync ] && { echo "primary :$pport, standby :$sport (synchronous)"; exit 0; }
		sleep 0.1
	done
	echo "standby.sh: the standby did not start streaming; see $dir/standby.log" >&2
	exit 1
	;;
url)
	read -r pport sport <"$dir/ports"
	echo "postgres://kiosk@127.0.0.1:$pport,127.0.0.1:$sport/postgres?sslmode=disable&target_session_attrs=read-write"
	;;
kill-primary)
	# The primary's machine dies: the postmaster and every backend at once
	# (a postmaster killed alone leaves backends serving their connections).
	pid="$(head -1 "$dir/primary/postmaster.pid")"
	kids=()
	for stat in /proc/[0-9]*/stat; do # its children (no pgrep on a minimal system)
		read -r p _ _ ppid _ <"$stat" 2>/dev/null || continue
		[ "$ppid" = "$pid" ] && kids+=("$p")
	done
	kill -9 "$pid" "${kids[@]}" 2>/dev/null || true
	;;
promote)
	# The standby stops replaying and accepts writes. The old primary must
	# not come back as a primary (it would split the history): rebuild it as
	# a standby of the new one (pg_rewind or pg_basebackup) before starting it.
	pg pg_ctl -D "$dir/standby" -w promote >/dev/null
	# The standby's configuration is the primary's copy: it still waits for
	# a synchronous standby named standby1, which no longer exists, and
	# would hold every commit forever. Until a new standby is attached, the
	# promoted server commits alone (then set the name back and reload).
	read -r _ sport <"$dir/ports"
	pg psql -h "$dir" -p "$sport" -U kiosk -d postgres -q \
		-c "ALTER SYSTEM SET synchronous_standby_names = ''" -c "SELECT pg_reload_conf()" >/dev/null
	echo "standby promoted"
	;;
stop)
	for n in standby primary; do
		[ -f "$dir/$n/postmaster.pid" ] && pg pg_ctl -D "$dir/$n" -m immediate stop >/dev/null 2>&1 || true
	done
	;;
*)
	echo "standby.sh: unknown command $cmd" >&2; exit 2
	;;
esac

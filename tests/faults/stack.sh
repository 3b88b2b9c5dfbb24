# A private kura stack for the fault tests, the load test and the benchmark: sourced, not run.
# `kuractl demo up DIR --port BASE` brings up PostgreSQL, kurad and the demo's accounts; the
# functions here find its addresses and passwords and reach into it (SQL as the owner or the
# superuser, kurad's pid). Needs: builddir, srcdir; sets KURA_SCHEMADIR if unset.

KURA_SCHEMADIR=${KURA_SCHEMADIR:-$srcdir/schema}
export KURA_SCHEMADIR
. "$srcdir/tests/ports.sh"
kuractl=$builddir/kuractl
kurad=$builddir/kurad

# stack_up DIR [BASE]: demo up, three tries on fresh ports; sets STACK_DIR, STACK_CALL,
# STACK_TECH and STACK_ACCOUNTS (the file of "account LOGIN ROLE PASSWORD" lines).
stack_up() {
	local dir=$1 port=${2:-} attempt=0 out
	STACK_DIR=$dir
	out=$dir.demo-out
	mkdir -p "$dir" && chmod 755 "$dir" || return 1
	while :; do
		attempt=$((attempt + 1))
		[ -n "$port" ] && [ "$attempt" = 1 ] || port=$(pick_port)
		echo "kuractl demo up $dir --port $port" >&2
		if timeout 300 "$kuractl" demo up "$dir" --port "$port" >"$out" 2>"$out.err"; then
			break
		fi
		cat "$out.err" >&2
		timeout 60 "$kuractl" demo down "$dir" >&2 2>&1
		[ "$attempt" -ge 3 ] && return 1
		# A stale kurad.conf keeps its port: start from a fresh one.
		rm -f "$dir/kurad.conf"
	done
	STACK_CALL=$(awk '$1 == "segment" && $2 == "call-centre" { print $3; exit }' "$out")
	STACK_TECH=$(awk '$1 == "segment" && $2 == "tech-centre" { print $3; exit }' "$out")
	STACK_ACCOUNTS=$dir.accounts
	grep '^account ' "$out" >"$STACK_ACCOUNTS"
	rm -f "$out" "$out.err"
	[ -n "$STACK_CALL" ] && [ -n "$STACK_TECH" ] && [ -s "$STACK_ACCOUNTS" ]
}

stack_down() {
	[ -n "${STACK_DIR:-}" ] || return 0
	timeout 60 "$kuractl" demo down "$STACK_DIR" >&2 2>&1
}

# stack_password LOGIN: the demo password of LOGIN.
stack_password() {
	awk -v l="$1" '$1 == "account" && $2 == l { print $4; exit }' "$STACK_ACCOUNTS"
}
# stack_login ROLE: the first non-temporary account of ROLE.
stack_login() {
	awk -v r="$1" '$1 == "account" && $3 == r && $5 != "temporary" { print $2; exit }' \
		"$STACK_ACCOUNTS"
}

stack_owner_conninfo() {
	cat "$STACK_DIR/owner.conninfo"
}
# The superuser, over the cluster's socket (kuractl keeps its password in DIR).
stack_super_conninfo() {
	local sock
	sock=$(awk -F' = ' '$1 == "socket" { print $2 }' "$STACK_DIR/cluster")
	echo "host=$sock port=5432 dbname=kura user=postgres password=$(cat "$STACK_DIR/postgres.password")"
}
stack_sql() {
	psql "$(stack_owner_conninfo)" -XAtq -v ON_ERROR_STOP=1 -c "$1"
}
stack_super_sql() {
	psql "$(stack_super_conninfo)" -XAtq -v ON_ERROR_STOP=1 -c "$1"
}

stack_kurad_pid() {
	cat "$STACK_DIR/kurad.pid" 2>/dev/null
}
# The pid of the cluster's postmaster.
stack_postmaster_pid() {
	local data
	data=$(awk -F' = ' '$1 == "data" { print $2 }' "$STACK_DIR/cluster")
	head -n 1 "$data/postmaster.pid" 2>/dev/null
}

# stack_kurad_start: starts kurad on DIR's kurad.conf and waits for its pid file.
stack_kurad_start() {
	local i
	rm -f "$STACK_DIR/kurad.pid"
	setsid "$kurad" -c "$STACK_DIR/kurad.conf" --pidfile "$STACK_DIR/kurad.pid" \
		>>"$STACK_DIR/kurad.log" 2>&1 </dev/null &
	for i in $(seq 1 150); do
		[ -s "$STACK_DIR/kurad.pid" ] && return 0
		sleep 0.1
	done
	return 1
}

# stack_kurad_stop: SIGTERM and wait (SIGKILL after 15 s).
stack_kurad_stop() {
	local pid i
	pid=$(stack_kurad_pid)
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 150); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}

# stack_kurad_set KEY VALUE: sets a [server] setting of kurad.conf (restart to apply).
stack_kurad_set() {
	if grep -q "^$1 = " "$STACK_DIR/kurad.conf"; then
		sed -i "s|^$1 = .*|$1 = $2|" "$STACK_DIR/kurad.conf"
	else
		sed -i "s|^\[server\]\$|[server]\n$1 = $2|" "$STACK_DIR/kurad.conf"
	fi
}

# The resident memory of a process in KiB (VmRSS), or nothing.
stack_rss_kib() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

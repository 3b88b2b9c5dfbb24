#!/bin/bash
# make bench: kura's speed at scale against baselines measured in the same run on the same
# machine and database (docs/performance.md). A private stack (kuractl demo up) is seeded with
# KURA_BENCH_CASES cases; then for 1, 8 and 32 concurrent clients: pgbench -S -M prepared, a
# bare nng echo built like kurad, and kura's commands over real nng sockets; pgbench's TPC-B
# at 8 clients for the stamp; the terminal client's start, first list, key to repaint and
# memory. Prints a table with each kura figure as a ratio to its baseline, and the targets.
#
# Environment:
#   KURA_BENCH_CASES    cases in the database (default 1000000)
#   KURA_BENCH_SECONDS  measured seconds per figure (default 8)
#   KURA_BENCH_CLIENTS  client counts (default "1 8 32")
#   KURA_BENCH_WORKERS  kurad workers (default 8)
#   KURA_BENCH_DIR      the stack's directory, kept and reused by the next run (default
#                       /var/tmp/kura-bench-CASES); KURA_BENCH_FRESH=1 starts it afresh
#   KURA_BENCH_CLIENT_CASES  cases on the client's list (default 100000), in a stack of
#                       its own (KURA_BENCH_CLIENT_DIR, default /var/tmp/kura-bench-client-N)
#   KURA_BENCH_OUT      where the results go too (default DIR/results.txt)
set -u

builddir=${KURA_BUILDDIR:-$(pwd)}
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$srcdir/tests/faults/stack.sh"

cases=${KURA_BENCH_CASES:-1000000}
secs=${KURA_BENCH_SECONDS:-8}
clients=${KURA_BENCH_CLIENTS:-1 8 32}
workers=${KURA_BENCH_WORKERS:-8}
dir=${KURA_BENCH_DIR:-/var/tmp/kura-bench-$cases}
bench=$builddir/tests/bench/kura_bench
clientbench=$builddir/tests/bench/kura_clientbench
intake_need=60000 # fresh cases at intake for the stamps of one run
pgscale=10        # pgbench_accounts: 1,000,000 rows, as many as the cases

die() {
	echo "bench: $*" >&2
	exit 1
}
say() { echo "bench: $*" >&2; }

for p in "$kuractl" "$kurad" "$bench" "$builddir/kura"; do
	[ -x "$p" ] || die "no $p: build first (make bench builds it)"
done
command -v pgbench >/dev/null || die "pgbench is missing (Debian package postgresql-contrib)"
command -v psql >/dev/null || die "psql is missing (Debian package postgresql-client)"

work=$(mktemp -d /tmp/kura-bench-work-XXXXXX) || die "mktemp failed"
cleanup() {
	stack_down
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

cdir=${KURA_BENCH_CLIENT_DIR:-/var/tmp/kura-bench-client-${KURA_BENCH_CLIENT_CASES:-100000}}
# A kept stack one of whose migrations changed since it was seeded is made afresh (migrations
# change in place while the schema is young); one that only lacks new migrations is migrated
# in place by demo up. DIR/schema.files records each migration's sum; an older stack has
# schema.sum, the sum of all its migrations together, which must then be that of the first
# of the sources' migrations.
schema_files() { (cd "$KURA_SCHEMADIR" && sha256sum ./*.sql); }
schema_files >"$work/schema.files"
schema_kept() {
	local d=$1 k n
	if [ -f "$d/schema.files" ]; then
		(cd "$KURA_SCHEMADIR" && sha256sum --check --status) <"$d/schema.files"
		return
	fi
	[ -f "$d/schema.sum" ] || return 1
	n=$(wc -l <"$work/schema.files")
	for k in $(seq 1 "$n"); do
		[ "$(ls "$KURA_SCHEMADIR"/*.sql | head -n "$k" | xargs cat | sha256sum | cut -c1-16)" = \
			"$(cat "$d/schema.sum")" ] && return 0
	done
	return 1
}
for d in "$dir" "$cdir"; do
	[ -d "$d" ] || continue
	schema_kept "$d" && continue
	say "a migration changed since $d was seeded: seeding afresh"
	"$kuractl" demo down "$d" >/dev/null 2>&1
	rm -rf "$d" "$d.accounts"
done
if [ "${KURA_BENCH_FRESH:-0}" = 1 ]; then
	for d in "$dir" "$cdir"; do
		[ -d "$d" ] || continue
		"$kuractl" demo down "$d" >/dev/null 2>&1
		rm -rf "$d" "$d.accounts"
	done
fi
stack_up "$dir" || die "kuractl demo up $dir failed"
cp "$work/schema.files" "$dir/schema.files" && rm -f "$dir/schema.sum"
out=${KURA_BENCH_OUT:-$dir/results.txt}

# ---- the database: room for the working set, the same for kura and pgbench ----
# stack_tune: shared_buffers for the working set, fewer checkpoints while seeding.
stack_tune() {
	if [ "$(stack_super_sql "SHOW shared_buffers")" != 2GB ]; then
		say "shared_buffers = 2GB, max_wal_size = 8GB, restarting PostgreSQL"
		stack_super_sql "ALTER SYSTEM SET shared_buffers = '2GB'" &&
			stack_super_sql "ALTER SYSTEM SET max_wal_size = '8GB'" ||
			die "ALTER SYSTEM failed"
		stack_kurad_stop
		"$kuractl" db stop --dir "$STACK_DIR" >&2 && "$kuractl" db start --dir "$STACK_DIR" >&2 ||
			die "cannot restart PostgreSQL"
	fi
}
stack_tune
stack_kurad_stop
stack_kurad_set workers "$workers"
stack_kurad_set log_level warn
stack_kurad_start || die "kurad did not start (see $dir/kurad.log)"

have=$(stack_sql "SELECT count(*) FROM kura.cases") || die "cannot count the cases"
if [ "$have" -lt "$cases" ]; then
	say "seeding $((cases - have)) cases (kept in $dir for the next run)"
	"$kuractl" demo seed "$dir" --cases $((cases - have)) >&2 || die "seeding failed"
fi
fresh=$(stack_sql "SELECT count(*) FROM kura.cases WHERE stage = 'intake'")
if [ "$fresh" -lt "$intake_need" ]; then
	say "seeding $((intake_need - fresh)) cases at intake for the stamps"
	"$kuractl" demo seed "$dir" --cases $((intake_need - fresh)) --stage intake --seed "$RANDOM" >&2 ||
		die "seeding failed"
fi
if [ "$(stack_sql "SELECT to_regclass('public.pgbench_accounts') IS NULL")" = t ]; then
	say "pgbench -i -s $pgscale"
	pgbench -i -q -s "$pgscale" "$(stack_owner_conninfo)" >&2 2>&1 || die "pgbench -i failed"
fi
say "VACUUM ANALYZE, CHECKPOINT"
stack_sql "VACUUM ANALYZE" 2>/dev/null
stack_super_sql "CHECKPOINT"
stack_sql "SELECT receipt FROM kura.cases TABLESAMPLE SYSTEM (10) LIMIT 100000" >"$work/receipts"
# Cases waiting for their intake stamp: a share of their own for each client count.
stack_sql "SELECT receipt FROM kura.cases WHERE stage = 'intake' ORDER BY id DESC" >"$work/intake"
k=0
nclients=$(echo $clients | wc -w)
share=$(($(wc -l <"$work/intake") / nclients))
for c in $clients; do
	sed -n "$((k * share + 1)),$(((k + 1) * share))p" "$work/intake" >"$work/intake-$c"
	k=$((k + 1))
done
max_id=$(stack_sql "SELECT max(id) FROM kura.cases")
total=$(stack_sql "SELECT count(*) FROM kura.cases")
user=$(stack_login operator)
pw=$(stack_password "$user")
[ -n "$user" ] && [ -n "$pw" ] || die "no operator account in the demo"

# ---- measurements ----
# RESULT lines of every figure go to $work/results.
results=$work/results
: >"$results"

# pgbench_run NAME CLIENTS ARGS...: one pgbench figure, its latencies from the log.
pgbench_run() {
	local name=$1 c=$2 j tps
	shift 2
	j=$((c < 2 ? c : 2))
	rm -f "$work"/pgb.*
	(cd "$work" && pgbench -n -M prepared -c "$c" -j "$j" -T "$secs" -l --log-prefix=pgb \
		"$@" "$(stack_owner_conninfo)") >"$work/pgbench.out" 2>&1 ||
		{ cat "$work/pgbench.out" >&2; die "pgbench failed"; }
	tps=$(awk '/^tps = / { print int($3); exit }' "$work/pgbench.out")
	cat "$work"/pgb.* | awk '{ print $3 }' | sort -n >"$work/lat"
	awk -v name="$name" -v c="$c" -v tps="$tps" -v secs="$secs" '
		{ lat[NR] = $1 }
		END {
			printf "RESULT op=%s clients=%d requests=%d seconds=%s rps=%d p50_us=%d p99_us=%d errors=0\n",
				name, c, NR, secs, tps, lat[int(NR * 0.5) + 1], lat[int(NR * 0.99) + 1]
		}' "$work/lat" >>"$results"
}

ops_list="whoami get sheet list.first list.deep list.stage list.search stamp"
ops_one="list.stage.deep list.search.rare list.search.miss"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for c in $clients; do
	say "$c client(s): pgbench -S"
	pgbench_run pgbench-S "$c" -S
	if [ "$c" = 8 ]; then
		say "8 clients: pgbench TPC-B"
		pgbench_run pgbench-tpcb 8
	fi
	say "$c client(s): nng echo"
	port=$(pick_port)
	"$bench" echo "tcp://127.0.0.1:$port" --clients "$c" --seconds "$secs" --workers "$workers" \
		>>"$results" || die "the echo baseline failed"
	ops=$ops_list
	[ "$c" = 1 ] && ops="$ops $ops_one"
	say "$c client(s): kura $ops"
	"$bench" kura "$STACK_CALL" "$user" "$pw" --clients "$c" --seconds "$secs" \
		--receipts "$work/receipts" --intake "$work/intake-$c" --max-id "$max_id" $ops \
		>>"$results" || die "kura_bench failed"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cat "$results" >&2

# ---- the client, on a stack of its own with KURA_BENCH_CLIENT_CASES cases ----
crows=${KURA_BENCH_CLIENT_CASES:-100000}
client_line=
stack_down
if stack_up "$cdir"; then
	cp "$work/schema.files" "$cdir/schema.files" && rm -f "$cdir/schema.sum"
	stack_tune
	stack_kurad_start || true
	have=$(stack_sql "SELECT count(*) FROM kura.cases")
	if [ "$have" -lt "$crows" ]; then
		say "seeding $((crows - have)) cases for the client (kept in $cdir)"
		"$kuractl" demo seed "$cdir" --cases $((crows - have)) >&2 || die "seeding failed"
	fi
	newest=$(stack_sql "SELECT receipt FROM kura.cases ORDER BY id DESC LIMIT 1")
	oldest=$(stack_sql "SELECT receipt FROM kura.cases ORDER BY id LIMIT 1")
	crows=$(stack_sql "SELECT count(*) FROM kura.cases")
	cuser=$(stack_login operator)
	say "the terminal client on the list of $crows cases"
	client_line=$("$clientbench" "$builddir/kura" "$STACK_CALL" "$cuser" \
		"$(stack_password "$cuser")" "$crows" "$newest" "$oldest") ||
		say "kura_clientbench failed"
	echo "$client_line" >&2
fi

# ---- the table ----
{
	echo "kura benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)),"\
		"$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr);"\
		"$(postgres_version=$(stack_sql "SHOW server_version"); echo "PostgreSQL $postgres_version"),"\
		"shared_buffers 2GB; kurad $workers workers"
	echo "database: $total cases; ${secs} s per figure; load average before $load_before, after $load_after"
	echo
	awk '
		function field(k,   i, kv) {
			for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] }
			return ""
		}
		/^RESULT / {
			op = field("op"); c = field("clients")
			rps[op, c] = field("rps"); p50[op, c] = field("p50_us"); p99[op, c] = field("p99_us")
			err[op, c] = field("errors"); seen[op] = 1
			if (!(c in cl)) { cl[c] = 1; ncl++; cls[ncl] = c }
			if (!(op in ord)) { ord[op] = ++nop; ops[nop] = op }
		}
		END {
			printf "| %-21s | %3s | %8s | %8s | %8s | %9s | %9s | %6s |\n", "figure", "cl", "req/s", "p50 ms", "p99 ms", "÷pgb -S", "÷echo", "errors"
			printf "|%s|%s|%s|%s|%s|%s|%s|%s|\n", "-----------------------", "-----", "----------", "----------", "----------", "-----------", "-----------", "--------"
			for (k = 1; k <= ncl; k++) {
				c = cls[k]
				for (i = 1; i <= nop; i++) {
					op = ops[i]
					if (!((op, c) in rps)) continue
					base = rps["pgbench-S", c]; echo = rps["echo", c]
					name = op ~ /^pgbench|^echo/ ? op : "case." op
					sub(/^case\.whoami/, "auth.whoami", name)
					r1 = (base > 0 && op !~ /^pgbench/) ? sprintf("%.3f", rps[op, c] / base) : "-"
					r2 = (echo > 0 && op != "echo") ? sprintf("%.3f", rps[op, c] / echo) : "-"
					printf "| %-21s | %3d | %8d | %8.2f | %8.2f | %9s | %9s | %6s |\n", name, c, rps[op, c], p50[op, c] / 1000, p99[op, c] / 1000, r1, r2, err[op, c]
				}
			}
			print ""
			get = rps["get", 8]; pgs = rps["pgbench-S", 8]
			printf "target case.get >= 0.5 x pgbench -S at 8 clients: %.3f  %s\n", pgs ? get / pgs : 0, (pgs && get / pgs >= 0.5) ? "MET" : "NOT MET"
			worst = 0; wop = ""
			for (i = 1; i <= nop; i++)
				if (ops[i] ~ /^list/ && ((ops[i], 1) in p99) && p99[ops[i], 1] > worst) { worst = p99[ops[i], 1]; wop = ops[i] }
			printf "target case.list p99 <= 10 ms at 1 client, every page and filter: worst %.2f ms (%s)  %s\n", worst / 1000, wop, worst <= 10000 ? "MET" : "NOT MET"
			st = rps["stamp", 8]; tpcb = rps["pgbench-tpcb", 8]
			printf "target case.stamp >= pgbench TPC-B at 8 clients: %.3f  %s\n", tpcb ? st / tpcb : 0, (tpcb && st >= tpcb) ? "MET" : "NOT MET"
		}' "$results"
	if [ -n "$client_line" ]; then
		echo
		echo "$client_line" | awk '
			function field(k,   i, kv) {
				for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] }
				return ""
			}
			{
				printf "client: start to sign-in screen %.1f ms, sign-in to first list %.1f ms, key to repaint p50 %.2f ms p99 %.2f ms (list of %d cases, all loaded by G in %s s), memory at most %.1f MiB\n",
					field("start_ms"), field("first_list_ms"), field("key_p50_ms"), field("key_p99_ms"), field("rows"), field("bottom_s"), field("hwm_kib") / 1024
				printf "target start <= 50 ms: %s; key to repaint <= 5 ms: %s; memory <= 16 MiB: %s\n",
					field("start_ms") <= 50 ? "MET" : "NOT MET", field("key_p99_ms") <= 5 ? "MET" : "NOT MET",
					field("hwm_kib") <= 16384 ? "MET" : "NOT MET"
			}'
	fi
} | tee "$out"
say "results in $out; the stacks stay in $dir and $cdir for the next run (KURA_BENCH_FRESH=1: afresh)"

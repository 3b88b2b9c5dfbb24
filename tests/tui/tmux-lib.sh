# Shared by the tmux tests of the client (sourced, bash): TAP helpers, a private demo stack
# that is torn down whatever happens, kura in detached tmux sessions of a fixed size, and
# screen polling with deadlines. After sourcing: $dir, $call_url, $tech_url and the accounts
# $op_user/$op_pass and $tech_user/$tech_pass; the demo's output stays in $demo_out until
# the end (other accounts: account_of ROLE).
set -u
export LC_ALL=C.UTF-8 # grep and wc -L measure Japanese text by characters and columns

builddir=${KURA_BUILDDIR:-$(pwd)}
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$srcdir/tests/ports.sh"
KURA_SCHEMADIR=${KURA_SCHEMADIR:-$srcdir/schema}
export KURA_SCHEMADIR
kura=$builddir/kura
kuractl=$builddir/kuractl
cols=120
lines=40

bail() {
	echo "Bail out! $*"
	exit 1
}

command -v tmux >/dev/null 2>&1 || {
	echo "1..0 # SKIP tmux is not installed"
	exit 0
}
[ -x "$kura" ] || bail "no $kura: build first"
[ -x "$kuractl" ] || bail "no $kuractl: build first"

# ---- TAP ----
count=0
failed=0
ok() { # ok CONDITION-STATUS DESCRIPTION
	count=$((count + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $count - $2"
	else
		failed=$((failed + 1))
		echo "not ok $count - $2"
		dump
	fi
}
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# ---- the stack and tmux, cleaned up whatever happens ----
dir=
sock=kura-tui-$$
cleanup() {
	tmux -L "$sock" kill-server >/dev/null 2>&1
	[ -n "${demo_out:-}" ] && rm -f "$demo_out"
	if [ -n "$dir" ]; then
		timeout 60 "$kuractl" demo down "$dir" >&2 2>&1 || echo "demo down failed" >&2
		if [ "${KURA_TUI_KEEP:-0}" = 1 ]; then
			echo "kept $dir" >&2
		else
			rm -rf "$dir"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# ---- the screen ----
screen=
win= # the tmux session (one a client run)
capture() { screen=$(tmux -L "$sock" capture-pane -p -t "$win" 2>/dev/null); }
dump() {
	capture
	echo "---- screen of $win ----" >&2
	printf '%s\n' "$screen" >&2
	printf '%s\n' "$screen" | sed 's/^/#   |/'
}
# wait_for REGEX [SECONDS]: polls the screen until a line matches.
wait_for() {
	local end=$((SECONDS + ${2:-15}))
	while :; do
		capture
		printf '%s\n' "$screen" | grep -Eq -- "$1" && return 0
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.2
	done
}
# wait_gone REGEX [SECONDS]: until no line matches.
wait_gone() {
	local end=$((SECONDS + ${2:-15}))
	while :; do
		capture
		printf '%s\n' "$screen" | grep -Eq -- "$1" || return 0
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.2
	done
}
line_of() { printf '%s\n' "$screen" | grep -E -m1 -- "$1"; }
keys() { tmux -L "$sock" send-keys -t "$win" "$@"; }
text() { tmux -L "$sock" send-keys -t "$win" -l -- "$1"; }
# The screen column where TEXT starts on LINE: the display width of what precedes it.
column_of() { # LINE TEXT
	local before=${1%%"$2"*}
	[ "$before" = "$1" ] && {
		echo -1
		return
	}
	printf '%s' "$before" | wc -L
}

# start_client NAME URL: kura in its own tmux session; the shell line after it reports how
# kura ended and keeps the pane open for reading.
start_client() {
	win=$1
	tmux -L "$sock" -f /dev/null new-session -d -s "$win" -x "$cols" -y "$lines" \
		"env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$kura' --server '$2'; \
		 echo \"kura exited with status \$?\"; sleep 600"
}

sign_in() { # USER PASSWORD
	wait_for 'Sign in to kura' 20 || return 1
	text "$1"
	keys Enter
	text "$2"
	keys Enter
}

# ---- up ----
demo_out=$(mktemp /tmp/kura-tui-out-XXXXXX) || bail "mktemp failed"
out=$demo_out
attempt=0
while :; do
	attempt=$((attempt + 1))
	dir=$(mktemp -d /tmp/kura-tui-XXXX) || bail "mktemp failed"
	chmod 755 "$dir"
	port=$(pick_port)
	echo "kuractl demo up $dir --port $port" >&2
	if timeout 180 "$kuractl" demo up "$dir" --port "$port" >"$out"; then
		break
	fi
	timeout 60 "$kuractl" demo down "$dir" >&2 2>&1
	rm -rf "$dir"
	dir=
	[ "$attempt" -ge 3 ] && {
		bail "kuractl demo up failed $attempt times (see the log)"
	}
done
cat "$out" | sed 's/ [^ ]*$/ (password)/' >&2
call_url=$(awk '$1 == "segment" && $2 == "call-centre" { print $3 }' "$out")
tech_url=$(awk '$1 == "segment" && $2 == "tech-centre" { print $3 }' "$out")
read -r op_user op_pass < <(awk '$1 == "account" && $3 == "operator" && $5 == "" { print $2, $4; exit }' "$out")
read -r tech_user tech_pass < <(awk '$1 == "account" && $3 == "technician" && $5 == "" { print $2, $4; exit }' "$out")
[ -n "$call_url" ] && [ -n "$tech_url" ] || bail "demo up printed no segment URLs"
[ -n "${op_user:-}" ] && [ -n "${tech_user:-}" ] || bail "demo up printed no operator or technician"
diag "call centre $call_url, tech centre $tech_url, operator $op_user, technician $tech_user"

# account_of ROLE: "LOGIN PASSWORD" of the demo's first non-temporary account of ROLE.
account_of() { awk -v r="$1" '$1 == "account" && $3 == r && $5 == "" { print $2, $4; exit }' "$demo_out"; }

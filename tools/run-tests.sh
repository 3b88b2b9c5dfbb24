#!/bin/sh
# Installs what is missing (Debian 12), builds kura and runs every test (make check). Ends
# with one line "N passed, N failed", counted from the test-suite results (an ERROR or an
# unexpected pass counts as failed); exits 0 only when nothing failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"

if ! kura_deps || ! kura_build; then
	echo "kura: the build failed" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
rm -f "$build/test-suite.log"
# Test programs build in parallel; the tests then run one at a time: several of them bring
# up a whole stack (PostgreSQL, kurad, clients in tmux) and read screens against deadlines,
# which two cores shared between stacks make needlessly flaky.
make -C "$build" -j2 check TESTS= >/dev/null &&
	make -C "$build" check
status=$?

log=$build/test-suite.log
if [ ! -f "$log" ]; then
	echo "kura: make check wrote no $log" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
# The header of test-suite.log: "# PASS:  12", "# FAIL:  0", ...
count() { awk -v k="$1:" '$1 == "#" && $2 == k { print $3; exit }' "$log"; }
pass=$(count PASS)
fail=$(count FAIL)
error=$(count ERROR)
xpass=$(count XPASS)
failed=$((${fail:-0} + ${error:-0} + ${xpass:-0}))
if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ]; then
	cat "$log"
	[ "$failed" -eq 0 ] && failed=1
fi
echo "${pass:-0} passed, $failed failed"
[ "$failed" -eq 0 ]

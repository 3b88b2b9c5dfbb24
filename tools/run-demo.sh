#!/bin/sh
# Installs what is missing (Debian 12), builds kura, brings up the local demo in var/ (its
# own PostgreSQL, kurad, demo accounts and cases) and opens the terminal client on the
# call-centre segment. `var/build/kuractl demo down` stops the demo afterwards.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"

kura_deps || exit 1
kura_build || { echo "kura: the build failed" >&2; exit 1; }
cd "$top" || exit 1
out=$("$build/kuractl" demo up var) || { echo "kura: kuractl demo up failed" >&2; exit 1; }
call=$(printf '%s\n' "$out" | awk '$1 == "segment" && $2 == "call-centre" { print $3 }')
printf '%s\n' "$out"
cat <<MSG

kura's demo is up. Sign in with one of the accounts above (LOGIN ROLE PASSWORD); they are
kept in var/demo-accounts. The call-centre segment is $call; technicians, shipping and the
security room use the tech-centre one:
    $build/kura --server $(printf '%s\n' "$out" | awk '$1 == "segment" && $2 == "tech-centre" { print $3 }')
Stop everything with: $build/kuractl demo down $top/var

MSG
if [ -t 0 ] && [ -t 1 ]; then
	printf 'Press Enter to open kura on the call-centre segment... '
	read -r _
	exec "$build/kura" --server "$call"
fi
echo "kura: no terminal here; run: $build/kura --server $call" >&2

# The tests' one port picker: sourced, not run. Ports are taken in 20000..32599, below
# Linux's ephemeral range (32768 up), so that no outgoing connection of the machine holds a
# port a test chose a moment before.
# pick_port [N]: prints a base port, a multiple of 10, with BASE..BASE+N-1 not listened on
# (N at most 10, default 4: kuractl demo up takes BASE..BASE+3).
pick_port() {
	_pp_n=${1:-4}
	for _pp_try in 1 2 3 4 5 6 7 8 9 10; do
		_pp_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		_pp_base=$((20000 + (_pp_r % 1260) * 10))
		ss -Htln 2>/dev/null | awk '{ sub(/.*[:.]/, "", $4); print $4 }' |
			awk -v lo="$_pp_base" -v hi="$((_pp_base + _pp_n))" '$1 >= lo && $1 < hi { f = 1 }
				END { exit !f }' || break
	done
	echo "$_pp_base"
}

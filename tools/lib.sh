# Shared by run-demo.sh and run-tests.sh (sourced, POSIX sh): installs what kura needs on
# Debian 12 and builds it out of tree. Needs $top, the checkout's absolute path.

# Debian packages to build, test and run kura. The postgresql package brings initdb and
# pg_ctl (kuractl runs its own cluster with them) and the postgres system user.
KURA_DEBIAN_PACKAGES="build-essential autoconf automake libtool pkg-config \
libnng-dev libmsgpack-dev libpq-dev postgresql postgresql-client libncurses-dev \
libsodium-dev libinih-dev tmux openssl iproute2 nftables python3"

# Installs the packages that are missing (as root, or through sudo).
kura_deps() {
	missing=
	for p in $KURA_DEBIAN_PACKAGES; do
		if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing="$missing $p"
		fi
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -eq 0 ]; then
		sudo=
	elif command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		echo "kura: these packages are missing:$missing; install them as root" >&2
		return 1
	fi
	echo "kura: installing$missing" >&2
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $missing >&2
}

# Builds kura in $build: var/build of the checkout (ignored by git with the rest of var/),
# or the checkout itself when someone configured it in tree.
kura_build() {
	if [ -f "$top/config.status" ]; then
		build=$top
	else
		build=${KURA_BUILDDIR:-$top/var/build}
	fi
	if [ ! -x "$top/configure" ]; then
		(cd "$top" && autoreconf -fi) >&2 || return 1
	fi
	mkdir -p "$build" || return 1
	if [ ! -f "$build/config.status" ]; then
		(cd "$build" && "$top/configure") >&2 || return 1
	fi
	make -C "$build" -j2 >&2
}

#!/usr/bin/env bash
# interop/peers/install.sh - install the real FTP peers of the interop suite
# on Debian 12 (bookworm), as root.
#
#   interop/peers/install.sh          # idempotent: ~20 s the first time, ~0.1 s after
#
# Clients, installed with apt: curl, wget, lftp, tnftp, python3 (ftplib) and
# python3-pyftpdlib (a server, run with /usr/bin/python3).
#
# Servers, NOT installed: vsftpd, pure-ftpd and proftpd-core are fetched with
# 'apt-get download' and unpacked with 'dpkg-deb -x' into $HOSTPORT_PEERS
# (default /opt/hostport-peers), one tree each. Their Debian packages all
# declare "Conflicts: ftp-server", so apt holds only one of them at a time,
# and their maintainer scripts register services on port 21. Unpacked, the
# three sit side by side and run only when the tests start them. Their shared
# libraries are installed with apt (read from the packages' Depends).
#
# Also: the 'ftp' account with its home /srv/ftp (vsftpd and pure-ftpd serve
# anonymous users as 'ftp' and go to its home at login), and util-linux's
# unshare and mount (pure-ftpd has no option for the anonymous root; the tests
# bind-mount the served directory on the ftp home in a private mount namespace).
#
# It names to apt only packages that are missing: naming an installed one
# would upgrade it. It runs 'apt-get update' only when the package lists lack
# the servers, or with HOSTPORT_PEERS_APT_UPDATE=1. HOSTPORT_PEERS_FORCE=1
# redoes everything.
#
# The versions installed are written to $HOSTPORT_PEERS/VERSIONS, which the
# suite prints above its matrix.
set -euo pipefail

dest=${HOSTPORT_PEERS:-/opt/hostport-peers}
servers="vsftpd pure-ftpd proftpd-core"
clients="curl wget lftp tnftp python3 python3-pyftpdlib util-linux mount"
binaries="vsftpd/usr/sbin/vsftpd pure-ftpd/usr/sbin/pure-ftpd proftpd-core/usr/sbin/proftpd"
export DEBIAN_FRONTEND=noninteractive

say() { echo "install.sh: $*" >&2; }

installed() {
	[ -f "$dest/VERSIONS" ] || return 1
	local b c
	for b in $binaries; do [ -x "$dest/$b" ] || return 1; done
	for c in curl wget lftp tnftp unshare mount; do command -v "$c" >/dev/null || return 1; done
	/usr/bin/python3 -c 'import pyftpdlib' 2>/dev/null || return 1
	getent passwd ftp >/dev/null || return 1
	[ -d "$(getent passwd ftp | cut -d: -f6)" ]
}

start=$SECONDS
if [ "${HOSTPORT_PEERS_FORCE:-0}" != 1 ] && installed; then
	say "peers already installed in $dest"
	exit 0
fi
[ "$(id -u)" = 0 ] || {
	say "run as root (apt-get, and the servers run as root)"
	exit 1
}
command -v apt-get >/dev/null || {
	say "needs apt-get (Debian 12)"
	exit 1
}

# 1. Package lists, only when they do not know the servers.
if [ "${HOSTPORT_PEERS_APT_UPDATE:-0}" = 1 ] || ! apt-cache show vsftpd pure-ftpd proftpd-core >/dev/null 2>&1; then
	say "apt-get update"
	apt-get update -qq
fi

# 2. The servers' packages, downloaded only, into a directory that apt's
#    sandbox user may write.
dl=$(mktemp -d)
trap 'rm -rf "$dl"' EXIT
chmod 755 "$dl"
if getent passwd _apt >/dev/null; then chown _apt "$dl"; fi
# shellcheck disable=SC2086
if ! (cd "$dl" && apt-get download -qq $servers); then
	say "download failed (stale package lists?): apt-get update and retry"
	apt-get update -qq
	# shellcheck disable=SC2086
	(cd "$dl" && apt-get download -qq $servers)
fi

# 3. The servers' libraries (the first choice of each "a | b" that is a
#    library) and the clients: only those missing.
libs=$(for d in "$dl"/*.deb; do dpkg-deb -f "$d" Depends; done | tr ',' '\n' |
	sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/[[:space:]]//g' |
	grep -E '^(lib|zlib1g)' | grep -v '^libpam-runtime$' | sort -u)
missing=""
for p in $clients $libs; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$'; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	say "apt-get install$missing"
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# 4. Unpack each server into its own tree and check that it finds its
#    libraries.
mkdir -p "$dest"
: >"$dest/VERSIONS.tmp"
for s in $servers; do
	deb=$(ls "$dl/${s}"_*.deb)
	rm -rf "${dest:?}/$s"
	mkdir -p "$dest/$s"
	dpkg-deb -x "$deb" "$dest/$s"
	echo "$s $(dpkg-deb -f "$deb" Version)" >>"$dest/VERSIONS.tmp"
done
for b in $binaries; do
	if ldd "$dest/$b" | grep -q 'not found'; then
		say "libraries missing for $b:"
		ldd "$dest/$b" | grep 'not found' >&2
		exit 1
	fi
done

# 5. The 'ftp' account and its home, as Debian's vsftpd package creates them.
getent group ftp >/dev/null || groupadd --system ftp
getent passwd ftp >/dev/null ||
	useradd --system --gid ftp --home-dir /srv/ftp --no-create-home --shell /usr/sbin/nologin ftp
home=$(getent passwd ftp | cut -d: -f6)
mkdir -p "$home"
chown root:root "$home"
chmod 755 "$home"

for c in curl wget lftp tnftp python3 python3-pyftpdlib; do
	echo "$c $(dpkg-query -W -f='${Version}' "$c")" >>"$dest/VERSIONS.tmp"
done
mv "$dest/VERSIONS.tmp" "$dest/VERSIONS"
say "installed in $dest in $((SECONDS - start)) s:"
sed 's/^/  /' "$dest/VERSIONS" >&2

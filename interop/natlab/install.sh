#!/usr/bin/env bash
# interop/natlab/install.sh - install what the NAT lab needs besides the
# interop suite's peers, on Debian 12 (bookworm), as root.
#
#   interop/natlab/install.sh          # idempotent: a few seconds the first time, ~0.1 s after
#
# The lab (go test ./interop/natlab/) builds its routers with iproute2's
# "ip netns" and "ip link ... type veth", and nftables ("nft"); it captures
# the router's traffic with tcpdump. It uses the FTP peers that
# interop/peers/install.sh installs (vsftpd, curl, lftp, python3 ftplib), so
# run that too.
#
# It names to apt only packages that are missing: naming an installed one
# would upgrade it. It runs 'apt-get update' only when the package lists do
# not know them, or with HOSTPORT_NATLAB_APT_UPDATE=1.
set -euo pipefail

packages="iproute2 nftables tcpdump"
export DEBIAN_FRONTEND=noninteractive

say() { echo "install.sh: $*" >&2; }

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	say "nat lab tools already installed:$(for p in $packages; do printf ' %s %s' "$p" "$(dpkg-query -W -f='${Version}' "$p")"; done)"
	exit 0
fi
[ "$(id -u)" = 0 ] || {
	say "run as root (apt-get)"
	exit 1
}
command -v apt-get >/dev/null || {
	say "needs apt-get (Debian 12)"
	exit 1
}
# shellcheck disable=SC2086
if [ "${HOSTPORT_NATLAB_APT_UPDATE:-0}" = 1 ] || ! apt-cache show $missing >/dev/null 2>&1; then
	say "apt-get update"
	apt-get update -qq
fi
say "apt-get install$missing"
# shellcheck disable=SC2086
if ! apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
	say "install failed (stale package lists?): apt-get update and retry"
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
for c in ip nft tcpdump; do
	command -v "$c" >/dev/null || {
		say "$c still missing after apt-get install"
		exit 1
	}
done
say "installed:$(for p in $packages; do printf ' %s %s' "$p" "$(dpkg-query -W -f='${Version}' "$p")"; done)"

#!/usr/bin/env bash
# record.sh - record the real captures and logs that the tests of
# `hostport trace` and `hostport annotate` read:
#
#   vsftpd-curl.pcap     tcpdump of curl (and a raw client) against vsftpd on
#                        127.0.0.1, which advertises 127.0.0.2 in its 227
#                        replies (pasv_address), and against vsftpd on ::1
#   vsftpd-curl-any.pcap the first of those sessions, recorded on the "any"
#                        interface (link type Linux cooked v2)
#   vsftpd-curl.tcpdump-A.txt   `tcpdump -A` of its IPv4 control packets
#   vsftpd.log           vsftpd's protocol log of those sessions
#   proftpd.log          ProFTPD's ExtendedLog of curl and a raw client
#   curl-v.txt           `curl -v` of a passive and an active transfer
#
# Usage (Debian 12, root; loopback only):
#
#   bash /work/shared/peers/install.sh      # vsftpd, proftpd, curl, ...
#   apt-get install -y tcpdump
#   bash record.sh [OUTDIR]                 # OUTDIR defaults to this directory
#
# The servers are started with the shared peers/start.sh and stopped by PID
# with peers/stop.sh; tcpdump is stopped by PID. Every wait is bounded.
# Ports: control 2171 (IPv4), 2172 (IPv6), 2173 (ProFTPD); passive ranges
# 31420-31439, 31440-31459 and 31460-31479 (start.sh derives them from the
# control port). Active-mode curl listens inside those ranges, so the filter
# below sees its data connections too.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:-$here}" && pwd)
PEERS=${PEERS:-/work/shared/peers}
work=$(mktemp -d /tmp/hostport-record.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/root"
printf 'hello, world\r\n' > "$work/root/hello.txt"
chmod 644 "$work/root/hello.txt"

pids=()
tcpdump_pid=""
any_pid=""
cleanup() {
	if [ -n "$tcpdump_pid" ]; then kill -INT "$tcpdump_pid" 2>/dev/null || true; fi
	if [ -n "$any_pid" ]; then kill -INT "$any_pid" 2>/dev/null || true; fi
	if [ ${#pids[@]} -gt 0 ]; then "$PEERS/stop.sh" "${pids[@]}" || true; fi
}
trap cleanup EXIT

pids+=("$(FTP_PEER_STATE=$work/vsftpd4 "$PEERS/start.sh" vsftpd 2171 "$work/root" 127.0.0.2)")
pids+=("$(FTP_PEER_STATE=$work/vsftpd6 FTP_PEER_LISTEN=::1 "$PEERS/start.sh" vsftpd 2172 "$work/root")")

# --immediate-mode: without it, packets still in the kernel's capture buffer
# when tcpdump is stopped can be lost.
tcpdump -i lo --immediate-mode -U -s 0 -w "$work/capture.pcap" \
	'tcp port 2171 or tcp portrange 31420-31439 or tcp port 2172 or tcp portrange 31440-31459' \
	2> "$work/tcpdump.err" &
tcpdump_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/tcpdump.err" && break; sleep 0.05; done
grep -q 'listening on' "$work/tcpdump.err" || { cat "$work/tcpdump.err" >&2; exit 1; }

c() { timeout 20 curl -s -S --max-time 10 -o /dev/null "$@" || echo "record.sh: curl $* failed (exit $?)" >&2; }
# PASV: vsftpd advertises 127.0.0.2; curl by default dials the control
# connection's address instead, so the transfer works. This session is also
# recorded on the "any" interface, whose link type is Linux cooked v2.
tcpdump -i any --immediate-mode -U -s 0 -w "$work/any.pcap" 'tcp port 2171 or tcp portrange 31420-31439' \
	2> "$work/tcpdump-any.err" &
any_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/tcpdump-any.err" && break; sleep 0.05; done
c --disable-epsv ftp://127.0.0.1:2171/hello.txt
sleep 0.5
kill -INT "$any_pid"
for _ in $(seq 100); do kill -0 "$any_pid" 2>/dev/null || break; sleep 0.05; done
any_pid=""
grep -q LINUX_SLL2 "$work/tcpdump-any.err" || { cat "$work/tcpdump-any.err" >&2; exit 1; }
cp "$work/any.pcap" "$out/vsftpd-curl-any.pcap"
# PASV, trusting the reply's address: curl dials 127.0.0.2 and is refused.
c --disable-epsv --no-ftp-skip-pasv-ip ftp://127.0.0.1:2171/hello.txt
# EPSV, curl's default.
c ftp://127.0.0.1:2171/hello.txt
# Active: EPRT, and PORT.
c -P 127.0.0.1:31430-31439 ftp://127.0.0.1:2171/hello.txt
c -P 127.0.0.1:31430-31439 --disable-eprt ftp://127.0.0.1:2171/hello.txt
# A raw client: a PORT naming a third host (the bounce), and one naming a
# privileged port; vsftpd refuses both.
timeout 20 python3 - <<'EOF'
import socket
s = socket.create_connection(("127.0.0.1", 2171), timeout=5)
f = s.makefile("rb")
def reply():
    l = f.readline()
    while l[3:4] == b"-":
        l = f.readline()
    return l
def cmd(c):
    s.sendall(c.encode() + b"\r\n")
    return reply()
reply()
cmd("USER anonymous"); cmd("PASS probe@example.com")
cmd("PORT 127,0,0,2,122,200")
cmd("PORT 127,0,0,1,0,80")
cmd("QUIT")
EOF
# IPv6: EPSV, and a raw PASV, which vsftpd answers with 0,0,0,0.
c 'ftp://[::1]:2172/hello.txt'
timeout 20 python3 - <<'EOF'
import re, socket
s = socket.create_connection(("::1", 2172), timeout=5)
f = s.makefile("rb")
def reply():
    l = f.readline()
    while l[3:4] == b"-":
        l = f.readline()
    return l
def cmd(c):
    s.sendall(c.encode() + b"\r\n")
    return reply()
reply()
cmd("USER anonymous"); cmd("PASS probe@example.com"); cmd("TYPE I")
r = cmd("PASV").decode()
n = [int(x) for x in re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", r).groups()]
d = socket.create_connection(("::1", n[4] * 256 + n[5]), timeout=5)
s.sendall(b"RETR hello.txt\r\n")
reply()
while d.recv(4096):
    pass
d.close()
reply()
cmd("QUIT")
EOF
sleep 0.5
kill -INT "$tcpdump_pid"
for _ in $(seq 100); do kill -0 "$tcpdump_pid" 2>/dev/null || break; sleep 0.05; done
tcpdump_pid=""
grep -E 'captured|dropped' "$work/tcpdump.err" >&2 || true
# Every session must be in the capture: the last one is the IPv6 raw client's.
n6=$(tcpdump -nn -r "$work/capture.pcap" 'ip6 and tcp port 2172' 2>/dev/null | wc -l)
[ "$n6" -gt 20 ] || { echo "record.sh: the capture lacks the IPv6 sessions ($n6 packets)" >&2; exit 1; }
cp "$work/capture.pcap" "$out/vsftpd-curl.pcap"
# The IPv4 control packets that carry commands and replies, as tcpdump -A shows them.
tcpdump -A -nn -r "$out/vsftpd-curl.pcap" 'tcp port 2171 and tcp[tcpflags] & tcp-push != 0' \
	> "$out/vsftpd-curl.tcpdump-A.txt" 2>/dev/null
cat "$work/vsftpd4/vsftpd.log" "$work/vsftpd6/vsftpd.log" > "$out/vsftpd.log"
# curl -v of a passive and an active transfer.
{
	timeout 20 curl -v -s --max-time 10 -o /dev/null --disable-epsv ftp://127.0.0.1:2171/hello.txt 2>&1 || true
	timeout 20 curl -v -s --max-time 10 -o /dev/null -P 127.0.0.1:31430-31439 --disable-eprt ftp://127.0.0.1:2171/hello.txt 2>&1 || true
	timeout 20 curl -v -s --max-time 10 -o /dev/null -P 127.0.0.1:31430-31439 ftp://127.0.0.1:2171/hello.txt 2>&1 || true
} > "$out/curl-v.txt"
"$PEERS/stop.sh" "${pids[@]}"
pids=()

# ProFTPD: curl, then a raw client with a bounce and a malformed PORT.
pids+=("$(FTP_PEER_STATE=$work/proftpd "$PEERS/start.sh" proftpd 2173 "$work/root" 127.0.0.2)")
c --disable-epsv ftp://127.0.0.1:2173/hello.txt
c ftp://127.0.0.1:2173/hello.txt
c -P 127.0.0.1:31470-31479 ftp://127.0.0.1:2173/hello.txt
c -P 127.0.0.1:31470-31479 --disable-eprt ftp://127.0.0.1:2173/hello.txt
timeout 20 python3 - <<'EOF'
import socket
s = socket.create_connection(("127.0.0.1", 2173), timeout=5)
f = s.makefile("rb")
def reply():
    l = f.readline()
    while l[3:4] == b"-":
        l = f.readline()
    return l
def cmd(c):
    s.sendall(c.encode() + b"\r\n")
    return reply()
reply()
cmd("USER anonymous"); cmd("PASS probe@example.com")
cmd("PORT 127,0,0,2,122,200")
cmd("PORT 127,0,0,1,300,1")
cmd("EPRT |1|127.0.0.1|70000|")
cmd("LPRT 4,4,127,0,0,1,2,122,200")
cmd("QUIT")
EOF
sleep 0.5
cp "$work/proftpd/commands.log" "$out/proftpd.log"
"$PEERS/stop.sh" "${pids[@]}"
pids=()
rm -rf "$work"
echo "record.sh: wrote vsftpd-curl.pcap ($(stat -c %s "$out/vsftpd-curl.pcap") bytes), vsftpd-curl-any.pcap, vsftpd-curl.tcpdump-A.txt, vsftpd.log, proftpd.log, curl-v.txt to $out"

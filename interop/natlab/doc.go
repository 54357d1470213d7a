// Package natlab tests FTP through a real NAT: it builds routers out of
// Linux network namespaces, veth pairs and nftables, with the kernel's FTP
// conntrack and NAT helper on or off, and runs real FTP clients through them
// against real FTP servers, and examples/natproxy as the userspace
// alternative to the helper. It holds tests only, for Linux, run as root.
//
// Each setup is three namespaces (a client, a router and a server) joined by
// two veth pairs; the router's legs are "in" (the private side) and "out"
// (the public side). The topologies:
//
//	T1     the client behind masquerade: 10.99.1.2 -- router -- 198.18.0.2
//	T2     the server behind DNAT of 21 and its passive range 30000-30019:
//	       198.18.0.2 -- router 198.18.0.1 -- 10.99.2.2
//	T2n    as T2, only 21 forwarded
//	T2p    as T2, the server announces the public address 198.18.0.1 in
//	       its 227 replies (vsftpd's pasv_address)
//	T2pn   as T2p, only 21 forwarded
//	T1-v6  the client behind NAT66 masquerade: fd00:99:1::2 -- router --
//	       fd00:18::2 (the server also has 198.18.0.2)
//
// The router is a firewall: its forward chain accepts established and related
// traffic and the connections the topology means to let through (T1: new
// connections from inside; T2: new connections to the forwarded ports), and
// drops the rest, recording each dropped connection in an nftables set. New
// connections that end on the router itself are recorded in another set, and
// the kernel helper's expectations are read from the router's
// nf_conntrack_expect while a client runs: a failing cell is explained by what
// the router saw, not only by the client's exit status. Each topology runs
// with the kernel helper on (nftables "ct helper" of type "ftp" on port 21)
// and off, and with natproxy on the router and the helper off: in T1 it
// listens on the router's inside address, in the T2 topologies on the public
// address, with no DNAT. In T1-v6 natproxy relays IPv6 clients to the
// server's IPv4 address.
//
// natproxy runs in two rows of each topology: relaying the data connections
// itself ("natproxy"), and with -data-path kernel ("natproxy-kernel"), where
// it adds a one-shot nftables mapping for each data connection and the
// router's kernel NATs and forwards it. For those rows the router's forward
// chain has one rule more, which accepts new connections that a DNAT made
// whose original destination is in natproxy's port range ("meta l4proto tcp
// ct state new ct status dnat ct original proto-dst 40000-40099 accept"),
// and records each. A kernel cell works only if natproxy's log says that the
// kernel carried the session's data connection and the router's forward
// chain forwarded a connection of a mapping; in T1-v6, where no mapping can
// translate between the IPv6 client and the IPv4 server, natproxy must say
// that it relays the data connection instead, and the router must forward
// none. TestKernelMappingOneShot checks in T2 that a mapping takes only the
// client's first connection: connections from other hosts, and the client's
// second connection, are turned away by natproxy and never reach the server.
//
// The clients are curl (EPSV, PASV dialing the 227's address, PASV dialing
// the control connection's address, EPRT, PORT), lftp, Python's ftplib
// (passive and active) and examples/client (passive and active); the servers
// vsftpd and examples/server. Every cell is asserted: to work, or to fail
// the expected way with the router's evidence of why (the kernel helper's
// known limits among them).
//
// In every setup the lab also runs "hostport probe -json -trust-reply" from
// the client's namespace (cmd/hostport, built once per run) and asserts
// that its verdict on each mode equals that of the curl column doing the
// same in that setup: EPSV and curl's EPSV, PASV (dialling the 227's
// address) and curl's pasv-trust, PASV-control and curl's pasv-skip, EPRT
// and PORT and curl's active columns (over IPv6, where curl sends EPSV and
// EPRT instead of PASV and PORT, the probe's EPSV and EPRT). For each mode
// that fails, the probe's fix line must name a fix that makes the same cell
// work in another setup of the lab: the FTP helper (helper-on), natproxy,
// pasv_address (T2 to T2p, T2n to T2pn) or forwarding the passive range
// (T2n to T2, T2pn to T2p). Where the probe falls short of that, the cell
// is a known disagreement, written down with its reason in the test and
// marked "*" in the matrix; there are none at present. README.md holds the matrix as the lab prints
// it; the lab fails if they differ.
//
// Everything the lab creates is named hpnl-*: stale namespaces of an earlier
// run are removed at the start. Traffic stays inside the lab's namespaces, on
// 198.18.0.0/15, 10.99.0.0/16 and fd00::/8; the root namespace's routes and
// firewall are never touched.
//
// Without root, iproute2, nftables, tcpdump, the peers of
// interop/peers/install.sh or network namespaces, the tests skip with the
// reason; HOSTPORT_NATLAB=require makes that a failure.
// interop/natlab/install.sh installs the tools with apt on Debian 12.
// HOSTPORT_NATLAB_MATRIX=FILE writes the matrix to FILE;
// HOSTPORT_NATLAB_CAPTURES=DIR keeps the router's packet captures of every
// failing cell (inside and outside interface) in DIR;
// HOSTPORT_NATLAB_BENCH=1 runs TestDataPathSpeed, which downloads a 256 MB
// file through the kernel's NAT, through natproxy's relay and through
// natproxy's kernel data path, and prints the rates;
// HOSTPORT_NATLAB_UPDATE_README=1 writes the measured matrix into
// README.md instead of comparing it; HOSTPORT_NATLAB_PROBE=PATH runs that
// hostport binary instead of building cmd/hostport. One run of the lab at
// a time: a second waits for the first (a lock on
// /run/lock/hostport-natlab.lock), since it would remove the first one's
// namespaces as stale.
//
//	sudo interop/peers/install.sh && sudo interop/natlab/install.sh
//	sudo HOSTPORT_NATLAB=require go test -v ./interop/natlab/
package natlab

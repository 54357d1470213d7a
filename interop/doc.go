// Package interop tests package hostport and the programs in examples/
// against real FTP software that this project did not write, over real
// sockets on loopback (127.0.0.1, 127.0.0.2 and ::1, nothing else).
// It holds tests only, for Linux: they read /proc and use 127.0.0.2, which is
// loopback there without any setup.
//
// The suite has four parts, each a test:
//
//   - TestRealServers: vsftpd, ProFTPD, Pure-FTPd and pyftpdlib, on IPv4
//     and IPv6, each also with the masquerade address 127.0.0.2 in its 227
//     replies. The library's parsers read their real 227 and 229 replies,
//     the port they give must accept the data connection, and
//     examples/client downloads a file through PASV, EPSV, PORT and EPRT.
//   - TestRealClients: curl, wget, lftp, tnftp and Python's ftplib download
//     from examples/server in passive and active mode, IPv4 and IPv6, and
//     get the file byte for byte.
//   - TestRefusals: bounce and privileged-port attempts, made by curl and
//     ftplib, refused by examples/server with the right reply code.
//   - TestNatproxy: curl through examples/natproxy to vsftpd in all four
//     modes, and an IPv6 curl through the proxy to an IPv4-only vsftpd.
//
// At the end the suite prints a matrix, peer by mode and family, of ok,
// FAIL and skip; pairs that cannot work are asserted to fail the expected
// way and listed with the reason under the matrix.
//
// The peers are installed on Debian 12, as root, by interop/peers/install.sh
// (the servers are unpacked from their packages into /opt/hostport-peers, or
// $HOSTPORT_PEERS). A test whose peer is missing is skipped with a message
// that says so, unless HOSTPORT_INTEROP=require, which makes it fail: CI sets
// it. HOSTPORT_INTEROP_MATRIX=FILE also writes the matrix to FILE. The
// servers run as root (they chroot and switch to the 'ftp' account);
// Pure-FTPd also needs a private mount namespace (unshare --mount). The
// suite builds the example programs with the go command and takes a few
// seconds; unless -parallel is given, it runs 8 tests at a time, since they
// mostly wait on other processes.
//
//	sudo interop/peers/install.sh
//	HOSTPORT_INTEROP=require go test -v -run . ./interop/
package interop

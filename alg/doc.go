// Package alg finds and rewrites the data-connection addresses in a live FTP
// control connection, for proxies and NAT helpers (application-level
// gateways): the PORT, EPRT and LPRT commands a client sends and the 227, 229
// and 228 replies a server sends to its PASV, EPSV and LPSV.
//
// A [Session] sits between a client and a server: [Session.CopyCommands]
// copies the client's stream to the server and [Session.CopyReplies] the
// server's to the client, each in its own goroutine, and [Relay] runs both
// over two net.Conns. For each data-setup line the session calls a [Hook]
// with an [Event] (the direction, the [hostport.Form] and the parsed address) and
// writes the [Rewrite] the hook returns in place of the address, or refuses
// the line if the hook returns an error:
//
//	cfg := alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
//		if ev.Dir == alg.ClientToServer {
//			if err := (hostport.ActivePolicy{}).Check(clientAddr, ev.Addr); err != nil {
//				return alg.Rewrite{}, err // the client gets 500 or 504
//			}
//		}
//		return alg.Rewrite{Addr: netip.AddrPortFrom(public, ev.Addr.Port())}, nil
//	}}
//	err := alg.Relay(ctx, client, server, cfg)
//
// The attacks that careless gateways let through — the 2017 FTP injection
// through Java and Python URL fetchers, NAT Slipstreaming, CVE-2008-4247's
// split long commands, Telnet bytes inside a verb — each rely on the gateway
// seeing a line where the server sees another, or none. The rules below close
// those gaps, and the tests feed the session the lines of those attacks.
//
// # Framing
//
// Each direction is cut into lines in memory bounded by the
// line cap (Config.MaxLine, [DefaultMaxLine] by default). Only CRLF ends a
// line: a bare LF or CR is part of the line it is in, as is NUL, and such a
// line is never recognised or rewritten. A line longer than the cap is handled
// whole, never cut into lines: a command line is refused (the client gets
// 500 and the server nothing), a reply line is replaced by one that says so,
// keeping its code (or passed on uninspected with Config.PassBadReplies).
// Lines are never merged or split, and the output does not depend on how the
// bytes arrive: "PO" in one read and "RT 10,0,0,5,4,1\r\n" in the next is a
// PORT command, as the server will see it.
//
// # Recognition
//
// A command is recognised only at the start of a line from the client. Its
// verb is read as the most lenient of the servers that the tests model
// (vsftpd, ProFTPD, Pure-FTPd, pyftpdlib and GNU inetutils ftpd) reads it,
// so that no line that one of them takes for a data-setup command passes as
// an ordinary one: blanks (space, tab, VT, FF) before the verb are skipped,
// the verb ends at any of them (ProFTPD reads "PORT\v…" as PORT), it is read
// in any case, and the non-ASCII letters that Python upper-cases to ASCII
// are folded (pyftpdlib reads "PAſV" as PASV). A passive or AUTH command in
// such an odd shape reaches the server in the one form that every server
// reads ("PASV\v" becomes "PASV"); a PORT, EPRT or LPRT is regenerated
// whole as ever if one space follows its verb, and refused with 501 by the
// parsers otherwise ("PORT\v…"). Other bytes
// after a verb make an unknown verb for every server ("PORT,1,2,3,4,5,6")
// and such lines pass.
//
// A reply is recognised only at the start of a line from the server, after
// any Telnet commands, and only a final line ("227 ", not "227-", nor a line
// inside a multi-line reply) answers a command. The session keeps the
// commands sent in a queue and matches each final reply (not the 1xx
// preliminary ones) to the oldest, so a 227 is rewritten only if it answers a
// PASV (or vsftpd's alias P@SW), a 229 an EPSV and a 228 an LPSV. Clients
// that pipeline commands are followed, and the replies to the commands the
// session refuses are sent in their turn, so that a pipelining client sees
// its replies in order.
//
// No reply text that a client could read as a data address reaches the
// client unless the session rewrote it. Clients differ in what they take for
// a reply: curl ends a reply at any line that starts with a code and a
// space, ftplib takes the first address anywhere in a 227 reply, tnftp skips
// Telnet commands before the code. So a line whose code, read as leniently as
// any client reads it — after Telnet commands and any bytes that are neither
// letters nor digits: " 227 (", "\xff\xf1227 (", "227(" — is 227, 228 or 229
// is replaced by a line that carries no address, unless it is the final line
// that answers the passive command sent; so is every line of a multi-line
// 227, 228 or 229 reply but that final one. The replacement keeps the line's
// place: a first line stays a first line ("227-Reply refused by the proxy:
// …"), a text line a text line, a final line a final line, so that no client
// is left waiting for the end of a reply. Config.OnRefuse is given
// [ErrStrayAddress].
//
// Commands are read as ProFTPD's Telnet layer reads them (RFC 854): IAC IAC
// is one 0xFF byte, and IAC WILL, WONT, DO or DONT with their option and
// IAC IP and IAC DM are dropped, so "PO\xff\xfb\x01RT" is a PORT command and
// "\xff\xf4\xff\xf2PORT" too. Any other Telnet sequence (IAC SB, IAC NOP, an
// IAC at the end of the line) is refused, since servers disagree on it. The
// data-setup commands so found are regenerated without the Telnet bytes;
// every other command is passed on byte for byte, Telnet bytes included.
//
// A session that does not start as FTP — the client's first line is not a
// known FTP command, as when a browser is made to POST to port 21, or the
// server's first line is not a reply — is stopped ([ErrNotFTP]), or passed
// on raw and uninspected with Config.PassNonFTP. After a 234 reply to AUTH
// (TLS or SSL) the session stops inspecting and copies both directions raw:
// the bytes are TLS records and no address in them can be seen, so no
// data-setup line is rewritten and no hook is called. After EPSV ALL, the
// session refuses PORT, EPRT, LPRT, PASV and LPSV itself (RFC 2428 §4), for
// the rest of the session (REIN does not lift it).
//
// # Rewriting
//
// The addresses are read with the parsers of package hostport, and a line
// they refuse is refused: a command gets 501 (522 for an unknown EPRT
// protocol, 521 for an unknown LPRT family) and a reply becomes 425. A
// command is always written whole in canonical form ("port
// 010,0,0,5,4,1" becomes "PORT 10,0,0,5,4,1"), never with the bytes the
// client chose. In a reply of the form received, only the address is
// replaced — the six numbers of a 227, the long list of a 228, the port of a
// 229 — and the rest of the text is kept, so that "227 Entering Passive Mode
// (10,0,0,9,195,80)." becomes "227 Entering Passive Mode (192,0,2,1,195,80).";
// the span is the one the parser read, which it has checked is the only list
// (or "(|||port|)") in the line. A hook that returns the zero [Rewrite] keeps
// every address, so canonical lines come out byte for byte as they went in.
//
// The hook can change the form, which translates between address families
// in the manner of RFC 6384: an EPRT |2| from an IPv6 client becomes a PORT
// or EPRT |1| for an IPv4 server, and with Config.PassiveAs the client's
// EPSV is sent as PASV and the server's 227 reaches the client as a 229. A
// reply is written in the form the client asked for unless the hook says
// otherwise; a 227 is never written with an IPv6 address, nor with
// 0,0,0,0 in its place: the line is refused instead.
//
// # Refusals
//
// A refused command is not forwarded; the session answers it with a 5xx
// reply: 500 for a bad line (bare CR, LF or NUL, too long, Telnet, empty),
// 501 after EPSV ALL or for an argument that does not parse, and for a hook's
// veto the code of its error ([Veto], [hostport.ReplyCode]), 500 by default.
// The text is a short protocol reason ("500 PORT refused: address is not the
// client's." for an error of [hostport.ActivePolicy.Check], or the Veto's
// text), never the error's own text, which is for the log.
// A refused reply becomes a 425 reply, or the code of the hook's error.
// Config.OnRefuse is told of each refusal with its reason, so that a proxy
// can log the address and the decision.
//
// # Limits
//
// The session terminates neither TCP nor TLS: it copies a byte stream, so a
// rewrite that changes a line's length needs no sequence-number adjustment,
// as a packet-level ALG such as Linux's nf_nat_ftp does. It cannot inspect an
// encrypted control connection, and it opens no data connection itself: that
// is the hook's business, as in the natproxy example. It does not retry
// a refused EPSV with PASV as RFC 6384 allows; Config.PassiveAs translates
// every passive command instead.
//
// The session holds no more than one line per direction: a multi-line reply
// of any length, or an endless line, is handled a line or a piece at a time.
// Each direction holds about three buffers of the line cap (four for
// commands). Passing lines through allocates nothing, nor does rewriting
// one (beyond what the hook does), and passing a control stream through
// costs about twice what bufio.Scanner takes to split it into lines
// (BenchmarkPassThrough).
package alg

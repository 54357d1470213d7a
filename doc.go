// Package hostport encodes and decodes FTP data-connection addresses: the
// host-port numbers of PORT commands and 227 replies, the extended forms of
// EPRT commands and 229 replies, and the long forms of LPRT commands and 228
// replies. FTP clients, servers, proxies and NAT helpers use it to read the
// address the other side sends, to write their own, and to judge whether an
// address is safe to use.
//
// # The six-number form
//
// [RFC 959] writes an IPv4 address and a port as six decimal numbers 0–255
// separated by commas, h1,h2,h3,h4,p1,p2, where the port is p1*256+p2.
// [HostPort] holds them in wire order, so any [6]byte is a valid value;
// [Parse] reads the bare form and [HostPort.String] writes it:
//
//	10,2,0,2,4,31	is 10.2.0.2 port 1055
//
// # Passive and active mode (RFC 959)
//
// A client sends PORT to name the address the server should connect to
// ([ParsePORT], [FormatPORT]); a server answers PASV with a 227 reply naming
// the address the client should connect to ([ParsePASV], [FormatPASV]):
//
//	PORT 10,2,0,2,4,31
//	227 Entering Passive Mode (192,0,2,1,4,1).
//
// The text of a 227 reply is not fixed, so, as [RFC 1123] requires,
// [ParsePASV] scans it for the list of numbers instead of matching a pattern.
//
// # Extended commands (RFC 2428)
//
// [RFC 2428]'s EPRT carries IPv4 and IPv6 addresses in their usual text forms, between
// delimiters that are normally '|' ([ParseEPRT], [FormatEPRT]); the 229 reply
// to EPSV carries only a port, since the client connects to the address it
// already uses ([ParseEPSV], [FormatEPSV]):
//
//	EPRT |1|132.235.1.2|6275|
//	EPRT |2|1080::8:800:200C:417A|5282|
//	229 Entering Extended Passive Mode (|||6446|)
//
// # Long forms (RFC 1639)
//
// [RFC 1639]'s LPRT and the 228 reply to LPSV write the address family, the address length,
// the address bytes, the port length and the port bytes, all as numbers 0–255
// ([ParseLPRT], [FormatLPRT], [ParseLPSV], [FormatLPSV]):
//
//	LPRT 4,4,192,0,2,1,2,4,31
//	228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)
//
// # Any line
//
// A proxy, a trace reader or a server that takes whatever comes reads a line
// of any of the six forms with [ParseLine], which tells the [Form] by the
// verb or reply code and reads the line by that form's rules:
//
//	form, ap, err := hostport.ParseLine("EPRT |1|132.235.1.2|6275|") // FormEPRT, 132.235.1.2:6275
//
// # Reading and writing
//
// The Format functions write one canonical form, without line ending, and
// each has an Append form that appends to a buffer without allocating. The
// Parse functions take one line as read from the wire: a single final "\r\n"
// or "\n" is ignored, and any other CR, LF or NUL is an error, never a place
// to cut the line. They are strict except where the protocol demands
// leniency (the text of 227 and 228 replies), and never accept a number out
// of range, a missing or extra field, or anything else they would have to
// guess at. Whatever a Format function writes, its Parse function reads back
// to the same value. The parsers keep nothing of their input once they
// return (a [*ParseError] holds a copy), so a caller may parse a string that
// shares memory with a reused buffer.
//
// The parsers read syntax only: they return the address a line names even if
// it is 0.0.0.0, port 0 or a third party's. The policy helpers decide whether
// to use it, as [RFC 2577] advises.
//
// # Security policy
//
// An address read from the other side of a control connection is a request,
// not an instruction: a PORT naming a third host is the FTP bounce attack,
// a 227 naming another host redirects the client (curl CVE-2020-8284), and a
// data connection from a stranger steals the transfer. Each role needs its
// own checks, each of which returns nil or a [*PolicyError]:
//
//	role    what it reads        check before using it              refusal
//	client  227, 228 reply       PassivePolicy.Target               do not dial; try EPSV
//	client  229 reply            none: it names only a port         (dial the control host)
//	server  PORT, EPRT, LPRT     ActivePolicy.Check                 reply ReplyCode: 500, 501, 504
//	server  passive data peer    CheckDataPeer                      close it; 425 if none comes
//	proxy   both directions      the server's checks on the client  the proxy's own 425 or 5xx
//	                             and the client's on the server
//
// [ActivePolicy]'s zero value allows only the client's own address and ports
// from 1024; [PassivePolicy]'s zero value dials the control connection's
// address with the reply's port, as curl, lftp and Python's ftplib do by
// default. [ReplyCode] and [PolicyError.ReplyCode] give the reply a server
// sends for a refused command.
//
// # Listening for data connections
//
// A server, or a client in active mode, opens its data listener with
// [ListenPassive], on a random free port of a [PortRange] (the range a
// firewall forwards, read from a flag with [ParsePortRange]), and checks the
// peer of the connection it accepts with [CheckDataPeer]. It is the one
// function of the package that does I/O; everything else reads and writes
// text and judges addresses.
//
// # Errors
//
// Every parser returns a [*ParseError] on failure, which names the function,
// quotes the input and gives the byte offset of the fault and the reason:
//
//	hostport.ParsePORT: parsing "PORT 10,2,0,2,4,310": p2 310 out of range [0,255] at offset 16
//
// The reason wraps one of [ErrSyntax], [ErrRange] and [ErrFamily], so that
// errors.Is can tell a malformed line from a number out of range and from an
// address family the peer does not support (for the 521 and 522 replies,
// which [ReplyCode] gives).
//
// [RFC 959]: https://www.rfc-editor.org/rfc/rfc959
// [RFC 1123]: https://www.rfc-editor.org/rfc/rfc1123#section-4.1.2.6
// [RFC 1639]: https://www.rfc-editor.org/rfc/rfc1639
// [RFC 2428]: https://www.rfc-editor.org/rfc/rfc2428
// [RFC 2577]: https://www.rfc-editor.org/rfc/rfc2577
package hostport

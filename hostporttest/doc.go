// Package hostporttest provides [rapid] generators of FTP data-connection
// addresses and of the control-connection lines that carry them, for the
// tests of FTP clients, servers, proxies and NAT helpers.
//
// It imports pgregory.net/rapid and is meant to be imported from _test.go
// files only.
//
// # Addresses
//
// [Port], [HostPort], [AddrPort4], [AddrPort6] and [AddrPort] draw ports and
// addresses with extra weight on the values where readers and writers go
// wrong: ports 0, 1023, 1024 and 65535, bytes 0, 9, 10, 99, 100, 255, and
// IPv6 addresses with runs of zeros, IPv4-mapped and IPv4-compatible ones.
//
// # Valid lines
//
// [ValidLine] and the per-form generators [PORTCommand], [PASVReply],
// [EPRTCommand], [EPSVReply], [LPRTCommand] and [LPSVReply] draw a [Line]:
// a line as real peers send it, together with the address it names. The
// replies copy the styles of real servers (see the documentation of each
// generator), such as
//
//	227 Entering Passive Mode (192,0,2,1,4,31).     vsftpd, ProFTPD
//	227 Entering Passive Mode (192,0,2,1,4,31)      Pure-FTPd, GNU ftpd
//	227 Entering passive mode (192,0,2,1,4,31).     pyftpdlib
//	227 Entering Passive Mode 192,0,2,1,4,31        no parentheses
//	227 =192,0,2,1,4,31
//	229 Extended Passive mode OK (|||1055|)         Pure-FTPd
//
// and vary what the protocol leaves open: the case of verbs, leading zeros in
// numbers, the EPRT and 229 delimiter, the spelling of IPv6 addresses, the
// reply text, a "227-" first line of a multi-line reply, a reply without its
// code (as net/textproto returns the text), a command without its verb (as a
// server passes the argument), and a line ending of "\r\n", "\n" or none.
//
// # Hostile lines
//
// [HostileLine] draws lines that a reader must reject, each with the class
// of the reason in [Line.Err]: [hostport.ErrSyntax], [hostport.ErrRange] or
// [hostport.ErrFamily]. They are valid lines with one fault put in: a number
// out of range (256, 300, 65536, runs of dozens of digits), a field missing,
// empty or added, a sign or a space, a CR, LF or NUL inside the line, the
// line cut short, a wrong verb or reply code, mixed EPRT delimiters, an
// unknown EPRT net-prt or LPRT af, two lists in one 227 reply or two ports in
// one 229 reply; and some lines that real peers send. A fault is only put
// where it makes the line invalid under the reading rules of package
// hostport, whatever the rest of the line is: a digit inserted into a
// number, for example, could give another valid number, so that is never
// done, and neither is a space inside the first or last number of a 227
// reply, where the rest of the text may still hold a valid list.
//
// In short, those rules are: one line, with at most one final "\r\n" or
// "\n"; numbers are ASCII digits, leading zeros are decimal, and a number
// above its field's maximum is a range error however many digits it has; a
// reply starting with a three-digit code and a space or '-' must have the
// right code; the address of a 227 or 228 reply is the first comma-separated
// list of numbers in its text, which must stand on its own and be the only
// one; a command is the verb in any case, one space and the argument, or the
// argument alone, with nothing after it; a 229 reply has one
// (|||tcp-port|); an EPRT net-prt other than 1 or 2, and an LPRT af other
// than 4 or 6, is a family error.
//
// # Use
//
// A test draws lines inside a rapid property and compares what the code
// under test reads with [Line.Want] or [Line.Err]:
//
//	func TestReadPASV(t *testing.T) {
//		rapid.Check(t, func(t *rapid.T) {
//			line := hostporttest.PASVReply().Draw(t, "line")
//			got, err := client.ReadPASV(line.Text) // the code under test
//			if err != nil || got != line.Want {
//				t.Fatalf("%q: got %v, %v; want %v", line.Text, got, err, line.Want)
//			}
//		})
//	}
//
// [rapid]: https://pkg.go.dev/pgregory.net/rapid
package hostporttest

package alg

import (
	"errors"
	"net/netip"
	"strconv"

	"github.com/ftpkit/hostport"
)

// Dir is the direction of a line on the control connection.
type Dir uint8

// The two directions.
const (
	// ClientToServer carries commands.
	ClientToServer Dir = iota + 1
	// ServerToClient carries replies.
	ServerToClient
)

// String returns "client->server" or "server->client".
func (d Dir) String() string {
	switch d {
	case ClientToServer:
		return "client->server"
	case ServerToClient:
		return "server->client"
	}
	return "Dir(" + strconv.Itoa(int(d)) + ")"
}

// Form is one of the six forms of line that carry a data-connection address:
// three commands, sent by the client, and the three replies to the passive
// commands, sent by the server. A reply form is named after the command it
// answers.
type Form uint8

// The six forms.
const (
	// PORT is the command "PORT h1,h2,h3,h4,p1,p2" (RFC 959): IPv4 only.
	PORT Form = iota + 1
	// EPRT is the command "EPRT |1|192.0.2.1|1055|" (RFC 2428): IPv4 or IPv6.
	EPRT
	// LPRT is the command "LPRT 4,4,192,0,2,1,2,4,31" (RFC 1639): IPv4 or IPv6.
	LPRT
	// PASV is the 227 reply to PASV, "227 Entering Passive Mode
	// (192,0,2,1,4,31).": IPv4 only.
	PASV
	// EPSV is the 229 reply to EPSV, "229 Entering Extended Passive Mode
	// (|||1055|)": a port only; the client connects to the address it reaches
	// the server at.
	EPSV
	// LPSV is the 228 reply to LPSV, "228 Entering Long Passive Mode
	// (4,4,192,0,2,1,2,4,31)": IPv4 or IPv6.
	LPSV
)

// String returns the verb of the form: "PORT", "EPRT", "LPRT", "PASV",
// "EPSV" or "LPSV".
func (f Form) String() string {
	switch f {
	case PORT:
		return "PORT"
	case EPRT:
		return "EPRT"
	case LPRT:
		return "LPRT"
	case PASV:
		return "PASV"
	case EPSV:
		return "EPSV"
	case LPSV:
		return "LPSV"
	}
	return "Form(" + strconv.Itoa(int(f)) + ")"
}

// IsCommand reports whether f is one of the commands PORT, EPRT and LPRT.
func (f Form) IsCommand() bool { return f == PORT || f == EPRT || f == LPRT }

// IsReply reports whether f is one of the replies PASV, EPSV and LPSV.
func (f Form) IsReply() bool { return f == PASV || f == EPSV || f == LPSV }

// Code returns the reply code of a reply form (227, 229 or 228) and 0 for the
// other forms.
func (f Form) Code() int {
	switch f {
	case PASV:
		return 227
	case EPSV:
		return 229
	case LPSV:
		return 228
	}
	return 0
}

// Carries reports whether a line of form f can carry the address a: PORT and
// PASV carry IPv4 addresses (IPv4-mapped ones are written as IPv4), EPRT,
// LPRT and LPSV any valid address, and EPSV only a port, so any address,
// even the invalid one.
func (f Form) Carries(a netip.Addr) bool {
	switch f {
	case PORT, PASV:
		return a.Unmap().Is4()
	case EPRT, LPRT, LPSV:
		return a.IsValid()
	case EPSV:
		return true
	}
	return false
}

// An Event describes a data-setup line that a [Session] found, for its
// [Hook].
type Event struct {
	// Dir is ClientToServer for the commands PORT, EPRT and LPRT, and
	// ServerToClient for the replies.
	Dir Dir
	// Form is the form of the line.
	Form Form
	// Asked is the form the client asked for: Form for a command and, for a
	// reply, the passive command the client sent, which differs from Form
	// when Config.PassiveAs sent the server another one. The reply that
	// reaches the client is in this form unless the hook chooses another.
	Asked Form
	// Addr is the address and port the line names. For a 229 reply, which
	// carries only a port, the address is Config.ServerAddr, the server's
	// address on the control connection, or the zero netip.Addr if that is
	// not known.
	Addr netip.AddrPort
	// Line is the line as received, with its CRLF. It is valid only during
	// the call of the hook.
	Line []byte
}

// A Rewrite is what a [Hook] puts in place of the address of a line.
type Rewrite struct {
	// Addr is the address to write. The zero AddrPort keeps the address of
	// the event, as the line wrote it. An IPv4-mapped IPv6 address given
	// here is written as IPv4.
	Addr netip.AddrPort
	// Form is the form to write: for a command one of PORT, EPRT and LPRT,
	// for a reply one of PASV, EPSV and LPSV. Zero means, for a command, the
	// form received if it can carry the address and EPRT otherwise (the
	// server is the one to judge), and for a reply the form the client
	// asked for (Event.Asked), the only one it expects. A form of the other
	// direction, or one that cannot carry the address, vetoes the line: a
	// PASV (227) reply is never written for an IPv6 address, nor with
	// 0,0,0,0 in its place.
	Form Form
}

// A Hook decides what happens to a data-setup line: it returns the address
// to put in the line's place, or an error to veto the line. A vetoed command
// is not forwarded: the client gets a reply with the code of the error (see
// [Veto]), 500 by default. A vetoed reply is replaced by one with that code,
// 425 by default.
//
// A Session calls its hook from the goroutine that copies the direction of
// the line, so the hooks for commands and for replies may run at the same
// time. While a hook runs, its direction does not move.
type Hook func(ev Event) (Rewrite, error)

// A Veto is an error that a [Hook] returns to refuse a line with a reply of
// its choosing. Hooks may also return any error that has a method
// ReplyCode() int, or for a command an error of
// [hostport.ActivePolicy.Check], which gets the code [hostport.ReplyCode]
// gives it (504 for a privileged port, 500 for a foreign address); other
// errors get the default code.
type Veto struct {
	// Code is the reply code: 400–599. For a command, 500–599 fit best
	// (500, 501, 504 as RFC 2577 suggests for a privileged port, 522 for an
	// unsupported network protocol); for a reply, 4xx (425 "Can't open data
	// connection"). Other values are replaced by the default.
	Code int
	// Text is the text of the reply, on one line; CR, LF and NUL are
	// written as spaces and it is cut at 200 bytes. Empty means a default
	// text.
	Text string
	// Err is the reason, if any, for errors.Is and errors.As.
	Err error
}

// Error returns the reply, "500 Illegal PORT command.", followed by ": " and
// the reason if there is one.
func (v *Veto) Error() string {
	s := strconv.Itoa(v.Code) + " " + v.Text
	if v.Err != nil {
		s += ": " + v.Err.Error()
	}
	return s
}

// Unwrap returns v.Err.
func (v *Veto) Unwrap() error { return v.Err }

// ReplyCode returns v.Code.
func (v *Veto) ReplyCode() int { return v.Code }

// Errors that a Session gives to Config.OnRefuse as the reason a line was
// refused, and that its copy methods return.
var (
	// ErrNotFTP: the session did not start as FTP: the client's first line
	// is not a known FTP command, or the server's first line is not a reply.
	// NAT Slipstreaming works so: a browser is made to send an HTTP request
	// whose body holds a "PORT" line at the start of a TCP segment.
	ErrNotFTP = errors.New("alg: not an FTP control connection")
	// ErrLineTooLong: the line is longer than the cap.
	ErrLineTooLong = errors.New("alg: line too long")
	// ErrBadLine: the line holds a bare CR, a bare LF or NUL, or the stream
	// ended in the middle of it.
	ErrBadLine = errors.New("alg: bare CR, bare LF or NUL in line")
	// ErrTelnet: the command holds a Telnet command other than IAC IAC, the
	// option negotiations (IAC WILL, WONT, DO, DONT and an option) and
	// IAC IP and IAC DM, which FTP clients send before ABOR.
	ErrTelnet = errors.New("alg: unsupported Telnet command in line")
	// ErrStrayAddress: a reply line that a client could read as a 227, 228
	// or 229 reply, or a line of such a multi-line reply, that is not the
	// final line answering the passive command sent: the session replaces
	// it rather than let an address it did not check reach the client.
	ErrStrayAddress = errors.New("alg: data address in a reply that answers no passive command")
	// ErrEmptyCommand: the command line is empty.
	ErrEmptyCommand = errors.New("alg: empty command line")
	// ErrEPSVAll: a data-setup command other than EPSV after EPSV ALL
	// (RFC 2428 §4).
	ErrEPSVAll = errors.New("alg: data-setup command after EPSV ALL")
	// ErrClosed: the session was closed while a copy method waited.
	ErrClosed = errors.New("alg: session closed")
)

// replyCoder is implemented by errors that choose the code of the reply that
// a veto sends, such as *Veto.
type replyCoder interface{ ReplyCode() int }

// vetoCode returns the code for the veto err: the one it carries, if it has
// one in the range lo–599; for a command (def 500), the one hostport.ReplyCode
// gives an error of hostport.ActivePolicy.Check; otherwise def.
func vetoCode(err error, def, lo int) int {
	var rc replyCoder
	if errors.As(err, &rc) {
		if c := rc.ReplyCode(); c >= lo && c <= 599 {
			return c
		}
	}
	if def == 500 && (errors.Is(err, hostport.ErrForeignAddress) ||
		errors.Is(err, hostport.ErrPrivilegedPort) || errors.Is(err, hostport.ErrUnusableAddress)) {
		return hostport.ReplyCode(err)
	}
	return def
}

// vetoText returns the text of a *Veto in err, or def.
func vetoText(err error, def string) string {
	var v *Veto
	if errors.As(err, &v) && v.Text != "" {
		return v.Text
	}
	return def
}

// parseCode returns the code and text of the reply to a command whose argument
// failed to parse: 522 for an EPRT net-prt and 521 for an LPRT af that the
// protocol does not define (RFC 2428, RFC 1639), 501 otherwise.
func parseCode(f Form, err error) (int, string) {
	if errors.Is(err, hostport.ErrFamily) {
		if f == EPRT {
			return 522, "Network protocol not supported, use (1,2)"
		}
		if f == LPRT {
			return 521, "Supported address families are (4,6)"
		}
	}
	switch f {
	case PORT:
		return 501, "Syntax error in PORT argument."
	case EPRT:
		return 501, "Syntax error in EPRT argument."
	default:
		return 501, "Syntax error in LPRT argument."
	}
}

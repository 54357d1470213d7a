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

// An Event describes a data-setup line that a [Session] found, for its
// [Hook].
type Event struct {
	// Dir is ClientToServer for the commands PORT, EPRT and LPRT, and
	// ServerToClient for the replies.
	Dir Dir
	// Form is the form of the line: hostport.FormPORT, FormEPRT or
	// FormLPRT for a command, hostport.FormPASV, FormEPSV or FormLPSV for
	// a 227, 229 or 228 reply.
	Form hostport.Form
	// Asked is the form the client asked for: Form for a command and, for a
	// reply, the reply to the passive command the client sent, which
	// differs from Form when Config.PassiveAs sent the server another
	// passive command. The reply that reaches the client is in this form
	// unless the hook chooses another.
	Asked hostport.Form
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
	// Form is the form to write: for a command hostport.FormPORT,
	// FormEPRT or FormLPRT, for a reply hostport.FormPASV, FormEPSV or
	// FormLPSV. Zero means, for a command, the
	// form received if it can carry the address and EPRT otherwise (the
	// server is the one to judge), and for a reply the form the client
	// asked for (Event.Asked), the only one it expects. A form of the other
	// direction, or one that cannot carry the address, vetoes the line: a
	// PASV (227) reply is never written for an IPv6 address, nor with
	// 0,0,0,0 in its place.
	Form hostport.Form
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

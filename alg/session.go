package alg

import (
	"io"
	"net/netip"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/ftpkit/hostport"
)

// Config configures a [Session]. The zero Config is a session that checks and
// canonicalises every data-setup line and changes no address.
type Config struct {
	// Hook is called for each data-setup line: PORT, EPRT and LPRT from the
	// client, and 227, 229 and 228 from the server in answer to the client's
	// PASV, EPSV or LPSV. Nil keeps every address; the lines are still
	// checked, and regenerated in canonical form.
	Hook Hook

	// MaxLine is the line cap: the longest line, CRLF included, that the
	// session inspects, and what it holds in memory per direction (three
	// buffers of about this size). Zero means DefaultMaxLine; smaller values
	// than MinMaxLine are raised to it. Longer command lines are refused
	// whole, longer reply lines replaced or passed whole (PassBadReplies).
	MaxLine int

	// ServerAddr is the server's address on the control connection. A 229
	// reply carries only a port, so the Event of a 229 has this address.
	// Relay sets it from the server connection when it is zero.
	ServerAddr netip.Addr

	// PassiveAs, if not zero, names the passive command that the session
	// sends the server in place of each PASV, EPSV and LPSV from the client,
	// by the form of its reply: hostport.FormPASV sends PASV,
	// hostport.FormEPSV sends EPSV and hostport.FormLPSV sends LPSV. The
	// server's reply is given to the hook in its form, with Event.Asked set
	// to the form of the reply the client asked for, and reaches the client
	// in that form. This is how an IPv6 client, which sends EPSV, is served
	// by an IPv4-only server that knows only PASV (RFC 6384). With
	// PassiveAs set to another form than hostport.FormEPSV, the session
	// answers EPSV ALL itself instead of forwarding it, since the server
	// would then refuse the passive commands it is sent. Other forms are
	// ignored.
	PassiveAs hostport.Form

	// PassNonFTP makes a session that did not start as FTP (ErrNotFTP) copy
	// both directions on unchanged and uninspected, as a transparent ALG
	// does. Without it, the copy methods stop with ErrNotFTP.
	PassNonFTP bool

	// PassBadReplies makes the session pass on reply lines that it cannot
	// inspect — longer than the cap, with a bare CR, bare LF or NUL, or cut
	// off by the end of the stream — unchanged, except those that a client
	// could read as carrying a data address (a 227, 228 or 229 code in any
	// piece of the line, or a line of such a reply), which are replaced; an
	// over-long line passed on is cut at its first CR, LF or NUL. Without it, such a line is
	// replaced whole by a line with the same reply code (or, in the place of
	// a 227, 229 or 228 the session was waiting for, by a 425 reply) that
	// says that it was refused, so that no client can read an address from
	// it that the session has not seen.
	PassBadReplies bool

	// OnRefuse, if not nil, is called for each line that the session
	// refuses or replaces, with the reason: ErrLineTooLong, ErrBadLine,
	// ErrTelnet, ErrEmptyCommand, ErrEPSVAll, ErrNotFTP, ErrStrayAddress, a
	// *hostport.ParseError for a data-setup line that does not parse, or
	// the hook's error. line is the line as received (for an over-long
	// line, its last piece) and is valid only during the call. It is called
	// from the goroutine that copies dir.
	OnRefuse func(dir Dir, line []byte, err error)
}

// Modes of a Session.
const (
	modeInspect uint32 = iota // framing and inspecting lines
	modeRaw                   // copying bytes unchanged (after AUTH TLS, or PassNonFTP)
	modeStop                  // not FTP: the copy methods stop
)

// A Session relays one FTP control connection between a client and a server,
// inspecting and rewriting the lines that set up data connections. It holds
// the state the two directions share: the commands waiting for their replies,
// EPSV ALL, whether the session started as FTP and whether TLS has started.
//
// CopyCommands copies the client's commands to the server and CopyReplies the
// server's replies to the client; run each once, in its own goroutine (or use
// [Relay]). Both write to the client — CopyReplies the server's replies,
// CopyCommands the replies to refused commands — and the session keeps those
// writes whole and in the order of the commands, so that a client that
// pipelines commands gets its replies in order.
type Session struct {
	cfg      Config
	toClient io.Writer
	toServer io.Writer

	mode atomic.Uint32

	mu      sync.Mutex
	cond    sync.Cond
	q       queue
	srvBusy bool // CopyReplies holds output not yet written, or is writing it
	srvMid  bool // CopyReplies is inside a multi-line reply or an over-long line
	closed  bool
	srvDone bool // CopyReplies is not running (it has returned)
	waiting int  // copy methods waiting on cond

	cp cmdPump
	rp replyPump
}

// NewSession returns a session that writes to the client on client and to the
// server on server. It allocates its buffers, about three times the line cap
// per direction, once.
func NewSession(client, server io.Writer, cfg Config) *Session {
	if cfg.MaxLine == 0 {
		cfg.MaxLine = DefaultMaxLine
	}
	if cfg.MaxLine < MinMaxLine {
		cfg.MaxLine = MinMaxLine
	}
	if !isReply(cfg.PassiveAs) {
		cfg.PassiveAs = 0
	}
	s := &Session{cfg: cfg, toClient: client, toServer: server}
	s.cond.L = &s.mu
	n := cfg.MaxLine
	s.cp.f.buf = make([]byte, n)
	s.cp.out = make([]byte, 0, maxOut)
	s.cp.norm = make([]byte, 0, n)
	s.cp.canon = make([]byte, 0, n+2)
	s.rp.f.buf = make([]byte, n)
	s.rp.out = make([]byte, 0, n+maxOut)
	s.rp.local = make([]byte, 0, maxOut)
	// The server's greeting is the reply to the connection.
	s.q.push(entry{kind: eOther, n: 1})
	return s
}

// maxOut bounds a line the session writes itself: a regenerated command or
// whole reply, or a reply of its own (its text is cut at maxText).
const (
	maxText = 200
	maxOut  = 512
)

// Close stops a session: copy methods waiting for the other direction return
// ErrClosed. It does not close the connections. It returns nil.
func (s *Session) Close() error {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
	return nil
}

// begin records that CopyReplies has started.
func (s *Session) begin() {
	s.mu.Lock()
	s.srvDone = false
	s.mu.Unlock()
}

// done records that CopyReplies has returned: CopyCommands no longer waits
// for it, and writes the replies to refused commands itself.
func (s *Session) done() {
	s.mu.Lock()
	s.srvDone = true
	s.srvBusy = false
	s.srvMid = false
	s.cond.Broadcast()
	s.mu.Unlock()
}

// str returns b as a string without copying, for the hostport parsers, which
// do not keep their input (their errors hold a copy, and the session parses
// again with a copy for an error it keeps).
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// refuse reports a refused line to OnRefuse.
func (s *Session) refuse(d Dir, line []byte, err error) {
	if s.cfg.OnRefuse != nil {
		s.cfg.OnRefuse(d, line, err)
	}
}

// notFTP marks the session as not FTP, after a first line from the client
// or the server that says so, and reports it to OnRefuse. It returns ErrNotFTP
// unless Config.PassNonFTP is set; then the caller passes the line on and
// the copy methods copy the rest raw. CopyReplies calls it with s.mu held
// (locked), and it releases the lock while it calls OnRefuse.
func (s *Session) notFTP(d Dir, b []byte, locked bool) error {
	if locked {
		s.srvBusy = true
		s.mu.Unlock()
	}
	s.refuse(d, b, ErrNotFTP)
	s.mu.Lock()
	if !locked {
		defer s.mu.Unlock()
	}
	if s.cfg.PassNonFTP {
		s.mode.Store(modeRaw)
		s.q.clear()
	} else {
		s.mode.Store(modeStop)
	}
	s.cond.Broadcast()
	if !s.cfg.PassNonFTP {
		return ErrNotFTP
	}
	return nil
}

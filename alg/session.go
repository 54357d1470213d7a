package alg

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"strconv"
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

	// PassiveAs, if not zero, is the passive command that the session sends
	// the server in place of each PASV, EPSV and LPSV from the client: PASV,
	// EPSV or LPSV. The server's reply is given to the hook in its form, with
	// Event.Asked set to the client's form, and reaches the client in the
	// client's form. This is how an IPv6 client, which sends EPSV, is served
	// by an IPv4-only server that knows only PASV (RFC 6384). With
	// PassiveAs set to another form than EPSV, the session answers EPSV ALL
	// itself instead of forwarding it, since the server would then refuse
	// the passive commands it is sent. Other values than PASV, EPSV and
	// LPSV are ignored.
	PassiveAs Form

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

// cmdPump is the state of CopyCommands.
type cmdPump struct {
	f       Framer
	out     []byte // a regenerated command, or a reply to the client
	norm    []byte // a command body after Telnet processing
	canon   []byte // a data-setup, passive or AUTH command, as every server reads it
	rs, re  int    // f.buf[rs:re] is passed on and not yet written
	others  uint32 // ordinary commands in the run, not yet queued
	started bool   // the first line has been seen
	epsvAll bool
}

// replyPump is the state of CopyReplies.
type replyPump struct {
	f       Framer
	out     []byte // a rewritten or replaced reply line
	local   []byte // the session's own replies, to write in turn
	rs, re  int    // f.buf[rs:re] is passed on and not yet written
	started bool   // the first line has been seen
	multi   int    // the code of the multi-line reply in progress, or 0
	inLong  bool   // inside an over-long line
	long    lineInfo
	// Of the over-long line in progress: longDrop, its pieces are not
	// passed on (any more); longCut, some were, and then one held a CR, LF
	// or NUL; longCtl, some client could read the end of the reply in it
	// (longEnds).
	longDrop, longCut, longCtl bool
}

// lineInfo is what the session makes of a reply line (or of the first piece
// of an over-long one).
type lineInfo struct {
	code    int
	sep     byte // ' ' or '-' after the code, or 0 for text
	final   bool // a final reply line
	addr    bool // it could be read as carrying a data address (see reply)
	matched bool // it answers the passive command sent, of form sent
	sent    Form
	asked   Form
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
	if !cfg.PassiveAs.IsReply() {
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

// ---------------------------------------------------------------------------
// Client to server

// CopyCommands copies the client's commands, read from src, to the server,
// until src ends (it then returns nil) or fails, or a write fails. It
// rewrites or refuses the data-setup commands and answers the refused ones on
// the client writer, and after a 234 reply to AUTH it copies the rest raw.
// It returns ErrNotFTP if the client's first line is not an FTP command and
// Config.PassNonFTP is not set.
func (s *Session) CopyCommands(src io.Reader) error {
	p := &s.cp
	p.f.Reset(src)
	for {
		switch s.mode.Load() {
		case modeRaw:
			return s.rawCommands(src)
		case modeStop:
			return ErrNotFTP
		}
		o := p.f.start
		line, ok := p.f.Next()
		if !ok {
			if err := s.flushCommands(); err != nil {
				return err
			}
			if err := p.f.Fill(); err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
			continue
		}
		if err := s.command(o, line); err != nil {
			return err
		}
	}
}

// rawCommands passes the rest of the client's stream on unchanged.
func (s *Session) rawCommands(src io.Reader) error {
	p := &s.cp
	if err := s.flushCommands(); err != nil {
		return err
	}
	if b := p.f.Buffered(); len(b) > 0 {
		if _, err := s.toServer.Write(b); err != nil {
			return err
		}
	}
	_, err := io.CopyBuffer(s.toServer, onlyReader{src}, p.f.buf)
	return err
}

// onlyReader hides a reader's WriterTo, so that io.CopyBuffer uses the
// given buffer or the writer's ReaderFrom.
type onlyReader struct{ io.Reader }

// pass adds the line at f.buf[o:o+n] to the run of bytes to write on.
func (p *cmdPump) pass(s *Session, o, n int) error {
	if p.re != o {
		if err := s.flushCommands(); err != nil {
			return err
		}
		p.rs = o
	}
	p.re = o + n
	return nil
}

// flushCommands queues the ordinary commands of the run and writes the run
// to the server.
func (s *Session) flushCommands() error {
	p := &s.cp
	if p.others > 0 {
		if err := s.enqueue(entry{kind: eOther, n: p.others}); err != nil {
			return err
		}
		p.others = 0
	}
	if p.rs == p.re {
		return nil
	}
	b := p.f.buf[p.rs:p.re]
	p.rs, p.re = 0, 0
	_, err := s.toServer.Write(b)
	return err
}

// wait waits on s.cond, which is signalled when the queue has room or the
// session's state changes. It is called with s.mu held.
func (s *Session) wait() {
	s.waiting++
	s.cond.Wait()
	s.waiting--
}

// wake wakes the copy methods waiting on s.cond. It is called with s.mu held.
func (s *Session) wake() {
	if s.waiting > 0 {
		s.cond.Broadcast()
	}
}

// enqueue adds e to the queue, waiting for room.
func (s *Session) enqueue(e entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.q.needsRoom(e) && !s.closed && !s.srvDone && s.mode.Load() == modeInspect {
		s.wait()
	}
	if s.closed {
		return ErrClosed
	}
	if s.mode.Load() != modeInspect || s.q.needsRoom(e) {
		return nil // no reply will be matched any more
	}
	s.q.push(e)
	return nil
}

// localReply sends the client the reply code and text for a command the
// session refused, in its turn: at once if no reply is due before it,
// otherwise after the replies to the commands before it.
func (s *Session) localReply(code int, text string) error {
	p := &s.cp
	if p.others > 0 {
		if err := s.enqueue(entry{kind: eOther, n: p.others}); err != nil {
			return err
		}
		p.others = 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		switch {
		case s.closed:
			return ErrClosed
		case s.mode.Load() != modeInspect:
			return nil // the client is now talking TLS, or the session is over
		case s.srvDone || (s.q.n == 0 && !s.srvBusy && !s.srvMid):
			p.out = appendReply(p.out[:0], code, text)
			_, err := s.toClient.Write(p.out)
			return err
		case !s.q.full():
			s.q.push(entry{kind: eLocal, code: uint16(code), text: text})
			return nil
		}
		s.wait()
	}
}

// appendReply appends the reply line "code text\r\n", with CR, LF and NUL in
// text written as spaces and text cut at maxText bytes.
func appendReply(dst []byte, code int, text string) []byte {
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ' ')
	if len(text) > maxText {
		text = text[:maxText]
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\r' || c == '\n' || c == 0 {
			c = ' '
		}
		dst = append(dst, c)
	}
	return append(dst, '\r', '\n')
}

// cmdKind classifies a command by its verb.
type cmdKind uint8

const (
	kOther cmdKind = iota
	kPORT
	kEPRT
	kLPRT
	kPASV // PASV and vsftpd's alias P@SW
	kEPSV
	kLPSV
	kAUTH
)

// form returns the form of a data-setup or passive command kind.
func (k cmdKind) form() Form {
	switch k {
	case kPORT:
		return PORT
	case kEPRT:
		return EPRT
	case kLPRT:
		return LPRT
	case kPASV:
		return PASV
	case kEPSV:
		return EPSV
	case kLPSV:
		return LPSV
	}
	return 0
}

// The four-byte verbs, little-endian, in lower case: setting bit 5 of each
// byte lowers ASCII letters and maps '@' to '`', so that "P`SW" is taken for
// vsftpd's P@SW, which does no harm.
const (
	lower4  = 0x20202020
	keyPORT = 'P' | 'O'<<8 | 'R'<<16 | 'T'<<24 | lower4
	keyEPRT = 'E' | 'P'<<8 | 'R'<<16 | 'T'<<24 | lower4
	keyLPRT = 'L' | 'P'<<8 | 'R'<<16 | 'T'<<24 | lower4
	keyPASV = 'P' | 'A'<<8 | 'S'<<16 | 'V'<<24 | lower4
	keyPSW  = 'P' | '@'<<8 | 'S'<<16 | 'W'<<24 | lower4
	keyEPSV = 'E' | 'P'<<8 | 'S'<<16 | 'V'<<24 | lower4
	keyLPSV = 'L' | 'P'<<8 | 'S'<<16 | 'V'<<24 | lower4
	keyAUTH = 'A' | 'U'<<8 | 'T'<<16 | 'H'<<24 | lower4
)

// kind4 returns the kind of the command whose four-byte verb, in any case,
// is key (little-endian).
func kind4(key uint32) cmdKind {
	switch key | lower4 {
	case keyPORT:
		return kPORT
	case keyEPRT:
		return kEPRT
	case keyLPRT:
		return kLPRT
	case keyPASV, keyPSW:
		return kPASV
	case keyEPSV:
		return kEPSV
	case keyLPSV:
		return kLPSV
	case keyAUTH:
		return kAUTH
	}
	return kOther
}

// upper returns c in upper case if it is an ASCII letter.
func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// trimBlanks returns b without the blanks (isBlank) at its ends.
func trimBlanks(b []byte) []byte {
	for len(b) > 0 && isBlank(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isBlank(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// isAll reports whether the command body, which starts with the verb EPSV at
// offset i, is EPSV ALL (the argument in any case).
func isAll(body []byte, i int) bool {
	arg := trimBlanks(body[i+4:])
	return len(arg) == 3 && upper(arg[0]) == 'A' && upper(arg[1]) == 'L' && upper(arg[2]) == 'L'
}

// command handles one line from the client, which starts at offset o of the
// framer's buffer.
func (s *Session) command(o int, line Line) error {
	p := &s.cp
	b := line.Bytes
	if line.Flags != 0 {
		if !p.started {
			p.started = true
			if err := s.notFTP(ClientToServer, b, false); err != nil {
				return err
			}
			return p.pass(s, o, len(b))
		}
		if line.Flags&More != 0 {
			return nil // a piece of an over-long line: dropped
		}
		reason, text := ErrBadLine, "Command line contains a bare CR, bare LF or NUL."
		if line.Flags&Long != 0 {
			reason, text = ErrLineTooLong, "Command line too long."
		}
		s.refuse(ClientToServer, b, reason)
		return s.localReply(500, text)
	}
	body := b[:len(b)-2]
	if p.f.lastHigh && bytes.IndexByte(body, iac) >= 0 {
		var ok bool
		p.norm, ok = appendTelnet(p.norm[:0], body)
		if !ok {
			if !p.started {
				p.started = true
				if err := s.notFTP(ClientToServer, b, false); err != nil {
					return err
				}
				return p.pass(s, o, len(b))
			}
			s.refuse(ClientToServer, b, ErrTelnet)
			return s.localReply(500, "Unsupported Telnet command in command line.")
		}
		body = p.norm
	}
	v := readVerb(body)
	if !p.started {
		p.started = true
		if v.fold(body); !knownVerb(v.name[:v.n]) {
			if err := s.notFTP(ClientToServer, b, false); err != nil {
				return err
			}
			return p.pass(s, o, len(b))
		}
	}
	if v.i == v.j {
		s.refuse(ClientToServer, b, ErrEmptyCommand)
		return s.localReply(500, "Empty command line.")
	}
	k, vi := v.kind, v.i
	if v.odd && k != kPORT && k != kEPRT && k != kLPRT {
		// A passive or AUTH command that not every server reads: it goes
		// on in the one form that every server reads. (A PORT, EPRT or
		// LPRT is always regenerated, and the hostport parsers refuse
		// those whose verb is not followed by one space.)
		p.canon = append(p.canon[:0], v.name[:v.n]...)
		if arg := trimBlanks(body[v.j:]); len(arg) > 0 {
			p.canon = append(append(p.canon, ' '), arg...)
		}
		body, vi = p.canon, 0
	}
	switch k {
	case kOther:
		p.others++
		return p.pass(s, o, len(b))
	case kAUTH:
		if err := s.flushCommands(); err != nil {
			return err
		}
		if err := s.enqueue(entry{kind: eAuth}); err != nil {
			return err
		}
		return s.forward(o, b, v.odd)
	case kPASV, kLPSV, kEPSV:
		return s.passive(o, b, body, vi, k, v.odd)
	}
	return s.dataCommand(b, body[vi:], k.form())
}

// forward sends the server the command line b, at offset o of the framer's
// buffer, or, if odd, the command in p.canon in its place.
func (s *Session) forward(o int, b []byte, odd bool) error {
	p := &s.cp
	if !odd {
		return p.pass(s, o, len(b))
	}
	if err := s.flushCommands(); err != nil {
		return err
	}
	p.canon = append(p.canon, '\r', '\n')
	_, err := s.toServer.Write(p.canon)
	return err
}

// passive handles PASV, EPSV and LPSV (and EPSV ALL); odd is as for forward.
func (s *Session) passive(o int, b, body []byte, vi int, k cmdKind, odd bool) error {
	p := &s.cp
	asked := k.form()
	if k == kEPSV && isAll(body, vi) {
		p.epsvAll = true
		if s.cfg.PassiveAs != 0 && s.cfg.PassiveAs != EPSV {
			return s.localReply(200, "EPSV ALL command successful.")
		}
		p.others++
		return s.forward(o, b, odd)
	}
	if p.epsvAll && k != kEPSV {
		s.refuse(ClientToServer, b, ErrEPSVAll)
		return s.localReply(501, epsvAllText(asked))
	}
	sent := asked
	if s.cfg.PassiveAs != 0 {
		sent = s.cfg.PassiveAs
	}
	if err := s.flushCommands(); err != nil {
		return err
	}
	if err := s.enqueue(entry{kind: ePassive, sent: sent, asked: asked}); err != nil {
		return err
	}
	if sent == asked {
		return s.forward(o, b, odd)
	}
	p.out = append(append(p.out[:0], sent.String()...), '\r', '\n')
	_, err := s.toServer.Write(p.out)
	return err
}

// epsvAllText is the text of the reply to a data-setup command after EPSV ALL.
func epsvAllText(f Form) string {
	switch f {
	case PORT:
		return "PORT not allowed after EPSV ALL."
	case EPRT:
		return "EPRT not allowed after EPSV ALL."
	case LPRT:
		return "LPRT not allowed after EPSV ALL."
	case PASV:
		return "PASV not allowed after EPSV ALL."
	default:
		return "LPSV not allowed after EPSV ALL."
	}
}

// refusedText is the default text of the reply to a command that a hook
// vetoed with err: a short reason for the errors of
// hostport.ActivePolicy.Check, in the precedence of hostport.ReplyCode, and
// illegalText otherwise. The error's own text, which names Go functions
// and addresses, is for the log (OnRefuse), not for the client.
func refusedText(f Form, err error) string {
	var why string
	switch {
	case errors.Is(err, hostport.ErrPrivilegedPort):
		why = " refused: privileged port."
	case errors.Is(err, hostport.ErrForeignAddress):
		why = " refused: address is not the client's."
	case errors.Is(err, hostport.ErrUnusableAddress):
		why = " refused: unusable address."
	default:
		return illegalText(f)
	}
	return f.String() + why
}

// illegalText is the default text of the reply to a vetoed command.
func illegalText(f Form) string {
	switch f {
	case PORT:
		return "Illegal PORT command."
	case EPRT:
		return "Illegal EPRT command."
	default:
		return "Illegal LPRT command."
	}
}

// errRewrite is the reason for a veto when a hook asks for a form that cannot
// carry its address or belongs to the other direction.
var errRewrite = errors.New("alg: hook returned a form that cannot carry the address")

// dataCommand handles PORT, EPRT and LPRT: cmd is the command body from the
// verb on, after Telnet processing; b is the line as received.
func (s *Session) dataCommand(b, cmd []byte, f Form) error {
	p := &s.cp
	if p.epsvAll {
		s.refuse(ClientToServer, b, ErrEPSVAll)
		return s.localReply(501, epsvAllText(f))
	}
	var ap netip.AddrPort
	var err error
	switch f {
	case PORT:
		var hp hostport.HostPort
		hp, err = hostport.ParsePORT(str(cmd))
		ap = hp.AddrPort()
	case EPRT:
		ap, err = hostport.ParseEPRT(str(cmd))
	default:
		ap, err = hostport.ParseLPRT(str(cmd))
	}
	if err != nil {
		err = reparse(f, string(cmd))
		s.refuse(ClientToServer, b, err)
		code, text := parseCode(f, err)
		return s.localReply(code, text)
	}
	ev := Event{Dir: ClientToServer, Form: f, Asked: f, Addr: ap, Line: b}
	var rw Rewrite
	if s.cfg.Hook != nil {
		rw, err = s.cfg.Hook(ev)
		if err != nil {
			s.refuse(ClientToServer, b, err)
			return s.localReply(vetoCode(err, 500, 400), vetoText(err, refusedText(f, err)))
		}
	}
	out, ok := appendCommand(p.out[:0], ev, rw)
	if !ok {
		s.refuse(ClientToServer, b, errRewrite)
		return s.localReply(500, illegalText(f))
	}
	p.out = out
	if err := s.flushCommands(); err != nil {
		return err
	}
	if err := s.enqueue(entry{kind: eOther, n: 1}); err != nil {
		return err
	}
	_, err = s.toServer.Write(p.out)
	return err
}

// reparse parses line again from a copy, for an error that can be kept.
func reparse(f Form, line string) error {
	var err error
	switch f {
	case PORT:
		_, err = hostport.ParsePORT(line)
	case EPRT:
		_, err = hostport.ParseEPRT(line)
	case LPRT:
		_, err = hostport.ParseLPRT(line)
	case PASV:
		_, err = hostport.ParsePASV(line)
	case EPSV:
		_, err = hostport.ParseEPSV(line)
	case LPSV:
		_, err = hostport.ParseLPSV(line)
	}
	return err
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

// unmap returns ap with an IPv4-mapped address unmapped.
func unmap(ap netip.AddrPort) netip.AddrPort {
	if a := ap.Addr(); a.Is4In6() {
		return netip.AddrPortFrom(a.Unmap(), ap.Port())
	}
	return ap
}

// target returns the address and form that rw asks for, for the event ev,
// and reports whether the form can carry the address.
func target(ev Event, rw Rewrite) (netip.AddrPort, Form, bool) {
	ap := unmap(rw.Addr)
	if rw.Addr == (netip.AddrPort{}) {
		ap = ev.Addr
	}
	f := rw.Form
	if f == 0 {
		f = ev.Asked
		if ev.Dir == ClientToServer && !f.Carries(ap.Addr()) {
			f = EPRT
		}
	}
	if f.IsCommand() != (ev.Dir == ClientToServer) || !f.Carries(ap.Addr()) {
		return ap, f, false
	}
	return ap, f, true
}

// appendCommand appends the command line, with CRLF, that rw asks for in
// place of the command of ev.
func appendCommand(dst []byte, ev Event, rw Rewrite) ([]byte, bool) {
	ap, f, ok := target(ev, rw)
	if !ok {
		return dst, false
	}
	switch f {
	case PORT:
		hp, _ := hostport.FromAddrPort(ap)
		dst = hostport.AppendPORT(dst, hp)
	case EPRT:
		dst = hostport.AppendEPRT(dst, ap)
	default:
		dst = hostport.AppendLPRT(dst, ap)
	}
	return append(dst, '\r', '\n'), true
}

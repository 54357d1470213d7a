package alg

import (
	"io"
	"net/netip"
	"strconv"

	"github.com/ftpkit/hostport"
)

// CopyReplies copies the server's replies, read from src, to the client,
// until src ends (it then returns nil) or fails, or a write fails. It
// rewrites or replaces the final 227, 229 and 228 replies that answer the
// client's PASV, EPSV and LPSV, writes the replies to refused commands in
// their turn, and after a 234 reply to AUTH copies the rest raw. It returns
// ErrNotFTP if the server's first line is not a reply and Config.PassNonFTP
// is not set.
func (s *Session) CopyReplies(src io.Reader) error {
	s.begin()
	defer s.done()
	p := &s.rp
	p.f.Reset(src)
	s.mu.Lock()
	for {
		switch s.mode.Load() {
		case modeRaw:
			return s.rawReplies(src)
		case modeStop:
			s.mu.Unlock()
			return ErrNotFTP
		}
		o := p.f.start
		line, ok := p.f.Next()
		if !ok {
			if err := s.flushReplies(nil); err != nil {
				s.mu.Unlock()
				return err
			}
			s.mu.Unlock()
			err := p.f.Fill()
			s.mu.Lock()
			if err != nil {
				s.mu.Unlock()
				if err == io.EOF {
					return nil
				}
				return err
			}
			continue
		}
		if err := s.reply(o, line); err != nil {
			s.mu.Unlock()
			return err
		}
	}
}

// rawReplies passes the rest of the server's stream on unchanged. It is
// called with s.mu held and releases it.
func (s *Session) rawReplies(src io.Reader) error {
	p := &s.rp
	err := s.flushReplies(nil)
	s.srvBusy = true
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if b := p.f.Buffered(); len(b) > 0 {
		if _, err := s.toClient.Write(b); err != nil {
			return err
		}
	}
	_, err = io.CopyBuffer(s.toClient, onlyReader{src}, p.f.buf)
	return err
}

// passReply adds the line at f.buf[o:o+n] to the run of bytes to write on.
// It is called with s.mu held.
func (p *replyPump) pass(s *Session, o, n int) error {
	if p.re != o {
		// Only the run: replies of the session's that are due come after
		// this line.
		if err := s.flushRun(); err != nil {
			return err
		}
		p.rs = o
	}
	p.re = o + n
	return nil
}

// flushRun writes the run of passed lines to the client. It is called with
// s.mu held and returns with it held, but releases it while writing.
func (s *Session) flushRun() error {
	p := &s.rp
	if p.rs == p.re {
		return nil
	}
	s.srvBusy = true
	run := p.f.buf[p.rs:p.re]
	p.rs, p.re = 0, 0
	s.mu.Unlock()
	_, err := s.toClient.Write(run)
	s.mu.Lock()
	return err
}

// flushReplies writes the run of passed lines, then extra, then the session's
// replies that are due, to the client. It is called with s.mu held and
// returns with it held, but releases it while writing.
func (s *Session) flushReplies(extra []byte) error {
	p := &s.rp
	for {
		p.local = p.local[:0]
		if !s.srvMid {
			for s.q.headLocal() {
				h := s.q.at(0)
				if len(p.local) > 0 && len(p.local)+maxText+16 > cap(p.local) {
					break
				}
				p.local = appendReply(p.local, int(h.code), h.text)
				s.q.pop()
			}
			if len(p.local) > 0 {
				s.wake() // room in the queue
			}
		}
		if p.rs == p.re && len(extra) == 0 && len(p.local) == 0 {
			s.srvBusy = false
			return nil
		}
		s.srvBusy = true
		run := p.f.buf[p.rs:p.re]
		p.rs, p.re = 0, 0
		s.mu.Unlock()
		err := writeAll(s.toClient, run, extra, p.local)
		s.mu.Lock()
		if err != nil {
			return err
		}
		extra = nil
	}
}

// writeAll writes each non-empty buffer to w in turn.
func writeAll(w io.Writer, bufs ...[]byte) error {
	for _, b := range bufs {
		if len(b) > 0 {
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
	}
	return nil
}

// telnetPrefix returns the length of the Telnet option negotiations (IAC
// WILL, WONT, DO or DONT and an option) at the start of a reply line, which a
// server such as ProFTPD writes in answer to those the client sent.
func telnetPrefix(b []byte) int {
	k := 0
	for k+2 < len(b) && b[k] == iac && b[k+1] >= will && b[k+1] <= dont {
		k += 3
	}
	return k
}

// replyPrefix returns the code of a reply line b and the byte after it: ' '
// for a final line (also for a line of just the code), '-' for the first line
// of a multi-line reply, or 0 if b does not start with a reply code 100–599.
func replyPrefix(b []byte) (int, byte) {
	if len(b) < 4 || b[0] < '1' || b[0] > '5' || !isDigit(b[1]) || !isDigit(b[2]) {
		return 0, 0
	}
	code := int(b[0]-'0')*100 + int(b[1]-'0')*10 + int(b[2]-'0')
	switch b[3] {
	case ' ', '\r':
		return code, ' '
	case '-':
		return code, '-'
	}
	return 0, 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isDelim reports whether c can be the delimiter of RFC 2428's forms.
func isDelim(c byte) bool { return '!' <= c && c <= '~' && !isDigit(c) }

// popFinal takes the command that the final reply of info answers, and
// starts the raw copy after a 234 reply to AUTH. It records in info whether
// the reply is the one a pending passive command waits for. It is called
// with s.mu held.
func (s *Session) popFinal(info *lineInfo) {
	if info.code < 200 {
		return // preliminary
	}
	kind, sent, asked, ok := s.q.popReply()
	if !ok {
		return
	}
	s.wake()
	switch kind {
	case eAuth:
		if info.code == 234 {
			s.mode.Store(modeRaw)
			s.q.clear()
		}
	case ePassive:
		info.matched = info.code == sent.Code()
		info.sent, info.asked = sent, asked
	}
}

// reply handles one line from the server, which starts at offset o of the
// framer's buffer. It is called with s.mu held.
func (s *Session) reply(o int, line Line) error {
	p := &s.rp
	b := line.Bytes
	if p.inLong {
		// A later piece of an over-long line.
		last := line.Flags&More == 0
		if s.cfg.PassBadReplies {
			if err := p.pass(s, o, len(b)); err != nil {
				return err
			}
		}
		if !last {
			return nil
		}
		p.inLong = false
		s.srvMid = p.multi != 0
		if !s.cfg.PassBadReplies {
			if err := s.replaceReply(b, p.long, ErrLineTooLong); err != nil {
				return err
			}
		}
		return s.afterReply()
	}

	k := telnetPrefix(b)
	code, sep := replyPrefix(b[k:])
	if !p.started {
		p.started = true
		if sep == 0 {
			return s.notFTPReply(o, b)
		}
	}
	info := lineInfo{code: code, sep: sep}
	switch {
	case p.multi != 0:
		if code == p.multi && sep == ' ' {
			info.final = true
			p.multi = 0
		} else {
			info.sep = 0 // text inside a multi-line reply
		}
	case sep == '-':
		p.multi = code
	case sep == ' ':
		info.final = true
	}
	if info.final {
		s.popFinal(&info)
	}

	if line.Flags != 0 {
		if line.Flags&More != 0 {
			p.inLong = true
			p.long = info
			s.srvMid = true
			if s.cfg.PassBadReplies {
				return p.pass(s, o, len(b))
			}
			return nil
		}
		if s.cfg.PassBadReplies {
			if err := p.pass(s, o, len(b)); err != nil {
				return err
			}
		} else if err := s.replaceReply(b, info, ErrBadLine); err != nil {
			return err
		}
		return s.afterReply()
	}

	if info.matched {
		if err := s.rewriteReply(b, k, info); err != nil {
			return err
		}
	} else if err := p.pass(s, o, len(b)); err != nil {
		return err
	}
	return s.afterReply()
}

// afterReply ends a line: it writes the session's replies that are now due.
func (s *Session) afterReply() error {
	s.srvMid = s.rp.multi != 0 || s.rp.inLong
	if !s.srvMid && s.q.headLocal() {
		return s.flushReplies(nil)
	}
	return nil
}

// notFTPReply handles a first server line b, at offset o, that is not a
// reply.
func (s *Session) notFTPReply(o int, b []byte) error {
	if err := s.notFTP(ServerToClient, b, true); err != nil {
		return err
	}
	return s.rp.pass(s, o, len(b))
}

// replaceReply writes, in place of the reply line b that the session cannot
// inspect, a line of the same kind that says it was refused, or a 425 reply
// in place of an awaited 227, 229 or 228.
func (s *Session) replaceReply(b []byte, info lineInfo, reason error) error {
	p := &s.rp
	s.srvBusy = true
	s.mu.Unlock()
	s.refuse(ServerToClient, b, reason)
	s.mu.Lock()
	what := "bare CR, bare LF or NUL in the line."
	if reason == ErrLineTooLong {
		what = "line too long."
	}
	out := p.out[:0]
	switch {
	case info.matched:
		out = appendReply(out, 425, "Can't open data connection: reply refused by the proxy: "+what)
	case info.sep != 0:
		out = strconv.AppendInt(out, int64(info.code), 10)
		out = append(out, info.sep)
		out = append(out, "Reply refused by the proxy: "...)
		out = append(out, what...)
		out = append(out, '\r', '\n')
	default:
		out = append(out, " Line refused by the proxy: "...)
		out = append(out, what...)
		out = append(out, '\r', '\n')
	}
	p.out = out
	return s.flushReplies(p.out)
}

// rewriteReply parses the awaited 227, 229 or 228 reply b (after k bytes of
// Telnet negotiation), asks the hook and writes the rewritten line, or a 425
// reply in its place. It is called with s.mu held.
func (s *Session) rewriteReply(b []byte, k int, info lineInfo) error {
	p := &s.rp
	body := b[k : len(b)-2]
	var ap netip.AddrPort
	var err error
	switch info.sent {
	case PASV:
		var hp hostport.HostPort
		hp, err = hostport.ParsePASV(str(body))
		ap = hp.AddrPort()
	case EPSV:
		var port uint16
		port, err = hostport.ParseEPSV(str(body))
		ap = netip.AddrPortFrom(s.cfg.ServerAddr, port)
	default:
		ap, err = hostport.ParseLPSV(str(body))
	}
	s.srvBusy = true
	s.mu.Unlock()
	var rw Rewrite
	ev := Event{Dir: ServerToClient, Form: info.sent, Asked: info.asked, Addr: ap, Line: b}
	switch {
	case err != nil:
		err = reparse(info.sent, string(body))
	case s.cfg.Hook != nil:
		rw, err = s.cfg.Hook(ev)
	}
	out := p.out[:0]
	if err == nil {
		var ok bool
		if out, ok = appendReplyRewrite(out, b, k, ev, rw); !ok {
			err = errRewrite
		}
	}
	if err != nil {
		s.refuse(ServerToClient, b, err)
		out = appendReply(p.out[:0], vetoCode(err, 425, 400), vetoText(err, "Can't open data connection."))
	}
	s.mu.Lock()
	p.out = out
	return s.flushReplies(p.out)
}

// appendReplyRewrite appends the reply line, with CRLF, that rw asks for in
// place of the reply b of ev (whose first k bytes are Telnet negotiation). In
// the form of b, it replaces only the address, or the port of a 229, and
// keeps the rest of the line; in another form it writes the whole line.
func appendReplyRewrite(dst, b []byte, k int, ev Event, rw Rewrite) ([]byte, bool) {
	ap, f, ok := target(ev, rw)
	if !ok {
		return dst, false
	}
	if f != ev.Form {
		switch f {
		case PASV:
			hp, _ := hostport.FromAddrPort(ap)
			dst = hostport.AppendPASV(dst, hp)
		case EPSV:
			dst = hostport.AppendEPSV(dst, ap.Port())
		default:
			dst = hostport.AppendLPSV(dst, ap)
		}
		return append(dst, '\r', '\n'), true
	}
	i, j := addrSpan(b, k, f)
	if i < 0 {
		return dst, false
	}
	dst = append(dst, b[:i]...)
	switch f {
	case PASV:
		hp, _ := hostport.FromAddrPort(ap)
		dst, _ = hp.AppendText(dst)
	case EPSV:
		dst = strconv.AppendUint(dst, uint64(ap.Port()), 10)
	default:
		dst = appendLong(dst, ap)
	}
	return append(dst, b[j:]...), true
}

// appendLong appends the long host-port of ap, as LPRT and 228 carry it.
func appendLong(dst []byte, ap netip.AddrPort) []byte {
	n := len(dst)
	dst = hostport.AppendLPRT(dst, ap)
	return append(dst[:n], dst[n+len("LPRT "):]...)
}

// addrSpan returns the span b[i:j] of the address in a reply line b that the
// hostport parser has read (after k bytes of Telnet negotiation and the
// code): the first comma-separated list of numbers of a 227 or 228, as
// hostport.ParsePASV finds it, or the port of a 229, after the first '('
// followed by three identical delimiters, as hostport.ParseEPSV finds it.
func addrSpan(b []byte, k int, f Form) (int, int) {
	n := len(b) - 2
	if f == EPSV {
		for i := k + 4; i+3 < n; i++ {
			if d := b[i+1]; b[i] == '(' && isDelim(d) && b[i+2] == d && b[i+3] == d {
				j := i + 4
				for j < n && isDigit(b[j]) {
					j++
				}
				return i + 4, j
			}
		}
		return -1, -1
	}
	for i := k + 4; i < n; i++ {
		if !isDigit(b[i]) {
			continue
		}
		j := i
		for j < n && isDigit(b[j]) {
			j++
		}
		if j < n && b[j] == ',' {
			e := j
			for e < n && (isDigit(b[e]) || b[e] == ',') {
				e++
			}
			return i, e
		}
		i = j
	}
	return -1, -1
}

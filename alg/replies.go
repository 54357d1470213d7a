package alg

import (
	"io"
	"net/netip"
	"strconv"

	"github.com/ftpkit/hostport"
)

// replyPump is the state of CopyReplies.
type replyPump struct {
	f       framer
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
	// multi is the code of the multi-line reply that this final line ends,
	// or 0: a line written in its place must carry that code, or an RFC 959
	// client would go on waiting for the end of the reply.
	multi int
	sent  hostport.Form
	asked hostport.Form
}

// finalCode returns the code of a line written in place of the final line
// that info describes: code, unless that line ends a multi-line reply, whose
// code it must then keep.
func (info *lineInfo) finalCode(code int) int {
	if info.multi != 0 {
		return info.multi
	}
	return code
}

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
	p.f.reset(src)
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
		line, ok := p.f.next()
		if !ok {
			if err := s.flushReplies(nil); err != nil {
				s.mu.Unlock()
				return err
			}
			s.mu.Unlock()
			err := p.f.fill()
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
	if b := p.f.buffered(); len(b) > 0 {
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
		info.matched = info.code == infoOf(sent).code
		info.sent, info.asked = sent, asked
	}
}

// reply handles one line from the server, which starts at offset o of the
// framer's buffer. It is called with s.mu held.
//
// No text that a client could read as a data address reaches the client
// unless the session rewrote it: a line whose code, read as leniently as any
// client reads it (looseCode), is 227, 228 or 229, and every line of a
// multi-line reply with such a code, is replaced, unless it is the final line
// that answers the passive command sent, which is rewritten.
func (s *Session) reply(o int, line frame) error {
	p := &s.rp
	b := line.Bytes
	if p.inLong {
		return s.longPiece(o, line)
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
			info.final, info.multi = true, p.multi
		} else {
			info.sep = 0 // text inside a multi-line reply
		}
	case sep == ' ':
		info.final = true
	}
	inAddr := isAddrCode(p.multi) || p.multi == 0 && sep == '-' && isAddrCode(code)
	info.addr = inAddr && !info.final || isAddrCode(looseCode(b))

	if line.Flags&flagMore != 0 {
		// The first piece of an over-long line: the rest of the line is
		// handled when its last piece comes.
		p.inLong, p.long = true, info
		p.longDrop = !s.cfg.PassBadReplies || info.addr
		p.longCut = false
		p.longCtl = longEnds(b, false)
		s.srvMid = true
		if !p.longDrop {
			return p.pass(s, o, len(b))
		}
		return nil
	}

	bad := line.Flags != 0
	if bad && !info.final && (p.multi != 0 || sep == '-') && endsInside(b) {
		// A client that ends lines at a bare CR, bare LF or NUL reads
		// the end of the reply in this line: so does the session, lest
		// it wait for an end that the client has seen.
		info.final, info.sep = true, ' '
		if p.multi != 0 {
			info.code, info.multi = p.multi, p.multi
		}
	}
	s.endLine(&info)

	switch {
	case bad:
		if s.cfg.PassBadReplies && !info.matched && !info.addr && !pieces(b, addrPiece) {
			if err := p.pass(s, o, len(b)); err != nil {
				return err
			}
		} else if err := s.replaceReply(b, info, ErrBadLine); err != nil {
			return err
		}
	case info.matched:
		if err := s.rewriteReply(b, k, info); err != nil {
			return err
		}
	case info.addr:
		if err := s.replaceReply(b, info, ErrStrayAddress); err != nil {
			return err
		}
	default:
		if err := p.pass(s, o, len(b)); err != nil {
			return err
		}
	}
	return s.afterReply()
}

// endLine records the end of a reply line described by info: the state of a
// multi-line reply, and for a final line the command it answers.
func (s *Session) endLine(info *lineInfo) {
	p := &s.rp
	switch {
	case info.final:
		p.multi = 0
		s.popFinal(info)
	case p.multi == 0 && info.sep == '-':
		p.multi = info.code
	}
}

// longPiece handles a later piece of an over-long reply line. Unless the
// line is passed (Config.PassBadReplies, and its first piece carries no
// address code), the line is replaced when its last piece comes. A line
// that is passed is cut at the first piece that holds a CR, LF or NUL, which
// some client could read as the start of a new line.
func (s *Session) longPiece(o int, line frame) error {
	p := &s.rp
	b := line.Bytes
	last := line.Flags&flagMore == 0
	ctl := hasCtl(b, last)
	p.longCtl = p.longCtl || longEnds(b, last)
	if !p.longDrop && ctl {
		p.longDrop, p.longCut = true, true
	}
	if !p.longDrop {
		if err := p.pass(s, o, len(b)); err != nil {
			return err
		}
	}
	if !last {
		return nil
	}
	p.inLong = false
	info := p.long
	if p.longCtl && !info.final && (p.multi != 0 || info.sep == '-') {
		// As for a short line with a bare CR, LF or NUL (endsInside).
		info.final, info.sep = true, ' '
		if p.multi != 0 {
			info.code = p.multi
		}
	}
	s.endLine(&info)
	switch {
	case p.longCut:
		s.srvBusy = true
		s.mu.Unlock()
		s.refuse(ServerToClient, b, ErrBadLine)
		s.mu.Lock()
		p.out = append(p.out[:0], " [rest of the line removed by the proxy]\r\n"...)
		if err := s.flushReplies(p.out); err != nil {
			return err
		}
	case p.longDrop:
		if err := s.replaceReply(b, info, ErrLineTooLong); err != nil {
			return err
		}
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
	switch reason {
	case ErrLineTooLong:
		what = "line too long."
	case ErrStrayAddress:
		what = "not the answer to a passive command."
	}
	out := p.out[:0]
	switch {
	case info.matched:
		out = appendReply(out, info.finalCode(425), "Can't open data connection: reply refused by the proxy: "+what)
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
	ap, err := forms[info.sent].parse(str(body))
	if info.sent == fEPSV {
		ap = netip.AddrPortFrom(s.cfg.ServerAddr, ap.Port())
	}
	s.srvBusy = true
	s.mu.Unlock()
	var rw Rewrite
	ev := Event{Dir: ServerToClient, Form: info.sent, Asked: info.asked, Addr: ap, Line: b}
	switch {
	case err != nil:
		err = reparse(info.sent, body)
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
		out = appendReply(p.out[:0], info.finalCode(vetoCode(err, 425, 400)), vetoText(err, "Can't open data connection."))
	}
	s.mu.Lock()
	p.out = out
	return s.flushReplies(p.out)
}

package alg

import (
	"bytes"
	"io"

	"github.com/ftpkit/hostport"
)

// cmdPump is the state of CopyCommands.
type cmdPump struct {
	f       framer
	out     []byte // a regenerated command, or a reply to the client
	norm    []byte // a command body after Telnet processing
	canon   []byte // a data-setup, passive or AUTH command, as every server reads it
	rs, re  int    // f.buf[rs:re] is passed on and not yet written
	others  uint32 // ordinary commands in the run, not yet queued
	started bool   // the first line has been seen
	epsvAll bool
}

// CopyCommands copies the client's commands, read from src, to the server,
// until src ends (it then returns nil) or fails, or a write fails. It
// rewrites or refuses the data-setup commands and answers the refused ones on
// the client writer, and after a 234 reply to AUTH it copies the rest raw.
// It returns ErrNotFTP if the client's first line is not an FTP command and
// Config.PassNonFTP is not set.
func (s *Session) CopyCommands(src io.Reader) error {
	p := &s.cp
	p.f.reset(src)
	for {
		switch s.mode.Load() {
		case modeRaw:
			return s.rawCommands(src)
		case modeStop:
			return ErrNotFTP
		}
		o := p.f.start
		line, ok := p.f.next()
		if !ok {
			if err := s.flushCommands(); err != nil {
				return err
			}
			if err := p.f.fill(); err != nil {
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
	if b := p.f.buffered(); len(b) > 0 {
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

// command handles one line from the client, which starts at offset o of the
// framer's buffer.
func (s *Session) command(o int, line frame) error {
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
		if line.Flags&flagMore != 0 {
			return nil // a piece of an over-long line: dropped
		}
		reason, text := ErrBadLine, "Command line contains a bare CR, bare LF or NUL."
		if line.Flags&flagLong != 0 {
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
	if v.odd && !isCommand(k.form()) {
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
		if s.cfg.PassiveAs != 0 && s.cfg.PassiveAs != fEPSV {
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
	p.out = append(append(p.out[:0], sent.Verb()...), '\r', '\n')
	_, err := s.toServer.Write(p.out)
	return err
}

// dataCommand handles PORT, EPRT and LPRT: cmd is the command body from the
// verb on, after Telnet processing; b is the line as received.
func (s *Session) dataCommand(b, cmd []byte, f hostport.Form) error {
	p := &s.cp
	if p.epsvAll {
		s.refuse(ClientToServer, b, ErrEPSVAll)
		return s.localReply(501, epsvAllText(f))
	}
	ap, err := forms[f].parse(str(cmd))
	if err != nil {
		err = reparse(f, cmd)
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

// reparse parses line, of form f, again from a copy, for an error that can
// be kept: the session parses the lines in its buffers without copying them
// (str).
func reparse(f hostport.Form, line []byte) error {
	_, err := forms[f].parse(string(line))
	return err
}

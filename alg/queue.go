package alg

import "github.com/ftpkit/hostport"

// entryKind is the kind of an entry in the queue of outstanding commands.
type entryKind uint8

const (
	// eOther stands for n commands whose replies the session only passes on.
	eOther entryKind = iota
	// ePassive is a PASV, EPSV or LPSV sent to the server.
	ePassive
	// eAuth is an AUTH command: a 234 reply to it starts TLS.
	eAuth
	// eLocal is a reply that the session itself sends the client, in its
	// turn, for a command it refused.
	eLocal
)

// An entry is a command, or a run of commands, waiting for its reply, or a
// reply the session makes, in the order of the commands.
type entry struct {
	kind  entryKind
	sent  hostport.Form // ePassive: the reply form of the passive command sent to the server
	asked hostport.Form // ePassive: the reply form of the passive command the client sent
	code  uint16        // eLocal: the reply code
	n     uint32        // eOther: the number of commands
	text  string        // eLocal: the reply text
}

// queueCap bounds the entries in the queue; runs of ordinary commands take
// one entry however long they are, so only passive commands, AUTH and
// refused commands that the client sends before the replies to earlier
// commands come count. It is a power of two.
const queueCap = 64

// queue is a fixed ring of entries, oldest first. Its methods are called with
// Session.mu held.
type queue struct {
	buf  [queueCap]entry
	head int
	n    int
}

func (q *queue) full() bool { return q.n == len(q.buf) }

func (q *queue) at(i int) *entry { return &q.buf[(q.head+i)&(len(q.buf)-1)] }

// push adds e at the tail; the caller has made sure the queue is not full,
// unless e merges into a run of ordinary commands at the tail.
func (q *queue) push(e entry) {
	if e.kind == eOther && q.n > 0 {
		if t := q.at(q.n - 1); t.kind == eOther {
			t.n += e.n
			return
		}
	}
	*q.at(q.n) = e
	q.n++
}

// needsRoom reports whether pushing e needs a free entry.
func (q *queue) needsRoom(e entry) bool {
	if e.kind == eOther && q.n > 0 && q.at(q.n-1).kind == eOther {
		return false
	}
	return q.full()
}

// headLocal reports whether the oldest entry is a reply of the session's.
func (q *queue) headLocal() bool { return q.n > 0 && q.buf[q.head].kind == eLocal }

// pop removes the oldest entry.
func (q *queue) pop() {
	q.buf[q.head] = entry{}
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
}

// popReply takes the command that a final reply from the server answers and
// returns its kind and, for a passive command, its forms; ok is false if no
// command is outstanding, or if the oldest entry is a reply of the session's
// (then the reply is unsolicited).
func (q *queue) popReply() (kind entryKind, sent, asked hostport.Form, ok bool) {
	if q.n == 0 {
		return 0, 0, 0, false
	}
	h := &q.buf[q.head]
	switch h.kind {
	case eLocal:
		return 0, 0, 0, false
	case eOther:
		if h.n--; h.n == 0 {
			q.pop()
		}
		return eOther, 0, 0, true
	}
	kind, sent, asked = h.kind, h.sent, h.asked
	q.pop()
	return kind, sent, asked, true
}

// clear empties the queue.
func (q *queue) clear() {
	for q.n > 0 {
		q.pop()
	}
	q.head = 0
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

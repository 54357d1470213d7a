package main

import (
	"bufio"
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ftpkit/hostport"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"
)

// tracer follows the FTP control connections of a capture and the data
// connections their negotiations announce.
type tracer struct {
	out       *bufio.Writer
	json      bool
	lineFlush bool // flush out after each line (progress shows on a terminal)
	writeErr  error

	lim     traceLimits
	asm     *reassembly.Assembler
	streams []*stream            // the connections the reassembly tracks
	conns   map[connKey]*ctlConn // FTP control connections, open or parked

	watches     map[netip.AddrPort][]*negotiation // data endpoints waited for
	recent      map[netip.AddrPort][]tcpEvent     // recent SYNs and answers, by endpoint
	recentOrder []netip.AddrPort                  // their endpoints, oldest first, from recentHead on
	recentHead  int
	queue       []*negotiation // negotiations not yet printed, in order

	// now is the capture time of the latest packet; clock is the time the
	// reassembly is given, the capture time made to grow by at least a
	// nanosecond a packet, so that it orders the connections by their last
	// packet even when a capture gives many packets one time.
	now, clock, lastFlush time.Time
	lineBytes             int         // bytes of the lines read in part, or held, and of the windows
	conflicts             int         // retransmissions that differ from what they repeat
	lasts                 []time.Time // scratch for evictStreams

	// What the limits made the trace forget.
	evictedStreams, evictedForLines, evictedControls, evictedNegotiations, evictedEvents int

	// Counts for the summary and the progress.
	packets, controls, negotiations, tlsConns int
	gaps, noReply, cut                        int
	byForm                                    map[hostport.Form]int
	unsupportedLink                           map[layers.LinkType]int
	problems                                  []*problem
	problemIndex                              map[problemKey]*problem
	droppedProblems                           int
}

func newTracer(out *bufio.Writer, json bool, lim traceLimits) *tracer {
	t := &tracer{
		out:             out,
		json:            json,
		lim:             lim,
		conns:           make(map[connKey]*ctlConn),
		watches:         make(map[netip.AddrPort][]*negotiation),
		recent:          make(map[netip.AddrPort][]tcpEvent),
		byForm:          make(map[hostport.Form]int),
		unsupportedLink: make(map[layers.LinkType]int),
		problemIndex:    make(map[problemKey]*problem),
	}
	t.asm = reassembly.NewAssembler(reassembly.NewStreamPool(&streamFactory{t}))
	t.asm.MaxBufferedPagesPerConnection = pagesPerConn
	t.asm.MaxBufferedPagesTotal = pagesTotal
	return t
}

// connKey identifies a TCP connection by its two ends, in a fixed order.
type connKey struct{ a, b netip.AddrPort }

func newConnKey(x, y netip.AddrPort) connKey {
	if x.Compare(y) > 0 {
		x, y = y, x
	}
	return connKey{x, y}
}

// ctlConn is an FTP control connection: its ends, the lines being read from
// each, and the commands waiting for their replies. It outlives the
// reassembly's stream when the connection is quiet for long, as it is during
// a long transfer.
type ctlConn struct {
	key            connKey
	client, server netip.AddrPort
	lines          [2]lineBuf // by role: roleClient, roleServer
	pending        []pendingCmd
	multi          string  // the code of a multi-line reply being read, if any
	multiFirst     string  // and its first line
	multiSpan      seqSpan // and where it started
	greeted        bool    // the greeting has been read (or was not in the capture)
	tls            bool    // AUTH TLS succeeded: the rest is encrypted
	last           *negotiation
	lastSeen       time.Time
	lastPacket     int  // the number of the packet of its last line, for evictControls
	live           bool // the reassembly tracks its stream (it is not parked)
}

const (
	roleClient = 0
	roleServer = 1
)

// A pendingCmd is a command waiting for its reply.
type pendingCmd struct {
	verb string
	form hostport.Form // the negotiation's form, if the command is one
	neg  *negotiation  // the negotiation, until it is printed
}

// streamFactory makes the reassembly's streams.
type streamFactory struct{ t *tracer }

func (f *streamFactory) New(netFlow, tcpFlow gopacket.Flow, tcp *layers.TCP, _ reassembly.AssemblerContext) reassembly.Stream {
	s := &stream{t: f.t, idx: len(f.t.streams)}
	f.t.streams = append(f.t.streams, s)
	s.ends[0] = flowEnd(netFlow.Src(), tcpFlow.Src())
	s.ends[1] = flowEnd(netFlow.Dst(), tcpFlow.Dst())
	key := newConnKey(s.ends[0], s.ends[1])
	if c := f.t.conns[key]; c != nil {
		if tcp.SYN {
			delete(f.t.conns, key) // a new connection between the same ends
		} else {
			s.state, s.c = stateControl, c // a parked control connection resumes
			c.live = true
		}
	}
	return s
}

// flowEnd converts gopacket endpoints to an address and port.
func flowEnd(ip, port gopacket.Endpoint) netip.AddrPort {
	a, _ := netip.AddrFromSlice(ip.Raw())
	p := port.Raw()
	if len(p) != 2 {
		return netip.AddrPortFrom(a, 0)
	}
	return netip.AddrPortFrom(a, uint16(p[0])<<8|uint16(p[1]))
}

type streamState int

const (
	stateUnknown streamState = iota // not yet known whether it is FTP control
	stateControl                    // an FTP control connection
	stateIgnored                    // anything else, or encrypted
)

// maxHeld is the most lines read from a connection picked up mid-stream
// before it is known to be FTP control or not; maxGreetingLines is the
// longest greeting read.
const (
	maxHeld          = 8
	maxGreetingLines = 200
)

// stream is the reassembly's view of one TCP connection.
type stream struct {
	t     *tracer
	idx   int               // its index in t.streams
	last  time.Time         // the reassembly's clock at its last packet
	ends  [2]netip.AddrPort // the source of each reassembly direction
	state streamState
	c     *ctlConn

	// Before the state is known: the lines read so far from each direction.
	lines      [2]lineBuf
	held       []heldLine
	greeter    int    // 1+ the direction that sent a 220 greeting first, or 0
	greetFirst string // the greeting's first line
	greetDone  bool   // its last line has been read
	greetLines int    // the number of lines after the first
	heldBytes  int    // the bytes of held and greetFirst, counted in t.lineBytes

	// The sequence number after the last byte handed over in each
	// direction, if known, and (control connections only) the last bytes
	// handed over, up to retransmitWindow, to compare retransmissions with.
	next       [2]uint32
	nextOK     [2]bool
	window     [2][]byte
	winCounted int // the capacity of the windows, counted in t.lineBytes
}

// retransmitWindow is how many of the last bytes of each direction of a
// control connection are kept, to tell whether a retransmission of them
// carries the same bytes.
const retransmitWindow = 512

// A seqSpan is the span of sequence numbers of a line or reply, from to to
// (not included); ok is false if they are not known.
type seqSpan struct {
	from, to uint32
	ok       bool
}

// seqDiff returns b-a for TCP sequence numbers, which wrap around: positive
// if b comes after a.
func seqDiff(a, b uint32) int { return int(int32(b - a)) }

// overlaps reports whether the spans share a sequence number.
func (a seqSpan) overlaps(b seqSpan) bool {
	return a.ok && b.ok && seqDiff(a.from, b.to) > 0 && seqDiff(b.from, a.to) > 0
}

// A heldLine is a line read before a connection is known to be FTP control.
type heldLine struct {
	dir  int
	text string
	time time.Time
	span seqSpan
}

func (s *stream) Accept(tcp *layers.TCP, ci gopacket.CaptureInfo, d reassembly.TCPFlowDirection, nextSeq reassembly.Sequence, start *bool, _ reassembly.AssemblerContext) bool {
	s.last = ci.Timestamp // the reassembly's clock, which it keeps as the connection's last time
	if s.state == stateIgnored {
		return false
	}
	dir := dirIndex(d)
	if nextSeq == -1 {
		// The first segment of the direction: the data starts after the
		// SYN, or here if the capture missed the connection's start.
		s.next[dir], s.nextOK[dir] = tcp.Seq, true
		if tcp.SYN {
			s.next[dir]++
		} else {
			*start = true
		}
	}
	if s.state == stateControl && len(tcp.Payload) > 0 && len(s.window[dir]) > 0 {
		s.checkRetransmit(dir, tcp.Seq, tcp.Payload)
	}
	if (tcp.FIN || tcp.RST) && s.c != nil {
		s.t.closing(s.c)
	}
	return true
}

func (s *stream) ReassembledSG(sg reassembly.ScatterGather, ac reassembly.AssemblerContext) {
	if s.state == stateIgnored {
		return
	}
	n, _ := sg.Lengths()
	d, _, _, skip := sg.Info()
	dir := dirIndex(d)
	if skip > 0 {
		s.next[dir] += uint32(skip)
	}
	if n == 0 {
		return
	}
	base, baseOK := s.next[dir], s.nextOK[dir]
	s.next[dir] = base + uint32(n)
	// span returns the span of the line whose '\n' is at off, n bytes long.
	span := func(off, n int) seqSpan {
		if !baseOK {
			return seqSpan{}
		}
		end := base + uint32(off+1)
		return seqSpan{end - uint32(n), end, true}
	}
	data := sg.Fetch(n)
	defer func() {
		if s.state == stateControl {
			s.remember(dir, data, skip > 0)
		}
	}()
	at := func(off int) time.Time {
		if ci := sg.CaptureInfo(off); !ci.Timestamp.IsZero() {
			return captureTime(ci)
		}
		if ac != nil {
			return captureTime(ac.GetCaptureInfo())
		}
		return s.t.now
	}
	if s.state == stateControl {
		s.t.controlData(s, dir, data, skip > 0, at, span)
		return
	}
	if skip > 0 {
		// Bytes are missing before any line was understood: give up.
		s.ignore()
		return
	}
	s.lines[dir].feed(data, func(text []byte, off, n int) bool {
		if s.state == stateControl {
			s.t.controlLine(s.c, s.role(dir), text, at(off), span(off, n))
			if s.c.tls {
				s.ignore()
			}
		} else {
			s.detect(dir, string(text), at(off), span(off, n))
		}
		return s.state != stateIgnored
	}, func() bool {
		s.ignore()
		return false
	})
	s.lines[dir].account(&s.t.lineBytes)
	if s.state == stateControl {
		// Hand what is left of partly read lines over to the control
		// connection.
		for d := range s.lines {
			s.c.lines[s.role(d)] = s.lines[d]
		}
		s.lines = [2]lineBuf{}
	}
}

// ReassemblyComplete is called when the reassembly stops tracking the
// connection: at its end, or when it was quiet for long or evicted. A
// control connection is then parked: its state is kept, without the lines
// it was reading, as what follows may not join them.
func (s *stream) ReassemblyComplete(_ reassembly.AssemblerContext) bool {
	t := s.t
	if s.idx < len(t.streams) && t.streams[s.idx] == s {
		last := t.streams[len(t.streams)-1]
		last.idx = s.idx
		t.streams[s.idx] = last
		t.streams[len(t.streams)-1] = nil
		t.streams = t.streams[:len(t.streams)-1]
		s.idx = -1
	}
	if c := s.c; c != nil && s.state != stateUnknown {
		c.live = false
		for r := range c.lines {
			if len(c.lines[r].buf) > 0 {
				c.lines[r].release(&t.lineBytes)
				c.lines[r].skipping = true
			}
		}
	}
	s.ignore()
	return true
}

// ignore stops looking at the connection.
func (s *stream) ignore() {
	s.state = stateIgnored
	for d := range s.lines {
		s.lines[d].release(&s.t.lineBytes)
	}
	s.dropHeld()
	s.window = [2][]byte{}
	s.t.lineBytes -= s.winCounted
	s.winCounted = 0
}

// dirIndex returns 0 for the direction the reassembly saw first, 1 for the
// other.
func dirIndex(d reassembly.TCPFlowDirection) int {
	if d == reassembly.TCPDirServerToClient {
		return 1
	}
	return 0
}

// remember keeps the last bytes handed over in direction dir, after a gap
// if gap is true.
func (s *stream) remember(dir int, data []byte, gap bool) {
	w := s.window[dir]
	if gap {
		w = w[:0]
	}
	if len(data) >= retransmitWindow {
		w = append(w[:0], data[len(data)-retransmitWindow:]...)
	} else {
		if over := len(w) + len(data) - retransmitWindow; over > 0 {
			w = w[:copy(w, w[over:])]
		}
		w = append(w, data...)
	}
	s.t.lineBytes += cap(w) - cap(s.window[dir])
	s.winCounted += cap(w) - cap(s.window[dir])
	s.window[dir] = w
}

// checkRetransmit compares the payload of a segment at seq with the bytes
// already handed over in direction dir that it repeats, if they are still
// in the window, and reports the bytes that differ.
func (s *stream) checkRetransmit(dir int, seq uint32, payload []byte) {
	w := s.window[dir]
	next := s.next[dir]
	wStart := next - uint32(len(w))
	from, to := seq, seq+uint32(len(payload))
	if seqDiff(wStart, from) < 0 {
		from = wStart
	}
	if seqDiff(next, to) > 0 {
		to = next
	}
	if seqDiff(from, to) <= 0 {
		return // nothing handed over is repeated
	}
	a, b := seqDiff(seq, from), seqDiff(seq, to)
	c, d := seqDiff(wStart, from), seqDiff(wStart, to)
	if a < 0 || b > len(payload) || c < 0 || d > len(w) || b-a != d-c {
		return // seq is half the sequence space away: no retransmission
	}
	got, had := payload[a:b], w[c:d]
	i := 0
	for i < len(got) && got[i] == had[i] {
		i++
	}
	if i == len(got) {
		return
	}
	j := len(got)
	for got[j-1] == had[j-1] {
		j--
	}
	s.t.conflicting(s.c, s.role(dir), seqSpan{from + uint32(i), from + uint32(j), true})
}

// hold counts n more bytes kept in held or greetFirst.
func (s *stream) hold(n int) {
	s.heldBytes += n
	s.t.lineBytes += n
}

// dropHeld forgets the held lines and the greeting's first line.
func (s *stream) dropHeld() {
	s.held, s.greetFirst = nil, ""
	s.t.lineBytes -= s.heldBytes
	s.heldBytes = 0
}

// role returns the role (roleClient or roleServer) of the stream's
// direction dir in its control connection.
func (s *stream) role(dir int) int {
	if s.ends[dir] == s.c.client {
		return roleClient
	}
	return roleServer
}

// detect looks at a line read before the connection is known to be FTP
// control. It is control if the first line of one side is a 220 greeting and
// the other side then sends a command; or, for a connection whose start is
// not in the capture, if one side sends an FTP command and the other a reply.
// Anything else (a line that is neither a command nor a reply, an SMTP
// client's greeting) means the connection is not FTP control.
func (s *stream) detect(dir int, text string, ts time.Time, span seqSpan) {
	verb, _ := splitCommand(text)
	reply := isReplyLine(text)
	switch {
	case s.greeter == 0 && len(s.held) == 0 && reply && text[:3] == "220":
		s.greeter = 1 + dir
		s.greetFirst = text
		s.hold(len(text))
		s.greetDone = text[3:4] != "-"
		return
	case s.greeter == 1+dir:
		// More of the greeting (or replies before any command).
		if !reply && !isContinuation(text) {
			s.ignore()
			return
		}
		if !s.greetDone && strings.HasPrefix(text, "220 ") {
			s.greetDone = true
		}
		if s.greetLines++; s.greetLines > maxGreetingLines {
			s.ignore()
		}
		return
	case s.greeter != 0:
		if verb == "" || verb == "EHLO" || verb == "HELO" || verb == "LHLO" {
			s.ignore()
			return
		}
		s.held = append(s.held, heldLine{dir, text, ts, span})
		s.hold(len(text))
		s.become(dir, false)
		return
	case verb == "" && !reply:
		s.ignore()
		return
	}
	// Mid-stream: an FTP command on one side and a reply after it on the
	// other.
	s.held = append(s.held, heldLine{dir, text, ts, span})
	s.hold(len(text))
	if reply {
		for _, h := range s.held {
			if v, _ := splitCommand(h.text); h.dir != dir && ftpVerbs[v] {
				s.become(h.dir, true)
				return
			}
		}
	}
	if len(s.held) >= maxHeld {
		s.ignore()
	}
}

// isContinuation reports whether text can be a middle line of a multi-line
// reply, such as a greeting's: printable text.
func isContinuation(text string) bool {
	for i := 0; i < len(text); i++ {
		if c := text[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// become makes the stream an FTP control connection whose client sends the
// direction clientDir, and replays the lines held so far.
func (s *stream) become(clientDir int, midStream bool) {
	t := s.t
	c := &ctlConn{
		client:     s.ends[clientDir],
		server:     s.ends[1-clientDir],
		greeted:    midStream || s.greetDone,
		lastSeen:   t.now,
		lastPacket: t.packets,
		live:       true,
	}
	if !midStream && !s.greetDone {
		c.multi, c.multiFirst = "220", clipFirst(s.greetFirst) // the greeting goes on
	}
	if midStream {
		// A client that sends its first command before the greeting
		// arrives looks like a connection picked up mid-stream: its first
		// server line is then the greeting, not a reply.
		for _, h := range s.held {
			if h.dir != clientDir {
				c.greeted = !strings.HasPrefix(h.text, "220")
				break
			}
		}
	}
	c.key = newConnKey(c.client, c.server)
	if len(t.conns) >= t.lim.conns {
		t.evictControls()
	}
	t.conns[c.key] = c
	t.controls++
	s.state, s.c = stateControl, c
	held := s.held
	s.dropHeld()
	for _, h := range held {
		t.controlLine(c, s.role(h.dir), []byte(h.text), h.time, h.span)
	}
}

// controlData reads data from a control connection.
func (t *tracer) controlData(s *stream, dir int, data []byte, gap bool, at func(int) time.Time, span func(off, n int) seqSpan) {
	role := s.role(dir)
	lb := &s.c.lines[role]
	if gap {
		// Bytes are missing: the line they cut is lost, unless the gap
		// fell between lines.
		t.gaps++
		if len(lb.buf) > 0 || !startsLine(data, role) {
			lb.buf, lb.skipping = lb.buf[:0], true
		}
	}
	lb.feed(data, func(text []byte, off, n int) bool {
		t.controlLine(s.c, role, text, at(off), span(off, n))
		if s.c.tls { // encrypted from here on
			s.ignore()
			return false
		}
		return true
	}, func() bool { return true })
	lb.account(&t.lineBytes)
}

// controlLine handles one line of a control connection, which spans span.
func (t *tracer) controlLine(c *ctlConn, role int, text []byte, ts time.Time, span seqSpan) {
	if c.tls {
		return
	}
	c.lastSeen, c.lastPacket = t.now, t.packets
	if role == roleClient {
		verb, _ := splitCommand(string(text))
		if verb == "" {
			return
		}
		pc := pendingCmd{verb: verb}
		if form := negotiationForm(verb, string(text)); form != 0 {
			pc.form = form
			pc.neg = t.newNegotiation(c, form, string(text), ts)
			pc.neg.cmdSpan = span
		}
		if len(c.pending) == maxPendingCommands {
			c.pending = c.pending[1:] // the replies are out of step: forget the oldest
		}
		c.pending = append(c.pending, pc)
		return
	}

	line := string(text)
	if c.multi != "" {
		if len(line) >= 4 && line[:3] == c.multi && line[3] == ' ' {
			first := c.multiFirst
			span.from, span.ok = c.multiSpan.from, span.ok && c.multiSpan.ok
			c.multi, c.multiFirst, c.multiSpan = "", "", seqSpan{}
			t.replyDone(c, first, ts, span)
		}
		return
	}
	if !isReplyLine(line) {
		return
	}
	if len(line) >= 4 && line[3] == '-' {
		c.multi, c.multiFirst, c.multiSpan = line[:3], clipFirst(line), span
		return
	}
	t.replyDone(c, line, ts, span)
}

// replyDone handles a complete reply whose first line is first, and which
// spans span.
func (t *tracer) replyDone(c *ctlConn, first string, ts time.Time, span seqSpan) {
	code := int(first[0]-'0')*100 + int(first[1]-'0')*10 + int(first[2]-'0')
	if !c.greeted {
		c.greeted = true
		if len(c.pending) == 0 || code == 220 {
			return // the greeting
		}
	}
	if code < 200 || len(c.pending) == 0 {
		return // a preliminary reply, or one nobody asked for
	}
	// The reply answers the oldest command, unless replies were lost (the
	// capture misses packets): a 227, 228 or 229 reply answers the oldest
	// PASV, LPSV or EPSV waiting.
	i := 0
	for j, pc := range c.pending {
		if isPassive(pc.form) && pc.form.String() == first[:3] {
			i = j
			break
		}
	}
	for _, pc := range c.pending[:i] {
		if pc.neg != nil {
			t.abandon(pc.neg)
		}
	}
	pc := c.pending[i]
	c.pending = c.pending[i+1:]
	if pc.verb == "AUTH" && code == 234 {
		// TLS from here on: nothing more can be read.
		t.tlsConns++
		t.closing(c)
		c.tls = true
		return
	}
	if pc.neg != nil {
		pc.neg.replySpan = span
		t.negotiationReply(pc.neg, code, first, ts)
	}
}

// conflicting notes that a retransmission on control connection c, from
// role, carried other bytes than were first sent, in span: the negotiation
// whose command or reply they are in is flagged, if it is not printed yet.
func (t *tracer) conflicting(c *ctlConn, role int, span seqSpan) {
	t.conflicts++
	flag := func(n *negotiation) {
		if n == nil {
			return
		}
		if role == roleClient && n.cmdSpan.overlaps(span) || role == roleServer && n.replySpan.overlaps(span) {
			n.conflict = true
		}
	}
	flag(c.last)
	for _, pc := range c.pending {
		flag(pc.neg)
	}
}

// closing notes that a control connection is ending: no data connection
// starts after that, so its last negotiation stops waiting for one.
func (t *tracer) closing(c *ctlConn) {
	if n := c.last; n != nil {
		t.finalize(n)
		if !n.replied {
			n.deadline = t.now
		}
	}
	delete(t.conns, c.key)
}

// expire ends the negotiations that waited too long for their data
// connections, and forgets the control connections quiet for too long.
func (t *tracer) expire() {
	for _, n := range t.queue {
		if !(n.done && n.replied) && t.now.After(n.deadline) {
			t.abandon(n)
		}
	}
	for k, c := range t.conns {
		if t.now.Sub(c.lastSeen) > parkTimeout {
			delete(t.conns, k)
		}
	}
}

// lineBuf splits the bytes of one direction of a connection into lines.
//
// It frames lines as standard input and annotate do with lineReader: a
// line ends at "\n", and a "\r" just before it belongs to the line ending, so
// "\r\n" and a bare "\n" both end a line and a bare "\r" does not. It
// differs where a control connection differs from a text file: the bytes
// are pushed to it as the reassembly delivers them, rather than pulled from
// an io.Reader; a line longer than maxCtlLine is skipped whole (feed's
// caller is told), rather than given in pieces; and the bytes after the last
// "\n" wait for the next segment and never make a line of their own: a line
// cut off by the end of the connection or by a gap in the capture is
// dropped, not read as a command or reply that was not sent whole. The
// buffer it holds between segments is counted in the tracer's memory limit.
type lineBuf struct {
	buf      []byte
	skipping bool // inside a line longer than maxCtlLine, or cut by a gap
	counted  int  // the capacity of buf counted in the tracer's lineBytes
}

// account brings the count of held bytes up to date with the capacity of
// the buffer.
func (lb *lineBuf) account(held *int) {
	*held += cap(lb.buf) - lb.counted
	lb.counted = cap(lb.buf)
}

// release frees the buffer and its count; the part of a line in it is lost.
func (lb *lineBuf) release(held *int) {
	*held -= lb.counted
	*lb = lineBuf{}
}

// keptLineCap is the largest buffer a lineBuf keeps between lines; a larger
// one, grown for a long line, is freed when the line ends.
const keptLineCap = 256

// feed reads data, calling line for each line completed, without its "\r\n"
// or "\n", with the offset in data of its '\n' and its length with them;
// and tooLong when a line is longer than maxCtlLine, which is skipped. Either
// stops the reading by returning false.
func (lb *lineBuf) feed(data []byte, line func(text []byte, off, n int) bool, tooLong func() bool) {
	off := 0
	for off < len(data) {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			if !lb.skipping {
				if len(lb.buf)+len(data)-off > maxCtlLine {
					lb.buf, lb.skipping = nil, true
					if !tooLong() {
						return
					}
				} else {
					lb.buf = append(lb.buf, data[off:]...)
				}
			}
			return
		}
		end := off + i
		if lb.skipping {
			lb.skipping = false
			off = end + 1
			continue
		}
		text := data[off:end]
		if len(lb.buf) > 0 {
			lb.buf = append(lb.buf, text...)
			text = lb.buf
		}
		if len(text) > maxCtlLine {
			lb.buf = nil
			if !tooLong() {
				return
			}
			off = end + 1
			continue
		}
		ok := line(bytes.TrimSuffix(text, []byte{'\r'}), end, len(text)+1)
		lb.buf = lb.buf[:0]
		if cap(lb.buf) > keptLineCap {
			lb.buf = nil
		}
		if !ok {
			return
		}
		off = end + 1
	}
}

// splitCommand returns the verb of a command line in upper case, and its
// argument; the verb is "" if the line is not a command (three or four
// letters, then a space or the end of the line). Telnet IAC sequences that
// clients send before ABOR are skipped.
func splitCommand(line string) (verb, arg string) {
	for len(line) > 0 && line[0] >= 0x80 {
		line = line[1:]
	}
	i := 0
	for i < len(line) && i < 5 && ('a' <= line[i]|0x20 && line[i]|0x20 <= 'z') {
		i++
	}
	if i < 3 || i > 4 || (i < len(line) && line[i] != ' ') {
		return "", ""
	}
	verb = strings.ToUpper(line[:i])
	if i < len(line) {
		arg = line[i+1:]
	}
	return verb, arg
}

// startsLine reports whether data starts as a line from role does: a reply
// from the server, a command from the client.
func startsLine(data []byte, role int) bool {
	n := min(len(data), 6)
	if role == roleServer {
		return n >= 4 && isReplyLine(string(data[:4]))
	}
	verb, _ := splitCommand(string(data[:n]))
	return verb != "" || n >= 5 && data[3] == ' '
}

// isReplyLine reports whether line starts as a reply does: three digits,
// the first 1 to 5, then a space, '-' or the end of the line.
func isReplyLine(line string) bool {
	return len(line) >= 3 && '1' <= line[0] && line[0] <= '5' && isDecimal(line[1]) && isDecimal(line[2]) &&
		(len(line) == 3 || line[3] == ' ' || line[3] == '-')
}

// ftpVerbs are FTP commands that other protocols do not have; one of them
// marks a connection picked up mid-stream as FTP control.
var ftpVerbs = map[string]bool{
	"USER": true, "PASS": true, "ACCT": true, "CWD": true, "CDUP": true, "SMNT": true,
	"REIN": true, "PORT": true, "PASV": true, "TYPE": true, "STRU": true, "MODE": true,
	"RETR": true, "STOR": true, "STOU": true, "APPE": true, "ALLO": true, "REST": true,
	"RNFR": true, "RNTO": true, "ABOR": true, "DELE": true, "RMD": true, "MKD": true,
	"PWD": true, "LIST": true, "NLST": true, "SITE": true, "SYST": true, "FEAT": true,
	"OPTS": true, "EPRT": true, "EPSV": true, "LPRT": true, "LPSV": true, "SIZE": true,
	"MDTM": true, "MLSD": true, "MLST": true, "PBSZ": true, "PROT": true, "CCC": true,
	"XPWD": true, "XCWD": true, "XMKD": true, "XRMD": true, "CLNT": true,
}

// negotiationForm returns the form of a command that negotiates a data
// connection, PASV, EPSV, LPSV, PORT, EPRT or LPRT (the passive commands as
// the forms of the replies that answer them), or 0 for any other command,
// "EPSV ALL" included.
func negotiationForm(verb, line string) hostport.Form {
	if verb == "EPSV" {
		if _, arg := splitCommand(line); strings.EqualFold(arg, "ALL") {
			return 0
		}
	}
	for f := hostport.FormPORT; f <= hostport.FormLPSV; f++ {
		if f.Verb() == verb {
			return f
		}
	}
	return 0
}

// maxKeptFirstLine is the longest first line of a multi-line reply kept
// until its last line.
const maxKeptFirstLine = 512

// clipFirst cuts the first line of a multi-line reply to maxKeptFirstLine.
func clipFirst(line string) string {
	if len(line) > maxKeptFirstLine {
		return strings.Clone(line[:maxKeptFirstLine])
	}
	return line
}

// isPassive reports whether form is a passive form: PASV, EPSV or LPSV.
func isPassive(form hostport.Form) bool {
	return form == hostport.FormPASV || form == hostport.FormEPSV || form == hostport.FormLPSV
}

// evictStreams makes the reassembly stop tracking the quarter of its
// connections that were quiet the longest, by the number of packets since,
// when it tracks as many as the limit allows. Their data waiting behind a
// gap is handed over first; control connections are parked. forLines says
// that the bytes of lines, not the number of connections, are over the
// limit.
func (t *tracer) evictStreams(forLines bool) {
	n := len(t.streams)
	if n == 0 {
		return
	}
	t.lasts = t.lasts[:0]
	for _, s := range t.streams {
		t.lasts = append(t.lasts, s.last)
	}
	slices.SortFunc(t.lasts, time.Time.Compare)
	// The reassembly's clock grows with every packet, so no two
	// connections share a last time: those before this one are a quarter.
	before := t.lasts[n/4]
	if n < 4 {
		before = t.lasts[n-1].Add(time.Nanosecond)
	}
	t.asm.FlushWithOptions(reassembly.FlushOptions{T: before, TC: before})
	if forLines {
		t.evictedForLines += n - len(t.streams)
	} else {
		t.evictedStreams += n - len(t.streams)
	}
}

// evictControls forgets the quarter of the control connections whose last
// line is the oldest, when there are as many as the limit allows. One that
// the reassembly still tracks goes on being read, but cannot resume once it
// is parked.
func (t *tracer) evictControls() {
	n := len(t.conns)
	if n == 0 {
		return
	}
	order := make([]int, 0, n)
	for _, c := range t.conns {
		order = append(order, c.lastPacket)
	}
	slices.Sort(order)
	before := order[n/4]
	if n < 4 {
		before = order[n-1] + 1
	}
	for k, c := range t.conns {
		if c.lastPacket < before {
			delete(t.conns, k)
			t.evictedControls++
		}
	}
	if len(t.conns) >= t.lim.conns {
		// Many share the last packet number: forget any.
		for k := range t.conns {
			delete(t.conns, k)
			t.evictedControls++
			if len(t.conns) < t.lim.conns*3/4 {
				break
			}
		}
	}
}

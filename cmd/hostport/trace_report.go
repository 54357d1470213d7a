package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ftpkit/hostport"
	"github.com/gopacket/gopacket/layers"
)

// The flags of a negotiation, in the order they are printed.
const (
	flagNATMismatch  = "nat-mismatch"
	flagForeign      = "foreign-address"
	flagPrivileged   = "privileged-port"
	flagRejected     = "rejected"
	flagConflict     = "conflicting-retransmit"
	flagConnected    = "connected"
	flagNoConnection = "no-connection"
)

// maxQuotedLineBytes is the longest command or reply kept for the output.
const maxQuotedLineBytes = 200

// A negotiation is one data-channel negotiation on a control connection: a
// PASV, EPSV or LPSV command and its reply, or a PORT, EPRT or LPRT command
// (and its reply).
type negotiation struct {
	time           time.Time // when the command was sent
	client, server netip.AddrPort
	form           hostport.Form // the command's form: a passive command as its reply's form
	command, reply string
	code           int

	endpoint netip.AddrPort // the data endpoint, if the line names one that parses
	named    netip.Addr     // the address the line names (endpoint's, or 0.0.0.0)
	real     netip.AddrPort // the same port at the peer's real address, if it differs
	peer     netip.Addr     // the host expected to connect to the endpoint
	err      string         // why the address did not parse

	natMismatch, foreign, privileged, rejected bool
	conflict                                   bool // a retransmission of its command or reply differs

	cmdSpan, replySpan seqSpan // where its command and reply are in their streams

	dials       []dial // connection attempts to endpoint or real
	connectedTo netip.AddrPort

	deadline time.Time
	done     bool     // the wait for the data connection is over
	replied  bool     // the reply has been read, or none will be
	conn     *ctlConn // its control connection, until it is printed
}

// A dial is an attempt to open a data connection to an endpoint.
type dial struct {
	to, from netip.AddrPort
	synSeen  bool
	syns     int    // the SYNs sent from from, retransmissions included
	result   string // "connected", "reset" or "" (no answer seen)
}

func (n *negotiation) passive() bool { return isPassive(n.form) }

// sameHost reports whether a and b are the same host: an IPv4-mapped IPv6
// address is its IPv4 address, and zones do not count.
func sameHost(a, b netip.Addr) bool {
	return a.Unmap().WithZone("") == b.Unmap().WithZone("")
}

// newNegotiation records a negotiation command sent on c at ts. A PORT,
// EPRT or LPRT command names its endpoint at once, and the wait for its data
// connection starts (some servers connect before they reply).
func (t *tracer) newNegotiation(c *ctlConn, form hostport.Form, line string, ts time.Time) *negotiation {
	if c.last != nil {
		t.abandon(c.last) // a new negotiation replaces the last one
	}
	n := &negotiation{
		time:     ts,
		client:   c.client,
		server:   c.server,
		form:     form,
		command:  clip(line),
		deadline: ts.Add(watchTimeout),
		conn:     c,
	}
	c.last = n
	t.negotiations++
	for len(t.queue) >= maxWaiting {
		// Too many wait: the oldest is printed as it is.
		h := t.queue[0]
		if !h.done || !h.replied {
			t.evictedNegotiations++
		}
		t.finalize(h)
		h.replied = true
		t.emitReady()
	}
	t.queue = append(t.queue, n)
	if n.passive() {
		n.peer = c.client.Addr()
		return n
	}
	n.peer = c.server.Addr()
	r, err := parseForm(form, line)
	if err != nil {
		n.err = parseReason(err)
		return n
	}
	t.setEndpoint(n, r.ap, c.client.Addr(), ts)
	return n
}

// negotiationReply records the reply to a negotiation command.
func (t *tracer) negotiationReply(n *negotiation, code int, line string, ts time.Time) {
	if n.replied {
		return
	}
	if !replyFits(n.form, code) {
		// Not the reply to this command: the capture lost packets.
		t.abandon(n)
		return
	}
	n.reply, n.code, n.replied = clip(line), code, true
	if code >= 400 {
		n.rejected = true
		t.finalize(n)
		return
	}
	if !n.passive() || n.endpoint.IsValid() || n.err != "" {
		return
	}
	// The reply's code is its form's (replyFits): read it by that form.
	r, err := parseForm(n.form, line)
	if err != nil {
		n.err = parseReason(err)
		t.finalize(n)
		return
	}
	ap := r.ap
	if r.portOnly {
		ap = netip.AddrPortFrom(n.server.Addr(), ap.Port()) // 229 names the control connection's host
	}
	if !n.done {
		n.deadline = ts.Add(watchTimeout)
	}
	t.setEndpoint(n, ap, n.server.Addr(), ts)
}

// replyFits reports whether a reply with code can answer a command of form:
// an error, or the reply that carries the form's address (227 to PASV),
// or a success for PORT, EPRT and LPRT.
func replyFits(form hostport.Form, code int) bool {
	switch {
	case code >= 400:
		return true
	case isPassive(form):
		return strconv.Itoa(code) == form.String()
	}
	return code/100 == 2
}

// setEndpoint sets the endpoint a negotiation names, its flags, and starts
// the wait for its data connection from since on. own is the address the
// packets show for the side that named it.
func (t *tracer) setEndpoint(n *negotiation, ap netip.AddrPort, own netip.Addr, since time.Time) {
	n.named = ap.Addr().Unmap()
	n.endpoint = netip.AddrPortFrom(n.named, ap.Port())
	n.privileged = ap.Port() < 1024
	switch {
	case sameHost(n.named, own):
	case n.passive() && n.named.IsUnspecified():
		// 0.0.0.0 (vsftpd on IPv6) means the control connection's address.
		n.real = netip.AddrPortFrom(own, ap.Port())
	case n.passive():
		n.natMismatch = true
		n.real = netip.AddrPortFrom(own, ap.Port())
	default:
		n.natMismatch, n.foreign = true, true
		n.real = netip.AddrPortFrom(own, ap.Port())
	}
	if n.done {
		return // its control connection has ended
	}
	t.watch(n, n.endpoint, since)
	if n.real.IsValid() && !n.done {
		t.watch(n, n.real, since)
	}
}

// watch starts the wait of n for a data connection to ap, from since on:
// the SYNs and answers already seen since then count.
func (t *tracer) watch(n *negotiation, ap netip.AddrPort, since time.Time) {
	t.watches[ap] = append(t.watches[ap], n)
	n.dials = append(n.dials, dial{to: ap})
	for _, e := range t.recent[ap] {
		if !e.at.Before(since) {
			t.observe(n, e)
		}
	}
}

func (t *tracer) unwatch(n *negotiation, ap netip.AddrPort) {
	ws := t.watches[ap]
	for i, w := range ws {
		if w == n {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(t.watches, ap)
	} else {
		t.watches[ap] = ws
	}
}

// finalize ends the wait of a negotiation for its data connection.
func (t *tracer) finalize(n *negotiation) {
	if n.done {
		return
	}
	n.done = true
	for _, d := range n.dials {
		t.unwatch(n, d.to)
	}
}

// abandon ends both the wait for the data connection and the wait for the
// reply of a negotiation.
func (t *tracer) abandon(n *negotiation) {
	t.finalize(n)
	if !n.replied {
		n.replied = true
		t.noReply++
	}
}

// dialTo returns the negotiation's dial to ap.
func (n *negotiation) dialTo(ap netip.AddrPort) *dial {
	for i := range n.dials {
		if n.dials[i].to == ap {
			return &n.dials[i]
		}
	}
	return nil
}

// A tcpEvent is a segment that opens or refuses a TCP connection: a SYN, a
// SYN-ACK or a RST; or (watchSegment only) another segment of a connection
// being opened.
type tcpEvent struct {
	at       time.Time
	src, dst netip.AddrPort
	syn, ack bool
	rst      bool
}

// target returns the end of the connection that a data endpoint would be:
// the destination of a SYN, the source of the answer to one.
func (e tcpEvent) target() netip.AddrPort {
	if e.syn && !e.ack || !e.syn && !e.rst {
		return e.dst
	}
	return e.src
}

// watchSegment looks at whether a TCP segment opens, or fails to open, a
// data connection that a negotiation waits for: a SYN from the expected peer
// to the endpoint, then the endpoint's SYN-ACK (connected) or RST (reset).
// A capture that holds one direction only shows the peer's SYN and then its
// ACK, which also means connected. SYNs, SYN-ACKs and RSTs are also kept for
// a while, for the negotiations that the reassembly hands over late, when
// the capture lost a segment before them.
func (t *tracer) watchSegment(seg segment) {
	tcp := seg.tcp
	e := tcpEvent{at: t.now, src: seg.src, dst: seg.dst, syn: tcp.SYN, ack: tcp.ACK, rst: tcp.RST}
	if e.syn || e.rst {
		k := e.target()
		t.recent[k] = append(t.recent[k], e)
		t.recentOrder = append(t.recentOrder, k)
		if len(t.recentOrder)-t.recentHead > maxRecent {
			t.dropRecent()
			t.evictedEvents++
		}
	}
	if len(t.watches) == 0 {
		return
	}
	for _, n := range t.watchesCopy(e.target()) {
		t.observe(n, e)
	}
}

// observe applies a TCP event to a negotiation waiting for its endpoint.
func (t *tracer) observe(n *negotiation, e tcpEvent) {
	d := n.dialTo(e.target())
	if d == nil || n.done {
		return
	}
	switch {
	case e.syn && !e.ack:
		if sameHost(e.src.Addr(), n.peer) {
			if d.from != e.src {
				d.syns = 0
			}
			d.from, d.synSeen = e.src, true
			d.syns++
		}
	case e.syn:
		if sameHost(e.dst.Addr(), n.peer) && (!d.synSeen || d.from == e.dst) {
			d.from = e.dst
			t.connect(n, d)
		}
	case e.rst:
		if d.synSeen && d.from == e.dst {
			d.result = "reset"
		}
	default:
		if d.synSeen && d.from == e.src && d.result == "" {
			t.connect(n, d)
		}
	}
}

// pruneRecent forgets the SYNs, SYN-ACKs and RSTs older than any
// negotiation the reassembly may still hand over.
func (t *tracer) pruneRecent() {
	old := t.now.Add(-recentKept)
	for t.recentHead < len(t.recentOrder) && t.recent[t.recentOrder[t.recentHead]][0].at.Before(old) {
		t.dropRecent()
	}
}

// dropRecent forgets the oldest SYN, SYN-ACK or RST kept. The events of an
// endpoint are in the order they came, so the oldest of all is the first of
// its endpoint's.
func (t *tracer) dropRecent() {
	k := t.recentOrder[t.recentHead]
	t.recentHead++
	if es := t.recent[k]; len(es) > 1 {
		t.recent[k] = es[1:]
	} else {
		delete(t.recent, k)
	}
	if t.recentHead >= 1024 && t.recentHead*2 >= len(t.recentOrder) {
		n := copy(t.recentOrder, t.recentOrder[t.recentHead:])
		t.recentOrder = t.recentOrder[:n]
		t.recentHead = 0
	}
}

// watchesCopy returns the negotiations waiting for ap, copied, so that the
// caller may finalize them while it goes through them.
func (t *tracer) watchesCopy(ap netip.AddrPort) []*negotiation {
	ws := t.watches[ap]
	if len(ws) == 0 {
		return nil
	}
	return append([]*negotiation(nil), ws...)
}

// connect records that the dial d of n connected.
func (t *tracer) connect(n *negotiation, d *dial) {
	d.result = "connected"
	n.connectedTo = d.to
	t.finalize(n)
}

// emitReady prints the negotiations at the head of the queue whose waits are
// over, so that they come out in the order they were made.
func (t *tracer) emitReady() {
	i := 0
	for i < len(t.queue) && t.queue[i].done && t.queue[i].replied {
		t.emit(t.queue[i])
		t.queue[i] = nil
		i++
	}
	if i > 0 {
		t.queue = t.queue[i:]
	}
}

// finish ends the trace: it flushes the reassembly, ends every wait, prints
// what is left and the summary.
func (t *tracer) finish() {
	t.asm.FlushAll()
	for _, n := range t.queue {
		t.abandon(n)
	}
	t.emitReady()
	t.summary()
}

// flags returns the flags of a finished negotiation, as printed by the text
// form: connected(ADDR) if the data connection went to the real address.
func (n *negotiation) flags(text bool) []string {
	f := make([]string, 0, 5)
	if n.natMismatch {
		f = append(f, flagNATMismatch)
	}
	if n.foreign {
		f = append(f, flagForeign)
	}
	if n.privileged {
		f = append(f, flagPrivileged)
	}
	if n.rejected {
		f = append(f, flagRejected)
	}
	if n.conflict {
		f = append(f, flagConflict)
	}
	switch {
	case !n.endpoint.IsValid():
	case n.connectedTo.IsValid() && text && n.connectedTo != n.endpoint:
		f = append(f, flagConnected+"("+n.connectedTo.String()+")")
	case n.connectedTo.IsValid():
		f = append(f, flagConnected)
	default:
		f = append(f, flagNoConnection)
	}
	return f
}

// timeText writes a capture time in UTC, to the microsecond.
func timeText(ts time.Time) string {
	return ts.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
}

// jsonNegotiation is the JSON form of a negotiation.
type jsonNegotiation struct {
	Kind        string     `json:"kind"` // "negotiation"
	Time        string     `json:"time"`
	Client      string     `json:"client"`
	Server      string     `json:"server"`
	Form        string     `json:"form"`
	Command     string     `json:"command"`
	Reply       string     `json:"reply,omitempty"`
	Endpoint    string     `json:"endpoint,omitempty"`
	Error       string     `json:"error,omitempty"`
	Flags       []string   `json:"flags"`
	ConnectedTo string     `json:"connected_to,omitempty"`
	Dials       []jsonDial `json:"dials,omitempty"`
}

type jsonDial struct {
	To     string `json:"to"`
	From   string `json:"from"`
	Result string `json:"result"`         // "connected", "reset" or "no-answer"
	SYNs   int    `json:"syns,omitempty"` // SYNs seen, retransmissions included
}

// emit prints a finished negotiation and counts it for the summary. Its
// control connection forgets it: nothing can change it any more.
func (t *tracer) emit(n *negotiation) {
	if c := n.conn; c != nil {
		for i := range c.pending {
			if c.pending[i].neg == n {
				c.pending[i].neg = nil
			}
		}
		if c.last == n {
			c.last = nil
		}
		n.conn = nil
	}
	t.account(n)
	if t.writeErr != nil {
		return
	}
	if t.json {
		j := jsonNegotiation{
			Kind:    "negotiation",
			Time:    timeText(n.time),
			Client:  n.client.String(),
			Server:  n.server.String(),
			Form:    n.form.Verb(),
			Command: n.command,
			Reply:   n.reply,
			Error:   n.err,
			Flags:   n.flags(false),
		}
		if n.endpoint.IsValid() {
			j.Endpoint = n.endpoint.String()
		}
		if n.connectedTo.IsValid() {
			j.ConnectedTo = n.connectedTo.String()
		}
		for _, d := range n.dials {
			if !d.synSeen && d.result == "" {
				continue
			}
			r := d.result
			if r == "" {
				r = "no-answer"
			}
			j.Dials = append(j.Dials, jsonDial{To: d.to.String(), From: d.from.String(), Result: r, SYNs: d.syns})
		}
		t.writeJSON(j)
		return
	}
	ep := "-"
	switch {
	case n.endpoint.IsValid():
		ep = n.endpoint.String()
	case n.err != "":
		ep = "invalid"
	}
	flags := strings.Join(n.flags(true), " ")
	if flags == "" {
		flags = "-"
	}
	_, t.writeErr = fmt.Fprintf(t.out, "%s  %s -> %s  %s  %s  %s\n",
		timeText(n.time), n.client, n.server, n.form.Verb(), ep, flags)
	if t.lineFlush && t.writeErr == nil {
		t.writeErr = t.out.Flush()
	}
}

func (t *tracer) writeJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the types above always marshal
	}
	if _, err := t.out.Write(append(b, '\n')); err != nil {
		t.writeErr = err
	} else if t.lineFlush {
		t.writeErr = t.out.Flush()
	}
}

// clip cuts a line kept for the output to a bounded length.
func clip(s string) string {
	if len(s) > maxQuotedLineBytes {
		return s[:maxQuotedLineBytes] + "..."
	}
	return s
}

// The kinds of problem the summary diagnoses.
const (
	probNATMismatch  = "nat-mismatch"    // a 227/228 address not the server's
	probForeign      = "foreign-address" // a PORT/EPRT/LPRT address not the client's
	probPrivileged   = "privileged-port"
	probRejected     = "rejected"
	probNoConnection = "no-connection"
	probInvalid      = "invalid" // an address that does not parse
	probConflict     = "conflicting-retransmit"
)

// problemKey groups the negotiations that share a problem.
type problemKey struct {
	kind   string
	form   hostport.Form
	side   netip.AddrPort // the server for passive forms and rejections; the client's host (port 0) otherwise
	client netip.Addr     // the client's host, for a rejected PORT, EPRT or LPRT
	named  netip.Addr
	port   uint16
	detail string // the reply (rejected) or the reason (invalid)
}

// maxUnanswered is the most unanswered dials a problem names.
const maxUnanswered = 3

// A problem is a group of negotiations with the same problem, for the
// summary.
type problem struct {
	key        problemKey
	count      int
	example    string         // a line that shows it
	own        netip.Addr     // the address the packets show for the side
	toNamed    int            // data connections to the named endpoint
	toReal     int            // data connections to the real address instead
	none       int            // no data connection
	resets     int            // connection attempts refused with RST
	resetAt    netip.AddrPort // one of the addresses that refused
	rejected   int            // the peer rejected the command (4xx, 5xx)
	accepted   int            // the peer accepted it (2xx)
	endpoint   netip.AddrPort // the endpoint of the first negotiation
	unanswered []dial         // dials whose SYNs had no answer, the first maxUnanswered
	silent     int            // how many dials had no answer in all
	// How many of the negotiations had a server, and a client, at a
	// routable (public) address, and at a private one: they show which
	// side of a NAT the capture is on.
	publicServers, privateServers int
	publicClients, privateClients int
}

// account counts a finished negotiation for the summary.
func (t *tracer) account(n *negotiation) {
	t.byForm[n.form]++
	side := n.server
	own := n.server.Addr()
	if !n.passive() {
		side = netip.AddrPortFrom(n.client.Addr(), 0)
		own = n.client.Addr()
	}
	note := func(kind string, key problemKey) {
		key.kind, key.form = kind, n.form
		if !key.side.IsValid() {
			key.side = side
		}
		p := t.problemIndex[key]
		if p == nil {
			if len(t.problems) >= maxProblems {
				t.droppedProblems++
				return
			}
			p = &problem{key: key, own: own, endpoint: n.endpoint}
			if key.side == n.server {
				p.own = n.server.Addr()
			}
			t.problemIndex[key] = p
			t.problems = append(t.problems, p)
		}
		p.count++
		if p.example == "" {
			p.example = n.command
			if n.passive() && n.reply != "" {
				p.example = n.reply
			}
		}
		switch {
		case n.connectedTo.IsValid() && n.connectedTo == n.endpoint:
			p.toNamed++
		case n.connectedTo.IsValid():
			p.toReal++
		case n.endpoint.IsValid() && !n.rejected:
			p.none++
		}
		for _, d := range n.dials {
			switch {
			case d.result == "reset":
				p.resets++
				p.resetAt = d.to
			case d.result == "" && d.synSeen:
				if len(p.unanswered) < maxUnanswered {
					p.unanswered = append(p.unanswered, d)
				}
				p.silent++
			}
		}
		switch {
		case n.rejected:
			p.rejected++
		case n.code/100 == 2:
			p.accepted++
		}
		if isPublic(n.server.Addr()) {
			p.publicServers++
		} else {
			p.privateServers++
		}
		if isPublic(n.client.Addr()) {
			p.publicClients++
		} else {
			p.privateClients++
		}
	}
	switch {
	case n.foreign:
		note(probForeign, problemKey{named: n.named})
	case n.natMismatch:
		note(probNATMismatch, problemKey{named: n.named})
	}
	if n.privileged {
		note(probPrivileged, problemKey{port: n.endpoint.Port()})
	}
	if n.err != "" {
		note(probInvalid, problemKey{detail: n.err})
	}
	if n.rejected && !n.foreign && !n.privileged && n.err == "" {
		// The server rejects; for PORT, EPRT and LPRT, the client whose
		// address it rejects is named too.
		key := problemKey{side: n.server, detail: n.reply}
		if !n.passive() {
			key.client = n.client.Addr()
		}
		note(probRejected, key)
	}
	if n.endpoint.IsValid() && !n.connectedTo.IsValid() && !n.rejected && !n.natMismatch {
		note(probNoConnection, problemKey{})
	}
	if n.conflict {
		note(probConflict, problemKey{})
	}
}

// jsonProblem is the JSON form of a problem.
type jsonProblem struct {
	Kind      string `json:"kind"` // "problem"
	Problem   string `json:"problem"`
	Form      string `json:"form"`
	Server    string `json:"server,omitempty"`
	Client    string `json:"client,omitempty"`
	Count     int    `json:"count"`
	Example   string `json:"example"`
	Diagnosis string `json:"diagnosis"`
}

// jsonLimits is the JSON form of what the limits of a trace made it forget.
type jsonLimits struct {
	Kind              string `json:"kind"` // "limits"
	MaxConns          int    `json:"max_conns"`
	EvictedConns      int    `json:"evicted_conns"`        // by -max-conns
	EvictedForLines   int    `json:"evicted_for_lines"`    // for the bytes of lines
	ForgottenControls int    `json:"forgotten_controls"`   // control connections
	EarlyNegotiations int    `json:"early_negotiations"`   // printed before their wait ended
	ForgottenTCP      int    `json:"forgotten_handshakes"` // SYNs, SYN-ACKs, RSTs
	Diagnosis         string `json:"diagnosis"`
}

// limitsHit reports whether the limits of the trace made it forget anything.
func (t *tracer) limitsHit() bool {
	return t.evictedStreams+t.evictedForLines+t.evictedControls+t.evictedNegotiations+t.evictedEvents > 0
}

// limitsText says what the limits of the trace made it forget.
func (t *tracer) limitsText() string {
	var parts []string
	if t.evictedStreams > 0 {
		parts = append(parts, fmt.Sprintf("%s evicted, as %d were tracked at once (-max-conns)",
			plural(t.evictedStreams, "TCP connection"), t.lim.conns))
	}
	if t.evictedForLines > 0 {
		parts = append(parts, fmt.Sprintf("%s evicted, as %s of lines were held", plural(t.evictedForLines, "TCP connection"),
			fmtBytes(maxLineBytes)))
	}
	if t.evictedControls > 0 {
		parts = append(parts, fmt.Sprintf("%s forgotten, as %d were kept (-max-conns)",
			plural(t.evictedControls, "FTP control connection"), t.lim.conns))
	}
	if t.evictedNegotiations > 0 {
		parts = append(parts, fmt.Sprintf("%s printed before the wait for their data connections ended, as %d waited",
			plural(t.evictedNegotiations, "negotiation"), maxWaiting))
	}
	if t.evictedEvents > 0 {
		parts = append(parts, fmt.Sprintf("%s forgotten early, as %d were kept",
			plural(t.evictedEvents, "SYN, SYN-ACK or RST"), maxRecent))
	}
	return "The trace hit its memory limits: " + strings.Join(parts, "; ") +
		". Negotiations may be missing, or lack their data connections."
}

// summary prints the summary: what was found, then a diagnosis of each
// problem.
func (t *tracer) summary() {
	if t.writeErr != nil {
		return
	}
	if t.json {
		if t.limitsHit() {
			t.writeJSON(jsonLimits{Kind: "limits", MaxConns: t.lim.conns, EvictedConns: t.evictedStreams,
				EvictedForLines: t.evictedForLines, ForgottenControls: t.evictedControls,
				EarlyNegotiations: t.evictedNegotiations, ForgottenTCP: t.evictedEvents, Diagnosis: t.limitsText()})
		}
		for _, p := range t.problems {
			j := jsonProblem{Kind: "problem", Problem: p.key.kind, Form: p.key.form.Verb(), Count: p.count,
				Example: p.example, Diagnosis: p.diagnosis()}
			if p.key.side.Port() != 0 {
				j.Server = p.key.side.String()
			} else {
				j.Client = p.key.side.Addr().String()
			}
			if p.key.client.IsValid() {
				j.Client = p.key.client.String()
			}
			t.writeJSON(j)
		}
		return
	}
	var b strings.Builder
	b.WriteString("\nsummary: ")
	if t.controls == 0 {
		fmt.Fprintf(&b, "no FTP control connection found in %d packets\n", t.packets)
	} else {
		fmt.Fprintf(&b, "%s, %s", plural(t.controls, "FTP control connection"), plural(t.negotiations, "negotiation"))
		if len(t.byForm) > 0 {
			forms := make([]string, 0, len(t.byForm))
			for _, f := range []hostport.Form{hostport.FormPASV, hostport.FormEPSV, hostport.FormLPSV,
				hostport.FormPORT, hostport.FormEPRT, hostport.FormLPRT} {
				if c := t.byForm[f]; c > 0 {
					forms = append(forms, strconv.Itoa(c)+" "+f.Verb())
				}
			}
			b.WriteString(" (" + strings.Join(forms, ", ") + ")")
		}
		b.WriteString("\n")
	}
	if t.noReply > 0 {
		has := plural(t.noReply, "negotiation") + " has"
		if t.noReply != 1 {
			has = plural(t.noReply, "negotiation") + " have"
		}
		b.WriteString(wrap(has+" no reply in the capture: it lost packets, or ends too soon.", "", "  "))
	}
	if t.gaps > 0 {
		b.WriteString(wrap(fmt.Sprintf("Control connections lack data in %s (the capture lost packets): "+
			"negotiations or replies may be missing.", plural(t.gaps, "place")), "", "  "))
	}
	if t.conflicts > 0 {
		b.WriteString(wrap(fmt.Sprintf("%s on control connections carried other bytes than were first sent "+
			"(conflicting-retransmit): the trace reads the first, the receiver may have taken the other.",
			plural(t.conflicts, "retransmission")), "", "  "))
	}
	if t.limitsHit() {
		b.WriteString(wrap(t.limitsText(), "", "  "))
	}
	if t.tlsConns > 0 {
		its := "their"
		if t.tlsConns == 1 {
			its = "its"
		}
		b.WriteString(wrap(fmt.Sprintf("%s switched to TLS (AUTH TLS): %s negotiations are encrypted and not shown.",
			plural(t.tlsConns, "control connection"), its), "", "  "))
	}
	if len(t.problems) == 0 {
		if t.negotiations > 0 {
			b.WriteString("no problems found\n")
		}
	} else {
		b.WriteString("problems:\n")
		for _, p := range t.problems {
			b.WriteString(wrap(p.label()+": "+p.diagnosis(), "- ", "  "))
		}
		if t.droppedProblems > 0 {
			fmt.Fprintf(&b, "- and %s more not told apart\n", plural(t.droppedProblems, "negotiation"))
		}
	}
	_, t.writeErr = t.out.WriteString(b.String())
}

// warnings returns what the trace could not read, for standard error.
func (t *tracer) warnings() []string {
	var w []string
	lts := make([]int, 0, len(t.unsupportedLink))
	for lt := range t.unsupportedLink {
		lts = append(lts, int(lt))
	}
	sort.Ints(lts)
	for _, lt := range lts {
		w = append(w, fmt.Sprintf("skipped %s of unsupported link type %d", plural(t.unsupportedLink[layers.LinkType(lt)], "packet"), lt))
	}
	if t.cut > 0 {
		w = append(w, fmt.Sprintf("%s cut short by the capture's snapshot length: commands and replies "+
			"in them are lost (capture with tcpdump -s 0)", plural(t.cut, "packet")))
	}
	return w
}

// plural writes a count and a noun, adding "s" unless the count is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// times writes "once", "twice" or "N times".
func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return strconv.Itoa(n) + " times"
}

// label names the problem by the flags it stands for.
func (p *problem) label() string {
	if p.key.kind == probForeign {
		return flagNATMismatch + ", " + flagForeign
	}
	return p.key.kind
}

// Remedies the diagnoses name, as a NAT lab with the Linux FTP helper on and
// off, and with natproxy on the router, shows them to work.
const (
	// helperName is the kernel's FTP helper, which reads the control
	// connection and rewrites addresses and opens ports for data connections.
	helperName = "the router's FTP helper (nf_conntrack_ftp / ct helper ftp)"
	// helperOrProxy is the helper, or natproxy on the router in its stead.
	helperOrProxy = helperName + " or natproxy"
	// activeFix fixes a PORT, EPRT or LPRT that a NAT in front of the client
	// does not rewrite.
	activeFix = helperOrProxy + " rewrites the command; or use passive mode (EPSV or PASV)."
	// masquerade names the settings that make a server behind a NAT
	// advertise its public address.
	masquerade = "vsftpd pasv_address, ProFTPD MasqueradeAddress, Pure-FTPd ForcePassiveIP or -P"
	// activeDrop fixes a firewall or NAT that drops the data connections
	// of PORT, EPRT or LPRT.
	activeDrop = "If a firewall drops them, " + helperOrProxy + " lets them through; or use passive mode (EPSV or PASV)."
	// outsideCapture says where to look for what an inside capture misses.
	outsideCapture = "A capture outside the NAT shows it."
)

// behindServerNAT reports whether the problem's negotiations show a server at
// a private address and clients at public ones: the server is behind a NAT
// that forwards its control port, and the capture is inside that NAT.
func (p *problem) behindServerNAT() bool {
	return p.privateServers > 0 && p.publicServers == 0 && p.publicClients > 0 && p.privateClients == 0
}

// behindClientNAT reports whether the problem's negotiations show a client at
// a private address and servers at public ones: the client is behind a NAT,
// and the capture is inside that NAT.
func (p *problem) behindClientNAT() bool {
	return p.privateClients > 0 && p.publicClients == 0 && p.publicServers > 0 && p.privateServers == 0
}

// diagnosis says in plain words what the problem means and what to do.
func (p *problem) diagnosis() string {
	k := p.key
	var b strings.Builder
	if k.side.Port() != 0 {
		fmt.Fprintf(&b, "server %s", k.side)
	} else {
		fmt.Fprintf(&b, "client %s", k.side.Addr())
	}
	cmds := plural(p.count, k.form.Verb()+" command")
	replies := "1 reply to " + k.form.Verb()
	if p.count != 1 {
		replies = strconv.Itoa(p.count) + " replies to " + k.form.Verb()
	}
	switch k.kind {
	case probNATMismatch:
		fmt.Fprintf(&b, " advertised %s in %s, but its packets come from %s", k.named, replies, p.own)
		switch {
		case isPublic(k.named) && !isPublic(p.own) && p.behindServerNAT():
			// Captured inside the server's NAT, with a masquerade address
			// that is right for the clients outside.
			fmt.Fprintf(&b, ": the server advertises a public address, most likely its NAT's (a masquerade setting "+
				"such as vsftpd pasv_address), and this capture is inside the NAT. That is right for its clients, "+
				"which are outside; the NAT must forward the advertised port to the server.")
			if p.none > 0 && p.silent == 0 && p.resets == 0 {
				fmt.Fprintf(&b, " No SYN to the server's port arrived inside the NAT; this capture cannot show whether "+
					"the client dialed %s, nor what the NAT did with it. %s", p.endpoint, outsideCapture)
			}
			fmt.Fprintf(&b, " If the NAT forwards only the control port, forward the passive port range too, or run "+
				"natproxy on it; %s does not open the port a %s reply names when the reply already names the public "+
				"address (it does for the server's inside address, without the masquerade setting, and for EPSV).",
				helperName, k.form.String())
		case isPublic(k.named) && !isPublic(p.own):
			// Captured inside the server's NAT, with a masquerade address
			// that may well be right for the clients outside.
			fmt.Fprintf(&b, ": the server advertises a public address, most likely its NAT's (a masquerade setting "+
				"such as vsftpd pasv_address), and this capture is inside the NAT. That is right for clients outside; "+
				"clients inside that trust %s replies must dial the public address, which fails unless the NAT "+
				"forwards it back in (hairpin). EPSV avoids the question.", k.form.String())
		case !isPublic(k.named) && isPublic(p.own):
			fmt.Fprintf(&b, ": the server advertises its private inside address, so it is most likely behind a NAT "+
				"that forwards its control port but does not rewrite the %s reply. Set its public address (%s), or "+
				"enable %s, which rewrites the reply, or run natproxy on the router. Clients that trust %s replies "+
				"fail; clients that dial the control connection's address instead (curl, lftp, Python ftplib by "+
				"default) work, and so does EPSV.", k.form.String(), masquerade, helperName, k.form.String())
		default:
			fmt.Fprintf(&b, ": the server advertises an address it does not own. Its NAT or masquerade setting "+
				"(%s) does not match the address clients reach it at. Clients that trust %s replies will fail; "+
				"clients that dial the control connection's address instead (curl, lftp, Python ftplib by default) "+
				"work, and so does EPSV.", masquerade, k.form.String())
		}
		b.WriteString(p.outcome("the advertised address", "the server's real address", "client"))
	case probForeign:
		fmt.Fprintf(&b, " named %s in %s, but its packets come from %s. ", k.named, cmds, p.own)
		switch {
		case k.named.IsUnspecified():
			b.WriteString("The unspecified address is no host (lftp sends it in EPRT over IPv6): " +
				"vsftpd dials its own host for it, other servers reject it. ")
		case isPublic(k.named) && !isPublic(p.own):
			b.WriteString("The client most likely advertises its NAT's public address (set in the client, " +
				"or written in by the NAT), and this capture is inside the NAT; the server connects to the NAT, " +
				"which must forward the port. ")
		case !isPublic(k.named):
			b.WriteString("The client is most likely behind a NAT that does not rewrite the command and advertises " +
				"its inside address, so the server cannot reach it; or this is an FTP bounce attempt (RFC 2577). " +
				"Behind a NAT, " + activeFix + " ")
		default:
			b.WriteString("The command asks the server to connect to another host: an FTP bounce attempt (RFC 2577), " +
				"or a site-to-site (FXP) transfer. ")
		}
		b.WriteString(p.verdict("as servers should reject addresses other than the client's",
			"but servers should reject addresses other than the client's, or clients can use them against "+
				"third hosts (vsftpd port_promiscuous=NO and ProFTPD AllowForeignAddress off reject them)"))
		b.WriteString(p.outcome("the named address", "the client's real address", "server"))
	case probPrivileged:
		if k.side.Port() != 0 {
			fmt.Fprintf(&b, " advertised port %d, below 1024, in %s: clients and firewalls may block data connections "+
				"to well-known ports. Use a passive port range above 1023.", k.port, replies)
			break
		}
		fmt.Fprintf(&b, " asked for data connections to port %d, below 1024, in %s: well-known services listen there, "+
			"and RFC 2577 advises servers to reject such ports against bounce attacks on them. ", k.port, cmds)
		b.WriteString(p.verdict("as RFC 2577 advises", "which RFC 2577 advises against"))
	case probRejected:
		fmt.Fprintf(&b, " answered %s", cmds)
		if k.client.IsValid() {
			fmt.Fprintf(&b, " from client %s", k.client)
		}
		fmt.Fprintf(&b, " with %q: ", k.detail)
		b.WriteString(p.rejection())
	case probNoConnection:
		p.noConnection(&b, cmds, replies)
	case probConflict:
		what := cmds
		if k.side.Port() != 0 {
			what = replies
		}
		fmt.Fprintf(&b, " sent %s, but a retransmission carried other bytes than the first transmission, %q. "+
			"The trace reads the first; the receiving host may have taken either, so the endpoint shown may not be "+
			"the one used. Someone on the path may be injecting segments to make a monitor see another "+
			"address than the peer does, or a middlebox rewrites the line inconsistently.", what, p.example)
	case probInvalid:
		if k.side.Port() != 0 {
			fmt.Fprintf(&b, " sent %s whose address does not parse (%s), such as %q: clients cannot use it.",
				replies, k.detail, p.example)
			if k.form == hostport.FormPASV && k.side.Addr().Is6() {
				b.WriteString(" A 227 reply carries only IPv4 addresses; on IPv6, clients use EPSV.")
			}
			break
		}
		fmt.Fprintf(&b, " sent %s whose address does not parse (%s), such as %q. ", cmds, k.detail, p.example)
		b.WriteString(p.verdict("as it should", "which it should not"))
	}
	return strings.TrimSpace(b.String())
}

// noConnection writes the diagnosis of negotiations that no data connection
// followed: what the capture shows of the dials, what it cannot show, and
// what to do.
func (p *problem) noConnection(b *strings.Builder, cmds, replies string) {
	k := p.key
	passive := k.side.Port() != 0
	dialer := "the server"
	if passive {
		dialer = "the client"
		fmt.Fprintf(b, " announced a data endpoint in %s, but no data connection to it followed", replies)
	} else {
		fmt.Fprintf(b, " sent %s, but no data connection to the endpoint followed", cmds)
	}
	switch {
	case p.resets > 0:
		fmt.Fprintf(b, ": connection attempts to %s were refused (RST) %s: nothing listened there", p.resetAt, times(p.resets))
		if passive {
			fmt.Fprintf(b, ", or a NAT in front of the server does not forward the port. Such a NAT must forward "+
				"the passive port range as well as the control port, or natproxy on it relays the data "+
				"connections; %s opens the port for EPSV, and for a 227 reply that names the server's inside "+
				"address, but not for one that already names the public address (%s).", helperName, masquerade)
		} else {
			b.WriteString(", or a firewall in front of the client rejects the connection; use passive mode.")
		}
	case p.silent > 0:
		fmt.Fprintf(b, ": %s", p.unansweredText(dialer))
		if !p.behindServerNAT() {
			if passive {
				b.WriteString(": a firewall or NAT between them drops it (the passive port range must be open, " +
					"and forwarded to the server by a NAT in front of it).")
			} else {
				b.WriteString(": a firewall or NAT between them drops it (in front of the client, incoming " +
					"connections; in front of the server, its outgoing ones). " + activeDrop)
			}
		} else {
			b.WriteString(".")
		}
	default:
		fmt.Fprintf(b, ", and no SYN to it was seen")
		if !p.behindServerNAT() {
			if passive {
				b.WriteString(": the client may have given up or dialed another address, a firewall or NAT " +
					"between client and server may drop its SYNs before they reach this capture (the passive " +
					"port range must be open, and forwarded to the server by a NAT in front of it), or the capture " +
					"filter leaves out the data ports.")
			} else {
				b.WriteString(": the server may not have dialed, a firewall or NAT between them may drop its SYNs " +
					"before they reach this capture (in front of the client, incoming connections; in front of " +
					"the server, its outgoing ones), or the capture filter leaves out the data ports. " + activeDrop)
			}
		} else {
			b.WriteString(".")
		}
	}
	switch {
	case p.behindServerNAT():
		b.WriteString(" The server's address is private and the client's public: the server is behind a NAT that " +
			"forwards its control port, and this capture is inside the NAT, so it cannot show what happened outside: ")
		if passive {
			b.WriteString("whether the client dialed, to which address, and whether the NAT forwarded its SYNs. " +
				outsideCapture)
			if k.form == hostport.FormPASV || k.form == hostport.FormLPSV {
				fmt.Fprintf(b, " The %s reply names the server's inside address, which clients outside cannot reach "+
					"unless the NAT rewrites it: set the server's public address (%s), or enable %s, or run natproxy "+
					"on the router; clients that dial the control connection's address instead, and EPSV, avoid it.",
					k.form.String(), masquerade, helperName)
			} else {
				fmt.Fprintf(b, " The NAT must forward the passive port range to the server; %s "+
					"does it for each data connection.", helperOrProxy)
			}
		} else {
			b.WriteString("whether the NAT let the server's SYNs out, and whether a firewall in front of the client " +
				"let them in. " + outsideCapture + " " + activeDrop)
		}
	case !passive && p.behindClientNAT():
		b.WriteString(" The client's address is private and the server's public: the client is behind a NAT, " +
			"and its command names its inside address, which the server cannot reach. " + sentence(activeFix))
	}
}

// unansweredText names the dials of the problem that had no answer, who
// made them, and how many SYNs each sent.
func (p *problem) unansweredText(who string) string {
	parts := make([]string, 0, len(p.unanswered))
	for _, d := range p.unanswered {
		parts = append(parts, fmt.Sprintf("from %s to %s (%s)", d.from, d.to, plural(d.syns, "SYN")))
	}
	s := who + "'s dial " + parts[0]
	if len(parts) > 1 {
		s = who + "'s dials " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	}
	if more := p.silent - len(p.unanswered); more > 0 {
		s += fmt.Sprintf(", and %d more,", more)
	}
	return s + " went unanswered"
}

// sentence returns s with its first letter in upper case.
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// rejection explains a rejected command by its reply code and, for an
// address the server rejects, what a NAT has to do with it.
func (p *problem) rejection() string {
	k := p.key
	code := p.code()
	active := !isPassive(k.form)
	extended := k.form != hostport.FormPASV && k.form != hostport.FormPORT
	switch {
	case code == 522:
		return "the server does not support that network protocol (RFC 2428); the reply names the ones it does."
	case code == 521:
		return "the server does not support that address family (RFC 1639)."
	case extended && (code == 502 || code == 500 && (!active || unknownCommand(k.detail))):
		return "the server does not implement the command; clients fall back to PASV or PORT."
	case code == 425 && k.form == hostport.FormPASV:
		return "the server cannot open a passive data port for this command; on IPv6, some servers (Pure-FTPd) " +
			"reject PASV and want EPSV."
	case code == 550:
		return "the server does not allow the command here (after EPSV ALL, for one)."
	case !active:
		return "the client needs another command or mode."
	}
	s := "the server does not accept the address or its syntax"
	if extended && code == 500 {
		s += " (or, on a server that does not know the command, the command)"
	}
	switch {
	case isPublic(k.client):
		return s + "; use passive mode (EPSV or PASV)."
	case p.behindClientNAT():
		return s + ". The client names its own address, a private one, to a server at a public address: it is " +
			"most likely behind a NAT, which shows the server another address, and servers reject addresses " +
			"other than the client's, as they should. " + sentence(activeFix)
	}
	return s + ". The client names its own address, a private one: if a NAT is between client and server, the " +
		"server sees the NAT's address and rejects this one, as servers should reject addresses other than the " +
		"client's; " + activeFix
}

// unknownCommand reports whether the text of a 500 reply says that the
// server does not know the command, rather than that it rejects its argument.
func unknownCommand(reply string) bool {
	r := strings.ToLower(reply)
	for _, w := range []string{"unknown", "not understood", "not implemented", "unrecognized", "unrecognised", "not recognized"} {
		if strings.Contains(r, w) {
			return true
		}
	}
	return false
}

// code returns the reply code of the example of a rejected problem.
func (p *problem) code() int {
	if c, err := strconv.Atoi(p.key.detail[:min(3, len(p.key.detail))]); err == nil {
		return c
	}
	return 0
}

// verdict says how the server answered the commands: rejected (good) or
// accepted (bad), with the explanations given.
func (p *problem) verdict(good, bad string) string {
	var parts []string
	if p.rejected > 0 {
		parts = append(parts, fmt.Sprintf("The server rejected %s, %s.", pluralOf(p.rejected, p.count), good))
	}
	if p.accepted > 0 {
		parts = append(parts, fmt.Sprintf("The server accepted %s, %s.", pluralOf(p.accepted, p.count), bad))
	}
	return strings.Join(parts, " ")
}

// pluralOf writes "it", "them", "1 of them" or "N of them".
func pluralOf(n, of int) string {
	switch {
	case n == of && n == 1:
		return "it"
	case n == of:
		return "them"
	case n == 1:
		return "1 of them"
	}
	return strconv.Itoa(n) + " of them"
}

// outcome says where the data connections went, and names the dials that
// had no answer; dialer is the side that dials.
func (p *problem) outcome(named, real, dialer string) string {
	var parts []string
	if p.toNamed > 0 {
		parts = append(parts, fmt.Sprintf("%d went to %s", p.toNamed, named))
	}
	if p.toReal > 0 {
		parts = append(parts, fmt.Sprintf("%d went to %s instead", p.toReal, real))
	}
	if p.none > 0 {
		parts = append(parts, fmt.Sprintf("%d had none", p.none))
	}
	if len(parts) == 0 {
		return ""
	}
	s := " Data connections: " + strings.Join(parts, ", ") + "."
	if p.silent > 0 {
		s += " " + sentence(p.unansweredText("the "+dialer)) + "."
	}
	if p.resets > 0 {
		s += fmt.Sprintf(" Connections to %s were refused (RST) %s: nothing listens there.", p.resetAt, times(p.resets))
	}
	return s
}

// wrap word-wraps text to 78 columns, the first line after first and the
// others after indent, and ends it with a newline.
func wrap(text, first, indent string) string {
	const width = 78
	var b strings.Builder
	line := first
	empty := true
	for _, w := range strings.Fields(text) {
		if !empty && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += w
		empty = false
	}
	b.WriteString(line + "\n")
	return b.String()
}

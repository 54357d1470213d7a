package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/gopacket/gopacket/reassembly"
)

const traceShortUsage = "usage: hostport trace [-json] [-max-conns N] FILE\nRun 'hostport trace -h' for details.\n"

const traceUsage = `usage: hostport trace [-json] [-max-conns N] FILE

Reads a pcap or pcapng capture (FILE, or standard input for "-"), finds the
FTP control connections in it by their content (a 220 greeting, then
commands; or, if the capture starts mid-session, FTP commands and their
replies), on any port, over IPv4 and IPv6, and prints one line for each
data-channel negotiation, in the order of the commands:

	TIME  CLIENT -> SERVER  FORM  ENDPOINT  FLAGS
	2026-11-21T19:35:40.552358Z  127.0.0.1:55474 -> 127.0.0.1:2171  PASV  127.0.0.2:31424  nat-mismatch connected(127.0.0.1:31424)

TIME is the capture time of the command, in UTC; CLIENT and SERVER are the
ends of the control connection; FORM is the command: PASV, EPSV or LPSV,
whose reply names the endpoint, or PORT, EPRT or LPRT, which name it.
ENDPOINT is the data address, as address:port (for EPSV, the port at the
server's address); "invalid" if it does not parse, "-" if there is none
(the command was rejected, or its reply is not in the capture). FLAGS are
"-" or some of:

	nat-mismatch     the address of a 227 or 228 reply is not the server's
	                 address in the packets, or that of a PORT, EPRT or
	                 LPRT command is not the client's
	foreign-address  a PORT, EPRT or LPRT command names a host other than
	                 the client: a client behind NAT, or a bounce (RFC 2577)
	privileged-port  the endpoint's port is below 1024
	rejected         the server answered the command with a 4xx or 5xx reply
	conflicting-retransmit
	                 a retransmitted segment carried other bytes of the
	                 command or reply than the first transmission: the trace
	                 reads the first, the peer may have taken the other
	connected        a TCP connection to the endpoint followed
	connected(ADDR)  a connection to ADDR followed instead: the same port at
	                 the real address of the side that named the endpoint
	                 (after a nat-mismatch, or a 227 reply of 0,0,0,0)
	no-connection    no connection followed before the next negotiation on
	                 the control connection, its end, or two minutes

A connection counts when the host that should open it (the client for PASV,
EPSV and LPSV, the server for PORT, EPRT and LPRT) sends a SYN to the
endpoint and the endpoint answers it with a SYN-ACK (or, in a capture of one
direction, the SYN is followed by the handshake's ACK). A connection attempt
is refused when the endpoint answers its SYN with a RST; "refused" always
means that, and "rejected" a 4xx or 5xx reply to a command.

A summary follows: the numbers of control connections and negotiations, and
a diagnosis in plain words of each problem found, such as a server that
advertises an address it does not own. The diagnosis names the connection
attempts that had no answer, and the remedies a NAT needs: the router's FTP
helper (nf_conntrack_ftp / ct helper ftp), natproxy, the server's setting of
its public address, or another mode. When the addresses show that the
capture is inside a NAT (a server at a private address with clients at
public ones, or the reverse), it says what such a capture cannot show.

With -json, each negotiation is a JSON object on a line of its own, with
the fields kind ("negotiation"), time, client, server, form, command, reply,
endpoint, error (why the address does not parse), flags (connected without
its address), connected_to and dials (each connection attempt: to, from,
result "connected", "reset" (refused) or "no-answer", and syns, the SYNs it
sent); then each problem is one, with the fields kind ("problem"), problem
(nat-mismatch, foreign-address, privileged-port, rejected, no-connection,
invalid or conflicting-retransmit), form, server or client (both for a
rejected PORT, EPRT or LPRT), count, example and diagnosis. Absent fields are
left out.

Memory stays bounded whatever the capture holds (under 100 MB with the
defaults): connections quiet for two minutes are closed (an FTP control
connection's state is kept for an hour, as it is quiet during long
transfers), and missing segments are skipped after five seconds. Beyond
that, these limits hold, whatever the times in the capture:

	-max-conns N  TCP connections tracked at once (10000 by default): when
	              they are as many, the quarter quiet for the most packets
	              is evicted (a control connection among them is kept and
	              resumes with its next segment); FTP control connections
	              kept, open or quiet, are limited to as many
	4 MB          out-of-order data buffered (at most 120 kB a connection);
	              beyond that, the missing segment is skipped
	4 MB          lines read in part, lines held while a connection is not
	              yet known to be FTP, and the last 512 bytes of each
	              direction of a control connection (kept to compare
	              retransmissions with); beyond that, connections are
	              evicted
	4096          negotiations waiting for their data connections; beyond
	              that, the oldest is printed at once
	16384         SYNs, SYN-ACKs and RSTs kept for negotiations that come
	              late after a gap

The summary says what these limits made the trace forget (with -json, an
object with the fields kind ("limits"), max_conns, evicted_conns,
evicted_for_lines, forgotten_controls, early_negotiations,
forgotten_handshakes and diagnosis); negotiations may then be missing, or
lack their data connections. On a terminal, the progress shows on standard error.

The exit status is 0 if the capture was read to its end, 1 if it could not
be (what was found before the fault is printed), and 2 for a usage error.

flags:
  -json	print one JSON object per negotiation and per problem instead
  -max-conns N
    	track at most N TCP connections at once (default 10000)
`

// traceLimits are the limits of a trace that the flags set.
type traceLimits struct {
	conns int // TCP connections tracked by the reassembly; FTP control connections kept
}

// Limits that keep the memory of a trace bounded whatever the size of the
// capture. Times are capture times, read from the packets.
const (
	// maxCtlLine is the longest control-connection line read; a longer one is
	// skipped, and a connection whose first line is longer is not FTP.
	maxCtlLine = 4096
	// maxPendingCommands is the most commands kept waiting for their replies
	// on one control connection.
	maxPendingCommands = 16
	// defaultMaxConns is the default of -max-conns: the most TCP connections
	// the reassembly tracks at once, and the most FTP control connections
	// kept, open or parked.
	defaultMaxConns = 10000
	// maxLineBytes caps the bytes of the lines read in part, and of those
	// held while a connection is not yet known to be FTP, in all.
	maxLineBytes = 4 << 20
	// maxWaiting is the most negotiations waiting to be printed.
	maxWaiting = 4096
	// maxRecent is the most SYNs, SYN-ACKs and RSTs kept for late
	// negotiations.
	maxRecent = 16384
	// pagesPerConn and pagesTotal cap the out-of-order data the reassembly
	// buffers (pages of 1900 bytes), per connection and in all: 4 MB.
	pagesPerConn = 64
	pagesTotal   = 2048
	// flushEvery is how often old connections are flushed and closed.
	flushEvery = 10 * time.Second
	// gapTimeout is how long the reassembly waits for a missing segment
	// before it skips the gap; the negotiations after the gap come late by
	// as much, so SYNs, SYN-ACKs and RSTs are kept for recentKept.
	gapTimeout = 5 * time.Second
	recentKept = gapTimeout + 2*flushEvery
	// idleTimeout closes a connection with no packets for that long; the
	// state of an FTP control connection is kept for parkTimeout after that,
	// in case it resumes (it is quiet during long transfers).
	idleTimeout = 2 * time.Minute
	parkTimeout = time.Hour
	// watchTimeout is how long after a negotiation a data connection to its
	// endpoint is still counted (no longer than its control connection
	// lasts).
	watchTimeout = 2 * time.Minute
	// maxProblems is the most distinct problems the summary tells apart.
	maxProblems = 1000
	// progressEvery is how often progress is shown on a terminal.
	progressEvery = 250 * time.Millisecond
)

// runTrace is the trace subcommand: it reads a capture, writes the
// negotiations it finds and a summary to stdout, and returns the exit code.
func runTrace(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hostport trace", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // the long usage for -h, the short one for errors, below
	jsonOut := fs.Bool("json", false, "print JSON objects")
	maxConns := fs.Int("max-conns", defaultMaxConns, "track at most N TCP connections at once")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, traceUsage)
			return exitOK
		}
		fmt.Fprint(stderr, traceShortUsage)
		return exitUsage
	}
	if *maxConns < 1 {
		fmt.Fprintf(stderr, "hostport trace: -max-conns %d: want at least 1\n%s", *maxConns, traceShortUsage)
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "hostport trace: want one capture FILE (or - for standard input)\n", traceShortUsage)
		return exitUsage
	}
	name := fs.Arg(0)

	var in io.Reader = stdin
	var size int64 = -1
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "hostport trace: %v\n", err)
			return exitFail
		}
		defer f.Close()
		in = f
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}

	cr := &countingReader{r: in}
	var prog *progress
	var w io.Writer = stdout
	if isTerminal(stderr) {
		// Standard output may be the same terminal: each line of output
		// is written whole, after the progress line is erased.
		prog = &progress{w: stderr, size: size, read: &cr.n}
		w = &progressWriter{w: stdout, p: prog}
	}
	out := bufio.NewWriter(w)
	tr := newTracer(out, *jsonOut, traceLimits{conns: *maxConns})
	tr.lineFlush = prog != nil
	if prog != nil {
		prog.tr = tr
	}
	readErr := tr.readCapture(cr, prog)
	prog.clear()
	if readErr != nil && tr.packets == 0 {
		// Not a capture, or an empty one: the error is all there is to say.
		fmt.Fprintf(stderr, "hostport trace: %s: %v\n", displayName(name), readErr)
		return exitFail
	}
	tr.finish()
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "hostport trace: writing standard output: %v\n", err)
		return exitFail
	}
	if tr.writeErr != nil {
		fmt.Fprintf(stderr, "hostport trace: writing standard output: %v\n", tr.writeErr)
		return exitFail
	}
	for _, w := range tr.warnings() {
		fmt.Fprintf(stderr, "hostport trace: %s: %s\n", displayName(name), w)
	}
	if readErr != nil {
		fmt.Fprintf(stderr, "hostport trace: %s: %v\n", displayName(name), readErr)
		return exitFail
	}
	return exitOK
}

// isTerminal reports whether w is a terminal (a character device), where
// progress may be shown. Anything with a Stat method, such as an *os.File,
// can be asked.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Stat() (os.FileInfo, error) })
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// countingReader counts the bytes read through it, for the progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progress shows how far the reading of a capture has got, on one line of a
// terminal that it rewrites.
type progress struct {
	w     io.Writer
	size  int64 // the capture's size, or -1 if unknown
	read  *int64
	tr    *tracer
	last  time.Time
	shown bool
}

// update shows the progress if the last showing is old enough.
func (p *progress) update() {
	if p == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	done := fmtBytes(*p.read)
	if p.size > 0 {
		done = fmt.Sprintf("%d%% (%s of %s)", *p.read*100/p.size, done, fmtBytes(p.size))
	}
	fmt.Fprintf(p.w, "\rhostport trace: %s, %s, %s, %s\x1b[K", done, plural(p.tr.packets, "packet"),
		plural(p.tr.controls, "control connection"), plural(p.tr.negotiations, "negotiation"))
	p.shown = true
}

// clear erases the progress line.
func (p *progress) clear() {
	if p != nil && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// progressWriter erases the progress line before it writes.
type progressWriter struct {
	w io.Writer
	p *progress
}

func (pw *progressWriter) Write(b []byte) (int, error) {
	pw.p.clear()
	return pw.w.Write(b)
}

// fmtBytes writes a byte count for people: "812 B", "3.4 MB", "1.2 GB".
func fmtBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// A packetSource is a pcap or pcapng reader.
type packetSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// pcapngMagic is the block type of the section header block that starts a
// pcapng file, in either byte order.
var pcapngMagic = []byte{0x0a, 0x0d, 0x0d, 0x0a}

// isPcapMagic reports whether b starts a pcap file: its magic number in
// either byte order, for microsecond or nanosecond times, or the start of a
// gzip stream (pcapgo reads gzipped pcap files).
func isPcapMagic(b []byte) bool {
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return true
	}
	return b[0] == 0x1f && b[1] == 0x8b
}

// errNotCapture is the error for a file that is neither pcap nor pcapng.
var errNotCapture = errors.New("not a pcap or pcapng capture")

// openCapture returns a reader of the packets in r, a pcap file (possibly
// gzipped) or a pcapng file, told apart by their first bytes, and the link
// type of its packets; for pcapng (mixed is true) the link type may change
// from packet to packet and is in the packets' AncillaryData[0].
func openCapture(r io.Reader) (src packetSource, link layers.LinkType, mixed bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(4)
	switch {
	case len(magic) < 4 && (err == nil || errors.Is(err, io.EOF)):
		return nil, 0, false, fmt.Errorf("%w: the file is empty or shorter than a header", errNotCapture)
	case err != nil:
		return nil, 0, false, err
	case bytes.Equal(magic, pcapngMagic):
		ng, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
		if err != nil {
			return nil, 0, false, fmt.Errorf("reading the pcapng header: %w", err)
		}
		return ng, ng.LinkType(), true, nil
	case !isPcapMagic(magic):
		return nil, 0, false, errNotCapture
	}
	pr, err := pcapgo.NewReader(br)
	if err != nil {
		return nil, 0, false, fmt.Errorf("reading the pcap header: %w", err)
	}
	return pr, pr.LinkType(), false, nil
}

// readCapture reads every packet of the capture in r and feeds its TCP
// segments to the tracer. It returns an error if r is not a capture or cannot
// be read to its end; what was read before the error has been traced.
func (t *tracer) readCapture(r io.Reader, prog *progress) error {
	src, link, mixed, err := openCapture(r)
	if err != nil {
		return err
	}
	dec := newDecoder()
	for n := 0; ; n++ {
		data, ci, err := src.ZeroCopyReadPacketData()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return errors.New("the capture ends in the middle of a packet (was it still being written?)")
			}
			return err
		}
		lt := link
		if mixed && len(ci.AncillaryData) > 0 {
			if l, ok := ci.AncillaryData[0].(layers.LinkType); ok {
				lt = l
			}
		}
		t.packets++
		if ci.CaptureLength < ci.Length {
			t.cut++
		}
		if seg, ok := dec.decode(lt, data); ok {
			t.segment(seg, ci)
		} else if seg.unsupported {
			t.unsupportedLink[lt]++
		}
		if n&1023 == 0 {
			prog.update()
		}
	}
}

// A segment is the part of a TCP packet the tracer looks at.
type segment struct {
	src, dst    netip.AddrPort
	netFlow     gopacket.Flow
	tcp         *layers.TCP
	unsupported bool // the link type cannot be decoded
}

// decoder decodes packets down to TCP without allocating, reusing its layers.
type decoder struct {
	eth     layers.Ethernet
	dot1q   layers.Dot1Q
	loop    layers.Loopback
	sll     layers.LinuxSLL
	sll2    layers.LinuxSLL2
	ip4     layers.IPv4
	ip6     layers.IPv6
	ip6ext  layers.IPv6ExtensionSkipper
	tcp     layers.TCP
	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

func newDecoder() *decoder {
	return &decoder{parsers: make(map[gopacket.LayerType]*gopacket.DecodingLayerParser)}
}

// firstLayer returns the layer a packet of the link type starts with: for raw
// IP, IPv4 or IPv6 from the version in the first byte.
func firstLayer(lt layers.LinkType, data []byte) (gopacket.LayerType, bool) {
	switch lt {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet, true
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback, true
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL, true
	case layers.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2, true
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14:
		// 12 and 14 are the raw IP link types of some systems.
		if len(data) > 0 && data[0]>>4 == 6 {
			return layers.LayerTypeIPv6, true
		}
		return layers.LayerTypeIPv4, true
	}
	return 0, false
}

// decode decodes a packet of the link type and reports whether it is a TCP
// segment of an IPv4 or IPv6 packet that is not a fragment.
func (d *decoder) decode(lt layers.LinkType, data []byte) (segment, bool) {
	first, ok := firstLayer(lt, data)
	if !ok {
		return segment{unsupported: true}, false
	}
	p := d.parsers[first]
	if p == nil {
		p = gopacket.NewDecodingLayerParser(first, &d.eth, &d.dot1q, &d.loop, &d.sll, &d.sll2,
			&d.ip4, &d.ip6, &d.ip6ext, &d.tcp)
		p.IgnoreUnsupported = true
		d.parsers[first] = p
	}
	if err := p.DecodeLayers(data, &d.decoded); err != nil {
		return segment{}, false
	}
	var seg segment
	sawTCP := false
	for _, l := range d.decoded {
		switch l {
		case layers.LayerTypeIPv4:
			if d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0 {
				return segment{}, false
			}
			src, ok1 := netip.AddrFromSlice(d.ip4.SrcIP)
			dst, ok2 := netip.AddrFromSlice(d.ip4.DstIP)
			if !ok1 || !ok2 {
				return segment{}, false
			}
			seg.src, seg.dst = netip.AddrPortFrom(src.Unmap(), 0), netip.AddrPortFrom(dst.Unmap(), 0)
			seg.netFlow = d.ip4.NetworkFlow()
		case layers.LayerTypeIPv6:
			src, ok1 := netip.AddrFromSlice(d.ip6.SrcIP)
			dst, ok2 := netip.AddrFromSlice(d.ip6.DstIP)
			if !ok1 || !ok2 {
				return segment{}, false
			}
			seg.src, seg.dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
			seg.netFlow = d.ip6.NetworkFlow()
		case layers.LayerTypeTCP:
			sawTCP = true
		}
	}
	if !sawTCP || !seg.src.Addr().IsValid() {
		return segment{}, false
	}
	seg.src = netip.AddrPortFrom(seg.src.Addr(), uint16(d.tcp.SrcPort))
	seg.dst = netip.AddrPortFrom(seg.dst.Addr(), uint16(d.tcp.DstPort))
	seg.tcp = &d.tcp
	return seg, true
}

// captureContext is the reassembly's view of a packet's capture information:
// its timestamp is the tracer's clock, which orders the packets, and the
// capture time of the packet is kept beside it, found from the capture
// information by captureTime.
type captureContext struct {
	ci   gopacket.CaptureInfo
	real time.Time
	self [1]any // ci.AncillaryData: the context itself
}

func newCaptureContext(ci gopacket.CaptureInfo, clock time.Time) *captureContext {
	c := &captureContext{ci: ci, real: ci.Timestamp}
	c.ci.Timestamp = clock
	c.self[0] = c
	c.ci.AncillaryData = c.self[:]
	return c
}

func (c *captureContext) GetCaptureInfo() gopacket.CaptureInfo { return c.ci }

// captureTime returns the capture time of the packet whose capture
// information the reassembly hands back.
func captureTime(ci gopacket.CaptureInfo) time.Time {
	if len(ci.AncillaryData) == 1 {
		if c, ok := ci.AncillaryData[0].(*captureContext); ok {
			return c.real
		}
	}
	return ci.Timestamp
}

// segment handles one TCP segment: it feeds the segments that may carry FTP
// commands and replies to the reassembly, then looks at whether the segment
// opens a data connection that a negotiation announced.
func (t *tracer) segment(seg segment, ci gopacket.CaptureInfo) {
	now := ci.Timestamp
	if now.After(t.now) {
		t.now = now
	}
	if now.After(t.clock) {
		t.clock = now
	} else {
		t.clock = t.clock.Add(time.Nanosecond)
	}
	if t.lastFlush.IsZero() {
		t.lastFlush = t.clock
	}
	tcp := seg.tcp
	if len(tcp.Payload) > 0 || tcp.SYN || tcp.FIN || tcp.RST {
		switch {
		case len(t.streams) >= t.lim.conns:
			t.evictStreams(false)
		case t.lineBytes > maxLineBytes:
			t.evictStreams(true)
		}
		t.asm.AssembleWithContext(seg.netFlow, tcp, newCaptureContext(ci, t.clock))
	}
	if len(t.watches) > 0 || tcp.SYN || tcp.RST {
		t.watchSegment(seg)
	}
	if t.clock.Sub(t.lastFlush) >= flushEvery {
		t.lastFlush = t.clock
		t.asm.FlushWithOptions(reassembly.FlushOptions{T: t.clock.Add(-gapTimeout), TC: t.clock.Add(-idleTimeout)})
		t.expire()
		t.pruneRecent()
	}
	t.emitReady()
}

//go:build linux

package natlab

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// client is a column of the matrix: an FTP client program and its mode.
type client struct {
	col    string
	active bool // active mode: the server connects to the client
	// argv returns the command that downloads data.bin from l.target
	// into out.
	argv func(l *lab, out string) []string
}

// curl's timeouts: 3 s to connect (a data connection that is dropped), 8 s
// in all.
var curlBase = []string{"curl", "-q", "-sS", "-v", "--connect-timeout", "3", "-m", "8"}

func curlArgv(opts ...string) func(*lab, string) []string {
	return func(l *lab, out string) []string {
		return append(append(slices.Clone(curlBase), opts...), "-o", out, ftpURL(l))
	}
}

func ftpURL(l *lab) string { return "ftp://" + l.target.String() + "/data.bin" }

var clients = []client{
	{col: "curl-epsv", argv: curlArgv("--ftp-pasv")},
	{col: "curl-pasv-trust", argv: curlArgv("--ftp-pasv", "--disable-epsv", "--no-ftp-skip-pasv-ip")},
	{col: "curl-pasv-skip", argv: curlArgv("--ftp-pasv", "--disable-epsv", "--ftp-skip-pasv-ip")},
	{col: "curl-eprt", active: true, argv: curlArgv("-P", "-")},
	{col: "curl-port", active: true, argv: curlArgv("-P", "-", "--disable-eprt")},
	{col: "lftp", argv: func(l *lab, out string) []string {
		return []string{"lftp", "-d", "-c", "set net:timeout 3; set net:max-retries 1; set net:persist-retries 0; " +
			"set ftp:passive-mode on; open ftp://" + l.target.String() + "; get data.bin -o " + out}
	}},
	{col: "py-pasv", argv: func(l *lab, out string) []string {
		return []string{python, filepath.Join(baseDir, "ftpget.py"), l.target.Addr().String(), "21", "pasv", out}
	}},
	{col: "py-port", active: true, argv: func(l *lab, out string) []string {
		return []string{python, filepath.Join(baseDir, "ftpget.py"), l.target.Addr().String(), "21", "port", out}
	}},
	{col: "client", argv: func(l *lab, out string) []string {
		return []string{filepath.Join(binDir, "client"), "-v", "-timeout", "4s", "-o", out, ftpURL(l)}
	}},
	{col: "client-active", active: true, argv: func(l *lab, out string) []string {
		return []string{filepath.Join(binDir, "client"), "-v", "-active", "-timeout", "4s", "-o", out, ftpURL(l)}
	}},
}

// ftpgetPy downloads data.bin with Python's ftplib, passive or active, and
// prints ftplib's commands and replies. ftplib's passive mode ignores the
// address of a 227 reply and dials the control connection's peer; on IPv6 it
// uses EPSV and EPRT.
const ftpgetPy = `import ftplib, sys
host, port, mode, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    f = ftplib.FTP(timeout=4)
    f.set_debuglevel(1)
    f.connect(host, port)
    f.login()
    f.set_pasv(mode == "pasv")
    with open(out, "wb") as o:
        f.retrbinary("RETR data.bin", o.write)
    f.quit()
except Exception as e:
    print("ERROR: %s: %s" % (type(e).__name__, e), flush=True)
    sys.exit(1)
`

// The evidence that explains a failing cell.
const (
	refused = "refused" // the server refused the data-setup command
	dropped = "dropped" // the router dropped the data connection
	local   = "local"   // the data connection ended on the router itself
)

// want is a cell's expected outcome.
type want struct {
	ok bool
	// evidence that a failure must show (refused, dropped or local), and
	// why it fails.
	evidence, why string
}

var works = want{ok: true}

// expect returns what the cell of setup s and client c must do. The kernel
// helper's known limits are written down here as expected failures.
func expect(s setup, c client) want {
	if s.proxy || s.helper && s.topo.name != "T2pn" {
		return works
	}
	t := s.topo
	pasv227 := !t.v6 && slices.Contains([]string{"curl-pasv-trust", "curl-pasv-skip", "py-pasv"}, c.col)
	if s.helper { // T2pn
		if pasv227 || c.col == "lftp" {
			return want{evidence: local, why: "the kernel helper makes no expectation for a 227 that names the public address (pasv_address) instead of the server's own, and the passive port is not forwarded: the connection ends on the router"}
		}
		return works
	}
	switch {
	case !t.serverInside && c.active:
		return want{evidence: refused, why: "nothing rewrites the PORT/EPRT, which names the client's inside address; the server sees the router's address and refuses it (bounce protection)"}
	case t.serverInside && c.active:
		return want{evidence: dropped, why: "the server's data connection to the client is a new connection from inside, which the router drops"}
	case !t.serverInside:
		return works
	case c.col == "curl-pasv-trust" && !t.publicPASV:
		return want{evidence: dropped, why: "the 227 names the server's inside address, which curl dials; the router drops a connection that no DNAT made"}
	case t.onlyControl:
		return want{evidence: local, why: "the passive port is not forwarded: the data connection ends on the router"}
	}
	return works
}

// The modes of the router, in the order of the matrix's rows.
const (
	helperOff = iota
	helperOn
	natproxyRelay  // natproxy relays the data connections
	natproxyKernel // natproxy has the kernel forward them (-data-path kernel)
)

// setups returns the rows of the matrix.
func setups() []setup {
	var ss []setup
	add := func(t topology, server string) {
		for _, mode := range []int{helperOff, helperOn, natproxyRelay, natproxyKernel} {
			ss = append(ss, setup{topo: t, helper: mode == helperOn, proxy: mode >= natproxyRelay,
				kernel: mode == natproxyKernel, server: server})
		}
	}
	for _, t := range topologies {
		add(t, "vsftpd")
	}
	// examples/server where its -public fits: the client behind NAT, and the
	// server behind NAT announcing the public address.
	for _, t := range topologies {
		if t.name == "T1" || t.name == "T2p" || t.name == "T2pn" {
			add(t, "server")
		}
	}
	return ss
}

// TestNATMatrix builds every setup, runs every client through it and
// asserts each cell: that it works, or that it fails the expected way with
// the router's evidence.
func TestNATMatrix(t *testing.T) {
	requireLab(t)
	exampleBinary(t, "client")
	probeBinary(t)
	start := time.Now()
	t.Cleanup(func() { mx.elapsed = time.Since(start) })
	for _, s := range setups() {
		mx.declare(s.name())
	}
	t.Run("setups", func(t *testing.T) {
		for _, s := range setups() {
			t.Run(strings.ReplaceAll(s.name(), " ", "_"), func(t *testing.T) {
				t.Parallel()
				l := startLab(t, s)
				for _, c := range clients {
					t.Run(c.col, func(t *testing.T) { l.cell(t, c) })
				}
				t.Run("probe", l.probeCell)
			})
		}
	})
	t.Run("probe-fixes", checkProbeFixes)
	t.Run("readme", func(t *testing.T) {
		if !mx.complete() {
			t.Skip("not every cell ran (-run): README.md's matrix is compared only with a whole one")
		}
		checkReadme(t, mx.grid())
	})
}

// cellRun is what one client run produced.
type cellRun struct {
	ok         bool
	output     string // the client's output
	serverView []string
	router     routerView
	captures   []string
}

// cell runs the client c in the lab and asserts its outcome.
func (l *lab) cell(t *testing.T, c client) {
	w := expect(l.setup, c)
	var proxyStart int64
	if l.natproxy != nil {
		proxyStart = fileSize(l.natproxy.log)
	}
	r := l.run(t, c, !w.ok)
	res := result{ok: r.ok, want: w}
	defer func() { mx.set(l.name(), c.col, res) }()
	evidence := r.evidence()
	switch {
	case r.ok && w.ok:
		off := l.setup
		off.helper, off.proxy, off.kernel = false, false, false
		if l.helper && !expect(off, c).ok && len(r.router.related) == 0 {
			res.mismatch = true
			res.note = "works, but no connection was admitted by the helper's expectation, which the cell needs"
			t.Errorf("%s works without the helper off, but the router's set of related connections is empty", c.col)
		}
		if l.natproxy == nil {
			return
		}
		if why := l.proxyEvidence(proxyStart, r); why != "" {
			res.mismatch = true
			res.note = "works, but " + why
			t.Errorf("%s works, but %s\nnatproxy's log:\n%s", c.col, why, since(l.natproxy.log, proxyStart))
		}
		return
	case r.ok:
		res.note = "works, but was expected to fail: " + w.why
		t.Errorf("%s works, but was expected to fail (%s: %s)\n%s", c.col, w.evidence, w.why, r.output)
	case w.ok:
		res.note = "fails: " + evidence
		t.Errorf("%s fails: %s\nclient output:\n%s\nserver:\n%s", c.col, evidence, tail(r.output, 3000), strings.Join(r.serverView, "\n"))
	default:
		res.note = w.why + "; " + evidence
		if !r.shows(w.evidence) {
			res.mismatch = true
			t.Errorf("%s fails as expected, but without the expected evidence (%s): %s\nclient output:\n%s", c.col, w.evidence, evidence, tail(r.output, 3000))
		}
		l.keepCaptures(t, c, r)
	}
}

// natproxy's log lines that the cells of its rows are judged by: a data
// setup that the kernel forwards, the end of its mapping after a connection
// used it, a data setup relayed because no mapping can translate between the
// client's IPv6 and the server's IPv4, and the end of a relayed data
// connection. Each names the session by its client's address in brackets:
// "[10.99.1.2:40312]".
var (
	proxyMapped  = regexp.MustCompile(`(?m)\[(\S+)\] data setup .*: allowed \([a-z]+ connects to \S+, the kernel forwards it to `)
	proxyCarried = regexp.MustCompile(`(?m)\[(\S+)\] (passive|active) data connection .*: carried by the kernel$`)
	proxyMixed   = regexp.MustCompile(`(?m)\[(\S+)\] data setup .*; relayed: a mapping cannot translate between IPv4 and IPv6\)$`)
	proxyRelayed = regexp.MustCompile(`(?m)\[(\S+)\] (passive|active) data connection from .*, relayed to .*, closed: [1-9]\d* bytes to the client`)
)

// carriedWait bounds the wait for natproxy's line that a mapping was used:
// natproxy writes it when it removes the mapping, at the end of the
// session, just after the client exits.
const carriedWait = 3 * time.Second

// proxyEvidence returns why natproxy's log and the router do not show
// natproxy carrying the data of the run r, a cell that works, or "" if they
// do. natproxy's log is read from its byte off on. With the relay, the log
// must show a data setup. With the kernel data path, it must show a data
// setup that the kernel forwards and, for the same session, that a
// connection used the mapping; and the router's forward chain must have
// forwarded a connection of a mapping. The exception is an IPv6 client of
// the IPv4 server (T1-v6): natproxy must relay its data connections, having
// logged why, and the router forward none, the relayed connection ending on
// the router itself.
func (l *lab) proxyEvidence(off int64, r *cellRun) string {
	log := since(l.natproxy.log, off)
	switch {
	case !l.kernel:
		if !strings.Contains(log, "] data setup ") {
			return "natproxy logged no data setup"
		}
		return ""
	case l.topo.v6:
		mixed := map[string]bool{}
		for _, m := range proxyMixed.FindAllStringSubmatch(log, -1) {
			mixed[m[1]] = true
		}
		if len(mixed) == 0 {
			return "natproxy logged no data setup relayed for want of a mapping between IPv6 and IPv4"
		}
		if !slices.ContainsFunc(proxyRelayed.FindAllStringSubmatch(log, -1), func(m []string) bool { return mixed[m[1]] }) {
			return "natproxy logged no data connection that it relayed to the client"
		}
		if len(r.router.mapped) > 0 {
			return "the router forwarded connections of a mapping between IPv6 and IPv4: " + strings.Join(r.router.mapped, ", ")
		}
		if len(r.router.local) == 0 {
			return "the router saw no data connection end on itself, where natproxy relays it"
		}
		return ""
	}
	if len(r.router.mapped) == 0 {
		return "the router's forward chain saw no connection of natproxy's mappings"
	}
	deadline := time.Now().Add(carriedWait)
	for {
		mapped := map[string]bool{}
		for _, m := range proxyMapped.FindAllStringSubmatch(log, -1) {
			mapped[m[1]] = true
		}
		if len(mapped) == 0 {
			return "natproxy logged no data setup that the kernel forwards"
		}
		for _, m := range proxyCarried.FindAllStringSubmatch(log, -1) {
			if mapped[m[1]] {
				return ""
			}
		}
		if time.Now().After(deadline) {
			return fmt.Sprintf("natproxy logged no mapping carried by the kernel within %v of the client's end", carriedWait)
		}
		time.Sleep(20 * time.Millisecond)
		log = since(l.natproxy.log, off)
	}
}

// shows reports whether the run shows the evidence e.
func (r *cellRun) shows(e string) bool {
	switch e {
	case refused:
		return len(r.serverView) > 0
	case dropped:
		return len(r.router.drops) > 0
	case local:
		return len(r.router.local) > 0 && len(r.router.related) == 0
	}
	return false
}

// evidence describes why the run failed, from the router first.
func (r *cellRun) evidence() string {
	var parts []string
	if len(r.router.drops) > 0 {
		parts = append(parts, fmt.Sprintf("router dropped %s (%d packets)", strings.Join(r.router.drops, ", "), r.router.dropped))
	}
	if len(r.router.local) > 0 {
		parts = append(parts, "router got "+strings.Join(r.router.local, ", ")+" itself (not forwarded: RST)")
	}
	switch {
	case r.router.helped == 0:
		parts = append(parts, "no FTP helper on the control connection")
	case len(r.router.related) > 0:
		parts = append(parts, fmt.Sprintf("FTP helper on the control connection (%d packets); its expectations admitted %s", r.router.helped, strings.Join(r.router.related, ", ")))
	default:
		parts = append(parts, fmt.Sprintf("FTP helper on the control connection (%d packets), no connection admitted by an expectation", r.router.helped))
	}
	if len(r.router.mapped) > 0 {
		parts = append(parts, "router forwarded natproxy's mappings "+strings.Join(r.router.mapped, ", "))
	}
	if len(r.router.expects) > 0 {
		parts = append(parts, "expectations seen: "+strings.Join(r.router.expects, ", "))
	}
	if len(r.serverView) > 0 {
		parts = append(parts, "server: "+strings.Join(r.serverView, "; "))
	}
	if e := clientError(r.output); e != "" {
		parts = append(parts, "client: "+e)
	}
	return strings.Join(parts, "; ")
}

// run runs the client c once, capturing on the router's legs if capture.
func (l *lab) run(t *testing.T, c client, capture bool) *cellRun {
	t.Helper()
	dir := filepath.Join(l.dir, c.col)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "data.bin")
	l.resetRouter(t)
	var dumps []*process
	r := &cellRun{}
	if capture {
		for _, leg := range []string{"in", "out"} {
			pcap := filepath.Join(dir, leg+".pcap")
			p := startProcess(t, "tcpdump-"+leg, l.rtr, dir, "tcpdump", "-Z", "root", "-n", "-U", "--immediate-mode",
				"-s", "256", "-c", "600", "-i", leg, "-w", pcap, "tcp")
			dumps = append(dumps, p)
			r.captures = append(r.captures, pcap)
		}
		for _, p := range dumps {
			p.waitFor(t, "listening on")
		}
	}
	logStart := fileSize(l.serverLog)
	stop := l.watchExpectations()

	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	argv := c.argv(l, out)
	cmd := inNetnsCmd(ctx, l.cli, argv...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Env, "HOME="+dir)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	if ctx.Err() != nil {
		fmt.Fprintf(&buf, "\n[%s killed after %v]\n", filepath.Base(argv[0]), clientTimeout)
	} else if err != nil {
		fmt.Fprintf(&buf, "\n[%s: %v]\n", filepath.Base(argv[0]), err)
	}
	r.output = buf.String()
	r.router.expects = stop()
	l.readRouter(t, &r.router)
	for _, p := range dumps {
		p.stop(syscall.SIGINT)
	}
	got, _ := os.ReadFile(out)
	r.ok = err == nil && bytes.Equal(got, testData)
	time.Sleep(50 * time.Millisecond) // the server logs the session's end
	r.serverView = serverView(since(l.serverLog, logStart))
	return r
}

var (
	vsftpdReply = regexp.MustCompile(`FTP response: Client "[^"]*", "([45]\d\d [^"]*)"`)
	serverReply = regexp.MustCompile(`\] (< [45]\d\d .*|data setup .* refused: .*|data connection for .*)$`)
)

// serverView returns the server's refusals and data-connection failures
// from its log.
func serverView(log string) []string {
	var v []string
	for _, line := range strings.Split(log, "\n") {
		var m []string
		if m = vsftpdReply.FindStringSubmatch(line); m == nil {
			m = serverReply.FindStringSubmatch(line)
		}
		// 421 ends a session; 502 is a command the server lacks (lftp's FEAT probes)
		if m != nil && !slices.Contains(v, m[1]) && !strings.HasPrefix(m[1], "421") && !strings.HasPrefix(m[1], "502") {
			v = append(v, m[1])
		}
	}
	return v
}

// curlDetail matches curl's verbose lines that say what failed: curl's
// final "curl: (N)" message often names the control connection's port or an
// unrelated errno.
var curlDetail = regexp.MustCompile(`^\* (connect to .* failed.*|.*[Cc]onnect(ion)? timed? ?out.*|Failed to do PORT.*|Accept timeout.*|Operation timed out.*|.*failed: Connection refused)$`)

// clientError returns the client's most telling error line.
func clientError(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	short := func(l string) string {
		if len(l) > 160 {
			return l[:160]
		}
		return l
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if m := curlDetail.FindStringSubmatch(strings.TrimSpace(lines[i])); m != nil {
			return "curl: " + short(m[1])
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		switch {
		case strings.HasPrefix(l, "curl: ("), strings.HasPrefix(l, "ERROR: "),
			strings.Contains(l, "Fatal error"), strings.HasPrefix(l, "client: "):
			return short(l)
		}
	}
	return ""
}

// keepCaptures copies the captures of a failing cell to
// HOSTPORT_NATLAB_CAPTURES, if set, as SETUP_CLIENT-{in,out}.pcap.
func (l *lab) keepCaptures(t *testing.T, c client, r *cellRun) {
	dest := os.Getenv(envCaptures)
	if dest == "" {
		return
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		t.Error(err)
		return
	}
	for _, pcap := range r.captures {
		name := strings.NewReplacer(" ", "_", ",", "", "/", "").Replace(l.name()) + "_" + c.col + "-" + filepath.Base(pcap)
		if err := copyFile(filepath.Join(dest, name), pcap); err != nil {
			t.Error(err)
		}
	}
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// --- The report ---------------------------------------------------------------------

// result is the outcome of a cell.
type result struct {
	ok       bool
	want     want
	note     string
	mismatch bool // failed as expected, without the expected evidence
}

// status returns the cell's text: "ok", "fail" (as expected and asserted),
// or "ok!" or "fail!" for an outcome other than the expected one.
func (r result) status() string {
	s := "fail"
	if r.ok {
		s = "ok"
	}
	if r.ok != r.want.ok || r.mismatch {
		s += "!"
	}
	return s
}

// matrix collects the outcomes of the cells, and the probe's.
type matrix struct {
	mu      sync.Mutex
	rows    []string
	cells   map[[2]string]result
	probe   map[[2]string]probeResult // by row and the probe's mode
	elapsed time.Duration
}

var mx = &matrix{cells: map[[2]string]result{}, probe: map[[2]string]probeResult{}}

func (m *matrix) declare(row string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !slices.Contains(m.rows, row) {
		m.rows = append(m.rows, row)
	}
}

func (m *matrix) set(row, col string, r result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cells[[2]string{row, col}] = r
}

// cell returns the outcome of a cell, if it ran.
func (m *matrix) cell(row, col string) (result, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.cells[[2]string{row, col}]
	return r, ok
}

func (m *matrix) setProbe(row, mode string, r probeResult) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.probe[[2]string{row, mode}] = r
}

// probeCell returns the probe's outcome for a mode in a row, if it ran.
func (m *matrix) probeCell(row, mode string) (probeResult, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.probe[[2]string{row, mode}]
	return r, ok
}

// complete reports whether every cell of every setup ran, the probe's
// included.
func (m *matrix) complete() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	ss := setups()
	return len(m.cells) == len(ss)*len(clients) && len(m.probe) == len(ss)*len(probeCols)
}

func (m *matrix) empty() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.cells) == 0
}

// String returns the report: the tables, then why each failing cell
// fails, with the router's evidence, and what the probe said of it.
func (m *matrix) String() string {
	grid := m.grid()
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	b.WriteString("==== FTP through a real NAT: ok, fail (failing as expected, for the reason below), ok! or fail! (not as expected), - (not run) ====\n")
	b.WriteString("server vsftpd unless the row says examples/server; natproxy rows: the kernel helper off, natproxy relays the data connections (natproxy) or has the kernel forward them (natproxy-kernel)\n")
	b.WriteString("hostport probe: its verdict per mode, which must equal the curl column's in the same row: ok, fail (and its fix line names a fix that makes the cell work in the lab), ok! or fail! (not so), ok* or fail* (a known disagreement, below)\n\n")
	b.WriteString(grid)
	counts := map[string]int{}
	var notes, probeNotes []string
	for _, row := range m.rows {
		for _, c := range clients {
			if r, ok := m.cells[[2]string{row, c.col}]; ok {
				counts[r.status()]++
				if r.note != "" {
					notes = append(notes, fmt.Sprintf("%s, %s: %s: %s", row, c.col, r.status(), r.note))
				}
			}
		}
		for _, c := range probeCols {
			r, ok := m.probe[[2]string{row, c.mode}]
			if !ok || (r.ok && r.agrees()) {
				continue
			}
			counts["probe "+r.status()]++
			n := fmt.Sprintf("%s, probe %s: %s (%s); %s %s", row, c.mode, r.status(), strings.Join(r.flags, ","), c.curl, map[bool]string{true: "ok", false: "fails"}[r.curlOK])
			if r.checked {
				n += fmt.Sprintf("; fixes named: %s; of which work in the lab: %s", listOr(r.named, "none"), listOr(r.proven, "none"))
			}
			if r.known != "" {
				n += "; known disagreement: " + r.known
			}
			probeNotes = append(probeNotes, n)
		}
	}
	b.WriteString("\nwhy each failing cell fails (router's evidence first):\n")
	for _, n := range notes {
		b.WriteString("  " + n + "\n")
	}
	b.WriteString("\nthe probe's failing modes and disagreements:\n")
	for _, n := range probeNotes {
		b.WriteString("  " + n + "\n")
	}
	fmt.Fprintf(&b, "\ncells: %d ok, %d fail (expected), %d ok!, %d fail!", counts["ok"], counts["fail"], counts["ok!"], counts["fail!"])
	fmt.Fprintf(&b, "; probe: %d fail (agreeing), %d ok! or fail!, %d known disagreements", counts["probe fail"], counts["probe ok!"]+counts["probe fail!"], counts["probe ok*"]+counts["probe fail*"])
	if m.elapsed > 0 {
		fmt.Fprintf(&b, "; matrix ran in %.0f s", m.elapsed.Seconds())
	}
	b.WriteString("\n")
	return b.String()
}

// grid returns the two tables: each client's outcome per setup, and the
// probe's verdict per mode. It is what README.md holds between its natlab
// markers.
func (m *matrix) grid() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	w0 := len("hostport probe")
	for _, r := range m.rows {
		w0 = max(w0, len(r))
	}
	// Each column is as wide as its name, and at least as "fail!".
	width := func(col string) int { return max(len(col), len("fail!")) }
	table := func(corner string, cols []string, text func(row, col string) string) {
		line := pad(corner, w0)
		for _, c := range cols {
			line += "  " + pad(c, width(c))
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
		for _, row := range m.rows {
			line := pad(row, w0)
			for _, c := range cols {
				line += "  " + pad(text(row, c), width(c))
			}
			b.WriteString(strings.TrimRight(line, " ") + "\n")
		}
	}
	var cols []string
	for _, c := range clients {
		cols = append(cols, c.col)
	}
	table("", cols, func(row, col string) string {
		if r, ok := m.cells[[2]string{row, col}]; ok {
			return r.status()
		}
		return "-"
	})
	b.WriteString("\n")
	cols = nil
	for _, c := range probeCols {
		cols = append(cols, c.mode)
	}
	table("hostport probe", cols, func(row, col string) string {
		if r, ok := m.probe[[2]string{row, col}]; ok {
			return r.status()
		}
		return "-"
	})
	return b.String()
}

// pad pads s with spaces to n bytes.
func pad(s string, n int) string {
	return s + strings.Repeat(" ", max(0, n-len(s)))
}

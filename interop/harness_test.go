//go:build linux

package interop

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// The environment variables of the suite.
const (
	// envMode set to "require" makes a missing peer (or IPv6 loopback) a
	// failure instead of a skip.
	envMode = "HOSTPORT_INTEROP"
	// envPeers is where interop/peers/install.sh unpacked the servers.
	envPeers = "HOSTPORT_PEERS"
	// envMatrix names a file to write the matrix to.
	envMatrix = "HOSTPORT_INTEROP_MATRIX"

	defaultPeers = "/opt/hostport-peers"
	installHint  = "run interop/peers/install.sh as root (Debian 12)"
)

// Timeouts: every wait of the suite is bounded by one of them.
const (
	startTimeout  = 10 * time.Second // a server starts listening
	stopTimeout   = 5 * time.Second  // a server ends after SIGTERM, before SIGKILL
	clientTimeout = 30 * time.Second // a client program runs
	ioTimeout     = 10 * time.Second // a reply or data on a connection of the tests
)

var (
	// requireAll is set by HOSTPORT_INTEROP=require.
	requireAll = os.Getenv(envMode) == "require"
	// peersDir is where the servers were unpacked.
	peersDir = cmpOr(os.Getenv(envPeers), defaultPeers)

	// baseDir holds everything the suite writes: the served tree, the
	// servers' configurations and logs, the example binaries.
	baseDir string
	// rootDir is the directory served by every server: data.bin
	// (testData) and pub/hello.txt.
	rootDir string
	// testData is the content of data.bin: random bytes, CR and LF
	// included, so that any change on the way shows.
	testData []byte

	mx = newMatrix()
)

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestMain(m *testing.M) {
	flag.Parse()
	// The tests wait on other processes most of the time: run more of them
	// at once than there are cores, unless -parallel says otherwise.
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet {
		flag.Set("test.parallel", "8")
	}
	declareSections()
	if err := setup(); err != nil {
		fmt.Fprintf(os.Stderr, "interop: %v\n", err)
		if baseDir != "" {
			os.RemoveAll(baseDir)
		}
		os.Exit(1)
	}
	code := m.Run()
	if !mx.empty() {
		report := mx.String()
		fmt.Print("\n" + report)
		if path := os.Getenv(envMatrix); path != "" {
			if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
				fmt.Fprintf(os.Stderr, "interop: %v\n", err)
				code = 1
			}
		}
	}
	os.RemoveAll(baseDir)
	os.Exit(code)
}

// declareSections declares the matrix's tables in the order printed.
func declareSections() {
	var rows []string
	for _, s := range realServers {
		rows = append(rows, serverRow(s.name, ""), serverRow(s.name, masqAddr))
	}
	mx.declare(serversSection, rows, serverCols)
	mx.declare(clientsSection, clientRows, clientCols)
	mx.declare(refusalsSection, refusalRows, refusalCols)
	mx.declare(natproxySection, natproxyRows, natproxyCols)
}

// setup writes the served tree. The directories are 0755 and the files 0644,
// so that servers that drop to the 'ftp' user can read them and vsftpd, which
// refuses a root its user can write, accepts it.
func setup() error {
	var err error
	if baseDir, err = os.MkdirTemp("", "hostport-interop-"); err != nil {
		return err
	}
	rootDir = filepath.Join(baseDir, "root")
	testData = make([]byte, 256<<10)
	r := rand.New(rand.NewPCG(7, 8))
	for i := range testData {
		testData[i] = byte(r.Uint32())
	}
	for _, err := range []error{
		os.Chmod(baseDir, 0o755),
		os.MkdirAll(filepath.Join(rootDir, "pub"), 0o755),
		os.Chmod(rootDir, 0o755),
		os.Chmod(filepath.Join(rootDir, "pub"), 0o755),
		os.WriteFile(filepath.Join(rootDir, "data.bin"), testData, 0o644),
		os.WriteFile(filepath.Join(rootDir, "pub", "hello.txt"), []byte("hello from the interop suite\n"), 0o644),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// stateDir returns a new directory under baseDir for one server or client
// run, readable by all (servers that drop privileges read their files there).
func stateDir(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.MkdirTemp(baseDir, name+"-")
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// --- Peers ---------------------------------------------------------------------

var (
	peerMu     sync.Mutex
	peerChecks = map[string]string{} // name -> why it is missing, "" if present
)

// requirePeer skips the test with a message that says what is missing, or
// fails it if HOSTPORT_INTEROP=require, unless every peer named is available:
// "vsftpd", "proftpd", "pure-ftpd", "pyftpdlib", "curl", "wget", "lftp",
// "tnftp", "ftplib" or "ipv6" (the IPv6 loopback ::1).
func requirePeer(t *testing.T, names ...string) {
	t.Helper()
	if why := missing(names...); why != "" {
		skipOrFail(t, why)
	}
}

// missing returns why the first unavailable peer of names is missing, or ""
// if all are there. Each peer is checked once.
func missing(names ...string) string {
	peerMu.Lock()
	defer peerMu.Unlock()
	for _, name := range names {
		why, ok := peerChecks[name]
		if !ok {
			why = checkPeer(name)
			peerChecks[name] = why
		}
		if why != "" {
			return why
		}
	}
	return ""
}

// skipOrFail skips the test with msg, or fails it if HOSTPORT_INTEROP=require.
func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if requireAll {
		t.Fatalf("%s (%s=require: a missing peer is a failure)", msg, envMode)
	}
	t.Skip(msg)
}

// serverBinary returns the path of an unpacked server.
func serverBinary(name string) string {
	switch name {
	case "vsftpd":
		return filepath.Join(peersDir, "vsftpd/usr/sbin/vsftpd")
	case "proftpd":
		return filepath.Join(peersDir, "proftpd-core/usr/sbin/proftpd")
	case "pure-ftpd":
		return filepath.Join(peersDir, "pure-ftpd/usr/sbin/pure-ftpd")
	}
	return ""
}

// python is the Python of Debian's python3-pyftpdlib, not one on PATH.
const python = "/usr/bin/python3"

// checkPeer returns why the peer name is unavailable, or "".
func checkPeer(name string) string {
	switch name {
	case "ipv6":
		ln, err := net.Listen("tcp6", "[::1]:0")
		if err != nil {
			return "IPv6 loopback ::1 unavailable: " + err.Error()
		}
		ln.Close()
		return ""
	case "vsftpd", "proftpd", "pure-ftpd":
		bin := serverBinary(name)
		if _, err := os.Stat(bin); err != nil {
			return fmt.Sprintf("%s not found at %s; %s, or set %s to where it put the servers", name, bin, installHint, envPeers)
		}
		if os.Geteuid() != 0 {
			return name + " must run as root (it chroots and switches to the 'ftp' user)"
		}
		if home, err := ftpHome(); err != nil {
			return fmt.Sprintf("%s needs the 'ftp' account and its home: %v; %s", name, err, installHint)
		} else if _, err := os.Stat(home); err != nil {
			return fmt.Sprintf("%s needs the home of the 'ftp' account: %v; %s", name, err, installHint)
		}
		if name == "pure-ftpd" {
			for _, tool := range []string{"unshare", "mount"} {
				if _, err := exec.LookPath(tool); err != nil {
					return fmt.Sprintf("pure-ftpd needs %s (util-linux): %v; %s", tool, err, installHint)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
			defer cancel()
			if out, err := exec.CommandContext(ctx, "unshare", "--mount", "--propagation", "private", "--", "true").CombinedOutput(); err != nil {
				return fmt.Sprintf("pure-ftpd needs a private mount namespace for its anonymous root, and unshare --mount fails: %v %s", err, bytes.TrimSpace(out))
			}
		}
		return ""
	case "pyftpdlib", "ftplib":
		module := map[string]string{"pyftpdlib": "pyftpdlib", "ftplib": "ftplib"}[name]
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		if out, err := exec.CommandContext(ctx, python, "-c", "import "+module).CombinedOutput(); err != nil {
			return fmt.Sprintf("%s: %s cannot import %s: %v %s; %s", name, python, module, err, bytes.TrimSpace(out), installHint)
		}
		return ""
	case "curl", "wget", "lftp", "tnftp":
		if _, err := exec.LookPath(name); err != nil {
			return fmt.Sprintf("%s not found: %v; %s", name, err, installHint)
		}
		return ""
	}
	return "unknown peer " + strconv.Quote(name)
}

// ftpHome returns the home directory of the 'ftp' account.
func ftpHome() (string, error) {
	u, err := user.Lookup("ftp")
	if err != nil {
		return "", err
	}
	return u.HomeDir, nil
}

// --- The example programs --------------------------------------------------------

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// exampleBinary builds examples/server, examples/client and
// examples/natproxy (once) and returns the path of the one named.
func exampleBinary(t *testing.T, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir = filepath.Join(baseDir, "bin")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", binDir+"/",
			"github.com/ftpkit/hostport/examples/server",
			"github.com/ftpkit/hostport/examples/client",
			"github.com/ftpkit/hostport/examples/natproxy")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build of the examples: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, name)
}

// --- Processes -------------------------------------------------------------------

// process is a server started by a test, leading its own process group.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string // its standard output and error
	done chan struct{}
}

// startProcess starts argv in dir as the leader of a new process group, with
// its output in dir/NAME.out, and stops it when the test ends.
func startProcess(t *testing.T, name, dir string, argv ...string) *process {
	t.Helper()
	p := &process{name: name, log: filepath.Join(dir, name+".out"), done: make(chan struct{})}
	f, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			t.Logf("%s log (%s):\n%s", name, p.log, tail(p.log, 4000))
		}
	})
	return p
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop ends the process, its process group and every process descended from
// it: vsftpd's session processes call setsid and leave the group. SIGTERM
// first, SIGKILL after stopTimeout. Only these processes are signalled, by
// their ids, and a descendant only while it is the same process (same start
// time), never a later process that reuses its id.
func (p *process) stop(t *testing.T) {
	pid := p.cmd.Process.Pid
	kids := descendants(pid)
	signal := func(sig syscall.Signal) {
		if !p.exited() {
			syscall.Kill(-pid, sig)
		}
		for _, k := range kids {
			if k.alive() {
				syscall.Kill(k.pid, sig)
			}
		}
	}
	allGone := func() bool {
		return p.exited() && !slices.ContainsFunc(kids, procID.alive)
	}
	signal(syscall.SIGTERM)
	deadline := time.Now().Add(stopTimeout)
	for !allGone() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !allGone() {
		t.Logf("%s (pid %d) still running %v after SIGTERM: SIGKILL", p.name, pid, stopTimeout)
		signal(syscall.SIGKILL)
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			t.Errorf("%s (pid %d) did not end", p.name, pid)
		}
	}
}

// procID identifies a process: its id and its start time, since ids are
// reused.
type procID struct {
	pid   int
	start string
}

// procStat reads /proc/PID/stat: the state, the parent and the start time
// of the process pid.
func procStat(pid int) (state byte, ppid int, start string, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, "", false
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces and parentheses
	if i < 0 {
		return 0, 0, "", false
	}
	f := strings.Fields(string(b[i+1:])) // from field 3, the state
	if len(f) < 20 {
		return 0, 0, "", false
	}
	ppid, err = strconv.Atoi(f[1])
	return f[0][0], ppid, f[19], err == nil // field 22 is the start time
}

// alive reports whether the process still runs: it exists with the same start
// time and is not a zombie waiting for its parent.
func (p procID) alive() bool {
	state, _, start, ok := procStat(p.pid)
	return ok && start == p.start && state != 'Z'
}

// descendants returns the processes descended from pid, from /proc.
func descendants(pid int) []procID {
	ents, _ := os.ReadDir("/proc")
	children := map[int][]procID{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, ppid, start, ok := procStat(p); ok {
			children[ppid] = append(children[ppid], procID{p, start})
		}
	}
	var out []procID
	for front := []int{pid}; len(front) > 0; {
		var next []int
		for _, p := range front {
			for _, c := range children[p] {
				out = append(out, c)
				next = append(next, c.pid)
			}
		}
		front = next
	}
	return out
}

// tail returns the end of the file at path, at most n bytes.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// waitListening waits until a socket listens on ap, failing the test if the
// process ends first or startTimeout passes.
func waitListening(t *testing.T, p *process, ap netip.AddrPort) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for !listening(ap) {
		if p.exited() {
			t.Fatalf("%s exited during start: %v\n%s", p.name, p.cmd.ProcessState, tail(p.log, 4000))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %s after %v\n%s", p.name, ap, startTimeout, tail(p.log, 4000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listening reports whether a TCP socket listens on ap, from /proc/net/tcp
// and /proc/net/tcp6, without connecting to it.
func listening(ap netip.AddrPort) bool {
	file, hexAddr := "/proc/net/tcp", ""
	b := ap.Addr().AsSlice()
	if ap.Addr().Is6() {
		file = "/proc/net/tcp6"
	}
	for i := 0; i < len(b); i += 4 { // each 32-bit word in host (little-endian) order
		hexAddr += fmt.Sprintf("%02X%02X%02X%02X", b[i+3], b[i+2], b[i+1], b[i])
	}
	want := fmt.Sprintf("%s:%04X", hexAddr, ap.Port())
	data, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && f[1] == want && f[3] == "0A" { // 0A: LISTEN
			return true
		}
	}
	return false
}

// --- Ports ---------------------------------------------------------------------------

// freePort returns a port that nothing listens on at ip now.
func freePort(t *testing.T, ip netip.Addr) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// Passive port ranges are handed out in blocks below the Linux ephemeral
// range (32768 and up), so that servers running at once never share a port.
const (
	rangeLow, rangeHigh = 20000, 32000
	rangeSize           = 20 // Pure-FTPd admits half as many clients at once
)

var (
	rangeMu   sync.Mutex
	rangeNext = rangeLow + rand.IntN((rangeHigh-rangeLow)/rangeSize)*rangeSize
)

// passiveRange returns a block of rangeSize ports that are all free on
// 127.0.0.1 and ::1 now.
func passiveRange(t *testing.T) (lo, hi int) {
	t.Helper()
	rangeMu.Lock()
	defer rangeMu.Unlock()
	for tries := 0; tries < (rangeHigh-rangeLow)/rangeSize; tries++ {
		lo = rangeNext
		rangeNext += rangeSize
		if rangeNext+rangeSize > rangeHigh {
			rangeNext = rangeLow
		}
		if blockFree(lo, lo+rangeSize-1) {
			return lo, lo + rangeSize - 1
		}
	}
	t.Fatal("no free block of passive ports")
	return 0, 0
}

func blockFree(lo, hi int) bool {
	for p := lo; p <= hi; p++ {
		for _, host := range []string{"127.0.0.1", "::1"} {
			ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
			if err != nil {
				if host == "::1" && !hasIPv6() {
					continue
				}
				return false
			}
			ln.Close()
		}
	}
	return true
}

func hasIPv6() bool { return missing("ipv6") == "" }

// --- Client programs -----------------------------------------------------------------

// runProgram runs argv in dir, with HOME set to dir (so that no .netrc,
// .curlrc, .wgetrc or lftp configuration of the user applies), in its own
// process group, killed with its children after clientTimeout. It returns
// the combined output and the error of the run.
func runProgram(t *testing.T, dir string, argv ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s: killed after %v: %w", filepath.Base(argv[0]), clientTimeout, err)
	}
	return out.String(), err
}

// sameFile fails the test unless the file at path holds testData.
func sameFile(t *testing.T, path, output string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no file downloaded: %v\noutput:\n%s", err, output)
	}
	if !bytes.Equal(got, testData) {
		t.Fatalf("downloaded %d bytes, not the %d bytes of data.bin (first difference at %d)\noutput:\n%s",
			len(got), len(testData), firstDiff(got, testData), output)
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// --- The matrix ---------------------------------------------------------------------

// cellID names a cell of the matrix: a section (a table), its row (a peer
// and its variant) and its column (a mode and an address family).
type cellID struct{ section, row, col string }

// result is the outcome of a cell.
type result struct {
	status string // "ok", "FAIL", "skip"
	note   string // for an expected refusal: what happened and why
}

// matrix collects the cells' outcomes for the report at the end.
type matrix struct {
	mu       sync.Mutex
	sections []*section
}

type section struct {
	title      string
	rows, cols []string
	cells      map[[2]string]result
}

func newMatrix() *matrix { return &matrix{} }

// declare adds a section with its rows and columns, in the order printed.
// A section without any cell run is left out of the report.
func (m *matrix) declare(title string, rows, cols []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.sections {
		if s.title == title {
			return
		}
	}
	m.sections = append(m.sections, &section{title: title, rows: rows, cols: cols, cells: map[[2]string]result{}})
}

func (m *matrix) set(id cellID, r result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.sections {
		if s.title == id.section {
			if old, ok := s.cells[[2]string{id.row, id.col}]; ok && old.status == "FAIL" {
				return
			}
			s.cells[[2]string{id.row, id.col}] = r
			return
		}
	}
	panic("undeclared section " + id.section)
}

func (m *matrix) empty() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.sections {
		if len(s.cells) > 0 {
			return false
		}
	}
	return true
}

// String returns the report: each section as a table, "ok*" marking a cell
// whose refusal was expected and asserted, explained under the table; then
// the counts.
func (m *matrix) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	b.WriteString("==== interop matrix: ok (asserted and passed), ok* (passed; see its note: an oddity handled, or a pair that cannot work failing as expected), FAIL, skip, - (not applicable) ====\n")
	if v, err := os.ReadFile(filepath.Join(peersDir, "VERSIONS")); err == nil {
		b.WriteString("peers: " + strings.Join(strings.Split(strings.TrimSpace(string(v)), "\n"), ", ") + "\n")
	}
	counts := map[string]int{}
	for _, s := range m.sections {
		if len(s.cells) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s\n", s.title)
		w0 := 0
		for _, r := range s.rows {
			w0 = max(w0, utf8.RuneCountInString(r))
		}
		widths := make([]int, len(s.cols))
		for i, c := range s.cols {
			widths[i] = max(utf8.RuneCountInString(c), 4)
		}
		b.WriteString("  " + pad("", w0))
		for i, c := range s.cols {
			b.WriteString("  " + pad(c, widths[i]))
		}
		b.WriteString("\n")
		var notes []string
		for _, r := range s.rows {
			line := "  " + pad(r, w0)
			for i, c := range s.cols {
				res, ok := s.cells[[2]string{r, c}]
				text := "-"
				if ok {
					text = res.status
					counts[res.status]++
					switch {
					case res.note == "":
					case res.status == "ok":
						text = "ok*"
						counts["ok*"]++
						notes = append(notes, fmt.Sprintf("%s %s: %s", r, c, res.note))
					default:
						if n := fmt.Sprintf("%s: %s: %s", r, res.status, res.note); !slices.Contains(notes, n) {
							notes = append(notes, n)
						}
					}
				}
				line += "  " + pad(text, widths[i])
			}
			b.WriteString(strings.TrimRight(line, " ") + "\n")
		}
		for _, n := range notes {
			b.WriteString("    * " + n + "\n")
		}
	}
	fmt.Fprintf(&b, "\ncells: %d ok (%d of them ok*), %d FAIL, %d skip\n", counts["ok"], counts["ok*"], counts["FAIL"], counts["skip"])
	return b.String()
}

// pad pads s with spaces to n characters.
func pad(s string, n int) string {
	return s + strings.Repeat(" ", max(0, n-utf8.RuneCountInString(s)))
}

// skipRow marks the cells of a row as skipped (failed, with
// HOSTPORT_INTEROP=require), with the reason, when the whole row cannot run
// because a peer is missing.
func skipRow(section, row string, cols []string, why string) {
	status := "skip"
	if requireAll {
		status = "FAIL"
	}
	for _, c := range cols {
		mx.set(cellID{section, row, c}, result{status: status, note: why})
	}
}

// cell runs f as the subtest id.col of t and records its outcome in the
// matrix. f returns "" when the cell passed the ordinary way, or a note when
// it asserted an expected refusal (a pair that cannot work, and why).
func cell(t *testing.T, id cellID, f func(t *testing.T) string) {
	t.Helper()
	t.Run(id.col, func(t *testing.T) {
		var note string
		finished := false
		defer func() {
			r := result{status: "ok", note: note}
			switch {
			case t.Skipped():
				r = result{status: "skip"}
			case t.Failed() || !finished:
				r = result{status: "FAIL"}
			}
			mx.set(id, r)
		}()
		note = f(t)
		finished = true
	})
}

//go:build linux

package natlab

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The environment variables of the lab.
const (
	// envMode set to "require" makes a skip for a missing prerequisite a
	// failure.
	envMode = "HOSTPORT_NATLAB"
	// envMatrix names a file to write the matrix to.
	envMatrix = "HOSTPORT_NATLAB_MATRIX"
	// envCaptures names a directory to keep the captures of failing cells in.
	envCaptures = "HOSTPORT_NATLAB_CAPTURES"
	// envBench set to 1 runs the data-path benchmark.
	envBench = "HOSTPORT_NATLAB_BENCH"
	// envPeers is where interop/peers/install.sh unpacked the servers.
	envPeers = "HOSTPORT_PEERS"

	defaultPeers = "/opt/hostport-peers"
	installHint  = "run interop/peers/install.sh and interop/natlab/install.sh as root (Debian 12)"
)

// prefix starts the name of every namespace the lab creates.
const prefix = "hpnl-"

// Timeouts: every wait of the lab is bounded by one of them.
const (
	cmdTimeout    = 10 * time.Second // ip, nft: one configuration command
	startTimeout  = 5 * time.Second  // a server starts listening
	stopTimeout   = 3 * time.Second  // a process ends after SIGTERM, before SIGKILL
	clientTimeout = 15 * time.Second // a client program runs (its own timeouts are 3-8 s)
)

var (
	requireAll = os.Getenv(envMode) == "require"
	peersDir   = cmpOr(os.Getenv(envPeers), defaultPeers)

	// baseDir holds everything the lab writes: the served tree, the
	// servers' configurations and logs, the binaries, the captures.
	baseDir string
	// rootDir is the directory the servers serve: data.bin (testData).
	rootDir string
	// testData is the content of data.bin.
	testData []byte
)

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestMain(m *testing.M) {
	flag.Parse()
	// The setups wait on their clients most of the time, and each has its
	// own namespaces: run several at once unless -parallel says otherwise.
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet {
		flag.Set("test.parallel", "8")
	}
	if err := writeTree(); err != nil {
		fmt.Fprintf(os.Stderr, "natlab: %v\n", err)
		os.RemoveAll(baseDir)
		os.Exit(1)
	}
	code := m.Run()
	if !mx.empty() {
		report := mx.String()
		fmt.Print("\n" + report)
		if path := os.Getenv(envMatrix); path != "" {
			if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
				fmt.Fprintf(os.Stderr, "natlab: %v\n", err)
				code = 1
			}
		}
	}
	os.RemoveAll(baseDir)
	os.Exit(code)
}

// lockFile is locked (flock) by the run of the lab that owns the hpnl-*
// namespaces.
const lockFile = "/run/lock/hostport-natlab.lock"

// lockWait bounds the wait for another run of the lab to end.
const lockWait = 5 * time.Minute

// lockHeld is lockFile, open and locked until the process ends.
var lockHeld *os.File

// lockLab waits until no other run of the lab holds lockFile, then holds it
// until the process ends.
func lockLab() error {
	if err := os.MkdirAll(filepath.Dir(lockFile), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(lockFile, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(lockWait)
	said := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if err != syscall.EWOULDBLOCK {
			f.Close()
			return fmt.Errorf("locking %s: %v", lockFile, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return fmt.Errorf("another run of the lab holds %s for more than %v", lockFile, lockWait)
		}
		if !said {
			fmt.Fprintf(os.Stderr, "natlab: waiting for another run of the lab to end (it holds %s)\n", lockFile)
			said = true
		}
		time.Sleep(200 * time.Millisecond)
	}
	lockHeld = f
	return nil
}

// writeTree writes the served tree, readable by the servers' unprivileged users.
func writeTree() error {
	var err error
	if baseDir, err = os.MkdirTemp("", "hostport-natlab-"); err != nil {
		return err
	}
	rootDir = filepath.Join(baseDir, "root")
	testData = make([]byte, 128<<10)
	r := rand.New(rand.NewPCG(9, 9))
	for i := range testData {
		testData[i] = byte(r.Uint32())
	}
	for _, err := range []error{
		os.Chmod(baseDir, 0o755),
		os.Mkdir(rootDir, 0o755),
		os.WriteFile(filepath.Join(rootDir, "data.bin"), testData, 0o644),
		os.WriteFile(filepath.Join(baseDir, "ftpget.py"), []byte(ftpgetPy), 0o644),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// --- Prerequisites ---------------------------------------------------------------

var (
	readyOnce sync.Once
	readyWhy  string
)

// requireLab skips the test with the reason, or fails it with
// HOSTPORT_NATLAB=require, unless the lab can run here: root, iproute2,
// nftables with the FTP conntrack helper, tcpdump, network namespaces, and
// the peers.
func requireLab(t *testing.T) {
	t.Helper()
	readyOnce.Do(func() { readyWhy = checkLab() })
	if readyWhy != "" {
		skipOrFail(t, readyWhy)
	}
}

// skipOrFail skips the test with msg, or fails it if HOSTPORT_NATLAB=require.
func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if requireAll {
		t.Fatalf("%s (%s=require: a missing prerequisite is a failure)", msg, envMode)
	}
	t.Skip(msg)
}

// checkLab returns why the lab cannot run, or "".
func checkLab() string {
	if runtime.GOOS != "linux" {
		return "the NAT lab needs Linux"
	}
	if os.Geteuid() != 0 {
		return "the NAT lab must run as root (network namespaces, nftables, vsftpd)"
	}
	// One run of the lab at a time: a second one would remove the first
	// one's namespaces as stale. Tests that need no namespaces take
	// neither the lock nor the namespaces.
	if err := lockLab(); err != nil {
		return err.Error()
	}
	if err := removeStale(); err != nil {
		return fmt.Sprintf("removing stale namespaces: %v", err)
	}
	for _, tool := range []string{"ip", "nft", "tcpdump", "curl", "lftp", python} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Sprintf("%s not found: %v; %s", tool, err, installHint)
		}
	}
	if _, err := os.Stat(vsftpdBinary()); err != nil {
		return fmt.Sprintf("vsftpd not found at %s; %s, or set %s", vsftpdBinary(), installHint, envPeers)
	}
	if u, err := user.Lookup("ftp"); err != nil {
		return fmt.Sprintf("vsftpd needs the 'ftp' account: %v; %s", err, installHint)
	} else if _, err := os.Stat(u.HomeDir); err != nil {
		return fmt.Sprintf("vsftpd needs the home of the 'ftp' account: %v; %s", err, installHint)
	}
	if out, err := command(context.Background(), python, "-c", "import ftplib").CombinedOutput(); err != nil {
		return fmt.Sprintf("%s cannot import ftplib: %v %s", python, err, bytes.TrimSpace(out))
	}
	// A namespace with the FTP helper: proves namespaces, nftables and
	// the kernel's nf_conntrack_ftp.
	ns := prefix + "probe"
	deleteNetns(ns)
	defer deleteNetns(ns)
	if out, err := command(context.Background(), "ip", "netns", "add", ns).CombinedOutput(); err != nil {
		return fmt.Sprintf("network namespaces unavailable: ip netns add: %v %s", err, bytes.TrimSpace(out))
	}
	probe := "table inet " + table + " {\n ct helper ftp-standard { type \"ftp\" protocol tcp; l3proto inet; }\n}\n"
	if out, err := nftIn(ns, probe); err != nil {
		return fmt.Sprintf("nftables cannot make an FTP conntrack helper (nf_conntrack_ftp): %v %s", err, out)
	}
	return ""
}

// python is Debian's Python, with ftplib.
const python = "/usr/bin/python3"

// vsftpdBinary returns the path of the vsftpd that interop/peers/install.sh
// unpacked.
func vsftpdBinary() string { return filepath.Join(peersDir, "vsftpd/usr/sbin/vsftpd") }

// --- The example programs ---------------------------------------------------------

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// exampleBinary builds examples/server, examples/client and examples/natproxy
// (once) and returns the path of the one named.
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

// --- Commands and namespaces -----------------------------------------------------

// command returns a command with LC_ALL=C, in its own process group, killed
// with its group when ctx is done.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// inNetnsCmd returns a command that runs argv in the namespace ns
// ("ip netns exec" replaces itself with argv: the process is argv's).
func inNetnsCmd(ctx context.Context, ns string, argv ...string) *exec.Cmd {
	return command(ctx, "ip", append([]string{"netns", "exec", ns}, argv...)...)
}

// sh runs argv (in the namespace ns, if not "") and fails the test if it
// fails.
func sh(t *testing.T, ns string, argv ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := command(ctx, argv[0], argv[1:]...)
	if ns != "" {
		cmd = inNetnsCmd(ctx, ns, argv...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
}

// nftIn loads an nftables script into the namespace ns.
func nftIn(ns, script string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := inNetnsCmd(ctx, ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	return string(bytes.TrimSpace(out)), err
}

// nftJSON runs "nft -j ARGS" in the namespace ns and returns its output.
func nftJSON(ns string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	return inNetnsCmd(ctx, ns, append([]string{"nft", "-j"}, args...)...).Output()
}

// netnsDir is where "ip netns" keeps its namespaces.
const netnsDir = "/run/netns"

// removeStale deletes the namespaces an earlier run left behind: those whose
// names start with prefix, and every process in them.
func removeStale() error {
	entries, err := os.ReadDir(netnsDir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			deleteNetns(e.Name())
		}
	}
	return nil
}

// deleteNetns ends every process in the namespace ns (all of them were
// started there by the lab) and deletes it. A namespace that does not exist
// is no error: teardown is idempotent.
func deleteNetns(ns string) {
	if !strings.HasPrefix(ns, prefix) {
		panic("natlab: refusing to delete namespace " + ns + " without the prefix " + prefix)
	}
	if _, err := os.Stat(filepath.Join(netnsDir, ns)); err != nil {
		return
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		pids := netnsPids(ns)
		if len(pids) == 0 {
			break
		}
		for _, p := range pids {
			syscall.Kill(p, sig)
		}
		deadline := time.Now().Add(stopTimeout)
		for len(netnsPids(ns)) > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	command(ctx, "ip", "netns", "delete", ns).Run()
}

// netnsPids returns the processes in the namespace ns ("ip netns pids"),
// zombies left out.
func netnsPids(ns string) []int {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	out, _ := command(ctx, "ip", "netns", "pids", ns).Output()
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		p, err := strconv.Atoi(f)
		if err != nil || p == os.Getpid() {
			continue
		}
		if st, err := os.ReadFile("/proc/" + f + "/stat"); err == nil {
			if i := bytes.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
				continue
			}
		}
		pids = append(pids, p)
	}
	return pids
}

// inNetns runs f on an OS thread of its own that has joined the namespace
// ns: sockets that f creates belong to ns, and /proc/thread-self/net
// describes it. The thread is never given back to the Go runtime (its
// goroutine ends locked to it), so no other goroutine runs in ns.
func inNetns(ns string, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := syscall.Open(filepath.Join(netnsDir, ns), syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			errc <- fmt.Errorf("namespace %s: %w", ns, err)
			return
		}
		_, _, errno := syscall.RawSyscall(sysSetns, uintptr(fd), syscall.CLONE_NEWNET, 0)
		syscall.Close(fd)
		if errno != 0 {
			errc <- fmt.Errorf("setns %s: %w", ns, errno)
			return
		}
		errc <- f()
	}()
	return <-errc
}

// --- Processes -------------------------------------------------------------------

// process is a server (or tcpdump) started by a test in a namespace.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string // its standard output and error
	done chan struct{}
}

// startProcess starts argv in the namespace ns as the leader of a new
// process group, with its output in dir/NAME.out. The caller stops it, or
// the namespace's teardown does.
func startProcess(t *testing.T, name, ns, dir string, argv ...string) *process {
	t.Helper()
	p := &process{name: name, log: filepath.Join(dir, name+".out"), done: make(chan struct{})}
	f, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p.cmd = inNetnsCmd(context.Background(), ns, argv...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
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

// stop sends sig to the process group, then SIGKILL after stopTimeout.
func (p *process) stop(sig syscall.Signal) {
	if p.exited() {
		return
	}
	syscall.Kill(-p.cmd.Process.Pid, sig)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// output returns what the process wrote so far.
func (p *process) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// waitFor waits until the process's output holds s, failing the test if the
// process ends first or startTimeout passes.
func (p *process) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for !strings.Contains(p.output(), s) {
		if p.exited() {
			t.Fatalf("%s exited during start: %v\n%s", p.name, p.cmd.ProcessState, p.output())
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not print %q after %v\n%s", p.name, s, startTimeout, p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fileSize returns the size of the file at path, 0 if it does not exist.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// since returns what the file at path holds after its first off bytes.
func since(path string, off int64) string {
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) < off {
		return ""
	}
	return string(b[off:])
}

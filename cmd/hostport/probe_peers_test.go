//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The probe against real FTP servers on loopback: the servers that
// interop/peers/install.sh unpacks (vsftpd, ProFTPD, Pure-FTPd, pyftpdlib)
// and examples/server, each configured as the interop suite configures them,
// without and with a masquerade address where nothing listens. A missing
// server skips its test with the reason.

// probeMasq is the address the servers announce in 227 replies when they
// masquerade: loopback, but nothing listens on it.
const probeMasq = "127.0.0.2"

// probePeersDir is where interop/peers/install.sh unpacked the servers.
func probePeersDir() string {
	if d := os.Getenv("HOSTPORT_PEERS"); d != "" {
		return d
	}
	return "/opt/hostport-peers"
}

// probeServer is a server to start: its name, why it cannot run here (""
// if it can), and how to start it on ctrl with the passive ports lo-hi,
// announcing masq in 227 replies if masq is set.
type probeServer struct {
	name  string
	check func() string
	start func(t *testing.T, dir, root string, ctrl netip.AddrPort, lo, hi int, masq string) *probeProc
}

var probeServers = []probeServer{
	{"vsftpd", func() string { return checkRoot("vsftpd") }, startProbeVsftpd},
	{"proftpd", func() string { return checkRoot("proftpd") }, startProbeProftpd},
	{"pure-ftpd", checkPureFtpd, startProbePureFtpd},
	{"pyftpdlib", checkPyftpdlib, startProbePyftpdlib},
	{"examples/server", func() string { return "" }, startProbeExampleServer},
}

func serverPath(name string) string {
	switch name {
	case "vsftpd":
		return filepath.Join(probePeersDir(), "vsftpd/usr/sbin/vsftpd")
	case "proftpd":
		return filepath.Join(probePeersDir(), "proftpd-core/usr/sbin/proftpd")
	case "pure-ftpd":
		return filepath.Join(probePeersDir(), "pure-ftpd/usr/sbin/pure-ftpd")
	}
	return ""
}

// checkRoot returns why the unpacked server name cannot run, or "".
func checkRoot(name string) string {
	if _, err := os.Stat(serverPath(name)); err != nil {
		return fmt.Sprintf("%s not found: %v; run interop/peers/install.sh as root, or set HOSTPORT_PEERS", name, err)
	}
	if os.Geteuid() != 0 {
		return name + " must run as root (it chroots and switches to the 'ftp' user)"
	}
	if _, err := user.Lookup("ftp"); err != nil {
		return name + " needs the 'ftp' account: " + err.Error()
	}
	return ""
}

func checkPureFtpd() string {
	if why := checkRoot("pure-ftpd"); why != "" {
		return why
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "unshare", "--mount", "--propagation", "private", "--", "true").CombinedOutput(); err != nil {
		return fmt.Sprintf("pure-ftpd needs a private mount namespace (unshare --mount): %v %s", err, bytes.TrimSpace(out))
	}
	return ""
}

func checkPyftpdlib() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "/usr/bin/python3", "-c", "import pyftpdlib").CombinedOutput(); err != nil {
		return fmt.Sprintf("pyftpdlib: /usr/bin/python3 cannot import it: %v %s", err, bytes.TrimSpace(out))
	}
	return ""
}

// probeTree returns a served tree readable by all: pub/hello.txt.
func probeTree(t *testing.T) (base, root string) {
	t.Helper()
	base, err := os.MkdirTemp("", "hostport-probe-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(base) })
	root = filepath.Join(base, "root")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "pub"), 0o755))
	for _, d := range []string{base, root, filepath.Join(root, "pub")} {
		require.NoError(t, os.Chmod(d, 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(root, "pub", "hello.txt"), []byte("hello from the probe's tests\n"), 0o644))
	return base, root
}

// probeProc is a server process, leading its own process group.
type probeProc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// startProbeProc starts argv in dir and stops it, its group and its
// descendants (vsftpd's sessions leave the group) when the test ends.
func startProbeProc(t *testing.T, name, dir string, argv ...string) *probeProc {
	t.Helper()
	p := &probeProc{name: name, log: filepath.Join(dir, "server.out"), done: make(chan struct{})}
	f, err := os.Create(p.log)
	require.NoError(t, err)
	defer f.Close()
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, p.cmd.Start(), "start %s", name)
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			b, _ := os.ReadFile(p.log)
			t.Logf("%s output:\n%s", name, b)
		}
	})
	return p
}

func (p *probeProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, then SIGKILL after five seconds, to the process's
// group and to its descendants, by their ids, while they are the same
// processes (same start time).
func (p *probeProc) stop(t *testing.T) {
	pid := p.cmd.Process.Pid
	kids := procDescendants(pid)
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
	gone := func() bool {
		if !p.exited() {
			return false
		}
		for _, k := range kids {
			if k.alive() {
				return false
			}
		}
		return true
	}
	signal(syscall.SIGTERM)
	for deadline := time.Now().Add(5 * time.Second); !gone() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !gone() {
		signal(syscall.SIGKILL)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Errorf("%s (pid %d) did not end", p.name, pid)
		}
	}
}

type procRef struct {
	pid   int
	start string
}

func procInfo(pid int) (state byte, ppid int, start string, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, "", false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, "", false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, 0, "", false
	}
	ppid, err = strconv.Atoi(f[1])
	return f[0][0], ppid, f[19], err == nil
}

func (r procRef) alive() bool {
	state, _, start, ok := procInfo(r.pid)
	return ok && start == r.start && state != 'Z'
}

func procDescendants(pid int) []procRef {
	ents, _ := os.ReadDir("/proc")
	children := map[int][]procRef{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, ppid, start, ok := procInfo(p); ok {
			children[ppid] = append(children[ppid], procRef{p, start})
		}
	}
	var out []procRef
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

// waitUp waits until ctrl accepts connections, at most ten seconds.
func waitUp(t *testing.T, p *probeProc, ctrl netip.AddrPort) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", ctrl.String(), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if p.exited() {
			b, _ := os.ReadFile(p.log)
			t.Fatalf("%s exited during start: %v\n%s", p.name, p.cmd.ProcessState, b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not accept on %v after 10s", p.name, ctrl)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// probePorts returns a free port for the control connection and a block of
// 20 free passive ports on 127.0.0.1, below the ephemeral range and away
// from the interop suite's (20000-32000).
func probePorts(t *testing.T) (ctrl uint16, lo, hi int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctrl = uint16(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	probeRangeMu.Lock()
	defer probeRangeMu.Unlock()
	for range 100 {
		lo = 12000 + rand.IntN(400)*20
		free := true
		for p := lo; p < lo+20 && free; p++ {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				free = false
				continue
			}
			l.Close()
		}
		if free {
			return ctrl, lo, lo + 19
		}
	}
	t.Fatal("no free block of passive ports")
	return 0, 0, 0
}

var probeRangeMu sync.Mutex

func startProbeVsftpd(t *testing.T, dir, root string, ctrl netip.AddrPort, lo, hi int, masq string) *probeProc {
	t.Helper()
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	conf := fmt.Sprintf(`listen=YES
listen_ipv6=NO
listen_address=%s
listen_port=%d
background=NO
anonymous_enable=YES
anon_root=%s
ftp_username=ftp
nopriv_user=nobody
local_enable=NO
write_enable=NO
dirmessage_enable=NO
pasv_enable=YES
pasv_min_port=%d
pasv_max_port=%d
port_enable=YES
connect_from_port_20=NO
secure_chroot_dir=%s
syslog_enable=NO
`, ctrl.Addr(), ctrl.Port(), root, lo, hi, empty)
	if masq != "" {
		conf += "pasv_address=" + masq + "\n"
	}
	path := filepath.Join(dir, "vsftpd.conf")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
	p := startProbeProc(t, "vsftpd", dir, serverPath("vsftpd"), path)
	waitUp(t, p, ctrl)
	return p
}

func startProbeProftpd(t *testing.T, dir, root string, ctrl netip.AddrPort, lo, hi int, masq string) *probeProc {
	t.Helper()
	conf := fmt.Sprintf(`ServerName "probe proftpd"
ServerType standalone
DefaultServer on
UseIPv6 on
DefaultAddress %s
SocketBindTight on
Port %d
User nobody
Group nogroup
PidFile %s/proftpd.pid
ScoreboardFile %s/proftpd.scoreboard
DelayTable none
WtmpLog off
TransferLog none
UseReverseDNS off
RequireValidShell off
AuthPAM off
ControlsEngine off
MaxInstances 50
PassivePorts %d %d
<Anonymous %s>
  User ftp
  Group ftp
  UserAlias anonymous ftp
  RequireValidShell off
  <Limit WRITE>
    DenyAll
  </Limit>
</Anonymous>
`, ctrl.Addr(), ctrl.Port(), dir, dir, lo, hi, root)
	if masq != "" {
		conf += "MasqueradeAddress " + masq + "\n"
	}
	path := filepath.Join(dir, "proftpd.conf")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
	p := startProbeProc(t, "proftpd", dir, serverPath("proftpd"), "-n", "-c", path)
	waitUp(t, p, ctrl)
	return p
}

// startProbePureFtpd runs Pure-FTPd in a private mount namespace where the
// served tree is bind-mounted on the 'ftp' account's home, which it serves
// to anonymous users.
func startProbePureFtpd(t *testing.T, dir, root string, ctrl netip.AddrPort, lo, hi int, masq string) *probeProc {
	t.Helper()
	u, err := user.Lookup("ftp")
	require.NoError(t, err)
	argv := []string{"unshare", "--mount", "--propagation", "private", "--",
		"sh", "-c", `mount --bind "$1" "$2" && shift 2 && exec "$@"`, "sh", root, u.HomeDir,
		serverPath("pure-ftpd"), "-S", ctrl.Addr().String() + "," + strconv.Itoa(int(ctrl.Port())),
		"-p", fmt.Sprintf("%d:%d", lo, hi),
		"-e", "-i", "-A", "-H", "-f", "none", "-c", "50", "-C", "50", "-I", "5"}
	if masq != "" {
		argv = append(argv, "-P", masq)
	}
	p := startProbeProc(t, "pure-ftpd", dir, argv...)
	waitUp(t, p, ctrl)
	return p
}

func startProbePyftpdlib(t *testing.T, dir, root string, ctrl netip.AddrPort, lo, hi int, masq string) *probeProc {
	t.Helper()
	argv := []string{"/usr/bin/python3", "-m", "pyftpdlib", "-i", ctrl.Addr().String(), "-p", strconv.Itoa(int(ctrl.Port())),
		"-d", root, "-r", fmt.Sprintf("%d-%d", lo, hi)}
	if masq != "" {
		argv = append(argv, "-n", masq)
	}
	p := startProbeProc(t, "pyftpdlib", dir, argv...)
	waitUp(t, p, ctrl)
	return p
}

var (
	exampleOnce sync.Once
	exampleBin  string
	exampleErr  error
)

// startProbeExampleServer builds examples/server (once per test binary)
// and runs it.
func startProbeExampleServer(t *testing.T, dir, root string, ctrl netip.AddrPort, lo, hi int, masq string) *probeProc {
	t.Helper()
	exampleOnce.Do(func() {
		var bin string
		if bin, exampleErr = os.MkdirTemp("", "hostport-probe-bin-"); exampleErr != nil {
			return
		}
		exampleBin = filepath.Join(bin, "server")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", "build", "-o", exampleBin, "github.com/ftpkit/hostport/examples/server").CombinedOutput()
		if err != nil {
			exampleErr = fmt.Errorf("go build examples/server: %v\n%s", err, out)
		}
	})
	if exampleErr != nil {
		t.Fatal(exampleErr)
	}
	argv := []string{exampleBin, "-root", root, "-listen", ctrl.String(), "-pasv-ports", fmt.Sprintf("%d-%d", lo, hi), "-data-timeout", "10s"}
	if masq != "" {
		argv = append(argv, "-public", masq)
	}
	p := startProbeProc(t, "examples/server", dir, argv...)
	waitUp(t, p, ctrl)
	return p
}

// TestProbeRealServers runs the probe against each server, without and with
// a masquerade address: every mode works, except that with the masquerade
// address PASV names 127.0.0.2, which the probe does not dial (nat-mismatch,
// not-dialed), or, with -trust-reply, dials and finds closed
// (data-refused); the fix names the server's public-address setting.
func TestProbeRealServers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real servers")
	}
	for _, s := range probeServers {
		t.Run(strings.ReplaceAll(s.name, "/", "-"), func(t *testing.T) {
			if why := s.check(); why != "" {
				t.Skip(why)
			}
			for _, masq := range []string{"", probeMasq} {
				name := "plain"
				if masq != "" {
					name = "masq"
				}
				t.Run(name, func(t *testing.T) {
					base, root := probeTree(t)
					dir, err := os.MkdirTemp(base, "state-")
					require.NoError(t, err)
					require.NoError(t, os.Chmod(dir, 0o755))
					port, lo, hi := probePorts(t)
					ctrl := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
					s.start(t, dir, root, ctrl, lo, hi, masq)
					url := "ftp://" + ctrl.String() + "/pub/"
					o := runProbeTest(t, "-json", "-timeout", "5s", url)
					t.Logf("%s\n%s", o.results(), o.stderr)
					require.Empty(t, o.report.Error)
					assert.Equal(t, exitOK, o.code)
					for _, m := range []string{"EPSV", "PASV-control", "EPRT", "PORT"} {
						got := o.mode(t, "IPv4", m)
						assert.True(t, got.OK, "%s: %+v", m, got)
						assert.Empty(t, got.Flags, m)
						assert.Contains(t, got.Detail, "bytes received, then 226", m)
					}
					pasv := o.mode(t, "IPv4", "PASV")
					if masq == "" {
						assert.True(t, pasv.OK, "%+v", pasv)
						if o.report.AuthTLS {
							assert.Equal(t, []string{probeTLSHidesPASV}, pasv.Flags)
						} else {
							assert.Empty(t, pasv.Flags)
						}
						return
					}
					assert.False(t, pasv.OK)
					// Pure-FTPd offers AUTH TLS: PASV gets tls-hides-pasv too.
					tls := func(flags ...string) []string {
						if o.report.AuthTLS {
							return append(flags, probeTLSHidesPASV)
						}
						return flags
					}
					assert.Equal(t, tls(probeNATMismatch, probeNotDialed), pasv.Flags)
					assert.Contains(t, pasv.Reply, "127,0,0,2,")
					assert.Contains(t, pasv.Fix, "pasv_address=127.0.0.1 (vsftpd), MasqueradeAddress 127.0.0.1 (ProFTPD), ForcePassiveIP 127.0.0.1")

					o = runProbeTest(t, "-json", "-timeout", "5s", "-trust-reply", url)
					assert.Equal(t, exitOK, o.code)
					pasv = o.mode(t, "IPv4", "PASV")
					assert.Equal(t, tls(probeNATMismatch, probeDataRefused), pasv.Flags)
					assert.True(t, strings.HasPrefix(pasv.Dialed, probeMasq+":"), pasv.Dialed)
				})
			}
		})
	}
}

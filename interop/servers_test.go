//go:build linux

package interop

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpkit/hostport"
)

// masqAddr is the address the servers are told to announce in 227 replies:
// loopback on Linux, but nothing listens on it, so a client that dials it
// instead of the control connection's address fails.
const masqAddr = "127.0.0.2"

var (
	loop4 = netip.MustParseAddr("127.0.0.1")
	loop6 = netip.MustParseAddr("::1")
)

// serverSpec is a real FTP server: how to start it, and what it answers to
// PASV on an IPv6 control connection, where a 227 reply, which carries only
// IPv4, has no right answer.
type serverSpec struct {
	name  string
	start func(t *testing.T, dir string, ctrl netip.AddrPort, lo, hi int, masq string) *process
	pasv6 func(masq string) pasvExpect
}

// pasvExpect is what a server answers to PASV.
type pasvExpect struct {
	code     int        // the reply code: 227 unless the server refuses
	addr     netip.Addr // the address the 227 reply names, if it parses
	parseErr bool       // the 227 reply does not parse: ParsePASV returns ErrSyntax
	note     string     // why, for the matrix (with %q for the reply line)
}

var realServers = []serverSpec{
	{
		name:  "vsftpd",
		start: startVsftpd,
		pasv6: func(string) pasvExpect {
			return pasvExpect{code: 227, addr: netip.IPv4Unspecified(),
				note: "vsftpd answers PASV on IPv6 with %q (0,0,0,0, pasv_address or not): ParsePASV reads it, PassivePolicy dials the control address ::1"}
		},
	},
	{
		name:  "proftpd",
		start: startProftpd,
		pasv6: func(masq string) pasvExpect {
			if masq != "" {
				return pasvExpect{code: 227, addr: netip.MustParseAddr(masq),
					note: "ProFTPD puts its IPv4 MasqueradeAddress in IPv6 227 replies (%q): PassivePolicy dials the control address ::1 with its port"}
			}
			return pasvExpect{code: 227, parseErr: true,
				note: "ProFTPD answers PASV on IPv6 with %q, three numbers: ParsePASV refuses it (ErrSyntax), so clients must use EPSV there"}
		},
	},
	{
		name:  "pure-ftpd",
		start: startPureFtpd,
		pasv6: func(string) pasvExpect {
			return pasvExpect{code: 425, note: "Pure-FTPd refuses PASV on IPv6: %q"}
		},
	},
	{
		name:  "pyftpdlib",
		start: startPyftpdlib,
		pasv6: func(masq string) pasvExpect {
			if masq != "" {
				return pasvExpect{code: 227, addr: netip.MustParseAddr(masq),
					note: "pyftpdlib puts its IPv4 masquerade address in IPv6 227 replies (%q): PassivePolicy dials the control address ::1 with its port"}
			}
			return pasvExpect{code: 227, parseErr: true,
				note: "pyftpdlib answers PASV on IPv6 with %q, an IPv6 address glued to the port bytes: ParsePASV refuses it (ErrSyntax), so clients must use EPSV there"}
		},
	},
}

// startVsftpd starts vsftpd on ctrl, one family only (listen or
// listen_ipv6), logging every command and reply to dir/vsftpd.log.
func startVsftpd(t *testing.T, dir string, ctrl netip.AddrPort, lo, hi int, masq string) *process {
	t.Helper()
	empty := filepath.Join(dir, "empty") // secure_chroot_dir: empty, not writable by ftp
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	listen := "listen=YES\nlisten_ipv6=NO\nlisten_address=" + ctrl.Addr().String()
	if ctrl.Addr().Is6() {
		listen = "listen=NO\nlisten_ipv6=YES\nlisten_address6=" + ctrl.Addr().String()
	}
	conf := fmt.Sprintf(`%s
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
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file=%s
`, listen, ctrl.Port(), rootDir, lo, hi, empty, filepath.Join(dir, "vsftpd.log"))
	if masq != "" {
		conf += "pasv_address=" + masq + "\n"
	}
	path := filepath.Join(dir, "vsftpd.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startProcess(t, "vsftpd", dir, serverBinary("vsftpd"), path)
	waitListening(t, p, ctrl)
	return p
}

// startProftpd starts ProFTPD in the foreground (-n) on ctrl, logging every
// command to dir/commands.log.
func startProftpd(t *testing.T, dir string, ctrl netip.AddrPort, lo, hi int, masq string) *process {
	t.Helper()
	conf := fmt.Sprintf(`ServerName "interop proftpd"
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
LogFormat peer "%%a \"%%r\" %%s"
ExtendedLog %s/commands.log ALL peer
<Anonymous %s>
  User ftp
  Group ftp
  UserAlias anonymous ftp
  RequireValidShell off
  <Limit WRITE>
    DenyAll
  </Limit>
</Anonymous>
`, ctrl.Addr(), ctrl.Port(), dir, dir, lo, hi, dir, rootDir)
	if masq != "" {
		conf += "MasqueradeAddress " + masq + "\n"
	}
	path := filepath.Join(dir, "proftpd.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startProcess(t, "proftpd", dir, serverBinary("proftpd"), "-n", "-c", path)
	waitListening(t, p, ctrl)
	return p
}

// startPureFtpd starts Pure-FTPd on ctrl. It serves anonymous users the home
// of the 'ftp' account and has no option to change it, so it runs in a
// private mount namespace where the served tree is bind-mounted on that home;
// nothing changes outside it.
func startPureFtpd(t *testing.T, dir string, ctrl netip.AddrPort, lo, hi int, masq string) *process {
	t.Helper()
	home, err := ftpHome()
	if err != nil {
		t.Fatal(err)
	}
	argv := []string{"unshare", "--mount", "--propagation", "private", "--",
		"sh", "-c", `mount --bind "$1" "$2" && shift 2 && exec "$@"`, "sh", rootDir, home,
		serverBinary("pure-ftpd"), "-S", ctrl.Addr().String() + "," + strconv.Itoa(int(ctrl.Port())),
		"-p", fmt.Sprintf("%d:%d", lo, hi),
		"-e", "-i", "-A", "-H", "-f", "none", "-c", "50", "-C", "50", "-I", "5"}
	if masq != "" {
		argv = append(argv, "-P", masq)
	}
	p := startProcess(t, "pure-ftpd", dir, argv...)
	waitListening(t, p, ctrl)
	return p
}

// startPyftpdlib starts pyftpdlib's command-line server on ctrl, logging
// every command and reply (-D).
func startPyftpdlib(t *testing.T, dir string, ctrl netip.AddrPort, lo, hi int, masq string) *process {
	t.Helper()
	argv := []string{python, "-m", "pyftpdlib", "-i", ctrl.Addr().String(), "-p", strconv.Itoa(int(ctrl.Port())),
		"-d", rootDir, "-r", fmt.Sprintf("%d-%d", lo, hi), "-D"}
	if masq != "" {
		argv = append(argv, "-n", masq)
	}
	p := startProcess(t, "pyftpdlib", dir, argv...)
	waitListening(t, p, ctrl)
	return p
}

const serversSection = "real servers: their 227/229 replies read by the library's parsers; examples/client downloads through each mode"

var serverCols = []string{"227/v4", "229/v4", "pasv/v4", "epsv/v4", "port/v4", "eprt/v4", "227/v6", "229/v6", "pasv/v6", "epsv/v6", "eprt/v6"}

func serverRow(name, masq string) string {
	if masq != "" {
		return name + " masq " + masq
	}
	return name
}

// TestRealServers runs each real server on 127.0.0.1 and ::1, without and
// with a masquerade address, and for each:
//
//   - 227/229: sends PASV or EPSV itself, reads the reply with ParsePASV or
//     ParseEPSV, dials the address PassivePolicy gives and downloads
//     data.bin through it: the parsed port is the one that accepts the data
//     connection;
//   - pasv, epsv, port, eprt: runs examples/client with -mode set to it and
//     checks that the file arrives intact.
func TestRealServers(t *testing.T) {
	t.Parallel()
	for _, s := range realServers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			for _, masq := range []string{"", masqAddr} {
				for _, fam := range []string{"v4", "v6"} {
					name := fam
					if masq != "" {
						name += "-masq"
					}
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						testRealServer(t, s, fam, masq)
					})
				}
			}
		})
	}
}

func testRealServer(t *testing.T, s serverSpec, fam, masq string) {
	row := serverRow(s.name, masq)
	var cols []string
	for _, c := range serverCols {
		if strings.HasSuffix(c, "/"+fam) {
			cols = append(cols, c)
		}
	}
	peers := []string{s.name}
	if fam == "v6" {
		peers = append(peers, "ipv6")
	}
	if why := missing(peers...); why != "" {
		skipRow(serversSection, row, cols, why)
		skipOrFail(t, why)
	}
	ip := loop4
	if fam == "v6" {
		ip = loop6
	}
	dir := stateDir(t, s.name+"-"+fam)
	lo, hi := passiveRange(t)
	ctrl := netip.AddrPortFrom(ip, freePort(t, ip))
	s.start(t, dir, ctrl, lo, hi, masq)
	client := exampleBinary(t, "client")

	want := pasvExpect{code: 227, addr: loop4}
	if masq != "" {
		want.addr = netip.MustParseAddr(masq)
	}
	if fam == "v6" {
		want = s.pasv6(masq)
	}
	for _, col := range cols {
		mode, _, _ := strings.Cut(col, "/")
		cell(t, cellID{serversSection, row, col}, func(t *testing.T) string {
			switch mode {
			case "227":
				return probePASV(t, ctrl, want)
			case "229":
				return probeEPSV(t, ctrl)
			}
			return clientDownload(t, client, ctrl, mode, want)
		})
	}
}

// probePASV sends PASV and checks the reply against want; if it names an
// address, it dials what PassivePolicy makes of it and downloads data.bin.
func probePASV(t *testing.T, ctrl netip.AddrPort, want pasvExpect) string {
	c := dialFTP(t, ctrl)
	defer c.quit()
	code, msg := c.cmd("PASV")
	line := strconv.Itoa(code) + " " + msg
	note := ""
	if want.note != "" {
		note = fmt.Sprintf(want.note, line)
	}
	if code != want.code {
		t.Fatalf("PASV: %q, want code %d\n%s", line, want.code, c.dialogue())
	}
	if code != 227 {
		return note
	}
	hp, err := hostport.ParsePASV(line)
	if want.parseErr {
		var pe *hostport.ParseError
		if !errors.As(err, &pe) || !errors.Is(err, hostport.ErrSyntax) {
			t.Fatalf("ParsePASV(%q) = %v, %v; want a *ParseError wrapping ErrSyntax", line, hp, err)
		}
		return note
	}
	if err != nil {
		t.Fatalf("ParsePASV(%q): %v", line, err)
	}
	if hp.Addr() != want.addr {
		t.Fatalf("ParsePASV(%q) names %v, want %v", line, hp.Addr(), want.addr)
	}
	target, err := hostport.PassivePolicy{}.Target(c.server.Addr(), hp.AddrPort())
	if err != nil {
		t.Fatalf("PassivePolicy.Target(%v, %v): %v", c.server.Addr(), hp.AddrPort(), err)
	}
	if wantTarget := netip.AddrPortFrom(c.server.Addr(), hp.Port()); target != wantTarget {
		t.Fatalf("PassivePolicy.Target(%v, %v) = %v, want %v", c.server.Addr(), hp.AddrPort(), target, wantTarget)
	}
	downloadVia(t, c, target)
	return note
}

// probeEPSV sends EPSV, reads the port with ParseEPSV and downloads data.bin
// through it at the control connection's address.
func probeEPSV(t *testing.T, ctrl netip.AddrPort) string {
	c := dialFTP(t, ctrl)
	defer c.quit()
	code, msg := c.cmd("EPSV")
	line := strconv.Itoa(code) + " " + msg
	port, err := hostport.ParseEPSV(line)
	if err != nil {
		t.Fatalf("ParseEPSV(%q): %v\n%s", line, err, c.dialogue())
	}
	target, err := hostport.PassivePolicy{}.Target(c.server.Addr(), netip.AddrPortFrom(netip.Addr{}, port))
	if err != nil {
		t.Fatalf("PassivePolicy.Target: %v", err)
	}
	downloadVia(t, c, target)
	return ""
}

// downloadVia connects to target, which must accept, and downloads data.bin
// through it.
func downloadVia(t *testing.T, c *ftpConn, target netip.AddrPort) {
	t.Helper()
	dc, err := net.DialTimeout("tcp", target.String(), ioTimeout)
	if err != nil {
		t.Fatalf("the parsed data port does not accept: %v\n%s", err, c.dialogue())
	}
	if got := c.retr("data.bin", func() net.Conn { return dc }); !bytes.Equal(got, testData) {
		t.Fatalf("got %d bytes through %v, want the %d of data.bin", len(got), target, len(testData))
	}
}

// clientDownload runs examples/client -mode mode against the server and
// checks the file; for PASV on IPv6 it checks the failure that want expects.
func clientDownload(t *testing.T, client string, ctrl netip.AddrPort, mode string, want pasvExpect) string {
	dir := stateDir(t, "client")
	out := filepath.Join(dir, "data.bin")
	url := "ftp://" + ctrl.String() + "/data.bin"
	output, err := runProgram(t, dir, client, "-mode", mode, "-timeout", "10s", "-v", "-o", out, url)
	if !strings.Contains(output, "> "+strings.ToUpper(mode)) {
		t.Errorf("examples/client did not send %s:\n%s", strings.ToUpper(mode), output)
	}
	if mode == "pasv" && (want.parseErr || want.code != 227) {
		if err == nil {
			t.Fatalf("examples/client succeeded, want a failure:\n%s", output)
		}
		wantText := "hostport.ParsePASV: parsing"
		if want.code != 227 {
			wantText = fmt.Sprintf("server replied %d", want.code)
		}
		if !strings.Contains(output, wantText) {
			t.Fatalf("examples/client output lacks %q:\n%s", wantText, output)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("examples/client left a file after failing")
		}
		return "examples/client fails as expected: " + lastLine(output)
	}
	if err != nil {
		t.Fatalf("examples/client: %v\n%s", err, output)
	}
	sameFile(t, out, output)
	return ""
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

//go:build linux

package interop

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startExample runs one of the example programs (built by exampleBinary)
// with args and waits for the log line that names its listening address,
// "serving ... on ADDR" or "listening on ADDR ...": the programs listen on
// port 0 and say which port they got.
func startExample(t *testing.T, name, dir string, args ...string) (*process, netip.AddrPort) {
	t.Helper()
	p := startProcess(t, name, dir, append([]string{exampleBinary(t, name)}, args...)...)
	re := regexp.MustCompile(`(?:serving .* on|listening on) (\S+)`)
	deadline := time.Now().Add(startTimeout)
	for {
		if m := re.FindStringSubmatch(tail(p.log, 4000)); m != nil {
			ap, err := netip.ParseAddrPort(m[1])
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return p, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		}
		if p.exited() || time.Now().After(deadline) {
			t.Fatalf("%s did not start:\n%s", name, tail(p.log, 4000))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startExampleServer runs examples/server on ip, serving rootDir, logging
// every command and reply.
func startExampleServer(t *testing.T, ip netip.Addr) (*process, netip.AddrPort) {
	t.Helper()
	lo, hi := passiveRange(t)
	return startExample(t, "server", stateDir(t, "server"), "-listen", netip.AddrPortFrom(ip, 0).String(), "-root", rootDir,
		"-pasv-ports", fmt.Sprintf("%d-%d", lo, hi), "-data-timeout", "10s", "-v")
}

// ftpURL returns the URL of the file name on the server at ap.
func ftpURL(ap netip.AddrPort, name string) string {
	return "ftp://" + ap.String() + "/" + name
}

// clientCase is a real client downloading data.bin from examples/server
// with one data-setup command.
type clientCase struct {
	peer string // requirePeer name, and the row
	col  string // the command the server must see, and the family
	// argv returns the command line that downloads from the server at ap to
	// the file out; dir is the client's working and home directory.
	argv func(ap netip.AddrPort, out, dir string) []string
	// stdin, if not empty, is fed to the client.
	stdin string
	// refused, if not empty, is the reply the server must give instead of a
	// transfer, with why, for a pair that cannot work.
	refused, why string
}

const lftpSettings = "set net:max-retries 1; set net:timeout 10; set net:reconnect-interval-base 1; set cmd:fail-exit yes; set xfer:clobber on"

func curlArgv(extra ...string) func(netip.AddrPort, string, string) []string {
	return func(ap netip.AddrPort, out, _ string) []string {
		return append(append([]string{"curl", "-q", "-sS", "--max-time", "20", "-o", out}, extra...), ftpURL(ap, "data.bin"))
	}
}

func wgetArgv(extra ...string) func(netip.AddrPort, string, string) []string {
	return func(ap netip.AddrPort, out, _ string) []string {
		return append(append([]string{"wget", "-q", "-t", "1", "-T", "10", "-O", out}, extra...), ftpURL(ap, "data.bin"))
	}
}

func lftpArgv(set string) func(netip.AddrPort, string, string) []string {
	return func(ap netip.AddrPort, out, _ string) []string {
		return []string{"lftp", "-e", lftpSettings + set + "; get data.bin -o " + out + "; bye", "ftp://" + ap.String()}
	}
}

// tnftpAuto is tnftp's auto-fetch of a URL; tnftpInteractive feeds it
// commands (for epsv4 off, which has no command-line flag).
func tnftpAuto(extra ...string) func(netip.AddrPort, string, string) []string {
	return func(ap netip.AddrPort, out, _ string) []string {
		return append(append([]string{"tnftp"}, extra...), "-o", out, ftpURL(ap, "data.bin"))
	}
}

func tnftpInteractive(ap netip.AddrPort, _, _ string) []string {
	return []string{"tnftp", "-n", ap.Addr().String(), strconv.Itoa(int(ap.Port()))}
}

func tnftpScript(cmds string) string {
	return "user anonymous interop@example.com\n" + cmds + "binary\nget data.bin data.bin\nquit\n"
}

// ftplibScript downloads data.bin with Python's ftplib in the mode given:
// pasv and port are ftplib's own choice (PASV and PORT on IPv4, EPSV and
// EPRT on IPv6); epsv and eprt force the extended commands on IPv4 too,
// still with ftplib's own parse229 and sendeprt.
const ftplibScript = `import ftplib, socket, sys
host, port, mode, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
class FTP(ftplib.FTP):
    def makepasv(self):
        if mode == "epsv":
            return ftplib.parse229(self.sendcmd("EPSV"), self.sock.getpeername())
        return super().makepasv()
    def makeport(self):
        if mode == "eprt":
            host = self.sock.getsockname()[0]
            sock = socket.create_server((host, 0), family=self.af, backlog=1)
            sock.settimeout(self.timeout)
            self.sendeprt(host, sock.getsockname()[1])
            return sock
        return super().makeport()
f = FTP(timeout=10)
f.connect(host, port)
f.login()
f.set_pasv(mode in ("pasv", "epsv"))
with open(out, "wb") as w:
    f.retrbinary("RETR data.bin", w.write)
f.quit()
`

func ftplibArgv(mode string) func(netip.AddrPort, string, string) []string {
	return func(ap netip.AddrPort, out, dir string) []string {
		return []string{python, filepath.Join(dir, "client.py"), ap.Addr().String(), strconv.Itoa(int(ap.Port())), mode, out}
	}
}

var clientCases = []clientCase{
	{peer: "curl", col: "EPSV/v4", argv: curlArgv()},
	{peer: "curl", col: "PASV/v4", argv: curlArgv("--disable-epsv")},
	{peer: "curl", col: "EPRT/v4", argv: curlArgv("-P", "-")},
	{peer: "curl", col: "PORT/v4", argv: curlArgv("-P", "-", "--disable-eprt")},
	{peer: "curl", col: "EPSV/v6", argv: curlArgv()},
	{peer: "curl", col: "EPRT/v6", argv: curlArgv("-P", "-")},

	{peer: "wget", col: "PASV/v4", argv: wgetArgv()},
	{peer: "wget", col: "PORT/v4", argv: wgetArgv("--no-passive-ftp")},
	{peer: "wget", col: "EPSV/v6", argv: wgetArgv()}, // "EPSV 2"
	{peer: "wget", col: "EPRT/v6", argv: wgetArgv("--no-passive-ftp")},

	{peer: "lftp", col: "PASV/v4", argv: lftpArgv("")},
	{peer: "lftp", col: "EPSV/v4", argv: lftpArgv("; set ftp:prefer-epsv yes")},
	{peer: "lftp", col: "PORT/v4", argv: lftpArgv("; set ftp:passive-mode off")},
	{peer: "lftp", col: "EPSV/v6", argv: lftpArgv("")},
	{peer: "lftp", col: "EPRT/v6", argv: lftpArgv("; set ftp:passive-mode off"),
		refused: "< 501 EPRT refused: unusable address.",
		why:     "lftp 4.9.2 sends EPRT |2|::|port| on IPv6 (the unspecified address, whatever ftp:bind-data-socket or net:socket-bind-ipv6 say), which ActivePolicy refuses as unusable (501), as ProFTPD, Pure-FTPd and pyftpdlib do; only vsftpd accepts it"},

	{peer: "tnftp", col: "EPSV/v4", argv: tnftpAuto()},
	{peer: "tnftp", col: "PASV/v4", argv: tnftpInteractive, stdin: tnftpScript("epsv4 off\n")},
	{peer: "tnftp", col: "EPRT/v4", argv: tnftpAuto("-A")},
	{peer: "tnftp", col: "PORT/v4", argv: tnftpInteractive, stdin: tnftpScript("epsv4 off\npassive off\n")},
	{peer: "tnftp", col: "EPSV/v6", argv: tnftpAuto()},
	{peer: "tnftp", col: "EPRT/v6", argv: tnftpAuto("-A")},

	{peer: "ftplib", col: "PASV/v4", argv: ftplibArgv("pasv")},
	{peer: "ftplib", col: "EPSV/v4", argv: ftplibArgv("epsv")},
	{peer: "ftplib", col: "PORT/v4", argv: ftplibArgv("port")},
	{peer: "ftplib", col: "EPRT/v4", argv: ftplibArgv("eprt")},
	{peer: "ftplib", col: "EPSV/v6", argv: ftplibArgv("pasv")},
	{peer: "ftplib", col: "EPRT/v6", argv: ftplibArgv("port")},
}

const clientsSection = "real clients download data.bin from examples/server (byte for byte; the server's log shows the command)"

var (
	clientRows = []string{"curl", "wget", "lftp", "tnftp", "ftplib"}
	clientCols = []string{"EPSV/v4", "PASV/v4", "EPRT/v4", "PORT/v4", "EPSV/v6", "EPRT/v6"}
)

// TestRealClients has each real client download data.bin from its own run
// of examples/server, with each data-setup command it can be made to use,
// and checks that the file arrives byte for byte and that the server's log
// shows the command set up the data connection.
func TestRealClients(t *testing.T) {
	t.Parallel()
	for _, row := range clientRows {
		t.Run(row, func(t *testing.T) {
			t.Parallel()
			var cols []string
			for _, cc := range clientCases {
				if cc.peer == row {
					cols = append(cols, cc.col)
				}
			}
			if why := missing(row); why != "" {
				skipRow(clientsSection, row, cols, why)
				skipOrFail(t, why)
			}
			for _, cc := range clientCases {
				if cc.peer != row {
					continue
				}
				cell(t, cellID{clientsSection, row, cc.col}, func(t *testing.T) string { return runClientCase(t, cc) })
			}
		})
	}
}

func runClientCase(t *testing.T, cc clientCase) string {
	verb, fam, _ := strings.Cut(cc.col, "/")
	ip := loop4
	if fam == "v6" {
		requirePeer(t, "ipv6")
		ip = loop6
	}
	srv, ap := startExampleServer(t, ip)
	dir := stateDir(t, cc.peer)
	if cc.peer == "ftplib" {
		if err := os.WriteFile(filepath.Join(dir, "client.py"), []byte(ftplibScript), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "data.bin")
	output, err := runProgramInput(t, dir, cc.stdin, cc.argv(ap, out, dir)...)
	log := tail(srv.log, 1<<20)
	if cc.refused != "" {
		if !strings.Contains(log, cc.refused) {
			t.Fatalf("the server's log lacks %q:\n%s\nclient output:\n%s", cc.refused, log, output)
		}
		if _, err := os.Stat(out); err == nil {
			if b, _ := os.ReadFile(out); len(b) > 0 {
				t.Fatalf("the client downloaded %d bytes, want nothing", len(b))
			}
		}
		return cc.why
	}
	if err != nil {
		t.Errorf("%s: %v\n%s", cc.peer, err, output)
	}
	sameFile(t, out, output)
	if want := "data setup " + verb + ":"; !strings.Contains(log, want) {
		t.Fatalf("the server's log lacks %q: the client used another command\n%s", want, log)
	}
	return ""
}

// runProgramInput is runProgram with stdin fed from input.
func runProgramInput(t *testing.T, dir, input string, argv ...string) (string, error) {
	t.Helper()
	if input == "" {
		return runProgram(t, dir, argv...)
	}
	path := filepath.Join(dir, "stdin.txt")
	if err := os.WriteFile(path, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	return runProgram(t, dir, append([]string{"sh", "-c", `exec "$@" < stdin.txt`, "sh"}, argv...)...)
}

const refusalsSection = "refusals by examples/server of attempts by real clients (reply codes of hostport.ReplyCode, RFC 2428, RFC 1639)"

var (
	refusalRows = []string{"curl", "ftplib"}
	refusalCols = []string{"bounce/v4", "privileged/v4", "bounce/v6", "privileged/v6", "EPRT ::/v6", "EPRT |3|/v4", "LPRT af 5/v4", "EPSV ALL/v4"}
)

// refusalCase is an attempt by a real client that examples/server must
// refuse: the lines of the server's log that must appear.
type refusalCase struct {
	peer, col string
	argv      func(ap netip.AddrPort, dir string) []string
	want      []string // in the server's log
}

// ftplibCmds runs ftplibCmdScript with the commands given, each "sendport
// HOST PORT", "sendeprt HOST PORT" (ftplib's own PORT and EPRT formatting)
// or "cmd LINE".
func ftplibCmds(cmds ...string) func(netip.AddrPort, string) []string {
	return func(ap netip.AddrPort, dir string) []string {
		return append([]string{python, filepath.Join(dir, "cmds.py"), ap.Addr().String(), strconv.Itoa(int(ap.Port()))}, cmds...)
	}
}

const ftplibCmdScript = `import ftplib, sys
f = ftplib.FTP(timeout=10)
f.connect(sys.argv[1], int(sys.argv[2]))
f.login()
for c in sys.argv[3:]:
    kind, _, arg = c.partition(" ")
    try:
        if kind == "sendport":
            h, p = arg.split()
            r = f.sendport(h, int(p))
        elif kind == "sendeprt":
            h, p = arg.split()
            r = f.sendeprt(h, int(p))
        else:
            r = f.sendcmd(arg)
    except ftplib.all_errors as e:
        r = str(e)
    print(r)
f.quit()
`

func curlRefused(ftpPort string) func(netip.AddrPort, string) []string {
	return func(ap netip.AddrPort, dir string) []string {
		// After a refused EPRT on IPv6, curl 7.88 cannot fall back and
		// waits until --max-time.
		return []string{"curl", "-q", "-sS", "--max-time", "3", "-P", ftpPort, "-o", filepath.Join(dir, "data.bin"), ftpURL(ap, "data.bin")}
	}
}

var refusalCases = []refusalCase{
	{peer: "curl", col: "bounce/v4", argv: curlRefused("127.0.0.2"),
		want: []string{"> EPRT |1|127.0.0.2|", "< 500 EPRT refused", "bounce attack", "> PORT 127,0,0,2,", "< 500 PORT refused"}},
	{peer: "curl", col: "privileged/v4", argv: curlRefused("127.0.0.1:1000-1023"),
		want: []string{"> EPRT |1|127.0.0.1|10", "< 504 EPRT refused", "privileged port 10", "< 504 PORT refused"}},
	{peer: "curl", col: "bounce/v6", argv: curlRefused("127.0.0.2"),
		want: []string{"> EPRT |1|127.0.0.2|", "< 500 EPRT refused", "not the client ::1 (bounce attack"}},
	{peer: "curl", col: "privileged/v6", argv: curlRefused("[::1]:1000-1023"),
		want: []string{"> EPRT |2|::1|10", "< 504 EPRT refused"}},

	{peer: "ftplib", col: "bounce/v4", argv: ftplibCmds("sendport 127.0.0.2 40000", "sendeprt 127.0.0.2 40000"),
		want: []string{"> PORT 127,0,0,2,156,64", "< 500 PORT refused", "> EPRT |1|127.0.0.2|40000|", "< 500 EPRT refused"}},
	{peer: "ftplib", col: "privileged/v4", argv: ftplibCmds("sendport 127.0.0.1 25", "sendeprt 127.0.0.1 1023"),
		want: []string{"> PORT 127,0,0,1,0,25", "< 504 PORT refused", "> EPRT |1|127.0.0.1|1023|", "< 504 EPRT refused"}},
	{peer: "ftplib", col: "bounce/v6", argv: ftplibCmds("sendeprt ::ffff:127.0.0.2 40000"),
		want: []string{"> EPRT |2|::ffff:127.0.0.2|40000|", "< 500 EPRT refused"}},
	{peer: "ftplib", col: "privileged/v6", argv: ftplibCmds("sendeprt ::1 80"),
		want: []string{"> EPRT |2|::1|80|", "< 504 EPRT refused"}},
	{peer: "ftplib", col: "EPRT ::/v6", argv: ftplibCmds("sendeprt :: 40000"),
		want: []string{"> EPRT |2|::|40000|", "< 501 EPRT refused", "unspecified address"}},
	{peer: "ftplib", col: "EPRT |3|/v4", argv: ftplibCmds("cmd EPRT |3|127.0.0.1|40000|"),
		want: []string{"< 522 Network protocol not supported, use (1,2)."}},
	{peer: "ftplib", col: "LPRT af 5/v4", argv: ftplibCmds("cmd LPRT 5,4,127,0,0,1,2,156,64"),
		want: []string{"< 521 Supported address families are (4,6)."}},
	{peer: "ftplib", col: "EPSV ALL/v4", argv: ftplibCmds("cmd EPSV ALL", "sendport 127.0.0.1 40000", "cmd PASV", "cmd EPSV"),
		want: []string{"< 200 EPSV ALL", "< 501 PORT not allowed after EPSV ALL.", "< 501 PASV not allowed after EPSV ALL.", "< 229 Entering Extended Passive Mode"}},
}

// TestRefusals has curl and ftplib attempt a bounce (a PORT or EPRT naming
// 127.0.0.2, another host to the server), a privileged port, and commands
// for families the server does not know, and checks that examples/server
// refuses each with the right code and transfers nothing.
func TestRefusals(t *testing.T) {
	t.Parallel()
	for _, row := range refusalRows {
		t.Run(row, func(t *testing.T) {
			t.Parallel()
			var cols []string
			for _, rc := range refusalCases {
				if rc.peer == row {
					cols = append(cols, rc.col)
				}
			}
			if why := missing(row); why != "" {
				skipRow(refusalsSection, row, cols, why)
				skipOrFail(t, why)
			}
			for _, rc := range refusalCases {
				if rc.peer != row {
					continue
				}
				cell(t, cellID{refusalsSection, row, rc.col}, func(t *testing.T) string {
					if rc.peer == "curl" && strings.HasPrefix(rc.col, "privileged") && os.Geteuid() != 0 {
						skipOrFail(t, "curl needs root to bind a port below 1024")
					}
					_, fam, _ := strings.Cut(rc.col, "/")
					ip := loop4
					if fam == "v6" {
						requirePeer(t, "ipv6")
						ip = loop6
					}
					srv, ap := startExampleServer(t, ip)
					dir := stateDir(t, rc.peer)
					if err := os.WriteFile(filepath.Join(dir, "cmds.py"), []byte(ftplibCmdScript), 0o644); err != nil {
						t.Fatal(err)
					}
					output, err := runProgram(t, dir, rc.argv(ap, dir)...)
					log := tail(srv.log, 1<<20)
					for _, w := range rc.want {
						if !strings.Contains(log, w) {
							t.Errorf("the server's log lacks %q", w)
						}
					}
					if rc.peer == "curl" && err == nil {
						t.Errorf("curl succeeded")
					}
					if strings.Contains(log, "data connection for") || strings.Contains(log, "< 226") {
						t.Errorf("a transfer happened")
					}
					if t.Failed() {
						t.Fatalf("server log:\n%s\nclient output (%v):\n%s", log, err, output)
					}
					return ""
				})
			}
		})
	}
}

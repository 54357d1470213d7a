//go:build linux

package interop

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpkit/hostport"
)

// strayScript is a client of Python's ftplib: it logs in, sets the type and
// asks for a passive data connection, then prints the port that ftplib would
// connect to, or the error it raised.
const strayScript = `import ftplib, sys
f = ftplib.FTP()
f.connect(sys.argv[1], int(sys.argv[2]), timeout=10)
f.login()
f.sendcmd("TYPE I")
try:
    host, port = f.makepasv()
    print("PORT", port)
except ftplib.all_errors as e:
    print("ERROR", e)
`

// TestNatproxyStrayAddressFtplib runs a hostile server of the test's own
// behind examples/natproxy and Python's ftplib in front of it. The server
// answers TYPE with an extra, unsolicited 227 and PASV with a 227 reply whose
// first line names another port: ftplib, which reads the reply after TYPE's
// as the answer to PASV and takes the first address of a multi-line 227,
// would connect to the port the server chose. Through the proxy it must not.
func TestNatproxyStrayAddressFtplib(t *testing.T) {
	t.Parallel()
	if why := missing("ftplib"); why != "" {
		skipOrFail(t, why)
	}
	victim, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close()
	vhp, _ := hostport.FromAddrPort(victim.Addr().(*net.TCPAddr).AddrPort())
	vport := victim.Addr().(*net.TCPAddr).AddrPort().Port()

	for _, tc := range []struct {
		name      string
		typeReply string
		pasvReply string
	}{
		{"unsolicited 227 after TYPE", "200 Binary.\r\n227 Entering Passive Mode (" + vhp.String() + ")\r\n", ""},
		{"227- first line", "200 Binary.\r\n", "227-Entering Passive Mode (" + vhp.String() + ")\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startHostileServer(t, tc.typeReply, tc.pasvReply)
			plo, phi := passiveRange(t)
			_, paddr := startExample(t, "natproxy", stateDir(t, "natproxy"), "-listen", "127.0.0.1:0",
				"-upstream", srv.String(), "-ports", fmt.Sprintf("%d-%d", plo, phi), "-data-timeout", "10s")
			dir := stateDir(t, "ftplib")
			script := filepath.Join(dir, "stray.py")
			if err := os.WriteFile(script, []byte(strayScript), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := runProgram(t, dir, python, script, paddr.Addr().String(), strconv.Itoa(int(paddr.Port())))
			if err != nil {
				t.Fatalf("ftplib: %v\n%s", err, out)
			}
			if strings.Contains(out, "PORT "+strconv.Itoa(int(vport))+"\n") {
				t.Errorf("ftplib through natproxy took the server's chosen port %d:\n%s", vport, out)
			}
			if p, ok := strings.CutPrefix(strings.TrimSpace(out), "PORT "); ok {
				if n, err := strconv.Atoi(p); err != nil || n < plo || n > phi {
					t.Errorf("ftplib through natproxy got port %s, want one of the proxy's %d-%d", p, plo, phi)
				}
			} else if !strings.HasPrefix(out, "ERROR ") {
				t.Errorf("ftplib: %s", out)
			}
			t.Logf("ftplib: %s", strings.TrimSpace(out))
		})
	}
}

// startHostileServer starts an FTP server of the test's own on 127.0.0.1
// that logs anyone in, answers TYPE with typeReply and PASV with pasvReply
// followed by a final 227 naming a listener of its own, and anything else
// with 200. It serves one connection at a time until the test ends.
func startHostileServer(t *testing.T, typeReply, pasvReply string) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	data, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { data.Close() })
	dhp, _ := hostport.FromAddrPort(data.Addr().(*net.TCPAddr).AddrPort())
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			serveHostile(c, typeReply, pasvReply+"227 Entering Passive Mode ("+dhp.String()+")\r\n")
		}
	}()
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

func serveHostile(c net.Conn, typeReply, pasvReply string) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioTimeout))
	r := bufio.NewReader(c)
	fmt.Fprint(c, "220 hostile ready\r\n")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch strings.ToUpper(verb) {
		case "USER":
			fmt.Fprint(c, "331 Password.\r\n")
		case "PASS":
			fmt.Fprint(c, "230 Logged in.\r\n")
		case "TYPE":
			fmt.Fprint(c, typeReply)
		case "PASV":
			fmt.Fprint(c, pasvReply)
		case "QUIT":
			fmt.Fprint(c, "221 Bye.\r\n")
			return
		default:
			fmt.Fprint(c, "200 OK.\r\n")
		}
	}
}

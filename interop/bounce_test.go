//go:build linux

package interop

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpkit/hostport"
)

// TestNatproxyBounceProFTPD puts examples/natproxy in front of a real
// ProFTPD and sends it, through the proxy, the data-setup commands that
// ProFTPD reads and the proxy once did not: a PORT whose verb ends at a VT
// (ProFTPD splits words on any C white space) must not make ProFTPD connect
// anywhere, and a PASV so written must come back rewritten to the proxy's
// address, not with the server's own 227.
func TestNatproxyBounceProFTPD(t *testing.T) {
	t.Parallel()
	if why := missing("proftpd"); why != "" {
		skipOrFail(t, why)
	}
	dir := stateDir(t, "bounce-proftpd")
	lo, hi := passiveRange(t)
	ctrl := netip.AddrPortFrom(loop4, freePort(t, loop4))
	startProftpd(t, dir, ctrl, lo, hi, "")
	plo, phi := passiveRange(t)
	proxy, paddr := startExample(t, "natproxy", stateDir(t, "natproxy"), "-listen", "127.0.0.1:0",
		"-upstream", ctrl.String(), "-ports", fmt.Sprintf("%d-%d", plo, phi), "-data-timeout", "10s")
	commands := filepath.Join(dir, "commands.log")

	t.Run("PORT VT", func(t *testing.T) {
		// The third host: a listener that ProFTPD would connect to.
		victim, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer victim.Close()
		vp := victim.Addr().(*net.TCPAddr).AddrPort()
		hp, _ := hostport.FromAddrPort(vp)
		accepted := make(chan net.Conn, 1)
		go func() {
			if c, err := victim.Accept(); err == nil {
				accepted <- c
			}
		}()

		c := dialFTP(t, paddr)
		defer c.quit()
		code, msg := c.cmd("PORT\v" + hp.String())
		if code/100 != 5 {
			t.Errorf("PORT\\v%s through natproxy: %d %s, want a 5xx refusal\n%s", hp, code, msg, c.dialogue())
		}
		// Were the PORT through, RETR would make ProFTPD connect and
		// send the file; without one, it refuses or waits for nothing.
		c.c.SetWriteDeadline(time.Now().Add(ioTimeout))
		c.tp.PrintfLine("RETR data.bin")
		select {
		case conn := <-accepted:
			conn.Close()
			t.Errorf("ProFTPD connected to %s after PORT\\v through natproxy\n%s", vp, c.dialogue())
		case <-time.After(2 * time.Second):
		}
		if log := tailLog(commands); strings.Contains(log, "PORT") {
			t.Errorf("ProFTPD was sent a PORT command:\n%s", log)
		}
	})

	t.Run("PASV VT", func(t *testing.T) {
		c := dialFTP(t, paddr)
		defer c.quit()
		code, msg := c.cmd("PASV\v")
		if code != 227 {
			t.Fatalf("PASV\\v through natproxy: %d %s, want 227\n%s", code, msg, c.dialogue())
		}
		hp, err := hostport.ParsePASV(fmt.Sprintf("%d %s", code, msg))
		if err != nil {
			t.Fatalf("PASV\\v through natproxy: %v", err)
		}
		ap := hp.AddrPort()
		if ap.Addr() != paddr.Addr() || int(ap.Port()) < plo || int(ap.Port()) > phi {
			t.Errorf("PASV\\v through natproxy: 227 names %s, want the proxy's %s and a port in %d-%d (ProFTPD's are %d-%d)\n%s",
				ap, paddr.Addr(), plo, phi, lo, hi, c.dialogue())
		}
		if !strings.Contains(tail(proxy.log, 4000), "data setup 227 ") {
			t.Errorf("natproxy's log shows no 227 rewrite:\n%s", tail(proxy.log, 4000))
		}
	})
}

// tailLog returns the end of a server's log file, or "" if there is none.
func tailLog(path string) string { return tail(path, 8000) }

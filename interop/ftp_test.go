//go:build linux

package interop

import (
	"io"
	"net"
	"net/netip"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// ftpConn is a control connection of the tests' own, to see a real
// server's replies exactly as a client reads them.
type ftpConn struct {
	t      *testing.T
	c      net.Conn
	tp     *textproto.Conn
	local  netip.AddrPort // our end, unmapped
	server netip.AddrPort // the server's end, unmapped
	lines  []string       // the dialogue so far, for failure messages
	code   int            // the code of the last reply
}

// unmapped returns the address and port of a TCP address, unmapped.
func unmapped(a net.Addr) netip.AddrPort {
	ta, _ := a.(*net.TCPAddr)
	if ta == nil {
		return netip.AddrPort{}
	}
	ap := ta.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// dialFTP connects to the server at ap and logs in as anonymous in binary
// mode.
func dialFTP(t *testing.T, ap netip.AddrPort) *ftpConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", ap.String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &ftpConn{t: t, c: nc, tp: textproto.NewConn(nc), local: unmapped(nc.LocalAddr()), server: unmapped(nc.RemoteAddr())}
	c.readExpect(220)
	if c.expect("USER anonymous", 230, 331); c.code == 331 {
		c.expect("PASS interop@example.com")
	}
	c.expect("TYPE I")
	return c
}

// read reads a reply.
func (c *ftpConn) read() (int, string) {
	c.t.Helper()
	c.c.SetReadDeadline(time.Now().Add(ioTimeout))
	code, msg, err := c.tp.ReadResponse(0)
	if err != nil {
		c.t.Fatalf("reading a reply: %v\n%s", err, c.dialogue())
	}
	c.lines = append(c.lines, "<<< "+strings.ReplaceAll(msg, "\n", "\n<<< "))
	c.code = code
	return code, msg
}

// cmd sends a command and reads its reply.
func (c *ftpConn) cmd(line string) (int, string) {
	c.t.Helper()
	c.lines = append(c.lines, ">>> "+line)
	c.c.SetWriteDeadline(time.Now().Add(ioTimeout))
	if err := c.tp.PrintfLine("%s", line); err != nil {
		c.t.Fatalf("sending %q: %v\n%s", line, err, c.dialogue())
	}
	return c.read()
}

// expect sends a command and reads its reply, which must have one of codes
// (a code, or a class 1 to 5); with no codes, any 2xx. It returns the text.
func (c *ftpConn) expect(line string, codes ...int) string {
	c.t.Helper()
	code, msg := c.cmd(line)
	return c.check(code, msg, codes)
}

// readExpect reads a reply and checks it as expect does.
func (c *ftpConn) readExpect(codes ...int) string {
	c.t.Helper()
	code, msg := c.read()
	return c.check(code, msg, codes)
}

func (c *ftpConn) check(code int, msg string, codes []int) string {
	c.t.Helper()
	if len(codes) == 0 {
		codes = []int{2}
	}
	for _, w := range codes {
		if w == code || w == code/100 {
			return msg
		}
	}
	c.t.Fatalf("reply %d %s, want %v\n%s", code, msg, codes, c.dialogue())
	return ""
}

func (c *ftpConn) dialogue() string { return strings.Join(c.lines, "\n") }

// retr sends RETR name and reads the file from the data connection dc, which
// is already connected (passive mode) or is returned by get once the server
// connects (active mode).
func (c *ftpConn) retr(name string, get func() net.Conn) []byte {
	c.t.Helper()
	c.expect("RETR "+name, 1)
	dc := get()
	dc.SetDeadline(time.Now().Add(ioTimeout))
	b, err := io.ReadAll(dc)
	dc.Close() // ProFTPD waits for it before its 226
	if err != nil {
		c.t.Fatalf("reading the data connection: %v", err)
	}
	c.readExpect()
	return b
}

func (c *ftpConn) quit() {
	c.tp.PrintfLine("QUIT")
	c.c.SetReadDeadline(time.Now().Add(ioTimeout))
	c.tp.ReadResponse(0)
	c.c.Close()
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"log"
	"math/rand/v2"
	"net"
	"net/netip"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport"
)

// timeout bounds every wait in these tests.
const timeout = 10 * time.Second

// testFile is the content of data.bin: random bytes, CR and LF included, so
// that any change on the way shows.
var testFile = func() []byte {
	b := make([]byte, 200<<10)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}()

// syncBuf is a buffer for a logger written from several goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// makeTree writes the served tree into a new directory and returns the root:
//
//	base/secret.txt        outside the root
//	base/root/data.bin     testFile
//	base/root/pub/a.txt    "hello\n"
//	base/root/inside       symlink to data.bin
//	base/root/escape       symlink to ../secret.txt
//	base/root/pubout       symlink to .. (the base)
func makeTree(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	root := filepath.Join(base, "root")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "pub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(base, "secret.txt"), []byte("secret\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "data.bin"), testFile, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "pub", "a.txt"), []byte("hello\n"), 0o644))
	require.NoError(t, os.Symlink("data.bin", filepath.Join(root, "inside")))
	require.NoError(t, os.Symlink("../secret.txt", filepath.Join(root, "escape")))
	require.NoError(t, os.Symlink("..", filepath.Join(root, "pubout")))
	return root
}

// startServer starts a Server on addr ("127.0.0.1:0" or "[::1]:0") serving a
// tree from makeTree, and returns its address and its log.
func startServer(t *testing.T, addr string, configure func(*Server)) (string, *syncBuf) {
	t.Helper()
	dir, err := os.OpenRoot(makeTree(t))
	require.NoError(t, err)
	t.Cleanup(func() { dir.Close() })
	logs := &syncBuf{}
	s := &Server{Root: dir, Ports: hostport.PortRange{Min: 20000, Max: 32000}, DataTimeout: timeout,
		Trace: true, Log: log.New(logs, "", log.Lmicroseconds)}
	if configure != nil {
		configure(s)
	}
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(timeout):
			t.Error("Serve did not return")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	return ln.Addr().String(), logs
}

// needIPv6 skips the test if ::1 cannot be listened on.
func needIPv6(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("IPv6 loopback ::1 unavailable: %v", err)
	}
	ln.Close()
}

// client is a small FTP client for the tests.
type client struct {
	t     *testing.T
	c     net.Conn
	tp    *textproto.Conn
	local netip.AddrPort
	peer  netip.AddrPort
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, timeout)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	require.NoError(t, nc.SetDeadline(time.Now().Add(3*timeout)))
	c := &client{t: t, c: nc, tp: textproto.NewConn(nc), local: addrPort(nc.LocalAddr()), peer: addrPort(nc.RemoteAddr())}
	code, msg := c.read()
	require.Equal(t, 220, code, msg)
	return c
}

// login dials addr and logs in as anonymous.
func login(t *testing.T, addr string) *client {
	t.Helper()
	c := dial(t, addr)
	c.expect("USER anonymous", 331)
	c.expect("PASS guest@", 230)
	c.expect("TYPE I", 200)
	return c
}

func (c *client) read() (int, string) {
	c.t.Helper()
	code, msg, err := c.tp.ReadResponse(0)
	require.NoError(c.t, err)
	return code, msg
}

func (c *client) cmd(line string) (int, string) {
	c.t.Helper()
	require.NoError(c.t, c.tp.PrintfLine("%s", line))
	return c.read()
}

// expect sends line and requires the reply code want; it returns the text.
func (c *client) expect(line string, want int) string {
	c.t.Helper()
	code, msg := c.cmd(line)
	require.Equal(c.t, want, code, "%s: %d %s", line, code, msg)
	return msg
}

// setup sets up a data connection with the command verb and returns a
// function that gives the connection once the transfer command is sent.
func (c *client) setup(verb string) func() net.Conn {
	c.t.Helper()
	t := c.t
	switch verb {
	case "PASV", "EPSV", "LPSV":
		var target netip.AddrPort
		switch verb {
		case "PASV":
			hp, err := hostport.ParsePASV(c.expect("PASV", 227))
			require.NoError(t, err)
			target = hp.AddrPort()
		case "EPSV":
			port, err := hostport.ParseEPSV(c.expect("EPSV", 229))
			require.NoError(t, err)
			target = netip.AddrPortFrom(c.peer.Addr(), port)
		case "LPSV":
			ap, err := hostport.ParseLPSV(c.expect("LPSV", 228))
			require.NoError(t, err)
			target = ap
		}
		require.Equal(t, c.peer.Addr(), target.Addr(), "the reply names the server's address")
		dc, err := net.DialTimeout("tcp", target.String(), timeout)
		require.NoError(t, err)
		t.Cleanup(func() { dc.Close() })
		return func() net.Conn { return dc }
	}
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: c.local.Addr().AsSlice()})
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	ap := netip.AddrPortFrom(c.local.Addr(), addrPort(ln.Addr()).Port())
	switch verb {
	case "PORT":
		c.expect(hostport.FormatPORT(hostport.MustParse(hostPortString(ap))), 200)
	case "EPRT":
		c.expect(hostport.FormatEPRT(ap), 200)
	case "LPRT":
		c.expect(hostport.FormatLPRT(ap), 200)
	}
	return func() net.Conn {
		require.NoError(t, ln.SetDeadline(time.Now().Add(timeout)))
		dc, err := ln.Accept()
		require.NoError(t, err)
		t.Cleanup(func() { dc.Close() })
		assert.Equal(t, c.peer.Addr(), addrPort(dc.RemoteAddr()).Addr(), "active data connection from the server's address")
		return dc
	}
}

func hostPortString(ap netip.AddrPort) string {
	hp, err := hostport.FromAddrPort(ap)
	if err != nil {
		panic(err)
	}
	return hp.String()
}

// transfer sets up a data connection with verb, sends line (RETR, LIST or
// NLST) and returns what arrives on the data connection.
func (c *client) transfer(verb, line string) []byte {
	c.t.Helper()
	get := c.setup(verb)
	c.expect(line, 150)
	dc := get()
	require.NoError(c.t, dc.SetDeadline(time.Now().Add(timeout)))
	b, err := io.ReadAll(dc)
	require.NoError(c.t, err)
	code, msg := c.read()
	require.Equal(c.t, 226, code, msg)
	return b
}

func TestModes(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		modes []string
	}{
		{"127.0.0.1:0", []string{"PASV", "EPSV", "LPSV", "PORT", "EPRT", "LPRT"}},
		{"[::1]:0", []string{"EPSV", "LPSV", "EPRT", "LPRT"}},
	} {
		for _, mode := range tc.modes {
			t.Run(tc.addr+"/"+mode, func(t *testing.T) {
				if strings.HasPrefix(tc.addr, "[") {
					needIPv6(t)
				}
				addr, logs := startServer(t, tc.addr, nil)
				c := login(t, addr)
				assert.Equal(t, testFile, c.transfer(mode, "RETR data.bin"), "RETR")
				assert.Equal(t, "data.bin\r\nescape\r\ninside\r\npub\r\npubout\r\n", string(c.transfer(mode, "NLST")))
				list := string(c.transfer(mode, "LIST -la"))
				assert.Regexp(t, `(?m)^-rw-r--r-- +1 ftp +ftp +204800 \w{3} [ \d]\d [ \d]\d:\d\d data\.bin\r$`, list)
				assert.Regexp(t, `(?m)^drwxr-xr-x +1 ftp +ftp +\d+ .* pub\r$`, list)
				assert.Regexp(t, `(?m)^lrwxrwxrwx .* escape\r$`, list)
				c.expect("QUIT", 221)
				assert.Contains(t, logs.String(), "data setup "+mode)
			})
		}
	}
}

// TestIPv6OnlyForms: on IPv6, PASV cannot be answered and PORT names an
// address of the other family, which is not the client's.
func TestIPv6OnlyForms(t *testing.T) {
	needIPv6(t)
	addr, _ := startServer(t, "[::1]:0", nil)
	c := login(t, addr)
	assert.Contains(t, c.expect("PASV", 425), "EPSV")
	c.expect("PORT 127,0,0,1,156,64", 500)
	c.expect("EPRT |1|127.0.0.1|40000|", 500)
	c.expect("EPSV 1", 522)
	port, err := hostport.ParseEPSV(c.expect("EPSV 2", 229))
	require.NoError(t, err)
	dc, err := net.DialTimeout("tcp", netip.AddrPortFrom(c.peer.Addr(), port).String(), timeout)
	require.NoError(t, err)
	defer dc.Close()
	c.expect("RETR pub/a.txt", 150)
	require.NoError(t, dc.SetDeadline(time.Now().Add(timeout)))
	b, err := io.ReadAll(dc)
	require.NoError(t, err)
	assert.Equal(t, "hello\n", string(b))
	code, _ := c.read()
	assert.Equal(t, 226, code)
}

// TestActiveRefusals: every PORT, EPRT and LPRT that the policy or the
// parsers refuse gets the reply code that hostport.ReplyCode gives, or the
// RFC 2428 and RFC 1639 codes for an unknown family, and leaves no data
// setup behind.
func TestActiveRefusals(t *testing.T) {
	addr, logs := startServer(t, "127.0.0.1:0", nil)
	client := netip.MustParseAddr("127.0.0.1")
	for _, tc := range []struct {
		name, line string
		want       int
	}{
		{"bounce PORT", "PORT 127,0,0,2,156,64", 500},
		{"bounce EPRT", "EPRT |1|127.0.0.2|40000|", 500},
		{"bounce LPRT", "LPRT 4,4,127,0,0,2,2,156,64", 500},
		{"bounce IPv6", "EPRT |2|::1|40000|", 500},
		{"bounce and privileged", "PORT 127,0,0,2,0,25", 500},
		{"privileged PORT", "PORT 127,0,0,1,0,80", 504},
		{"privileged EPRT", "EPRT |1|127.0.0.1|80|", 504},
		{"privileged LPRT", "LPRT 4,4,127,0,0,1,2,0,21", 504},
		{"port 0", "PORT 127,0,0,1,0,0", 501},
		{"host 0.0.0.0", "PORT 0,0,0,0,156,64", 501},
		{"multicast", "EPRT |1|224.0.0.1|40000|", 501},
		{"byte 300", "PORT 127,0,0,1,300,1", 501},
		{"five numbers", "PORT 127,0,0,1,1", 501},
		{"seven numbers", "PORT 127,0,0,1,1,2,3", 501},
		{"no argument", "PORT", 501},
		{"port 70000", "EPRT |1|127.0.0.1|70000|", 501},
		{"net-prt 3", "EPRT |3|127.0.0.1|40000|", 522},
		{"IPv4 under net-prt 2", "EPRT |2|127.0.0.1|40000|", 501},
		{"af 5", "LPRT 5,4,127,0,0,1,2,156,64", 521},
		{"hal 5", "LPRT 4,5,127,0,0,1,1,2,156,64", 501},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := login(t, addr)
			c.expect(tc.line, tc.want)
			if verb, arg, _ := strings.Cut(tc.line, " "); tc.want == 500 || tc.want == 504 {
				var target netip.AddrPort
				switch verb {
				case "PORT":
					target = hostport.MustParsePORT(arg).AddrPort()
				case "EPRT":
					target = hostport.MustParseEPRT(arg)
				case "LPRT":
					target = hostport.MustParseLPRT(arg)
				}
				err := hostport.ActivePolicy{}.Check(client, target)
				assert.Equal(t, tc.want, hostport.ReplyCode(err), "the code is ReplyCode's")
			}
			c.expect("RETR data.bin", 425) // no data setup
		})
	}
	assert.Contains(t, logs.String(), "bounce attack, RFC 2577")
	assert.Contains(t, logs.String(), "privileged port 80")
}

func TestEPSVAll(t *testing.T) {
	addr, _ := startServer(t, "127.0.0.1:0", nil)
	c := login(t, addr)
	c.expect("EPSV ALL", 200)
	for _, line := range []string{"PORT 127,0,0,1,156,64", "EPRT |1|127.0.0.1|40000|", "LPRT 4,4,127,0,0,1,2,156,64", "PASV", "LPSV"} {
		c.expect(line, 501)
	}
	assert.Equal(t, testFile, c.transfer("EPSV", "RETR data.bin"))
	c.expect("PORT 127,0,0,1,156,64", 501) // still in effect
}

func TestEPSVProtocols(t *testing.T) {
	addr, _ := startServer(t, "127.0.0.1:0", nil)
	c := login(t, addr)
	c.expect("EPSV 1", 229)
	assert.Equal(t, "Network protocol not supported, use (1).", c.expect("EPSV 2", 522))
	c.expect("EPSV 3", 522)
	c.expect("EPSV x", 501)
	c.expect("PASV x", 501)
}

// TestRootConfinement: no path leads out of the root, neither through ".."
// nor through a symbolic link; a link inside the root works.
func TestRootConfinement(t *testing.T) {
	addr, _ := startServer(t, "127.0.0.1:0", nil)
	c := login(t, addr)
	for _, p := range []string{"../secret.txt", "/../secret.txt", "../../../../secret.txt", "escape", "pubout/secret.txt", "pub/../../secret.txt"} {
		c.setup("EPSV")
		c.expect("RETR "+p, 550)
		c.expect("SIZE "+p, 550)
	}
	c.expect("CWD pubout", 550)
	c.expect("CWD ../..", 250)
	assert.Equal(t, `"/" is the current directory.`, c.expect("PWD", 257))
	c.expect("CWD pub", 250)
	assert.Equal(t, `"/pub" is the current directory.`, c.expect("PWD", 257))
	assert.Equal(t, "hello\n", string(c.transfer("EPSV", "RETR a.txt")))
	assert.Equal(t, "a.txt\r\n", string(c.transfer("EPSV", "NLST")))
	c.expect("CDUP", 250)
	c.expect("CDUP", 250)
	assert.Equal(t, `"/" is the current directory.`, c.expect("PWD", 257))
	assert.Equal(t, testFile, c.transfer("EPSV", "RETR inside"))
	assert.Equal(t, testFile, c.transfer("EPSV", "RETR /pub/../data.bin"))
	assert.Equal(t, strconv.Itoa(len(testFile)), c.expect("SIZE data.bin", 213))
	c.setup("EPSV")
	c.expect("LIST escape", 550)
	c.setup("EPSV")
	c.expect("RETR pub", 550) // a directory
}

func TestCommands(t *testing.T) {
	addr, logs := startServer(t, "127.0.0.1:0", nil)
	c := dial(t, addr)
	c.expect("LIST", 530)
	c.expect("PASV", 530)
	c.expect("PASS x", 503)
	c.expect("USER root", 530)
	c.expect("PASS x", 503)
	assert.Equal(t, "UNIX Type: L8", c.expect("SYST", 215))
	feat := c.expect("FEAT", 211)
	for _, f := range []string{"EPRT", "EPSV", "PASV", "SIZE"} {
		assert.Contains(t, strings.Split(feat, "\n"), " "+f)
	}
	c.expect("OPTS UTF8 ON", 200)
	c.expect("NOOP", 200)
	c.expect("user FTP", 331)
	c.expect("pass secret-word", 230)
	assert.NotContains(t, logs.String(), "secret-word")
	c.expect("TYPE A", 200)
	c.expect("TYPE E", 504)
	c.expect("MODE S", 200)
	c.expect("MODE B", 504)
	c.expect("STRU F", 200)
	c.expect("STRU R", 504)
	c.expect("STOR x", 502)
	c.expect("DELE data.bin", 502)
	c.expect("CWD nowhere", 550)
	c.expect("SIZE pub", 550)
	c.expect("RETR data.bin", 425)
	c.expect("QUIT", 221)
	_, err := c.tp.ReadLine()
	assert.ErrorIs(t, err, io.EOF, "the server closes after QUIT")
}

func TestBadLines(t *testing.T) {
	addr, _ := startServer(t, "127.0.0.1:0", nil)
	c := login(t, addr)
	_, err := fmt.Fprintf(c.c, "NOOP %s\r\n", strings.Repeat("x", 2*maxLine))
	require.NoError(t, err)
	code, _ := c.read()
	assert.Equal(t, 500, code, "too long")
	_, err = io.WriteString(c.c, "NO\rOP\r\n")
	require.NoError(t, err)
	code, _ = c.read()
	assert.Equal(t, 500, code, "bare CR")
	_, err = io.WriteString(c.c, "NOOP\n") // a bare LF ends a line, as for most servers
	require.NoError(t, err)
	code, _ = c.read()
	assert.Equal(t, 200, code)
}

// TestPublicAddress: the 227 and 228 replies name the public address, the
// listener is on the address the client reached, and EPSV is unaffected.
func TestPublicAddress(t *testing.T) {
	addr, _ := startServer(t, "127.0.0.1:0", func(s *Server) { s.Public = netip.MustParseAddr("127.0.0.2") })
	c := login(t, addr)

	hp, err := hostport.ParsePASV(c.expect("PASV", 227))
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddr("127.0.0.2"), hp.Addr())
	dc, err := net.DialTimeout("tcp", netip.AddrPortFrom(c.peer.Addr(), hp.Port()).String(), timeout)
	require.NoError(t, err, "the port of the 227 reply listens on the server's own address")
	defer dc.Close()
	c.expect("RETR data.bin", 150)
	require.NoError(t, dc.SetDeadline(time.Now().Add(timeout)))
	b, err := io.ReadAll(dc)
	require.NoError(t, err)
	assert.Equal(t, testFile, b)
	code, _ := c.read()
	assert.Equal(t, 226, code)

	ap, err := hostport.ParseLPSV(c.expect("LPSV", 228))
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddr("127.0.0.2"), ap.Addr())
	_, err = hostport.ParseEPSV(c.expect("EPSV", 229))
	assert.NoError(t, err)
}

// TestDataPeerChecked: a connection to the passive port from another host is
// turned away, and the listener keeps waiting for the client's.
func TestDataPeerChecked(t *testing.T) {
	addr, logs := startServer(t, "127.0.0.1:0", nil)
	c := login(t, addr)
	port, err := hostport.ParseEPSV(c.expect("EPSV", 229))
	require.NoError(t, err)
	target := netip.AddrPortFrom(c.peer.Addr(), port).String()
	c.expect("RETR data.bin", 150)

	thief := net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	tc, err := thief.Dial("tcp", target)
	require.NoError(t, err)
	defer tc.Close()
	require.NoError(t, tc.SetDeadline(time.Now().Add(timeout)))
	stolen, _ := io.ReadAll(tc)
	assert.Empty(t, stolen, "nothing for the thief")

	dc, err := net.DialTimeout("tcp", target, timeout)
	require.NoError(t, err)
	defer dc.Close()
	require.NoError(t, dc.SetDeadline(time.Now().Add(timeout)))
	b, err := io.ReadAll(dc)
	require.NoError(t, err)
	assert.Equal(t, testFile, b)
	code, _ := c.read()
	assert.Equal(t, 226, code)
	assert.Contains(t, logs.String(), "data connection from 127.0.0.2:")
	assert.Contains(t, logs.String(), "turned away: hostport.CheckDataPeer")
}

func TestDataTimeout(t *testing.T) {
	addr, _ := startServer(t, "127.0.0.1:0", func(s *Server) { s.DataTimeout = 100 * time.Millisecond })
	c := login(t, addr)
	c.expect("EPSV", 229)
	c.expect("RETR data.bin", 150)
	code, _ := c.read()
	assert.Equal(t, 425, code, "nobody connected")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := addrPort(ln.Addr()).Port()
	ln.Close() // now nothing listens there
	c.expect(hostport.FormatEPRT(netip.AddrPortFrom(c.local.Addr(), port)), 200)
	c.expect("RETR data.bin", 150)
	code, _ = c.read()
	assert.Equal(t, 425, code, "the server cannot connect")
}

// TestNewSetupReplacesOld: a second PASV closes the listener of the first.
func TestNewSetupReplacesOld(t *testing.T) {
	addr, _ := startServer(t, "127.0.0.1:0", nil)
	c := login(t, addr)
	first, err := hostport.ParseEPSV(c.expect("EPSV", 229))
	require.NoError(t, err)
	c.expect("PORT 127,0,0,1,156,64", 200)
	_, err = net.DialTimeout("tcp", netip.AddrPortFrom(c.peer.Addr(), first).String(), timeout)
	assert.Error(t, err, "the first listener is closed")
}

func TestListLine(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		fi   fs.FileInfo
		want string
	}{
		{fakeInfo{"a.txt", 1234, 0o644, time.Date(2024, 5, 2, 15, 4, 0, 0, time.UTC)},
			"-rw-r--r--    1 ftp      ftp              1234 May  2 15:04 a.txt"},
		{fakeInfo{"old", 7, 0o600, time.Date(2020, 1, 12, 15, 4, 0, 0, time.UTC)},
			"-rw-------    1 ftp      ftp                 7 Jan 12  2020 old"},
		{fakeInfo{"dir", 4096, fs.ModeDir | 0o755, time.Date(2024, 5, 2, 15, 4, 0, 0, time.UTC)},
			"drwxr-xr-x    1 ftp      ftp              4096 May  2 15:04 dir"},
		{fakeInfo{"link", 3, fs.ModeSymlink | 0o777, time.Date(2024, 5, 2, 15, 4, 0, 0, time.UTC)},
			"lrwxrwxrwx    1 ftp      ftp                 3 May  2 15:04 link"},
	} {
		assert.Equal(t, tc.want, listLine(tc.fi, now))
	}
}

type fakeInfo struct {
	name string
	size int64
	mode fs.FileMode
	mod  time.Time
}

func (f fakeInfo) Name() string       { return f.name }
func (f fakeInfo) Size() int64        { return f.size }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return f.mod }
func (f fakeInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fakeInfo) Sys() any           { return nil }

func TestRunUsage(t *testing.T) {
	root := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "-root is required"},
		{[]string{"-root", root, "extra"}, `unexpected argument "extra"`},
		{[]string{"-root", root, "-public", "2001:db8::1"}, "not an IPv4 address"},
		{[]string{"-root", root, "-public", "nowhere"}, "-public"},
		{[]string{"-root", root, "-pasv-ports", "100-200"}, "below 1024"},
		{[]string{"-root", root, "-pasv-ports", "5000"}, "want MIN-MAX"},
		{[]string{"-nosuchflag"}, "flag provided but not defined"},
		{[]string{"-root", root, "-max-sessions", "-1"}, "must be 0 or more"},
		{[]string{"-root", root, "-max-per-addr", "-5"}, "must be 0 or more"},
		{[]string{"-root", root, "-idle-timeout", "0s"}, "must be positive"},
		{[]string{"-root", root, "-data-timeout", "-1s"}, "must be positive"},
	} {
		var stderr bytes.Buffer
		assert.Equal(t, 2, run(context.Background(), tc.args, io.Discard, &stderr), "%q", tc.args)
		assert.Contains(t, stderr.String(), tc.want, "%q", tc.args)
	}
	var stderr bytes.Buffer
	assert.Equal(t, 1, run(context.Background(), []string{"-root", filepath.Join(root, "missing")}, io.Discard, &stderr))
	assert.Contains(t, stderr.String(), "missing")
}

// -h prints the usage on standard output and exits 0, as -h does for
// other commands, so that "server -h | less" shows it.
func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 0, run(context.Background(), []string{"-h"}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), "usage: server -root DIR [flags]")
	assert.Contains(t, stdout.String(), "-max-per-addr")
	assert.Empty(t, stderr.String())
}

// TestRun runs the server as main does, downloads a file and stops it.
func TestRun(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	root := makeTree(t)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuf{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-listen", addr, "-root", root, "-public", "127.0.0.2", "-pasv-ports", "20000-32000", "-v"}, io.Discard, logs)
	}()
	var c *client
	require.Eventually(t, func() bool {
		nc, err := net.Dial("tcp", addr)
		if err == nil {
			nc.Close()
		}
		return err == nil
	}, timeout, 10*time.Millisecond)
	c = login(t, addr)
	hp, err := hostport.ParsePASV(c.expect("PASV", 227))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.2", hp.Addr().String())
	assert.GreaterOrEqual(t, hp.Port(), uint16(20000))
	assert.LessOrEqual(t, hp.Port(), uint16(32000))
	assert.Equal(t, testFile, c.transfer("EPRT", "RETR data.bin"))
	c.expect("QUIT", 221)
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(timeout):
		t.Fatal("run did not return")
	}
	assert.Contains(t, logs.String(), "> EPRT |1|127.0.0.1|")
	assert.Contains(t, logs.String(), "< 227 Entering Passive Mode (127,0,0,2,")
	assert.Contains(t, logs.String(), "stopped")
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
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

// testFile is the file the fake server serves.
var testFile = func() []byte {
	b := make([]byte, 300<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}()

// fakeServer is a small FTP server on 127.0.0.1, IPv4 only, with one file,
// "file.bin", and room for uploads. It checks active targets and passive
// peers against the client's address, as vsftpd does.
type fakeServer struct {
	ln   net.Listener
	addr netip.AddrPort

	mu       sync.Mutex
	stored   map[string][]byte
	commands []string
	sessions int // control connections open
}

// open returns the number of control connections the server has open.
func (f *fakeServer) open() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sessions
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	f := &fakeServer{ln: ln, addr: addrPort(ln.Addr()), stored: map[string][]byte{}}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(2 * timeout))
				f.serve(c)
			}()
		}
	}()
	return f
}

// received returns the commands the server has received.
func (f *fakeServer) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.commands...)
}

func (f *fakeServer) serve(c net.Conn) {
	f.mu.Lock()
	f.sessions++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.sessions--
		f.mu.Unlock()
	}()
	r := bufio.NewReader(c)
	reply := func(s string) { io.WriteString(c, s+"\r\n") }
	peer := addrPort(c.RemoteAddr()).Addr()
	reply("220 fake FTP server ready.")
	var pasv net.Listener
	var active netip.AddrPort
	defer func() {
		if pasv != nil {
			pasv.Close()
		}
	}()
	// data opens the data connection of the last PASV, EPSV, PORT or EPRT.
	data := func() (net.Conn, error) {
		if pasv != nil {
			defer func() { pasv.Close(); pasv = nil }()
			pasv.(*net.TCPListener).SetDeadline(time.Now().Add(timeout))
			for {
				dc, err := pasv.Accept()
				if err != nil {
					return nil, err
				}
				if hostport.CheckDataPeer(peer, addrPort(dc.RemoteAddr()).Addr()) != nil {
					dc.Close()
					continue
				}
				return dc, nil
			}
		}
		if active.IsValid() {
			d := net.Dialer{Timeout: timeout}
			return d.Dial("tcp", active.String())
		}
		return nil, errors.New("no data connection set up")
	}
	listen := func() (netip.AddrPort, bool) {
		if pasv != nil {
			pasv.Close()
		}
		active = netip.AddrPort{}
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			reply("425 Can't open passive connection.")
			return netip.AddrPort{}, false
		}
		pasv = ln
		return addrPort(ln.Addr()), true
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\r\n")
		f.mu.Lock()
		f.commands = append(f.commands, line)
		f.mu.Unlock()
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "USER":
			reply("331 Please specify the password.")
		case "PASS":
			reply("230 Login successful.")
		case "TYPE":
			reply("200 Switching to Binary mode.")
		case "NOOP":
			reply("200 NOOP ok.")
		case "QUIT":
			reply("221 Goodbye.")
			return
		case "PASV":
			if ap, ok := listen(); ok {
				hp, _ := hostport.FromAddrPort(ap)
				reply(hostport.FormatPASV(hp))
			}
		case "EPSV":
			if ap, ok := listen(); ok {
				reply(hostport.FormatEPSV(ap.Port()))
			}
		case "PORT", "EPRT":
			var ap netip.AddrPort
			if strings.EqualFold(verb, "PORT") {
				hp, perr := hostport.ParsePORT(line)
				ap, err = hp.AddrPort(), perr
			} else {
				ap, err = hostport.ParseEPRT(line)
				if err == nil && !ap.Addr().Is4() {
					reply("522 Network protocol not supported, use (1)")
					continue
				}
			}
			if err == nil {
				err = (hostport.ActivePolicy{}).Check(peer, ap)
			}
			if err != nil {
				reply(strconv.Itoa(hostport.ReplyCode(err)) + " Illegal " + verb + " command.")
				continue
			}
			if pasv != nil {
				pasv.Close()
				pasv = nil
			}
			active = ap
			reply("200 " + verb + " command successful.")
		case "RETR":
			if arg != "file.bin" {
				reply("550 Failed to open file.")
				continue
			}
			reply("150 Opening BINARY mode data connection for file.bin.")
			dc, err := data()
			if err != nil {
				reply("425 Failed to establish connection.")
				continue
			}
			_, err = dc.Write(testFile)
			dc.Close()
			if err != nil {
				reply("426 Failure writing network stream.")
				continue
			}
			reply("226 Transfer complete.")
		case "STOR":
			reply("150 Ok to send data.")
			dc, err := data()
			if err != nil {
				reply("425 Failed to establish connection.")
				continue
			}
			dc.SetDeadline(time.Now().Add(timeout))
			b, err := io.ReadAll(dc)
			dc.Close()
			if err != nil {
				reply("426 Failure reading network stream.")
				continue
			}
			f.mu.Lock()
			f.stored[arg] = b
			f.mu.Unlock()
			reply("226 Transfer complete.")
		default:
			reply("502 Command not implemented.")
		}
	}
}

// client is a small FTP client for the tests; its methods return errors
// rather than failing the test, so that it can run in other goroutines.
type client struct {
	c     net.Conn
	r     *bufio.Reader
	local netip.Addr // the client's address
	proxy netip.Addr // the address of the proxy it reached
}

func dial(addr string) (*client, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(2 * timeout))
	cl := &client{c: c, r: bufio.NewReader(c), local: addrPort(c.LocalAddr()).Addr(), proxy: addrPort(c.RemoteAddr()).Addr()}
	if code, text, err := cl.read(); err != nil || code != 220 {
		c.Close()
		return nil, fmt.Errorf("greeting %d %q: %v", code, text, err)
	}
	return cl, nil
}

// read reads a reply, following multi-line replies to their last line.
func (c *client) read() (int, string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return 0, "", err
	}
	if len(line) < 4 {
		return 0, line, fmt.Errorf("short reply %q", line)
	}
	code, err := strconv.Atoi(line[:3])
	if err != nil {
		return 0, line, fmt.Errorf("reply %q", line)
	}
	for line[3] == '-' {
		if line, err = c.r.ReadString('\n'); err != nil {
			return 0, "", err
		}
		if strings.HasPrefix(line, strconv.Itoa(code)+" ") {
			break
		}
	}
	return code, strings.TrimSuffix(line, "\r\n"), nil
}

// cmd sends a command and returns the reply.
func (c *client) cmd(line string) (int, string, error) {
	if _, err := io.WriteString(c.c, line+"\r\n"); err != nil {
		return 0, "", err
	}
	return c.read()
}

// expect sends a command and checks the code of the reply.
func (c *client) expect(line string, want int) (string, error) {
	code, text, err := c.cmd(line)
	if err == nil && code != want {
		err = fmt.Errorf("%s: got %q, want %d", line, text, want)
	}
	return text, err
}

// login logs in and sets binary mode.
func (c *client) login() error {
	if _, err := c.expect("USER anonymous", 331); err != nil {
		return err
	}
	if _, err := c.expect("PASS guest", 230); err != nil {
		return err
	}
	_, err := c.expect("TYPE I", 200)
	return err
}

// setup sets up a data connection in mode (PASV, EPSV, PORT or EPRT) and
// returns a function that opens it once the transfer command is sent.
func (c *client) setup(mode string) (func() (net.Conn, error), error) {
	switch mode {
	case "PASV", "EPSV":
		code, text, err := c.cmd(mode)
		if err != nil {
			return nil, err
		}
		var ap netip.AddrPort
		if mode == "PASV" {
			if code != 227 {
				return nil, fmt.Errorf("PASV: %q", text)
			}
			hp, err := hostport.ParsePASV(text)
			if err != nil {
				return nil, err
			}
			ap = hp.AddrPort()
			if ap.Addr() != c.proxy {
				return nil, fmt.Errorf("227 names %v, not the proxy %v", ap, c.proxy)
			}
		} else {
			if code != 229 {
				return nil, fmt.Errorf("EPSV: %q", text)
			}
			port, err := hostport.ParseEPSV(text)
			if err != nil {
				return nil, err
			}
			ap = netip.AddrPortFrom(c.proxy, port)
		}
		dc, err := net.DialTimeout("tcp", ap.String(), timeout)
		if err != nil {
			return nil, err
		}
		return func() (net.Conn, error) { return dc, nil }, nil
	default:
		ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(c.local, 0)))
		if err != nil {
			return nil, err
		}
		ap := addrPort(ln.Addr())
		line := hostport.FormatEPRT(ap)
		if mode == "PORT" {
			hp, err := hostport.FromAddrPort(ap)
			if err != nil {
				ln.Close()
				return nil, err
			}
			line = hostport.FormatPORT(hp)
		}
		if _, err := c.expect(line, 200); err != nil {
			ln.Close()
			return nil, err
		}
		return func() (net.Conn, error) {
			defer ln.Close()
			ln.SetDeadline(time.Now().Add(timeout))
			return ln.Accept()
		}, nil
	}
}

// retr downloads file.bin in mode.
func (c *client) retr(mode string) ([]byte, error) {
	open, err := c.setup(mode)
	if err != nil {
		return nil, err
	}
	if _, err := c.expect("RETR file.bin", 150); err != nil {
		return nil, err
	}
	dc, err := open()
	if err != nil {
		return nil, err
	}
	dc.SetDeadline(time.Now().Add(timeout))
	b, err := io.ReadAll(dc)
	dc.Close()
	if err != nil {
		return nil, err
	}
	code, text, err := c.read()
	if err == nil && code != 226 {
		err = fmt.Errorf("after RETR: %q", text)
	}
	return b, err
}

// stor uploads b as name in mode.
func (c *client) stor(mode, name string, b []byte) error {
	open, err := c.setup(mode)
	if err != nil {
		return err
	}
	if _, err := c.expect("STOR "+name, 150); err != nil {
		return err
	}
	dc, err := open()
	if err != nil {
		return err
	}
	dc.SetDeadline(time.Now().Add(timeout))
	_, err = dc.Write(b)
	dc.Close()
	if err != nil {
		return err
	}
	code, text, err := c.read()
	if err == nil && code != 226 {
		err = fmt.Errorf("after STOR: %q", text)
	}
	return err
}

func (c *client) quit() {
	c.expect("QUIT", 221)
	c.c.Close()
}

// syncBuf is a bytes.Buffer safe for concurrent writes, for the log.
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

// startProxy starts a Proxy for the fake server, listening on network addr
// ("127.0.0.1:0" or "[::1]:0"), and returns its address and its log.
func startProxy(t *testing.T, f *fakeServer, addr string, configure func(*Proxy)) (string, *syncBuf) {
	t.Helper()
	logs := &syncBuf{}
	p := &Proxy{
		Upstream:    f.addr.String(),
		Ports:       hostport.PortRange{Min: 1024, Max: 65535},
		DataTimeout: timeout,
		Log:         log.New(logs, "natproxy: ", 0),
	}
	if configure != nil {
		configure(p)
	}
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(timeout):
			t.Error("Serve did not return")
		}
		if t.Failed() {
			t.Logf("proxy log:\n%s", logs.String())
		}
	})
	return ln.Addr().String(), logs
}

// needIPv6 skips the test if ::1 cannot be listened on.
func needIPv6(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("IPv6 loopback ::1 is not available: %v", err)
	}
	ln.Close()
}

// transfer downloads and uploads the test file in mode through the proxy at
// addr and checks the bytes.
func transfer(addr, mode, name string) error {
	c, err := dial(addr)
	if err != nil {
		return err
	}
	defer c.quit()
	if err := c.login(); err != nil {
		return err
	}
	b, err := c.retr(mode)
	if err != nil {
		return fmt.Errorf("RETR in %s: %w", mode, err)
	}
	if !bytes.Equal(b, testFile) {
		return fmt.Errorf("RETR in %s: got %d bytes, not the file's %d", mode, len(b), len(testFile))
	}
	if err := c.stor(mode, name, testFile[:len(testFile)/3]); err != nil {
		return fmt.Errorf("STOR in %s: %w", mode, err)
	}
	return nil
}

func TestModes(t *testing.T) {
	f := newFakeServer(t)
	addr, logs := startProxy(t, f, "127.0.0.1:0", nil)
	for _, mode := range []string{"PASV", "EPSV", "PORT", "EPRT"} {
		t.Run(mode, func(t *testing.T) {
			require.NoError(t, transfer(addr, mode, "up-"+mode))
			f.mu.Lock()
			assert.Equal(t, testFile[:len(testFile)/3], f.stored["up-"+mode], "uploaded bytes")
			f.mu.Unlock()
		})
	}
	log := logs.String()
	for _, re := range []string{
		`data setup 227 127\.0\.0\.1:\d+ -> 227 127\.0\.0\.1:\d+: allowed`,
		`data setup 229 127\.0\.0\.1:\d+ -> 229 127\.0\.0\.1:\d+: allowed`,
		`data setup PORT 127\.0\.0\.1:\d+ -> PORT 127\.0\.0\.1:\d+: allowed`,
		`data setup EPRT 127\.0\.0\.1:\d+ -> PORT 127\.0\.0\.1:\d+: allowed`,
		`passive data connection from the client 127\.0\.0\.1:\d+, relayed to the server 127\.0\.0\.1:\d+, closed: 307200 bytes to the client, 0 bytes to the server`,
		`passive data connection from the client 127\.0\.0\.1:\d+, relayed to the server 127\.0\.0\.1:\d+, closed: 0 bytes to the client, 102400 bytes to the server`,
		`active data connection from the server 127\.0\.0\.1:\d+, relayed to the client 127\.0\.0\.1:\d+, closed: 307200 bytes to the client, 0 bytes to the server`,
		`active data connection from the server 127\.0\.0\.1:\d+, relayed to the client 127\.0\.0\.1:\d+, closed: 0 bytes to the client, 102400 bytes to the server`,
	} {
		assert.Regexp(t, regexp.MustCompile(re), log)
	}
	// The server saw the proxy's addresses, never the client's commands
	// unchanged: every active command reached it as PORT.
	for _, cmd := range f.received() {
		assert.False(t, strings.HasPrefix(cmd, "EPRT"), "EPRT goes to an IPv4 server as PORT: %q", cmd)
	}
}

func TestIPv6ClientIPv4Server(t *testing.T) {
	needIPv6(t)
	f := newFakeServer(t)
	addr, logs := startProxy(t, f, "[::1]:0", nil)
	for _, mode := range []string{"EPSV", "EPRT"} {
		t.Run(mode, func(t *testing.T) {
			require.NoError(t, transfer(addr, mode, "up6-"+mode))
			f.mu.Lock()
			assert.Equal(t, testFile[:len(testFile)/3], f.stored["up6-"+mode])
			f.mu.Unlock()
		})
	}
	t.Run("PASV refused", func(t *testing.T) {
		c, err := dial(addr)
		require.NoError(t, err)
		defer c.quit()
		require.NoError(t, c.login())
		code, text, err := c.cmd("PASV")
		require.NoError(t, err)
		assert.Equal(t, 425, code, "a 227 cannot carry the proxy's IPv6 address: %q", text)
	})
	log := logs.String()
	assert.Regexp(t, `data setup EPRT \[::1\]:\d+ -> PORT 127\.0\.0\.1:\d+: allowed`, log)
	assert.Regexp(t, `data setup 229 127\.0\.0\.1:\d+ -> 229 \[::1\]:\d+: allowed`, log)
	assert.Regexp(t, `data setup 227 127\.0\.0\.1:\d+: refused: no IPv4 address`, log)
	for _, cmd := range f.received() {
		assert.False(t, strings.HasPrefix(cmd, "EPRT"), "the IPv4 server got %q", cmd)
	}
}

func TestPassiveAsPASV(t *testing.T) {
	needIPv6(t)
	f := newFakeServer(t)
	addr, logs := startProxy(t, f, "[::1]:0", func(p *Proxy) { p.PassiveAs = hostport.FormPASV })
	require.NoError(t, transfer(addr, "EPSV", "up-pasv"))
	assert.Contains(t, f.received(), "PASV", "the client's EPSV reached the server as PASV")
	assert.NotContains(t, f.received(), "EPSV")
	assert.Regexp(t, `data setup 227 127\.0\.0\.1:\d+ -> 229 \[::1\]:\d+: allowed`, logs.String())
}

func TestManyClients(t *testing.T) {
	f := newFakeServer(t)
	addr, logs := startProxy(t, f, "127.0.0.1:0", nil)
	modes := []string{"PASV", "EPSV", "PORT", "EPRT"}
	const n = 16
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- transfer(addr, modes[i%len(modes)], fmt.Sprintf("many-%d", i))
		}()
	}
	for range n {
		select {
		case err := <-errs:
			assert.NoError(t, err)
		case <-time.After(3 * timeout):
			t.Fatal("clients did not finish")
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range n {
		assert.Equal(t, testFile[:len(testFile)/3], f.stored[fmt.Sprintf("many-%d", i)], "upload %d", i)
	}
	assert.Equal(t, 2*n, strings.Count(logs.String(), "data setup"), "two data setups per client")
}

func TestPolicyRefusals(t *testing.T) {
	f := newFakeServer(t)
	addr, logs := startProxy(t, f, "127.0.0.1:0", nil)
	c, err := dial(addr)
	require.NoError(t, err)
	defer c.quit()
	require.NoError(t, c.login())

	// A bounce to another host, a privileged port, a line with a bare LF.
	code, _, err := c.cmd("PORT 127,0,0,2,4,1")
	require.NoError(t, err)
	assert.Equal(t, 500, code)
	code, _, err = c.cmd("EPRT |1|127.0.0.1|25|")
	require.NoError(t, err)
	assert.Equal(t, 504, code)
	code, _, err = c.cmd("NOOP\nPORT 127,0,0,1,4,1")
	require.NoError(t, err)
	assert.Equal(t, 500, code)
	code, _, err = c.cmd("NOOP")
	require.NoError(t, err)
	assert.Equal(t, 200, code, "the session goes on")

	for _, cmd := range f.received() {
		assert.False(t, strings.HasPrefix(cmd, "PORT") || strings.HasPrefix(cmd, "EPRT"), "the server got %q", cmd)
	}
	log := logs.String()
	assert.Contains(t, log, "data setup PORT 127.0.0.2:1025: refused: hostport.ActivePolicy.Check")
	assert.Contains(t, log, "data setup EPRT 127.0.0.1:25: refused: hostport.ActivePolicy.Check")
	assert.Contains(t, log, `refused client->server line "NOOP\nPORT 127,0,0,1,4,1\r\n"`)
}

func TestPublicAddress(t *testing.T) {
	f := newFakeServer(t)
	addr, logs := startProxy(t, f, "127.0.0.1:0", func(p *Proxy) { p.Public = netip.MustParseAddr("192.0.2.1") })
	c, err := dial(addr)
	require.NoError(t, err)
	defer c.quit()
	require.NoError(t, c.login())
	// Only the reply is checked: 192.0.2.1 is not this host.
	code, text, err := c.cmd("PASV")
	require.NoError(t, err)
	require.Equal(t, 227, code, text)
	hp, err := hostport.ParsePASV(text)
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddr("192.0.2.1"), hp.Addr())
	assert.Regexp(t, `data setup 227 127\.0\.0\.1:\d+ -> 227 192\.0\.2\.1:\d+: allowed \(client connects to 127\.0\.0\.1:\d+`, logs.String())
}

func TestUpstreamDown(t *testing.T) {
	f := newFakeServer(t)
	f.ln.Close()
	addr, logs := startProxy(t, f, "127.0.0.1:0", nil)
	c, err := net.DialTimeout("tcp", addr, timeout)
	require.NoError(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	line, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(line, "421 "), line)
	assert.Contains(t, logs.String(), "upstream "+f.addr.String())
}

// -h prints the usage on standard output and exits 0, so that
// "natproxy -h | less" shows it.
func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 0, run(context.Background(), []string{"-h"}, &stdout, &stderr, nil))
	assert.Contains(t, stdout.String(), "usage: natproxy -listen ADDR:PORT -upstream HOST:PORT [flags]")
	assert.Empty(t, stderr.String())
}

func TestRun(t *testing.T) {
	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{
			{}, {"-listen", "127.0.0.1:0"}, {"-upstream", "127.0.0.1:21"},
			{"-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:21", "-public", "nope"},
			{"-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:21", "-ports", "80-90"},
			{"-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:21", "-passive", "lpsv"},
			{"-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:21", "extra"},
			{"-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:21", "-idle-timeout", "0s"},
			{"-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:21", "-max-sessions", "-1"},
			{"-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:21", "-max-per-addr", "-1"},
			{"-nope"},
		} {
			var stderr bytes.Buffer
			assert.Equal(t, 2, run(context.Background(), args, io.Discard, &stderr, nil), "%q", args)
			assert.Contains(t, stderr.String(), "usage: natproxy", "%q", args)
		}
	})
	t.Run("cannot listen", func(t *testing.T) {
		var stderr bytes.Buffer
		assert.Equal(t, 1, run(context.Background(), []string{"-listen", "127.0.0.1:bad", "-upstream", "127.0.0.1:21"}, io.Discard, &stderr, nil))
		assert.Contains(t, stderr.String(), "natproxy:")
	})
	t.Run("serves until the context ends", func(t *testing.T) {
		f := newFakeServer(t)
		stderr := &syncBuf{}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		code := make(chan int, 1)
		ready := make(chan net.Addr, 1)
		go func() {
			code <- run(ctx, []string{"-listen", "127.0.0.1:0", "-upstream", f.addr.String(), "-ports", "20000-60000"}, io.Discard, stderr,
				func(a net.Addr) { ready <- a })
		}()
		var addr string
		select {
		case a := <-ready:
			addr = a.String()
		case c := <-code:
			t.Fatalf("run returned %d before listening: %s", c, stderr.String())
		case <-time.After(timeout):
			t.Fatalf("run did not listen: %s", stderr.String())
		}
		assert.Contains(t, stderr.String(), "listening on "+addr)
		require.NoError(t, transfer(addr, "PASV", "run"))
		cancel()
		select {
		case c := <-code:
			assert.Equal(t, 0, c)
		case <-time.After(timeout):
			t.Fatal("run did not return after the context ended")
		}
		assert.Contains(t, stderr.String(), "stopped")
		assert.Regexp(t, `data setup 227 127\.0\.0\.1:\d+ -> 227 127\.0\.0\.1:\d+: allowed`, stderr.String())
	})
}

// A second PASV replaces the data listener of the first, as a second PORT
// replaces the first's (one expectation at a time).
func TestOneListenerAtATime(t *testing.T) {
	f := newFakeServer(t)
	addr, logs := startProxy(t, f, "127.0.0.1:0", nil)
	c, err := dial(addr)
	require.NoError(t, err)
	defer c.quit()
	require.NoError(t, c.login())
	first, err := c.expect("PASV", 227)
	require.NoError(t, err)
	_, err = c.expect("PASV", 227)
	require.NoError(t, err)
	hp, err := hostport.ParsePASV(first)
	require.NoError(t, err)
	_, err = net.DialTimeout("tcp", hp.AddrPort().String(), timeout)
	assert.Error(t, err, "the first listener is closed")

	_, err = c.expect("PORT 127,0,0,1,4,1", 200)
	require.NoError(t, err)
	_, err = c.expect("PORT 127,0,0,1,4,2", 200)
	require.NoError(t, err)
	m := regexp.MustCompile(`server connects to (127\.0\.0\.1:\d+)`).FindStringSubmatch(logs.String())
	require.NotNil(t, m, logs.String())
	_, err = net.DialTimeout("tcp", m[1], timeout)
	assert.Error(t, err, "the first active listener is closed")
}

// TestMainSIGINT runs the program itself and stops it with SIGINT.
func TestMainSIGINT(t *testing.T) {
	if os.Getenv("NATPROXY_MAIN") == "1" {
		childMain()
		return
	}
	f := newFakeServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestMainSIGINT$")
	cmd.Env = append(os.Environ(), "NATPROXY_MAIN=1",
		"NATPROXY_ARGS=-listen 127.0.0.1:0 -upstream "+f.addr.String())
	stderr, addr := startChild(t, cmd)
	require.NoError(t, transfer(addr, "EPSV", "sigint"))
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	err := cmd.Wait()
	log := stderr.end()
	assert.NoError(t, err, "exit status; stderr:\n%s", log)
	assert.Contains(t, log, "stopped")
}

// limitFiles, if not nil, sets the limit on the process's descriptors.
var limitFiles func(n uint64) error

// childMain runs natproxy in the child process of a test, with the
// arguments in NATPROXY_ARGS and, if NATPROXY_NOFILE is set, that limit on
// its descriptors.
func childMain() {
	if s := os.Getenv("NATPROXY_NOFILE"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err == nil && limitFiles != nil {
			err = limitFiles(n)
		} else if err == nil {
			err = errors.New("cannot limit descriptors on this system")
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "NATPROXY_NOFILE: %v\n", err)
			os.Exit(3)
		}
	}
	os.Args = append([]string{"natproxy"}, strings.Fields(os.Getenv("NATPROXY_ARGS"))...)
	main()
}

// childLog collects the standard error of a child process.
type childLog struct {
	syncBuf
	more chan struct{} // receives after each line
	eof  chan struct{} // closed at the end of the standard error
}

// end waits for the end of the standard error, for at most timeout, and
// returns the log.
func (l *childLog) end() string {
	select {
	case <-l.eof:
	case <-time.After(timeout):
	}
	return l.String()
}

// wait waits until the log contains s, for at most d, and reports whether
// it does.
func (l *childLog) wait(s string, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for !strings.Contains(l.String(), s) {
		select {
		case <-l.more:
		case <-timer.C:
			return strings.Contains(l.String(), s)
		}
	}
	return true
}

// startChild starts cmd, a natproxy listening on 127.0.0.1, and returns its
// standard error, collected, and the address it listens on, which it reads
// from the first lines of its standard error as they come.
func startChild(t *testing.T, cmd *exec.Cmd) (*childLog, string) {
	t.Helper()
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	cmd.Stderr = pw
	err = cmd.Start()
	pw.Close()
	if err != nil {
		pr.Close()
		t.Fatal(err)
	}
	stderr := &childLog{more: make(chan struct{}, 1), eof: make(chan struct{})}
	addrc := make(chan string, 1)
	copied := stderr.eof
	go func() {
		defer close(copied)
		defer pr.Close()
		re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			fmt.Fprintln(stderr, sc.Text())
			select {
			case stderr.more <- struct{}{}:
			default:
			}
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		<-copied
		if t.Failed() {
			t.Logf("natproxy's log:\n%s", stderr.String())
		}
	})
	select {
	case addr := <-addrc:
		return stderr, addr
	case <-copied:
		t.Fatalf("natproxy ended before listening: %s", stderr.String())
	case <-time.After(timeout):
		t.Fatalf("natproxy did not listen: %s", stderr.String())
	}
	return nil, ""
}

// A data connection from another host than the client is turned away and
// the listener keeps waiting for the client (port theft, RFC 2577 section 8).
func TestDataPeerChecked(t *testing.T) {
	f := newFakeServer(t)
	addr, logs := startProxy(t, f, "127.0.0.1:0", nil)
	c, err := dial(addr)
	require.NoError(t, err)
	defer c.quit()
	require.NoError(t, c.login())
	text, err := c.expect("PASV", 227)
	require.NoError(t, err)
	hp, err := hostport.ParsePASV(text)
	require.NoError(t, err)

	// The thief: another loopback address.
	d := net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	thief, err := d.Dial("tcp", hp.AddrPort().String())
	if err != nil {
		t.Skipf("cannot dial from 127.0.0.2: %v", err)
	}
	thief.SetDeadline(time.Now().Add(timeout))
	_, err = thief.Read(make([]byte, 1))
	assert.Error(t, err, "the thief's connection is closed")
	thief.Close()

	dc, err := net.DialTimeout("tcp", hp.AddrPort().String(), timeout)
	require.NoError(t, err)
	_, err = c.expect("RETR file.bin", 150)
	require.NoError(t, err)
	dc.SetDeadline(time.Now().Add(timeout))
	b, err := io.ReadAll(dc)
	require.NoError(t, err)
	assert.Equal(t, testFile, b)
	code, _, err := c.read()
	require.NoError(t, err)
	assert.Equal(t, 226, code)
	assert.Regexp(t, `passive data connection from 127\.0\.0\.2:\d+ turned away: hostport\.CheckDataPeer`, logs.String())
}

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/internal/serve"
)

// dialFrom connects to addr from the loopback address from and returns the
// connection and the first line it reads.
func dialFrom(from, addr string) (net.Conn, string, error) {
	d := net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	c.SetDeadline(time.Now().Add(timeout))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		c.Close()
		return nil, "", err
	}
	return c, strings.TrimSuffix(line, "\r\n"), nil
}

// A client over a cap gets a 421 reply and is disconnected; the sessions
// within the caps go on, and a session that ends makes room for another.
func TestCaps(t *testing.T) {
	f := newFakeServer(t)
	addr, logs := startProxy(t, f, "127.0.0.1:0", func(p *Proxy) {
		p.MaxSessions = 3
		p.MaxPerAddr = 2
	})
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	greet := func(from string) {
		t.Helper()
		c, line, err := dialFrom(from, addr)
		if err != nil {
			t.Skipf("cannot dial from %s: %v", from, err)
		}
		held = append(held, c)
		require.True(t, strings.HasPrefix(line, "220 "), "from %s: %q", from, line)
	}
	refused := func(from, want string) {
		t.Helper()
		c, line, err := dialFrom(from, addr)
		require.NoError(t, err, "from %s", from)
		defer c.Close()
		assert.Equal(t, "421 "+want, line, "from %s", from)
		_, err = c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, io.EOF, "the connection is closed after the 421")
	}
	greet("127.0.0.1")
	greet("127.0.0.1")
	refused("127.0.0.1", serve.ReasonPerAddr)
	greet("127.0.0.2")
	refused("127.0.0.3", serve.ReasonTotal)
	require.Eventually(t, func() bool { return f.open() == 3 }, timeout, 5*time.Millisecond, "the refused clients never reached the server")

	// The sessions within the caps go on.
	cl := &client{c: held[0], r: bufio.NewReader(held[0])}
	require.NoError(t, cl.login())
	// One ends; a new client from the same address is served.
	held[1].Close()
	held = held[:1:1]
	require.Eventually(t, func() bool { return f.open() == 2 }, timeout, 5*time.Millisecond)
	greet("127.0.0.1")
	assert.Equal(t, 1, strings.Count(logs.String(), serve.ReasonPerAddr), "one log line per refusal:\n%s", logs.String())
	assert.Equal(t, 1, strings.Count(logs.String(), serve.ReasonTotal), "one log line per refusal:\n%s", logs.String())
}

// A client that stays silent for the idle timeout gets 421 and both legs of
// its session are closed; a data connection that carries nothing is closed
// likewise, and keeps the control connection open while it lasts.
func TestIdleTimeout(t *testing.T) {
	const idle = 300 * time.Millisecond
	f := newFakeServer(t)
	addr, logs := startProxy(t, f, "127.0.0.1:0", func(p *Proxy) { p.IdleTimeout = idle })

	t.Run("control", func(t *testing.T) {
		c, err := dial(addr)
		require.NoError(t, err)
		defer c.c.Close()
		require.NoError(t, c.login())
		start := time.Now()
		code, text, err := c.read()
		require.NoError(t, err)
		assert.Equal(t, 421, code, text)
		assert.Equal(t, "421 Timeout.", text)
		assert.GreaterOrEqual(t, time.Since(start), idle-50*time.Millisecond)
		_, err = c.r.ReadByte()
		assert.ErrorIs(t, err, io.EOF, "the client's connection is closed")
		require.Eventually(t, func() bool { return f.open() == 0 }, timeout, 5*time.Millisecond, "the server's connection is closed")
		assert.Contains(t, logs.String(), "no command for 300ms: sent 421 Timeout")
	})

	t.Run("data", func(t *testing.T) {
		c, err := dial(addr)
		require.NoError(t, err)
		defer c.c.Close()
		require.NoError(t, c.login())
		open, err := c.setup("PASV")
		require.NoError(t, err)
		dc, err := open()
		require.NoError(t, err)
		defer dc.Close()
		// Nothing goes either way: the server never sends, nor the client.
		start := time.Now()
		dc.SetDeadline(time.Now().Add(timeout))
		_, err = dc.Read(make([]byte, 1))
		assert.ErrorIs(t, err, io.EOF, "the data connection is closed")
		assert.GreaterOrEqual(t, time.Since(start), idle-50*time.Millisecond)
		// The control connection outlived the data connection, and times
		// out in its turn.
		code, text, err := c.read()
		require.NoError(t, err)
		assert.Equal(t, 421, code, text)
		assert.GreaterOrEqual(t, time.Since(start), 2*idle-50*time.Millisecond, "the control connection waited for the data connection")
		assert.Regexp(t, `passive data connection .* closed after 300ms without data: 0 bytes to the client, 0 bytes to the server`, logs.String())
	})
}

// A refused data setup is logged once, with the addresses and the reason.
func TestRefusalLoggedOnce(t *testing.T) {
	f := newFakeServer(t)
	addr, logs := startProxy(t, f, "127.0.0.1:0", nil)
	c, err := dial(addr)
	require.NoError(t, err)
	defer c.quit()
	require.NoError(t, c.login())
	_, err = c.expect("PORT 127,0,0,2,4,1", 500)
	require.NoError(t, err)
	_, err = c.expect("NOOP", 200)
	require.NoError(t, err)
	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "127,0,0,2,4,1") || strings.Contains(l, "127.0.0.2:1025") {
			lines = append(lines, l)
		}
	}
	require.Len(t, lines, 1, "lines about the refused PORT:\n%s", strings.Join(lines, "\n"))
	assert.Regexp(t, `data setup PORT 127\.0\.0\.2:1025: refused: hostport\.ActivePolicy\.Check: target 127\.0\.0\.2:1025: not the client 127\.0\.0\.1 \(bounce attack`, lines[0])
}

// A session has at most maxData data connections at once; a data setup
// beyond them gets 425 and the session goes on.
func TestDataConnectionsCapped(t *testing.T) {
	srv := newHoldingServer(t)
	addr, logs := startProxy(t, &fakeServer{addr: srv}, "127.0.0.1:0", nil)
	c, err := dial(addr)
	require.NoError(t, err)
	defer c.c.Close()
	for i := range maxData {
		open, err := c.setup("EPSV")
		require.NoError(t, err, "data connection %d", i+1)
		dc, err := open()
		require.NoError(t, err)
		defer dc.Close()
		// The relay is up once a byte has gone through it.
		dc.SetDeadline(time.Now().Add(timeout))
		_, err = io.ReadFull(dc, make([]byte, 1))
		require.NoError(t, err)
	}
	code, text, err := c.cmd("EPSV")
	require.NoError(t, err)
	assert.Equal(t, 425, code, text)
	assert.Equal(t, "Too many open data connections.", text[4:])
	_, err = c.expect("NOOP", 200)
	require.NoError(t, err)
	assert.Contains(t, logs.String(), fmt.Sprintf("refused: %d data connections open already", maxData))
}

// newHoldingServer starts an FTP server on 127.0.0.1 that answers EPSV with
// a listener of its own, and holds each data connection open after sending
// it one byte, until the test ends. It answers every other command with 200.
func newHoldingServer(t *testing.T) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []io.Closer
	hold := func(c io.Closer) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			hold(c)
			go func() {
				io.WriteString(c, "220 holding server ready.\r\n")
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					if !strings.EqualFold(sc.Text(), "EPSV") {
						io.WriteString(c, "200 OK.\r\n")
						continue
					}
					dl, err := net.Listen("tcp4", "127.0.0.1:0")
					if err != nil {
						io.WriteString(c, "425 Can't open passive connection.\r\n")
						continue
					}
					hold(dl)
					go func() {
						dc, err := dl.Accept()
						dl.Close()
						if err == nil {
							hold(dc)
							dc.Write([]byte{1})
						}
					}()
					io.WriteString(c, hostport.FormatEPSV(addrPort(dl.Addr()).Port())+"\r\n")
				}
			}()
		}
	}()
	return addrPort(ln.Addr())
}

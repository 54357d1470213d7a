package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport"
)

// fakeMapper records the mappings natproxy asks for. It plays no part in
// the traffic: on loopback, the tests play the kernel's part themselves.
type fakeMapper struct {
	mu      sync.Mutex
	err     error            // Map's error, if any
	mapped  []Mapping        // every mapping asked for
	ttls    []time.Duration  // and its ttl
	live    map[Mapping]bool // mapped and not yet removed
	used    map[Mapping]bool // marked used by the test
	removed []Mapping        // in the order removed
	freed   []Mapping        // removed after natproxy had released the mapping's port
	wait    chan struct{}    // closed at each change, then replaced
	closed  bool
}

// newFakeMapper returns a fakeMapper that checks, at the end of the test,
// that natproxy released no mapping's port before removing the mapping.
func newFakeMapper(t *testing.T) *fakeMapper {
	f := &fakeMapper{live: map[Mapping]bool{}, used: map[Mapping]bool{}, wait: make(chan struct{})}
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		assert.Empty(t, f.freed, "mappings removed after natproxy released their port")
	})
	return f
}

func (f *fakeMapper) changed() {
	close(f.wait)
	f.wait = make(chan struct{})
}

func (f *fakeMapper) Map(m Mapping, ttl time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.mapped = append(f.mapped, m)
	f.ttls = append(f.ttls, ttl)
	f.live[m] = true
	f.changed()
	return nil
}

func (f *fakeMapper) Unmap(m Mapping) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.live[m] {
		return false, errors.New("no such mapping")
	}
	delete(f.live, m)
	f.removed = append(f.removed, m)
	// natproxy keeps the port until the mapping is gone: else another
	// mapping could take the port, and with it this one's key.
	if ln, err := net.Listen("tcp", m.Local.String()); err == nil {
		ln.Close()
		f.freed = append(f.freed, m)
	}
	f.changed()
	return f.used[m], nil
}

func (f *fakeMapper) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

// last returns the last mapping asked for, waiting for one if there is none.
func (f *fakeMapper) last(t *testing.T) Mapping {
	t.Helper()
	deadline := time.After(timeout)
	for {
		f.mu.Lock()
		n, w := len(f.mapped), f.wait
		var m Mapping
		if n > 0 {
			m = f.mapped[n-1]
		}
		f.mu.Unlock()
		if n > 0 {
			return m
		}
		select {
		case <-w:
		case <-deadline:
			t.Fatal("no mapping asked for")
		}
	}
}

// waitRemoved waits until m is removed.
func (f *fakeMapper) waitRemoved(t *testing.T, m Mapping) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		f.mu.Lock()
		live, w := f.live[m], f.wait
		f.mu.Unlock()
		if !live {
			return
		}
		select {
		case <-w:
		case <-deadline:
			t.Fatalf("mapping %v not removed", m)
		}
	}
}

func (f *fakeMapper) markUsed(m Mapping) {
	f.mu.Lock()
	f.used[m] = true
	f.mu.Unlock()
}

func (f *fakeMapper) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.mapped)
}

// In passive mode, the client's data connection is mapped to the server's
// data port, from the proxy's address toward the server. The test then does
// what the kernel would: it connects to the mapping's target, and the
// transfer completes while natproxy carries no byte of it.
func TestKernelPassive(t *testing.T) {
	f := newFakeServer(t)
	k := newFakeMapper(t)
	addr, logs := startProxy(t, f, "127.0.0.1:0", func(p *Proxy) { p.Kernel = k })
	for _, mode := range []string{"PASV", "EPSV"} {
		t.Run(mode, func(t *testing.T) {
			before := k.calls()
			c, err := dial(addr)
			require.NoError(t, err)
			require.NoError(t, c.login())
			code, text, err := c.cmd(mode)
			require.NoError(t, err)
			var local netip.AddrPort
			if mode == "PASV" {
				require.Equal(t, 227, code, text)
				hp, err := hostport.ParsePASV(text)
				require.NoError(t, err)
				local = hp.AddrPort()
			} else {
				require.Equal(t, 229, code, text)
				port, err := hostport.ParseEPSV(text)
				require.NoError(t, err)
				local = netip.AddrPortFrom(c.proxy, port)
			}
			m := k.last(t)
			require.Equal(t, before+1, k.calls())
			assert.Equal(t, c.local, m.Peer, "only the client's connection is mapped")
			assert.Equal(t, local, m.Local, "the port the reply names")
			assert.Equal(t, f.addr.Addr(), m.Target.Addr(), "the server's address")
			assert.NotEqual(t, f.addr.Port(), m.Target.Port(), "the server's data port, not its control port")
			assert.Equal(t, netip.MustParseAddr("127.0.0.1"), m.Via)
			k.mu.Lock()
			assert.Equal(t, timeout+mappingGrace, k.ttls[len(k.ttls)-1])
			k.mu.Unlock()

			// What reaches the port itself is turned away: the mapping
			// would have taken the client's first connection.
			stray, err := net.DialTimeout("tcp", local.String(), timeout)
			require.NoError(t, err)
			stray.SetDeadline(time.Now().Add(timeout))
			_, err = stray.Read(make([]byte, 1))
			assert.ErrorIs(t, err, io.EOF, "a connection to the mapped port is closed")
			stray.Close()

			// The kernel's part: the client's connection, translated.
			dc, err := net.DialTimeout("tcp", m.Target.String(), timeout)
			require.NoError(t, err)
			k.markUsed(m)
			_, err = c.expect("RETR file.bin", 150)
			require.NoError(t, err)
			dc.SetDeadline(time.Now().Add(timeout))
			b, err := io.ReadAll(dc)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(testFile, b), "got %d bytes, want the file's %d", len(b), len(testFile))
			code, text, err = c.read()
			require.NoError(t, err)
			assert.Equal(t, 226, code, text)
			c.quit()
			k.waitRemoved(t, m)
			waitLog(t, logs, "passive data connection "+m.String()+": carried by the kernel")
		})
	}
	log := logs.String()
	assert.Regexp(t, `data setup 227 127\.0\.0\.1:\d+ -> 227 127\.0\.0\.1:\d+: allowed \(client connects to 127\.0\.0\.1:\d+, the kernel forwards it to 127\.0\.0\.1:\d+ from 127\.0\.0\.1\)`, log)
	assert.Regexp(t, `data setup 229 127\.0\.0\.1:\d+ -> 229 127\.0\.0\.1:\d+: allowed \(client connects to`, log)
	assert.Regexp(t, `passive data connection from 127\.0\.0\.1:\d+ turned away: the port is mapped for one connection from 127\.0\.0\.1`, log)
	assert.NotContains(t, log, "relayed to the server", "natproxy relayed no data connection")
}

// In active mode, the server's data connection is mapped to the client's
// port, from the proxy's address toward the client.
func TestKernelActive(t *testing.T) {
	f := newFakeServer(t)
	k := newFakeMapper(t)
	addr, logs := startProxy(t, f, "127.0.0.1:0", func(p *Proxy) { p.Kernel = k })
	for _, mode := range []string{"PORT", "EPRT"} {
		t.Run(mode, func(t *testing.T) {
			c, err := dial(addr)
			require.NoError(t, err)
			defer c.quit()
			require.NoError(t, c.login())
			target := netip.AddrPortFrom(c.local, 40123)
			line := hostport.FormatEPRT(target)
			if mode == "PORT" {
				line = "PORT 127,0,0,1,156,187"
			}
			_, err = c.expect(line, 200)
			require.NoError(t, err)
			m := k.last(t)
			assert.Equal(t, f.addr.Addr(), m.Peer, "only the server's connection is mapped")
			assert.Equal(t, target, m.Target, "the client's port")
			assert.Equal(t, c.proxy, m.Via, "the proxy's address toward the client")
			// The server was told the mapped port.
			cmds := f.received()
			hp, err := hostport.ParsePORT(cmds[len(cmds)-1])
			require.NoError(t, err)
			assert.Equal(t, m.Local, hp.AddrPort())
			// QUIT ends the session, which removes the unused mapping.
			c.quit()
			k.waitRemoved(t, m)
			waitLog(t, logs, "active data mapping "+m.String()+": removed unused")
		})
	}
	assert.Regexp(t, `data setup EPRT 127\.0\.0\.1:40123 -> PORT 127\.0\.0\.1:\d+: allowed \(server connects to 127\.0\.0\.1:\d+, the kernel forwards it to 127\.0\.0\.1:40123 from 127\.0\.0\.1\)`, logs.String())
}

// A new data setup replaces the mapping of the one before it, as it
// replaces a waiting listener.
func TestKernelMappingReplaced(t *testing.T) {
	f := newFakeServer(t)
	k := newFakeMapper(t)
	addr, _ := startProxy(t, f, "127.0.0.1:0", func(p *Proxy) { p.Kernel = k })
	c, err := dial(addr)
	require.NoError(t, err)
	defer c.quit()
	require.NoError(t, c.login())
	_, err = c.expect("EPSV", 229)
	require.NoError(t, err)
	first := k.last(t)
	_, err = c.expect("EPSV", 229)
	require.NoError(t, err)
	k.waitRemoved(t, first)
	k.mu.Lock()
	require.Len(t, k.mapped, 2)
	assert.NotEqual(t, first.Local, k.mapped[1].Local)
	assert.True(t, k.live[k.mapped[1]], "the second mapping stays")
	k.mu.Unlock()

	// A client that asks again and again holds one mapping of each kind
	// at a time in the kernel, however many it asks for.
	for range 50 {
		_, err = c.expect("EPSV", 229)
		require.NoError(t, err)
		_, err = c.expect(hostport.FormatEPRT(netip.AddrPortFrom(c.local, 40124)), 200)
		require.NoError(t, err)
	}
	assert.Eventually(t, func() bool {
		k.mu.Lock()
		defer k.mu.Unlock()
		return len(k.live) == 2 && len(k.removed) == 100
	}, timeout, 5*time.Millisecond, "one passive and one active mapping live, the 100 others removed")
}

// Where the kernel cannot map a data connection, natproxy relays it.
func TestKernelFallsBackToRelay(t *testing.T) {
	t.Run("map fails", func(t *testing.T) {
		f := newFakeServer(t)
		k := newFakeMapper(t)
		k.err = errors.New("no room")
		addr, logs := startProxy(t, f, "127.0.0.1:0", func(p *Proxy) { p.Kernel = k })
		for _, mode := range []string{"PASV", "EPSV", "PORT", "EPRT"} {
			require.NoError(t, transfer(addr, mode, "fb-"+mode), mode)
		}
		log := logs.String()
		assert.Regexp(t, `data setup 229 127\.0\.0\.1:\d+ -> 229 127\.0\.0\.1:\d+: allowed \(client connects to 127\.0\.0\.1:\d+, proxy dials 127\.0\.0\.1:\d+; relayed: the kernel cannot map it: no room\)`, log)
		assert.Regexp(t, `data setup PORT 127\.0\.0\.1:\d+ -> PORT 127\.0\.0\.1:\d+: allowed \(server connects to 127\.0\.0\.1:\d+, proxy dials 127\.0\.0\.1:\d+; relayed: the kernel cannot map it: no room\)`, log)
		assert.Equal(t, 8, strings.Count(log, "relayed to the"), "each transfer relayed:\n%s", log)
	})
	t.Run("IPv6 client, IPv4 server", func(t *testing.T) {
		needIPv6(t)
		f := newFakeServer(t)
		k := newFakeMapper(t)
		addr, logs := startProxy(t, f, "[::1]:0", func(p *Proxy) { p.Kernel = k })
		for _, mode := range []string{"EPSV", "EPRT"} {
			require.NoError(t, transfer(addr, mode, "fb6-"+mode), mode)
		}
		assert.Zero(t, k.calls(), "no mapping is asked for across families")
		assert.Contains(t, logs.String(), "; relayed: a mapping cannot translate between IPv4 and IPv6)")
	})
}

// A transfer that the kernel carries keeps the session alive while the
// client is silent: natproxy takes the server's 1xx reply, until its final
// reply, as a transfer in progress.
func TestKernelTransferNotIdle(t *testing.T) {
	const idle = 300 * time.Millisecond
	f := newFakeServer(t)
	k := newFakeMapper(t)
	addr, logs := startProxy(t, f, "127.0.0.1:0", func(p *Proxy) { p.Kernel = k; p.IdleTimeout = idle })
	c, err := dial(addr)
	require.NoError(t, err)
	defer c.c.Close()
	require.NoError(t, c.login())
	_, err = c.expect("EPSV", 229)
	require.NoError(t, err)
	m := k.last(t)
	// The kernel's part: an upload that sends nothing for a while.
	dc, err := net.DialTimeout("tcp", m.Target.String(), timeout)
	require.NoError(t, err)
	_, err = c.expect("STOR quiet", 150)
	require.NoError(t, err)
	time.Sleep(3 * idle)
	dc.Write([]byte("late"))
	dc.Close()
	start := time.Now()
	code, text, err := c.read()
	require.NoError(t, err)
	assert.Equal(t, 226, code, "the session outlived three idle timeouts of silence during the transfer: %q", text)
	f.mu.Lock()
	assert.Equal(t, "late", string(f.stored["quiet"]))
	f.mu.Unlock()
	// Once the transfer has ended, silence ends the session.
	code, text, err = c.read()
	require.NoError(t, err)
	assert.Equal(t, 421, code, text)
	assert.GreaterOrEqual(t, time.Since(start), idle-50*time.Millisecond)
	waitLog(t, logs, "no command for 300ms: sent 421 Timeout")
}

// waitLog waits until the log has the line s: natproxy logs a removal
// after it is done.
func waitLog(t *testing.T, logs *syncBuf, s string) {
	t.Helper()
	assert.Eventually(t, func() bool { return strings.Contains(logs.String(), s) },
		timeout, 5*time.Millisecond, "the log lacks %q", s)
}

func TestReplyWatch(t *testing.T) {
	for _, tc := range []struct {
		writes []string
		open   bool
	}{
		{nil, false},
		{[]string{"150 Opening data connection.\r\n"}, true},
		{[]string{"150 Opening.\r\n226 Done.\r\n"}, false},
		{[]string{"125 Data connection already open.\r\n"}, true},
		{[]string{"1", "5", "0", " Opening.\r\n"}, true}, // split anywhere
		{[]string{"150-First line\r\n", " 226 inside a reply\r\n", "150 End.\r\n"}, true},
		{[]string{"150 Go.\r\n", "226-Done\r\n", "more\r\n"}, true}, // the 226 has not ended
		{[]string{"150 Go.\r\n", "226-Done\r\n", "226 Done.\r\n"}, false},
		{[]string{"150 Go.\r\n", "426 Aborted.\r\n"}, false},
		{[]string{"150 Go.\r\n", "15"}, true},
		{[]string{"150 Go.\n", "550 No.\n"}, false}, // bare LF
		{[]string{"150 Go.\r\n", "12 \r\n", "1500 \r\n"}, true},
		{[]string{"15a Go.\r\n"}, false},
	} {
		var w replyWatch
		for _, s := range tc.writes {
			w.write([]byte(s))
		}
		assert.Equal(t, tc.open, w.open, "%q", tc.writes)
	}
}

func TestRunDataPathFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:21", "-data-path", "splice"},
		{"-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:21", "-data-path", "kernel", "-nft-table", ""},
	} {
		var stderr bytes.Buffer
		assert.Equal(t, 2, run(context.Background(), args, io.Discard, &stderr, nil), "%q", args)
		assert.Contains(t, stderr.String(), "usage: natproxy", "%q", args)
		assert.Regexp(t, regexp.MustCompile(`natproxy: -(data-path: want relay or kernel, not "splice"|nft-table: want a name)`), stderr.String())
	}
}

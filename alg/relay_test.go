package alg_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport/alg"
)

// loopbackPair returns the two ends of a TCP connection on 127.0.0.1.
func loopbackPair(t *testing.T) (a, b *net.TCPConn) {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer ln.Close()
	require.NoError(t, ln.SetDeadline(time.Now().Add(5*time.Second)))
	type res struct {
		c   *net.TCPConn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.AcceptTCP()
		ch <- res{c, err}
	}()
	a, err = net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
	require.NoError(t, err)
	r := <-ch
	require.NoError(t, r.err)
	t.Cleanup(func() { a.Close(); r.c.Close() })
	return a, r.c
}

func TestRelay(t *testing.T) {
	// client <-> (cliSide | Relay | srvSide) <-> server
	client, cliSide := loopbackPair(t)
	srvSide, server := loopbackPair(t)
	deadline := time.Now().Add(10 * time.Second)
	for _, c := range []net.Conn{client, cliSide, srvSide, server} {
		c.SetDeadline(deadline)
	}
	events := make(chan alg.Event, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- alg.Relay(ctx, cliSide, srvSide, alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
			events <- ev
			return alg.Rewrite{Addr: netip.AddrPortFrom(publicAddr, 50000)}, nil
		}})
	}()

	cr, sr := bufio.NewReader(client), bufio.NewReader(server)
	line := func(r *bufio.Reader) string {
		t.Helper()
		s, err := r.ReadString('\n')
		require.NoError(t, err)
		return s
	}
	_, err := server.Write([]byte("220 ready\r\n"))
	require.NoError(t, err)
	assert.Equal(t, "220 ready\r\n", line(cr))
	_, err = client.Write([]byte("USER anonymous\r\nEPSV\r\n"))
	require.NoError(t, err)
	assert.Equal(t, "USER anonymous\r\n", line(sr))
	assert.Equal(t, "EPSV\r\n", line(sr))
	_, err = server.Write([]byte("331 ok\r\n229 Entering Extended Passive Mode (|||6446|)\r\n"))
	require.NoError(t, err)
	assert.Equal(t, "331 ok\r\n", line(cr))
	assert.Equal(t, "229 Entering Extended Passive Mode (|||50000|)\r\n", line(cr))
	ev := <-events
	assert.Equal(t, netip.MustParseAddrPort("127.0.0.1:6446"), ev.Addr, "ServerAddr comes from the server connection")

	// The client's end of the stream reaches the server; the server's end
	// ends the relay.
	require.NoError(t, client.CloseWrite())
	_, err = sr.ReadString('\n')
	assert.ErrorIs(t, err, io.EOF)
	_, err = server.Write([]byte("221 Goodbye.\r\n"))
	require.NoError(t, err)
	assert.Equal(t, "221 Goodbye.\r\n", line(cr))
	require.NoError(t, server.Close())
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Relay did not return")
	}
	_, err = cr.ReadString('\n')
	assert.ErrorIs(t, err, io.EOF, "the client's connection is closed")
}

func TestRelayContext(t *testing.T) {
	_, cliSide := loopbackPair(t)
	srvSide, _ := loopbackPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- alg.Relay(ctx, cliSide, srvSide, alg.Config{}) }()
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("Relay did not return after the context ended")
	}
}

func TestRelayNotFTP(t *testing.T) {
	client, cliSide := loopbackPair(t)
	srvSide, server := loopbackPair(t)
	client.SetDeadline(time.Now().Add(5 * time.Second))
	server.SetDeadline(time.Now().Add(5 * time.Second))
	done := make(chan error, 1)
	go func() { done <- alg.Relay(context.Background(), cliSide, srvSide, alg.Config{}) }()
	_, err := client.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\n\r\nPORT 10,0,0,5,4,1\r\n"))
	require.NoError(t, err)
	select {
	case err := <-done:
		assert.ErrorIs(t, err, alg.ErrNotFTP)
	case <-time.After(5 * time.Second):
		t.Fatal("Relay did not return")
	}
	b, _ := io.ReadAll(server)
	assert.Empty(t, b, "nothing reaches the server")
}

package main

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// relayEnds is a relay between two loopback connections, a and b; x is the
// far end of a and y the far end of b.
type relayEnds struct {
	x, y *net.TCPConn
	done chan relayResult
}

// relayResult is what relay returned.
type relayResult struct {
	ab, ba int64
	err    error
}

// startRelay starts relay with the idle time idle between two new
// connections on loopback and returns their far ends.
func startRelay(t *testing.T, idle time.Duration) *relayEnds {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer ln.Close()
	pair := func() (far, near *net.TCPConn) {
		far, err := net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
		require.NoError(t, err)
		near, err = ln.AcceptTCP()
		require.NoError(t, err)
		return far, near
	}
	x, a := pair()
	y, b := pair()
	r := &relayEnds{x: x, y: y, done: make(chan relayResult, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		ab, ba, err := relay(ctx, a, b, idle)
		r.done <- relayResult{ab, ba, err}
	}()
	t.Cleanup(func() {
		cancel()
		x.Close()
		y.Close()
	})
	return r
}

// wait returns relay's result, failing the test if relay does not end
// within d.
func (r *relayEnds) wait(t *testing.T, d time.Duration) relayResult {
	t.Helper()
	select {
	case res := <-r.done:
		return res
	case <-time.After(d):
		t.Fatalf("relay did not end within %v", d)
		return relayResult{}
	}
}

// randomBytes returns n bytes from a generator seeded with seed.
func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// readAll reads c until EOF, waiting at most timeout.
func readAll(c *net.TCPConn) ([]byte, error) {
	c.SetReadDeadline(time.Now().Add(timeout))
	return io.ReadAll(c)
}

// The end of each direction is passed on alone: the server's FIN reaches
// the client while the client's way stays open, and what the client sends
// after it, then its own FIN, reach the server. Servers such as ProFTPD
// wait for the client's close of the data connection after they have sent
// the file.
func TestRelayHalfClose(t *testing.T) { testRelayHalfClose(t) }

func testRelayHalfClose(t *testing.T) {
	r := startRelay(t, time.Minute)
	file := randomBytes(3<<20, 1)
	reply := randomBytes(100<<10, 2)
	go func() {
		r.x.Write(file)
		r.x.CloseWrite()
	}()
	got, err := readAll(r.y)
	require.NoError(t, err, "the end of x's data reaches y")
	assert.True(t, len(got) == len(file) && string(got) == string(file), "y got %d bytes, not the %d sent", len(got), len(file))
	select {
	case res := <-r.done:
		t.Fatalf("relay ended at the first end of data: %+v", res)
	case <-time.After(50 * time.Millisecond):
	}
	_, err = r.y.Write(reply)
	require.NoError(t, err, "y may still send after x's end")
	require.NoError(t, r.y.CloseWrite())
	got, err = readAll(r.x)
	require.NoError(t, err, "the end of y's data reaches x")
	assert.True(t, len(got) == len(reply) && string(got) == string(reply), "x got %d bytes, not the %d sent", len(got), len(reply))
	res := r.wait(t, timeout)
	assert.NoError(t, res.err)
	assert.Equal(t, int64(len(file)), res.ab)
	assert.Equal(t, int64(len(reply)), res.ba)
}

// A transfer that goes on, with pauses shorter than the idle time, is not
// cut however long it lasts; once nothing goes either way for the idle time,
// relay ends with errIdle and closes both connections. A receiver that
// stops reading stops the data too, and is cut likewise.
func TestRelayIdle(t *testing.T) { testRelayIdle(t) }

func testRelayIdle(t *testing.T) {
	const idle = 300 * time.Millisecond
	t.Run("pauses", func(t *testing.T) {
		r := startRelay(t, idle)
		chunk := randomBytes(256<<10, 3)
		buf := make([]byte, len(chunk))
		start := time.Now()
		for range 5 {
			_, err := r.x.Write(chunk)
			require.NoError(t, err)
			r.y.SetReadDeadline(time.Now().Add(timeout))
			_, err = io.ReadFull(r.y, buf)
			require.NoError(t, err)
			require.Equal(t, chunk, buf)
			time.Sleep(idle / 2)
		}
		require.Greater(t, time.Since(start), idle, "the transfer lasted longer than the idle time")
		last := time.Now().Add(-idle / 2)
		res := r.wait(t, timeout)
		assert.ErrorIs(t, res.err, errIdle)
		assert.GreaterOrEqual(t, time.Since(last), idle-20*time.Millisecond, "relay waited the idle time after the last byte")
		assert.Equal(t, int64(5*len(chunk)), res.ab)
		_, err := readAll(r.y)
		assert.NoError(t, err, "y's connection is closed (EOF)")
	})
	t.Run("receiver stalls", func(t *testing.T) {
		r := startRelay(t, idle)
		go func() {
			// Until the buffers of the connections and the pipe are full.
			chunk := make([]byte, 1<<20)
			r.x.SetWriteDeadline(time.Now().Add(timeout))
			for {
				if _, err := r.x.Write(chunk); err != nil {
					return
				}
			}
		}()
		first := make([]byte, 1<<20)
		r.y.SetReadDeadline(time.Now().Add(timeout))
		_, err := io.ReadFull(r.y, first)
		require.NoError(t, err)
		start := time.Now()
		// y reads no more.
		res := r.wait(t, timeout)
		assert.ErrorIs(t, res.err, errIdle)
		assert.GreaterOrEqual(t, time.Since(start), idle-20*time.Millisecond)
		assert.Greater(t, res.ab, int64(len(first)))
	})
}

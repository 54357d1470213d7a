package serve_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport/internal/serve"
)

// timeout bounds every wait in these tests.
const timeout = 10 * time.Second

// logBuf collects the lines of Config.Logf.
type logBuf struct {
	mu    sync.Mutex
	lines []string
}

func (b *logBuf) logf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, fmt.Sprintf(format, args...))
}

func (b *logBuf) all() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.lines...)
}

func (b *logBuf) String() string { return strings.Join(b.all(), "\n") }

// busy421 is a Config.Busy that writes a 421 reply.
func busy421(c net.Conn, reason string) {
	io.WriteString(c, "421 "+reason+"\r\n")
}

// held is a handler that greets each client with "220 n" (n counts from 1)
// and holds the session until the client closes or ctx is done; it counts
// the sessions running.
type held struct {
	mu      sync.Mutex
	n       int
	running int
	sawDone bool
}

func (h *held) handle(ctx context.Context, c net.Conn) {
	h.mu.Lock()
	h.n++
	h.running++
	n := h.n
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.running--
		h.mu.Unlock()
	}()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	fmt.Fprintf(c, "220 %d\r\n", n)
	io.Copy(io.Discard, c)
	if ctx.Err() != nil {
		h.mu.Lock()
		h.sawDone = true
		h.mu.Unlock()
	}
}

func (h *held) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.running
}

// start runs Serve on a new loopback listener on addr and returns the
// listener's address; the test's cleanup cancels it and requires that it
// return nil.
func start(t *testing.T, addr string, cfg serve.Config, handle func(context.Context, net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve.Serve(ctx, ln, cfg, handle) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(timeout):
			t.Error("Serve did not return")
		}
	})
	return ln.Addr().String()
}

// greet dials addr from the local address from (if not "") and returns
// the connection and the first line it reads, without its CRLF ("" at EOF).
func greet(t *testing.T, from, addr string) (net.Conn, string) {
	t.Helper()
	d := net.Dialer{Timeout: timeout}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	c, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(timeout)))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		require.ErrorIs(t, err, io.EOF)
	}
	return c, strings.TrimSuffix(line, "\r\n")
}

// greetAgain greets as greet does until the line is not a 421 reply
// (the place of a session that ends is freed just after its handler
// returns), and returns the line.
func greetAgain(t *testing.T, from, addr string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, line := greet(t, from, addr)
		if !strings.HasPrefix(line, "421 ") || time.Now().After(deadline) {
			return line
		}
		c.Close()
		time.Sleep(time.Millisecond)
	}
}

// closed requires that the server closes c.
func closed(t *testing.T, c net.Conn) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(timeout)))
	_, err := c.Read(make([]byte, 1))
	require.Error(t, err)
	assert.NotErrorIs(t, err, os.ErrDeadlineExceeded, "the server closes the connection")
}

func TestMaxSessions(t *testing.T) {
	h := &held{}
	logs := &logBuf{}
	addr := start(t, "127.0.0.1:0", serve.Config{MaxSessions: 2, Logf: logs.logf, Busy: busy421}, h.handle)
	a, line := greet(t, "", addr)
	assert.Equal(t, "220 1", line)
	_, line = greet(t, "", addr)
	assert.Equal(t, "220 2", line)
	c, line := greet(t, "", addr)
	assert.Equal(t, "421 "+serve.ReasonTotal, line, "a third session is over the cap")
	closed(t, c)
	_, line = greet(t, "127.0.0.2", addr)
	assert.Equal(t, "421 "+serve.ReasonTotal, line, "from any address")
	assert.Equal(t, 2, h.count())

	a.Close() // frees a place once the handler returns
	assert.Equal(t, "220 3", greetAgain(t, "", addr), "the place freed is taken")
	assert.Equal(t, 2, h.count())
	_, line = greet(t, "", addr)
	assert.Equal(t, "421 "+serve.ReasonTotal, line)
	assert.Contains(t, logs.String(), "There are too many connected users, please try later. (sessions 2/2, from 127.0.0.1 2/unlimited)")
}

func TestMaxPerAddr(t *testing.T) {
	h := &held{}
	logs := &logBuf{}
	addr := start(t, "127.0.0.1:0", serve.Config{MaxPerAddr: 2, Logf: logs.logf, Busy: busy421}, h.handle)
	a, line := greet(t, "127.0.0.1", addr)
	assert.Equal(t, "220 1", line)
	_, line = greet(t, "127.0.0.1", addr)
	assert.Equal(t, "220 2", line)
	c, line := greet(t, "127.0.0.1", addr)
	assert.Equal(t, "421 "+serve.ReasonPerAddr, line)
	closed(t, c)
	_, line = greet(t, "127.0.0.2", addr)
	assert.Equal(t, "220 3", line, "another address has its own count")
	_, line = greet(t, "127.0.0.2", addr)
	assert.Equal(t, "220 4", line)
	_, line = greet(t, "127.0.0.2", addr)
	assert.Equal(t, "421 "+serve.ReasonPerAddr, line)

	a.Close()
	assert.Equal(t, "220 5", greetAgain(t, "127.0.0.1", addr), "the place freed is taken")
	assert.Equal(t, 4, h.count())
	assert.Contains(t, logs.String(), "(sessions 4/unlimited, from 127.0.0.2 2/2)")
}

// TestMaxPerAddrMapped: on a dual-stack listener, a client's IPv4 address
// and its IPv4-mapped form are one address.
func TestMaxPerAddrMapped(t *testing.T) {
	ln, err := net.Listen("tcp", "[::]:0")
	if err != nil {
		t.Skipf("no dual-stack listener: %v", err)
	}
	ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	h := &held{}
	start(t, fmt.Sprintf("[::]:%d", port), serve.Config{MaxPerAddr: 1, Busy: busy421}, h.handle)
	_, line := greet(t, "", fmt.Sprintf("127.0.0.1:%d", port))
	assert.Equal(t, "220 1", line)
	_, line = greet(t, "", fmt.Sprintf("[::ffff:127.0.0.1]:%d", port))
	assert.Equal(t, "421 "+serve.ReasonPerAddr, line)
}

// TestBusyNil: without Busy, a connection over a cap is closed without a
// word.
func TestBusyNil(t *testing.T) {
	h := &held{}
	addr := start(t, "127.0.0.1:0", serve.Config{MaxSessions: 1}, h.handle)
	_, line := greet(t, "", addr)
	assert.Equal(t, "220 1", line)
	_, line = greet(t, "", addr)
	assert.Empty(t, line)
}

// TestBusyDeadline: Busy runs with a deadline set, so a Busy that blocks
// on the client ends.
func TestBusyDeadline(t *testing.T) {
	h := &held{}
	busyErr := make(chan error, 1)
	slowBusy := func(c net.Conn, reason string) {
		_, err := c.Read(make([]byte, 1)) // the client never writes
		busyErr <- err
	}
	addr := start(t, "127.0.0.1:0", serve.Config{MaxSessions: 1, Busy: slowBusy}, h.handle)
	greet(t, "", addr)
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, timeout)
	require.NoError(t, err)
	defer c.Close()
	select {
	case err := <-busyErr:
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
		assert.InDelta(t, serve.BusyTimeout.Seconds(), time.Since(start).Seconds(), 0.5*serve.BusyTimeout.Seconds())
	case <-time.After(timeout):
		t.Fatal("Busy was not called or did not end")
	}
	closed(t, c)
}

// TestShutdown: when ctx is done, Serve closes the listener, the handlers
// see ctx done, and Serve returns nil only after every handler has
// returned.
func TestShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var returned int
	handle := func(ctx context.Context, c net.Conn) {
		io.WriteString(c, "220 hi\r\n")
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // a handler that takes its time to end
		mu.Lock()
		returned++
		mu.Unlock()
	}
	done := make(chan error, 1)
	go func() { done <- serve.Serve(ctx, ln, serve.Config{}, handle) }()
	for range 3 {
		_, line := greet(t, "", addr)
		require.Equal(t, "220 hi", line)
	}
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(timeout):
		t.Fatal("Serve did not return")
	}
	mu.Lock()
	assert.Equal(t, 3, returned, "every handler returned before Serve")
	mu.Unlock()
	_, err = net.DialTimeout("tcp", addr, timeout)
	assert.Error(t, err, "the listener is closed")
}

// fakeListener is a listener whose Accept returns the errors of errs in
// turn (a nil error gives a connection from net.Pipe), then blocks until
// Close.
type fakeListener struct {
	mu     sync.Mutex
	errs   []error
	times  []time.Time // of each Accept
	closed chan struct{}
	once   sync.Once
	peers  []net.Conn
}

func newFakeListener(errs ...error) *fakeListener {
	return &fakeListener{errs: errs, closed: make(chan struct{})}
}

// errForever makes a fakeListener return its last error for ever.
var errForever = errors.New("repeat the error before")

func (l *fakeListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	l.times = append(l.times, time.Now())
	var err error
	if len(l.errs) > 0 {
		err = l.errs[0]
		if len(l.errs) > 1 && l.errs[1] == errForever {
			l.mu.Unlock()
			return nil, err
		}
		l.errs = l.errs[1:]
		if err == nil {
			a, b := net.Pipe()
			l.peers = append(l.peers, b)
			l.mu.Unlock()
			return a, nil
		}
		l.mu.Unlock()
		return nil, err
	}
	l.mu.Unlock()
	<-l.closed
	return nil, net.ErrClosed
}

func (l *fakeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *fakeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func (l *fakeListener) acceptTimes() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.times...)
}

// acceptErr returns the error that Accept on Linux returns for errno.
func acceptErr(errno syscall.Errno) error {
	return &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", errno)}
}

// TestBackoff: temporary errors are retried after 5, 10, 20 … ms; the
// first connection after them is handled and resets the backoff.
func TestBackoff(t *testing.T) {
	emfile := acceptErr(syscall.EMFILE)
	ln := newFakeListener(emfile, emfile, emfile, emfile, emfile, acceptErr(syscall.ENFILE), nil,
		acceptErr(syscall.ECONNABORTED), nil)
	logs := &logBuf{}
	handled := make(chan struct{}, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		done <- serve.Serve(ctx, ln, serve.Config{Logf: logs.logf}, func(ctx context.Context, c net.Conn) { handled <- struct{}{} })
	}()
	for i := range 2 {
		select {
		case <-handled:
		case <-time.After(timeout):
			t.Fatalf("connection %d not handled; log:\n%s", i+1, logs)
		}
	}
	elapsed := time.Since(start)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(timeout):
		t.Fatal("Serve did not return")
	}
	want := []string{
		"accept: accept tcp: accept4: too many open files; retrying in 5ms",
		"accept: accept tcp: accept4: too many open files; retrying in 10ms",
		"accept: accept tcp: accept4: too many open files; retrying in 20ms",
		"accept: accept tcp: accept4: too many open files; retrying in 40ms",
		"accept: accept tcp: accept4: too many open files; retrying in 80ms",
		"accept: accept tcp: accept4: too many open files in system; retrying in 160ms",
		"accept: accept tcp: accept4: software caused connection abort; retrying in 5ms",
	}
	assert.Equal(t, want, logs.all())
	// The waits before the first connection add up to 315 ms.
	assert.GreaterOrEqual(t, elapsed, 315*time.Millisecond)
	assert.Less(t, elapsed, 3*time.Second)
	times := ln.acceptTimes()
	require.GreaterOrEqual(t, len(times), 9)
	assert.GreaterOrEqual(t, times[6].Sub(times[5]), 160*time.Millisecond, "the sixth wait")
}

// TestBackoffCapped: under errors that do not pass, the backoff stops
// growing at 1 s, and a cancel during a wait ends Serve at once.
func TestBackoffCapped(t *testing.T) {
	ln := newFakeListener(acceptErr(syscall.EMFILE), errForever)
	logs := &logBuf{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- serve.Serve(ctx, ln, serve.Config{Logf: logs.logf}, func(ctx context.Context, c net.Conn) {})
	}()
	require.Eventually(t, func() bool { return strings.HasSuffix(logs.String(), "retrying in 1s") }, timeout, time.Millisecond,
		"the backoff reaches 1s")
	time.Sleep(100 * time.Millisecond) // well inside the 1 s wait
	n := len(ln.acceptTimes())
	canceled := time.Now()
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
		assert.Less(t, time.Since(canceled), 500*time.Millisecond, "Serve returns without finishing the wait")
	case <-time.After(timeout):
		t.Fatal("Serve did not return")
	}
	assert.Equal(t, n, len(ln.acceptTimes()), "no accept after the cancel")
	lines := logs.all()
	assert.Len(t, lines, 9, "5ms … 640ms, then 1s")
	select {
	case <-ln.closed:
	default:
		t.Error("the listener is not closed")
	}
}

// TestTimeoutRetried: an accept deadline that passes is retried, as a
// temporary error.
func TestTimeoutRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	tl := ln.(*net.TCPListener)
	require.NoError(t, tl.SetDeadline(time.Now().Add(-time.Second)))
	logs := &logBuf{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve.Serve(ctx, ln, serve.Config{Logf: logs.logf}, func(context.Context, net.Conn) {})
	}()
	require.Eventually(t, func() bool { return len(logs.all()) >= 3 }, timeout, time.Millisecond)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(timeout):
		t.Fatal("Serve did not return")
	}
	assert.Contains(t, logs.String(), "i/o timeout; retrying in 5ms")
}

// TestPermanentError: an error that does not pass is returned, after the
// handlers have returned, and the listener is closed.
func TestPermanentError(t *testing.T) {
	boom := errors.New("boom")
	ln := newFakeListener(nil, acceptErr(syscall.EINVAL), boom)
	release := make(chan struct{})
	handled := false
	done := make(chan error, 1)
	go func() {
		done <- serve.Serve(context.Background(), ln, serve.Config{}, func(ctx context.Context, c net.Conn) {
			<-release
			handled = true
		})
	}()
	select {
	case err := <-done:
		t.Fatalf("Serve returned %v while a handler runs", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-done:
		assert.ErrorIs(t, err, syscall.EINVAL)
		assert.True(t, handled, "the handler returned first")
	case <-time.After(timeout):
		t.Fatal("Serve did not return")
	}
	select {
	case <-ln.closed:
	default:
		t.Error("the listener is not closed")
	}

	ln = newFakeListener(boom)
	assert.ErrorIs(t, serve.Serve(context.Background(), ln, serve.Config{}, nil), boom)
}

func TestTemporary(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{acceptErr(syscall.EMFILE), true},
		{acceptErr(syscall.ENFILE), true},
		{acceptErr(syscall.ENOBUFS), true},
		{acceptErr(syscall.ENOMEM), true},
		{acceptErr(syscall.ECONNABORTED), true},
		{syscall.EMFILE, true},
		{fmt.Errorf("wrapped: %w", acceptErr(syscall.EMFILE)), true},
		{&net.OpError{Op: "accept", Net: "tcp", Err: os.ErrDeadlineExceeded}, true},
		{acceptErr(syscall.EINVAL), false},
		{acceptErr(syscall.EBADF), false},
		{net.ErrClosed, false},
		{errors.New("boom"), false},
		{nil, false},
	} {
		assert.Equal(t, tc.want, serve.Temporary(tc.err), "%v", tc.err)
	}
}

// TestConnClosedAfterHandle: Serve closes a connection that its handler
// left open.
func TestConnClosedAfterHandle(t *testing.T) {
	addr := start(t, "127.0.0.1:0", serve.Config{}, func(ctx context.Context, c net.Conn) {
		io.WriteString(c, "220 bye\r\n")
	})
	c, line := greet(t, "", addr)
	assert.Equal(t, "220 bye", line)
	closed(t, c)
}

// gateListener's Accept fails with EMFILE while full is set, and otherwise
// gives a connection from net.Pipe and sets full: one connection for each
// setFull(false).
type gateListener struct {
	mu     sync.Mutex
	full   bool
	times  []time.Time
	closed chan struct{}
	once   sync.Once
}

func (l *gateListener) setFull(full bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.full = full
}

func (l *gateListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	full := l.full
	l.full = true
	l.times = append(l.times, time.Now())
	l.mu.Unlock()
	select {
	case <-l.closed:
		return nil, net.ErrClosed
	default:
	}
	if full {
		return nil, acceptErr(syscall.EMFILE)
	}
	a, _ := net.Pipe()
	return a, nil
}

func (l *gateListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *gateListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func (l *gateListener) accepts() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.times)
}

// TestBackoffEndsWhenSessionEnds: when a handler returns during a wait
// after EMFILE, Serve accepts again at once instead of finishing the wait.
func TestBackoffEndsWhenSessionEnds(t *testing.T) {
	ln := &gateListener{closed: make(chan struct{})}
	logs := &logBuf{}
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve.Serve(ctx, ln, serve.Config{Logf: logs.logf}, func(ctx context.Context, c net.Conn) {
			started <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
			}
		})
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(timeout):
			t.Error("Serve did not return")
		}
	}()
	select {
	case <-started:
	case <-time.After(timeout):
		t.Fatal("no session")
	}
	require.Eventually(t, func() bool { return strings.HasSuffix(logs.String(), "retrying in 1s") }, timeout, time.Millisecond,
		"the backoff reaches 1s")
	n := ln.accepts()
	ln.setFull(false)
	freed := time.Now()
	release <- struct{}{} // the session ends
	select {
	case <-started:
		assert.Less(t, time.Since(freed), 300*time.Millisecond, "accepted without waiting the 1 s out")
	case <-time.After(timeout):
		t.Fatal("no second session")
	}
	ln.mu.Lock()
	defer ln.mu.Unlock()
	require.Greater(t, len(ln.times), n)
	assert.Less(t, ln.times[n].Sub(freed), 300*time.Millisecond, "the accept after the session ended")
}

// TestMaxRefusing: while MaxRefusing refusals are being written, the
// next is written in the accept loop, with the shorter deadline.
func TestMaxRefusing(t *testing.T) {
	h := &held{}
	var mu sync.Mutex
	var waits []time.Duration // how long each Busy waited for the client
	slowBusy := func(c net.Conn, reason string) {
		io.WriteString(c, "421 "+reason+"\r\n")
		start := time.Now()
		c.Read(make([]byte, 1)) // the client never writes: until the deadline
		mu.Lock()
		waits = append(waits, time.Since(start))
		mu.Unlock()
	}
	addr := start(t, "127.0.0.1:0", serve.Config{MaxSessions: 1, Busy: slowBusy}, h.handle)
	_, line := greet(t, "", addr)
	require.Equal(t, "220 1", line)
	begin := time.Now()
	for range serve.MaxRefusing + 1 {
		_, line := greet(t, "", addr)
		require.Equal(t, "421 "+serve.ReasonTotal, line)
	}
	require.Less(t, time.Since(begin), serve.BusyTimeout/2, "the refusals were written before the first deadline")
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(waits) == serve.MaxRefusing+1
	}, timeout, time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.Less(t, waits[0], serve.BusyTimeout/2, "the first to end ran in the accept loop")
	assert.GreaterOrEqual(t, waits[0], serve.BusyTimeoutInline/2)
	for _, w := range waits[1:] {
		assert.Greater(t, w, serve.BusyTimeout/2, "in a goroutine")
	}
}

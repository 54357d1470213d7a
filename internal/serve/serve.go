// Package serve is the accept loop shared by the example FTP server and natproxy.
//
// [Serve] accepts connections and runs a handler for each, as
// net/http's Server does, with three defences that a server facing the
// Internet needs:
//
//   - It survives running out of file descriptors: an accept that fails
//     with EMFILE, ENFILE, ENOBUFS, ENOMEM, ECONNABORTED or a timeout is
//     logged and retried after a backoff of 5 ms, doubling up to 1 s, or
//     as soon as a session ends and so frees its descriptors. The server
//     serves again within a second of the load going away, at once if the
//     load was its own sessions.
//   - It caps the sessions served at once, in total and per client address
//     (vsftpd's max_clients and max_per_ip), and turns the others away with
//     a 421 reply.
//   - On shutdown it stops accepting and waits for every handler to
//     return, so that no session outlives it.
package serve

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Config caps and reports the sessions of one listener.
// The zero Config sets no caps and reports nothing.
type Config struct {
	MaxSessions int // sessions served at once; <= 0 means no cap
	MaxPerAddr  int // sessions at once from one client IP address (IPv4-mapped unmapped); <= 0 means no cap

	// Logf, if not nil, receives a line for each accept error, backoff and
	// refusal.
	Logf func(format string, args ...any)

	// Busy, if not nil, writes the refusal to a connection over a cap
	// before Serve closes it: typically "421 " + reason + "\r\n". The
	// reason is one of [ReasonTotal] and [ReasonPerAddr]. Busy runs in a
	// goroutine of its own with a deadline of [BusyTimeout] already set on
	// c (for reads and writes); it must not close c. If Busy is nil, the
	// connection is closed without a word.
	//
	// While [MaxRefusing] refusals are being written, Busy runs in the
	// accept loop itself, with a deadline of [BusyTimeoutInline]: a flood
	// over the caps then slows accepting down instead of holding more
	// descriptors.
	Busy func(c net.Conn, reason string)
}

// MaxRefusing bounds the refusals that [Config.Busy] writes at once in
// goroutines of their own.
const MaxRefusing = 64

// BusyTimeoutInline is the deadline set on a connection before
// [Config.Busy] is called in the accept loop.
const BusyTimeoutInline = 100 * time.Millisecond

// The reasons given to [Config.Busy], the wording of vsftpd's 421 replies.
const (
	ReasonTotal   = "There are too many connected users, please try later."
	ReasonPerAddr = "There are too many connections from your internet address."
)

// BusyTimeout is the deadline set on a connection before [Config.Busy] is
// called.
const BusyTimeout = time.Second

// The backoff after a temporary accept error: it starts at minDelay and
// doubles up to maxDelay, as in net/http's Server.Serve.
const (
	minDelay = 5 * time.Millisecond
	maxDelay = time.Second
)

// nextDelay returns the backoff that follows d (zero before the first).
func nextDelay(d time.Duration) time.Duration {
	if d == 0 {
		return minDelay
	}
	return min(2*d, maxDelay)
}

// Temporary reports whether err, returned by a listener's Accept, is one
// that passes: the process or the system is out of descriptors or memory
// (EMFILE, ENFILE, ENOBUFS, ENOMEM), a client gave up before it was
// accepted (ECONNABORTED), or a deadline passed. [Serve] retries these.
func Temporary(err error) bool {
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Serve accepts connections on ln and runs handle for each in its own
// goroutine until ctx is done; then it closes ln, waits for every handle to
// return, and returns nil. Temporary accept errors (EMFILE, ENFILE,
// ENOBUFS, ENOMEM, ECONNABORTED, timeouts; see [Temporary]) are logged and
// retried after a backoff that doubles from 5 ms to 1 s, as net/http's
// Server does, or as soon as a handler returns (or a refused connection is
// closed), since that frees a descriptor; any other error is returned
// (after closing ln and waiting for the handlers).
//
// The ctx given to handle is done when Serve's ctx is; handle should then
// return promptly, for Serve waits for it. Serve closes c when handle
// returns, and only then frees the session's place under the caps.
//
// A connection over a cap of cfg is passed to cfg.Busy and closed without
// being handled. The address of a connection is the IP address of its
// RemoteAddr, with an IPv4-mapped IPv6 address unmapped, so that
// ::ffff:192.0.2.1 and 192.0.2.1 count as one; a connection whose
// RemoteAddr has no IP address counts under its RemoteAddr's string.
func Serve(ctx context.Context, ln net.Listener, cfg Config, handle func(ctx context.Context, c net.Conn)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer ln.Close()

	lim := limiter{max: cfg.MaxSessions, maxPer: cfg.MaxPerAddr, per: map[string]int{}}
	refusing := make(chan struct{}, MaxRefusing) // a token per Busy running
	// freed holds a token when a connection has been closed since the
	// last look: a wait after EMFILE can end at once.
	freed := make(chan struct{}, 1)
	free := func() {
		select {
		case freed <- struct{}{}:
		default:
		}
	}
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if !Temporary(err) {
				return err
			}
			delay = nextDelay(delay)
			cfg.logf("accept: %v; retrying in %v", err, delay)
			select {
			case <-freed: // from before the error: no use
			default:
			}
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-freed:
				t.Stop()
			case <-ctx.Done():
				t.Stop()
				return nil
			}
			continue
		}
		delay = 0
		key := addrKey(c.RemoteAddr())
		if reason := lim.acquire(key); reason != "" {
			cfg.logf("refused %v: %s (%s)", c.RemoteAddr(), reason, lim.String(key))
			if cfg.Busy == nil {
				c.Close()
				continue
			}
			select {
			case refusing <- struct{}{}:
			default:
				c.SetDeadline(time.Now().Add(BusyTimeoutInline))
				cfg.Busy(c, reason)
				c.Close()
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-refusing }()
				defer free()
				defer c.Close()
				c.SetDeadline(time.Now().Add(BusyTimeout))
				cfg.Busy(c, reason)
			}()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer free()
			defer lim.release(key)
			defer c.Close()
			handle(ctx, c)
		}()
	}
}

func (cfg *Config) logf(format string, args ...any) {
	if cfg.Logf != nil {
		cfg.Logf(format, args...)
	}
}

// addrKey returns the key under which the connection from a counts for
// Config.MaxPerAddr.
func addrKey(a net.Addr) string {
	switch a := a.(type) {
	case *net.TCPAddr:
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			return ip.Unmap().String()
		}
	case nil:
		return ""
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap().WithZone("").String()
	}
	return a.String()
}

// limiter counts the sessions served, in total and per address.
type limiter struct {
	max, maxPer int

	mu    sync.Mutex
	total int
	per   map[string]int
}

// acquire takes a place for a session from key, or returns the reason it
// cannot.
func (l *limiter) acquire(key string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.total >= l.max {
		return ReasonTotal
	}
	if l.maxPer > 0 && l.per[key] >= l.maxPer {
		return ReasonPerAddr
	}
	l.total++
	l.per[key]++
	return ""
}

// release gives back the place taken by acquire for key.
func (l *limiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.per[key]--; l.per[key] <= 0 {
		delete(l.per, key)
	}
}

// String describes the counts for key, for the log.
func (l *limiter) String(key string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return "sessions " + strconv.Itoa(l.total) + "/" + capString(l.max) + ", from " + key + " " + strconv.Itoa(l.per[key]) + "/" + capString(l.maxPer)
}

func capString(n int) string {
	if n <= 0 {
		return "unlimited"
	}
	return strconv.Itoa(n)
}

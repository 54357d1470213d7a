package main

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// bufPool holds the buffers that relay copies through.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// spliced counts the bytes that relay has moved through pipes of its own
// (on Linux), rather than through its buffers.
var spliced atomic.Int64

// relay copies between a and b in both directions, passing on the end of
// each direction, until both have ended, or neither has carried a byte for
// idle, or ctx is done, and closes them. It returns the bytes copied from a
// to b and from b to a, and errIdle if it gave up waiting.
//
// Each direction starts with a copy through a buffer. On Linux, the first
// direction to carry data goes on through a pipe of relay's own, with
// splice(2), so that its bytes do not pass through user space; the pipe's
// two descriptors are closed when the direction ends, whatever ends it.
// The other direction, which in FTP carries only the end of the data, goes
// on through the buffer, so that a data connection holds at most four
// descriptors. relay does not use io.Copy, which between two TCP
// connections splices through a pipe from the runtime's pool: two
// descriptors that stay open after the transfer until a garbage collection,
// out of reach of the proxy's caps. Where a pipe cannot be made (out of
// descriptors, or not Linux), the buffer copy goes on.
func relay(ctx context.Context, a, b *net.TCPConn, idle time.Duration) (ab, ba int64, err error) {
	stop := context.AfterFunc(ctx, func() {
		a.Close()
		b.Close()
	})
	defer stop()
	clock := &idleClock{idle: idle}
	clock.tick()
	var pipe atomic.Bool // taken by the direction that splices
	var wg sync.WaitGroup
	var errBA error
	wg.Add(1)
	go func() {
		defer wg.Done()
		ba, errBA = copyIdle(a, b, clock, &pipe)
	}()
	ab, err = copyIdle(b, a, clock, &pipe)
	wg.Wait()
	a.Close()
	b.Close()
	if err == nil || errors.Is(errBA, errIdle) {
		// The direction that gave up first closed the other.
		err = errBA
	}
	return ab, ba, err
}

// idleClock records when a byte last went either way on a data connection.
//
// Rather than move the deadlines of the connections forward at every chunk,
// which costs throughput, the copies set them once and, when one passes,
// move it to idle after the last byte, or give up if that is past.
type idleClock struct {
	idle time.Duration
	last atomic.Int64 // Unix nanoseconds
}

// tick records that a byte went through now.
func (c *idleClock) tick() { c.last.Store(time.Now().UnixNano()) }

// next returns when the connection becomes idle: idle after the last byte
// either way. It reports false if that time has come.
func (c *idleClock) next() (time.Time, bool) {
	t := time.Unix(0, c.last.Load()).Add(c.idle)
	return t, time.Until(t) > 0
}

// copyIdle copies from src to dst until src ends, then closes dst for
// writing. If pipe is not taken, it takes it once data arrive and splices
// the rest (on Linux). It fails with errIdle once neither direction has
// carried a byte for the clock's idle time, and on any failure closes both
// connections, so that the other direction ends too.
func copyIdle(dst, src *net.TCPConn, clock *idleClock, pipe *atomic.Bool) (n int64, err error) {
	t, _ := clock.next()
	src.SetReadDeadline(t)
	dst.SetWriteDeadline(t)
	defer func() {
		if err != nil {
			src.Close()
			dst.Close()
			return
		}
		dst.CloseWrite()
	}()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for {
		m, err := readIdle(src, buf, clock)
		if m > 0 {
			w, werr := writeIdle(dst, buf[:m], clock)
			n += int64(w)
			if werr != nil {
				return n, werr
			}
			if pipe != nil && pipe.CompareAndSwap(false, true) {
				s, handled, serr := spliceIdle(dst, src, clock)
				n += s
				spliced.Add(s)
				if handled {
					return n, serr
				}
				pipe = nil // no pipe: the buffer goes on
			}
		}
		switch {
		case err == io.EOF:
			return n, nil
		case err != nil:
			return n, err
		}
	}
}

// readIdle reads from src into b, waiting while the clock says the
// connection is not idle, and fails with errIdle once it is.
func readIdle(src *net.TCPConn, b []byte, clock *idleClock) (int, error) {
	for {
		m, err := src.Read(b)
		if m > 0 {
			clock.tick()
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return m, err
		}
		t, ok := clock.next()
		if !ok {
			return m, errIdle
		}
		src.SetReadDeadline(t)
		if m > 0 {
			return m, nil
		}
	}
}

// writeIdle writes b to dst, waiting while the clock says the connection
// is not idle, and fails with errIdle once it is.
func writeIdle(dst *net.TCPConn, b []byte, clock *idleClock) (int, error) {
	var n int
	for {
		w, err := dst.Write(b[n:])
		n += w
		if w > 0 {
			clock.tick()
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		t, ok := clock.next()
		if !ok {
			return n, errIdle
		}
		dst.SetWriteDeadline(t)
	}
}

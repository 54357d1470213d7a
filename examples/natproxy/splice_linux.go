package main

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

const (
	// spliceMove and spliceNonblock are SPLICE_F_MOVE and
	// SPLICE_F_NONBLOCK of splice(2), which package syscall lacks.
	spliceMove     = 0x1
	spliceNonblock = 0x2

	// pipeSize is the size relay asks for its pipes: 1 MiB, the default
	// of /proc/sys/fs/pipe-max-size. Where the system refuses it, the pipe
	// keeps its default of 64 KiB.
	pipeSize = 1 << 20
)

// pipe2 makes a pipe; tests replace it to make pipes fail.
var pipe2 = syscall.Pipe2

// spliceIdle moves the data from src to dst through a pipe of its own,
// with splice(2), until src ends, as copyIdle does with a buffer: the
// waits go through the runtime's poller, so the connections' deadlines
// hold, and the clock is updated at each chunk. It closes the pipe before
// it returns, whatever the outcome. It reports handled false, having moved
// nothing, if it could not make a pipe or src cannot be spliced from; the
// caller then goes on with its buffer.
func spliceIdle(dst, src *net.TCPConn, clock *idleClock) (n int64, handled bool, err error) {
	rsrc, err := src.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	rdst, err := dst.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	var fds [2]int
	if err := pipe2(fds[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		return 0, false, nil
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	size := 64 << 10
	if r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fds[1]), syscall.F_SETPIPE_SZ, pipeSize); e == 0 {
		size = int(r)
	}
	for {
		m, err := drain(fds[1], src, rsrc, size, clock)
		if err != nil {
			if n == 0 && errors.Is(err, syscall.EINVAL) {
				// src cannot be spliced from; nothing was read.
				return 0, false, nil
			}
			return n, true, err
		}
		if m == 0 {
			return n, true, nil // src ended
		}
		w, err := pump(dst, rdst, fds[0], m, clock)
		n += int64(w)
		if err != nil {
			return n, true, err
		}
	}
}

// drain moves up to max bytes waiting on src into the empty pipe whose
// write end is pw, waiting for some if there are none. It returns 0 if src
// has ended, and errIdle once the clock says the connection is idle.
//
// As the pipe is empty, splice can fail with EAGAIN only because src has
// nothing to read: the poller then waits for it.
func drain(pw int, src *net.TCPConn, rc syscall.RawConn, max int, clock *idleClock) (int, error) {
	for {
		var m int64
		var serr error
		err := rc.Read(func(fd uintptr) bool {
			for {
				m, serr = syscall.Splice(int(fd), nil, pw, nil, max, spliceMove|spliceNonblock)
				if serr != syscall.EINTR {
					return serr != syscall.EAGAIN
				}
			}
		})
		if err == nil {
			if serr != nil {
				return 0, os.NewSyscallError("splice", serr)
			}
			if m > 0 {
				clock.tick()
			}
			return int(m), nil
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, err
		}
		t, ok := clock.next()
		if !ok {
			return 0, errIdle
		}
		src.SetReadDeadline(t)
	}
}

// pump moves the inPipe bytes in the pipe whose read end is pr to dst,
// waiting while dst cannot take them. It returns the bytes moved, and
// errIdle once the clock says the connection is idle.
func pump(dst *net.TCPConn, rc syscall.RawConn, pr, inPipe int, clock *idleClock) (int, error) {
	var n int
	for {
		var serr error
		err := rc.Write(func(fd uintptr) bool {
			for n < inPipe {
				w, e := syscall.Splice(pr, nil, int(fd), nil, inPipe-n, spliceMove|spliceNonblock)
				switch {
				case e == syscall.EINTR:
					continue
				case e == syscall.EAGAIN:
					return false
				case e != nil:
					serr = os.NewSyscallError("splice", e)
					return true
				case w == 0:
					// The pipe holds fewer bytes than drain put in.
					serr = io.ErrUnexpectedEOF
					return true
				}
				n += int(w)
				clock.tick()
			}
			return true
		})
		if err == nil {
			return n, serr
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

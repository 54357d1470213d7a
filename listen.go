package hostport

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// ErrInvalidPortRange indicates a passive port range that is malformed,
// starts below 1024 or is empty (Max below Min). Ports below 1024 belong to
// well-known services (RFC 2577 section 3); Pure-FTPd and ProFTPD refuse such
// ranges too.
var ErrInvalidPortRange = errors.New("invalid port range")

// PortRange is the range of TCP ports, Min to Max inclusive, on which a server
// opens passive data listeners with [ListenPassive], at random ports so that
// an attacker cannot predict them and steal the data connection (RFC 2577
// section 8). A valid range has 1024 <= Min <= Max, keeping the listeners off
// the ports of well-known services. The zero PortRange is not valid.
type PortRange struct {
	Min, Max uint16
}

// ParsePortRange parses a range written "MIN-MAX", such as "30000-30100", as
// in a server's configuration. A range of one port is written "30000-30000".
// MIN and MAX are decimal ASCII digits (leading zeros are decimal), without
// sign, space or any other byte; MIN must be at least 1024 (RFC 2577) and MAX
// at least MIN, as [ListenPassive] requires. The errors it returns wrap
// [ErrInvalidPortRange]; a number above 65535 is an error, never wrapped
// around.
func ParsePortRange(s string) (PortRange, error) {
	const fn = "ParsePortRange"
	subject := "parsing " + quoteShort(s, 64)
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		return PortRange{}, badRange(fn, subject, "want MIN-MAX")
	}
	var n [2]int
	for i, f := range [...]struct{ name, text string }{{"min", lo}, {"max", hi}} {
		switch n[i] = rangeBound(f.text); n[i] {
		case -1:
			return PortRange{}, badRange(fn, subject, f.name+" "+quoteShort(f.text, 24)+" is not a decimal number")
		case 65536:
			return PortRange{}, badRange(fn, subject, f.name+" "+quoteShort(f.text, 24)+" out of range [0,65535]")
		}
	}
	r := PortRange{Min: uint16(n[0]), Max: uint16(n[1])}
	if why := r.invalid(); why != "" {
		return PortRange{}, badRange(fn, subject, why)
	}
	return r, nil
}

// String returns the range in the form ParsePortRange reads, "MIN-MAX".
func (r PortRange) String() string {
	return strconv.Itoa(int(r.Min)) + "-" + strconv.Itoa(int(r.Max))
}

// invalid returns why r is not a valid range, or "" if it is.
func (r PortRange) invalid() string {
	switch {
	case r.Min < 1024:
		return "min " + strconv.Itoa(int(r.Min)) + " below 1024 (privileged ports, RFC 2577)"
	case r.Max < r.Min:
		return "max " + strconv.Itoa(int(r.Max)) + " below min " + strconv.Itoa(int(r.Min)) + " (empty range)"
	}
	return ""
}

// maxListenTries bounds the ports ListenPassive tries.
const maxListenTries = 16

// ListenPassive opens a TCP listener for a passive data connection on ip, at
// a port drawn uniformly at random from r. The caller announces the port (the
// listener's Addr) in its 227 or 229 reply and checks every connection it
// accepts with [CheckDataPeer].
//
// Random ports stop port theft (RFC 2577 section 8): when ports are handed out
// in sequence, an attacker who sees one knows the next and can connect to it
// before the client does. The draw uses math/rand/v2, whose generator the Go
// runtime seeds from the operating system (ChaCha8), so the ports seen so far
// do not give the next one away. vsftpd, ProFTPD and FileZilla Server draw at
// random too.
//
// ip is normally the local address of the client's control connection, so
// that the data connection arrives where the reply says; an unspecified ip
// listens on all local addresses of its family (for ::, on most systems, of
// both families). An IPv4-mapped ip is unmapped and a zone
// is kept (for a link-local address). The zero Addr, a multicast address and
// 255.255.255.255 are errors that wrap [ErrUnusableAddress]. r must satisfy
// 1024 <= Min <= Max, or the error wraps [ErrInvalidPortRange].
//
// When a port cannot be listened on, most often because it is in use,
// ListenPassive tries another, drawn from the ports of r not tried yet, up to
// 16 ports in all (fewer if r is smaller). After the last, the error wraps
// the last attempt's error from package net, so on Unix systems
// errors.Is(err, syscall.EADDRINUSE) reports a range that is full. It retries
// whatever the failure, because "address in use" cannot be recognised
// portably (on Windows the error for it does not match syscall.EADDRINUSE,
// and Plan 9 has no such constant); a failure that no port cures, such as an
// ip that is not on this host, costs at most 16 quick attempts.
//
// If ctx is done before a port is tried, the error wraps ctx.Err(), so that
// errors.Is(err, context.Canceled) reports it (the range and ip are checked
// first). ctx does not affect the listener returned.
func ListenPassive(ctx context.Context, ip netip.Addr, r PortRange) (*net.TCPListener, error) {
	const fn = "ListenPassive"
	if why := r.invalid(); why != "" {
		return nil, badRange(fn, "port range "+r.String(), why)
	}
	ip = ip.Unmap()
	if h := hostOf(ip); !h.IsUnspecified() {
		if why := unusable(h); why != "" {
			return nil, &listenError{fn: fn, msg: "address " + ip.String() + ": " + why, err: ErrUnusableAddress}
		}
	}
	size := int(r.Max) - int(r.Min) + 1
	tries := min(size, maxListenTries)
	// A partial Fisher–Yates shuffle of the offsets 0..size-1, kept sparse:
	// moved[k] is the offset now at position k, if not k itself.
	moved := make(map[int]int, 2*tries)
	at := func(k int) int {
		if v, ok := moved[k]; ok {
			return v
		}
		return k
	}
	var lc net.ListenConfig
	var last error
	for i := range tries {
		if err := ctx.Err(); err != nil {
			return nil, &listenError{fn: fn, msg: "on " + ip.String() + " in " + r.String() + ": " + err.Error(), err: err}
		}
		j := i + rand.IntN(size-i)
		off := at(j)
		moved[j] = at(i)
		ln, err := lc.Listen(ctx, "tcp", netip.AddrPortFrom(ip, r.Min+uint16(off)).String())
		if err == nil {
			if tl, ok := ln.(*net.TCPListener); ok {
				return tl, nil
			}
			err := &listenError{fn: fn, msg: "not a TCP listener: " + ln.Addr().String()}
			ln.Close()
			return nil, err
		}
		last = err
	}
	return nil, &listenError{
		fn:  fn,
		msg: "no port free in " + r.String() + " on " + ip.String() + " (tried " + strconv.Itoa(tries) + "): " + last.Error(),
		err: last,
	}
}

// listenError is the error of ParsePortRange and ListenPassive.
type listenError struct {
	fn, msg string
	err     error // what it wraps, or nil
}

func (e *listenError) Error() string { return "hostport." + e.fn + ": " + e.msg }
func (e *listenError) Unwrap() error { return e.err }

// badRange returns an error about a port range that wraps
// ErrInvalidPortRange.
func badRange(fn, subject, why string) error {
	return &listenError{fn: fn, msg: subject + ": " + why, err: ErrInvalidPortRange}
}

// rangeBound returns the value of the decimal digits s, capped at 65536 so
// that it cannot overflow, or -1 if s is empty or has a byte that is not an
// ASCII digit.
func rangeBound(s string) int {
	if s == "" {
		return -1
	}
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		v = min(v*10+int(c-'0'), 65536)
	}
	return v
}

// quoteShort quotes s for a message, cut after n bytes and marked "..." if
// it is longer.
func quoteShort(s string, n int) string {
	if len(s) > n {
		return strconv.Quote(s[:n]) + "..."
	}
	return strconv.Quote(s)
}

package alg

import (
	"errors"
	"net/netip"
	"strconv"

	"github.com/ftpkit/hostport"
)

// errRewrite is the reason for a veto when a hook asks for a form that cannot
// carry its address or belongs to the other direction.
var errRewrite = errors.New("alg: hook returned a form that cannot carry the address")

// target returns the address and form that rw asks for, for the event ev,
// and reports whether the form can carry the address.
func target(ev Event, rw Rewrite) (netip.AddrPort, hostport.Form, bool) {
	ap := ev.Addr
	if rw.Addr != (netip.AddrPort{}) {
		ap = netip.AddrPortFrom(rw.Addr.Addr().Unmap(), rw.Addr.Port())
	}
	f := rw.Form
	if f == 0 {
		f = ev.Asked
		if ev.Dir == ClientToServer && !carries(f, ap.Addr()) {
			f = fEPRT
		}
	}
	if isCommand(f) != (ev.Dir == ClientToServer) || !carries(f, ap.Addr()) {
		return ap, f, false
	}
	return ap, f, true
}

// appendCommand appends the command line, with CRLF, that rw asks for in
// place of the command of ev.
func appendCommand(dst []byte, ev Event, rw Rewrite) ([]byte, bool) {
	ap, f, ok := target(ev, rw)
	if !ok {
		return dst, false
	}
	return appendLine(dst, f, ap), true
}

// appendLine appends the line of form f, with CRLF, that carries ap, in the
// canonical form that package hostport writes: "PORT 192,0,2,1,4,1",
// "227 Entering Passive Mode (192,0,2,1,4,1).", and so on. f can carry ap
// (see carries).
func appendLine(dst []byte, f hostport.Form, ap netip.AddrPort) []byte {
	switch f {
	case fPORT:
		hp, _ := hostport.FromAddrPort(ap)
		dst = hostport.AppendPORT(dst, hp)
	case fPASV:
		hp, _ := hostport.FromAddrPort(ap)
		dst = hostport.AppendPASV(dst, hp)
	case fEPRT:
		dst = hostport.AppendEPRT(dst, ap)
	case fEPSV:
		dst = hostport.AppendEPSV(dst, ap.Port())
	case fLPRT:
		dst = hostport.AppendLPRT(dst, ap)
	case fLPSV:
		dst = hostport.AppendLPSV(dst, ap)
	}
	return append(dst, '\r', '\n')
}

// appendReplyRewrite appends the reply line, with CRLF, that rw asks for in
// place of the reply b of ev (whose first k bytes are Telnet negotiation). In
// the form of b, it replaces only the address, or the port of a 229, and
// keeps the rest of the line; in another form it writes the whole line.
func appendReplyRewrite(dst, b []byte, k int, ev Event, rw Rewrite) ([]byte, bool) {
	ap, f, ok := target(ev, rw)
	if !ok {
		return dst, false
	}
	if f != ev.Form {
		return appendLine(dst, f, ap), true
	}
	i, j := addrSpan(b, k, f)
	if i < 0 {
		return dst, false
	}
	dst = append(dst, b[:i]...)
	switch f {
	case fPASV:
		hp, _ := hostport.FromAddrPort(ap)
		dst, _ = hp.AppendText(dst)
	case fEPSV:
		dst = strconv.AppendUint(dst, uint64(ap.Port()), 10)
	default:
		dst = appendLong(dst, ap)
	}
	return append(dst, b[j:]...), true
}

// appendLong appends the long host-port of ap, as LPRT and 228 carry it.
func appendLong(dst []byte, ap netip.AddrPort) []byte {
	n := len(dst)
	dst = hostport.AppendLPRT(dst, ap)
	return append(dst[:n], dst[n+len("LPRT "):]...)
}

// addrSpan returns the span b[i:j] of the address in a reply line b that the
// hostport parser has read (after k bytes of Telnet negotiation and the
// code): the first comma-separated list of numbers of a 227 or 228, as
// hostport.ParsePASV finds it, or the port of a 229, after the first '('
// followed by three identical delimiters, as hostport.ParseEPSV finds it.
func addrSpan(b []byte, k int, f hostport.Form) (int, int) {
	n := len(b) - 2
	if f == fEPSV {
		for i := k + 4; i+3 < n; i++ {
			if d := b[i+1]; b[i] == '(' && isDelim(d) && b[i+2] == d && b[i+3] == d {
				j := i + 4
				for j < n && isDigit(b[j]) {
					j++
				}
				return i + 4, j
			}
		}
		return -1, -1
	}
	for i := k + 4; i < n; i++ {
		if !isDigit(b[i]) {
			continue
		}
		j := i
		for j < n && isDigit(b[j]) {
			j++
		}
		if j < n && b[j] == ',' {
			e := j
			for e < n && (isDigit(b[e]) || b[e] == ',') {
				e++
			}
			return i, e
		}
		i = j
	}
	return -1, -1
}

// isDelim reports whether c can be the delimiter of RFC 2428's forms.
func isDelim(c byte) bool { return '!' <= c && c <= '~' && !isDigit(c) }

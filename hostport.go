package hostport

import (
	"net"
	"net/netip"
)

// HostPort is the six-number host-port of RFC 959, as PORT commands and 227
// replies carry it: the four bytes of an IPv4 address and the two bytes of a
// port, high byte first, in wire order h1,h2,h3,h4,p1,p2. The port is
// p1*256+p2.
//
// Every [6]byte is a valid HostPort, so formatting one never fails. HostPort
// is comparable and can be used as a map key; its methods do not modify it.
// The zero HostPort is 0.0.0.0 port 0, written "0,0,0,0,0,0".
type HostPort [6]byte

// From4 returns the HostPort of the IPv4 address ip and the port.
// It does not allocate.
func From4(ip [4]byte, port uint16) HostPort {
	return HostPort{ip[0], ip[1], ip[2], ip[3], byte(port >> 8), byte(port)}
}

// FromAddrPort returns the HostPort of ap. The address must be IPv4 or
// IPv4-mapped IPv6 (::ffff:192.0.2.1, which is unmapped; a zone is dropped);
// any other address, the invalid one included, is an error that wraps
// [ErrFamily], since the six-number form cannot carry it. Use [FormatEPRT]
// or [FormatLPRT] for IPv6. It does not allocate.
func FromAddrPort(ap netip.AddrPort) (HostPort, error) {
	a := ap.Addr().Unmap()
	if !a.Is4() {
		return HostPort{}, familyError("FromAddrPort", ap.String())
	}
	return From4(a.As4(), ap.Port()), nil
}

// FromTCPAddr returns the HostPort of a. Its IP must be IPv4 (4 or 16 bytes)
// or IPv4-mapped IPv6, its zone is ignored, and its port must be 0–65535.
// A nil a, an IPv6 address or an IP of another length is an error that wraps
// [ErrFamily]; a port outside 0–65535 one that wraps [ErrRange]. It does not
// allocate.
func FromTCPAddr(a *net.TCPAddr) (HostPort, error) {
	if a == nil {
		return HostPort{}, familyError("FromTCPAddr", "<nil>")
	}
	ip, ok := netip.AddrFromSlice(a.IP)
	ip = ip.Unmap()
	if !ok || !ip.Is4() {
		return HostPort{}, familyError("FromTCPAddr", a.String())
	}
	if a.Port < 0 || a.Port > maxPort {
		return HostPort{}, portRangeError("FromTCPAddr", a.String())
	}
	return From4(ip.As4(), uint16(a.Port)), nil
}

// familyError and portRangeError build the errors of the From functions.
func familyError(fn, addr string) error {
	return &ConvError{Func: fn, Addr: addr, Err: errNotIPv4}
}

func portRangeError(fn, addr string) error {
	return &ConvError{Func: fn, Addr: addr, Err: errPortRange}
}

var (
	errNotIPv4   = &reason{msg: "not an IPv4 address", kind: ErrFamily}
	errPortRange = &reason{msg: "port out of range [0,65535]", kind: ErrRange}
)

// A ConvError records a failed conversion of an address to a [HostPort] by
// [FromAddrPort] or [FromTCPAddr].
type ConvError struct {
	// Func is "FromAddrPort" or "FromTCPAddr".
	Func string
	// Addr is the address that was given, as its String method writes it.
	Addr string
	// Err is the reason; it wraps ErrFamily or ErrRange.
	Err error
}

// Error returns a message such as
// "hostport.FromAddrPort: [2001:db8::1]:21: not an IPv4 address".
func (e *ConvError) Error() string {
	return "hostport." + e.Func + ": " + e.Addr + ": " + e.Err.Error()
}

// Unwrap returns e.Err.
func (e *ConvError) Unwrap() error { return e.Err }

// Addr returns the IPv4 address h1.h2.h3.h4.
func (hp HostPort) Addr() netip.Addr {
	return netip.AddrFrom4([4]byte{hp[0], hp[1], hp[2], hp[3]})
}

// Port returns the port p1*256+p2.
func (hp HostPort) Port() uint16 {
	return uint16(hp[4])<<8 | uint16(hp[5])
}

// AddrPort returns the address and port as a [netip.AddrPort].
func (hp HostPort) AddrPort() netip.AddrPort {
	return netip.AddrPortFrom(hp.Addr(), hp.Port())
}

// TCPAddr returns the address and port as a new [net.TCPAddr] with a 4-byte
// IP, for dialling with the net package.
func (hp HostPort) TCPAddr() *net.TCPAddr {
	return &net.TCPAddr{IP: net.IPv4(hp[0], hp[1], hp[2], hp[3]).To4(), Port: int(hp.Port())}
}

// Compare returns an integer comparing hp and other: by address, then by port.
// The result is 0 if hp == other, -1 if hp < other, and +1 if hp > other.
func (hp HostPort) Compare(other HostPort) int {
	for i := range hp {
		if hp[i] != other[i] {
			if hp[i] < other[i] {
				return -1
			}
			return +1
		}
	}
	return 0
}

// maxHostPortLen is the length of the longest six-number form.
const maxHostPortLen = len("255,255,255,255,255,255")

// String returns the six numbers in decimal, separated by commas, without
// leading zeros or spaces: "10,2,0,2,4,31" for 10.2.0.2 port 1055. It is the
// form [Parse] reads and PORT commands and 227 replies carry.
func (hp HostPort) String() string {
	var buf [maxHostPortLen]byte
	return string(appendHostPort(buf[:0], hp))
}

// AppendText implements [encoding.TextAppender]: it appends the form that
// [HostPort.String] returns to b and returns the extended buffer. The error
// is always nil.
func (hp HostPort) AppendText(b []byte) ([]byte, error) {
	return appendHostPort(b, hp), nil
}

// MarshalText implements [encoding.TextMarshaler]; the text is the one that
// [HostPort.String] returns. The error is always nil.
func (hp HostPort) MarshalText() ([]byte, error) {
	return appendHostPort(make([]byte, 0, maxHostPortLen), hp), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler]: it reads text as
// [Parse] does. Empty text is an error. On error, *hp is left unchanged.
func (hp *HostPort) UnmarshalText(text []byte) error {
	v, err := parse(fnParse, string(text))
	if err != nil {
		return err
	}
	*hp = v
	return nil
}

package hostporttest

import (
	"net/netip"

	"github.com/ftpkit/hostport"
	"pgregory.net/rapid"
)

// boundaryPorts are the ports that Port draws about half of the time: the
// smallest and largest, the FTP ports, the ends of the privileged range and
// the ports where p1 or p2 changes from or to 0 or 255.
var boundaryPorts = []uint16{0, 1, 20, 21, 255, 256, 1023, 1024, 65280, 65534, 65535}

// boundaryBytes are the bytes that octet draws about half of the time: where
// the number of decimal digits changes, and the ends of the range.
var boundaryBytes = []byte{0, 1, 9, 10, 99, 100, 127, 199, 200, 249, 250, 254, 255}

var (
	portGen  = rapid.OneOf(rapid.SampledFrom(boundaryPorts), rapid.Uint16())
	octetGen = rapid.OneOf(rapid.SampledFrom(boundaryBytes), rapid.Byte())
)

// Port returns a generator of TCP ports 0–65535 that draws the boundary
// ports 0, 1, 20, 21, 255, 256, 1023, 1024, 65280, 65534 and 65535 about half
// of the time and any port otherwise.
func Port() *rapid.Generator[uint16] {
	return portGen
}

// hostFields names the address bytes of RFC 959 and RFC 1639, as draw labels.
var hostFields = [16]string{"h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8",
	"h9", "h10", "h11", "h12", "h13", "h14", "h15", "h16"}

// draw4 draws the four bytes of an IPv4 address, labelled h1 to h4.
func draw4(t *rapid.T) [4]byte {
	var ip [4]byte
	for i := range ip {
		ip[i] = octetGen.Draw(t, hostFields[i])
	}
	return ip
}

var hostPortGen = rapid.Custom(func(t *rapid.T) hostport.HostPort {
	ip := draw4(t)
	return hostport.From4(ip, portGen.Draw(t, "port"))
})

// HostPort returns a generator of six-number host-ports: the bytes h1 to h4
// of the address are drawn with extra weight on 0, 9, 10, 99, 100, 127, 255
// and the like, and the port as [Port] draws it.
func HostPort() *rapid.Generator[hostport.HostPort] {
	return hostPortGen
}

var addrPort4Gen = rapid.Map(hostPortGen, hostport.HostPort.AddrPort)

// AddrPort4 returns a generator of IPv4 addresses (Is4) and ports, drawn as
// [HostPort] draws them.
func AddrPort4() *rapid.Generator[netip.AddrPort] {
	return addrPort4Gen
}

// Kinds of IPv6 address that AddrPort6 draws.
var kinds6 = []string{
	"any",             // 8 groups, each zero about half of the time
	"unspecified",     // ::
	"loopback",        // ::1
	"IPv4-mapped",     // ::ffff:192.0.2.1
	"IPv4-compatible", // ::192.0.2.1
	"NAT64",           // 64:ff9b::192.0.2.1
	"documentation",   // 2001:db8::/32
	"link-local",      // fe80::/64
	"multicast",       // ff02::/16
	"all ones",        // ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff
}

var addrPort6Gen = rapid.Custom(func(t *rapid.T) netip.AddrPort {
	var b [16]byte
	switch kind := rapid.SampledFrom(kinds6).Draw(t, "kind"); kind {
	case "any":
		sparse(t, b[:], 0)
	case "unspecified":
	case "loopback":
		b[15] = 1
	case "IPv4-mapped", "IPv4-compatible", "NAT64":
		ip := draw4(t)
		copy(b[12:], ip[:])
		switch kind {
		case "IPv4-mapped":
			b[10], b[11] = 0xff, 0xff
		case "NAT64":
			b[1], b[2], b[3] = 0x64, 0xff, 0x9b
		}
	case "documentation":
		b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
		sparse(t, b[4:], 4)
	case "link-local":
		b[0], b[1] = 0xfe, 0x80
		sparse(t, b[8:], 8)
	case "multicast":
		b[0], b[1] = 0xff, 0x02
		sparse(t, b[2:], 2)
	case "all ones":
		for i := range b {
			b[i] = 0xff
		}
	}
	return netip.AddrPortFrom(netip.AddrFrom16(b), portGen.Draw(t, "port"))
})

// sparse fills b, the bytes of an IPv6 address from index off on, two bytes
// (a group) at a time; about half of the groups are zero, so that the address
// has runs of zeros to compress.
func sparse(t *rapid.T, b []byte, off int) {
	for i := 0; i+1 < len(b); i += 2 {
		if rapid.Bool().Draw(t, "zero group") {
			continue
		}
		b[i] = octetGen.Draw(t, hostFields[off+i])
		b[i+1] = octetGen.Draw(t, hostFields[off+i+1])
	}
}

// AddrPort6 returns a generator of IPv6 addresses (Is6, without zone) and
// ports: any address, with zero groups about half of the time, and
// addresses of the kinds that readers mishandle: ::, ::1, IPv4-mapped
// (::ffff:192.0.2.1), IPv4-compatible (::192.0.2.1), NAT64 (64:ff9b::/96),
// documentation (2001:db8::/32), link-local (fe80::/64), multicast
// (ff02::/16) and all ones. The port is drawn as [Port] draws it.
func AddrPort6() *rapid.Generator[netip.AddrPort] {
	return addrPort6Gen
}

var addrPortGen = rapid.OneOf(addrPort4Gen, addrPort6Gen)

// AddrPort returns a generator that draws from [AddrPort4] and [AddrPort6]
// with equal weight.
func AddrPort() *rapid.Generator[netip.AddrPort] {
	return addrPortGen
}

package main

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// A Mapper has the kernel carry data connections in place of natproxy's
// relay: given a Mapping, the kernel translates the next new TCP connection
// from the mapping's peer to its local address into a connection to its
// target, from its via address, and forwards its packets itself, as it
// does for its own NAT. On Linux it is an nftables table of natproxy's own
// (see -data-path kernel).
type Mapper interface {
	// Map adds the mapping m for at most ttl. It applies to one
	// connection only: the first that matches it.
	Map(m Mapping, ttl time.Duration) error
	// Unmap removes the mapping m, and reports whether a connection used
	// it. The connection it was used for goes on.
	Unmap(m Mapping) (used bool, err error)
	// Close removes every mapping and what holds them.
	Close() error
}

// A Mapping is one data connection for the kernel to forward: the
// connection from Peer to Local becomes a connection from Via to Target.
// All four addresses are of one family.
type Mapping struct {
	Peer   netip.Addr     // the only host whose connection is mapped
	Local  netip.AddrPort // the proxy's address and port that Peer connects to
	Target netip.AddrPort // where the connection goes instead
	Via    netip.Addr     // the proxy's address toward Target: the connection's new source
}

func (m Mapping) String() string {
	return fmt.Sprintf("%s -> %s mapped to %s -> %s", m.Peer, m.Local, m.Via, m.Target)
}

// errMixedFamilies refuses a mapping that would translate between IPv4
// and IPv6, which kernel NAT does not do.
var errMixedFamilies = errors.New("a mapping cannot translate between IPv4 and IPv6")

// check reports whether m is one the kernel can apply.
func (m Mapping) check() error {
	a, b, c, d := m.Peer, m.Local.Addr(), m.Target.Addr(), m.Via
	if !a.IsValid() || !b.IsValid() || !c.IsValid() || !d.IsValid() || m.Local.Port() == 0 || m.Target.Port() == 0 {
		return fmt.Errorf("incomplete mapping %v", m)
	}
	if a.Is4() != b.Is4() || a.Is4() != c.Is4() || a.Is4() != d.Is4() || a.Is4In6() || b.Is4In6() || c.Is4In6() || d.Is4In6() {
		return errMixedFamilies
	}
	return nil
}

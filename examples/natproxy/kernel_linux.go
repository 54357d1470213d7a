//go:build linux

package main

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
)

// nftMapper is the Mapper of Linux: an nftables table of natproxy's own,
// made when natproxy starts and deleted when it stops, that holds the
// mappings in sets and applies them in two NAT chains:
//
//	table inet natproxy {
//		set pending4 { type ipv4_addr . ipv4_addr . inet_service; size 65535; flags dynamic,timeout; }
//		map dnat4 { type ipv4_addr . ipv4_addr . inet_service : ipv4_addr . inet_service; size 65535; flags timeout; }
//		map snat4 { type ipv4_addr . ipv4_addr . inet_service : ipv4_addr; size 65535; flags timeout; }
//		(and pending6, dnat6, snat6 alike, for IPv6)
//		chain dstnat {
//			type nat hook prerouting priority dstnat - 1; policy accept;
//			meta l4proto tcp meta nfproto ipv4 ip saddr . ip daddr . tcp dport @pending4
//				delete @pending4 { ip saddr . ip daddr . tcp dport }
//				dnat ip to ip saddr . ip daddr . tcp dport map @dnat4
//		}
//		chain srcnat {
//			type nat hook postrouting priority srcnat - 1; policy accept;
//			meta nfproto ipv4 meta l4proto tcp ct status dnat
//				snat ip to ip saddr . ip daddr . ct original proto-dst map @snat4
//		}
//	}
//
// A mapping is an element of each of the three sets. The first connection
// that matches pending deletes that element as it passes, so that it is the
// only one mapped; dnat gives its new destination and snat its new source.
// snat's key is the peer, the destination after dnat and the port before
// it: the port is the proxy's own, held by natproxy while the mapping
// lives, so that no two mappings share a key even when a server hands the
// same client the same passive port twice in a row. NAT chains see only
// the first packet of a connection; conntrack applies the same translation
// to the rest of it. The elements expire on their own after their ttl, so that a
// natproxy that dies leaves no mapping open for long.
type nftMapper struct {
	mu    sync.Mutex // one batch at a time on conn
	conn  *nftables.Conn
	table *nftables.Table
	sets  [2]familySets // IPv4, IPv6
}

// familySets are the sets of one address family.
type familySets struct {
	pending, dnat, snat *nftables.Set
}

// family describes the headers of one address family for the rules.
type family struct {
	suffix       string // of the sets' names
	proto        byte   // NFPROTO_IPV4 or NFPROTO_IPV6, which equal AF_INET and AF_INET6
	addr         nftables.SetDatatype
	saddr, daddr uint32    // offsets of the addresses in the network header
	len          uint32    // of an address
	keyRegs      [3]uint32 // where a key's three fields are loaded
	addrReg      uint32    // where a map's data is loaded: the address,
	pReg         uint32    // then the port
	natFamily    uint32
}

var families = [2]family{
	{suffix: "4", proto: syscall.AF_INET, addr: nftables.TypeIPAddr, saddr: 12, daddr: 16, len: 4,
		keyRegs: [3]uint32{1, 9, 10}, addrReg: 1, pReg: 9, natFamily: syscall.AF_INET},
	{suffix: "6", proto: syscall.AF_INET6, addr: nftables.TypeIP6Addr, saddr: 8, daddr: 24, len: 16,
		keyRegs: [3]uint32{1, 2, 3}, addrReg: 1, pReg: 2, natFamily: syscall.AF_INET6},
}

// maxMappings is the size of each set: the kernel refuses elements past it,
// and natproxy then relays. Two mappings at most wait per session.
const maxMappings = 65535

// dynsetOpDelete is NFT_DYNSET_OP_DELETE, which golang.org/x/sys/unix lacks.
const dynsetOpDelete = 2

// ctStatusDNAT is IPS_DST_NAT of a conntrack entry's status.
const ctStatusDNAT = 1 << 5

// newKernelMapper makes the nftables table name, replacing any table of
// that name left by an earlier run.
func newKernelMapper(name string) (Mapper, error) {
	return newNftMapper(name)
}

// newNftMapper is newKernelMapper with the options of the netlink
// connection, such as the network namespace of tests.
func newNftMapper(name string, opts ...nftables.ConnOption) (*nftMapper, error) {
	conn, err := nftables.New(append(opts, nftables.AsLasting())...)
	if err != nil {
		return nil, fmt.Errorf("nftables: %w", err)
	}
	m := &nftMapper{conn: conn, table: &nftables.Table{Name: name, Family: nftables.TableFamilyINet}}
	// Adding a table that exists changes nothing: add, delete and add again
	// is a fresh table whether or not one was there.
	conn.AddTable(m.table)
	conn.DelTable(m.table)
	conn.AddTable(m.table)
	dstnat := conn.AddChain(&nftables.Chain{Name: "dstnat", Table: m.table, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityRef(*nftables.ChainPriorityNATDest - 1)})
	srcnat := conn.AddChain(&nftables.Chain{Name: "srcnat", Table: m.table, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityRef(*nftables.ChainPriorityNATSource - 1)})
	for i, f := range families {
		key := nftables.MustConcatSetType(f.addr, f.addr, nftables.TypeInetService)
		s := familySets{
			pending: &nftables.Set{Table: m.table, Name: "pending" + f.suffix, KeyType: key,
				Concatenation: true, HasTimeout: true, Dynamic: true, Size: maxMappings},
			dnat: &nftables.Set{Table: m.table, Name: "dnat" + f.suffix, KeyType: key, IsMap: true,
				DataType:      nftables.MustConcatSetType(f.addr, nftables.TypeInetService),
				Concatenation: true, HasTimeout: true, Size: maxMappings},
			snat: &nftables.Set{Table: m.table, Name: "snat" + f.suffix, KeyType: key, IsMap: true,
				DataType: f.addr, Concatenation: true, HasTimeout: true, Size: maxMappings},
		}
		for _, set := range []*nftables.Set{s.pending, s.dnat, s.snat} {
			if err := conn.AddSet(set, nil); err != nil {
				conn.CloseLasting()
				return nil, fmt.Errorf("nftables: set %s: %w", set.Name, err)
			}
		}
		m.sets[i] = s
		conn.AddRule(&nftables.Rule{Table: m.table, Chain: dstnat, Exprs: f.dstnat(s)})
		conn.AddRule(&nftables.Rule{Table: m.table, Chain: srcnat, Exprs: f.srcnat(s)})
	}
	if err := conn.Flush(); err != nil {
		conn.CloseLasting()
		return nil, fmt.Errorf("nftables: making table inet %s: %w", name, err)
	}
	return m, nil
}

// match returns the expressions that match TCP packets of the family f.
func (f family) match() []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{f.proto}},
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{syscall.IPPROTO_TCP}},
	}
}

// key returns the expressions that load a packet's source address,
// destination address and destination port into the key's registers.
func (f family) key() []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: f.keyRegs[0], Base: expr.PayloadBaseNetworkHeader, Offset: f.saddr, Len: f.len},
		&expr.Payload{DestRegister: f.keyRegs[1], Base: expr.PayloadBaseNetworkHeader, Offset: f.daddr, Len: f.len},
		&expr.Payload{DestRegister: f.keyRegs[2], Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
	}
}

// dstnat returns the rule that maps the first connection of a pending
// mapping to its destination.
func (f family) dstnat(s familySets) []expr.Any {
	e := f.match()
	e = append(e, f.key()...)
	e = append(e, &expr.Lookup{SourceRegister: 1, SetName: s.pending.Name, SetID: s.pending.ID})
	e = append(e, f.key()...)
	e = append(e, &expr.Dynset{SrcRegKey: 1, SetName: s.pending.Name, SetID: s.pending.ID, Operation: dynsetOpDelete})
	e = append(e, f.key()...)
	e = append(e,
		&expr.Lookup{SourceRegister: 1, DestRegister: 1, IsDestRegSet: true, SetName: s.dnat.Name, SetID: s.dnat.ID},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: f.natFamily, RegAddrMin: f.addrReg, RegAddrMax: f.addrReg,
			RegProtoMin: f.pReg, RegProtoMax: f.pReg, Specified: true})
	return e
}

// srcnat returns the rule that gives a mapped connection its new source:
// its key is the packet's addresses and the destination port the
// connection had before dnat.
func (f family) srcnat(s familySets) []expr.Any {
	e := f.match()
	e = append(e,
		&expr.Ct{Key: expr.CtKeySTATUS, Register: 1},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(ctStatusDNAT), Xor: binaryutil.NativeEndian.PutUint32(0)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(0)})
	e = append(e, f.key()[:2]...)
	e = append(e,
		&expr.Ct{Register: f.keyRegs[2], Key: expr.CtKeyPROTODST, Direction: 0}, // the original direction
		&expr.Lookup{SourceRegister: 1, DestRegister: 1, IsDestRegSet: true, SetName: s.snat.Name, SetID: s.snat.ID},
		&expr.NAT{Type: expr.NATTypeSourceNAT, Family: f.natFamily, RegAddrMin: f.addrReg, RegAddrMax: f.addrReg})
	return e
}

// field appends an address or a port, padded to the 4 bytes of a register
// as concatenations are.
func field(b []byte, a netip.Addr) []byte { return append(b, a.AsSlice()...) }

func port(b []byte, p uint16) []byte { return append(b, byte(p>>8), byte(p), 0, 0) }

// keys returns the key of m in pending and dnat, peer . local address .
// local port, and in snat, peer . target address . local port.
func keys(m Mapping) (key, after []byte) {
	key = port(field(field(nil, m.Peer), m.Local.Addr()), m.Local.Port())
	after = port(field(field(nil, m.Peer), m.Target.Addr()), m.Local.Port())
	return key, after
}

// setsOf returns the sets of m's family, or an error if m mixes families.
func (k *nftMapper) setsOf(m Mapping) (familySets, error) {
	if err := m.check(); err != nil {
		return familySets{}, err
	}
	if m.Peer.Is4() {
		return k.sets[0], nil
	}
	return k.sets[1], nil
}

// Map adds the mapping m for ttl.
func (k *nftMapper) Map(m Mapping, ttl time.Duration) error {
	s, err := k.setsOf(m)
	if err != nil {
		return err
	}
	key, after := keys(m)
	k.mu.Lock()
	defer k.mu.Unlock()
	// The dnat and snat elements go first: the pending one makes the
	// mapping live.
	errs := []error{
		k.conn.SetAddElements(s.dnat, []nftables.SetElement{{Key: key, Val: port(field(nil, m.Target.Addr()), m.Target.Port()), Timeout: ttl}}),
		k.conn.SetAddElements(s.snat, []nftables.SetElement{{Key: after, Val: field(nil, m.Via), Timeout: ttl}}),
		k.conn.SetAddElements(s.pending, []nftables.SetElement{{Key: key, Timeout: ttl}}),
	}
	if err := errors.Join(errs...); err != nil {
		k.conn.Flush() // drop what was queued
		return fmt.Errorf("nftables: %w", err)
	}
	if err := k.conn.Flush(); err != nil {
		return fmt.Errorf("nftables: adding %v: %w", m, err)
	}
	return nil
}

// Unmap removes the mapping m. It reports used true if its pending element
// was gone: a connection took it.
func (k *nftMapper) Unmap(m Mapping) (used bool, err error) {
	s, err := k.setsOf(m)
	if err != nil {
		return false, err
	}
	key, after := keys(m)
	k.mu.Lock()
	defer k.mu.Unlock()
	// One batch per element: a batch fails whole if one element is gone.
	del := func(set *nftables.Set, key []byte) (gone bool, err error) {
		if err := k.conn.SetDeleteElements(set, []nftables.SetElement{{Key: key}}); err != nil {
			return false, err
		}
		err = k.conn.Flush()
		if errors.Is(err, syscall.ENOENT) {
			return true, nil
		}
		return false, err
	}
	used, err1 := del(s.pending, key)
	_, err2 := del(s.dnat, key)
	_, err3 := del(s.snat, after)
	if err := errors.Join(err1, err2, err3); err != nil {
		return used, fmt.Errorf("nftables: removing %v: %w", m, err)
	}
	return used, nil
}

// Close deletes the table, and every mapping with it.
func (k *nftMapper) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.conn.DelTable(k.table)
	err := k.conn.Flush()
	k.conn.CloseLasting()
	if err != nil {
		return fmt.Errorf("nftables: deleting table inet %s: %w", k.table.Name, err)
	}
	return nil
}

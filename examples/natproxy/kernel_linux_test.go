//go:build linux

package main

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envRequire is the NAT lab's variable: set to "require", a test that
// needs root and nftables fails where it would skip.
const envRequire = "HOSTPORT_NATLAB"

// testNetns makes a network namespace for the test, removed at its end, and
// returns an open descriptor of it for nftables.WithNetNSFd. It skips the
// test, or fails it under HOSTPORT_NATLAB=require, where it cannot.
func testNetns(t *testing.T) int {
	t.Helper()
	skip := func(format string, a ...any) {
		t.Helper()
		if os.Getenv(envRequire) == "require" {
			t.Fatalf(format+" ("+envRequire+"=require)", a...)
		}
		t.Skipf(format, a...)
	}
	if os.Geteuid() != 0 {
		skip("the kernel data path needs root for nftables and a network namespace")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		skip("no ip command (iproute2) to make a network namespace")
	}
	name := netnsName()
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		skip("cannot make a network namespace: %v %s", err, out)
	}
	f, err := os.Open("/run/netns/" + name)
	if err != nil {
		exec.Command("ip", "netns", "del", name).Run()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.Close()
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v %s", name, err, out)
		}
	})
	return int(f.Fd())
}

// elements returns the keys of the set name of m's table, as hex strings,
// with the data of a map after " : ".
func elements(t *testing.T, m *nftMapper, name string) []string {
	t.Helper()
	set, err := m.conn.GetSetByName(m.table, name)
	require.NoError(t, err)
	es, err := m.conn.GetSetElements(set)
	require.NoError(t, err)
	var out []string
	for _, e := range es {
		s := fmt.Sprintf("%x", e.Key)
		if len(e.Val) > 0 {
			s += fmt.Sprintf(" : %x", e.Val)
		}
		out = append(out, s)
		assert.LessOrEqual(t, e.Expires, time.Minute, "element %s expires", s)
		assert.Greater(t, e.Expires, 50*time.Second, "element %s expires", s)
	}
	slices.Sort(out)
	return out
}

func TestNftMapper(t *testing.T) {
	ns := testNetns(t)
	// A table left by an earlier natproxy that died is replaced.
	old, err := newNftMapper("hptest", nftables.WithNetNSFd(ns))
	require.NoError(t, err)
	m, err := newNftMapper("hptest", nftables.WithNetNSFd(ns))
	require.NoError(t, err)
	old.conn.CloseLasting()

	v4 := Mapping{
		Peer:   netip.MustParseAddr("10.99.1.2"),
		Local:  netip.MustParseAddrPort("10.99.1.1:40000"),
		Target: netip.MustParseAddrPort("198.18.0.2:30001"),
		Via:    netip.MustParseAddr("198.18.0.1"),
	}
	v6 := Mapping{
		Peer:   netip.MustParseAddr("fd00:99:1::2"),
		Local:  netip.MustParseAddrPort("[fd00:99:1::1]:40001"),
		Target: netip.MustParseAddrPort("[fd00:18::2]:30002"),
		Via:    netip.MustParseAddr("fd00:18::1"),
	}
	require.NoError(t, m.Map(v4, time.Minute))
	require.NoError(t, m.Map(v6, time.Minute))

	// Keys are peer . local address . local port, fields padded to 4 bytes.
	assert.Equal(t, []string{"0a6301020a6301019c400000"}, elements(t, m, "pending4"))
	assert.Equal(t, []string{"0a6301020a6301019c400000 : c61200027531" + "0000"}, elements(t, m, "dnat4"))
	// snat is keyed by peer . target address . local port.
	assert.Equal(t, []string{"0a630102c61200029c40" + "0000 : c6120001"}, elements(t, m, "snat4"))
	assert.Equal(t, []string{"fd000099000100000000000000000002fd000099000100000000000000000001" + "9c410000"}, elements(t, m, "pending6"))
	assert.Equal(t, []string{"fd000099000100000000000000000002fd000099000100000000000000000001" + "9c410000 : fd000018000000000000000000000002" + "75320000"}, elements(t, m, "dnat6"))
	assert.Equal(t, []string{"fd000099000100000000000000000002fd000018000000000000000000000002" + "9c410000 : fd000018000000000000000000000001"}, elements(t, m, "snat6"))

	// Unused: its pending element was still there.
	used, err := m.Unmap(v4)
	require.NoError(t, err)
	assert.False(t, used)
	for _, set := range []string{"pending4", "dnat4", "snat4"} {
		assert.Empty(t, elements(t, m, set), set)
	}

	// Used: a connection deleted the pending element as it passed; the
	// rule does that, here the test does.
	set, err := m.conn.GetSetByName(m.table, "pending6")
	require.NoError(t, err)
	require.NoError(t, m.conn.SetDeleteElements(set, []nftables.SetElement{{Key: port(field(field(nil, v6.Peer), v6.Local.Addr()), v6.Local.Port())}}))
	require.NoError(t, m.conn.Flush())
	used, err = m.Unmap(v6)
	require.NoError(t, err)
	assert.True(t, used)
	assert.Empty(t, elements(t, m, "dnat6"))

	// A server that hands the same client the same passive port in two
	// sessions gives two mappings with one peer and one target; removing
	// the first leaves the second whole.
	first, second := v4, v4
	second.Local = netip.MustParseAddrPort("10.99.1.1:40002")
	require.NoError(t, m.Map(first, time.Minute))
	require.NoError(t, m.Map(second, time.Minute))
	used, err = m.Unmap(first)
	require.NoError(t, err)
	assert.False(t, used)
	assert.Equal(t, []string{"0a6301020a6301019c420000"}, elements(t, m, "pending4"))
	assert.Equal(t, []string{"0a6301020a6301019c420000 : c61200027531" + "0000"}, elements(t, m, "dnat4"))
	assert.Equal(t, []string{"0a630102c61200029c42" + "0000 : c6120001"}, elements(t, m, "snat4"))
	used, err = m.Unmap(second)
	require.NoError(t, err)
	assert.False(t, used)

	// A mapping between families is refused before nftables sees it.
	mixed := v4
	mixed.Target = netip.MustParseAddrPort("[fd00:18::2]:30002")
	assert.ErrorIs(t, m.Map(mixed, time.Minute), errMixedFamilies)

	// The rules, as nft prints them: the one-shot match and both NATs.
	if _, err := exec.LookPath("nft"); err == nil {
		out, err := exec.Command("ip", "netns", "exec", netnsName(), "nft", "list", "table", "inet", "hptest").CombinedOutput()
		require.NoError(t, err, "%s", out)
		for _, want := range []string{
			"ip saddr . ip daddr . tcp dport @pending4 delete @pending4 { ip saddr . ip daddr . tcp dport } dnat ip to ip saddr . ip daddr . tcp dport map @dnat4",
			"ip6 saddr . ip6 daddr . tcp dport @pending6 delete @pending6 { ip6 saddr . ip6 daddr . tcp dport } dnat ip6 to ip6 saddr . ip6 daddr . tcp dport map @dnat6",
			"ct status dnat snat ip to ip saddr . ip daddr . ct original proto-dst map @snat4",
			"ct status dnat snat ip6 to ip6 saddr . ip6 daddr . ct original proto-dst map @snat6",
			"type nat hook prerouting priority dstnat - 1; policy accept;",
			"type nat hook postrouting priority srcnat - 1; policy accept;",
		} {
			assert.Contains(t, string(out), want)
		}
		// Every set is bounded: past maxMappings, the kernel refuses a
		// mapping and natproxy relays.
		assert.Equal(t, 6, strings.Count(string(out), fmt.Sprintf("size %d\n", maxMappings)), "%s", out)
	}

	require.NoError(t, m.Close())
	conn, err := nftables.New(nftables.WithNetNSFd(ns))
	require.NoError(t, err)
	tables, err := conn.ListTables()
	require.NoError(t, err)
	assert.Empty(t, tables, "Close deletes the table")
}

// netnsName returns the name of the test's namespace.
func netnsName() string {
	return fmt.Sprintf("hpnp-%d", os.Getpid())
}

package hostport_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpkit/hostport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestParsePortRange checks the ranges ParsePortRange reads and its errors.
func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in      string
		want    hostport.PortRange
		wantErr string // the full message, or a part of it
	}{
		{in: "30000-30100", want: hostport.PortRange{Min: 30000, Max: 30100}},
		{in: "1024-65535", want: hostport.PortRange{Min: 1024, Max: 65535}},
		{in: "30000-30000", want: hostport.PortRange{Min: 30000, Max: 30000}},
		{in: "65535-65535", want: hostport.PortRange{Min: 65535, Max: 65535}},
		{in: "01024-030000", want: hostport.PortRange{Min: 1024, Max: 30000}}, // leading zeros are decimal

		// Min below 1024 (privileged ports, RFC 2577) or an empty range is a
		// configuration error.
		{in: "0-1023", wantErr: `hostport.ParsePortRange: parsing "0-1023": min 0 below 1024 (privileged ports, RFC 2577)`},
		{in: "1023-2000", wantErr: "min 1023 below 1024"},
		{in: "2000-1999", wantErr: `hostport.ParsePortRange: parsing "2000-1999": max 1999 below min 2000 (empty range)`},
		{in: "65535-1024", wantErr: "max 1024 below min 65535"},

		{in: "", wantErr: `hostport.ParsePortRange: parsing "": want MIN-MAX`},
		{in: "30000", wantErr: "want MIN-MAX"},
		{in: "30000:30100", wantErr: "want MIN-MAX"},
		{in: "30000–30100", wantErr: "want MIN-MAX"}, // en dash
		{in: "-", wantErr: `min "" is not a decimal number`},
		{in: "30000-", wantErr: `max "" is not a decimal number`},
		{in: "-30000", wantErr: `min "" is not a decimal number`},
		{in: "1-2-3", wantErr: `max "2-3" is not a decimal number`},
		{in: "30000--30100", wantErr: `max "-30100" is not a decimal number`},
		{in: "+3000-4000", wantErr: `min "+3000" is not a decimal number`},
		{in: " 3000-4000", wantErr: `min " 3000" is not a decimal number`},
		{in: "3000-4000 ", wantErr: `max "4000 " is not a decimal number`},
		{in: "3000-4000\n", wantErr: `max "4000\n" is not a decimal number`},
		{in: "3000-40\x0000", wantErr: `max "40\x0000" is not a decimal number`},
		{in: "0x400-0x500", wantErr: `min "0x400" is not a decimal number`},
		{in: "3_000-4000", wantErr: `min "3_000" is not a decimal number`},
		{in: "١٠٢٤-2000", wantErr: "is not a decimal number"}, // Arabic-Indic digits
		{in: "70000-70001", wantErr: `hostport.ParsePortRange: parsing "70000-70001": min "70000" out of range [0,65535]`},
		{in: "1024-65536", wantErr: `max "65536" out of range [0,65535]`},
		{in: "1024-18446744073709551617", wantErr: `max "18446744073709551617" out of range [0,65535]`}, // 2^64+1: no wrap-around
		{in: "1024-" + strings.Repeat("9", 1000), wantErr: `out of range [0,65535]`},
	}
	for _, tc := range tests {
		name := tc.in
		if len(name) > 40 {
			name = name[:40] + "..."
		}
		t.Run(name, func(t *testing.T) {
			got, err := hostport.ParsePortRange(tc.in)
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				return
			}
			require.ErrorIs(t, err, hostport.ErrInvalidPortRange)
			assert.Equal(t, hostport.PortRange{}, got, "zero value with an error")
			if strings.HasPrefix(tc.wantErr, "hostport.") {
				assert.EqualError(t, err, tc.wantErr)
			} else {
				assert.ErrorContains(t, err, tc.wantErr)
			}
			assert.LessOrEqual(t, len(err.Error()), 250, "message bounded for huge input")
		})
	}
}

// TestPortRangeString checks the MIN-MAX text of a range.
func TestPortRangeString(t *testing.T) {
	assert.Equal(t, "30000-30100", hostport.PortRange{Min: 30000, Max: 30100}.String())
	assert.Equal(t, "0-0", hostport.PortRange{}.String())
}

func checkPortRangeRoundTrip(t *rapid.T) {
	lo := rapid.Uint16Range(1024, 65535).Draw(t, "min")
	r := hostport.PortRange{Min: lo, Max: rapid.Uint16Range(lo, 65535).Draw(t, "max")}
	got, err := hostport.ParsePortRange(r.String())
	require.NoError(t, err)
	require.Equal(t, r, got)
}

func checkParsePortRangeAny(t *rapid.T) {
	s := rapid.OneOf(
		rapid.String(),
		rapid.StringMatching(`[0-9]{0,6}-[0-9]{0,6}`),
	).Draw(t, "s")
	r, err := hostport.ParsePortRange(s)
	if err != nil {
		require.ErrorIs(t, err, hostport.ErrInvalidPortRange)
		require.Equal(t, hostport.PortRange{}, r)
		return
	}
	require.GreaterOrEqual(t, r.Min, uint16(1024))
	require.GreaterOrEqual(t, r.Max, r.Min)
	// What parses is two decimal numbers around a '-', and means them.
	lo, hi, ok := strings.Cut(s, "-")
	require.True(t, ok)
	nlo, err1 := strconv.ParseUint(lo, 10, 16)
	nhi, err2 := strconv.ParseUint(hi, 10, 16)
	require.NoError(t, err1)
	require.NoError(t, err2)
	require.Equal(t, hostport.PortRange{Min: uint16(nlo), Max: uint16(nhi)}, r)
}

// TestPortRangeRoundTrip and TestParsePortRangeAny run the properties above.
func TestPortRangeRoundTrip(t *testing.T) { rapid.Check(t, checkPortRangeRoundTrip) }
func TestParsePortRangeAny(t *testing.T)  { rapid.Check(t, checkParsePortRangeAny) }

// FuzzParsePortRange runs checkParsePortRangeAny on fuzzed input.
func FuzzParsePortRange(f *testing.F) { f.Fuzz(rapid.MakeFuzz(checkParsePortRangeAny)) }

// passiveRange is a range below Linux's ephemeral ports (32768–60999), so that
// the kernel's own choices rarely collide with the tests'.
var passiveRange = hostport.PortRange{Min: 20000, Max: 20999}

// listenCtx returns a context that bounds a ListenPassive call of a test,
// although none should block.
func listenCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// portOf returns the address a listener is bound to.
func portOf(t *testing.T, ln net.Listener) netip.AddrPort {
	ap, err := netip.ParseAddrPort(ln.Addr().String())
	require.NoError(t, err)
	return ap
}

// hasIPv6Loopback reports whether ::1 can be listened on here.
func hasIPv6Loopback() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// TestListenPassive checks that a listener opens on the address, at a port
// in the range, over IPv4 and IPv6.
func TestListenPassive(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "::ffff:127.0.0.1", "::1"} {
		t.Run(ip, func(t *testing.T) {
			addr := netip.MustParseAddr(ip)
			if addr.Is6() && !addr.Is4In6() && !hasIPv6Loopback() {
				t.Skip("skipping: cannot listen on ::1 here (IPv6 disabled?)")
			}
			ln, err := hostport.ListenPassive(listenCtx(t), addr, passiveRange)
			require.NoError(t, err)
			defer ln.Close()
			ap := portOf(t, ln)
			assert.Equal(t, addr.Unmap(), ap.Addr().Unmap())
			assert.GreaterOrEqual(t, ap.Port(), passiveRange.Min)
			assert.LessOrEqual(t, ap.Port(), passiveRange.Max)
		})
	}
}

// TestListenPassiveAccept runs the whole server side on loopback: a
// listener from ListenPassive, the client's data connection checked with
// CheckDataPeer, and a thief's refused.
func TestListenPassiveAccept(t *testing.T) {
	control := netip.MustParseAddr("127.0.0.1") // the client's control connection comes from here
	ln, err := hostport.ListenPassive(listenCtx(t), netip.MustParseAddr("127.0.0.1"), passiveRange)
	require.NoError(t, err)
	defer ln.Close()

	accept := func(from netip.Addr) (netip.Addr, error) {
		d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(from, 0))}
		c, err := d.Dial("tcp", ln.Addr().String())
		if err != nil {
			return netip.Addr{}, err
		}
		defer c.Close()
		require.NoError(t, ln.SetDeadline(time.Now().Add(5*time.Second)))
		s, err := ln.AcceptTCP()
		require.NoError(t, err)
		defer s.Close()
		return s.RemoteAddr().(*net.TCPAddr).AddrPort().Addr(), nil
	}

	peer, err := accept(control)
	require.NoError(t, err)
	assert.NoError(t, hostport.CheckDataPeer(control, peer))

	if runtime.GOOS != "linux" {
		t.Skip("skipping the thief: 127.0.0.2 is loopback on Linux only")
	}
	thief, err := accept(netip.MustParseAddr("127.0.0.2"))
	require.NoError(t, err)
	err = hostport.CheckDataPeer(control, thief)
	assert.ErrorIs(t, err, hostport.ErrForeignAddress)
	assert.EqualError(t, err, "hostport.CheckDataPeer: data peer 127.0.0.2: not the client 127.0.0.1 (port theft, RFC 2577)")
}

// TestListenPassiveBadInput checks the errors for an invalid range and an
// unusable address.
func TestListenPassiveBadInput(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	tests := []struct {
		name    string
		ip      netip.Addr
		r       hostport.PortRange
		want    error
		wantMsg string
	}{
		{"zero range", lo, hostport.PortRange{}, hostport.ErrInvalidPortRange,
			"hostport.ListenPassive: port range 0-0: min 0 below 1024 (privileged ports, RFC 2577)"},
		{"privileged", lo, hostport.PortRange{Min: 0, Max: 1023}, hostport.ErrInvalidPortRange, ""},
		{"half privileged", lo, hostport.PortRange{Min: 1023, Max: 2000}, hostport.ErrInvalidPortRange, ""},
		{"empty", lo, hostport.PortRange{Min: 2000, Max: 1999}, hostport.ErrInvalidPortRange,
			"hostport.ListenPassive: port range 2000-1999: max 1999 below min 2000 (empty range)"},
		{"invalid ip", netip.Addr{}, passiveRange, hostport.ErrUnusableAddress,
			"hostport.ListenPassive: address invalid IP: not a valid address"},
		{"multicast ip", netip.MustParseAddr("224.0.0.1"), passiveRange, hostport.ErrUnusableAddress, ""},
		{"zoned multicast ip", netip.MustParseAddr("ff02::1%lo"), passiveRange, hostport.ErrUnusableAddress, ""},
		{"broadcast ip", netip.MustParseAddr("255.255.255.255"), passiveRange, hostport.ErrUnusableAddress, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			ln, err := hostport.ListenPassive(listenCtx(t), tc.ip, tc.r)
			require.Error(t, err)
			assert.Nil(t, ln)
			assert.ErrorIs(t, err, tc.want)
			if tc.wantMsg != "" {
				assert.EqualError(t, err, tc.wantMsg)
			}
			assert.Less(t, time.Since(start), time.Second, "refused at once, without trying ports")
		})
	}
}

// takePort occupies a port on 127.0.0.1 and returns it; it is freed when the
// test ends.
func takePort(t *testing.T, port uint16) (uint16, bool) {
	ln, err := net.Listen("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port).String())
	if err != nil {
		return 0, false
	}
	t.Cleanup(func() { ln.Close() })
	return portOf(t, ln).Port(), true
}

// TestListenPassiveRangeTaken checks that a taken port is skipped, and that a
// range whose ports are all taken gives an error that wraps the last one.
func TestListenPassiveRangeTaken(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	port, ok := takePort(t, 0)
	require.True(t, ok)
	if port < 1024 || port > 65533 {
		t.Skipf("skipping: the kernel chose port %d, outside the usable ranges", port)
	}

	t.Run("one port, taken", func(t *testing.T) {
		start := time.Now()
		ln, err := hostport.ListenPassive(listenCtx(t), lo, hostport.PortRange{Min: port, Max: port})
		require.Error(t, err)
		assert.Nil(t, ln)
		assert.Less(t, time.Since(start), 5*time.Second, "bounded retries")
		assert.ErrorContains(t, err, "hostport.ListenPassive: no port free in "+strconv.Itoa(int(port))+"-"+strconv.Itoa(int(port))+" on 127.0.0.1 (tried 1): ")
		var opErr *net.OpError
		assert.ErrorAs(t, err, &opErr, "wraps net's error")
		// It wraps the system's error for a port in use (syscall.EADDRINUSE
		// on Unix systems), whatever this system's is.
		_, inUse := net.Listen("tcp", netip.AddrPortFrom(lo, port).String())
		require.Error(t, inUse)
		for errors.Unwrap(inUse) != nil {
			inUse = errors.Unwrap(inUse)
		}
		assert.ErrorIs(t, err, inUse)
		assert.NotErrorIs(t, err, hostport.ErrInvalidPortRange)
	})

	// Ports already tried are not drawn again: with two ports of three
	// taken, the free one is found every time, where three draws with
	// replacement would all miss it with probability (2/3)^3, about 0.3.
	if _, ok := takePort(t, port+1); !ok {
		t.Skipf("skipping: port %d is in use", port+1)
	}
	t.Run("two ports, both taken", func(t *testing.T) {
		_, err := hostport.ListenPassive(listenCtx(t), lo, hostport.PortRange{Min: port, Max: port + 1})
		assert.ErrorContains(t, err, "(tried 2)")
	})
	free := port + 2
	if ln, err := net.Listen("tcp", netip.AddrPortFrom(lo, free).String()); err != nil {
		t.Skipf("skipping: port %d is in use", free)
	} else {
		ln.Close()
	}
	t.Run("the free port of three is always found", func(t *testing.T) {
		for range 30 {
			ln, err := hostport.ListenPassive(listenCtx(t), lo, hostport.PortRange{Min: port, Max: free})
			require.NoError(t, err)
			assert.Equal(t, free, portOf(t, ln).Port())
			ln.Close()
		}
	})
}

// TestListenPassiveContext checks that a done context stops ListenPassive at
// once with an error that wraps ctx.Err().
func TestListenPassiveContext(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()

	for name, tc := range map[string]struct {
		ctx  context.Context
		want error
	}{
		"canceled": {canceled, context.Canceled},
		"expired":  {expired, context.DeadlineExceeded},
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			ln, err := hostport.ListenPassive(tc.ctx, lo, passiveRange)
			assert.Nil(t, ln)
			require.ErrorIs(t, err, tc.want)
			assert.EqualError(t, err, "hostport.ListenPassive: on 127.0.0.1 in "+passiveRange.String()+": "+tc.want.Error())
			assert.Less(t, time.Since(start), time.Second)

			// The range and address are checked first.
			_, err = hostport.ListenPassive(tc.ctx, lo, hostport.PortRange{Min: 80, Max: 80})
			assert.ErrorIs(t, err, hostport.ErrInvalidPortRange)
		})
	}
}

// TestListenPassiveRandom checks that ports are drawn at random over the
// whole range, not handed out in sequence (RFC 2577 section 8). The bounds
// are many standard deviations wide, so the test does not flake: for 400
// draws from 1000 ports, about 330 are distinct (sd 8), each quarter of the
// range gets about 100 (sd 9), about 200 steps go up (sd 6) and about 0.4
// steps are +1.
func TestListenPassiveRandom(t *testing.T) {
	const n = 400
	lo := netip.MustParseAddr("127.0.0.1")
	ports := make([]int, 0, n)
	for range n {
		ln, err := hostport.ListenPassive(listenCtx(t), lo, passiveRange)
		require.NoError(t, err)
		ports = append(ports, int(portOf(t, ln).Port()))
		require.NoError(t, ln.Close())
	}
	distinct := map[int]bool{}
	var quarters [4]int
	ups, plusOnes := 0, 0
	for i, p := range ports {
		require.GreaterOrEqual(t, p, int(passiveRange.Min))
		require.LessOrEqual(t, p, int(passiveRange.Max))
		distinct[p] = true
		quarters[(p-int(passiveRange.Min))*4/(int(passiveRange.Max)-int(passiveRange.Min)+1)]++
		if i > 0 && p > ports[i-1] {
			ups++
		}
		if i > 0 && p == ports[i-1]+1 {
			plusOnes++
		}
	}
	assert.GreaterOrEqual(t, len(distinct), 250, "distinct ports")
	for q, c := range quarters {
		assert.GreaterOrEqual(t, c, 50, "draws in quarter %d of the range", q)
	}
	assert.InDelta(t, n/2, ups, 80, "steps up")
	assert.LessOrEqual(t, plusOnes, 10, "sequential steps")
}

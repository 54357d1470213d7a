package hostport_test

import (
	"encoding"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport"
)

// HostPort implements the standard text interfaces.
var (
	_ encoding.TextAppender    = hostport.HostPort{}
	_ encoding.TextMarshaler   = hostport.HostPort{}
	_ encoding.TextUnmarshaler = (*hostport.HostPort)(nil)
	_ fmt.Stringer             = hostport.HostPort{}
)

type hp = hostport.HostPort

var ap = netip.MustParseAddrPort

// TestParseUnmarshalText checks that UnmarshalText reads what Parse reads,
// fails where Parse fails, and leaves the value alone on failure.
func TestParseUnmarshalText(t *testing.T) {
	for _, tc := range parseRows {
		t.Run(tc.name, func(t *testing.T) {
			want, wantErr := hostport.Parse(tc.in)
			got := hp{1, 2, 3, 4, 5, 6}
			err := got.UnmarshalText([]byte(tc.in))
			if wantErr != nil {
				require.Error(t, err)
				assert.Equal(t, wantErr.Error(), err.Error())
				assert.Equal(t, hp{1, 2, 3, 4, 5, 6}, got, "unchanged on error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, want, got)
			text, err := got.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, got.String(), string(text))
		})
	}
}

// TestHostPortAccessors checks Addr, Port, AddrPort, TCPAddr, String and the
// text methods of a few values, and that the From functions give them back.
func TestHostPortAccessors(t *testing.T) {
	tests := []struct {
		name     string
		in       hp
		addr     netip.Addr
		port     uint16
		str      string
		addrPort string
	}{
		{"package doc sample", hp{10, 2, 0, 2, 4, 31}, netip.AddrFrom4([4]byte{10, 2, 0, 2}), 1055, "10,2,0,2,4,31", "10.2.0.2:1055"},
		{"passive sample", hp{127, 0, 0, 1, 203, 197}, netip.MustParseAddr("127.0.0.1"), 52165, "127,0,0,1,203,197", "127.0.0.1:52165"},
		{"zero", hp{}, netip.IPv4Unspecified(), 0, "0,0,0,0,0,0", "0.0.0.0:0"},
		{"max", hp{255, 255, 255, 255, 255, 255}, netip.MustParseAddr("255.255.255.255"), 65535,
			"255,255,255,255,255,255", "255.255.255.255:65535"},
		{"p1 only", hp{192, 0, 2, 1, 1, 0}, netip.MustParseAddr("192.0.2.1"), 256, "192,0,2,1,1,0", "192.0.2.1:256"},
		{"p2 only", hp{192, 0, 2, 1, 0, 255}, netip.MustParseAddr("192.0.2.1"), 255, "192,0,2,1,0,255", "192.0.2.1:255"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.addr, tc.in.Addr())
			assert.True(t, tc.in.Addr().Is4(), "Addr is IPv4, not IPv4-mapped")
			assert.Equal(t, tc.port, tc.in.Port())
			assert.Equal(t, netip.AddrPortFrom(tc.addr, tc.port), tc.in.AddrPort())
			assert.Equal(t, tc.addrPort, tc.in.AddrPort().String())
			assert.Equal(t, tc.str, tc.in.String())
			assert.Equal(t, tc.str, fmt.Sprint(tc.in), "fmt uses String")

			text, err := tc.in.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, tc.str, string(text))
			b, err := tc.in.AppendText(nil)
			require.NoError(t, err)
			assert.Equal(t, tc.str, string(b))
			buf := make([]byte, 4, 64)
			copy(buf, "pre:")
			b, err = tc.in.AppendText(buf)
			require.NoError(t, err)
			assert.Equal(t, "pre:"+tc.str, string(b))

			var u hp
			require.NoError(t, u.UnmarshalText(text))
			assert.Equal(t, tc.in, u)

			ta := tc.in.TCPAddr()
			require.NotNil(t, ta)
			assert.Len(t, ta.IP, 4, "TCPAddr has a 4-byte IP")
			assert.True(t, ta.IP.Equal(net.IP(tc.addr.AsSlice())))
			assert.Equal(t, int(tc.port), ta.Port)
			assert.Empty(t, ta.Zone)
			assert.Equal(t, tc.addrPort, ta.String())
			assert.Equal(t, tc.in.AddrPort(), ta.AddrPort())
			ta.IP[0] ^= 0xff
			ta.Port++
			assert.Equal(t, tc.addrPort, tc.in.TCPAddr().String(), "each TCPAddr is new")

			assert.Equal(t, tc.in, hostport.From4(tc.addr.As4(), tc.port))
			fromAP, err := hostport.FromAddrPort(tc.in.AddrPort())
			require.NoError(t, err)
			assert.Equal(t, tc.in, fromAP)
			fromTCP, err := hostport.FromTCPAddr(tc.in.TCPAddr())
			require.NoError(t, err)
			assert.Equal(t, tc.in, fromTCP)
		})
	}
}

// TestUnmarshalTextErrors checks that UnmarshalText fails with a ParseError
// of Parse and leaves its value alone.
func TestUnmarshalTextErrors(t *testing.T) {
	for _, in := range []string{"", "10,2,0,2,4", "10,2,0,2,4,256", "PORT 10,2,0,2,4,31", "10,2,0,2,4,31\r\n"} {
		t.Run(strconv.Quote(in), func(t *testing.T) {
			got := hp{192, 0, 2, 1, 4, 1}
			err := got.UnmarshalText([]byte(in))
			require.Error(t, err)
			var perr *hostport.ParseError
			require.ErrorAs(t, err, &perr)
			assert.Equal(t, "Parse", perr.Func)
			assert.Equal(t, in, perr.Input)
			assert.Equal(t, hp{192, 0, 2, 1, 4, 1}, got, "unchanged on error")
		})
	}
}

// TestCompare checks Compare against a list in ascending order, against
// netip.AddrPort.Compare, and as the sort order.
func TestCompare(t *testing.T) {
	// In ascending order.
	values := []hp{
		{},
		{0, 0, 0, 0, 0, 1},
		{0, 0, 0, 0, 1, 0},
		{0, 0, 0, 1, 0, 0},
		{10, 2, 0, 2, 4, 31},
		{10, 2, 0, 2, 4, 32},
		{10, 2, 0, 2, 5, 0},
		{10, 2, 0, 3, 0, 0},
		{127, 0, 0, 1, 255, 255},
		{192, 0, 2, 1, 0, 21},
		{192, 0, 2, 1, 4, 1},
		{255, 255, 255, 255, 255, 254},
		{255, 255, 255, 255, 255, 255},
	}
	for i, a := range values {
		for j, b := range values {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = +1
			}
			assert.Equal(t, want, a.Compare(b), "%v.Compare(%v)", a, b)
			assert.Equal(t, a.AddrPort().Compare(b.AddrPort()), a.Compare(b),
				"%v.Compare(%v) agrees with netip.AddrPort.Compare", a, b)
			assert.Equal(t, a == b, a.Compare(b) == 0)
		}
	}
	shuffled := slices.Clone(values)
	slices.Reverse(shuffled)
	shuffled[0], shuffled[5] = shuffled[5], shuffled[0]
	slices.SortFunc(shuffled, hostport.HostPort.Compare)
	assert.Equal(t, values, shuffled)
}

// TestFrom4 checks that From4 puts the address and port in wire order.
func TestFrom4(t *testing.T) {
	assert.Equal(t, hp{10, 2, 0, 2, 4, 31}, hostport.From4([4]byte{10, 2, 0, 2}, 1055))
	assert.Equal(t, hp{127, 0, 0, 1, 203, 197}, hostport.From4([4]byte{127, 0, 0, 1}, 52165))
	assert.Equal(t, hp{}, hostport.From4([4]byte{}, 0))
	assert.Equal(t, hp{255, 255, 255, 255, 255, 255}, hostport.From4([4]byte{255, 255, 255, 255}, 65535))
	assert.Equal(t, hp{192, 0, 2, 1, 1, 0}, hostport.From4([4]byte{192, 0, 2, 1}, 256))
}

// TestFromAddrPort checks the IPv4 and IPv4-mapped addresses FromAddrPort
// takes and the ErrFamily errors for the others.
func TestFromAddrPort(t *testing.T) {
	tests := []struct {
		name    string
		in      netip.AddrPort
		want    hp
		wantErr string
		is      error
	}{
		{name: "IPv4", in: ap("192.0.2.1:1025"), want: hp{192, 0, 2, 1, 4, 1}},
		{name: "IPv4 port 0", in: ap("0.0.0.0:0"), want: hp{}},
		{name: "IPv4 max", in: ap("255.255.255.255:65535"), want: hp{255, 255, 255, 255, 255, 255}},
		{name: "IPv4-mapped", in: ap("[::ffff:192.0.2.1]:1025"), want: hp{192, 0, 2, 1, 4, 1}},
		{name: "IPv4-mapped with zone", in: netip.AddrPortFrom(netip.MustParseAddr("::ffff:192.0.2.1%eth0"), 1025),
			want: hp{192, 0, 2, 1, 4, 1}},
		{name: "IPv6", in: ap("[2001:db8::1]:21"), is: errFamily,
			wantErr: "hostport.FromAddrPort: [2001:db8::1]:21: not an IPv4 address"},
		{name: "IPv6 loopback", in: ap("[::1]:21"), is: errFamily, wantErr: "hostport.FromAddrPort: [::1]:21: not an IPv4 address"},
		{name: "IPv4-compatible IPv6", in: ap("[::192.0.2.1]:21"), is: errFamily,
			wantErr: "hostport.FromAddrPort: [::c000:201]:21: not an IPv4 address"},
		{name: "invalid zero AddrPort", in: netip.AddrPort{}, is: errFamily,
			wantErr: "hostport.FromAddrPort: invalid AddrPort: not an IPv4 address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := hostport.FromAddrPort(tc.in)
			if tc.is == nil {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				assert.Equal(t, tc.in.Addr().Unmap().WithZone(""), got.Addr())
				assert.Equal(t, tc.in.Port(), got.Port())
				return
			}
			require.ErrorIs(t, err, tc.is)
			assert.EqualError(t, err, tc.wantErr)
			assert.Equal(t, hp{}, got)
			var cerr *hostport.ConvError
			require.ErrorAs(t, err, &cerr)
			assert.Equal(t, "FromAddrPort", cerr.Func)
			assert.Equal(t, tc.in.String(), cerr.Addr)
		})
	}
}

// TestFromTCPAddr checks the addresses FromTCPAddr takes, and its errors for
// nil, IPv6, odd IP lengths and ports out of range.
func TestFromTCPAddr(t *testing.T) {
	tests := []struct {
		name    string
		in      *net.TCPAddr
		want    hp
		wantErr string
		is      error
	}{
		{name: "4-byte IPv4", in: &net.TCPAddr{IP: net.IP{192, 0, 2, 1}, Port: 1025}, want: hp{192, 0, 2, 1, 4, 1}},
		{name: "16-byte IPv4", in: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1025}, want: hp{192, 0, 2, 1, 4, 1}},
		{name: "parsed IPv4", in: &net.TCPAddr{IP: net.ParseIP("10.2.0.2"), Port: 1055}, want: hp{10, 2, 0, 2, 4, 31}},
		{name: "zone ignored", in: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 21, Zone: "eth0"}, want: hp{192, 0, 2, 1, 0, 21}},
		{name: "port 0", in: &net.TCPAddr{IP: net.IPv4zero, Port: 0}, want: hp{}},
		{name: "port 65535", in: &net.TCPAddr{IP: net.IPv4bcast, Port: 65535}, want: hp{255, 255, 255, 255, 255, 255}},
		{name: "nil", in: nil, is: errFamily, wantErr: "hostport.FromTCPAddr: <nil>: not an IPv4 address"},
		{name: "nil IP", in: &net.TCPAddr{Port: 21}, is: errFamily, wantErr: "hostport.FromTCPAddr: :21: not an IPv4 address"},
		{name: "IPv6", in: &net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 21}, is: errFamily,
			wantErr: "hostport.FromTCPAddr: [2001:db8::1]:21: not an IPv4 address"},
		{name: "IP of 5 bytes", in: &net.TCPAddr{IP: net.IP{192, 0, 2, 1, 0}, Port: 21}, is: errFamily},
		{name: "port -1", in: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: -1}, is: errRange,
			wantErr: "hostport.FromTCPAddr: 192.0.2.1:-1: port out of range [0,65535]"},
		{name: "port 65536", in: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 65536}, is: errRange,
			wantErr: "hostport.FromTCPAddr: 192.0.2.1:65536: port out of range [0,65535]"},
		{name: "port 70000", in: &net.TCPAddr{IP: net.IP{192, 0, 2, 1}, Port: 70000}, is: errRange,
			wantErr: "hostport.FromTCPAddr: 192.0.2.1:70000: port out of range [0,65535]"},
		{name: "IPv6 and port 70000", in: &net.TCPAddr{IP: net.IPv6loopback, Port: 70000}, is: errFamily,
			wantErr: "hostport.FromTCPAddr: [::1]:70000: not an IPv4 address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := hostport.FromTCPAddr(tc.in)
			if tc.is == nil {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				return
			}
			require.ErrorIs(t, err, tc.is)
			for _, s := range sentinels {
				if s != tc.is {
					assert.NotErrorIs(t, err, s)
				}
			}
			if tc.wantErr != "" {
				assert.EqualError(t, err, tc.wantErr)
			}
			assert.Equal(t, hp{}, got)
			var cerr *hostport.ConvError
			require.ErrorAs(t, err, &cerr)
			assert.Equal(t, "FromTCPAddr", cerr.Func)
		})
	}
}

// Sinks for TestNoAllocs, so that the compiler keeps the calls.
var (
	allocSinkHP    hostport.HostPort
	allocSinkAP    netip.AddrPort
	allocSinkAddr  netip.Addr
	allocSinkPort  uint16
	allocSinkInt   int
	allocSinkBytes []byte
	allocSinkStr   string
	allocSinkErr   error
	allocSinkForm  hostport.Form
)

// Inputs for TestNoAllocs, in variables so that nothing is constant-folded.
var (
	allocHP      = hp{192, 0, 2, 1, 4, 1}
	allocOther   = hp{192, 0, 2, 1, 4, 2}
	allocAP4     = ap("132.235.1.2:6275")
	allocAP6     = ap("[1080::8:800:200c:417a]:5282")
	allocMapped  = ap("[::ffff:192.0.2.1]:1025")
	allocMax4    = ap("255.255.255.255:65535")
	allocMax6    = ap("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535")
	allocTCP4    = &net.TCPAddr{IP: net.IP{192, 0, 2, 1}, Port: 1025}
	allocTCP16   = &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1025}
	allocMaxHP   = hp{255, 255, 255, 255, 255, 255}
	allocPort    = uint16(6446)
	allocBufSize = 256
)

// TestNoAllocs checks that the parsers, Append functions, From functions and
// accessors do not allocate, and that the String and Format functions
// allocate only their result.
func TestNoAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation may allocate")
	}
	buf := make([]byte, 0, allocBufSize)
	noAllocs := map[string]func(){
		"Parse": func() { allocSinkHP, allocSinkErr = hostport.Parse("192,0,2,1,4,1") },
		"ParsePASV": func() {
			allocSinkHP, allocSinkErr = hostport.ParsePASV("227 Entering Passive Mode (192,0,2,1,4,1).\r\n")
		},
		"ParsePORT": func() { allocSinkHP, allocSinkErr = hostport.ParsePORT("PORT 10,2,0,2,4,31\r\n") },
		"ParseEPSV": func() {
			allocSinkPort, allocSinkErr = hostport.ParseEPSV("229 Entering Extended Passive Mode (|||6446|)\r\n")
		},
		"ParseEPRT/v4": func() { allocSinkAP, allocSinkErr = hostport.ParseEPRT("EPRT |1|132.235.1.2|6275|\r\n") },
		"ParseEPRT/v6": func() { allocSinkAP, allocSinkErr = hostport.ParseEPRT("EPRT |2|1080::8:800:200C:417A|5282|\r\n") },
		"ParseLPSV/v4": func() {
			allocSinkAP, allocSinkErr = hostport.ParseLPSV("228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)")
		},
		"ParseLPSV/v6": func() {
			allocSinkAP, allocSinkErr = hostport.ParseLPSV("228 Entering Long Passive Mode (" + long6 + ")")
		},
		"ParseLPRT/v4":  func() { allocSinkAP, allocSinkErr = hostport.ParseLPRT("LPRT 4,4,192,0,2,1,2,4,31") },
		"ParseLPRT/v6":  func() { allocSinkAP, allocSinkErr = hostport.ParseLPRT("LPRT " + long6) },
		"MustParsePORT": func() { allocSinkHP = hostport.MustParsePORT("PORT 10,2,0,2,4,31") },
		"ParseLine/PORT": func() {
			allocSinkForm, allocSinkAP, allocSinkErr = hostport.ParseLine("PORT 10,2,0,2,4,31\r\n")
		},
		"ParseLine/227": func() {
			allocSinkForm, allocSinkAP, allocSinkErr = hostport.ParseLine("227 Entering Passive Mode (192,0,2,1,4,1).\r\n")
		},
		"ParseLine/EPRT": func() {
			allocSinkForm, allocSinkAP, allocSinkErr = hostport.ParseLine("EPRT |2|1080::8:800:200C:417A|5282|\r\n")
		},
		"ParseLine/229": func() {
			allocSinkForm, allocSinkAP, allocSinkErr = hostport.ParseLine("229 Entering Extended Passive Mode (|||6446|)\r\n")
		},
		"ParseLine/LPRT": func() { allocSinkForm, allocSinkAP, allocSinkErr = hostport.ParseLine("LPRT " + long6) },
		"ParseLine/228": func() {
			allocSinkForm, allocSinkAP, allocSinkErr = hostport.ParseLine("228 Entering Long Passive Mode (" + long6 + ")")
		},
		"AppendPASV":    func() { allocSinkBytes = hostport.AppendPASV(buf[:0], allocMaxHP) },
		"AppendPORT":    func() { allocSinkBytes = hostport.AppendPORT(buf[:0], allocMaxHP) },
		"AppendEPSV":    func() { allocSinkBytes = hostport.AppendEPSV(buf[:0], allocPort) },
		"AppendEPRT/v4": func() { allocSinkBytes = hostport.AppendEPRT(buf[:0], allocAP4) },
		"AppendEPRT/v6": func() { allocSinkBytes = hostport.AppendEPRT(buf[:0], allocAP6) },
		"AppendLPSV":    func() { allocSinkBytes = hostport.AppendLPSV(buf[:0], allocMax6) },
		"AppendLPRT":    func() { allocSinkBytes = hostport.AppendLPRT(buf[:0], allocMax6) },
		"AppendText":    func() { allocSinkBytes, allocSinkErr = allocMaxHP.AppendText(buf[:0]) },
		"From4":         func() { allocSinkHP = hostport.From4([4]byte{192, 0, 2, 1}, allocPort) },
		"FromAddrPort":  func() { allocSinkHP, allocSinkErr = hostport.FromAddrPort(allocMapped) },
		"FromTCPAddr/4": func() { allocSinkHP, allocSinkErr = hostport.FromTCPAddr(allocTCP4) },
		"FromTCPAddr/16": func() {
			allocSinkHP, allocSinkErr = hostport.FromTCPAddr(allocTCP16)
		},
		"Addr":     func() { allocSinkAddr = allocHP.Addr() },
		"Port":     func() { allocSinkPort = allocHP.Port() },
		"AddrPort": func() { allocSinkAP = allocHP.AddrPort() },
		"Compare":  func() { allocSinkInt = allocHP.Compare(allocOther) },
	}
	for _, name := range slices.Sorted(maps.Keys(noAllocs)) {
		t.Run(name, func(t *testing.T) {
			assert.Zero(t, testing.AllocsPerRun(1000, noAllocs[name]))
			assert.NoError(t, allocSinkErr)
		})
	}

	// The formatters allocate the returned string and nothing else, even
	// for their longest output.
	oneAlloc := map[string]func(){
		"String":      func() { allocSinkStr = allocMaxHP.String() },
		"MarshalText": func() { allocSinkBytes, allocSinkErr = allocMaxHP.MarshalText() },
		"FormatPASV":  func() { allocSinkStr = hostport.FormatPASV(allocMaxHP) },
		"FormatPORT":  func() { allocSinkStr = hostport.FormatPORT(allocMaxHP) },
		"FormatEPSV":  func() { allocSinkStr = hostport.FormatEPSV(65535) },
		"FormatEPRT/v4": func() {
			allocSinkStr = hostport.FormatEPRT(allocMax4)
		},
		"FormatEPRT/v6":     func() { allocSinkStr = hostport.FormatEPRT(allocMax6) },
		"FormatEPRT/mapped": func() { allocSinkStr = hostport.FormatEPRT(allocMapped) },
		"FormatLPSV":        func() { allocSinkStr = hostport.FormatLPSV(allocMax6) },
		"FormatLPRT":        func() { allocSinkStr = hostport.FormatLPRT(allocMax6) },
	}
	for _, name := range slices.Sorted(maps.Keys(oneAlloc)) {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, 1.0, testing.AllocsPerRun(1000, oneAlloc[name]))
		})
	}
}

package hostport_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport"
)

// TestFormatEdges checks the formatters on edge values: the IPv4-mapped
// address, an address with a zone, the invalid AddrPort, the extreme ports.
func TestFormatEdges(t *testing.T) {
	mapped := ap("[::ffff:192.0.2.1]:21")
	zoned := netip.AddrPortFrom(netip.MustParseAddr("fe80::1%eth0"), 21)
	var invalid netip.AddrPort
	max6 := ap("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535")
	const long255 = "6,16,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,2,255,255"
	tests := []struct {
		name     string
		format   func() string
		appendTo func([]byte) []byte
		want     string
	}{
		{"FormatPASV zero", func() string { return hostport.FormatPASV(hp{}) },
			func(b []byte) []byte { return hostport.AppendPASV(b, hp{}) },
			"227 Entering Passive Mode (0,0,0,0,0,0)."},
		{"FormatPASV max", func() string { return hostport.FormatPASV(hp{255, 255, 255, 255, 255, 255}) },
			func(b []byte) []byte { return hostport.AppendPASV(b, hp{255, 255, 255, 255, 255, 255}) },
			"227 Entering Passive Mode (255,255,255,255,255,255)."},
		{"FormatPORT zero", func() string { return hostport.FormatPORT(hp{}) },
			func(b []byte) []byte { return hostport.AppendPORT(b, hp{}) },
			"PORT 0,0,0,0,0,0"},
		{"FormatPORT max", func() string { return hostport.FormatPORT(hp{255, 255, 255, 255, 255, 255}) },
			func(b []byte) []byte { return hostport.AppendPORT(b, hp{255, 255, 255, 255, 255, 255}) },
			"PORT 255,255,255,255,255,255"},
		{"FormatEPSV 0", func() string { return hostport.FormatEPSV(0) },
			func(b []byte) []byte { return hostport.AppendEPSV(b, 0) },
			"229 Entering Extended Passive Mode (|||0|)"},
		{"FormatEPSV 65535", func() string { return hostport.FormatEPSV(65535) },
			func(b []byte) []byte { return hostport.AppendEPSV(b, 65535) },
			"229 Entering Extended Passive Mode (|||65535|)"},
		{"FormatEPRT IPv4 port 0", func() string { return hostport.FormatEPRT(ap("192.0.2.1:0")) },
			func(b []byte) []byte { return hostport.AppendEPRT(b, ap("192.0.2.1:0")) },
			"EPRT |1|192.0.2.1|0|"},
		{"FormatEPRT IPv6 upper case in, lower case out", func() string { return hostport.FormatEPRT(ap("[1080::8:800:200C:417A]:5282")) },
			func(b []byte) []byte { return hostport.AppendEPRT(b, ap("[1080::8:800:200C:417A]:5282")) },
			"EPRT |2|1080::8:800:200c:417a|5282|"},
		{"FormatEPRT IPv6 max", func() string { return hostport.FormatEPRT(max6) },
			func(b []byte) []byte { return hostport.AppendEPRT(b, max6) },
			"EPRT |2|ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff|65535|"},
		{"FormatEPRT IPv4-mapped", func() string { return hostport.FormatEPRT(mapped) },
			func(b []byte) []byte { return hostport.AppendEPRT(b, mapped) },
			"EPRT |2|::ffff:192.0.2.1|21|"},
		{"FormatEPRT zone dropped", func() string { return hostport.FormatEPRT(zoned) },
			func(b []byte) []byte { return hostport.AppendEPRT(b, zoned) },
			"EPRT |2|fe80::1|21|"},
		{"FormatEPRT invalid", func() string { return hostport.FormatEPRT(invalid) },
			func(b []byte) []byte { return hostport.AppendEPRT(b, invalid) },
			""},
		{"FormatLPRT IPv4 port 0", func() string { return hostport.FormatLPRT(ap("192.0.2.1:0")) },
			func(b []byte) []byte { return hostport.AppendLPRT(b, ap("192.0.2.1:0")) },
			"LPRT 4,4,192,0,2,1,2,0,0"},
		{"FormatLPRT IPv6 max", func() string { return hostport.FormatLPRT(max6) },
			func(b []byte) []byte { return hostport.AppendLPRT(b, max6) },
			"LPRT " + long255},
		{"FormatLPRT IPv4-mapped", func() string { return hostport.FormatLPRT(mapped) },
			func(b []byte) []byte { return hostport.AppendLPRT(b, mapped) },
			"LPRT 6,16,0,0,0,0,0,0,0,0,0,0,255,255,192,0,2,1,2,0,21"},
		{"FormatLPRT zone dropped", func() string { return hostport.FormatLPRT(zoned) },
			func(b []byte) []byte { return hostport.AppendLPRT(b, zoned) },
			"LPRT 6,16,254,128,0,0,0,0,0,0,0,0,0,0,0,0,0,1,2,0,21"},
		{"FormatLPRT invalid", func() string { return hostport.FormatLPRT(invalid) },
			func(b []byte) []byte { return hostport.AppendLPRT(b, invalid) },
			""},
		{"FormatLPSV IPv6 max", func() string { return hostport.FormatLPSV(max6) },
			func(b []byte) []byte { return hostport.AppendLPSV(b, max6) },
			"228 Entering Long Passive Mode (" + long255 + ")"},
		{"FormatLPSV IPv4-mapped", func() string { return hostport.FormatLPSV(mapped) },
			func(b []byte) []byte { return hostport.AppendLPSV(b, mapped) },
			"228 Entering Long Passive Mode (6,16,0,0,0,0,0,0,0,0,0,0,255,255,192,0,2,1,2,0,21)"},
		{"FormatLPSV zone dropped", func() string { return hostport.FormatLPSV(zoned) },
			func(b []byte) []byte { return hostport.AppendLPSV(b, zoned) },
			"228 Entering Long Passive Mode (6,16,254,128,0,0,0,0,0,0,0,0,0,0,0,0,0,1,2,0,21)"},
		{"FormatLPSV invalid", func() string { return hostport.FormatLPSV(invalid) },
			func(b []byte) []byte { return hostport.AppendLPSV(b, invalid) },
			""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.format())
			assert.Equal(t, tc.want, string(tc.appendTo(nil)))
			buf := make([]byte, 4, 64)
			copy(buf, "pre:")
			assert.Equal(t, "pre:"+tc.want, string(tc.appendTo(buf)))
		})
	}

	// The mapped and zoned addresses read back as written, without the zone.
	for _, a := range []netip.AddrPort{mapped, zoned} {
		noZone := netip.AddrPortFrom(a.Addr().WithZone(""), a.Port())
		for _, f := range []struct {
			format func(netip.AddrPort) string
			parse  func(string) (netip.AddrPort, error)
		}{
			{hostport.FormatEPRT, hostport.ParseEPRT},
			{hostport.FormatLPRT, hostport.ParseLPRT},
			{hostport.FormatLPSV, hostport.ParseLPSV},
		} {
			line := f.format(a)
			got, err := f.parse(line)
			require.NoError(t, err, "parsing %q", line)
			assert.Equal(t, noZone, got, "parsing %q", line)
		}
	}
}

// TestFormsAgree checks that the forms describe the same value: PORT and
// EPRT |1|, PASV and EPSV, PORT and LPRT af 4.
func TestFormsAgree(t *testing.T) {
	for _, h := range []hp{{}, {10, 2, 0, 2, 4, 31}, {192, 0, 2, 1, 4, 1}, {255, 255, 255, 255, 255, 255}} {
		a := h.AddrPort()
		eprt, err := hostport.ParseEPRT(hostport.FormatEPRT(a))
		require.NoError(t, err)
		assert.Equal(t, a, eprt)
		lprt, err := hostport.ParseLPRT(hostport.FormatLPRT(a))
		require.NoError(t, err)
		assert.Equal(t, a, lprt)
		lpsv, err := hostport.ParseLPSV(hostport.FormatLPSV(a))
		require.NoError(t, err)
		assert.Equal(t, a, lpsv)
		port, err := hostport.ParseEPSV(hostport.FormatEPSV(h.Port()))
		require.NoError(t, err)
		assert.Equal(t, uint16(h[4])<<8|uint16(h[5]), port)
	}
}

package hostport_test

// Benchmarks of every parser and formatter, each beside naive baselines, so
// that one run compares them:
//
//	go test -run='^$' -bench=. -benchmem .
//
// The sub-benchmark "hostport" is this package; the others are the ways FTP
// code commonly does the same job:
//
//   - split-atoi: strings.Split and strconv.Atoi (as jlaffaye/ftp does), with
//     the field count and ranges checked so that the comparison is fair;
//   - sscanf: fmt.Sscanf with "%d,%d,%d,%d,%d,%d", ranges checked;
//   - floor: a bare loop that finds the first digit and accumulates six
//     numbers with no check at all; nothing correct can be much faster;
//   - index-parseuint (229 only): strings.Index, strings.IndexByte and
//     strconv.ParseUint, without allocating;
//   - split-parseaddr (EPRT only): strings.Split, netip.ParseAddr and
//     strconv.Atoi;
//   - sprintf, appendf (formatters): fmt.Sprintf and fmt.Appendf.
//
// TestBaselines checks that every baseline returns what hostport returns for
// the benchmark lines, and that the checked baselines reject what they claim
// to check.

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport"
)

// Benchmark lines, as real servers and clients send them (vsftpd's 227 text,
// the RFC 2428 samples).
var (
	benchPASV    = "227 Entering Passive Mode (192,168,150,90,195,149)."
	benchPORT    = "PORT 192,168,150,80,14,178"
	benchBare    = "192,168,150,90,195,149"
	benchEPSV    = "229 Entering Extended Passive Mode (|||6446|)"
	benchEPRT4   = "EPRT |1|132.235.1.2|6275|"
	benchEPRT6   = "EPRT |2|1080::8:800:200C:417A|5282|"
	benchLPRT4   = "LPRT 4,4,192,168,150,80,2,14,178"
	benchLPRT6   = "LPRT 6,16,32,1,13,184,133,163,0,0,0,0,138,46,3,112,115,52,2,14,178"
	benchLPSV4   = "228 Entering Long Passive Mode (4,4,192,168,150,90,2,195,149)"
	benchLPSV6   = "228 Entering Long Passive Mode (6,16,32,1,13,184,133,163,0,0,0,0,138,46,3,112,115,52,2,195,149)"
	benchHP      = hostport.HostPort{192, 168, 150, 90, 195, 149}
	benchPort    = uint16(6446)
	benchAP4     = netip.MustParseAddrPort("132.235.1.2:6275")
	benchAP6     = netip.MustParseAddrPort("[1080::8:800:200c:417a]:5282")
	benchLongAP6 = netip.MustParseAddrPort("[2001:db8:85a3::8a2e:370:7334]:50069")
)

// Sinks keep the compiler from discarding the benchmarked results.
var (
	benchSinkHP    hostport.HostPort
	benchSinkAP    netip.AddrPort
	benchSinkPort  uint16
	benchSinkStr   string
	benchSinkBytes []byte
	benchSinkErr   error
)

var errBaseline = errors.New("baseline: malformed")

// --- six-number baselines (227, PORT, bare) ---

// splitAtoi6 reads s as six comma-separated numbers 0–255 with strings.Split
// and strconv.Atoi, checking the count and the ranges.
func splitAtoi6(s string) (hostport.HostPort, error) {
	var hp hostport.HostPort
	f := strings.Split(s, ",")
	if len(f) != 6 {
		return hp, errBaseline
	}
	for i, x := range f {
		v, err := strconv.Atoi(x)
		if err != nil {
			return hp, err
		}
		if v < 0 || v > 255 {
			return hp, errBaseline
		}
		hp[i] = byte(v)
	}
	return hp, nil
}

// splitAtoiPASV reads a 227 reply as jlaffaye/ftp does: the text between the
// parentheses, split on commas.
func splitAtoiPASV(line string) (hostport.HostPort, error) {
	if !strings.HasPrefix(line, "227 ") {
		return hostport.HostPort{}, errBaseline
	}
	start := strings.Index(line, "(")
	end := strings.LastIndex(line, ")")
	if start < 0 || end < start {
		return hostport.HostPort{}, errBaseline
	}
	return splitAtoi6(line[start+1 : end])
}

// splitAtoiPORT reads a PORT command: the verb, one space, then the numbers.
func splitAtoiPORT(line string) (hostport.HostPort, error) {
	verb, arg, ok := strings.Cut(line, " ")
	if !ok || !strings.EqualFold(verb, "PORT") {
		return hostport.HostPort{}, errBaseline
	}
	return splitAtoi6(arg)
}

// sscanf6 reads six numbers with fmt.Sscanf and the given format, and checks
// the ranges.
func sscanf6(s, format string) (hostport.HostPort, error) {
	var hp hostport.HostPort
	var v [6]int
	n, err := fmt.Sscanf(s, format, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5])
	if err != nil {
		return hp, err
	}
	if n != 6 {
		return hp, errBaseline
	}
	for i, x := range v {
		if x < 0 || x > 255 {
			return hp, errBaseline
		}
		hp[i] = byte(x)
	}
	return hp, nil
}

func sscanfPASV(line string) (hostport.HostPort, error) {
	if !strings.HasPrefix(line, "227 ") {
		return hostport.HostPort{}, errBaseline
	}
	start := strings.Index(line, "(")
	if start < 0 {
		return hostport.HostPort{}, errBaseline
	}
	return sscanf6(line[start+1:], "%d,%d,%d,%d,%d,%d")
}

func sscanfPORT(line string) (hostport.HostPort, error) {
	return sscanf6(line, "PORT %d,%d,%d,%d,%d,%d")
}

func sscanfBare(s string) (hostport.HostPort, error) {
	return sscanf6(s, "%d,%d,%d,%d,%d,%d")
}

// floor6 finds the first digit of s at or after from and accumulates six
// numbers, skipping one byte between them, with no check at all. It is kept
// out of line, as the parsers it is compared with are.
//
//go:noinline
func floor6(s string, from int) (hp hostport.HostPort) {
	i := from
	for i < len(s) && s[i]-'0' > 9 {
		i++
	}
	for k := range hp {
		v := 0
		for ; i < len(s) && s[i]-'0' <= 9; i++ {
			v = v*10 + int(s[i]-'0')
		}
		hp[k] = byte(v)
		i++
	}
	return hp
}

// --- 229 baselines ---

// splitAtoiEPSV cuts the text between the parentheses, splits it on '|' and
// reads the fourth field with strconv.Atoi.
func splitAtoiEPSV(line string) (uint16, error) {
	if !strings.HasPrefix(line, "229 ") {
		return 0, errBaseline
	}
	start := strings.Index(line, "(")
	end := strings.LastIndex(line, ")")
	if start < 0 || end < start {
		return 0, errBaseline
	}
	f := strings.Split(line[start+1:end], "|")
	if len(f) != 5 || f[0] != "" || f[1] != "" || f[2] != "" || f[4] != "" {
		return 0, errBaseline
	}
	v, err := strconv.Atoi(f[3])
	if err != nil {
		return 0, err
	}
	if v < 0 || v > 65535 {
		return 0, errBaseline
	}
	return uint16(v), nil
}

// indexParseUintEPSV finds "(|||", the next '|' and reads the port between
// with strconv.ParseUint; it does not allocate.
func indexParseUintEPSV(line string) (uint16, error) {
	if !strings.HasPrefix(line, "229 ") {
		return 0, errBaseline
	}
	i := strings.Index(line, "(|||")
	if i < 0 {
		return 0, errBaseline
	}
	i += len("(|||")
	j := strings.IndexByte(line[i:], '|')
	if j < 0 {
		return 0, errBaseline
	}
	j += i
	if j+1 >= len(line) || line[j+1] != ')' {
		return 0, errBaseline
	}
	v, err := strconv.ParseUint(line[i:j], 10, 16)
	if err != nil {
		return 0, err
	}
	return uint16(v), nil
}

// --- EPRT baseline ---

// splitParseAddrEPRT splits the argument on its first byte, the delimiter,
// and reads the fields with strconv.Atoi and netip.ParseAddr.
func splitParseAddrEPRT(line string) (netip.AddrPort, error) {
	verb, arg, ok := strings.Cut(line, " ")
	if !ok || !strings.EqualFold(verb, "EPRT") || arg == "" {
		return netip.AddrPort{}, errBaseline
	}
	f := strings.Split(arg, arg[:1])
	if len(f) != 5 || f[0] != "" || f[4] != "" {
		return netip.AddrPort{}, errBaseline
	}
	prt, err := strconv.Atoi(f[1])
	if err != nil {
		return netip.AddrPort{}, err
	}
	a, err := netip.ParseAddr(f[2])
	if err != nil {
		return netip.AddrPort{}, err
	}
	if (prt != 1 || !a.Is4()) && (prt != 2 || !a.Is6() || a.Zone() != "") {
		return netip.AddrPort{}, errBaseline
	}
	port, err := strconv.Atoi(f[3])
	if err != nil {
		return netip.AddrPort{}, err
	}
	if port < 0 || port > 65535 {
		return netip.AddrPort{}, errBaseline
	}
	return netip.AddrPortFrom(a, uint16(port)), nil
}

// --- LPRT and 228 baselines ---

// splitAtoiLong reads the long host-port of RFC 1639 with strings.Split and
// strconv.Atoi, checking af, hal, pal, the count and the ranges.
func splitAtoiLong(s string) (netip.AddrPort, error) {
	f := strings.Split(s, ",")
	var v [21]byte
	if len(f) != 9 && len(f) != 21 {
		return netip.AddrPort{}, errBaseline
	}
	for i, x := range f {
		n, err := strconv.Atoi(x)
		if err != nil {
			return netip.AddrPort{}, err
		}
		if n < 0 || n > 255 {
			return netip.AddrPort{}, errBaseline
		}
		v[i] = byte(n)
	}
	var a netip.Addr
	switch {
	case len(f) == 9 && v[0] == 4 && v[1] == 4:
		a = netip.AddrFrom4([4]byte(v[2:6]))
	case len(f) == 21 && v[0] == 6 && v[1] == 16:
		a = netip.AddrFrom16([16]byte(v[2:18]))
	default:
		return netip.AddrPort{}, errBaseline
	}
	p := len(f) - 3
	if v[p] != 2 {
		return netip.AddrPort{}, errBaseline
	}
	return netip.AddrPortFrom(a, uint16(v[p+1])<<8|uint16(v[p+2])), nil
}

func splitAtoiLPRT(line string) (netip.AddrPort, error) {
	verb, arg, ok := strings.Cut(line, " ")
	if !ok || !strings.EqualFold(verb, "LPRT") {
		return netip.AddrPort{}, errBaseline
	}
	return splitAtoiLong(arg)
}

func splitAtoiLPSV(line string) (netip.AddrPort, error) {
	if !strings.HasPrefix(line, "228 ") {
		return netip.AddrPort{}, errBaseline
	}
	start := strings.Index(line, "(")
	end := strings.LastIndex(line, ")")
	if start < 0 || end < start {
		return netip.AddrPort{}, errBaseline
	}
	return splitAtoiLong(line[start+1 : end])
}

// --- formatter baselines ---

func sprintfString(hp hostport.HostPort) string {
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d", hp[0], hp[1], hp[2], hp[3], hp[4], hp[5])
}

func sprintfPASV(hp hostport.HostPort) string {
	return fmt.Sprintf("227 Entering Passive Mode (%d,%d,%d,%d,%d,%d).", hp[0], hp[1], hp[2], hp[3], hp[4], hp[5])
}

func sprintfPORT(hp hostport.HostPort) string {
	return fmt.Sprintf("PORT %d,%d,%d,%d,%d,%d", hp[0], hp[1], hp[2], hp[3], hp[4], hp[5])
}

func sprintfEPSV(port uint16) string {
	return fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)", port)
}

func sprintfEPRT(ap netip.AddrPort) string {
	prt := 2
	if ap.Addr().Is4() {
		prt = 1
	}
	return fmt.Sprintf("EPRT |%d|%s|%d|", prt, ap.Addr(), ap.Port())
}

// Formats of the long host-port for fmt, between a prefix and a suffix.
const (
	long4Format = "%s4,4,%d,%d,%d,%d,2,%d,%d%s"
	long6Format = "%s6,16,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,2,%d,%d%s"
)

// sprintfLong formats the long host-port with one fmt.Sprintf call, prefix
// and suffix around it.
func sprintfLong(prefix, suffix string, ap netip.AddrPort) string {
	p1, p2 := ap.Port()>>8, ap.Port()&0xff
	if a := ap.Addr(); a.Is4() {
		b := a.As4()
		return fmt.Sprintf(long4Format, prefix, b[0], b[1], b[2], b[3], p1, p2, suffix)
	}
	b := ap.Addr().As16()
	return fmt.Sprintf(long6Format, prefix,
		b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
		b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15], p1, p2, suffix)
}

// appendfLong is sprintfLong with fmt.Appendf.
func appendfLong(dst []byte, prefix, suffix string, ap netip.AddrPort) []byte {
	p1, p2 := ap.Port()>>8, ap.Port()&0xff
	if a := ap.Addr(); a.Is4() {
		b := a.As4()
		return fmt.Appendf(dst, long4Format, prefix, b[0], b[1], b[2], b[3], p1, p2, suffix)
	}
	b := ap.Addr().As16()
	return fmt.Appendf(dst, long6Format, prefix,
		b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
		b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15], p1, p2, suffix)
}

func sprintfLPRT(ap netip.AddrPort) string {
	return sprintfLong("LPRT ", "", ap)
}

func sprintfLPSV(ap netip.AddrPort) string {
	return sprintfLong("228 Entering Long Passive Mode (", ")", ap)
}

// --- the sanity test ---

// TestBaselines checks that every baseline reads the benchmark lines to the
// values hostport reads, and that the checked baselines reject what they
// claim to check: a baseline that does less than it says would make the
// comparison, and the floor that ParsePASV and ParsePORT are held to,
// meaningless.
func TestBaselines(t *testing.T) {
	wantPASV := hostport.MustParsePASV(benchPASV)
	wantPORT := hostport.MustParsePORT(benchPORT)
	wantBare := hostport.MustParse(benchBare)
	require.Equal(t, hostport.HostPort{192, 168, 150, 90, 195, 149}, wantPASV)
	require.Equal(t, hostport.HostPort{192, 168, 150, 80, 14, 178}, wantPORT)
	require.Equal(t, wantPASV, wantBare)

	six := []struct {
		name string
		f    func(string) (hostport.HostPort, error)
		in   string
		want hostport.HostPort
	}{
		{"PASV/split-atoi", splitAtoiPASV, benchPASV, wantPASV},
		{"PASV/sscanf", sscanfPASV, benchPASV, wantPASV},
		{"PASV/floor", func(s string) (hostport.HostPort, error) { return floor6(s, 4), nil }, benchPASV, wantPASV},
		{"PORT/split-atoi", splitAtoiPORT, benchPORT, wantPORT},
		{"PORT/sscanf", sscanfPORT, benchPORT, wantPORT},
		{"PORT/floor", func(s string) (hostport.HostPort, error) { return floor6(s, 0), nil }, benchPORT, wantPORT},
		{"bare/split-atoi", splitAtoi6, benchBare, wantBare},
		{"bare/sscanf", sscanfBare, benchBare, wantBare},
		{"bare/floor", func(s string) (hostport.HostPort, error) { return floor6(s, 0), nil }, benchBare, wantBare},
	}
	for _, tc := range six {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.f(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}

	wantEPSV := hostport.MustParseEPSV(benchEPSV)
	require.Equal(t, uint16(6446), wantEPSV)
	for name, f := range map[string]func(string) (uint16, error){
		"EPSV/split-atoi":      splitAtoiEPSV,
		"EPSV/index-parseuint": indexParseUintEPSV,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := f(benchEPSV)
			require.NoError(t, err)
			assert.Equal(t, wantEPSV, got)
		})
	}

	addrs := []struct {
		name string
		f    func(string) (netip.AddrPort, error)
		ref  func(string) (netip.AddrPort, error)
		in   string
		want netip.AddrPort
	}{
		{"EPRT4/split-parseaddr", splitParseAddrEPRT, hostport.ParseEPRT, benchEPRT4, benchAP4},
		{"EPRT6/split-parseaddr", splitParseAddrEPRT, hostport.ParseEPRT, benchEPRT6, benchAP6},
		{"LPRT4/split-atoi", splitAtoiLPRT, hostport.ParseLPRT, benchLPRT4, netip.MustParseAddrPort("192.168.150.80:3762")},
		{"LPRT6/split-atoi", splitAtoiLPRT, hostport.ParseLPRT, benchLPRT6, netip.AddrPortFrom(benchLongAP6.Addr(), 3762)},
		{"LPSV4/split-atoi", splitAtoiLPSV, hostport.ParseLPSV, benchLPSV4, benchHP.AddrPort()},
		{"LPSV6/split-atoi", splitAtoiLPSV, hostport.ParseLPSV, benchLPSV6, benchLongAP6},
	}
	for _, tc := range addrs {
		t.Run(tc.name, func(t *testing.T) {
			want, err := tc.ref(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, want)
			got, err := tc.f(tc.in)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}

	formats := []struct {
		name      string
		got, want string
	}{
		{"String/sprintf", sprintfString(benchHP), benchHP.String()},
		{"FormatPASV/sprintf", sprintfPASV(benchHP), hostport.FormatPASV(benchHP)},
		{"FormatPORT/sprintf", sprintfPORT(benchHP), hostport.FormatPORT(benchHP)},
		{"FormatEPSV/sprintf", sprintfEPSV(benchPort), hostport.FormatEPSV(benchPort)},
		{"FormatEPRT4/sprintf", sprintfEPRT(benchAP4), hostport.FormatEPRT(benchAP4)},
		{"FormatEPRT6/sprintf", sprintfEPRT(benchAP6), hostport.FormatEPRT(benchAP6)},
		{"FormatLPRT4/sprintf", sprintfLPRT(benchHP.AddrPort()), hostport.FormatLPRT(benchHP.AddrPort())},
		{"FormatLPRT6/sprintf", sprintfLPRT(benchLongAP6), hostport.FormatLPRT(benchLongAP6)},
		{"FormatLPSV4/sprintf", sprintfLPSV(benchHP.AddrPort()), hostport.FormatLPSV(benchHP.AddrPort())},
		{"FormatLPSV6/sprintf", sprintfLPSV(benchLongAP6), hostport.FormatLPSV(benchLongAP6)},
		{"AppendLPRT6/appendf", string(appendfLong(nil, "LPRT ", "", benchLongAP6)), hostport.FormatLPRT(benchLongAP6)},
		{"AppendLPSV4/appendf", string(appendfLong(nil, "228 Entering Long Passive Mode (", ")", benchHP.AddrPort())), hostport.FormatLPSV(benchHP.AddrPort())},
		// The formatters write the benchmark lines back.
		{"FormatPASV/line", hostport.FormatPASV(benchHP), benchPASV},
		{"FormatEPSV/line", hostport.FormatEPSV(benchPort), benchEPSV},
		{"FormatEPRT4/line", hostport.FormatEPRT(benchAP4), benchEPRT4},
		{"FormatLPSV4/line", hostport.FormatLPSV(benchHP.AddrPort()), benchLPSV4},
		{"FormatLPSV6/line", hostport.FormatLPSV(benchLongAP6), benchLPSV6},
	}
	for _, tc := range formats {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.got)
		})
	}

	// The checked baselines reject what they claim to check, so that the
	// comparison with hostport, which checks all of it, is fair.
	rejects := []struct {
		name string
		f    func() error
	}{
		{"PASV/split-atoi/5-fields", func() error {
			_, err := splitAtoiPASV("227 Entering Passive Mode (192,168,150,90,195).")
			return err
		}},
		{"PASV/split-atoi/7-fields", func() error {
			_, err := splitAtoiPASV("227 Entering Passive Mode (192,168,150,90,195,149,1).")
			return err
		}},
		{"PASV/split-atoi/256", func() error {
			_, err := splitAtoiPASV("227 Entering Passive Mode (192,168,150,90,256,149).")
			return err
		}},
		{"PASV/sscanf/256", func() error {
			_, err := sscanfPASV("227 Entering Passive Mode (192,168,150,90,256,149).")
			return err
		}},
		{"PORT/split-atoi/negative", func() error {
			_, err := splitAtoiPORT("PORT 192,168,150,80,-1,178")
			return err
		}},
		{"PORT/split-atoi/verb", func() error {
			_, err := splitAtoiPORT("EPRT 192,168,150,80,14,178")
			return err
		}},
		{"PORT/sscanf/5-fields", func() error {
			_, err := sscanfPORT("PORT 192,168,150,80,14")
			return err
		}},
		{"EPSV/split-atoi/70000", func() error {
			_, err := splitAtoiEPSV("229 Entering Extended Passive Mode (|||70000|)")
			return err
		}},
		{"EPSV/index-parseuint/70000", func() error {
			_, err := indexParseUintEPSV("229 Entering Extended Passive Mode (|||70000|)")
			return err
		}},
		{"EPRT/split-parseaddr/prt-1-ipv6", func() error {
			_, err := splitParseAddrEPRT("EPRT |1|1080::8:800:200C:417A|5282|")
			return err
		}},
		{"EPRT/split-parseaddr/70000", func() error {
			_, err := splitParseAddrEPRT("EPRT |1|132.235.1.2|70000|")
			return err
		}},
		{"LPRT/split-atoi/hal", func() error {
			_, err := splitAtoiLPRT("LPRT 4,16,192,168,150,80,2,14,178")
			return err
		}},
		{"LPSV/split-atoi/pal", func() error {
			_, err := splitAtoiLPSV("228 Entering Long Passive Mode (4,4,192,168,150,90,3,195,149)")
			return err
		}},
	}
	for _, tc := range rejects {
		t.Run("reject/"+tc.name, func(t *testing.T) {
			assert.Error(t, tc.f())
		})
	}
}

// --- parser benchmarks ---
//
// Every parser is called directly in its loop (not through a func value), so
// that hostport and the baselines pay the same call cost.

func BenchmarkParsePASV(b *testing.B) {
	line := benchPASV
	b.Run("hostport", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkHP, benchSinkErr = hostport.ParsePASV(line)
		}
	})
	b.Run("split-atoi", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkHP, benchSinkErr = splitAtoiPASV(line)
		}
	})
	b.Run("sscanf", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkHP, benchSinkErr = sscanfPASV(line)
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkHP = floor6(line, 4) // after the reply code
		}
	})
}

func BenchmarkParsePORT(b *testing.B) {
	line := benchPORT
	b.Run("hostport", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkHP, benchSinkErr = hostport.ParsePORT(line)
		}
	})
	b.Run("split-atoi", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkHP, benchSinkErr = splitAtoiPORT(line)
		}
	})
	b.Run("sscanf", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkHP, benchSinkErr = sscanfPORT(line)
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkHP = floor6(line, 0)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	s := benchBare
	b.Run("hostport", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkHP, benchSinkErr = hostport.Parse(s)
		}
	})
	b.Run("split-atoi", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkHP, benchSinkErr = splitAtoi6(s)
		}
	})
	b.Run("sscanf", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkHP, benchSinkErr = sscanfBare(s)
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkHP = floor6(s, 0)
		}
	})
}

// BenchmarkParseLine reads a line of each form with ParseLine, to be set
// beside the form's own parser's benchmark: the difference is the cost of
// telling the form.
func BenchmarkParseLine(b *testing.B) {
	for _, bc := range []struct{ name, line string }{
		{"227", benchPASV},
		{"PORT", benchPORT},
		{"229", benchEPSV},
		{"EPRT", benchEPRT4},
		{"LPRT", benchLPRT4},
		{"228", benchLPSV4},
	} {
		b.Run(bc.name, func(b *testing.B) {
			line := bc.line
			b.ReportAllocs()
			for range b.N {
				_, benchSinkAP, benchSinkErr = hostport.ParseLine(line)
			}
			if benchSinkErr != nil {
				b.Fatal(benchSinkErr)
			}
		})
	}
}

func BenchmarkHostPort_UnmarshalText(b *testing.B) {
	text := []byte(benchBare)
	b.ReportAllocs()
	var hp hostport.HostPort
	for range b.N {
		benchSinkErr = hp.UnmarshalText(text)
	}
	benchSinkHP = hp
}

func BenchmarkParseEPSV(b *testing.B) {
	line := benchEPSV
	b.Run("hostport", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkPort, benchSinkErr = hostport.ParseEPSV(line)
		}
	})
	b.Run("split-atoi", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkPort, benchSinkErr = splitAtoiEPSV(line)
		}
	})
	b.Run("index-parseuint", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkPort, benchSinkErr = indexParseUintEPSV(line)
		}
	})
}

func BenchmarkParseEPRT(b *testing.B) {
	for _, l := range []struct{ name, line string }{{"v4", benchEPRT4}, {"v6", benchEPRT6}} {
		b.Run(l.name+"/hostport", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				benchSinkAP, benchSinkErr = hostport.ParseEPRT(l.line)
			}
		})
		b.Run(l.name+"/split-parseaddr", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				benchSinkAP, benchSinkErr = splitParseAddrEPRT(l.line)
			}
		})
	}
}

func BenchmarkParseLPRT(b *testing.B) {
	for _, l := range []struct{ name, line string }{{"v4", benchLPRT4}, {"v6", benchLPRT6}} {
		b.Run(l.name+"/hostport", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				benchSinkAP, benchSinkErr = hostport.ParseLPRT(l.line)
			}
		})
		b.Run(l.name+"/split-atoi", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				benchSinkAP, benchSinkErr = splitAtoiLPRT(l.line)
			}
		})
	}
}

func BenchmarkParseLPSV(b *testing.B) {
	for _, l := range []struct{ name, line string }{{"v4", benchLPSV4}, {"v6", benchLPSV6}} {
		b.Run(l.name+"/hostport", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				benchSinkAP, benchSinkErr = hostport.ParseLPSV(l.line)
			}
		})
		b.Run(l.name+"/split-atoi", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				benchSinkAP, benchSinkErr = splitAtoiLPSV(l.line)
			}
		})
	}
}

// --- formatter benchmarks ---

// benchFormat runs a Format function and its fmt.Sprintf equivalent.
func benchFormat(b *testing.B, format, sprintf func() string) {
	b.Run("hostport", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkStr = format()
		}
	})
	b.Run("sprintf", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			benchSinkStr = sprintf()
		}
	})
}

// benchAppend runs an Append function and its fmt.Appendf equivalent into
// a reused buffer; the Append forms must not allocate.
func benchAppend(b *testing.B, appendTo, appendf func([]byte) []byte) {
	for _, f := range []struct {
		name string
		f    func([]byte) []byte
	}{{"hostport", appendTo}, {"appendf", appendf}} {
		b.Run(f.name, func(b *testing.B) {
			buf := make([]byte, 0, 128)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				buf = f.f(buf[:0])
			}
			benchSinkBytes = buf
		})
	}
}

func BenchmarkHostPort_String(b *testing.B) {
	benchFormat(b,
		func() string { return benchHP.String() },
		func() string { return sprintfString(benchHP) })
}

func BenchmarkHostPort_AppendText(b *testing.B) {
	benchAppend(b,
		func(buf []byte) []byte {
			buf, benchSinkErr = benchHP.AppendText(buf)
			return buf
		},
		func(buf []byte) []byte {
			hp := benchHP
			return fmt.Appendf(buf, "%d,%d,%d,%d,%d,%d", hp[0], hp[1], hp[2], hp[3], hp[4], hp[5])
		})
}

func BenchmarkHostPort_MarshalText(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		benchSinkBytes, benchSinkErr = benchHP.MarshalText()
	}
}

func BenchmarkFormatPASV(b *testing.B) {
	benchFormat(b,
		func() string { return hostport.FormatPASV(benchHP) },
		func() string { return sprintfPASV(benchHP) })
}

func BenchmarkAppendPASV(b *testing.B) {
	benchAppend(b,
		func(buf []byte) []byte { return hostport.AppendPASV(buf, benchHP) },
		func(buf []byte) []byte {
			hp := benchHP
			return fmt.Appendf(buf, "227 Entering Passive Mode (%d,%d,%d,%d,%d,%d).", hp[0], hp[1], hp[2], hp[3], hp[4], hp[5])
		})
}

func BenchmarkFormatPORT(b *testing.B) {
	benchFormat(b,
		func() string { return hostport.FormatPORT(benchHP) },
		func() string { return sprintfPORT(benchHP) })
}

func BenchmarkAppendPORT(b *testing.B) {
	benchAppend(b,
		func(buf []byte) []byte { return hostport.AppendPORT(buf, benchHP) },
		func(buf []byte) []byte {
			hp := benchHP
			return fmt.Appendf(buf, "PORT %d,%d,%d,%d,%d,%d", hp[0], hp[1], hp[2], hp[3], hp[4], hp[5])
		})
}

func BenchmarkFormatEPSV(b *testing.B) {
	benchFormat(b,
		func() string { return hostport.FormatEPSV(benchPort) },
		func() string { return sprintfEPSV(benchPort) })
}

func BenchmarkAppendEPSV(b *testing.B) {
	benchAppend(b,
		func(buf []byte) []byte { return hostport.AppendEPSV(buf, benchPort) },
		func(buf []byte) []byte {
			return fmt.Appendf(buf, "229 Entering Extended Passive Mode (|||%d|)", benchPort)
		})
}

// benchEPRTAddrs and benchLongAddrs are the addresses of the EPRT and of the
// LPRT and 228 formatter benchmarks, those of the benchmark lines.
var (
	benchEPRTAddrs = []struct {
		name string
		ap   netip.AddrPort
	}{
		{"v4", benchAP4},
		{"v6", benchAP6},
	}
	benchLongAddrs = []struct {
		name string
		ap   netip.AddrPort
	}{
		{"v4", benchHP.AddrPort()},
		{"v6", benchLongAP6},
	}
)

func BenchmarkFormatEPRT(b *testing.B) {
	for _, a := range benchEPRTAddrs {
		b.Run(a.name, func(b *testing.B) {
			benchFormat(b,
				func() string { return hostport.FormatEPRT(a.ap) },
				func() string { return sprintfEPRT(a.ap) })
		})
	}
}

func BenchmarkAppendEPRT(b *testing.B) {
	for _, a := range benchEPRTAddrs {
		b.Run(a.name, func(b *testing.B) {
			benchAppend(b,
				func(buf []byte) []byte { return hostport.AppendEPRT(buf, a.ap) },
				func(buf []byte) []byte {
					prt := 2
					if a.ap.Addr().Is4() {
						prt = 1
					}
					return fmt.Appendf(buf, "EPRT |%d|%s|%d|", prt, a.ap.Addr(), a.ap.Port())
				})
		})
	}
}

func BenchmarkFormatLPRT(b *testing.B) {
	for _, a := range benchLongAddrs {
		b.Run(a.name, func(b *testing.B) {
			benchFormat(b,
				func() string { return hostport.FormatLPRT(a.ap) },
				func() string { return sprintfLPRT(a.ap) })
		})
	}
}

func BenchmarkAppendLPRT(b *testing.B) {
	for _, a := range benchLongAddrs {
		b.Run(a.name, func(b *testing.B) {
			benchAppend(b,
				func(buf []byte) []byte { return hostport.AppendLPRT(buf, a.ap) },
				func(buf []byte) []byte { return appendfLong(buf, "LPRT ", "", a.ap) })
		})
	}
}

func BenchmarkFormatLPSV(b *testing.B) {
	for _, a := range benchLongAddrs {
		b.Run(a.name, func(b *testing.B) {
			benchFormat(b,
				func() string { return hostport.FormatLPSV(a.ap) },
				func() string { return sprintfLPSV(a.ap) })
		})
	}
}

func BenchmarkAppendLPSV(b *testing.B) {
	for _, a := range benchLongAddrs {
		b.Run(a.name, func(b *testing.B) {
			benchAppend(b,
				func(buf []byte) []byte { return hostport.AppendLPSV(buf, a.ap) },
				func(buf []byte) []byte { return appendfLong(buf, "228 Entering Long Passive Mode (", ")", a.ap) })
		})
	}
}

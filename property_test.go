package hostport_test

import (
	"bytes"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/hostporttest"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Property tests. Each property is a func checkPropX(t *rapid.T), run by
// TestPropX with rapid.Check: 100 cases in every go test, and as many as
// wanted with -rapid.checks=N (the parsers' native fuzz targets are in
// fuzz_test.go).

var propByte = rapid.OneOf(rapid.SampledFrom([]byte{0, 1, 9, 10, 99, 100, 127, 200, 255}), rapid.Byte())

var propFields = [6]string{"h1", "h2", "h3", "h4", "p1", "p2"}

// propHostPort draws the six numbers of a host-port, labelled h1 to p2.
func propHostPort(t *rapid.T) hostport.HostPort {
	var hp hostport.HostPort
	for i, name := range propFields {
		hp[i] = propByte.Draw(t, name)
	}
	return hp
}

// propAddrPort draws net-prt 1 or 2 (RFC 2428 numbering), an address of
// that family and a port.
func propAddrPort(t *rapid.T) netip.AddrPort {
	gen := hostporttest.AddrPort4()
	if rapid.IntRange(1, 2).Draw(t, "net-prt") == 2 {
		gen = hostporttest.AddrPort6()
	}
	a := gen.Draw(t, "net-addr").Addr()
	return netip.AddrPortFrom(a, hostporttest.Port().Draw(t, "tcp-port"))
}

// propList writes the numbers as a comma-separated list, with strconv.
func propList[T byte | int](nums ...T) string {
	s := make([]string, len(nums))
	for i, v := range nums {
		s[i] = strconv.Itoa(int(v))
	}
	return strings.Join(s, ",")
}

// propLong writes the long host-port of RFC 1639 for ap.
func propLong(ap netip.AddrPort) string {
	var nums []int
	if a := ap.Addr(); a.Is4() {
		nums = append(nums, 4, 4)
		for _, b := range a.As4() {
			nums = append(nums, int(b))
		}
	} else {
		nums = append(nums, 6, 16)
		for _, b := range a.As16() {
			nums = append(nums, int(b))
		}
	}
	return propList(append(nums, 2, int(ap.Port()>>8), int(ap.Port()&0xff))...)
}

// propSix writes the six numbers of an IPv4 ap.
func propSix(ap netip.AddrPort) string {
	a := ap.Addr().As4()
	return propList(int(a[0]), int(a[1]), int(a[2]), int(a[3]), int(ap.Port()>>8), int(ap.Port()&0xff))
}

// propCanonical writes, independently of the package, the canonical line of
// form f for ap (for 229 only its port counts), as the Format functions must
// write it.
func propCanonical(f hostport.Form, ap netip.AddrPort) string {
	port := strconv.Itoa(int(ap.Port()))
	switch f {
	case hostport.FormPORT:
		return "PORT " + propSix(ap)
	case hostport.FormPASV:
		return "227 Entering Passive Mode (" + propSix(ap) + ")."
	case hostport.FormEPRT:
		prt := "1"
		if ap.Addr().Is6() {
			prt = "2"
		}
		// netip writes the RFC 5952 form ("2001:db8::1", "::ffff:192.0.2.1").
		return "EPRT |" + prt + "|" + ap.Addr().WithZone("").String() + "|" + port + "|"
	case hostport.FormEPSV:
		return "229 Entering Extended Passive Mode (|||" + port + "|)"
	case hostport.FormLPRT:
		return "LPRT " + propLong(ap)
	case hostport.FormLPSV:
		return "228 Entering Long Passive Mode (" + propLong(ap) + ")"
	}
	panic("unknown form " + f.String())
}

// propParse reads text with the parser of form f, and returns the result as
// a Line holds it in Want, the result formatted again, and whether the
// parser returned the zero value of its result type.
func propParse(f hostport.Form, text string) (ap netip.AddrPort, formatted string, zero bool, err error) {
	switch f {
	case hostport.FormPORT, hostport.FormPASV:
		parse, format := hostport.ParsePORT, hostport.FormatPORT
		if f == hostport.FormPASV {
			parse, format = hostport.ParsePASV, hostport.FormatPASV
		}
		hp, err := parse(text)
		return hp.AddrPort(), format(hp), hp == hostport.HostPort{}, err
	case hostport.FormEPSV:
		port, err := hostport.ParseEPSV(text)
		return netip.AddrPortFrom(netip.Addr{}, port), hostport.FormatEPSV(port), port == 0, err
	case hostport.FormEPRT, hostport.FormLPRT, hostport.FormLPSV:
		parse, format := hostport.ParseEPRT, hostport.FormatEPRT
		switch f {
		case hostport.FormLPRT:
			parse, format = hostport.ParseLPRT, hostport.FormatLPRT
		case hostport.FormLPSV:
			parse, format = hostport.ParseLPSV, hostport.FormatLPSV
		}
		ap, err := parse(text)
		return ap, format(ap), ap == netip.AddrPort{}, err
	}
	panic("unknown form " + f.String())
}

var propFuncs = map[hostport.Form]string{
	hostport.FormPORT: "ParsePORT", hostport.FormPASV: "ParsePASV",
	hostport.FormEPRT: "ParseEPRT", hostport.FormEPSV: "ParseEPSV",
	hostport.FormLPRT: "ParseLPRT", hostport.FormLPSV: "ParseLPSV",
}

var propSentinels = []error{hostport.ErrSyntax, hostport.ErrRange, hostport.ErrFamily}

// propCheckError checks err, returned by the parser fn for input in: a
// *ParseError naming fn, holding in, with an offset in [0, len(in)] and
// exactly one sentinel; it returns that sentinel.
func propCheckError(t *rapid.T, fn, in string, err error) error {
	var perr *hostport.ParseError
	require.ErrorAs(t, err, &perr, "%s(%q)", fn, in)
	require.Equal(t, fn, perr.Func, "%s(%q)", fn, in)
	require.Equal(t, in, perr.Input, "%s(%q)", fn, in)
	require.GreaterOrEqual(t, perr.Offset, 0, "%s(%q): %v", fn, in, err)
	require.LessOrEqual(t, perr.Offset, len(in), "%s(%q): %v", fn, in, err)
	var matched []error
	for _, s := range propSentinels {
		if errors.Is(err, s) {
			matched = append(matched, s)
		}
	}
	require.Len(t, matched, 1, "%s(%q): %v matches %v", fn, in, err, matched)
	require.True(t, strings.HasPrefix(err.Error(), "hostport."+fn+": parsing "), "%s(%q): %v", fn, in, err)
	return matched[0]
}

// checkPropParseString: Parse(hp.String()) == hp, and String writes the six
// numbers without leading zeros.
func checkPropParseString(t *rapid.T) {
	hp := propHostPort(t)
	s := hp.String()
	require.Equal(t, propList(hp[:]...), s)
	got, err := hostport.Parse(s)
	require.NoError(t, err, "%q", s)
	require.Equal(t, hp, got, "%q", s)
}

func TestPropParseString(t *testing.T) { rapid.Check(t, checkPropParseString) }

// propAppend checks that appendf appends what format writes, keeping the
// buffer's prefix.
func propAppend(t *rapid.T, want string, appendf func([]byte) []byte) {
	prefix := rapid.SliceOfN(rapid.Byte(), 0, 8).Draw(t, "prefix")
	buf := append(make([]byte, 0, len(prefix)+4), prefix...)
	got := appendf(buf)
	require.Equal(t, string(prefix)+want, string(got))
}

// checkPropPASVRoundTrip: ParsePASV(FormatPASV(hp)) == hp.
func checkPropPASVRoundTrip(t *rapid.T) {
	hp := propHostPort(t)
	s := hostport.FormatPASV(hp)
	got, err := hostport.ParsePASV(s)
	require.NoError(t, err, "%q", s)
	require.Equal(t, hp, got, "%q", s)
	propAppend(t, s, func(b []byte) []byte { return hostport.AppendPASV(b, hp) })
}

func TestPropPASVRoundTrip(t *testing.T) { rapid.Check(t, checkPropPASVRoundTrip) }

// checkPropPORTRoundTrip: ParsePORT(FormatPORT(hp)) == hp.
func checkPropPORTRoundTrip(t *rapid.T) {
	hp := propHostPort(t)
	s := hostport.FormatPORT(hp)
	got, err := hostport.ParsePORT(s)
	require.NoError(t, err, "%q", s)
	require.Equal(t, hp, got, "%q", s)
	propAppend(t, s, func(b []byte) []byte { return hostport.AppendPORT(b, hp) })
}

func TestPropPORTRoundTrip(t *testing.T) { rapid.Check(t, checkPropPORTRoundTrip) }

// checkPropEPSVRoundTrip: ParseEPSV(FormatEPSV(port)) == port over all ports.
func checkPropEPSVRoundTrip(t *rapid.T) {
	port := rapid.Uint16().Draw(t, "tcp-port")
	s := hostport.FormatEPSV(port)
	got, err := hostport.ParseEPSV(s)
	require.NoError(t, err, "%q", s)
	require.Equal(t, port, got, "%q", s)
	propAppend(t, s, func(b []byte) []byte { return hostport.AppendEPSV(b, port) })
}

func TestPropEPSVRoundTrip(t *testing.T) { rapid.Check(t, checkPropEPSVRoundTrip) }

// TestPropEPSVEveryPort checks the EPSV round trip for each of the 65536
// ports, and that the 227 reply for the same port carries it.
func TestPropEPSVEveryPort(t *testing.T) {
	for p := range 1 << 16 {
		port := uint16(p)
		s := hostport.FormatEPSV(port)
		if got, err := hostport.ParseEPSV(s); err != nil || got != port {
			t.Fatalf("ParseEPSV(%q) = %d, %v; want %d", s, got, err, port)
		}
		hp := hostport.From4([4]byte{192, 0, 2, 1}, port)
		if got, err := hostport.ParsePASV(hostport.FormatPASV(hp)); err != nil || got.Port() != port {
			t.Fatalf("ParsePASV(%q) = %v, %v; want port %d", hostport.FormatPASV(hp), got, err, port)
		}
	}
}

// checkPropEPRTRoundTrip: ParseEPRT(FormatEPRT(ap)) == ap for IPv4 and IPv6
// addresses; a zone, which EPRT cannot carry, is dropped.
func checkPropEPRTRoundTrip(t *rapid.T) {
	ap := propAddrPort(t)
	want := ap
	if ap.Addr().Is6() && rapid.Bool().Draw(t, "zone") {
		ap = netip.AddrPortFrom(ap.Addr().WithZone("eth0"), ap.Port())
	}
	s := hostport.FormatEPRT(ap)
	require.Equal(t, propCanonical(hostport.FormEPRT, want), s)
	got, err := hostport.ParseEPRT(s)
	require.NoError(t, err, "%q", s)
	require.Equal(t, want, got, "%q", s)
	propAppend(t, s, func(b []byte) []byte { return hostport.AppendEPRT(b, ap) })
}

func TestPropEPRTRoundTrip(t *testing.T) { rapid.Check(t, checkPropEPRTRoundTrip) }

// checkPropLPRTRoundTrip: ParseLPRT(FormatLPRT(ap)) == ap.
func checkPropLPRTRoundTrip(t *rapid.T) {
	ap := propAddrPort(t)
	s := hostport.FormatLPRT(ap)
	got, err := hostport.ParseLPRT(s)
	require.NoError(t, err, "%q", s)
	require.Equal(t, ap, got, "%q", s)
	propAppend(t, s, func(b []byte) []byte { return hostport.AppendLPRT(b, ap) })
}

func TestPropLPRTRoundTrip(t *testing.T) { rapid.Check(t, checkPropLPRTRoundTrip) }

// checkPropLPSVRoundTrip: ParseLPSV(FormatLPSV(ap)) == ap.
func checkPropLPSVRoundTrip(t *rapid.T) {
	ap := propAddrPort(t)
	s := hostport.FormatLPSV(ap)
	got, err := hostport.ParseLPSV(s)
	require.NoError(t, err, "%q", s)
	require.Equal(t, ap, got, "%q", s)
	propAppend(t, s, func(b []byte) []byte { return hostport.AppendLPSV(b, ap) })
}

func TestPropLPSVRoundTrip(t *testing.T) { rapid.Check(t, checkPropLPSVRoundTrip) }

// checkPropCanonical: for every valid line that real peers send, formatting
// what the parser reads gives the canonical line, written here with strconv,
// and that line reads back to the same address.
func checkPropCanonical(t *rapid.T) {
	line := hostporttest.ValidLine().Draw(t, "line")
	_, formatted, _, err := propParse(line.Form, line.Text)
	require.NoError(t, err, "%q (%s)", line.Text, line.Note)
	want := propCanonical(line.Form, line.Want)
	require.Equal(t, want, formatted, "%q (%s)", line.Text, line.Note)
	got, again, _, err := propParse(line.Form, want)
	require.NoError(t, err, "%q", want)
	require.Equal(t, line.Want, got, "%q", want)
	require.Equal(t, want, again)
}

func TestPropCanonical(t *testing.T) { rapid.Check(t, checkPropCanonical) }

// checkPropSameAddress: PORT, EPRT |1|, EPRT |2| with the IPv4-mapped
// address, and LPRT 4,4 of the same host-port, written here with strconv,
// name the same address.
func checkPropSameAddress(t *rapid.T) {
	hp := propHostPort(t)
	want := hp.AddrPort()
	quad := propList(hp[:4]...)
	quad = strings.ReplaceAll(quad, ",", ".")
	port := strconv.Itoa(int(hp[4])*256 + int(hp[5]))

	portLine := "PORT " + propList(hp[:]...)
	eprt1 := "EPRT |1|" + quad + "|" + port + "|"
	eprt2 := "EPRT |2|::ffff:" + quad + "|" + port + "|"
	lprt := "LPRT 4,4," + propList(hp[:4]...) + ",2," + propList(hp[4:]...)

	got, err := hostport.ParsePORT(portLine)
	require.NoError(t, err, "%q", portLine)
	require.Equal(t, hp, got, "%q", portLine)
	for _, line := range []string{eprt1, lprt} {
		parse := hostport.ParseEPRT
		if line == lprt {
			parse = hostport.ParseLPRT
		}
		ap, err := parse(line)
		require.NoError(t, err, "%q", line)
		require.Equal(t, want, ap, "%q", line)
		back, err := hostport.FromAddrPort(ap)
		require.NoError(t, err, "%q", line)
		require.Equal(t, hp, back, "%q", line)
	}
	mapped, err := hostport.ParseEPRT(eprt2)
	require.NoError(t, err, "%q", eprt2)
	require.True(t, mapped.Addr().Is4In6(), "%q read as %v", eprt2, mapped)
	require.Equal(t, want, netip.AddrPortFrom(mapped.Addr().Unmap(), mapped.Port()), "%q", eprt2)
	back, err := hostport.FromAddrPort(mapped)
	require.NoError(t, err, "%q", eprt2)
	require.Equal(t, hp, back, "%q", eprt2)
}

func TestPropSameAddress(t *testing.T) { rapid.Check(t, checkPropSameAddress) }

// checkPropPassivePorts: the port of a 227 reply is p1*256+p2 and equals the
// port of the 229 reply for the same port.
func checkPropPassivePorts(t *rapid.T) {
	var ip [4]byte
	for i := range ip {
		ip[i] = propByte.Draw(t, propFields[i])
	}
	port := hostporttest.Port().Draw(t, "port")
	p1, p2 := port/256, port%256
	reply := "227 Entering Passive Mode (" + propList(ip[:]...) + "," + propList(int(p1), int(p2)) + ")"
	hp, err := hostport.ParsePASV(reply)
	require.NoError(t, err, "%q", reply)
	require.Equal(t, port, hp.Port(), "%q", reply)
	require.Equal(t, hostport.From4(ip, port), hp, "%q", reply)

	epsv, err := hostport.ParseEPSV(hostport.FormatEPSV(port))
	require.NoError(t, err)
	require.Equal(t, hp.Port(), epsv)
	pasv, err := hostport.ParsePASV(hostport.FormatPASV(hp))
	require.NoError(t, err)
	require.Equal(t, epsv, pasv.Port())
}

func TestPropPassivePorts(t *testing.T) { rapid.Check(t, checkPropPassivePorts) }

// checkPropTextEncoding: String, MarshalText and AppendText(nil) agree, and
// AppendText keeps the buffer's prefix.
func checkPropTextEncoding(t *rapid.T) {
	hp := propHostPort(t)
	s := hp.String()
	m, err := hp.MarshalText()
	require.NoError(t, err)
	a, err := hp.AppendText(nil)
	require.NoError(t, err)
	require.Equal(t, s, string(m))
	require.Equal(t, s, string(a))
	propAppend(t, s, func(b []byte) []byte {
		b, err := hp.AppendText(b)
		require.NoError(t, err)
		return b
	})
}

func TestPropTextEncoding(t *testing.T) { rapid.Check(t, checkPropTextEncoding) }

// checkPropUnmarshalText: UnmarshalText(MarshalText(hp)) == hp, whatever
// the value before; and a text with a field too many is an error that leaves
// the value unchanged.
func checkPropUnmarshalText(t *rapid.T) {
	hp := propHostPort(t)
	m, err := hp.MarshalText()
	require.NoError(t, err)
	got := hostporttest.HostPort().Draw(t, "before")
	require.NoError(t, got.UnmarshalText(m), "%q", m)
	require.Equal(t, hp, got, "%q", m)

	bad := append(m, ",1"...)
	err = got.UnmarshalText(bad)
	require.ErrorIs(t, err, hostport.ErrSyntax, "%q", bad)
	propCheckError(t, "Parse", string(bad), err)
	require.Equal(t, hp, got, "UnmarshalText(%q) changed the value", bad)
}

func TestPropUnmarshalText(t *testing.T) { rapid.Check(t, checkPropUnmarshalText) }

// checkPropCompare: Compare is 0 exactly for equal values, antisymmetric,
// orders as the bytes in wire order do, and is transitive.
func checkPropCompare(t *rapid.T) {
	a := propHostPort(t)
	b := a
	if !rapid.Bool().Draw(t, "same") {
		b = propHostPort(t)
	}
	c := propHostPort(t)
	ab, ba := a.Compare(b), b.Compare(a)
	require.Contains(t, []int{-1, 0, 1}, ab)
	require.Equal(t, a == b, ab == 0, "%v %v", a, b)
	require.Equal(t, -ab, ba, "%v %v", a, b)
	require.Equal(t, bytes.Compare(a[:], b[:]), ab, "%v %v", a, b)
	if ab <= 0 && b.Compare(c) <= 0 {
		require.LessOrEqual(t, a.Compare(c), 0, "%v %v %v", a, b, c)
	}
	require.Equal(t, 0, a.Compare(a))
}

func TestPropCompare(t *testing.T) { rapid.Check(t, checkPropCompare) }

// checkPropValidLines: every line of hostporttest.ValidLine parses to its
// Want; one with no line ending parses the same with "\r\n" or "\n" added.
func checkPropValidLines(t *rapid.T) {
	line := hostporttest.ValidLine().Draw(t, "line")
	got, _, _, err := propParse(line.Form, line.Text)
	require.NoError(t, err, "%q (%s)", line.Text, line.Note)
	require.Equal(t, line.Want, got, "%q (%s)", line.Text, line.Note)
	if !strings.HasSuffix(line.Text, "\n") {
		for _, eol := range []string{"\r\n", "\n"} {
			got, _, _, err := propParse(line.Form, line.Text+eol)
			require.NoError(t, err, "%q", line.Text+eol)
			require.Equal(t, line.Want, got, "%q", line.Text+eol)
		}
	}
}

func TestPropValidLines(t *testing.T) { rapid.Check(t, checkPropValidLines) }

// checkPropHostileLines: every line of hostporttest.HostileLine is rejected
// with a well-formed *ParseError of its class. For 227 and 228 replies, a
// fault can turn the list into text before a later list (a space inside a
// long list leaves a first part too short to be the address, and the rest is
// read as one): there the reference parser in slow_test.go is the judge
// where it reads a line otherwise than the generator's class, or where it
// finds faults of more than one kind, any of which the parser may report.
func checkPropHostileLines(t *rapid.T) {
	line := hostporttest.HostileLine().Draw(t, "line")
	got, _, zero, err := propParse(line.Form, line.Text)
	if slowClass, ok := slowReplyClass(line.Form, line.Text); ok &&
		(!classAllows(slowClass, propKind(line.Err)) || strings.Contains(slowClass, "|")) {
		switch f := propFuncs[line.Form]; {
		case slowClass == "":
			require.NoError(t, err, "%q (%s): the reference parser reads it", line.Text, line.Note)
		default:
			require.Error(t, err, "%q (%s) read as %v", line.Text, line.Note, got)
			class := propCheckError(t, f, line.Text, err)
			require.True(t, classAllows(slowClass, propKind(class)), "%q (%s): %v; the reference parser says %s",
				line.Text, line.Note, err, slowClass)
		}
		return
	}
	require.Error(t, err, "%q (%s) read as %v", line.Text, line.Note, got)
	class := propCheckError(t, propFuncs[line.Form], line.Text, err)
	require.Equal(t, line.Err, class, "%q (%s): %v", line.Text, line.Note, err)
	require.True(t, zero, "%q: %v with the error", line.Text, got)
}

func TestPropHostileLines(t *testing.T) { rapid.Check(t, checkPropHostileLines) }

// slowReplyClass returns the class that the reference parser gives text, if
// f is the 227 or 228 form.
func slowReplyClass(f hostport.Form, text string) (class string, ok bool) {
	switch f {
	case hostport.FormPASV:
		_, class = slowParsePASV(text)
		return class, true
	case hostport.FormLPSV:
		_, class = slowParseLPSV(text)
		return class, true
	}
	return "", false
}

// propKind returns the reference parser's name for the sentinel err.
func propKind(err error) string {
	switch err {
	case hostport.ErrRange:
		return kindRange
	case hostport.ErrFamily:
		return kindFamily
	}
	return kindSyntax
}

// propAnyInput runs every parser on in: none may panic; on error each
// returns the zero value and a well-formed *ParseError; on success the value
// formats to a line that parses back to it.
func propAnyInput(t *rapid.T, in string) {
	for f, fn := range propFuncs {
		got, formatted, zero, err := propParse(f, in)
		if err != nil {
			propCheckError(t, fn, in, err)
			require.True(t, zero, "%s(%q): %v with the error", fn, in, got)
			continue
		}
		again, _, _, err := propParse(f, formatted)
		require.NoError(t, err, "%s(%q) read %v, formatted as %q", fn, in, got, formatted)
		require.Equal(t, got, again, "%s(%q), formatted as %q", fn, in, formatted)
	}

	hp, err := hostport.Parse(in)
	if err != nil {
		propCheckError(t, "Parse", in, err)
		require.Equal(t, hostport.HostPort{}, hp)
	} else {
		require.Equal(t, hp, hostport.MustParse(hp.String()), "Parse(%q)", in)
	}

	before := hostport.HostPort{192, 0, 2, 1, 4, 31}
	v := before
	if err := v.UnmarshalText([]byte(in)); err != nil {
		propCheckError(t, "Parse", in, err)
		require.Equal(t, before, v, "UnmarshalText(%q) changed the value", in)
	} else {
		require.Equal(t, hp, v, "UnmarshalText(%q) and Parse disagree", in)
	}
}

// checkPropAnyString runs every parser on any string.
func checkPropAnyString(t *rapid.T) {
	propAnyInput(t, rapid.String().Draw(t, "input"))
}

func TestPropAnyString(t *testing.T) { rapid.Check(t, checkPropAnyString) }

// checkPropAnyBytes runs every parser on any bytes.
func checkPropAnyBytes(t *rapid.T) {
	propAnyInput(t, string(rapid.SliceOf(rapid.Byte()).Draw(t, "input")))
}

func TestPropAnyBytes(t *testing.T) { rapid.Check(t, checkPropAnyBytes) }

// propEditBytes are the bytes that edits of valid lines insert or put in
// place of others: those the grammar gives a meaning to, and a few others.
var propEditBytes = rapid.OneOf(
	rapid.SampledFrom([]byte("0123456789,|.:()= -+\r\n\x00aAfFgx!\t\x80\xff")),
	rapid.Byte(),
)

// checkPropNearValid runs every parser on a valid line with one to three
// bytes inserted, removed or replaced, which the parsers read successfully
// more often than random input.
func checkPropNearValid(t *rapid.T) {
	in := []byte(hostporttest.ValidLine().Draw(t, "line").Text)
	for range rapid.IntRange(1, 3).Draw(t, "edits") {
		i := rapid.IntRange(0, len(in)).Draw(t, "offset")
		switch rapid.SampledFrom([]string{"insert", "remove", "replace"}).Draw(t, "edit") {
		case "insert":
			in = append(in[:i], append([]byte{propEditBytes.Draw(t, "byte")}, in[i:]...)...)
		case "remove":
			if i < len(in) {
				in = append(in[:i], in[i+1:]...)
			}
		case "replace":
			if i < len(in) {
				in[i] = propEditBytes.Draw(t, "byte")
			}
		}
	}
	propAnyInput(t, string(in))
}

func TestPropNearValid(t *testing.T) { rapid.Check(t, checkPropNearValid) }

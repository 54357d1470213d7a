package hostport_test

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport"
)

// TestSentinels checks the texts of ErrSyntax, ErrRange and ErrFamily.
func TestSentinels(t *testing.T) {
	// The texts of strconv's sentinels, and one for the family.
	assert.EqualError(t, hostport.ErrSyntax, "invalid syntax")
	assert.EqualError(t, hostport.ErrRange, "value out of range")
	assert.EqualError(t, hostport.ErrFamily, "unsupported address family")
	for i, a := range sentinels {
		for j, b := range sentinels {
			assert.Equal(t, i == j, errors.Is(a, b), "errors.Is(%v, %v)", a, b)
		}
	}
}

// TestParseErrorError checks the message of ParseError: the function, the
// quoted input (cut after 200 bytes), the reason and the offset.
func TestParseErrorError(t *testing.T) {
	long := strings.Repeat("1,", 150) // 300 bytes
	tests := []struct {
		name string
		err  *hostport.ParseError
		want string
	}{
		{
			name: "design sample",
			err:  &hostport.ParseError{Func: "ParsePORT", Input: "PORT 10,2,0,2,4,310", Offset: 16, Err: errors.New("p2 310 out of range [0,255]")},
			want: `hostport.ParsePORT: parsing "PORT 10,2,0,2,4,310": p2 310 out of range [0,255] at offset 16`,
		},
		{
			name: "empty input",
			err:  &hostport.ParseError{Func: "Parse", Input: "", Offset: 0, Err: errors.New("want digit for h1, found end of line")},
			want: `hostport.Parse: parsing "": want digit for h1, found end of line at offset 0`,
		},
		{
			name: "control characters are quoted",
			err:  &hostport.ParseError{Func: "ParsePASV", Input: "227 (1,2\r\n\x00\"", Offset: 8, Err: errors.New("CR inside the line")},
			want: `hostport.ParsePASV: parsing "227 (1,2\r\n\x00\"": CR inside the line at offset 8`,
		},
		{
			name: "invalid UTF-8 is quoted",
			err:  &hostport.ParseError{Func: "ParseEPRT", Input: "EPRT |\xff|", Offset: 6, Err: errors.New("want digit for net-prt, found 'ÿ'")},
			want: `hostport.ParseEPRT: parsing "EPRT |\xff|": want digit for net-prt, found 'ÿ' at offset 6`,
		},
		{
			name: "200 bytes are not cut",
			err:  &hostport.ParseError{Func: "ParsePORT", Input: long[:200], Offset: 200, Err: errors.New("r")},
			want: `hostport.ParsePORT: parsing "` + long[:200] + `": r at offset 200`,
		},
		{
			name: "201 bytes are cut",
			err:  &hostport.ParseError{Func: "ParsePORT", Input: long[:201], Offset: 201, Err: errors.New("r")},
			want: `hostport.ParsePORT: parsing "` + long[:200] + `"...: r at offset 201`,
		},
		{
			name: "huge input is cut",
			err:  &hostport.ParseError{Func: "ParseLPSV", Input: strings.Repeat("x", 1<<20), Offset: 1 << 20, Err: errors.New("r")},
			want: `hostport.ParseLPSV: parsing "` + strings.Repeat("x", 200) + `"...: r at offset 1048576`,
		},
		{
			name: "cut counts bytes before quoting",
			err:  &hostport.ParseError{Func: "Parse", Input: strings.Repeat("\x00", 300), Offset: 0, Err: errors.New("r")},
			want: `hostport.Parse: parsing "` + strings.Repeat(`\x00`, 200) + `"...: r at offset 0`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.err.Error())
		})
	}
}

// TestParseErrorUnwrap checks that errors.Is finds the sentinel through a
// ParseError and through its Err.
func TestParseErrorUnwrap(t *testing.T) {
	reason := fmt.Errorf("p2 310 out of range [0,255]: %w", hostport.ErrRange)
	perr := &hostport.ParseError{Func: "ParsePORT", Input: "PORT 10,2,0,2,4,310", Offset: 16, Err: reason}
	assert.Same(t, reason, perr.Unwrap())
	assert.ErrorIs(t, perr, hostport.ErrRange)
	assert.NotErrorIs(t, perr, hostport.ErrSyntax)
	assert.NotErrorIs(t, perr, hostport.ErrFamily)

	// Wrapped again, as callers do.
	wrapped := fmt.Errorf("reading reply: %w", perr)
	var got *hostport.ParseError
	require.ErrorAs(t, wrapped, &got)
	assert.Same(t, perr, got)
	assert.ErrorIs(t, wrapped, hostport.ErrRange)

	// A real error unwraps to its reason, which wraps the sentinel.
	_, err := hostport.ParsePORT("PORT 10,2,0,2,4,310")
	require.ErrorAs(t, err, &got)
	assert.Equal(t, got.Err, got.Unwrap())
	assert.EqualError(t, got.Unwrap(), "p2 310 out of range [0,255]")
	assert.ErrorIs(t, got.Unwrap(), hostport.ErrRange)
	assert.Equal(t, hostport.ErrRange, errors.Unwrap(got.Unwrap()), "the reason unwraps to the sentinel")
}

// TestErrorClasses checks, for each sentinel, lines of every parser that
// produce it, and that the error wraps that sentinel only.
func TestErrorClasses(t *testing.T) {
	tests := []struct {
		fn    string
		parse func(string) error
		in    string
		is    error
	}{
		{"Parse", errOf(hostport.Parse), "10,2,0,2,4", hostport.ErrSyntax},
		{"Parse", errOf(hostport.Parse), "10,2,0,2,4,256", hostport.ErrRange},
		{"ParsePASV", errOf(hostport.ParsePASV), "227 Entering Passive Mode (1,118,6).", hostport.ErrSyntax},
		{"ParsePASV", errOf(hostport.ParsePASV), "227 Entering Passive Mode (1216,256,2,127,127,127)", hostport.ErrRange},
		{"ParsePORT", errOf(hostport.ParsePORT), "PORT 127,0,0,1,1,2,3", hostport.ErrSyntax},
		{"ParsePORT", errOf(hostport.ParsePORT), "PORT 127,0,0,1,300,1", hostport.ErrRange},
		{"ParseEPSV", errOf(hostport.ParseEPSV), "229 Entering Extended Passive Mode (|1|10.0.0.5|50000|)", hostport.ErrSyntax},
		{"ParseEPSV", errOf(hostport.ParseEPSV), "229 Entering Extended Passive Mode (|||65561|)", hostport.ErrRange},
		{"ParseEPRT", errOf(hostport.ParseEPRT), "EPRT |1|127.0.0.1|", hostport.ErrSyntax},
		{"ParseEPRT", errOf(hostport.ParseEPRT), "EPRT |1|127.0.0.1|70000|", hostport.ErrRange},
		{"ParseEPRT", errOf(hostport.ParseEPRT), "EPRT |3|127.0.0.1|40000|", hostport.ErrFamily},
		{"ParseLPSV", errOf(hostport.ParseLPSV), "228 Entering Long Passive Mode (4,16,192,0,2,1,2,4,31)", hostport.ErrSyntax},
		{"ParseLPSV", errOf(hostport.ParseLPSV), "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,256)", hostport.ErrRange},
		{"ParseLPSV", errOf(hostport.ParseLPSV), "228 Entering Long Passive Mode (5,4,192,0,2,1,2,4,31)", hostport.ErrFamily},
		{"ParseLPRT", errOf(hostport.ParseLPRT), "LPRT 4,4,198,51,100,7,3,0,4,1", hostport.ErrSyntax},
		{"ParseLPRT", errOf(hostport.ParseLPRT), "LPRT 4,4,198,51,100,700,2,4,1", hostport.ErrRange},
		{"ParseLPRT", errOf(hostport.ParseLPRT), "LPRT 5,4,198,51,100,7,2,4,1", hostport.ErrFamily},
	}
	for _, tc := range tests {
		t.Run(tc.fn+"/"+tc.in, func(t *testing.T) {
			err := tc.parse(tc.in)
			require.ErrorIs(t, err, tc.is)
			var perr *hostport.ParseError
			require.ErrorAs(t, err, &perr)
			assert.Equal(t, tc.fn, perr.Func)
			for _, s := range sentinels {
				assert.Equal(t, s == tc.is, errors.Is(err, s), "errors.Is(err, %v)", s)
				assert.Equal(t, s == tc.is, errors.Is(perr.Err, s), "errors.Is(err.Err, %v)", s)
			}
			var cerr *hostport.ConvError
			assert.False(t, errors.As(err, &cerr), "a parse error is not a ConvError")
		})
	}
}

// TestErrorFunc checks that every parser, its MustParse twin and
// UnmarshalText name the right function, keep the input and give an offset
// inside it.
func TestErrorFunc(t *testing.T) {
	unmarshal := func(s string) error {
		var h hostport.HostPort
		return h.UnmarshalText([]byte(s))
	}
	tests := []struct {
		fn    string
		parse func(string) error
		must  func(string)
	}{
		{"Parse", errOf(hostport.Parse), func(s string) { hostport.MustParse(s) }},
		{"Parse", unmarshal, nil},
		{"ParsePASV", errOf(hostport.ParsePASV), func(s string) { hostport.MustParsePASV(s) }},
		{"ParsePORT", errOf(hostport.ParsePORT), func(s string) { hostport.MustParsePORT(s) }},
		{"ParseEPSV", errOf(hostport.ParseEPSV), func(s string) { hostport.MustParseEPSV(s) }},
		{"ParseEPRT", errOf(hostport.ParseEPRT), func(s string) { hostport.MustParseEPRT(s) }},
		{"ParseLPSV", errOf(hostport.ParseLPSV), func(s string) { hostport.MustParseLPSV(s) }},
		{"ParseLPRT", errOf(hostport.ParseLPRT), func(s string) { hostport.MustParseLPRT(s) }},
	}
	inputs := []string{
		"", "x", " ", ",", "\r\n", "\x00", "(", "|", "999", "1,2,3", "227 (", "229 (|||", "PORT", "EPRT |",
		"LPRT 4,4,1", "228 (6,16,1)", "\xff\xfe", strings.Repeat("9", 300),
	}
	for _, tc := range tests {
		for _, in := range inputs {
			err := tc.parse(in)
			if !assert.Error(t, err, "%s(%q)", tc.fn, in) {
				continue
			}
			var perr *hostport.ParseError
			require.ErrorAs(t, err, &perr, "%s(%q)", tc.fn, in)
			assert.Equal(t, tc.fn, perr.Func, "%s(%q)", tc.fn, in)
			assert.Equal(t, in, perr.Input, "%s(%q)", tc.fn, in)
			assert.True(t, 0 <= perr.Offset && perr.Offset <= len(in), "%s(%q): offset %d", tc.fn, in, perr.Offset)
			assert.True(t, strings.HasPrefix(err.Error(), "hostport."+tc.fn+": parsing "), "%s(%q): %q", tc.fn, in, err)
			n := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					n++
				}
			}
			assert.Equal(t, 1, n, "%s(%q) wraps exactly one sentinel: %v", tc.fn, in, err)
			if tc.must != nil {
				assert.PanicsWithError(t, err.Error(), func() { tc.must(in) }, "Must%s(%q)", tc.fn, in)
			}
		}
	}
}

// TestParseErrorInputIsCopy checks that an error does not keep a large
// buffer alive through its Input: the input is copied.
func TestParseErrorInputIsCopy(t *testing.T) {
	buf := "PORT 10,2,0,2,4,310" + strings.Repeat(" ", 4096)
	line := buf[:19]
	_, err := hostport.ParsePORT(line)
	var perr *hostport.ParseError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, line, perr.Input)
	assert.NotSame(t, unsafe.StringData(line), unsafe.StringData(perr.Input), "Input shares the caller's buffer")
}

// TestConvError checks the message, fields and sentinel of the errors of
// FromAddrPort and FromTCPAddr.
func TestConvError(t *testing.T) {
	t.Run("constructed", func(t *testing.T) {
		cerr := &hostport.ConvError{Func: "FromTCPAddr", Addr: "192.0.2.1:-1", Err: hostport.ErrRange}
		assert.EqualError(t, cerr, "hostport.FromTCPAddr: 192.0.2.1:-1: value out of range")
		assert.Same(t, hostport.ErrRange, cerr.Unwrap())
		assert.ErrorIs(t, cerr, hostport.ErrRange)
	})

	tests := []struct {
		name   string
		err    error
		fn     string
		addr   string
		reason string
		is     error
	}{
		{"FromAddrPort IPv6", errOf2(hostport.FromAddrPort(netip.MustParseAddrPort("[2001:db8::1]:21"))),
			"FromAddrPort", "[2001:db8::1]:21", "not an IPv4 address", hostport.ErrFamily},
		{"FromAddrPort invalid", errOf2(hostport.FromAddrPort(netip.AddrPort{})),
			"FromAddrPort", "invalid AddrPort", "not an IPv4 address", hostport.ErrFamily},
		{"FromTCPAddr nil", errOf2(hostport.FromTCPAddr(nil)),
			"FromTCPAddr", "<nil>", "not an IPv4 address", hostport.ErrFamily},
		{"FromTCPAddr IPv6", errOf2(hostport.FromTCPAddr(&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 21, Zone: "eth0"})),
			"FromTCPAddr", "[2001:db8::1%eth0]:21", "not an IPv4 address", hostport.ErrFamily},
		{"FromTCPAddr port 70000", errOf2(hostport.FromTCPAddr(&net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 70000})),
			"FromTCPAddr", "192.0.2.1:70000", "port out of range [0,65535]", hostport.ErrRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, tc.err, tc.is)
			for _, s := range sentinels {
				assert.Equal(t, s == tc.is, errors.Is(tc.err, s), "errors.Is(err, %v)", s)
			}
			var cerr *hostport.ConvError
			require.ErrorAs(t, tc.err, &cerr)
			assert.Equal(t, tc.fn, cerr.Func)
			assert.Equal(t, tc.addr, cerr.Addr)
			assert.EqualError(t, cerr.Unwrap(), tc.reason)
			assert.Equal(t, cerr.Err, cerr.Unwrap())
			assert.ErrorIs(t, cerr.Unwrap(), tc.is)
			assert.EqualError(t, tc.err, "hostport."+tc.fn+": "+tc.addr+": "+tc.reason)
			var perr *hostport.ParseError
			assert.False(t, errors.As(tc.err, &perr), "a ConvError is not a ParseError")
		})
	}
}

// errOf2 returns the error of a two-result call.
func errOf2[T any](_ T, err error) error { return err }

// TestHostileInputs checks that long hostile lines are refused with the
// right class, and that the message quotes only the start of them.
func TestHostileInputs(t *testing.T) {
	mb := 1 << 20
	tests := []struct {
		name  string
		parse func(string) error
		in    string
		is    error
		off   int
	}{
		{"PORT with 100001 numbers", errOf(hostport.ParsePORT), "PORT " + strings.Repeat("1,", 100000) + "1", errSyntax, 16},
		{"227 with a megabyte of nines", errOf(hostport.ParsePASV), "227 " + strings.Repeat("9", mb), errSyntax, 4 + mb},
		{"227 with a megabyte-long h1", errOf(hostport.ParsePASV), "227 (" + strings.Repeat("9", mb) + ",0,2,1,4,1)", errRange, 5},
		{"227 with a megabyte of commas", errOf(hostport.ParsePASV), "227 (" + strings.Repeat(",", mb) + ")", errSyntax, 6 + mb},
		{"227 with many numbers", errOf(hostport.ParsePASV), "227 (" + strings.Repeat("1,", mb) + "1)", errSyntax, 16},
		{"227 with many lists", errOf(hostport.ParsePASV), "227 (1,1,1,1,1,1)" + strings.Repeat(" 1", mb) + " (1,1,1,1,1,1)", errSyntax, 17 + 2*mb + 2},
		{"227 with many short lists", errOf(hostport.ParsePASV), "227 (1,1,1,1,1,1)" + strings.Repeat(" 1,1", mb/4) + " (1,1,1,1,1,1)", errSyntax, 17 + mb + 2},
		{"Parse with a megabyte of zeros", errOf(hostport.Parse), strings.Repeat("0", mb) + "256,0,0,0,0,0", errRange, 0},
		{"229 with a megabyte-long port", errOf(hostport.ParseEPSV), "229 (|||" + strings.Repeat("9", mb) + "|)", errRange, 8},
		{"229 with a megabyte of parentheses", errOf(hostport.ParseEPSV), "229 " + strings.Repeat("(|", mb), errSyntax, 5},
		{"EPRT with a megabyte-long net-addr", errOf(hostport.ParseEPRT), "EPRT |2|" + strings.Repeat(":", mb) + "|21|", errSyntax, 8},
		{"EPRT with a megabyte-long port", errOf(hostport.ParseEPRT), "EPRT |1|192.0.2.1|" + strings.Repeat("1", mb) + "|", errRange, 18},
		{"LPRT hal 255", errOf(hostport.ParseLPRT), "LPRT 4,255," + strings.Repeat("1,", 255) + "2,4,1", errSyntax, 7},
		{"LPRT with many numbers", errOf(hostport.ParseLPRT), "LPRT 4,4,1,1,1,1,2," + strings.Repeat("1,", mb) + "1", errSyntax, 22},
		{"LPSV with a megabyte-long af", errOf(hostport.ParseLPSV), "228 (" + strings.Repeat("4", mb) + ",4)", errRange, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse(tc.in)
			require.ErrorIs(t, err, tc.is)
			var perr *hostport.ParseError
			require.ErrorAs(t, err, &perr)
			assert.Equal(t, tc.off, perr.Offset)
			assert.Len(t, perr.Input, len(tc.in))
			msg := err.Error()
			assert.Less(t, len(msg), 500, "message length")
			assert.True(t, strings.HasPrefix(msg, "hostport."+perr.Func+": parsing "+strconv.Quote(tc.in[:200])+"...: "),
				"message starts with the quoted first 200 bytes and a marker: %.300q", msg)
			assert.True(t, strings.HasSuffix(msg, " at offset "+strconv.Itoa(tc.off)), "message %.300q", msg)
		})
	}
}

// errOf adapts a parser to return only its error.
func errOf[T any](parse func(string) (T, error)) func(string) error {
	return func(s string) error {
		_, err := parse(s)
		return err
	}
}

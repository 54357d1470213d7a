package hostport_test

import (
	"encoding"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
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

// sentinels are the errors every ParseError wraps exactly one of.
var sentinels = []error{hostport.ErrSyntax, hostport.ErrRange, hostport.ErrFamily}

// parseRow is one row of a parser table. A row with is == nil is a line the
// parser accepts, with the value want; canon reports whether in is exactly
// what the formatter writes for want. A row with is != nil is a line the
// parser rejects with an error that wraps is, at byte offset off. wantErr is
// the reason (ParseError.Err's text), from which the full message is built
// and checked, or the full message itself if it starts with "hostport."; an
// empty wantErr leaves the text unchecked.
type parseRow[T comparable] struct {
	name, in string
	want     T
	canon    bool
	wantErr  string
	is       error
	off      int
}

// wire is one wire form: its parser, the parser's MustParse twin, its
// formatter and its Append form, and the name the parser's errors carry.
type wire[T comparable] struct {
	fn       string
	parse    func(string) (T, error)
	must     func(string) T
	format   func(T) string
	appendTo func([]byte, T) []byte
}

// run drives every row of rows through w.
func (w wire[T]) run(t *testing.T, rows []parseRow[T]) {
	t.Helper()
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.parse(tc.in)
			if tc.is != nil {
				w.checkError(t, tc, got, err)
				return
			}
			require.NoError(t, err, "parsing %q", tc.in)
			assert.Equal(t, tc.want, got, "value of %q", tc.in)

			again, err := w.parse(tc.in)
			assert.NoError(t, err, "second parse")
			assert.Equal(t, got, again, "second parse")
			assert.Equal(t, got, w.must(tc.in), "Must twin")

			out := w.format(got)
			back, err := w.parse(out)
			require.NoError(t, err, "reparsing the formatted %q", out)
			assert.Equal(t, got, back, "reparsing the formatted %q", out)
			assert.Equal(t, out, w.format(back), "formatting twice")
			if tc.canon {
				assert.Equal(t, tc.in, out, "canonical input formats to itself")
			} else {
				assert.NotEqual(t, tc.in, out, "row is canonical: mark it so")
			}

			assert.Equal(t, out, string(w.appendTo(nil, got)), "Append(nil) == Format")
			buf := make([]byte, 4, 64)
			copy(buf, "pre:")
			assert.Equal(t, "pre:"+out, string(w.appendTo(buf, got)), "Append keeps the prefix")
		})
	}
}

// checkError checks a rejected row: zero value, class, ParseError fields,
// message, and the panic of the Must twin.
func (w wire[T]) checkError(t *testing.T, tc parseRow[T], got T, err error) {
	t.Helper()
	require.Error(t, err, "parsing %q", tc.in)
	var zero T
	assert.Equal(t, zero, got, "value returned with the error")
	require.ErrorIs(t, err, tc.is)
	for _, s := range sentinels {
		if s != tc.is {
			assert.NotErrorIs(t, err, s)
		}
	}
	var perr *hostport.ParseError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, w.fn, perr.Func)
	assert.Equal(t, tc.in, perr.Input)
	assert.Equal(t, tc.off, perr.Offset, "offset; the input from there is %q", tc.in[min(max(perr.Offset, 0), len(tc.in)):])
	require.ErrorIs(t, perr.Err, tc.is, "ParseError.Err wraps the class too")
	switch {
	case strings.HasPrefix(tc.wantErr, "hostport."):
		assert.EqualError(t, err, tc.wantErr)
	case tc.wantErr != "":
		assert.EqualError(t, perr.Err, tc.wantErr)
		assert.EqualError(t, err, wantMessage(w.fn, tc.in, tc.wantErr, tc.off))
	default:
		assert.True(t, strings.HasPrefix(err.Error(), "hostport."+w.fn+": parsing "+strconv.Quote(tc.in)+": "),
			"message %q", err.Error())
	}
	assert.PanicsWithError(t, err.Error(), func() { w.must(tc.in) })
}

// wantMessage is the message of a ParseError, as DESIGN.md describes it:
// the input is quoted, and cut after 200 bytes with a "..." marker.
func wantMessage(fn, in, reason string, off int) string {
	q := strconv.Quote(in)
	if len(in) > 200 {
		q = strconv.Quote(in[:200]) + "..."
	}
	return "hostport." + fn + ": parsing " + q + ": " + reason + " at offset " + strconv.Itoa(off)
}

// The wire forms.
var (
	wireParse = wire[hostport.HostPort]{
		fn:     "Parse",
		parse:  hostport.Parse,
		must:   hostport.MustParse,
		format: hostport.HostPort.String,
		appendTo: func(b []byte, hp hostport.HostPort) []byte {
			b, _ = hp.AppendText(b)
			return b
		},
	}
	wirePASV = wire[hostport.HostPort]{"ParsePASV", hostport.ParsePASV, hostport.MustParsePASV, hostport.FormatPASV, hostport.AppendPASV}
	wirePORT = wire[hostport.HostPort]{"ParsePORT", hostport.ParsePORT, hostport.MustParsePORT, hostport.FormatPORT, hostport.AppendPORT}
	wireEPSV = wire[uint16]{"ParseEPSV", hostport.ParseEPSV, hostport.MustParseEPSV, hostport.FormatEPSV, hostport.AppendEPSV}
	wireEPRT = wire[netip.AddrPort]{"ParseEPRT", hostport.ParseEPRT, hostport.MustParseEPRT, hostport.FormatEPRT, hostport.AppendEPRT}
	wireLPSV = wire[netip.AddrPort]{"ParseLPSV", hostport.ParseLPSV, hostport.MustParseLPSV, hostport.FormatLPSV, hostport.AppendLPSV}
	wireLPRT = wire[netip.AddrPort]{"ParseLPRT", hostport.ParseLPRT, hostport.MustParseLPRT, hostport.FormatLPRT, hostport.AppendLPRT}
)

// Error classes, short for the tables.
var (
	errSyntax = hostport.ErrSyntax
	errRange  = hostport.ErrRange
	errFamily = hostport.ErrFamily
)

type hp = hostport.HostPort

var ap = netip.MustParseAddrPort

// nines is a run of digits far longer than any field.
var nines = strings.Repeat("9", 30)

var parseRows = []parseRow[hp]{
	{name: "canonical", in: "10,2,0,2,4,31", want: hp{10, 2, 0, 2, 4, 31}, canon: true},
	{name: "documentation address", in: "192,0,2,1,4,1", want: hp{192, 0, 2, 1, 4, 1}, canon: true},
	{name: "zero", in: "0,0,0,0,0,0", want: hp{}, canon: true},
	{name: "max", in: "255,255,255,255,255,255", want: hp{255, 255, 255, 255, 255, 255}, canon: true},
	{name: "leading zeros are decimal", in: "010,002,000,002,004,031", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "zero-padded", in: "198,51,100,007,004,001", want: hp{198, 51, 100, 7, 4, 1}},
	// DESIGN.md reads any run of leading zeros as decimal; security-nat.md
	// T4 would cap a field at three digits.
	{name: "long run of leading zeros", in: "0000000000198,51,100,7,4,1", want: hp{198, 51, 100, 7, 4, 1}},
	{name: "fullwidth digit", in: "\uff110,2,0,2,4,31", is: errSyntax, off: 0, wantErr: "want digit for h1, found byte 0xef"},

	{name: "empty", in: "", is: errSyntax, off: 0,
		wantErr: `hostport.Parse: parsing "": want digit for h1, found end of line at offset 0`},
	{name: "five numbers", in: "10,2,0,2,4", is: errSyntax, off: 10,
		wantErr: `hostport.Parse: parsing "10,2,0,2,4": want 6 comma-separated numbers, got 5 at offset 10`},
	{name: "seven numbers", in: "10,2,0,2,4,31,7", is: errSyntax, off: 13,
		wantErr: "want 6 comma-separated numbers, got 7"},
	{name: "comma after the last number", in: "10,2,0,2,4,31,", is: errSyntax, off: 13,
		wantErr: "comma after the last number"},
	{name: "h1 256", in: "256,2,0,2,4,31", is: errRange, off: 0, wantErr: "h1 256 out of range [0,255]"},
	{name: "p1 999", in: "10,2,0,2,999,31", is: errRange, off: 9, wantErr: "p1 999 out of range [0,255]"},
	{name: "p2 256", in: "10,2,0,2,4,256", is: errRange, off: 11, wantErr: "p2 256 out of range [0,255]"},
	{name: "32-bit wrap", in: "10,2,0,2,4,4294967297", is: errRange, off: 11,
		wantErr: "p2 4294967297 out of range [0,255]"},
	{name: "huge digit run", in: "10,2,0,2,4," + nines, is: errRange, off: 11,
		wantErr: "p2 " + nines[:24] + "... out of range [0,255]"},
	{name: "minus sign", in: "10,2,0,2,-1,31", is: errSyntax, off: 9, wantErr: "want digit for p1, found '-'"},
	{name: "plus sign", in: "+10,2,0,2,4,31", is: errSyntax, off: 0, wantErr: "want digit for h1, found '+'"},
	{name: "leading space", in: " 10,2,0,2,4,31", is: errSyntax, off: 0, wantErr: "want digit for h1, found ' '"},
	{name: "space after comma", in: "10, 2,0,2,4,31", is: errSyntax, off: 3, wantErr: "want digit for h2, found ' '"},
	{name: "space before comma", in: "10 ,2,0,2,4,31", is: errSyntax, off: 2,
		wantErr: "want 6 comma-separated numbers, got 1, then ' ' after h1"},
	{name: "trailing space", in: "10,2,0,2,4,31 ", is: errSyntax, off: 13,
		wantErr: "want end of line after p2, found ' '"},
	{name: "empty field", in: "10,,0,2,4,31", is: errSyntax, off: 3, wantErr: "empty h2"},
	{name: "leading comma", in: ",10,2,0,2,4", is: errSyntax, off: 0, wantErr: "empty h1"},
	{name: "dots", in: "10.2.0.2.4.31", is: errSyntax, off: 2,
		wantErr: "want 6 comma-separated numbers, got 1, then '.' after h1"},
	{name: "hex", in: "0x10,2,0,2,4,31", is: errSyntax, off: 1,
		wantErr: "want 6 comma-separated numbers, got 1, then 'x' after h1"},
	{name: "underscore", in: "1_0,2,0,2,4,31", is: errSyntax, off: 1,
		wantErr: "want 6 comma-separated numbers, got 1, then '_' after h1"},
	{name: "parentheses", in: "(10,2,0,2,4,31)", is: errSyntax, off: 0, wantErr: "want digit for h1, found '('"},
	{name: "verb", in: "PORT 10,2,0,2,4,31", is: errSyntax, off: 0, wantErr: "want digit for h1, found 'P'"},
	{name: "CRLF is not part of the bare form", in: "10,2,0,2,4,31\r\n", is: errSyntax, off: 13,
		wantErr: "CR inside the line"},
	{name: "LF", in: "10,2,0,2,4,31\n", is: errSyntax, off: 13, wantErr: "LF inside the line"},
	{name: "NUL inside", in: "10,2,0\x00,2,4,31", is: errSyntax, off: 6, wantErr: "NUL inside the line"},
	{name: "non-ASCII digit", in: "\uff11\uff10,2,0,2,4,31", is: errSyntax, off: 0},
}

func TestParse(t *testing.T) { wireParse.run(t, parseRows) }

var portRows = []parseRow[hp]{
	{name: "brief sample", in: "PORT 10,2,0,2,4,31", want: hp{10, 2, 0, 2, 4, 31}, canon: true},
	{name: "documentation address", in: "PORT 198,51,100,7,4,1", want: hp{198, 51, 100, 7, 4, 1}, canon: true},
	{name: "lower-case verb", in: "port 10,2,0,2,4,31", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "mixed-case verb", in: "PoRt 10,2,0,2,4,31", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "CRLF at the end", in: "PORT 10,2,0,2,4,31\r\n", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "LF at the end", in: "PORT 10,2,0,2,4,31\n", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "argument alone", in: "10,2,0,2,4,31", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "argument alone with CRLF", in: "10,2,0,2,4,31\r\n", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "zero-padded (T4)", in: "PORT 198,51,100,007,4,001", want: hp{198, 51, 100, 7, 4, 1}},
	{name: "leading zero is decimal, not octal (T4)", in: "PORT 010,0,0,5,4,1", want: hp{10, 0, 0, 5, 4, 1}},
	{name: "port 0 is syntax", in: "PORT 127,0,0,1,0,0", want: hp{127, 0, 0, 1, 0, 0}, canon: true},
	{name: "max", in: "PORT 255,255,255,255,255,255", want: hp{255, 255, 255, 255, 255, 255}, canon: true},
	// See the Parse row of the same name.
	{name: "long run of leading zeros", in: "PORT 0000000000198,51,100,7,4,1", want: hp{198, 51, 100, 7, 4, 1}},

	// security-nat.md T4.
	{name: "h4 256", in: "PORT 198,51,100,256,4,1", is: errRange, off: 16,
		wantErr: `hostport.ParsePORT: parsing "PORT 198,51,100,256,4,1": h4 256 out of range [0,255] at offset 16`},
	{name: "conntrack h4 25607", in: "PORT 198,51,0,25607,4,1", is: errRange, off: 14,
		wantErr: "h4 25607 out of range [0,255]"},
	{name: "arithmetic p2 1304", in: "PORT 198,51,100,7,0,1304", is: errRange, off: 20,
		wantErr: "p2 1304 out of range [0,255]"},
	{name: "design sample p2 310", in: "PORT 10,2,0,2,4,310", is: errRange, off: 16,
		wantErr: `hostport.ParsePORT: parsing "PORT 10,2,0,2,4,310": p2 310 out of range [0,255] at offset 16`},
	{name: "negative p1", in: "PORT 198,51,100,7,-1,281", is: errSyntax, off: 18, wantErr: "want digit for p1, found '-'"},
	{name: "plus signs", in: "PORT 198,51,100,7,+4,+1", is: errSyntax, off: 18, wantErr: "want digit for p1, found '+'"},
	{name: "32-bit wrap", in: "PORT 198,51,100,7,4,4294967297", is: errRange, off: 20,
		wantErr: "p2 4294967297 out of range [0,255]"},
	{name: "huge digit run", in: "PORT 1," + nines + ",0,2,4,31", is: errRange, off: 7,
		wantErr: "h2 " + nines[:24] + "... out of range [0,255]"},
	{name: "seven numbers", in: "PORT 198,51,100,7,4,1,9", is: errSyntax, off: 21,
		wantErr: "want 6 comma-separated numbers, got 7"},
	{name: "five numbers", in: "PORT 198,51,100,7,4", is: errSyntax, off: 19,
		wantErr: "want 6 comma-separated numbers, got 5"},
	{name: "two numbers (T8)", in: "PORT 1,2", is: errSyntax, off: 8, wantErr: "want 6 comma-separated numbers, got 2"},
	{name: "space inside", in: "PORT 198, 51,100,7,4,1", is: errSyntax, off: 9, wantErr: "want digit for h2, found ' '"},
	{name: "trailing space", in: "PORT 198,51,100,7,4,1 ", is: errSyntax, off: 21,
		wantErr: "want end of line after p2, found ' '"},
	{name: "trailing garbage", in: "PORT 10,2,0,2,4,31x", is: errSyntax, off: 18,
		wantErr: "want end of line after p2, found 'x'"},
	{name: "comma after the last number", in: "PORT 10,2,0,2,4,31,", is: errSyntax, off: 18,
		wantErr: "comma after the last number"},
	{name: "empty p1", in: "PORT 10,2,0,2,,31", is: errSyntax, off: 14, wantErr: "empty p1"},
	{name: "empty h1", in: "PORT ,10,2,0,2,4", is: errSyntax, off: 5, wantErr: "empty h1"},
	{name: "missing p2", in: "PORT 10,2,0,2,4,", is: errSyntax, off: 16, wantErr: "want digit for p2, found end of line"},
	{name: "dotted", in: "PORT 127.0.0.1.1.2", is: errSyntax, off: 8,
		wantErr: "want 6 comma-separated numbers, got 1, then '.' after h1"},
	{name: "host name (T7)", in: "PORT localhost,0,0,1,4,1", is: errSyntax, off: 5, wantErr: "want digit for h1, found 'l'"},
	{name: "non-ASCII digit", in: "PORT \u0661,2,0,2,4,31", is: errSyntax, off: 5},

	// The verb and the space after it.
	{name: "verb alone (T8)", in: "PORT", is: errSyntax, off: 4, wantErr: "want one space after PORT, found end of line"},
	{name: "verb and space alone", in: "PORT ", is: errSyntax, off: 5, wantErr: "want digit for h1, found end of line"},
	{name: "two spaces after verb", in: "PORT  10,2,0,2,4,31", is: errSyntax, off: 5, wantErr: "want digit for h1, found ' '"},
	{name: "tab after verb", in: "PORT\t10,2,0,2,4,31", is: errSyntax, off: 4, wantErr: `want one space after PORT, found '\t'`},
	{name: "no space after verb", in: "PORT10,2,0,2,4,31", is: errSyntax, off: 4, wantErr: "want one space after PORT, found '1'"},
	{name: "wrong verb", in: "EPRT 10,2,0,2,4,31", is: errSyntax, off: 0,
		wantErr: `hostport.ParsePORT: parsing "EPRT 10,2,0,2,4,31": verb "EPRT", want PORT at offset 0`},
	{name: "longer verb", in: "PORTS 10,2,0,2,4,31", is: errSyntax, off: 0, wantErr: `verb "PORTS", want PORT`},
	{name: "PASV", in: "PASV", is: errSyntax, off: 0, wantErr: `verb "PASV", want PORT`},
	{name: "leading space", in: " PORT 10,2,0,2,4,31", is: errSyntax, off: 0, wantErr: "want digit for h1, found ' '"},
	{name: "host name alone (T7)", in: "localhost,0,0,1,4,1", is: errSyntax, off: 0, wantErr: `verb "localhost", want PORT`},

	// Line endings and control characters.
	{name: "CR alone at the end", in: "PORT 10,2,0,2,4,31\r", is: errSyntax, off: 18, wantErr: "CR inside the line"},
	{name: "two CRLFs", in: "PORT 10,2,0,2,4,31\r\n\r\n", is: errSyntax, off: 18, wantErr: "CR inside the line"},
	{name: "two LFs", in: "PORT 10,2,0,2,4,31\n\n", is: errSyntax, off: 18, wantErr: "LF inside the line"},
	{name: "LFCR", in: "PORT 10,2,0,2,4,31\n\r", is: errSyntax, off: 18, wantErr: "LF inside the line"},
	{name: "CRLF inside", in: "PORT 10,2\r\n,0,2,4,31", is: errSyntax, off: 9, wantErr: "CR inside the line"},
	{name: "NUL inside", in: "PORT 10,2,0\x00,2,4,31", is: errSyntax, off: 11, wantErr: "NUL inside the line"},
	{name: "NUL at the end", in: "PORT 10,2,0,2,4,31\x00", is: errSyntax, off: 18, wantErr: "NUL inside the line"},
	{name: "LF before CRLF", in: "PORT 10,2,0,2,4,31\n\r\n", is: errSyntax, off: 18, wantErr: "LF inside the line"},
	// The error keeps the whole input, line ending included.
	{name: "five numbers then CRLF", in: "PORT 198,51,100,7,4\r\n", is: errSyntax, off: 19,
		wantErr: "want 6 comma-separated numbers, got 5"},
	{name: "p2 256 then CRLF", in: "PORT 10,2,0,2,4,256\r\n", is: errRange, off: 16, wantErr: "p2 256 out of range [0,255]"},
}

func TestParsePORT(t *testing.T) { wirePORT.run(t, portRows) }

var pasvRows = []parseRow[hp]{
	{name: "canonical", in: "227 Entering Passive Mode (10,2,0,2,4,31).", want: hp{10, 2, 0, 2, 4, 31}, canon: true},
	{name: "brief sample", in: "227 Entering passive mode (127,0,0,1,203,197)", want: hp{127, 0, 0, 1, 203, 197}},
	{name: "documentation address", in: "227 Entering Passive Mode (192,0,2,1,4,1).", want: hp{192, 0, 2, 1, 4, 1}, canon: true},
	{name: "CRLF at the end", in: "227 Entering Passive Mode (192,0,2,1,4,1).\r\n", want: hp{192, 0, 2, 1, 4, 1}},
	{name: "LF at the end", in: "227 Entering Passive Mode (192,0,2,1,4,1).\n", want: hp{192, 0, 2, 1, 4, 1}},
	{name: "no code", in: "Entering Passive Mode (192,0,2,1,4,1).", want: hp{192, 0, 2, 1, 4, 1}},
	{name: "first line of a multi-line reply", in: "227-Entering Passive Mode (192,0,2,1,4,1)", want: hp{192, 0, 2, 1, 4, 1}},
	{name: "two spaces after the code", in: "227  Entering Passive Mode (192,0,2,1,4,1)", want: hp{192, 0, 2, 1, 4, 1}},
	{name: "code alone before the list", in: "227 192,0,2,1,4,1", want: hp{192, 0, 2, 1, 4, 1}},
	{name: "leading zeros are decimal", in: "227 Entering Passive Mode (010,002,000,002,004,031)", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "max", in: "227 Entering Passive Mode (255,255,255,255,255,255).", want: hp{255, 255, 255, 255, 255, 255}, canon: true},
	{name: "digits after the list are text", in: "227 Entering Passive Mode (192,0,2,1,4,1) in 5 seconds", want: hp{192, 0, 2, 1, 4, 1}},

	// real-peers.md section 4.1 and 4.2.
	{name: "vsftpd", in: "227 Entering Passive Mode (127,0,0,2,118,224).", want: hp{127, 0, 0, 2, 118, 224}, canon: true},
	{name: "pure-ftpd", in: "227 Entering Passive Mode (127,0,0,2,118,227)", want: hp{127, 0, 0, 2, 118, 227}},
	{name: "proftpd", in: "227 Entering Passive Mode (127,0,0,2,118,227).", want: hp{127, 0, 0, 2, 118, 227}, canon: true},
	{name: "pyftpdlib", in: "227 Entering passive mode (127,0,0,2,118,218).", want: hp{127, 0, 0, 2, 118, 218}},
	{name: "GNU ftpd", in: "227 Entering Passive Mode (127,0,0,1,170,255)", want: hp{127, 0, 0, 1, 170, 255}},
	{name: "vsftpd on IPv6 with masquerade", in: "227 Entering Passive Mode (0,0,0,0,118,222).", want: hp{0, 0, 0, 0, 118, 222}, canon: true},
	{name: "vsftpd on IPv6", in: "227 Entering Passive Mode (0,0,0,0,118,10).", want: hp{0, 0, 0, 0, 118, 10}, canon: true},
	{name: "proftpd on IPv6 with masquerade", in: "227 Entering Passive Mode (127,0,0,2,118,215).", want: hp{127, 0, 0, 2, 118, 215}, canon: true},
	{name: "pyftpdlib on IPv6 with masquerade", in: "227 Entering passive mode (127,0,0,2,118,227).", want: hp{127, 0, 0, 2, 118, 227}},
	{name: "proftpd bytes on the wire", in: "227 Entering Passive Mode (127,0,0,2,118,224).\r\n", want: hp{127, 0, 0, 2, 118, 224}},

	// security-nat.md T5.
	{name: "no parentheses", in: "227 =203,0,113,10,195,80", want: hp{203, 0, 113, 10, 195, 80}},
	{name: "curl's variant", in: "227 Data transfer will passively listen to 203,0,113,10,195,80", want: hp{203, 0, 113, 10, 195, 80}},
	{name: "stray digit before the list", in: "227 Entering Passive Mode v2 (203,0,113,10,195,80)", want: hp{203, 0, 113, 10, 195, 80}},
	{name: "missing closing parenthesis", in: "227 Entering Passive Mode (203,0,113,10,195,80", want: hp{203, 0, 113, 10, 195, 80}},

	{name: "proftpd on IPv6: three numbers", in: "227 Entering Passive Mode (1,118,6).", is: errSyntax, off: 34,
		wantErr: `hostport.ParsePASV: parsing "227 Entering Passive Mode (1,118,6).": want 6 comma-separated numbers, got 3, then ')' after h3 at offset 34`},
	{name: "proftpd on IPv6: bytes on the wire", in: "227 Entering Passive Mode (1,118,6).\r\n", is: errSyntax, off: 34,
		wantErr: "want 6 comma-separated numbers, got 3, then ')' after h3"},
	{name: "pyftpdlib on IPv6: IPv6 text", in: "227 Entering passive mode (::1,118,11).", is: errSyntax, off: 28,
		wantErr: `hostport.ParsePASV: parsing "227 Entering passive mode (::1,118,11).": list of numbers preceded by ':' at offset 28`},
	{name: "pyftpdlib on IPv6: bytes on the wire", in: "227 Entering passive mode (::1,118,7).\r\n", is: errSyntax, off: 28,
		wantErr: "list of numbers preceded by ':'"},
	{name: "curl test237", in: "227 Entering Passive Mode (1216,256,2,127,127,127)", is: errRange, off: 27,
		wantErr: "h1 1216 out of range [0,255]"},
	{name: "conntrack h4 266", in: "227 Entering Passive Mode (203,0,112,266,195,80)", is: errRange, off: 37,
		wantErr: "h4 266 out of range [0,255]"},
	{name: "p2 65535", in: "227 Entering Passive Mode (192,0,2,1,4,65535)", is: errRange, off: 39,
		wantErr: "p2 65535 out of range [0,255]"},
	{name: "huge digit run", in: "227 Entering Passive Mode (192,0,2,1," + nines + ",1)", is: errRange, off: 37,
		wantErr: "p1 " + nines[:24] + "... out of range [0,255]"},
	{name: "negative p1", in: "227 Entering Passive Mode (203,0,113,10,-1,281)", is: errSyntax, off: 40,
		wantErr: "want digit for p1, found '-'"},
	{name: "two lists", in: "227 Entering Passive Mode (10,0,0,5,4,1) (203,0,113,10,195,80)", is: errSyntax, off: 42,
		wantErr: "a second list of 6 or more comma-separated numbers"},
	// Only a second list that could itself be read as the address makes the
	// reply ambiguous; shorter lists are text, before the address or after.
	{name: "second list of seven glued to a letter", in: "227 (10,0,0,1,4,31) x1,2,3,4,5,6,7", is: errSyntax, off: 21,
		wantErr: `hostport.ParsePASV: parsing "227 (10,0,0,1,4,31) x1,2,3,4,5,6,7": a second list of 6 or more comma-separated numbers at offset 21`},
	{name: "two numbers after the list are text", in: "227 Entering Passive Mode (10,0,0,1,4,31). Took 2,3 ms", want: hp{10, 0, 0, 1, 4, 31}},
	{name: "two numbers before the list are text", in: "227 Data 1,2 then (10,0,0,1,4,31)", want: hp{10, 0, 0, 1, 4, 31}},
	{name: "five numbers after the list are text", in: "227 Entering Passive Mode (10,0,0,1,4,31) or 1,2,3,4,5", want: hp{10, 0, 0, 1, 4, 31}},
	{name: "a short list glued to a dotted number is text", in: "227 took 1.5,2 s (10,0,0,1,4,31)", want: hp{10, 0, 0, 1, 4, 31}},
	{name: "no list of six: the first list is reported", in: "227 Data 1,2 then (10,0,0,1,4)", is: errSyntax, off: 12,
		wantErr: "want 6 comma-separated numbers, got 2, then ' ' after h2"},
	{name: "seven numbers", in: "227 Entering Passive Mode (203,0,113,10,195,80,1)", is: errSyntax, off: 46,
		wantErr: "want 6 comma-separated numbers, got 7"},
	{name: "five numbers", in: "227 Entering Passive Mode (192,0,2,1,4)", is: errSyntax, off: 38,
		wantErr: "want 6 comma-separated numbers, got 5, then ')' after p1"},
	{name: "five numbers at the end", in: "227 192,0,2,1,4", is: errSyntax, off: 15,
		wantErr: "want 6 comma-separated numbers, got 5"},
	{name: "comma after the last number", in: "227 Entering Passive Mode (192,0,2,1,4,1,)", is: errSyntax, off: 40,
		wantErr: "comma after the last number"},
	{name: "empty field", in: "227 Entering Passive Mode (192,0,,1,4,1)", is: errSyntax, off: 33, wantErr: "empty h3"},
	{name: "comma before the list", in: "227 Entering Passive Mode (,192,0,2,1,4,1)", is: errSyntax, off: 27,
		wantErr: "list of numbers preceded by ','"},
	{name: "space inside the list", in: "227 Entering Passive Mode (192, 0,2,1,4,1)", is: errSyntax, off: 31,
		wantErr: "want digit for h2, found ' '"},
	{name: "sign before the list", in: "227 Entering Passive Mode (+192,0,2,1,4,1)", is: errSyntax, off: 27,
		wantErr: "list of numbers preceded by '+'"},
	{name: "letter after the list", in: "227 Entering Passive Mode (192,0,2,1,4,1a)", is: errSyntax, off: 40,
		wantErr: "list of numbers followed by 'a'"},
	{name: "decimal point after the list", in: "227 Entering Passive Mode (192,0,2,1,4,1.5)", is: errSyntax, off: 40,
		wantErr: "list of numbers followed by '.'"},
	{name: "dotted address glued before", in: "227 Entering Passive Mode (192.0.2.1,4,1)", is: errSyntax, off: 34,
		wantErr: "list of numbers preceded by '.'"},
	{name: "host name (T7)", in: "227 Entering Passive Mode (evil,example,com,x,4,1)", is: errSyntax, off: 45,
		wantErr: "list of numbers preceded by ','"},
	{name: "no numbers", in: "227 Entering Passive Mode", is: errSyntax, off: 25,
		wantErr: "no comma-separated numbers in the reply text"},
	{name: "code alone", in: "227", is: errSyntax, off: 3, wantErr: "no comma-separated numbers in the reply text"},
	{name: "empty", in: "", is: errSyntax, off: 0, wantErr: "no comma-separated numbers in the reply text"},
	{name: "wrong code", in: "228 Entering Passive Mode (192,0,2,1,4,1)", is: errSyntax, off: 0,
		wantErr: `hostport.ParsePASV: parsing "228 Entering Passive Mode (192,0,2,1,4,1)": reply code 228, want 227 at offset 0`},
	{name: "229 reply", in: "229 Entering Extended Passive Mode (|||6446|)", is: errSyntax, off: 0,
		wantErr: "reply code 229, want 227"},
	{name: "error reply", in: "425 You cannot use PASV on IPv6 connections. Use EPSV instead.", is: errSyntax, off: 0,
		wantErr: "reply code 425, want 227"},
	// No reader of replies takes four digits and a space for a code and
	// text; a '-' after them is text, as any other non-space.
	{name: "four-digit code", in: "2270 Entering Passive Mode (10,0,0,1,4,31)", is: errSyntax, off: 0,
		wantErr: `hostport.ParsePASV: parsing "2270 Entering Passive Mode (10,0,0,1,4,31)": reply code 2270, want 227 at offset 0`},
	{name: "five-digit code", in: "22700 Entering Passive Mode (10,0,0,1,4,31)", is: errSyntax, off: 0,
		wantErr: "reply code 22700, want 227"},
	{name: "four digits and a dash are text", in: "2270-Entering Passive Mode (10,0,0,1,4,31)", want: hp{10, 0, 0, 1, 4, 31}},

	// Line endings and control characters.
	{name: "CR alone at the end", in: "227 Entering Passive Mode (192,0,2,1,4,1)\r", is: errSyntax, off: 41, wantErr: "CR inside the line"},
	{name: "continuation line after (T5)", in: "227-Entering Passive Mode (10,0,0,5,4,1)\r\n227 OK\r\n", is: errSyntax, off: 40,
		wantErr: "CR inside the line"},
	{name: "LF inside the list", in: "227 Entering Passive Mode (192,0,2\n,1,4,1)", is: errSyntax, off: 34, wantErr: "LF inside the line"},
	{name: "LF after the list", in: "227 Entering Passive Mode (192,0,2,1,4,1\n)", is: errSyntax, off: 40, wantErr: "LF inside the line"},
	{name: "NUL before the list", in: "227 Entering\x00 Passive Mode (192,0,2,1,4,1)", is: errSyntax, off: 12, wantErr: "NUL inside the line"},
}

func TestParsePASV(t *testing.T) { wirePASV.run(t, pasvRows) }

var epsvRows = []parseRow[uint16]{
	{name: "RFC 2428 sample", in: "229 Entering Extended Passive Mode (|||6446|)", want: 6446, canon: true},
	{name: "port 0 is syntax (T4)", in: "229 Entering Extended Passive Mode (|||0|)", want: 0, canon: true},
	{name: "port 65535", in: "229 Entering Extended Passive Mode (|||65535|)", want: 65535, canon: true},
	{name: "CRLF at the end", in: "229 Entering Extended Passive Mode (|||6446|)\r\n", want: 6446},
	{name: "no code", in: "Entering Extended Passive Mode (|||6446|)", want: 6446},
	{name: "first line of a multi-line reply", in: "229-Entering Extended Passive Mode (|||6446|)", want: 6446},
	{name: "leading zeros are decimal", in: "229 Entering Extended Passive Mode (|||006446|)", want: 6446},
	{name: "other delimiter (T6)", in: "229 Entering Extended Passive Mode (!!!50000!)", want: 50000},
	{name: "missing closing parenthesis (T6)", in: "229 Entering Extended Passive Mode (|||50000|", want: 50000},
	{name: "text after the parenthesis", in: "229 Entering Extended Passive Mode (|||6446|) ok", want: 6446},
	{name: "an earlier parenthesis is text", in: "229 Mode (1) (|||6446|)", want: 6446},
	{name: "code alone before the port", in: "229 (|||6446|)", want: 6446},

	// real-peers.md section 4.1 and 4.2.
	{name: "vsftpd", in: "229 Entering Extended Passive Mode (|||30439|)", want: 30439, canon: true},
	{name: "pure-ftpd", in: "229 Extended Passive mode OK (|||30430|)", want: 30430},
	{name: "proftpd", in: "229 Entering Extended Passive Mode (|||30438|)", want: 30438, canon: true},
	{name: "pyftpdlib", in: "229 Entering extended passive mode (|||30423|).", want: 30423},
	{name: "GNU ftpd", in: "229 Entering Extended Passive Mode (|||45035|)", want: 45035, canon: true},
	{name: "vsftpd on IPv6", in: "229 Entering Extended Passive Mode (|||30434|)", want: 30434, canon: true},
	{name: "pure-ftpd on IPv6", in: "229 Extended Passive mode OK (|||30432|)", want: 30432},
	{name: "pyftpdlib on IPv6", in: "229 Entering extended passive mode (|||30432|).\r\n", want: 30432},

	// security-nat.md T4, T6, T8.
	{name: "conntrack 65561", in: "229 Entering Extended Passive Mode (|||65561|)", is: errRange, off: 39,
		wantErr: `hostport.ParseEPSV: parsing "229 Entering Extended Passive Mode (|||65561|)": tcp-port 65561 out of range [0,65535] at offset 39`},
	{name: "curl test238", in: "229 Entering Passive Mode (|||1000000|)", is: errRange, off: 30,
		wantErr: "tcp-port 1000000 out of range [0,65535]"},
	{name: "huge digit run", in: "229 Entering Extended Passive Mode (|||" + nines + "|)", is: errRange, off: 39,
		wantErr: "tcp-port " + nines[:24] + "... out of range [0,65535]"},
	{name: "negative port", in: "229 Entering Extended Passive Mode (|||-1|)", is: errSyntax, off: 39,
		wantErr: "want digit for tcp-port, found '-'"},
	{name: "plus sign", in: "229 Entering Extended Passive Mode (|||+21|)", is: errSyntax, off: 39,
		wantErr: "want digit for tcp-port, found '+'"},
	{name: "space before the port", in: "229 Entering Extended Passive Mode (||| 6446|)", is: errSyntax, off: 39,
		wantErr: "want digit for tcp-port, found ' '"},
	{name: "empty port", in: "229 Entering Extended Passive Mode (||||)", is: errSyntax, off: 39,
		wantErr: "want digit for tcp-port, found '|'"},
	{name: "net-prt and net-addr filled in", in: "229 Entering Extended Passive Mode (|1|10.0.0.5|50000|)", is: errSyntax, off: 36,
		wantErr: `hostport.ParseEPSV: parsing "229 Entering Extended Passive Mode (|1|10.0.0.5|50000|)": want three identical delimiters after '(' (net-prt and net-addr are empty in a 229 reply) at offset 36`},
	{name: "IPv6 net-addr filled in", in: "229 Entering Extended Passive Mode (|2|::1|50000|)", is: errSyntax, off: 36,
		wantErr: "want three identical delimiters after '(' (net-prt and net-addr are empty in a 229 reply)"},
	{name: "two delimiters", in: "229 Entering Extended Passive Mode (||50000||)", is: errSyntax, off: 36,
		wantErr: "want three identical delimiters after '(' (net-prt and net-addr are empty in a 229 reply)"},
	{name: "no parentheses", in: "229 Entering Extended Passive Mode |||6446|", is: errSyntax, off: 43,
		wantErr: "no (|||tcp-port|) in the reply text"},
	{name: "port alone", in: "229 Entering Extended Passive Mode 6446", is: errSyntax, off: 39,
		wantErr: "no (|||tcp-port|) in the reply text"},
	{name: "mixed delimiters", in: "229 Entering Extended Passive Mode (||!6446|)", is: errSyntax, off: 36,
		wantErr: "want three identical delimiters after '(' (net-prt and net-addr are empty in a 229 reply)"},
	{name: "digit delimiter", in: "229 Entering Extended Passive Mode (1116446 1)", is: errSyntax, off: 46,
		wantErr: "no (|||tcp-port|) in the reply text"},
	{name: "space delimiter", in: "229 Entering Extended Passive Mode (   6446 )", is: errSyntax, off: 45,
		wantErr: "no (|||tcp-port|) in the reply text"},
	{name: "DEL delimiter", in: "229 Entering Extended Passive Mode (\x7f\x7f\x7f6446\x7f)", is: errSyntax, off: 45,
		wantErr: "no (|||tcp-port|) in the reply text"},
	{name: "open parenthesis alone (T8)", in: "229 (", is: errSyntax, off: 5, wantErr: "no (|||tcp-port|) in the reply text"},
	{name: "two delimiters at the end (T8)", in: "229 Entering Extended Passive Mode (||", is: errSyntax, off: 36,
		wantErr: "want three identical delimiters after '(' (net-prt and net-addr are empty in a 229 reply)"},
	{name: "empty parentheses (T8)", in: "229 ()", is: errSyntax, off: 5, wantErr: "want three identical delimiters after '(' (net-prt and net-addr are empty in a 229 reply)"},
	{name: "empty", in: "", is: errSyntax, off: 0, wantErr: "no (|||tcp-port|) in the reply text"},
	{name: "different last delimiter", in: "229 Entering Extended Passive Mode (|||6446!)", is: errSyntax, off: 43,
		wantErr: "want delimiter '|' after tcp-port, found '!'"},
	{name: "missing last delimiter", in: "229 Entering Extended Passive Mode (|||6446)", is: errSyntax, off: 43,
		wantErr: "want delimiter '|' after tcp-port, found ')'"},
	{name: "ends after the port", in: "229 Entering Extended Passive Mode (|||6446", is: errSyntax, off: 43,
		wantErr: "want delimiter '|' after tcp-port, found end of line"},
	{name: "garbage before the parenthesis", in: "229 Entering Extended Passive Mode (|||6446|x)", is: errSyntax, off: 44,
		wantErr: "want ')' after the last delimiter, found 'x'"},
	{name: "wrong code", in: "227 Entering Extended Passive Mode (|||6446|)", is: errSyntax, off: 0,
		wantErr: `hostport.ParseEPSV: parsing "227 Entering Extended Passive Mode (|||6446|)": reply code 227, want 229 at offset 0`},
	{name: "522 reply", in: "522 Network protocol not supported (use 1).", is: errSyntax, off: 0,
		wantErr: "reply code 522, want 229"},
	{name: "four-digit code", in: "2290 Entering Extended Passive Mode (|||6446|)", is: errSyntax, off: 0,
		wantErr: `hostport.ParseEPSV: parsing "2290 Entering Extended Passive Mode (|||6446|)": reply code 2290, want 229 at offset 0`},
	// Readers that take the last tuple would see another port.
	{name: "second tuple", in: "229 Entering Extended Passive Mode (|||6446|) (|||21|)", is: errSyntax, off: 46,
		wantErr: `hostport.ParseEPSV: parsing "229 Entering Extended Passive Mode (|||6446|) (|||21|)": a second (|||tcp-port|) in the reply text at offset 46`},
	{name: "second tuple with other delimiters", in: "229 (|||6446|) or (!!!21!)", is: errSyntax, off: 18,
		wantErr: "a second (|||tcp-port|) in the reply text"},
	{name: "parentheses after the tuple are text", in: "229 Entering Extended Passive Mode (|||6446|) (port 6446)", want: 6446},

	// Line endings and control characters.
	{name: "CR alone at the end", in: "229 Entering Extended Passive Mode (|||6446|)\r", is: errSyntax, off: 45, wantErr: "CR inside the line"},
	{name: "NUL after the parenthesis", in: "229 Entering Extended Passive Mode (|||6446|)\x00", is: errSyntax, off: 45, wantErr: "NUL inside the line"},
	{name: "NUL before the parenthesis", in: "229 Entering\x00 Extended Passive Mode (|||6446|)", is: errSyntax, off: 12, wantErr: "NUL inside the line"},
	{name: "LF in place of the parenthesis", in: "229 Entering Extended Passive Mode (|||6446|\n)", is: errSyntax, off: 44, wantErr: "LF inside the line"},
}

func TestParseEPSV(t *testing.T) { wireEPSV.run(t, epsvRows) }

var eprtRows = []parseRow[netip.AddrPort]{
	{name: "RFC 2428 IPv4 sample", in: "EPRT |1|132.235.1.2|6275|", want: ap("132.235.1.2:6275"), canon: true},
	{name: "RFC 2428 IPv6 sample", in: "EPRT |2|1080::8:800:200C:417A|5282|", want: ap("[1080::8:800:200c:417a]:5282")},
	{name: "IPv6 canonical", in: "EPRT |2|1080::8:800:200c:417a|5282|", want: ap("[1080::8:800:200c:417a]:5282"), canon: true},
	{name: "IPv6 documentation address", in: "EPRT |2|2001:db8::7|1025|", want: ap("[2001:db8::7]:1025"), canon: true},
	{name: "IPv6 loopback", in: "EPRT |2|::1|40000|", want: ap("[::1]:40000"), canon: true},
	{name: "IPv6 unspecified (lftp)", in: "EPRT |2|::|54703|", want: ap("[::]:54703"), canon: true},
	{name: "IPv6 full form", in: "EPRT |2|2001:0db8:0000:0000:0000:0000:0000:0007|1025|", want: ap("[2001:db8::7]:1025")},
	{name: "IPv4-mapped stays mapped", in: "EPRT |2|::ffff:198.51.100.7|1025|", want: ap("[::ffff:198.51.100.7]:1025"), canon: true},
	{name: "lower-case verb", in: "eprt |1|132.235.1.2|6275|", want: ap("132.235.1.2:6275")},
	{name: "argument alone", in: "|1|132.235.1.2|6275|", want: ap("132.235.1.2:6275")},
	{name: "CRLF at the end", in: "EPRT |1|132.235.1.2|6275|\r\n", want: ap("132.235.1.2:6275")},
	{name: "other delimiter (T6)", in: "EPRT !1!198.51.100.7!1025!", want: ap("198.51.100.7:1025")},
	{name: "letter delimiter", in: "EPRT x2x2001:db8::7x1025x", want: ap("[2001:db8::7]:1025")},
	{name: "port 0 is syntax", in: "EPRT |1|127.0.0.1|0|", want: ap("127.0.0.1:0"), canon: true},
	{name: "port 65535", in: "EPRT |1|255.255.255.255|65535|", want: ap("255.255.255.255:65535"), canon: true},
	{name: "zero-padded port", in: "EPRT |1|198.51.100.7|01025|", want: ap("198.51.100.7:1025")},
	// security-nat.md T6 would reject a zero-padded net-prt; the parser
	// reads it as a decimal number like every other field.
	{name: "zero-padded net-prt", in: "EPRT |01|198.51.100.7|1025|", want: ap("198.51.100.7:1025")},

	// real-peers.md 4.6 and security-nat.md T4, T6, T7, T8.
	{name: "ProFTPD truncation 66560", in: "EPRT |1|198.51.100.7|66560|", is: errRange, off: 21,
		wantErr: `hostport.ParseEPRT: parsing "EPRT |1|198.51.100.7|66560|": tcp-port 66560 out of range [0,65535] at offset 21`},
	{name: "port 70000", in: "EPRT |1|127.0.0.1|70000|", is: errRange, off: 18, wantErr: "tcp-port 70000 out of range [0,65535]"},
	{name: "IPv6 port 70000", in: "EPRT |2|::1|70000|", is: errRange, off: 12, wantErr: "tcp-port 70000 out of range [0,65535]"},
	{name: "32-bit wrap", in: "EPRT |1|198.51.100.7|4294968320|", is: errRange, off: 21,
		wantErr: "tcp-port 4294968320 out of range [0,65535]"},
	{name: "twenty nines", in: "EPRT |1|198.51.100.7|99999999999999999999|", is: errRange, off: 21,
		wantErr: "tcp-port 99999999999999999999 out of range [0,65535]"},
	{name: "plus sign", in: "EPRT |1|198.51.100.7|+1025|", is: errSyntax, off: 21, wantErr: "want digit for tcp-port, found '+'"},
	{name: "leading zero in net-addr", in: "EPRT |1|198.51.100.07|1025|", is: errSyntax, off: 19,
		wantErr: `hostport.ParseEPRT: parsing "EPRT |1|198.51.100.07|1025|": leading zero in net-addr "198.51.100.07" at offset 19`},
	{name: "net-addr byte 999", in: "EPRT |1|999.0.0.1|40000|", is: errRange, off: 8,
		wantErr: "net-addr byte 999 out of range [0,255]"},
	{name: "space delimiter", in: "EPRT  1 198.51.100.7 1025 ", is: errSyntax, off: 5,
		wantErr: "want delimiter (printable ASCII, not a digit), found ' '"},
	{name: "DEL delimiter", in: "EPRT \x7f1\x7f198.51.100.7\x7f1025\x7f", is: errSyntax, off: 5,
		wantErr: `want delimiter (printable ASCII, not a digit), found '\x7f'`},
	{name: "digit delimiter", in: "EPRT 515198.51.100.7510255", is: errSyntax, off: 5,
		wantErr: "want delimiter (printable ASCII, not a digit), found '5'"},
	{name: "no delimiter before net-prt", in: "EPRT 1|127.0.0.1|40000|", is: errSyntax, off: 5,
		wantErr: "want delimiter (printable ASCII, not a digit), found '1'"},
	{name: "mixed delimiters in net-addr", in: "EPRT |1|198.51.100.7!1025|", is: errSyntax, off: 8,
		wantErr: `net-addr "198.51.100.7!1025" is not a dotted-quad IPv4 address`},
	{name: "mixed delimiters after net-prt", in: "EPRT |1!198.51.100.7!1025!", is: errSyntax, off: 7,
		wantErr: "want delimiter '|' after net-prt, found '!'"},
	{name: "mixed delimiter after the port", in: "EPRT |1|198.51.100.7|1025!", is: errSyntax, off: 25,
		wantErr: "want delimiter '|' after tcp-port, found '!'"},
	{name: "missing final delimiter", in: "EPRT |1|198.51.100.7|1025", is: errSyntax, off: 25,
		wantErr: "want delimiter '|' after tcp-port, found end of line"},
	{name: "trailing garbage", in: "EPRT |1|198.51.100.7|1025|x", is: errSyntax, off: 26,
		wantErr: "want end of line after the last delimiter, found 'x'"},
	{name: "trailing space", in: "EPRT |1|198.51.100.7|1025| ", is: errSyntax, off: 26,
		wantErr: "want end of line after the last delimiter, found ' '"},
	{name: "unknown net-prt 3", in: "EPRT |3|198.51.100.7|1025|", is: errFamily, off: 6,
		wantErr: `hostport.ParseEPRT: parsing "EPRT |3|198.51.100.7|1025|": unknown net-prt "3" (want 1 or 2) at offset 6`},
	{name: "unknown net-prt 3 with IPv6", in: "EPRT |3|::1|40000|", is: errFamily, off: 6, wantErr: `unknown net-prt "3" (want 1 or 2)`},
	{name: "unknown net-prt 0", in: "EPRT |0|198.51.100.7|1025|", is: errFamily, off: 6, wantErr: `unknown net-prt "0" (want 1 or 2)`},
	{name: "unknown net-prt 12", in: "EPRT |12|198.51.100.7|1025|", is: errFamily, off: 6, wantErr: `unknown net-prt "12" (want 1 or 2)`},
	{name: "net-prt is a letter", in: "EPRT |a|198.51.100.7|1025|", is: errSyntax, off: 6, wantErr: "want digit for net-prt, found 'a'"},
	{name: "IPv4-mapped in |1|", in: "EPRT |1|::ffff:198.51.100.7|1025|", is: errSyntax, off: 8,
		wantErr: `net-addr "::ffff:198.51.100.7" is not a dotted-quad IPv4 address`},
	{name: "IPv6 in |1|", in: "EPRT |1|fe80::1|1025|", is: errSyntax, off: 8,
		wantErr: `net-addr "fe80::1" is not a dotted-quad IPv4 address`},
	// The shape is judged before the numbers, so IPv6 text is a syntax
	// error however it starts.
	{name: "IPv6 starting with digits in |1|", in: "EPRT |1|2001:db8::7|1025|", is: errSyntax, off: 8,
		wantErr: `net-addr "2001:db8::7" is not a dotted-quad IPv4 address`},
	{name: "IPv4 in |2|", in: "EPRT |2|198.51.100.7|1025|", is: errSyntax, off: 8,
		wantErr: `net-prt 2 with IPv4 net-addr "198.51.100.7"`},
	{name: "comma form (T6)", in: "EPRT |1|198,51,100,7|1025|", is: errSyntax, off: 8,
		wantErr: `net-addr "198,51,100,7" is not a dotted-quad IPv4 address`},
	{name: "three bytes", in: "EPRT |1|1.2.3|80|", is: errSyntax, off: 8, wantErr: `net-addr "1.2.3" is not a dotted-quad IPv4 address`},
	{name: "five bytes", in: "EPRT |1|1.2.3.4.5|80|", is: errSyntax, off: 8,
		wantErr: `net-addr "1.2.3.4.5" is not a dotted-quad IPv4 address`},
	{name: "brackets", in: "EPRT |2|[2001:db8::7]|1025|", is: errSyntax, off: 8,
		wantErr: "invalid character '[' in IPv6 net-addr (no zone or brackets)"},
	{name: "zone", in: "EPRT |2|fe80::1%eth0|1025|", is: errSyntax, off: 15,
		wantErr: "invalid character '%' in IPv6 net-addr (no zone or brackets)"},
	{name: "three colons", in: "EPRT |2|:::1|40000|", is: errSyntax, off: 8, wantErr: `net-addr ":::1" is not an IPv6 address`},
	{name: "host name in |1| (T7)", in: "EPRT |1|localhost|1025|", is: errSyntax, off: 8, wantErr: `net-addr "localhost" is not a dotted-quad IPv4 address`},
	{name: "host name in |2| (T7)", in: "EPRT |2|evil.example|1025|", is: errSyntax, off: 9,
		wantErr: "invalid character 'v' in IPv6 net-addr (no zone or brackets)"},
	{name: "empty net-addr", in: "EPRT |1||1025|", is: errSyntax, off: 8, wantErr: `net-addr "" is not a dotted-quad IPv4 address`},
	{name: "NUL in net-addr", in: "EPRT |1|198.51.100\x00.7|1025|", is: errSyntax, off: 18, wantErr: "NUL inside the line"},
	{name: "non-ASCII byte in net-addr", in: "EPRT |2|::\xff1|1025|", is: errSyntax, off: 10,
		wantErr: "invalid byte 0xff in IPv6 net-addr (no zone or brackets)"},
	{name: "empty IPv6 net-addr", in: "EPRT |2||1025|", is: errSyntax, off: 8, wantErr: `net-addr "" is not an IPv6 address`},
	{name: "missing port (4.6)", in: "EPRT |1|127.0.0.1|", is: errSyntax, off: 18, wantErr: "want digit for tcp-port, found end of line"},
	{name: "empty port", in: "EPRT |1|198.51.100.7||", is: errSyntax, off: 21, wantErr: "want digit for tcp-port, found '|'"},
	{name: "verb alone (T8)", in: "EPRT", is: errSyntax, off: 4, wantErr: "want one space after EPRT, found end of line"},
	{name: "one delimiter (T8)", in: "EPRT |", is: errSyntax, off: 6, wantErr: "want digit for net-prt, found end of line"},
	{name: "four delimiters (T8)", in: "EPRT ||||", is: errSyntax, off: 6, wantErr: "want digit for net-prt, found '|'"},
	{name: "missing delimiter after net-addr", in: "EPRT |1|198.51.100.7", is: errSyntax, off: 20,
		wantErr: "want delimiter '|' after net-addr, found end of line"},
	{name: "two spaces after verb", in: "EPRT  |1|132.235.1.2|6275|", is: errSyntax, off: 5,
		wantErr: "want delimiter (printable ASCII, not a digit), found ' '"},
	{name: "wrong verb", in: "PORT |1|132.235.1.2|6275|", is: errSyntax, off: 0,
		wantErr: `hostport.ParseEPRT: parsing "PORT |1|132.235.1.2|6275|": verb "PORT", want EPRT at offset 0`},
	{name: "CR alone at the end", in: "EPRT |1|198.51.100.7|1025|\r", is: errSyntax, off: 26, wantErr: "CR inside the line"},
	{name: "two LFs", in: "EPRT |1|198.51.100.7|1025|\n\n", is: errSyntax, off: 26, wantErr: "LF inside the line"},
	{name: "LF in IPv6 net-addr", in: "EPRT |2|::1\n|40000|", is: errSyntax, off: 11, wantErr: "LF inside the line"},
	{name: "NUL in IPv4 net-addr", in: "EPRT |1|198.51.100\x00.7|1025|", is: errSyntax, off: 18},
	{name: "NUL as delimiter", in: "EPRT \x001\x00198.51.100.7\x001025\x00", is: errSyntax, off: 5, wantErr: "NUL inside the line"},
}

func TestParseEPRT(t *testing.T) { wireEPRT.run(t, eprtRows) }

// ap6 is 2001:db8::1 port 1055, and long6 its long form.
const long6 = "6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,31"

var lprtRows = []parseRow[netip.AddrPort]{
	{name: "IPv4", in: "LPRT 4,4,192,0,2,1,2,4,31", want: ap("192.0.2.1:1055"), canon: true},
	{name: "IPv6", in: "LPRT " + long6, want: ap("[2001:db8::1]:1055"), canon: true},
	{name: "IPv4-mapped stays mapped", in: "LPRT 6,16,0,0,0,0,0,0,0,0,0,0,255,255,192,0,2,1,2,0,21",
		want: ap("[::ffff:192.0.2.1]:21"), canon: true},
	{name: "lower-case verb", in: "lprt 4,4,192,0,2,1,2,4,31", want: ap("192.0.2.1:1055")},
	{name: "argument alone", in: "4,4,192,0,2,1,2,4,31", want: ap("192.0.2.1:1055")},
	{name: "CRLF at the end", in: "LPRT 4,4,192,0,2,1,2,4,31\r\n", want: ap("192.0.2.1:1055")},
	{name: "leading zeros are decimal", in: "LPRT 04,004,192,000,002,001,02,004,031", want: ap("192.0.2.1:1055")},
	{name: "max", in: "LPRT 6,16,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,2,255,255",
		want: ap("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"), canon: true},

	// security-nat.md T6 and T8.
	{name: "hal does not match af", in: "LPRT 4,16,198,51,100,7,2,4,1", is: errSyntax, off: 7,
		wantErr: `hostport.ParseLPRT: parsing "LPRT 4,16,198,51,100,7,2,4,1": hal 16 does not match af 4 (want 4) at offset 7`},
	{name: "hal 4 with af 6", in: "LPRT 6,4,192,0,2,1,2,4,31", is: errSyntax, off: 7, wantErr: "hal 4 does not match af 6 (want 16)"},
	{name: "hal 255 (T8)", in: "LPRT 4,255," + strings.Repeat("1,", 255) + "2,4,1", is: errSyntax, off: 7,
		wantErr: "hal 255 does not match af 4 (want 4)"},
	{name: "pal 3", in: "LPRT 4,4,198,51,100,7,3,0,4,1", is: errSyntax, off: 22,
		wantErr: `hostport.ParseLPRT: parsing "LPRT 4,4,198,51,100,7,3,0,4,1": pal 3 (want 2) at offset 22`},
	{name: "af 5", in: "LPRT 5,4,198,51,100,7,2,4,1", is: errFamily, off: 5,
		wantErr: `hostport.ParseLPRT: parsing "LPRT 5,4,198,51,100,7,2,4,1": unknown af 5 (want 4 or 6) at offset 5`},
	// A line cut after af is truncated, whatever af says.
	{name: "cut after an unknown af", in: "LPRT 5", is: errSyntax, off: 6, wantErr: "want ',' after af, found end of line"},
	{name: "cut after af 0", in: "LPRT 0\r\n", is: errSyntax, off: 6, wantErr: "want ',' after af, found end of line"},
	{name: "af 0", in: "LPRT 0,4,198,51,100,7,2,4,1", is: errFamily, off: 5, wantErr: "unknown af 0 (want 4 or 6)"},
	{name: "af 256", in: "LPRT 256,4,198,51,100,7,2,4,1", is: errRange, off: 5, wantErr: "af 256 out of range [0,255]"},
	{name: "IPv6 with three numbers (T8)", in: "LPRT 6,16,1,2,3", is: errSyntax, off: 15,
		wantErr: "want 21 comma-separated numbers, got 5"},
	{name: "eight numbers", in: "LPRT 4,4,192,0,2,1,2,4", is: errSyntax, off: 22,
		wantErr: "want 9 comma-separated numbers, got 8"},
	{name: "ten numbers", in: "LPRT 4,4,192,0,2,1,2,4,31,7", is: errSyntax, off: 25,
		wantErr: "want 9 comma-separated numbers, got 10"},
	{name: "comma after the last number", in: "LPRT 4,4,192,0,2,1,2,4,31,", is: errSyntax, off: 25,
		wantErr: "comma after the last number"},
	{name: "h4 300", in: "LPRT 4,4,192,0,2,300,2,4,31", is: errRange, off: 17, wantErr: "h4 300 out of range [0,255]"},
	{name: "h16 256", in: "LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,256,2,4,31", is: errRange, off: 44,
		wantErr: "h16 256 out of range [0,255]"},
	{name: "p2 256", in: "LPRT 4,4,192,0,2,1,2,4,256", is: errRange, off: 23, wantErr: "p2 256 out of range [0,255]"},
	{name: "empty h2", in: "LPRT 4,4,192,,2,1,2,4,31", is: errSyntax, off: 13, wantErr: "empty h2"},
	{name: "sign", in: "LPRT -4,4,192,0,2,1,2,4,31", is: errSyntax, off: 5, wantErr: "want digit for af, found '-'"},
	{name: "space inside", in: "LPRT 4, 4,192,0,2,1,2,4,31", is: errSyntax, off: 7, wantErr: "want digit for hal, found ' '"},
	{name: "trailing space", in: "LPRT 4,4,192,0,2,1,2,4,31 ", is: errSyntax, off: 25, wantErr: "want end of line after p2, found ' '"},
	{name: "dot after af", in: "LPRT 4.4,192,0,2,1,2,4,31", is: errSyntax, off: 6,
		wantErr: "want 9 comma-separated numbers, got 1, then '.' after af"},
	{name: "verb alone", in: "LPRT", is: errSyntax, off: 4, wantErr: "want one space after LPRT, found end of line"},
	{name: "two spaces after verb", in: "LPRT  4,4,192,0,2,1,2,4,31", is: errSyntax, off: 5, wantErr: "want digit for af, found ' '"},
	{name: "wrong verb", in: "LPSV 4,4,192,0,2,1,2,4,31", is: errSyntax, off: 0, wantErr: `verb "LPSV", want LPRT`},
	{name: "CR alone at the end", in: "LPRT 4,4,192,0,2,1,2,4,31\r", is: errSyntax, off: 25, wantErr: "CR inside the line"},
	{name: "NUL at the end", in: "LPRT 4,4,192,0,2,1,2,4,31\x00", is: errSyntax, off: 25, wantErr: "NUL inside the line"},
	{name: "LF inside", in: "LPRT 4,4,192,0\n,2,1,2,4,31", is: errSyntax, off: 14, wantErr: "LF inside the line"},
}

func TestParseLPRT(t *testing.T) { wireLPRT.run(t, lprtRows) }

var lpsvRows = []parseRow[netip.AddrPort]{
	{name: "IPv4", in: "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)", want: ap("192.0.2.1:1055"), canon: true},
	{name: "IPv6", in: "228 Entering Long Passive Mode (" + long6 + ")", want: ap("[2001:db8::1]:1055"), canon: true},
	{name: "trailing dot", in: "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31).", want: ap("192.0.2.1:1055")},
	{name: "CRLF at the end", in: "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)\r\n", want: ap("192.0.2.1:1055")},
	{name: "no code, no parentheses", in: "Entering Long Passive Mode 4,4,192,0,2,1,2,4,31", want: ap("192.0.2.1:1055")},
	{name: "first line of a multi-line reply", in: "228-Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)", want: ap("192.0.2.1:1055")},
	{name: "stray digit before the list", in: "228 Entering Long Passive Mode v2 (4,4,192,0,2,1,2,4,31)", want: ap("192.0.2.1:1055")},

	{name: "af 5", in: "228 Entering Long Passive Mode (5,4,192,0,2,1,2,4,31)", is: errFamily, off: 32,
		wantErr: "unknown af 5 (want 4 or 6)"},
	{name: "hal does not match af", in: "228 Entering Long Passive Mode (4,16,192,0,2,1,2,4,31)", is: errSyntax, off: 34,
		wantErr: "hal 16 does not match af 4 (want 4)"},
	{name: "pal 3", in: "228 Entering Long Passive Mode (4,4,192,0,2,1,3,0,4,31)", is: errSyntax, off: 46, wantErr: "pal 3 (want 2)"},
	{name: "ten numbers", in: "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31,7)", is: errSyntax, off: 52,
		wantErr: `hostport.ParseLPSV: parsing "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31,7)": want 9 comma-separated numbers, got 10 at offset 52`},
	{name: "eight numbers", in: "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4)", is: errSyntax, off: 49,
		wantErr: "want 9 comma-separated numbers, got 8, then ')' after p1"},
	{name: "p2 256", in: "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,256)", is: errRange, off: 50, wantErr: "p2 256 out of range [0,255]"},
	{name: "two lists", in: "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31) (4,4,203,0,113,10,2,4,31)", is: errSyntax, off: 55,
		wantErr: "a second list of 9 or more comma-separated numbers"},
	{name: "two numbers after the list are text", in: "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31) took 2,3 ms", want: ap("192.0.2.1:1055")},
	{name: "eight numbers after the list are text", in: "228 (4,4,192,0,2,1,2,4,31) 1,2,3,4,5,6,7,8", want: ap("192.0.2.1:1055")},
	{name: "six numbers before the list are text", in: "228 Data 1,2,3,4,5,6 then (4,4,192,0,2,1,2,4,31)", want: ap("192.0.2.1:1055")},
	{name: "a second IPv4 list after an IPv6 one", in: "228 (" + long6 + ") 4,4,192,0,2,1,2,4,31", is: errSyntax, off: 54,
		wantErr: "a second list of 9 or more comma-separated numbers"},
	{name: "four-digit code", in: "2280 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)", is: errSyntax, off: 0,
		wantErr: "reply code 2280, want 228"},
	{name: "no numbers", in: "228 Entering Long Passive Mode", is: errSyntax, off: 30, wantErr: "no comma-separated numbers in the reply text"},
	{name: "glued to a letter", in: "228 Entering Long Passive Mode (x4,4,192,0,2,1,2,4,31)", is: errSyntax, off: 32,
		wantErr: "list of numbers preceded by 'x'"},
	{name: "wrong code", in: "227 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)", is: errSyntax, off: 0, wantErr: "reply code 227, want 228"},
	{name: "CR alone at the end", in: "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)\r", is: errSyntax, off: 53,
		wantErr: "CR inside the line"},
}

func TestParseLPSV(t *testing.T) { wireLPSV.run(t, lpsvRows) }

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

func TestHostPortAccessors(t *testing.T) {
	tests := []struct {
		name     string
		in       hp
		addr     netip.Addr
		port     uint16
		str      string
		addrPort string
	}{
		{"brief sample", hp{10, 2, 0, 2, 4, 31}, netip.AddrFrom4([4]byte{10, 2, 0, 2}), 1055, "10,2,0,2,4,31", "10.2.0.2:1055"},
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

func TestFrom4(t *testing.T) {
	assert.Equal(t, hp{10, 2, 0, 2, 4, 31}, hostport.From4([4]byte{10, 2, 0, 2}, 1055))
	assert.Equal(t, hp{127, 0, 0, 1, 203, 197}, hostport.From4([4]byte{127, 0, 0, 1}, 52165))
	assert.Equal(t, hp{}, hostport.From4([4]byte{}, 0))
	assert.Equal(t, hp{255, 255, 255, 255, 255, 255}, hostport.From4([4]byte{255, 255, 255, 255}, 65535))
	assert.Equal(t, hp{192, 0, 2, 1, 1, 0}, hostport.From4([4]byte{192, 0, 2, 1}, 256))
}

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
		{"LPRT hal 255 (T8)", errOf(hostport.ParseLPRT), "LPRT 4,255," + strings.Repeat("1,", 255) + "2,4,1", errSyntax, 7},
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

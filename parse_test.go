package hostport_test

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport"
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

// wantMessage is the message of a ParseError, as ParseError.Error builds it:
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

// nines is a run of digits far longer than any field.
var nines = strings.Repeat("9", 30)

var parseRows = []parseRow[hp]{
	{name: "canonical", in: "10,2,0,2,4,31", want: hp{10, 2, 0, 2, 4, 31}, canon: true},
	{name: "documentation address", in: "192,0,2,1,4,1", want: hp{192, 0, 2, 1, 4, 1}, canon: true},
	{name: "zero", in: "0,0,0,0,0,0", want: hp{}, canon: true},
	{name: "max", in: "255,255,255,255,255,255", want: hp{255, 255, 255, 255, 255, 255}, canon: true},
	{name: "leading zeros are decimal", in: "010,002,000,002,004,031", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "zero-padded", in: "198,51,100,007,004,001", want: hp{198, 51, 100, 7, 4, 1}},
	// Any run of leading zeros is decimal, however long: a field is not
	// capped at three digits.
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

// TestParse checks the rows of the bare six-number form: values, round trips
// and errors.
func TestParse(t *testing.T) { wireParse.run(t, parseRows) }

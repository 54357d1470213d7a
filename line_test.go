package hostport_test

import (
	"encoding"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport"
)

// Form implements the standard text interfaces.
var (
	_ encoding.TextMarshaler   = hostport.Form(0)
	_ encoding.TextUnmarshaler = (*hostport.Form)(nil)
	_ fmt.Stringer             = hostport.Form(0)
)

// forms lists the Form constants in order.
var forms = []hostport.Form{
	hostport.FormPORT, hostport.FormPASV, hostport.FormEPRT,
	hostport.FormEPSV, hostport.FormLPRT, hostport.FormLPSV,
}

// TestFormString checks what String writes for each constant, the verb of a
// command or the code of a reply, and for values that are no form.
func TestFormString(t *testing.T) {
	want := []string{"PORT", "227", "EPRT", "229", "LPRT", "228"}
	for i, f := range forms {
		assert.Equal(t, want[i], f.String())
		assert.Equal(t, hostport.Form(i+1), f, "constants start at 1, in order")
	}
	assert.Equal(t, "Form(0)", hostport.Form(0).String())
	assert.Equal(t, "Form(7)", hostport.Form(7).String())
	assert.Equal(t, "Form(255)", hostport.Form(255).String())
}

// TestFormVerb checks the command of each form: its own verb, or the
// passive command its reply answers; and "" for values that are no form.
func TestFormVerb(t *testing.T) {
	want := []string{"PORT", "PASV", "EPRT", "EPSV", "LPRT", "LPSV"}
	for i, f := range forms {
		assert.Equal(t, want[i], f.Verb(), "%v", f)
	}
	assert.Empty(t, hostport.Form(0).Verb())
	assert.Empty(t, hostport.Form(7).Verb())
}

// TestFormText checks that MarshalText writes String's text, the zero Form as
// empty text, refuses other values, and that UnmarshalText reads it back; and
// that a Form goes through encoding/json as a string.
func TestFormText(t *testing.T) {
	for _, f := range append([]hostport.Form{0}, forms...) {
		text, err := f.MarshalText()
		require.NoError(t, err)
		if f == 0 {
			assert.Empty(t, text)
		} else {
			assert.Equal(t, f.String(), string(text))
		}
		got := hostport.Form(9)
		require.NoError(t, got.UnmarshalText(text))
		assert.Equal(t, f, got)
	}

	_, err := hostport.Form(7).MarshalText()
	assert.EqualError(t, err, "hostport.Form.MarshalText: Form(7) is not a form")

	for _, in := range []string{"PASV", "port", "227 ", "Form(1)", "1"} {
		got := hostport.FormEPSV
		err := got.UnmarshalText([]byte(in))
		require.ErrorIs(t, err, hostport.ErrSyntax, "%q", in)
		var perr *hostport.ParseError
		require.ErrorAs(t, err, &perr)
		assert.Equal(t, "Form.UnmarshalText", perr.Func)
		assert.Equal(t, in, perr.Input)
		assert.Equal(t, hostport.FormEPSV, got, "unchanged on error")
	}
	var f hostport.Form
	assert.EqualError(t, f.UnmarshalText([]byte("PASV")),
		`hostport.Form.UnmarshalText: parsing "PASV": unknown form "PASV" (want PORT, 227, EPRT, 229, LPRT or 228) at offset 0`)

	b, err := json.Marshal(map[string]hostport.Form{"form": hostport.FormPASV})
	require.NoError(t, err)
	assert.JSONEq(t, `{"form":"227"}`, string(b))
	var back map[string]hostport.Form
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, hostport.FormPASV, back["form"])
}

// lineRow is a row of TestParseLine: a line and the form ParseLine gives it,
// and either the address it names or the error, from the parser fn, that
// wraps is at offset off with the reason wantErr.
type lineRow struct {
	name, in string
	form     hostport.Form
	want     netip.AddrPort
	fn       string
	is       error
	off      int
	wantErr  string
}

var lineRows = []lineRow{
	// Each form, read as its parser reads it.
	{name: "PORT", in: "PORT 10,2,0,2,4,31", form: hostport.FormPORT, want: ap("10.2.0.2:1055")},
	{name: "PORT in lower case with CRLF", in: "port 10,2,0,2,4,31\r\n", form: hostport.FormPORT, want: ap("10.2.0.2:1055")},
	{name: "227", in: "227 Entering Passive Mode (192,0,2,1,4,1).", form: hostport.FormPASV, want: ap("192.0.2.1:1025")},
	{name: "first line of a multi-line 227", in: "227-Entering Passive Mode (192,0,2,1,4,1)", form: hostport.FormPASV, want: ap("192.0.2.1:1025")},
	{name: "EPRT IPv4", in: "EPRT |1|132.235.1.2|6275|", form: hostport.FormEPRT, want: ap("132.235.1.2:6275")},
	{name: "EPRT IPv6 in mixed case", in: "Eprt |2|1080::8:800:200C:417A|5282|\n", form: hostport.FormEPRT,
		want: ap("[1080::8:800:200c:417a]:5282")},
	{name: "229: the zero Addr and the port", in: "229 Entering Extended Passive Mode (|||6446|)", form: hostport.FormEPSV,
		want: netip.AddrPortFrom(netip.Addr{}, 6446)},
	{name: "LPRT", in: "LPRT 4,4,192,0,2,1,2,4,31", form: hostport.FormLPRT, want: ap("192.0.2.1:1055")},
	{name: "228 IPv6", in: "228 Entering Long Passive Mode (" + long6 + ")", form: hostport.FormLPSV, want: ap("[2001:db8::1]:1055")},

	// A line of a form that breaks its rules: the form and its parser's error.
	{name: "EPRT net-prt 3", in: "EPRT |3|198.51.100.7|1025|", form: hostport.FormEPRT, fn: "ParseEPRT", is: errFamily, off: 6,
		wantErr: `unknown net-prt "3" (want 1 or 2)`},
	{name: "PORT alone", in: "PORT", form: hostport.FormPORT, fn: "ParsePORT", is: errSyntax, off: 4,
		wantErr: "want one space after PORT, found end of line"},
	{name: "PORT without its space", in: "PORT10,2,0,2,4,31", form: hostport.FormPORT, fn: "ParsePORT", is: errSyntax, off: 4,
		wantErr: "want one space after PORT, found '1'"},
	{name: "227 with three numbers", in: "227 Entering Passive Mode (1,118,6).", form: hostport.FormPASV, fn: "ParsePASV", is: errSyntax, off: 34,
		wantErr: "want 6 comma-separated numbers, got 3, then ')' after h3"},
	{name: "227 alone", in: "227", form: hostport.FormPASV, fn: "ParsePASV", is: errSyntax, off: 3,
		wantErr: "no comma-separated numbers in the reply text"},
	{name: "229 port 65536", in: "229 (|||65536|)", form: hostport.FormEPSV, fn: "ParseEPSV", is: errRange, off: 8,
		wantErr: "tcp-port 65536 out of range [0,65535]"},
	{name: "LPRT af 5", in: "LPRT 5,4,192,0,2,1,2,4,31", form: hostport.FormLPRT, fn: "ParseLPRT", is: errFamily, off: 5,
		wantErr: "unknown af 5 (want 4 or 6)"},
	{name: "228 with a second long list", in: "228 (4,4,192,0,2,1,2,4,31) (4,4,203,0,113,10,2,4,31)", form: hostport.FormLPSV,
		fn: "ParseLPSV", is: errSyntax, off: 28, wantErr: "a second list of 9 or more comma-separated numbers"},

	// Lines of none of the forms.
	{name: "empty", in: "", fn: "ParseLine", is: errSyntax, off: 0,
		wantErr: `hostport.ParseLine: parsing "": want a PORT, EPRT or LPRT command or a 227, 228 or 229 reply, found end of line at offset 0`},
	{name: "empty line", in: "\r\n", fn: "ParseLine", is: errSyntax, off: 0,
		wantErr: "want a PORT, EPRT or LPRT command or a 227, 228 or 229 reply, found end of line"},
	{name: "argument alone", in: "10,2,0,2,4,31", fn: "ParseLine", is: errSyntax, off: 0,
		wantErr: "want a PORT, EPRT or LPRT command or a 227, 228 or 229 reply, found '1'"},
	{name: "EPRT argument alone", in: "|1|132.235.1.2|6275|", fn: "ParseLine", is: errSyntax, off: 0,
		wantErr: "want a PORT, EPRT or LPRT command or a 227, 228 or 229 reply, found '|'"},
	{name: "reply text without its code", in: "Entering Passive Mode (192,0,2,1,4,1)", fn: "ParseLine", is: errSyntax, off: 0,
		wantErr: `verb "Entering", want PORT, EPRT or LPRT`},
	{name: "another verb", in: "PASV", fn: "ParseLine", is: errSyntax, off: 0,
		wantErr: `hostport.ParseLine: parsing "PASV": verb "PASV", want PORT, EPRT or LPRT at offset 0`},
	{name: "longer verb", in: "PORTS 10,2,0,2,4,31", fn: "ParseLine", is: errSyntax, off: 0, wantErr: `verb "PORTS", want PORT, EPRT or LPRT`},
	{name: "another reply", in: "200 PORT command successful", fn: "ParseLine", is: errSyntax, off: 0,
		wantErr: "reply code 200, want 227, 228 or 229"},
	{name: "four-digit code", in: "2270 Entering Passive Mode (10,0,0,1,4,31)", fn: "ParseLine", is: errSyntax, off: 0,
		wantErr: "reply code 2270, want 227, 228 or 229"},
	{name: "code and a tab", in: "227\tEntering Passive Mode (10,0,0,1,4,31)", fn: "ParseLine", is: errSyntax, off: 0,
		wantErr: "want a PORT, EPRT or LPRT command or a 227, 228 or 229 reply, found '2'"},
	{name: "leading space", in: " PORT 10,2,0,2,4,31", fn: "ParseLine", is: errSyntax, off: 0,
		wantErr: "want a PORT, EPRT or LPRT command or a 227, 228 or 229 reply, found ' '"},
	{name: "NUL first", in: "\x00PORT 10,2,0,2,4,31", fn: "ParseLine", is: errSyntax, off: 0, wantErr: "NUL inside the line"},
}

// TestParseLine checks each row's form, value and error, and that ParseLine
// returns exactly what the form's own parser returns.
func TestParseLine(t *testing.T) {
	for _, tc := range lineRows {
		t.Run(tc.name, func(t *testing.T) {
			form, got, err := hostport.ParseLine(tc.in)
			assert.Equal(t, tc.form, form, "form")
			if tc.is == nil {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
			} else {
				require.ErrorIs(t, err, tc.is)
				for _, s := range sentinels {
					if s != tc.is {
						assert.NotErrorIs(t, err, s)
					}
				}
				assert.Equal(t, netip.AddrPort{}, got, "value returned with the error")
				var perr *hostport.ParseError
				require.ErrorAs(t, err, &perr)
				assert.Equal(t, tc.fn, perr.Func)
				assert.Equal(t, tc.in, perr.Input)
				assert.Equal(t, tc.off, perr.Offset)
				if strings.HasPrefix(tc.wantErr, "hostport.") {
					assert.EqualError(t, err, tc.wantErr)
				} else {
					assert.EqualError(t, perr.Err, tc.wantErr)
					assert.EqualError(t, err, wantMessage(tc.fn, tc.in, tc.wantErr, tc.off))
				}
			}
			if tc.form != 0 {
				want, wantErr := lineParse(tc.form, tc.in)
				assert.Equal(t, want, got, "the form's parser's value")
				assert.Equal(t, fmt.Sprint(wantErr), fmt.Sprint(err), "the form's parser's error")
			}
		})
	}
}

// lineParse reads text with the parser of form f and returns its result as
// ParseLine returns it.
func lineParse(f hostport.Form, text string) (netip.AddrPort, error) {
	switch f {
	case hostport.FormPORT, hostport.FormPASV:
		parse := hostport.ParsePORT
		if f == hostport.FormPASV {
			parse = hostport.ParsePASV
		}
		hp, err := parse(text)
		if err != nil {
			return netip.AddrPort{}, err
		}
		return hp.AddrPort(), nil
	case hostport.FormEPSV:
		port, err := hostport.ParseEPSV(text)
		if err != nil {
			return netip.AddrPort{}, err
		}
		return netip.AddrPortFrom(netip.Addr{}, port), nil
	case hostport.FormEPRT:
		return hostport.ParseEPRT(text)
	case hostport.FormLPRT:
		return hostport.ParseLPRT(text)
	case hostport.FormLPSV:
		return hostport.ParseLPSV(text)
	}
	panic("lineParse: " + f.String())
}

// TestParseLineForms checks that ParseLine reads what each form's formatter
// writes, with the form of that formatter.
func TestParseLineForms(t *testing.T) {
	h := hp{192, 0, 2, 1, 4, 1}
	a6 := ap("[2001:db8::7]:1025")
	for _, tc := range []struct {
		line string
		form hostport.Form
		want netip.AddrPort
	}{
		{hostport.FormatPORT(h), hostport.FormPORT, h.AddrPort()},
		{hostport.FormatPASV(h), hostport.FormPASV, h.AddrPort()},
		{hostport.FormatEPRT(a6), hostport.FormEPRT, a6},
		{hostport.FormatEPSV(1025), hostport.FormEPSV, netip.AddrPortFrom(netip.Addr{}, 1025)},
		{hostport.FormatLPRT(a6), hostport.FormLPRT, a6},
		{hostport.FormatLPSV(a6), hostport.FormLPSV, a6},
	} {
		form, got, err := hostport.ParseLine(tc.line + "\r\n")
		require.NoError(t, err, "%q", tc.line)
		assert.Equal(t, tc.form, form, "%q", tc.line)
		assert.Equal(t, tc.want, got, "%q", tc.line)
	}
}

package hostport_test

import (
	"net/netip"
	"strings"
	"testing"
)

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

	// Lengths that do not match the family, unknown families, lines cut
	// short or too long.
	{name: "hal does not match af", in: "LPRT 4,16,198,51,100,7,2,4,1", is: errSyntax, off: 7,
		wantErr: `hostport.ParseLPRT: parsing "LPRT 4,16,198,51,100,7,2,4,1": hal 16 does not match af 4 (want 4) at offset 7`},
	{name: "hal 4 with af 6", in: "LPRT 6,4,192,0,2,1,2,4,31", is: errSyntax, off: 7, wantErr: "hal 4 does not match af 6 (want 16)"},
	{name: "hal 255", in: "LPRT 4,255," + strings.Repeat("1,", 255) + "2,4,1", is: errSyntax, off: 7,
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
	{name: "IPv6 with three numbers", in: "LPRT 6,16,1,2,3", is: errSyntax, off: 15,
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

// TestParseLPRT checks the LPRT rows: values, round trips and errors.
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

// TestParseLPSV checks the 228 rows: values, round trips and errors.
func TestParseLPSV(t *testing.T) { wireLPSV.run(t, lpsvRows) }

package hostport_test

import (
	"testing"
)

var portRows = []parseRow[hp]{
	{name: "package doc sample", in: "PORT 10,2,0,2,4,31", want: hp{10, 2, 0, 2, 4, 31}, canon: true},
	{name: "documentation address", in: "PORT 198,51,100,7,4,1", want: hp{198, 51, 100, 7, 4, 1}, canon: true},
	{name: "lower-case verb", in: "port 10,2,0,2,4,31", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "mixed-case verb", in: "PoRt 10,2,0,2,4,31", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "CRLF at the end", in: "PORT 10,2,0,2,4,31\r\n", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "LF at the end", in: "PORT 10,2,0,2,4,31\n", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "argument alone", in: "10,2,0,2,4,31", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "argument alone with CRLF", in: "10,2,0,2,4,31\r\n", want: hp{10, 2, 0, 2, 4, 31}},
	{name: "zero-padded", in: "PORT 198,51,100,007,4,001", want: hp{198, 51, 100, 7, 4, 1}},
	{name: "leading zero is decimal, not octal", in: "PORT 010,0,0,5,4,1", want: hp{10, 0, 0, 5, 4, 1}},
	{name: "port 0 is syntax", in: "PORT 127,0,0,1,0,0", want: hp{127, 0, 0, 1, 0, 0}, canon: true},
	{name: "max", in: "PORT 255,255,255,255,255,255", want: hp{255, 255, 255, 255, 255, 255}, canon: true},
	// See the Parse row of the same name.
	{name: "long run of leading zeros", in: "PORT 0000000000198,51,100,7,4,1", want: hp{198, 51, 100, 7, 4, 1}},

	// Numbers out of range, as conntrack helpers and 32-bit or arithmetic
	// decoders would read them, and malformed lists.
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
	{name: "two numbers", in: "PORT 1,2", is: errSyntax, off: 8, wantErr: "want 6 comma-separated numbers, got 2"},
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
	{name: "host name", in: "PORT localhost,0,0,1,4,1", is: errSyntax, off: 5, wantErr: "want digit for h1, found 'l'"},
	{name: "non-ASCII digit", in: "PORT \u0661,2,0,2,4,31", is: errSyntax, off: 5},

	// The verb and the space after it.
	{name: "verb alone", in: "PORT", is: errSyntax, off: 4, wantErr: "want one space after PORT, found end of line"},
	{name: "verb and space alone", in: "PORT ", is: errSyntax, off: 5, wantErr: "want digit for h1, found end of line"},
	{name: "two spaces after verb", in: "PORT  10,2,0,2,4,31", is: errSyntax, off: 5, wantErr: "want digit for h1, found ' '"},
	{name: "tab after verb", in: "PORT\t10,2,0,2,4,31", is: errSyntax, off: 4, wantErr: `want one space after PORT, found '\t'`},
	{name: "no space after verb", in: "PORT10,2,0,2,4,31", is: errSyntax, off: 4, wantErr: "want one space after PORT, found '1'"},
	{name: "wrong verb", in: "EPRT 10,2,0,2,4,31", is: errSyntax, off: 0,
		wantErr: `hostport.ParsePORT: parsing "EPRT 10,2,0,2,4,31": verb "EPRT", want PORT at offset 0`},
	{name: "longer verb", in: "PORTS 10,2,0,2,4,31", is: errSyntax, off: 0, wantErr: `verb "PORTS", want PORT`},
	{name: "PASV", in: "PASV", is: errSyntax, off: 0, wantErr: `verb "PASV", want PORT`},
	{name: "leading space", in: " PORT 10,2,0,2,4,31", is: errSyntax, off: 0, wantErr: "want digit for h1, found ' '"},
	{name: "host name alone", in: "localhost,0,0,1,4,1", is: errSyntax, off: 0, wantErr: `verb "localhost", want PORT`},

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

// TestParsePORT checks the PORT rows: values, round trips and errors.
func TestParsePORT(t *testing.T) { wirePORT.run(t, portRows) }

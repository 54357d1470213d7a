package hostport_test

import (
	"encoding"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpkit/hostport"
)

// corpus seeds every fuzz target: each line is given to every parser, since
// a line of one form is a hostile input for the others.
var corpus = []string{
	// Canonical lines, as the Format functions write them.
	"10,2,0,2,4,31",      // bare six-number form: 10.2.0.2 port 1055
	"PORT 10,2,0,2,4,31", // PORT for the same address
	"227 Entering Passive Mode (192,0,2,1,4,1).",                                       // FormatPASV
	"229 Entering Extended Passive Mode (|||6446|)",                                    // FormatEPSV; also the RFC 2428 sample
	"EPRT |1|132.235.1.2|6275|",                                                        // RFC 2428 sample, IPv4
	"EPRT |2|1080::8:800:200C:417A|5282|",                                              // RFC 2428 sample, IPv6
	"EPRT |2|2001:db8::1|1025|",                                                        // FormatEPRT, IPv6
	"LPRT 4,4,192,0,2,1,2,4,31",                                                        // FormatLPRT, IPv4
	"LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,31",                             // FormatLPRT, IPv6 2001:db8::1
	"228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)",                            // FormatLPSV, IPv4
	"228 Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,31)", // FormatLPSV, IPv6

	// Arguments alone, as a server that split off the verb passes them.
	"198,51,100,7,4,1",                                            // PORT argument
	"|1|198.51.100.7|1025|",                                       // EPRT argument
	"|2|2001:db8::7|1025|",                                        // EPRT argument, IPv6
	"4,4,198,51,100,7,2,4,1",                                      // LPRT argument
	"6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,7,2,4,1",              // LPRT argument, IPv6
	"port 198,51,100,7,4,1",                                       // verb in lower case
	"Eprt |1|198.51.100.7|1025|",                                  // verb in mixed case
	"lPrT 4,4,198,51,100,7,2,4,1",                                 // verb in mixed case
	"=203,0,113,10,195,80",                                        // 227 text alone, as textproto returns it
	"Entering Extended Passive Mode (|||6446|)",                   // 229 text alone
	"227-Entering Passive Mode (203,0,113,10,195,80)",             // first line of a multi-line reply
	"227-203,0,113,10,195,80",                                     // multi-line code, then the list at once
	"229-Entering Extended Passive Mode (|||6446|)",               // first line of a multi-line 229 reply
	"227 Entering Passive Mode (203,0,113,10,195,80).\r\n",        // reply with its CRLF
	"229 Entering Extended Passive Mode (|||6446|)\n",             // reply with a bare LF ending
	"PORT 198,51,100,7,4,1\r\n",                                   // command with its CRLF
	"EPRT |1|198.51.100.7|1025|\r\n",                              // command with its CRLF
	"LPRT 4,4,198,51,100,7,2,4,1\n",                               // command with a bare LF ending
	"228 Entering Long Passive Mode (4,4,198,51,100,7,2,4,1)\r\n", // 228 with its CRLF

	// Real servers' and clients' lines.
	"227 Entering Passive Mode (127,0,0,2,118,224).",  // vsftpd
	"227 Entering passive mode (127,0,0,2,118,218).",  // pyftpdlib
	"227 Entering Passive Mode (127,0,0,2,118,227)",   // pure-ftpd: no final '.'
	"227 Entering Passive Mode (127,0,0,1,170,255)",   // GNU ftpd
	"227 Entering Passive Mode (0,0,0,0,118,222).",    // vsftpd on IPv6: 0.0.0.0
	"227 Entering Passive Mode (1,118,6).",            // proftpd on IPv6: three numbers, rejected
	"227 Entering passive mode (::1,118,11).",         // pyftpdlib on IPv6: list glued to ':', rejected
	"229 Extended Passive mode OK (|||30430|)",        // pure-ftpd
	"229 Entering extended passive mode (|||30423|).", // pyftpdlib
	"PORT 127,0,0,1,156,64",                           // curl
	"EPRT |1|127.0.0.1|40000|",                        // curl
	"EPRT |2|::1|40000|",                              // lftp over IPv6
	"EPRT |2|::ffff:127.0.0.2|40000|",                 // IPv4-mapped IPv6: accepted, stays mapped
	"PORT 127.0.0.1.1.2",                              // dots instead of commas
	"EPRT 1|127.0.0.1|40000|",                         // leading delimiter missing
	"EPRT |2|:::1|40000|",                             // not an IPv6 address

	// Boundaries.
	"0,0,0,0,0,0",             // smallest six-number value
	"255,255,255,255,255,255", // largest six-number value
	"PORT 0,0,0,0,0,0",
	"PORT 255,255,255,255,255,255",
	"227 Entering Passive Mode (0,0,0,0,0,0)",
	"227 Entering Passive Mode (255,255,255,255,255,255)",
	"229 Entering Extended Passive Mode (|||0|)",     // port 0: syntax is fine, policy judges
	"229 Entering Extended Passive Mode (|||65535|)", // largest port
	"229 Entering Extended Passive Mode (|||65536|)", // port one above the limit
	"EPRT |1|0.0.0.0|0|",
	"EPRT |1|255.255.255.255|65535|",
	"EPRT |1|255.255.255.255|65536|", // port one above the limit
	"EPRT |2|::|0|",
	"EPRT |2|ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff|65535|",
	"EPRT |2|ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255|65535|", // longest FormatEPRT form
	"LPRT 4,4,0,0,0,0,2,0,0",
	"LPRT 6,16,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,2,255,255",
	"228 Entering Long Passive Mode (4,4,255,255,255,255,2,255,255)",

	// Leading zeros: decimal, never octal.
	"PORT 198,51,100,007,4,001",       // 198.51.100.7 port 1025
	"PORT 010,0,0,5,4,1",              // 10.0.0.5, never 8.0.0.5
	"PORT 0000000000198,51,100,7,4,1", // many leading zeros, still 198
	"227 Entering Passive Mode (010,000,000,005,004,001)",
	"229 Entering Extended Passive Mode (|||006446|)",
	"EPRT |01|198.51.100.7|1025|", // net-prt with a leading zero is 1
	"EPRT |1|198.51.100.7|01025|", // tcp-port with a leading zero
	"LPRT 04,004,198,51,100,7,002,4,1",

	// Wrong number of fields.
	"PORT 198,51,100,7,4",                                     // five numbers
	"PORT 198,51,100,7,4,1,9",                                 // seven numbers (sscanf-based servers accept)
	"227 Entering Passive Mode (203,0,113,10,195)",            // five numbers
	"227 Entering Passive Mode (203,0,113,10,195,80,1)",       // seven numbers
	"228 Entering Long Passive Mode (4,4,192,0,2,1,2,4)",      // eight numbers
	"228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31,7)", // ten numbers
	"LPRT 4,4,198,51,100,7,2,4",                               // eight numbers
	"LPRT 6,16,198,51,100,7,2,4,1",                            // af 6 with only four address bytes
	"LPRT 4,16,198,51,100,7,2,4,1",                            // hal does not match af
	"LPRT 4,4,198,51,100,7,3,0,4,1",                           // pal is not 2
	"EPRT |1|198.51.100.7|1025",                               // missing final delimiter
	"EPRT |1|198.51.100.7|",                                   // missing tcp-port
	"EPRT |1|127.0.0.1|",                                      // a probe sent to real servers: missing tcp-port
	"EPRT |1|198.51.100.7|1025||",                             // extra delimiter

	// Numbers out of range.
	"PORT 198,51,100,256,4,1",                                       // h4 256
	"PORT 10,2,0,2,4,310",                                           // p2 310
	"PORT 198,51,0,25607,4,1",                                       // conntrack would OR it into 198.51.100.7
	"PORT 198,51,100,7,0,1304",                                      // arithmetic decoders give port 1304
	"PORT 198,51,100,7,4,4294967297",                                // a 32-bit accumulator wraps to 1
	"PORT 198,51,100,7,4,99999999999999999999999999999999999999",    // overflows 64 bits
	"127,0,0,1,300,1",                                               // a probe sent to real servers: p1 300
	"227 Entering Passive Mode (1216,256,2,127,127,127)",            // curl test237
	"227 Entering Passive Mode (203,0,112,266,195,80)",              // Linux ALG reads 203.0.113.10
	"228 Entering Long Passive Mode (4,4,192,0,2,256,2,4,31)",       // h4 256
	"LPRT 4,4,198,51,100,7,2,4,256",                                 // p2 256
	"LPRT 300,4,198,51,100,7,2,4,1",                                 // af above 255
	"229 Entering Extended Passive Mode (|||65561|)",                // Linux ALG and lftp read 25
	"229 Entering Passive Mode (|||1000000|)",                       // curl test238
	"229 Entering Extended Passive Mode (|||99999999999999999999|)", // overflows 64 bits
	"EPRT |1|198.51.100.7|66560|",                                   // ProFTPD truncates it to 1024
	"EPRT |1|198.51.100.7|4294968320|",                              // wraps to 1024 in 32 bits
	"EPRT |1|198.51.100.7|99999999999999999999|",                    // overflows 64 bits
	"EPRT |1|999.0.0.1|40000|",                                      // net-addr byte 999
	"EPRT |1|198.51.100.256|1025|",                                  // net-addr byte 256

	// Signs, spaces and other non-digits.
	"PORT 198,51,100,7,-1,281",                           // p1*256+p2 = 25
	"PORT 198,51,100,7,+4,+1",                            // plus signs
	"PORT 198, 51,100,7,4,1",                             // space inside
	"PORT 198,51,100,7,4,1 ",                             // trailing space
	"PORT  198,51,100,7,4,1",                             // two spaces after the verb
	"PORT198,51,100,7,4,1",                               // no space after the verb
	"PORT\t198,51,100,7,4,1",                             // tab after the verb
	"PORT 0x0a,0,0,5,4,1",                                // hex
	"PORT 1_0,0,0,5,4,1",                                 // underscore
	"PORT 198,51,100,7,4,\u0661",                         // ARABIC-INDIC DIGIT ONE
	"PORT localhost,0,0,1,4,1",                           // a name, not a number
	"227 Entering Passive Mode (203,0,113,10,-1,281)",    // sign inside the list
	"227 Entering Passive Mode (evil,example,com,x,4,1)", // names, not numbers
	"229 Entering Extended Passive Mode (|||-1|)",        // sign
	"229 Entering Extended Passive Mode (|||+21|)",       // sign
	"EPRT |1|198.51.100.7|+1025|",                        // sign
	"EPRT |1|localhost|1025|",                            // a name for |1|
	"EPRT |2|evil.example|1025|",                         // a name for |2|
	"LPRT 4,4,198,51,100,7,2,4,-1",                       // sign

	// Empty fields and stray commas.
	"PORT 198,51,,7,4,1",     // empty h3
	"PORT ,198,51,100,7,4,1", // leading comma
	"PORT 198,51,100,7,4,1,", // trailing comma
	"PORT ",                  // empty argument
	"PORT",                   // no argument
	"",                       // nothing
	"227 Entering Passive Mode (203,0,,10,195,80)",     // empty field
	"227 Entering Passive Mode (,203,0,113,10,195,80)", // comma before the list
	"227 Entering Passive Mode (203,0,113,10,195,80,)", // comma after the list
	"LPRT 4,4,198,51,100,,2,4,1",                       // empty h4

	// Parentheses.
	"227 Entering Passive Mode 203,0,113,10,195,80",          // none
	"227 Entering Passive Mode (203,0,113,10,195,80",         // missing ')'
	"227 Entering Passive Mode 203,0,113,10,195,80)",         // missing '('
	"227 Entering Passive Mode ((203,0,113,10,195,80))",      // doubled
	"229 Entering Extended Passive Mode |||6446|)",           // missing '('
	"229 Entering Extended Passive Mode (|||6446|",           // missing ')', as curl accepts
	"229 Entering Extended Passive Mode (|||6446|))",         // extra ')', text after the first
	"229 Entering Extended Passive Mode (|||6446)",           // missing final delimiter
	"229 Entering Extended Passive Mode (|||6446|x)",         // text before ')'
	"229 Entering Extended Passive Mode (|||6446|) done",     // text after ')'
	"229 Entering Extended Passive Mode (x(|||6446|)",        // a '(' that does not qualify, then one that does
	"229 Entering Extended Passive Mode (|||6446|) (|||21|)", // a second port
	"229 ()",                                 // nothing inside
	"229 (",                                  // read past the end in curl once
	"229 Entering Extended Passive Mode (||", // cut short
	"229 (|||)",                              // no port

	// Delimiters.
	"EPRT !1!198.51.100.7!1025!",                              // any printable delimiter
	"EPRT !1!127.0.0.1!40000!",                                // a probe sent to real servers, with '!'
	"EPRT x1x198.51.100.7x1025x",                              // a letter as delimiter
	"EPRT  1 198.51.100.7 1025 ",                              // space is not a delimiter
	"EPRT \x7f1\x7f198.51.100.7\x7f1025\x7f",                  // DEL is not a delimiter
	"EPRT 515198.51.100.7510255",                              // a digit is not a delimiter
	"EPRT |1|198.51.100.7!1025|",                              // mismatched delimiters
	"EPRT |1!198.51.100.7!1025!",                              // mismatched first delimiter
	"229 Entering Extended Passive Mode (!!!50000!)",          // any printable delimiter
	"229 Entering Extended Passive Mode (|||50000!)",          // mismatched last delimiter
	"229 Entering Extended Passive Mode (||50000||)",          // two delimiters before the port
	"229 Entering Extended Passive Mode (|!|50000|)",          // three different delimiters
	"229 Entering Extended Passive Mode (555555)",             // digits are not delimiters
	"229 Entering Extended Passive Mode ()))6446))",           // ')' as delimiter
	"229 Entering Extended Passive Mode (|1|10.0.0.5|50000|)", // fields must be empty

	// Address families.
	"EPRT |3|198.51.100.7|1025|",                            // unknown net-prt: 522
	"EPRT |3|127.0.0.1|40000|",                              // a probe sent to real servers
	"EPRT |3|::1|40000|",                                    // unknown net-prt, IPv6
	"EPRT |0|198.51.100.7|1025|",                            // net-prt 0
	"EPRT |256|198.51.100.7|1025|",                          // net-prt above 255
	"EPRT |99999999999999999999|x|1|",                       // huge net-prt
	"EPRT |3|",                                              // unknown net-prt, then the line ends
	"EPRT |1|::ffff:198.51.100.7|1025|",                     // IPv6 in |1|
	"EPRT |1|2001:db8::7|1025|",                             // IPv6 in |1|
	"EPRT |2|198.51.100.7|1025|",                            // IPv4 in |2|
	"EPRT |2|[2001:db8::7]|1025|",                           // brackets
	"EPRT |2|fe80::1%eth0|1025|",                            // zone
	"EPRT |1|198,51,100,7|1025|",                            // six-number style address
	"EPRT |1|198.51.100.07|1025|",                           // leading zero in the dotted quad
	"EPRT |1|198.51.100|1025|",                              // three bytes
	"EPRT |1|198.51.100.7.1|1025|",                          // five bytes
	"LPRT 5,4,198,51,100,7,2,4,1",                           // unknown af: 521
	"LPRT 0,4,198,51,100,7,2,4,1",                           // af 0
	"228 Entering Long Passive Mode (5,4,192,0,2,1,2,4,31)", // unknown af
	"228 Entering Long Passive Mode (6,4,192,0,2,1,2,4,31)", // hal does not match af

	// Wrong verbs and reply codes.
	"EPRT |1|198.51.100.7|1025|x",                      // trailing bytes
	"PORT 198,51,100,7,4,1x",                           // trailing bytes
	"LPRT 4,4,198,51,100,7,2,4,1 ",                     // trailing space
	"PORTS 198,51,100,7,4,1",                           // longer verb
	"POR 198,51,100,7,4,1",                             // shorter verb
	"LIST 198,51,100,7,4,1",                            // another verb
	"226 Entering Passive Mode (203,0,113,10,195,80)",  // another code
	"200 PORT command successful",                      // no list
	"2270 Entering Passive Mode (203,0,113,10,195,80)", // four digits and a space: no reply, rejected
	"227",                                  // code alone
	"227 ",                                 // code and space
	"530 Please login with USER and PASS.", // a real error reply

	// The text of a 227 reply around the list.
	"227 =203,0,113,10,195,80",                                       // no parentheses (RFC 1123)
	"227 Data transfer will passively listen to 203,0,113,10,195,80", // curl's documented variant
	"227 Entering Passive Mode v2 (203,0,113,10,195,80)",             // a stray digit before the list
	"227 Entering Passive Mode 7 (203,0,113,10,195,80)",              // a stray number before the list
	"227 Entering Passive Mode (203,0,113,10,195,80) 42 ways",        // a stray number after the list
	"227 Entering Passive Mode (10,0,0,5,4,1) (203,0,113,10,195,80)", // two lists
	"227 Entering Passive Mode (203,0,113,10,195,80) or 1,2",         // a second, short list: text
	"227 Entering Passive Mode (10,0,0,1,4,31). Took 2,3 ms",         // a short list after the address: text
	"227 Data 1,2 then (10,0,0,1,4,31)",                              // a short list before the address: text
	"227 (10,0,0,1,4,31) 1,2,3,4,5,6",                                // a second list of six: rejected
	"228 (4,4,192,0,2,1,2,4,31) 1,2,3,4,5,6,7,8",                     // a second list too short for 228: text
	"228 (4,4,192,0,2,1,2,4,31) 4,4,192,0,2,1,2,4,32",                // a second long list: rejected
	"227 Entering Passive Mode v2,203,0,113,10,195,80",               // a letter glued before
	"227 Entering Passive Mode v203,0,113,10,195,80",                 // a letter glued before
	"227 Entering Passive Mode (203,0,113,10,195,80x)",               // a letter glued after
	"227 Entering Passive Mode (-203,0,113,10,195,80)",               // a sign glued before
	"227 Entering Passive Mode (203,0,113,10,195,80+)",               // a sign glued after
	"227 Entering Passive Mode (_203,0,113,10,195,80)",               // '_' glued before
	"227 Entering Passive Mode (203,0,113,10,195,80:21)",             // ':' glued after
	"227 Entering Passive Mode (1.2.203,0,113,10,195,80)",            // a dotted address glued before
	"227 Entering Passive Mode (203,0,113,10,195,80.5)",              // a dotted address glued after
	"227 Entering Passive Mode (203,0,113,10,195,80).",               // '.' at the end is text
	"227 Entering Passive Mode .203,0,113,10,195,80.",                // '.' without digits is text
	"227 Entering Passive Mode (203,0,113,10,195,80)\x00",            // NUL after the list
	"227 Entering Passive Mode (203,0,113,10,195,80)\r",              // bare CR at the end
	"227 Entering Passive Mode (203,0,113,10,195,80)\r\r\n",          // CR before the CRLF
	"227 Entering Passive Mode (203,0,113,10,195,80)\n\n",            // two line endings
	"227\x00 Entering Passive Mode (203,0,113,10,195,80)",            // NUL in the code
	"227 Entering\rPassive Mode (203,0,113,10,195,80)",               // CR before the list
	"227-Entering Passive Mode (10,0,0,5,4,1)\r\n227 OK\r\n",         // two lines of a reply in one string

	// Line endings and control bytes in commands.
	"PORT 198,51,100,7,4,1\r",                           // bare CR
	"PORT 198,51,100,7,4,1\r\r\n",                       // CR before the CRLF
	"PORT 198,51,100,7,4,1\n\n",                         // two line endings
	"PORT 198,51,100,7,4,1\n\r",                         // LF CR
	"PORT 198,51,100,7,4,1\x00",                         // NUL at the end
	"PORT 198,51,100,7,4,1\r\nPORT 10,2,0,2,4,31\r\n",   // two commands in one string
	"PORT 198,51,\x00100,7,4,1",                         // NUL inside
	"198,51,100,7,4,1\r\n",                              // bare form with CRLF: not for Parse
	"EPRT |1|198.51.100.7|1025|\x00",                    // NUL at the end
	"EPRT |2|2001:db8::7\x00|1025|",                     // NUL in net-addr
	"EPRT |1|198.51.100.7|1025|\r",                      // bare CR
	"LPRT 4,4,198,51,100,7,2,4,1\r",                     // bare CR
	"229 Entering Extended Passive Mode (|||6446|)\x00", // NUL at the end
	"229 Entering Extended Passive Mode (|||6446|)\r",   // bare CR
	"229 Entering\x00 Extended Passive Mode (|||6446|)", // NUL before '('
	"\r\n", // an empty line
	"\n",   // an empty line with a bare LF

	// Hostile inputs: long, repetitive, cut short. They are a few hundred
	// bytes long; the fuzzer mutates longer seeds slowly, so the megabyte
	// lines are in hugeLines instead.
	"PORT " + strings.Repeat("1,", 100) + "1",           // many fields
	"227 " + strings.Repeat("9", 300),                   // many digits
	"227 " + strings.Repeat("9,", 100),                  // a long list with a trailing comma
	"229 (" + strings.Repeat("|", 100),                  // delimiters without end
	"LPRT 4,255," + strings.Repeat("1,", 255) + "2,4,1", // hal 255
	"LPRT 6,16,1,2,3",                                   // cut short
	"EPRT |2|" + strings.Repeat("1:", 100) + "|1|",      // long net-addr
	"EPRT",      // verb alone
	"EPRT |",    // one delimiter
	"EPRT ||||", // empty fields
	"PORT 1,2",  // two numbers
	"228 (",     // cut short

	// Lines of no form, for ParseLine.
	"PASV",                        // a verb without an address
	"200 PORT command successful", // a reply without an address
	"227\tEntering Passive Mode (10,0,0,1,4,31)", // a tab after the code
	"2270-Entering Passive Mode (10,0,0,1,4,31)", // four digits and a dash
}

// addCorpus adds every corpus line as a seed of f.
func addCorpus(f *testing.F) {
	for _, line := range corpus {
		f.Add(line)
	}
}

// checkParseError checks the error err that the parser fn returned for in:
// a *ParseError that names fn, holds in and an offset within it, and wraps
// exactly one sentinel, one that class allows.
func checkParseError(t *testing.T, fn, in string, err error, class string) {
	t.Helper()
	var perr *hostport.ParseError
	if !errors.As(err, &perr) {
		t.Fatalf("%s(%q): error %v has type %T, want *hostport.ParseError", fn, in, err, err)
	}
	if perr.Func != fn {
		t.Errorf("%s(%q): ParseError.Func = %q, want %q", fn, in, perr.Func, fn)
	}
	if perr.Input != in {
		t.Errorf("%s(%q): ParseError.Input = %q, want the input", fn, in, perr.Input)
	}
	if perr.Offset < 0 || perr.Offset > len(in) {
		t.Errorf("%s(%q): ParseError.Offset = %d, want 0 to %d", fn, in, perr.Offset, len(in))
	}
	var kinds []string
	for kind, sentinel := range map[string]error{
		kindSyntax: hostport.ErrSyntax,
		kindRange:  hostport.ErrRange,
		kindFamily: hostport.ErrFamily,
	} {
		if errors.Is(err, sentinel) {
			kinds = append(kinds, kind)
		}
	}
	if len(kinds) != 1 {
		t.Fatalf("%s(%q): error %v wraps %q, want exactly one of ErrSyntax, ErrRange, ErrFamily", fn, in, err, kinds)
	}
	if !classAllows(class, kinds[0]) {
		t.Errorf("%s(%q): error %v wraps Err%s, want %s (the reference parser's class)",
			fn, in, err, kindName(kinds[0]), class)
	}
	msg := err.Error()
	prefix := "hostport." + fn + ": parsing "
	suffix := " at offset " + strconv.Itoa(perr.Offset)
	if !strings.HasPrefix(msg, prefix) || !strings.HasSuffix(msg, suffix) {
		t.Errorf("%s(%q): message %q, want %q…%q", fn, in, msg, prefix, suffix)
	}
}

// kindName returns the sentinel's name for a fault kind: "Syntax" for "syntax".
func kindName(kind string) string {
	return strings.ToUpper(kind[:1]) + kind[1:]
}

// checkAgainstSlow checks the result (got, err) of the parser fn for in
// against the reference parser's (want, class): both accept with the same
// value, or both reject with an error class allows.
func checkAgainstSlow[T comparable](t *testing.T, fn, in string, got T, err error, want T, class string) {
	t.Helper()
	switch {
	case err == nil && class == "":
		if got != want {
			t.Fatalf("%s(%q) = %v, the reference parser reads %v", fn, in, got, want)
		}
	case err == nil:
		t.Fatalf("%s(%q) = %v, nil; the reference parser rejects it (%s)", fn, in, got, class)
	case class == "":
		t.Fatalf("%s(%q): %v; the reference parser reads %v", fn, in, err, want)
	default:
		var zero T
		if got != zero {
			t.Errorf("%s(%q) = %v with an error, want the zero value", fn, in, got)
		}
		checkParseError(t, fn, in, err, class)
	}
}

// checkRoundTrip checks that parse reads what format writes for v back to v.
func checkRoundTrip[T comparable](t *testing.T, in string, v T, format func(T) string, parse func(string) (T, error)) {
	t.Helper()
	s := format(v)
	back, err := parse(s)
	if err != nil || back != v {
		t.Fatalf("input %q: value %v formats as %q, which parses as %v, %v", in, v, s, back, err)
	}
}

// checkAppend checks that appendf appends what format returns, keeping
// what the buffer held.
func checkAppend[T any](t *testing.T, in string, v T, format func(T) string, appendf func([]byte, T) []byte) {
	t.Helper()
	const prefix = "prefix:"
	got := string(appendf([]byte(prefix), v))
	if want := prefix + format(v); got != want {
		t.Fatalf("input %q: value %v appends as %q, want %q", in, v, got, want)
	}
}

// textValue is a value with the text methods of the encoding package and a
// String method that agrees with them.
type textValue interface {
	comparable
	fmt.Stringer
	encoding.TextMarshaler
	encoding.TextAppender
}

// checkEncoding checks that String, MarshalText and AppendText agree on v,
// that AppendText keeps what the buffer held, and that UnmarshalText reads
// the text back to v.
func checkEncoding[T textValue, PT interface {
	*T
	encoding.TextUnmarshaler
}](t *testing.T, in string, v T) {
	t.Helper()
	s := v.String()
	m, err := v.MarshalText()
	if err != nil || string(m) != s {
		t.Fatalf("input %q: %v.MarshalText() = %q, %v; String() = %q", in, v, m, err, s)
	}
	a, err := v.AppendText(nil)
	if err != nil || string(a) != s {
		t.Fatalf("input %q: %v.AppendText(nil) = %q, %v; String() = %q", in, v, a, err, s)
	}
	a, err = v.AppendText([]byte("prefix:"))
	if err != nil || string(a) != "prefix:"+s {
		t.Fatalf("input %q: %v.AppendText(\"prefix:\") = %q, %v", in, v, a, err)
	}
	var back T
	if err := PT(&back).UnmarshalText(m); err != nil || back != v {
		t.Fatalf("input %q: UnmarshalText(%q) = %v, %v; want %v", in, m, back, err, v)
	}
}

// checkHostPort checks a HostPort that a parser returned: it formats and
// parses back in every form, its text methods agree, and its address is
// the one netip reads from its dotted decimal text.
func checkHostPort(t *testing.T, in string, hp hostport.HostPort) {
	t.Helper()
	checkRoundTrip(t, in, hp, hostport.HostPort.String, hostport.Parse)
	checkRoundTrip(t, in, hp, hostport.FormatPORT, hostport.ParsePORT)
	checkRoundTrip(t, in, hp, hostport.FormatPASV, hostport.ParsePASV)
	checkAppend(t, in, hp, hostport.FormatPORT, hostport.AppendPORT)
	checkAppend(t, in, hp, hostport.FormatPASV, hostport.AppendPASV)
	checkEncoding(t, in, hp)

	dotted := fmt.Sprintf("%d.%d.%d.%d", hp[0], hp[1], hp[2], hp[3])
	want := netip.AddrPortFrom(netip.MustParseAddr(dotted), uint16(hp[4])*256+uint16(hp[5]))
	if hp.AddrPort() != want {
		t.Fatalf("input %q: %v.AddrPort() = %v, want %v", in, hp, hp.AddrPort(), want)
	}
	if back, err := hostport.FromAddrPort(want); err != nil || back != hp {
		t.Fatalf("input %q: FromAddrPort(%v) = %v, %v; want %v", in, want, back, err, hp)
	}
	// The same address in the extended and long forms.
	checkAddrPort(t, in, want)
}

// checkAddrPort checks an address and port that a parser returned: it
// formats and parses back in the EPRT, LPRT and 228 forms, its text methods
// agree, and an IPv4 one converts to the same HostPort.
func checkAddrPort(t *testing.T, in string, ap netip.AddrPort) {
	t.Helper()
	if !ap.Addr().IsValid() || ap.Addr().Zone() != "" {
		t.Fatalf("input %q: address %v is invalid or zoned", in, ap)
	}
	checkRoundTrip(t, in, ap, hostport.FormatEPRT, hostport.ParseEPRT)
	checkRoundTrip(t, in, ap, hostport.FormatLPRT, hostport.ParseLPRT)
	checkRoundTrip(t, in, ap, hostport.FormatLPSV, hostport.ParseLPSV)
	checkAppend(t, in, ap, hostport.FormatEPRT, hostport.AppendEPRT)
	checkAppend(t, in, ap, hostport.FormatLPRT, hostport.AppendLPRT)
	checkAppend(t, in, ap, hostport.FormatLPSV, hostport.AppendLPSV)
	checkEncoding(t, in, ap)
	if ap.Addr().Is4() {
		hp, err := hostport.FromAddrPort(ap)
		if err != nil || hp.AddrPort() != ap {
			t.Fatalf("input %q: FromAddrPort(%v) = %v, %v", in, ap, hp, err)
		}
	}
}

// checkPort checks a port that ParseEPSV returned: it formats and parses
// back.
func checkPort(t *testing.T, in string, port uint16) {
	t.Helper()
	checkRoundTrip(t, in, port, hostport.FormatEPSV, hostport.ParseEPSV)
	checkAppend(t, in, port, hostport.FormatEPSV, hostport.AppendEPSV)
}

// hugeLines are hostile lines too long for the fuzzer's seeds, which it
// would mutate slowly; TestHugeLines gives them to every parser.
var hugeLines = []string{
	"PORT " + strings.Repeat("1,", 100000) + "1",                                  // many fields
	"227 " + strings.Repeat("9", 1<<20),                                           // a megabyte of digits
	"229 Entering Extended Passive Mode (|||" + strings.Repeat("9", 1<<20) + "|)", // a megabyte of port
	"EPRT |2|" + strings.Repeat(":", 1<<20) + "|1|",                               // a megabyte of colons
	"LPRT 4,4," + strings.Repeat("0", 1<<20) + "1,2,3,4,2,4,1",                    // a megabyte of leading zeros
	"228 (" + strings.Repeat("1,", 1<<19) + "1)",                                  // a megabyte of list
}

// fuzzChecks holds, for each parser, the check that its fuzz target makes of
// an input: agreement with the reference parser, then the round trips of an
// accepted value.
var fuzzChecks = []struct {
	fn    string
	check func(t *testing.T, in string)
}{
	{"Parse", checkParse},
	{"ParsePORT", checkParsePORT},
	{"ParsePASV", checkParsePASV},
	{"ParseEPSV", checkParseEPSV},
	{"ParseEPRT", checkParseEPRT},
	{"ParseLPRT", checkParseLPRT},
	{"ParseLPSV", checkParseLPSV},
	{"ParseLine", checkParseLine},
}

func checkParse(t *testing.T, in string) {
	hp, err := hostport.Parse(in)
	want, class := slowParse(in)
	checkAgainstSlow(t, "Parse", in, hp, err, want, class)
	if err == nil {
		checkHostPort(t, in, hp)
	}

	// UnmarshalText reads as Parse does and leaves its value alone on
	// error.
	before := hostport.HostPort{192, 0, 2, 1, 4, 1}
	u := before
	uerr := u.UnmarshalText([]byte(in))
	switch {
	case err == nil && (uerr != nil || u != hp):
		t.Fatalf("UnmarshalText(%q) = %v, %v; Parse reads %v", in, u, uerr, hp)
	case err != nil && (uerr == nil || uerr.Error() != err.Error()):
		t.Fatalf("UnmarshalText(%q): error %v; Parse: %v", in, uerr, err)
	case err != nil && u != before:
		t.Fatalf("UnmarshalText(%q) changed its value to %v on error", in, u)
	}
}

func checkParsePORT(t *testing.T, in string) {
	hp, err := hostport.ParsePORT(in)
	want, class := slowParsePORT(in)
	checkAgainstSlow(t, "ParsePORT", in, hp, err, want, class)
	if err == nil {
		checkHostPort(t, in, hp)
	}
}

func checkParsePASV(t *testing.T, in string) {
	hp, err := hostport.ParsePASV(in)
	want, class := slowParsePASV(in)
	checkAgainstSlow(t, "ParsePASV", in, hp, err, want, class)
	if err == nil {
		checkHostPort(t, in, hp)
	}
}

func checkParseEPSV(t *testing.T, in string) {
	port, err := hostport.ParseEPSV(in)
	want, class := slowParseEPSV(in)
	checkAgainstSlow(t, "ParseEPSV", in, port, err, want, class)
	if err == nil {
		checkPort(t, in, port)
	}
}

func checkParseEPRT(t *testing.T, in string) {
	ap, err := hostport.ParseEPRT(in)
	want, class := slowParseEPRT(in)
	checkAgainstSlow(t, "ParseEPRT", in, ap, err, want, class)
	if err == nil {
		checkAddrPort(t, in, ap)
	}
}

func checkParseLPRT(t *testing.T, in string) {
	ap, err := hostport.ParseLPRT(in)
	want, class := slowParseLPRT(in)
	checkAgainstSlow(t, "ParseLPRT", in, ap, err, want, class)
	if err == nil {
		checkAddrPort(t, in, ap)
	}
}

func checkParseLPSV(t *testing.T, in string) {
	ap, err := hostport.ParseLPSV(in)
	want, class := slowParseLPSV(in)
	checkAgainstSlow(t, "ParseLPSV", in, ap, err, want, class)
	if err == nil {
		checkAddrPort(t, in, ap)
	}
}

// checkParseLine checks ParseLine against the reference for the form of a
// line and against the form's own parser: a line of a form gets that form
// and exactly what its parser returns, which the parser's own check then
// holds to the reference parser; any other line gets a *ParseError from
// ParseLine that wraps ErrSyntax.
func checkParseLine(t *testing.T, in string) {
	form, ap, err := hostport.ParseLine(in)
	want := slowLineForm(in)
	if form != want {
		t.Fatalf("ParseLine(%q) gives form %v, the reference %v", in, form, want)
	}
	if want == 0 {
		if err == nil || ap != (netip.AddrPort{}) {
			t.Fatalf("ParseLine(%q) = %v, %v, %v; want an error for a line of no form", in, form, ap, err)
		}
		checkParseError(t, "ParseLine", in, err, kindSyntax)
		return
	}
	wantAP, wantErr := lineParse(want, in)
	if ap != wantAP || fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Fatalf("ParseLine(%q) = %v, %v; Parse%v reads %v, %v", in, ap, err, want, wantAP, wantErr)
	}
	lineChecks[want](t, in)
}

// lineChecks holds the check of each form's parser.
var lineChecks = map[hostport.Form]func(*testing.T, string){
	hostport.FormPORT: checkParsePORT,
	hostport.FormPASV: checkParsePASV,
	hostport.FormEPRT: checkParseEPRT,
	hostport.FormEPSV: checkParseEPSV,
	hostport.FormLPRT: checkParseLPRT,
	hostport.FormLPSV: checkParseLPSV,
}

// TestHugeLines gives the megabyte-long hostile lines to every fuzz check.
func TestHugeLines(t *testing.T) {
	for _, c := range fuzzChecks {
		t.Run(c.fn, func(t *testing.T) {
			for _, in := range hugeLines {
				c.check(t, in)
			}
		})
	}
}

// FuzzParse holds Parse to the reference parser and checks the round trips
// of what it accepts; the other targets do the same for their parsers.
func FuzzParse(f *testing.F) {
	addCorpus(f)
	f.Fuzz(checkParse)
}

func FuzzParsePORT(f *testing.F) {
	addCorpus(f)
	f.Fuzz(checkParsePORT)
}

func FuzzParsePASV(f *testing.F) {
	addCorpus(f)
	f.Fuzz(checkParsePASV)
}

func FuzzParseEPSV(f *testing.F) {
	addCorpus(f)
	f.Fuzz(checkParseEPSV)
}

func FuzzParseEPRT(f *testing.F) {
	addCorpus(f)
	f.Fuzz(checkParseEPRT)
}

func FuzzParseLPRT(f *testing.F) {
	addCorpus(f)
	f.Fuzz(checkParseLPRT)
}

func FuzzParseLPSV(f *testing.F) {
	addCorpus(f)
	f.Fuzz(checkParseLPSV)
}

func FuzzParseLine(f *testing.F) {
	addCorpus(f)
	f.Fuzz(checkParseLine)
}

package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/hostporttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

const unrecognised = `: not a PORT, EPRT or LPRT command, a 227, 228 or 229 reply or its text, a bare argument or an address with port`

// lines joins lines, each ending in "\n".
func lines(ls ...string) string {
	if len(ls) == 0 {
		return ""
	}
	return strings.Join(ls, "\n") + "\n"
}

// forms4 and forms6 are what hostport prints for an IPv4 and an IPv6 ADDR.
var (
	forms4 = lines(
		"192,0,2,1,4,1",
		"PORT 192,0,2,1,4,1",
		"227 Entering Passive Mode (192,0,2,1,4,1).",
		"EPRT |1|192.0.2.1|1025|",
		"229 Entering Extended Passive Mode (|||1025|)",
		"LPRT 4,4,192,0,2,1,2,4,1",
		"228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,1)",
	)
	forms6 = lines(
		"EPRT |2|2001:db8::1|5282|",
		"229 Entering Extended Passive Mode (|||5282|)",
		"LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162",
		"228 Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162)",
	)
)

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		stdin   string
		wantOut string
		wantErr string // the whole of stderr
		code    int
	}{
		// One LINE of each form.
		{name: "PORT", args: []string{"PORT 10,2,0,2,4,31"}, wantOut: "10.2.0.2:1055\n"},
		{name: "PORT lower case", args: []string{"port 10,2,0,2,4,31"}, wantOut: "10.2.0.2:1055\n"},
		{name: "PORT CRLF", args: []string{"PORT 10,2,0,2,4,31\r\n"}, wantOut: "10.2.0.2:1055\n"},
		{name: "bare host-port LF", args: []string{"10,2,0,2,4,31\n"}, wantOut: "10.2.0.2:1055\n"},
		{name: "ADDR CRLF", args: []string{"[2001:db8::1]:5282\r\n"}, wantOut: forms6},
		{
			name:    "final CR without LF",
			args:    []string{"PORT 10,2,0,2,4,31\r"},
			wantErr: `hostport.ParsePORT: parsing "PORT 10,2,0,2,4,31\r": CR inside the line at offset 18` + "\n",
			code:    1,
		},
		{
			name:    "two CRLF line endings",
			args:    []string{"PORT 10,2,0,2,4,31\r\n\r\n"},
			wantErr: `hostport.ParsePORT: parsing "PORT 10,2,0,2,4,31\r\n\r\n": CR inside the line at offset 18` + "\n",
			code:    1,
		},
		{
			name:    "two line endings",
			args:    []string{"PORT 10,2,0,2,4,31\n\n"},
			wantErr: `hostport.ParsePORT: parsing "PORT 10,2,0,2,4,31\n\n": LF inside the line at offset 18` + "\n",
			code:    1,
		},
		{name: "bare host-port", args: []string{"10,2,0,2,4,31"}, wantOut: "10.2.0.2:1055\n"},
		{name: "bare host-port starting 4", args: []string{"4,4,192,0,2,1"}, wantOut: "4.4.192.0:513\n"},
		{name: "bare host-port starting 227", args: []string{"227,0,2,1,4,1"}, wantOut: "227.0.2.1:1025\n"},
		{name: "227", args: []string{"227 Entering Passive Mode (127,0,0,1,203,197)."}, wantOut: "127.0.0.1:52165\n"},
		{name: "227 multi-line", args: []string{"227-Entering Passive Mode (192,0,2,1,4,1)"}, wantOut: "192.0.2.1:1025\n"},
		{name: "227 no parentheses", args: []string{"227 Entering Passive Mode 192,0,2,1,4,1"}, wantOut: "192.0.2.1:1025\n"},
		{name: "EPRT v4", args: []string{"EPRT |1|132.235.1.2|6275|"}, wantOut: "132.235.1.2:6275\n"},
		{name: "EPRT v6", args: []string{"EPRT |2|1080::8:800:200C:417A|5282|"}, wantOut: "[1080::8:800:200c:417a]:5282\n"},
		{name: "EPRT lower case", args: []string{"eprt |2|2001:db8::1|5282|"}, wantOut: "[2001:db8::1]:5282\n"},
		{name: "bare EPRT", args: []string{"|1|132.235.1.2|6275|"}, wantOut: "132.235.1.2:6275\n"},
		{name: "bare EPRT other delimiter", args: []string{"!2!2001:db8::1!5282!"}, wantOut: "[2001:db8::1]:5282\n"},
		{name: "229", args: []string{"229 Entering Extended Passive Mode (|||6446|)"}, wantOut: ":6446\n"},
		{name: "LPRT v4", args: []string{"LPRT 4,4,192,0,2,1,2,4,31"}, wantOut: "192.0.2.1:1055\n"},
		{name: "LPRT v6", args: []string{"LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162"}, wantOut: "[2001:db8::1]:5282\n"},
		{name: "bare LPRT v4", args: []string{"4,4,192,0,2,1,2,4,31"}, wantOut: "192.0.2.1:1055\n"},
		{name: "bare LPRT v6", args: []string{"6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162"}, wantOut: "[2001:db8::1]:5282\n"},
		{name: "228 v4", args: []string{"228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,1)"}, wantOut: "192.0.2.1:1025\n"},
		{name: "228 v6", args: []string{"228 Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162)"}, wantOut: "[2001:db8::1]:5282\n"},
		{
			name:    "several LINEs",
			args:    []string{"PORT 10,2,0,2,4,31", "229 Entering Extended Passive Mode (|||6446|)", "EPRT |2|2001:db8::1|5282|"},
			wantOut: lines("10.2.0.2:1055", ":6446", "[2001:db8::1]:5282"),
		},

		// Spaces and tabs around an argument, as a shell user types them.
		{name: "trailing space", args: []string{"PORT 10,2,0,2,4,31 "}, wantOut: "10.2.0.2:1055\n"},
		{name: "spaces and tabs around", args: []string{" \tEPRT |1|132.235.1.2|6275| \t"}, wantOut: "132.235.1.2:6275\n"},
		{name: "space around an ADDR", args: []string{" 192.0.2.1:1025 "}, wantOut: forms4},
		{name: "trailing space and CRLF", args: []string{"PORT 10,2,0,2,4,31 \r\n"}, wantOut: "10.2.0.2:1055\n"},
		{
			name:    "space inside is the parser's to judge",
			args:    []string{"PORT 10,2,0,2,4, 31"},
			wantErr: `hostport.ParsePORT: parsing "PORT 10,2,0,2,4, 31": want digit for p2, found ' ' at offset 16` + "\n",
			code:    1,
		},

		// Reply text without its code, as the library reads it.
		{name: "227 text", args: []string{"Entering Passive Mode (192,0,2,1,4,1)."}, wantOut: "192.0.2.1:1025\n"},
		{name: "227 text without parentheses", args: []string{"Entering Passive Mode 192,0,2,1,4,1"}, wantOut: "192.0.2.1:1025\n"},
		{name: "229 text", args: []string{"Entering Extended Passive Mode (|||6446|)"}, wantOut: ":6446\n"},
		{name: "228 text", args: []string{"Entering Long Passive Mode (4,4,192,0,2,1,2,4,1)"}, wantOut: "192.0.2.1:1025\n"},
		{name: "228 text IPv6", args: []string{"Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162)"}, wantOut: "[2001:db8::1]:5282\n"},
		{name: "text in lower case", args: []string{"entering passive mode (192,0,2,1,4,1)"}, wantOut: "192.0.2.1:1025\n"},
		{
			name:    "227 text out of range",
			args:    []string{"Entering Passive Mode (192,0,2,1,300,7)"},
			wantErr: `hostport.ParsePASV: parsing "Entering Passive Mode (192,0,2,1,300,7)": p1 300 out of range [0,255] at offset 33` + "\n",
			code:    1,
		},
		{name: "text without an address", args: []string{"Entering Passive Mode"}, wantErr: `hostport: unrecognised line "Entering Passive Mode"` + unrecognised + "\n", code: 1},

		// ADDR.
		{name: "ADDR v4", args: []string{"192.0.2.1:1025"}, wantOut: forms4},
		{name: "ADDR v6", args: []string{"[2001:db8::1]:5282"}, wantOut: forms6},
		{
			name: "ADDR v4-mapped v6",
			args: []string{"[::ffff:192.0.2.1]:21"},
			wantOut: lines(
				"192,0,2,1,0,21",
				"PORT 192,0,2,1,0,21",
				"227 Entering Passive Mode (192,0,2,1,0,21).",
				"EPRT |2|::ffff:192.0.2.1|21|",
				"229 Entering Extended Passive Mode (|||21|)",
				"LPRT 6,16,0,0,0,0,0,0,0,0,0,0,255,255,192,0,2,1,2,0,21",
				"228 Entering Long Passive Mode (6,16,0,0,0,0,0,0,0,0,0,0,255,255,192,0,2,1,2,0,21)",
			),
		},
		{name: "ADDR and LINE", args: []string{"[2001:db8::1]:5282", "10,2,0,2,4,31"}, wantOut: forms6 + "\n10.2.0.2:1055\n"},
		{name: "LINE and ADDR", args: []string{"10,2,0,2,4,31", "[2001:db8::1]:5282"}, wantOut: "10.2.0.2:1055\n\n" + forms6},
		{name: "two ADDRs", args: []string{"192.0.2.1:1025", "[2001:db8::1]:5282"}, wantOut: forms4 + "\n" + forms6},
		{
			name:    "a failed argument between two ADDRs",
			args:    []string{"192.0.2.1:1025", "PORT 1", "[2001:db8::1]:5282"},
			wantOut: forms4 + "\n" + forms6,
			wantErr: `hostport.ParsePORT: parsing "PORT 1": want 6 comma-separated numbers, got 1 at offset 6` + "\n",
			code:    1,
		},

		// LINEs that do not parse: the library's message, unchanged.
		{
			name:    "PORT out of range",
			args:    []string{"PORT 10,2,0,2,4,310"},
			wantErr: `hostport.ParsePORT: parsing "PORT 10,2,0,2,4,310": p2 310 out of range [0,255] at offset 16` + "\n",
			code:    1,
		},
		{
			name:    "PORT two spaces",
			args:    []string{"PORT  10,2,0,2,4,31"},
			wantErr: `hostport.ParsePORT: parsing "PORT  10,2,0,2,4,31": want digit for h1, found ' ' at offset 5` + "\n",
			code:    1,
		},
		{
			name:    "PORT without argument",
			args:    []string{"PORT"},
			wantErr: `hostport.ParsePORT: parsing "PORT": want one space after PORT, found end of line at offset 4` + "\n",
			code:    1,
		},
		{
			name:    "bare host-port too short",
			args:    []string{"10,2,0,2,4"},
			wantErr: `hostport.Parse: parsing "10,2,0,2,4": want 6 comma-separated numbers, got 5 at offset 10` + "\n",
			code:    1,
		},
		{
			name:    "EPRT unknown net-prt",
			args:    []string{"|3|192.0.2.1|21|"},
			wantErr: `hostport.ParseEPRT: parsing "|3|192.0.2.1|21|": unknown net-prt "3" (want 1 or 2) at offset 1` + "\n",
			code:    1,
		},
		{
			name:    "227 out of range",
			args:    []string{"227 Entering Passive Mode (192,0,2,1,300,7)"},
			wantErr: `hostport.ParsePASV: parsing "227 Entering Passive Mode (192,0,2,1,300,7)": p1 300 out of range [0,255] at offset 37` + "\n",
			code:    1,
		},
		{
			name:    "229 without port",
			args:    []string{"229 Entering Extended Passive Mode"},
			wantErr: `hostport.ParseEPSV: parsing "229 Entering Extended Passive Mode": no (|||tcp-port|) in the reply text at offset 34` + "\n",
			code:    1,
		},
		{
			name:    "LPRT unknown af",
			args:    []string{"LPRT 5,4,192,0,2,1,2,4,31"},
			wantErr: `hostport.ParseLPRT: parsing "LPRT 5,4,192,0,2,1,2,4,31": unknown af 5 (want 4 or 6) at offset 5` + "\n",
			code:    1,
		},
		{
			name:    "228 wrong hal",
			args:    []string{"228 Entering Long Passive Mode (4,16,192,0,2,1,2,4,31)"},
			wantErr: `hostport.ParseLPSV: parsing "228 Entering Long Passive Mode (4,16,192,0,2,1,2,4,31)": hal 16 does not match af 4 (want 4) at offset 34` + "\n",
			code:    1,
		},

		// Neither LINE nor ADDR.
		{name: "other verb", args: []string{"USER anonymous"}, wantErr: `hostport: unrecognised line "USER anonymous"` + unrecognised + "\n", code: 1},
		{name: "other reply with a list", args: []string{"200 Entering Passive Mode (192,0,2,1,4,1)"}, wantErr: `hostport: unrecognised line "200 Entering Passive Mode (192,0,2,1,4,1)"` + unrecognised + "\n", code: 1},
		{name: "other reply", args: []string{"200 PORT command successful."}, wantErr: `hostport: unrecognised line "200 PORT command successful."` + unrecognised + "\n", code: 1},
		{name: "longer verb", args: []string{"PORTS 10,2,0,2,4,31"}, wantErr: `hostport: unrecognised line "PORTS 10,2,0,2,4,31"` + unrecognised + "\n", code: 1},
		{name: "reply code alone", args: []string{"227"}, wantErr: `hostport.ParsePASV: parsing "227": no comma-separated numbers in the reply text at offset 3` + "\n", code: 1},
		{name: "empty argument", args: []string{""}, wantErr: `hostport: unrecognised line ""` + unrecognised + "\n", code: 1},
		{name: "address without port", args: []string{"192.0.2.1"}, wantErr: `hostport: parsing address "192.0.2.1": no port: want an address and port, such as 192.0.2.1:1025 or [2001:db8::1]:5282` + "\n", code: 1},
		{
			name:    "port out of range",
			args:    []string{"[2001:db8::1]:65536"},
			wantErr: `hostport: parsing address "[2001:db8::1]:65536": port 65536 out of range [0,65535]` + "\n",
			code:    1,
		},
		{
			name:    "IPv4 port out of range, said once",
			args:    []string{"192.0.2.1:70000"},
			wantErr: `hostport: parsing address "192.0.2.1:70000": port 70000 out of range [0,65535]` + "\n",
			code:    1,
		},
		{name: "port not a number", args: []string{"192.0.2.1:ftp"}, wantErr: `hostport: parsing address "192.0.2.1:ftp": port "ftp" is not a decimal number` + "\n", code: 1},
		{name: "empty port", args: []string{"192.0.2.1:"}, wantErr: `hostport: parsing address "192.0.2.1:": no port after ':'` + "\n", code: 1},
		{name: "bad IPv4 address", args: []string{"192.0.2.256:21"}, wantErr: `hostport: parsing address "192.0.2.256:21": IPv4 field has value >255` + "\n", code: 1},
		{name: "IPv4 in brackets", args: []string{"[192.0.2.1]:21"}, wantErr: `hostport: parsing address "[192.0.2.1]:21": brackets around an IPv4 address` + "\n", code: 1},
		{name: "IPv6 without brackets", args: []string{"2001:db8::1:21"}, wantErr: `hostport: parsing address "2001:db8::1:21": no port: want an address and port, such as 192.0.2.1:1025 or [2001:db8::1]:5282` + "\n", code: 1},
		{name: "bad IPv6 address", args: []string{"[2001:db8::g]:21"}, wantErr: `hostport: parsing address "[2001:db8::g]:21": each colon-separated field must have at least one digit (at "g")` + "\n", code: 1},
		{name: "IPv6 without brackets or port", args: []string{"[2001:db8::1]"}, wantErr: `hostport: parsing address "[2001:db8::1]": no port: want an address and port, such as 192.0.2.1:1025 or [2001:db8::1]:5282` + "\n", code: 1},
		{
			name:    "long line is cut in the message",
			args:    []string{strings.Repeat("x", 300)},
			wantErr: `hostport: unrecognised line "` + strings.Repeat("x", 200) + `"...` + unrecognised + "\n",
			code:    1,
		},

		// A failing argument does not stop the others.
		{
			name:    "failure in the middle",
			args:    []string{"PORT 10,2,0,2,4,31", "PORT 10,2,0,2,4", "227 Entering Passive Mode (192,0,2,1,4,1)."},
			wantOut: lines("10.2.0.2:1055", "192.0.2.1:1025"),
			wantErr: `hostport.ParsePORT: parsing "PORT 10,2,0,2,4": want 6 comma-separated numbers, got 5 at offset 15` + "\n",
			code:    1,
		},

		// Flags.
		{name: "double dash", args: []string{"--", "PORT 10,2,0,2,4,31"}, wantOut: "10.2.0.2:1055\n"},
		{name: "arguments win over stdin", args: []string{"10,2,0,2,4,31"}, stdin: "192.0.2.1:1025\n", wantOut: "10.2.0.2:1055\n"},

		// Standard input.
		{name: "stdin empty", stdin: ""},
		{name: "stdin one line", stdin: "PORT 10,2,0,2,4,31\n", wantOut: "10.2.0.2:1055\n"},
		{name: "stdin no final newline", stdin: "PORT 10,2,0,2,4,31", wantOut: "10.2.0.2:1055\n"},
		{name: "stdin CRLF", stdin: "PORT 10,2,0,2,4,31\r\n229 Entering Extended Passive Mode (|||6446|)\r\n", wantOut: lines("10.2.0.2:1055", ":6446")},
		{name: "stdin blank lines", stdin: "\n\n   \n\t\n10,2,0,2,4,31\n\r\n", wantOut: "10.2.0.2:1055\n"},
		{name: "stdin ADDR", stdin: "192.0.2.1:1025\n[2001:db8::1]:5282\n", wantOut: forms4 + "\n" + forms6},
		{
			name:    "stdin failure in the middle",
			stdin:   lines("PORT 10,2,0,2,4,31", "PORT 10,2,0,2,4,256", "hello", "EPRT |2|2001:db8::1|5282|"),
			wantOut: lines("10.2.0.2:1055", "[2001:db8::1]:5282"),
			wantErr: lines(
				`line 2: hostport.ParsePORT: parsing "PORT 10,2,0,2,4,256": p2 256 out of range [0,255] at offset 16`,
				`line 3: hostport: unrecognised line "hello"`+unrecognised,
			),
			code: 1,
		},
		{
			name:    "stdin CR inside a line",
			stdin:   "PORT 10,2,0,2\r,4,31\n",
			wantErr: `line 1: hostport.ParsePORT: parsing "PORT 10,2,0,2\r,4,31": CR inside the line at offset 13` + "\n",
			code:    1,
		},
		{
			name:    "stdin line too long",
			stdin:   "10,2,0,2,4,31\n" + strings.Repeat("1", maxLine+1) + "\n192.0.2.1:1025\n",
			wantOut: "10.2.0.2:1055\n\n" + forms4,
			wantErr: "line 2: hostport: longer than 1048576 bytes\n",
			code:    1,
		},
		{
			name:    "stdin last line too long",
			stdin:   "10,2,0,2,4,31\n" + strings.Repeat("1", 3*maxLine),
			wantOut: "10.2.0.2:1055\n",
			wantErr: "line 2: hostport: longer than 1048576 bytes\n",
			code:    1,
		},
		{
			name:    "stdin line of the longest length",
			stdin:   strings.Repeat("1", maxLine) + "\n",
			wantErr: `line 1: hostport: unrecognised line "` + strings.Repeat("1", 200) + `"...` + unrecognised + "\n",
			code:    1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, strings.NewReader(tc.stdin), &stdout, &stderr)
			assert.Equal(t, tc.code, code, "exit code")
			assert.Equal(t, tc.wantOut, stdout.String(), "stdout")
			assert.Equal(t, tc.wantErr, stderr.String(), "stderr")
		})
	}
}

func TestRunFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		wantOut string
		wantErr string // the whole of stderr
		code    int
	}{
		// Help goes to standard output, with status 0, as a reader piping
		// it to less expects.
		{name: "help", args: []string{"-h"}, wantOut: usageText},
		{name: "help after an argument", args: []string{"PORT 10,2,0,2,4,31", "-h"}, wantOut: usageText},
		{name: "help command", args: []string{"help"}, wantOut: usageText},
		{name: "help help", args: []string{"help", "help"}, wantOut: usageText},
		{name: "help annotate", args: []string{"help", "annotate"}, wantOut: annotateUsage},
		{name: "help trace", args: []string{"help", "trace"}, wantOut: traceUsage},
		{name: "help probe", args: []string{"help", "probe"}, wantOut: probeUsage},
		{name: "probe help", args: []string{"probe", "-h"}, wantOut: probeUsage},
		{
			name:    "help of an unknown command",
			args:    []string{"help", "convert"},
			wantErr: `hostport help: unknown command "convert": want annotate, trace, probe or help` + "\n",
			code:    2,
		},
		{name: "help of two commands", args: []string{"help", "annotate", "trace"}, wantErr: "usage: hostport help [COMMAND]\n", code: 2},
		{name: "annotate help", args: []string{"annotate", "-h"}, wantOut: annotateUsage},
		{name: "help as a LINE", args: []string{"--", "help"}, wantErr: `hostport: unrecognised line "help"` + unrecognised + "\n", code: 1},
		{name: "trace as a LINE", args: []string{"--", "trace"}, wantErr: `hostport: unrecognised line "trace"` + unrecognised + "\n", code: 1},

		// Usage errors go to standard error, with status 2.
		{name: "unknown flag", args: []string{"-x", "PORT 10,2,0,2,4,31"}, wantErr: "flag provided but not defined: -x\n" + usageText, code: 2},
		{name: "unknown flag after an argument", args: []string{"PORT 10,2,0,2,4,31", "-x"}, wantErr: "flag provided but not defined: -x\n" + usageText, code: 2},
		{name: "argument starting with a dash", args: []string{"-1,2,3,4,5,6"}, wantErr: "flag provided but not defined: -1,2,3,4,5,6\n" + usageText, code: 2},
		{name: "argument starting with a dash after --", args: []string{"PORT 10,2,0,2,4,31", "--", "-1-192.0.2.1-21-"}, wantOut: lines("10.2.0.2:1055", "192.0.2.1:21")},
		{
			name:    "unknown form",
			args:    []string{"-form", "PASVX", "192.0.2.1:21"},
			wantErr: `invalid value "PASVX" for flag -form: unknown form "PASVX": want hostport, PORT, PASV or 227, EPRT, EPSV or 229, LPRT, LPSV or 228` + "\n" + usageText,
			code:    2,
		},

		// -form prints one form, for an ADDR and for a LINE's address.
		{name: "form PORT", args: []string{"-form", "PORT", "192.0.2.1:1025"}, wantOut: "PORT 192,0,2,1,4,1\n"},
		{name: "form after the argument", args: []string{"192.0.2.1:1025", "-form=port"}, wantOut: "PORT 192,0,2,1,4,1\n"},
		{name: "form hostport", args: []string{"-form", "hostport", "192.0.2.1:1025"}, wantOut: "192,0,2,1,4,1\n"},
		{name: "form 227", args: []string{"-form", "227", "192.0.2.1:1025"}, wantOut: "227 Entering Passive Mode (192,0,2,1,4,1).\n"},
		{name: "form PASV", args: []string{"-form", "pasv", "192.0.2.1:1025"}, wantOut: "227 Entering Passive Mode (192,0,2,1,4,1).\n"},
		{name: "form EPSV", args: []string{"-form", "EPSV", "[2001:db8::1]:5282"}, wantOut: "229 Entering Extended Passive Mode (|||5282|)\n"},
		{name: "form LPRT", args: []string{"-form", "LPRT", "[2001:db8::1]:5282"}, wantOut: "LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162\n"},
		{name: "form 228", args: []string{"-form", "228", "192.0.2.1:1025"}, wantOut: "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,1)\n"},
		{
			name:    "form converts LINEs",
			args:    []string{"-form", "EPRT", "PORT 10,2,0,2,4,31", "227 Entering Passive Mode (192,0,2,1,4,1).", "LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162"},
			wantOut: lines("EPRT |1|10.2.0.2|1055|", "EPRT |1|192.0.2.1|1025|", "EPRT |2|2001:db8::1|5282|"),
		},
		{name: "form 229 of a 229", args: []string{"-form", "229", "229 Entering Extended Passive Mode (|||6446|)"}, wantOut: "229 Entering Extended Passive Mode (|||6446|)\n"},
		{
			name:    "form PORT of a 229",
			args:    []string{"-form", "PORT", "229 Entering Extended Passive Mode (|||6446|)"},
			wantErr: "hostport: a 229 reply carries a port and no address, so it has no PORT form\n",
			code:    1,
		},
		{
			name:    "form PORT of IPv6",
			args:    []string{"-form", "PORT", "[2001:db8::1]:5282", "192.0.2.1:1025"},
			wantOut: "PORT 192,0,2,1,4,1\n",
			wantErr: "hostport: [2001:db8::1]:5282: the PORT form carries IPv4 addresses only\n",
			code:    1,
		},
		{name: "form on stdin", args: []string{"-form", "EPRT"}, wantOut: lines("EPRT |1|192.0.2.1|1025|", "EPRT |2|2001:db8::1|5282|")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			stdin := "192.0.2.1:1025\n[2001:db8::1]:5282\n"
			code := run(tc.args, strings.NewReader(stdin), &stdout, &stderr)
			assert.Equal(t, tc.code, code, "exit code")
			assert.Equal(t, tc.wantOut, stdout.String(), "stdout")
			assert.Equal(t, tc.wantErr, stderr.String(), "stderr")
		})
	}
}

// parseFlags takes flags anywhere among the arguments, and none after "--".
func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		wantJSON bool
		wantArgs []string
		wantErr  string
	}{
		{args: nil, wantArgs: []string{}},
		{args: []string{"cap.pcap"}, wantArgs: []string{"cap.pcap"}},
		{args: []string{"-json", "cap.pcap"}, wantJSON: true, wantArgs: []string{"cap.pcap"}},
		{args: []string{"cap.pcap", "-json"}, wantJSON: true, wantArgs: []string{"cap.pcap"}},
		{args: []string{"a", "-json", "b"}, wantJSON: true, wantArgs: []string{"a", "b"}},
		{args: []string{"a", "--", "-json", "b"}, wantArgs: []string{"a", "-json", "b"}},
		{args: []string{"--", "--"}, wantArgs: []string{"--"}},
		{args: []string{"-", "-json"}, wantJSON: true, wantArgs: []string{"-"}},
		{args: []string{"a", "-n", "3", "b"}, wantArgs: []string{"a", "b"}},
		{args: []string{"a", "-x"}, wantErr: "flag provided but not defined: -x"},
		{args: []string{"a", "-n"}, wantErr: "flag needs an argument: -n"},
		{args: []string{"a", "-h"}, wantErr: flag.ErrHelp.Error()},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		jsonOut := fs.Bool("json", false, "")
		fs.Int("n", 0, "")
		err := parseFlags(fs, tc.args)
		if tc.wantErr != "" {
			assert.EqualError(t, err, tc.wantErr, "parseFlags(%q)", tc.args)
			continue
		}
		if assert.NoError(t, err, "parseFlags(%q)", tc.args) {
			assert.Equal(t, tc.wantJSON, *jsonOut, "-json of %q", tc.args)
			assert.Equal(t, tc.wantArgs, fs.Args(), "arguments of %q", tc.args)
		}
	}
}

// failWriter fails every write.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	w.n++
	return 0, errors.New("broken pipe")
}

// A write error on stdout stops the run at once.
func TestRunWriteError(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
	}{
		{name: "arguments", args: []string{"192.0.2.1:1025", "10,2,0,2,4,31"}},
		{name: "stdin", stdin: "192.0.2.1:1025\n10,2,0,2,4,31\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout failWriter
			var stderr bytes.Buffer
			code := run(tc.args, strings.NewReader(tc.stdin), &stdout, &stderr)
			assert.Equal(t, 1, code)
			assert.Equal(t, 1, stdout.n, "writes to stdout")
			assert.Equal(t, "hostport: writing standard output: broken pipe\n", stderr.String())
		})
	}
}

// errReader returns some text, then an error.
type errReader struct{ text string }

func (r *errReader) Read(p []byte) (int, error) {
	if r.text == "" {
		return 0, errors.New("device gone")
	}
	n := copy(p, r.text)
	r.text = r.text[n:]
	return n, nil
}

func TestRunReadError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(nil, &errReader{text: "10,2,0,2,4,31\n"}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Equal(t, "10.2.0.2:1055\n", stdout.String())
	assert.Equal(t, "hostport: reading standard input: device gone\n", stderr.String())
}

// checkRoundTrip checks that every line printed for an ADDR converts back to
// that address: the six-number forms to its unmapped IPv4 address, the 229
// reply to its port alone, the others to the address as given.
func checkRoundTrip(t *rapid.T) {
	var ap netip.AddrPort
	if rapid.Bool().Draw(t, "ipv6") {
		ap = netip.AddrPortFrom(netip.AddrFrom16(rapid.Make[[16]byte]().Draw(t, "ip16")), rapid.Uint16().Draw(t, "port"))
	} else {
		ap = netip.AddrPortFrom(netip.AddrFrom4(rapid.Make[[4]byte]().Draw(t, "ip4")), rapid.Uint16().Draw(t, "port"))
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{ap.String()}, nil, &stdout, &stderr)
	require.Equal(t, 0, code, "exit code; stderr %q", stderr.String())
	require.Empty(t, stderr.String())
	out := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if ap.Addr().Unmap().Is4() {
		require.Len(t, out, 7, "lines for %s", ap)
	} else {
		require.Len(t, out, 4, "lines for %s", ap)
	}
	unmapped := netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	for i, line := range out {
		var back bytes.Buffer
		code := run([]string{line}, nil, &back, &stderr)
		require.Equal(t, 0, code, "exit code for %q; stderr %q", line, stderr.String())
		want := ap.String()
		switch {
		case strings.HasPrefix(line, "229 "):
			want = ":" + strconv.Itoa(int(ap.Port()))
		case len(out) == 7 && i < 3: // host-port, PORT, 227
			want = unmapped.String()
		}
		assert.Equal(t, want+"\n", back.String(), "converting %q back", line)
	}
}

// checkValidLine checks that hostport prints the address of every valid line
// that it can tell the form of: commands with or without their verb, and
// replies with their code.
func checkValidLine(t *rapid.T) {
	line := hostporttest.ValidLine().Draw(t, "line")
	text := strings.TrimSuffix(strings.TrimSuffix(line.Text, "\n"), "\r")
	switch line.Form {
	case hostport.FormPASV, hostport.FormEPSV, hostport.FormLPSV:
		if f, _, _ := hostport.ParseLine(text); f == 0 {
			t.Skip("reply text without its code")
		}
	}
	want := line.Want.String()
	if line.Form == hostport.FormEPSV {
		want = ":" + strconv.Itoa(int(line.Want.Port()))
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"--", line.Text}, nil, &stdout, &stderr)
	require.Equal(t, 0, code, "exit code for %q (%s); stderr %q", line.Text, line.Note, stderr.String())
	require.Equal(t, want+"\n", stdout.String(), "output for %q (%s)", line.Text, line.Note)
}

func TestValidLine(t *testing.T) {
	rapid.Check(t, checkValidLine)
}

func TestRoundTrip(t *testing.T) {
	rapid.Check(t, checkRoundTrip)
}

// TestParseOther: the lines that ParseLine leaves to the CLI, bare
// arguments, reply text and addresses, go to the right parser. want is the
// address printed, or the Func of the parser's error, or "hostport" for the
// CLI's own error.
func TestParseOther(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"10,2,0,2,4,31", "10.2.0.2:1055"},
		{"4,4,192,0,2,1", "4.4.192.0:513"},
		{"4,4,192,0,2,1,2,4", "Parse"},    // 8 numbers: Parse says how many
		{"6,4,192,0,2,1,2,4,31", "Parse"}, // 9 numbers but not af 4
		{"4,4,192,0,2,1,2,4,31", "192.0.2.1:1055"},
		{"4,16,192,0,2,1,2,4,31", "ParseLPRT"}, // af 4: ParseLPRT judges hal
		{"04,4,192,0,2,1,2,4,31", "192.0.2.1:1055"},
		{"0,4,192,0,2,1,2,4,31", "Parse"},
		{"40,4,192,0,2,1,2,4,31", "Parse"},
		{"6,16," + strings.Repeat("0,", 16) + "2,0,21", "[::]:21"},
		{"1,", "Parse"},
		{"|1|132.235.1.2|6275|", "132.235.1.2:6275"},
		{"a1a132.235.1.2a6275a", "132.235.1.2:6275"},
		{"[1[132.235.1.2[6275[", "132.235.1.2:6275"},
		{"-1,2,3,4,5,6", "ParseEPRT"},
		{",1", "ParseEPRT"}, // any delimiter
		{"Entering Passive Mode (192,0,2,1,4,1).", "192.0.2.1:1025"},
		{"Entering Long Passive Mode (4,4,192,0,2,1,2,4,1)", "192.0.2.1:1025"},
		{"Entering Long Passive Mode (4,4,192,0,2,1,2,4)", "ParsePASV"}, // ParsePASV says how many
		{"Entering Extended Passive Mode (|||6446|)", ":6446"},
		{"Entering Passive Mode", "hostport"},
		{"192.0.2.1", "hostport"},
		{"[2001:db8::1]", "hostport"},
		{"[2001:db8::1]:65536", "hostport"},
		{"", "hostport"},
		{"1055", "hostport"},
		{"192.0.2.1,4,1", "hostport"},
		{"||", "hostport"},
		// ParseLine's lines.
		{"227", "ParsePASV"},
		{"Port", "ParsePORT"},
		{"229-Entering Extended Passive Mode (|||6446|)", ":6446"},
		{"USER anonymous", "hostport"},
		{"PORTS 10,2,0,2,4,31", "hostport"},
		{"PASV", "hostport"},
		{"EPSV 2", "hostport"},
		{"200 Entering Passive Mode (192,0,2,1,4,1)", "hostport"},
	} {
		var stdout, stderr bytes.Buffer
		run([]string{"--", tc.in}, nil, &stdout, &stderr)
		got := strings.TrimSuffix(stdout.String(), "\n")
		if msg := stderr.String(); msg != "" {
			got, _, _ = strings.Cut(msg, ":")
			got = strings.TrimPrefix(got, "hostport.")
		}
		assert.Equal(t, tc.want, got, "%q: stdout %q, stderr %q", tc.in, stdout.String(), stderr.String())
	}
}

func Example_run() {
	run([]string{
		"PORT 10,2,0,2,4,31",
		"227 Entering Passive Mode (192,0,2,1,4,1).",
		"EPRT |2|1080::8:800:200C:417A|5282|",
		"229 Entering Extended Passive Mode (|||6446|)",
		"192.0.2.1:1025",
	}, nil, os.Stdout, os.Stderr)
	// Output:
	// 10.2.0.2:1055
	// 192.0.2.1:1025
	// [1080::8:800:200c:417a]:5282
	// :6446
	//
	// 192,0,2,1,4,1
	// PORT 192,0,2,1,4,1
	// 227 Entering Passive Mode (192,0,2,1,4,1).
	// EPRT |1|192.0.2.1|1025|
	// 229 Entering Extended Passive Mode (|||1025|)
	// LPRT 4,4,192,0,2,1,2,4,1
	// 228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,1)
}

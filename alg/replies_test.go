package alg_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/alg"
)

// The texts of the lines that the session puts in place of a reply line that
// could carry an address it did not check.
const (
	strayFinal = " Reply refused by the proxy: not the answer to a passive command.\r\n"
	strayFirst = "-Reply refused by the proxy: not the answer to a passive command.\r\n"
	strayText  = " Line refused by the proxy: not the answer to a passive command.\r\n"
	badFinal   = " Reply refused by the proxy: bare CR, bare LF or NUL in the line.\r\n"
)

// TestStrayAddresses: no reply text that a client could read as a data
// address reaches it unless the session rewrote it. The first four cases are
// those by which a hostile server, through a proxy, made real clients
// connect where it chose: curl, lftp, busybox and wget took a 227 inside a
// multi-line 230; ftplib took the address of a 227- first line, and an
// unsolicited 227 after the reply to TYPE; tnftp skipped a Telnet command
// before the code.
// errNoData is a hook's veto.
var errNoData = errors.New("no data connections now")

func TestStrayAddresses(t *testing.T) {
	nat := alg.Config{Hook: natHook}
	tests := []convCase{
		{
			name: "227 inside a multi-line 230",
			cfg:  nat,
			steps: with(c("PASS x\r\n"), s("230-Welcome.\r\n227 Entering Passive Mode (198,51,100,7,4,1)\r\n"),
				s("230 Login successful.\r\n")),
			wantServer: loginServer + "PASS x\r\n",
			wantClient: loginClient + "230-Welcome.\r\n" + strayText + "230 Login successful.\r\n",
			wantRefuse: []error{alg.ErrStrayAddress},
		},
		{
			name: "227- first line with a foreign address, then a good final line",
			cfg:  nat,
			steps: with(c("PASV\r\n"), s("227-Entering Passive Mode (198,51,100,7,4,1)\r\n"),
				s(" (198,51,100,7,4,1)\r\n227 Entering Passive Mode (10,0,0,9,4,1)\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "227" + strayFirst + strayText + "227 Entering Passive Mode (192,0,2,1,4,1)\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
			wantRefuse: []error{alg.ErrStrayAddress},
		},
		{
			name: "a vetoed final line of a multi-line 227 keeps its code, so the reply ends",
			cfg: alg.Config{Hook: func(alg.Event) (alg.Rewrite, error) {
				return alg.Rewrite{}, errNoData
			}},
			steps: with(c("PASV\r\n"), s("227-Entering Passive Mode (198,51,100,7,4,1)\r\n"),
				s("227 Entering Passive Mode (10,0,0,9,4,1)\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "227" + strayFirst + "227 Can't open data connection.\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
			wantRefuse: []error{alg.ErrStrayAddress, errNoData},
		},
		{
			name: "unsolicited 227 after the reply to TYPE",
			cfg:  nat,
			steps: with(c("TYPE I\r\n"), s("200 Switching to Binary mode.\r\n227 Entering Passive Mode (198,51,100,7,4,1)\r\n"),
				c("PASV\r\n"), s("227 Entering Passive Mode (10,0,0,9,4,1)\r\n")),
			wantServer: loginServer + "TYPE I\r\nPASV\r\n",
			wantClient: loginClient + "200 Switching to Binary mode.\r\n227" + strayFinal +
				"227 Entering Passive Mode (192,0,2,1,4,1)\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
			wantRefuse: []error{alg.ErrStrayAddress},
		},
		{
			name:       "227 as the reply to TYPE",
			cfg:        nat,
			steps:      with(c("TYPE I\r\n"), s("227 Entering Passive Mode (198,51,100,7,4,1)\r\n")),
			wantServer: loginServer + "TYPE I\r\n",
			wantClient: loginClient + "227" + strayFinal,
			wantRefuse: []error{alg.ErrStrayAddress},
		},
		{
			name:       "Telnet NOP before the code of an unsolicited 227",
			cfg:        nat,
			steps:      with(s("\xff\xf1227 Entering Passive Mode (198,51,100,7,4,1)\r\n")),
			wantServer: loginServer,
			wantClient: loginClient + "227" + strayFinal,
			wantRefuse: []error{alg.ErrStrayAddress},
		},
		{
			name:       "Telnet NOP before the code of the answer to PASV: rewritten",
			cfg:        nat,
			steps:      with(c("PASV\r\n"), s("\xff\xf1227 Entering Passive Mode (10,0,0,9,4,1)\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "\xff\xf1227 Entering Passive Mode (192,0,2,1,4,1)\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
		},
		{
			name: "bare LF: 227-x LF 227 ends the reply for the session too",
			cfg:  nat,
			steps: with(c("PASV\r\n"), s("227-x\n227 Entering Passive Mode (198,51,100,7,4,1)\r\n"),
				c("NOOP\r\n"), s("200 NOOP ok.\r\n")),
			wantServer: loginServer + "PASV\r\nNOOP\r\n",
			wantClient: loginClient + "425 Can't open data connection: reply refused by the proxy: bare CR, bare LF or NUL in the line.\r\n" +
				"200 NOOP ok.\r\n",
			wantRefuse: []error{alg.ErrBadLine},
		},
		{
			name: "bare LF inside a multi-line reply with its end",
			cfg:  nat,
			steps: with(c("STAT\r\n"), s("211-a\r\nb\n211 End\r\n"),
				c("NOOP\r\n"), s("200 NOOP ok.\r\n")),
			wantServer: loginServer + "STAT\r\nNOOP\r\n",
			wantClient: loginClient + "211-a\r\n211" + badFinal + "200 NOOP ok.\r\n",
			wantRefuse: []error{alg.ErrBadLine},
		},
		{
			name:       "NUL inside a multi-line reply without its end",
			cfg:        nat,
			steps:      with(c("STAT\r\n"), s("211-a\r\nb\x00c\r\n211 End\r\n")),
			wantServer: loginServer + "STAT\r\n",
			wantClient: loginClient + "211-a\r\n Line refused by the proxy: bare CR, bare LF or NUL in the line.\r\n211 End\r\n",
			wantRefuse: []error{alg.ErrBadLine},
		},
		{
			name: "228 and 229 in any line",
			cfg:  nat,
			steps: with(c("NOOP\r\n"), s("200-a\r\n228 Entering Long Passive Mode (4,4,198,51,100,7,2,4,1)\r\n"+
				"229 Entering Extended Passive Mode (|||1025|)\r\n200 ok\r\n"),
				c("EPSV\r\n"), s("228 Entering Long Passive Mode (4,4,198,51,100,7,2,4,1)\r\n")),
			wantServer: loginServer + "NOOP\r\nEPSV\r\n",
			wantClient: loginClient + "200-a\r\n" + strayText + strayText + "200 ok\r\n228" + strayFinal,
			wantRefuse: []error{alg.ErrStrayAddress},
		},
		{
			name: "leading blanks and other bytes before the code",
			cfg:  nat,
			steps: with(c("PASV\r\n"), s(" 227 Entering Passive Mode (198,51,100,7,4,1)\r\n"),
				s("\t*227(198,51,100,7,4,1)\r\n"), s("227Entering Passive Mode (198,51,100,7,4,1)\r\n"),
				s("227 Entering Passive Mode (10,0,0,9,4,1)\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + strayText + strayText + strayText + "227 Entering Passive Mode (192,0,2,1,4,1)\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
			wantRefuse: []error{alg.ErrStrayAddress},
		},
		{
			name:       "text that only mentions 227 passes",
			cfg:        nat,
			steps:      with(c("HELP\r\n"), s("214-Welcome 227 Street\r\n 2270 bytes\r\n214 ok\r\n")),
			wantServer: loginServer + "HELP\r\n",
			wantClient: loginClient + "214-Welcome 227 Street\r\n 2270 bytes\r\n214 ok\r\n",
		},
		{
			name: "a reply split across reads",
			cfg:  nat,
			steps: with(c("NOOP\r\n"), s("22"), s("7 Entering Passive Mode (198,51"), s(",100,7,4,1)\r"),
				s("\n")),
			wantServer: loginServer + "NOOP\r\n",
			wantClient: loginClient + "227" + strayFinal,
			wantRefuse: []error{alg.ErrStrayAddress},
		},
		{
			name: "an over-long 227- line with a bare LF and a final 227 in it",
			cfg:  nat,
			steps: with(c("PASV\r\n"), s("227-"+strings.Repeat("x", 5000)+"\n227 Entering Passive Mode (198,51,100,7,4,1)\r\n"),
				c("NOOP\r\n"), s("200 ok\r\n")),
			wantServer: loginServer + "PASV\r\nNOOP\r\n",
			wantClient: loginClient + "425 Can't open data connection: reply refused by the proxy: line too long.\r\n200 ok\r\n",
			wantRefuse: []error{alg.ErrLineTooLong},
		},
		{
			name: "PassBadReplies cuts an over-long line at a bare LF",
			cfg:  alg.Config{Hook: natHook, PassBadReplies: true},
			steps: with(c("CWD x\r\n"), s("250-"+strings.Repeat("x", 5000)+"\n227 (198,51,100,7,4,1)\r\n"+
				strings.Repeat("y", 5000)+"\r\n250 ok\r\n")),
			wantServer: loginServer + "CWD x\r\n",
			wantClient: loginClient + "250-" + strings.Repeat("x", 4096-4) + " [rest of the line removed by the proxy]\r\n" +
				strings.Repeat("y", 5000) + "\r\n250 ok\r\n",
			wantRefuse: []error{alg.ErrBadLine},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runConv(t, tc)
		})
	}
}

// TestHugeMultilineReply: a multi-line 227 reply of many lines goes through,
// each line replaced but the final one, in the session's fixed memory.
func TestHugeMultilineReply(t *testing.T) {
	h := newHarness(t, alg.Config{Hook: natHook})
	h.server("220 ready\r\n")
	h.client("PASV\r\n")
	h.toServer.take()
	h.toClient.take()
	const n = 20000
	var in bytes.Buffer
	in.WriteString("227-a\r\n")
	for range n {
		in.WriteString(" (198,51,100,7,4,1)\r\n")
	}
	in.WriteString("227 Entering Passive Mode (10,0,0,9,4,1)\r\n")
	start := time.Now()
	h.server(in.String())
	out := h.toClient.take()
	require.Equal(t, n+2, strings.Count(out, "\r\n"))
	assert.NotContains(t, out, "198,51,100,7")
	assert.True(t, strings.HasSuffix(out, "227 Entering Passive Mode (192,0,2,1,4,1)\r\n"), "final line %q", out[len(out)-60:])
	t.Logf("%d lines in %v", n+2, time.Since(start))
}

// refLooseCode is the reference for what the most lenient client takes for
// the code of a line: the first three digits after Telnet commands and any
// bytes that are neither ASCII letters nor digits, if no digit follows.
func refLooseCode(line string) string {
	for len(line) > 0 {
		c := line[0]
		switch {
		case c == 0xff && len(line) > 2 && line[1] >= 0xfb && line[1] <= 0xfe:
			line = line[3:]
		case c == 0xff && len(line) > 1:
			line = line[2:]
		case '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			if len(line) < 3 || strings.Trim(line[:3], "0123456789") != "" ||
				len(line) > 3 && '0' <= line[3] && line[3] <= '9' {
				return ""
			}
			return line[:3]
		default:
			line = line[1:]
		}
	}
	return ""
}

// checkNoStrayAddress is the property of the replies: in what reaches the
// client, every piece of a line (cut at CR, LF and NUL, as the most lenient
// client cuts) that such a client reads as a 227, 228 or 229 with digits
// after the code was written by the hook (at most one per event, a 227 or
// 228 with the hook's address), and in every 227, 228 or 229 reply, read as
// RFC 959 frames it, only the final line holds digits.
func checkNoStrayAddress(t *testing.T, in []byte, sizes []int) {
	const pre = "USER a\r\nPASV\r\nEPSV\r\nLPSV\r\nPASV\r\nEPSV\r\n"
	var srv, cli bytes.Buffer
	events := 0
	cfg := natCfg
	cfg.Hook = func(ev alg.Event) (alg.Rewrite, error) {
		events++
		return natCfg.Hook(ev)
	}
	cfg.PassBadReplies = len(sizes) > 0 && sizes[0]%2 == 1
	s := alg.NewSession(&cli, &srv, cfg)
	require.NoError(t, s.CopyCommands(strings.NewReader(pre)))
	if err := s.CopyReplies(&chunkReader{data: in, sizes: sizes}); err != nil {
		return // not FTP
	}
	out := cli.String()
	written := 0
	for _, piece := range strings.FieldsFunc(out, func(r rune) bool { return r == '\r' || r == '\n' || r == 0 }) {
		code := refLooseCode(piece)
		if code != "227" && code != "228" && code != "229" {
			continue
		}
		i := strings.Index(piece, code)
		if !strings.ContainsAny(piece[i+3:], "0123456789") {
			continue
		}
		written++
		if code != "229" && !strings.Contains(piece, "192,0,2,1") {
			t.Fatalf("%q: to the client %q, not written by the hook", in, piece)
		}
	}
	if written > events {
		t.Fatalf("%q: %d address lines to the client, %d events:\n%q", in, written, events, out)
	}
	multi := ""
	for _, line := range splitCRLF(out) {
		switch {
		case multi != "":
			if strings.HasPrefix(line, multi+" ") {
				multi = ""
			} else if (multi == "227" || multi == "228" || multi == "229") && strings.ContainsAny(line, "0123456789") {
				t.Fatalf("%q: to the client, inside a %s reply, %q", in, multi, line)
			}
		case len(line) > 4 && line[3] == '-' && strings.Trim(line[:3], "0123456789") == "":
			multi = line[:3]
			if (multi == "227" || multi == "228" || multi == "229") && strings.ContainsAny(line[4:], "0123456789") {
				t.Fatalf("%q: to the client, a first line %q", in, line)
			}
		}
	}
}

// FuzzReplyAddresses checks checkNoStrayAddress for any server stream, read
// in any way, with and without PassBadReplies.
func FuzzReplyAddresses(f *testing.F) {
	seeds := []string{
		"230-Welcome.\r\n227 Entering Passive Mode (198,51,100,7,4,1)\r\n230 Login successful.\r\n",
		"227-Entering Passive Mode (198,51,100,7,4,1)\r\n227 Entering Passive Mode (10,0,0,9,4,1)\r\n",
		"200 ok\r\n227 Entering Passive Mode (198,51,100,7,4,1)\r\n",
		"\xff\xf1227 Entering Passive Mode (198,51,100,7,4,1)\r\n",
		"227-x\n227 Entering Passive Mode (198,51,100,7,4,1)\r\n",
		" 229 (|||6446|)\r\n228-a\r\n (4,4,1,2,3,4,2,4,1)\r\n228 b\r\n",
		"250-" + strings.Repeat("x", 300) + "\n227 (198,51,100,7,4,1)\r\n250 ok\r\n",
	}
	for _, s := range append(seeds, corpus...) {
		f.Add([]byte("220 ready\r\n331 ok\r\n"+s), []byte{0})
		f.Add([]byte("220 ready\r\n331 ok\r\n"+s), []byte{1, 5, 3})
	}
	f.Fuzz(func(t *testing.T, in []byte, sizes []byte) {
		var sz []int
		for _, b := range sizes {
			sz = append(sz, int(b)%64+1)
		}
		checkNoStrayAddress(t, in, sz)
	})
}

package alg_test

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/alg"
	"github.com/ftpkit/hostport/hostporttest"
)

// propMaxLine is the line cap of the sessions in the properties, small so
// that over-long lines are cheap to draw.
const propMaxLine = alg.MinMaxLine

// crlf returns text with its line ending, if any, replaced by CRLF.
func crlf(text string) string {
	text = strings.TrimSuffix(text, "\n")
	text = strings.TrimSuffix(text, "\r")
	return text + "\r\n"
}

// ordinaryCommands are commands that set up no data connection, some of them
// with data-setup words and Telnet bytes where they are not commands.
var ordinaryCommands = []string{
	"PASS guest\r\n", "CWD /pub\r\n", "cwd incoming\r\n", "TYPE I\r\n", "NOOP\r\n",
	"SYST\r\n", "FEAT\r\n", "RETR file.txt\r\n", "LIST -la\r\n", "STOR PORT 10,0,0,5,0,22\r\n",
	"227 Entering Passive Mode (10,0,0,9,0,22)\r\n", "SITE CHMOD 644 x\r\n",
	"RETR \xff\xffname\r\n", "\xff\xf4\xff\xf2ABOR\r\n", "MKD 227 (1,2,3,4,5,6)\r\n",
	"OPTS UTF8 ON\r\n", "HELP PORT\r\n", "PORTX 1,2,3,4,5,6\r\n", "NO\xff\xfb\x01OP\r\n",
}

// hostileCommands are command lines that the session refuses.
var hostileCommands = []string{
	"CWD leetXXXX\nPORT 10,0,0,5,4,1\r\n", "CWD x\rPORT 10,0,0,5,4,1\r\n", "A\x00B\r\n",
	"\r\n", "NOOP\xff\r\n", "PO\xff\xfa\x01RT 10,0,0,5,4,1\r\n",
	strings.Repeat("A", propMaxLine+10) + "PORT 10,0,0,5,0,22\r\n",
}

// ordinaryReplies are replies that answer no passive command, and text that
// looks like replies.
var ordinaryReplies = []string{
	"200 Command okay.\r\n", "331 Password required.\r\n", "150 Opening data connection.\r\n",
	"226 Transfer complete.\r\n", "250-First line\r\n250 End\r\n", "500 Unknown command.\r\n",
	"PORT 10,0,0,9,0,22\r\n", "200 Type set to I; 227 Entering Passive Mode (10,0,0,9,0,22)\r\n",
	"211-Features:\r\n EPRT\r\n EPSV\r\n211 End\r\n", "\xff\xfe\x01200 NOOP ok.\r\n",
	"230 Login successful.\r\n", "257 \"/pub\" is the current directory.\r\n",
}

// hostileReplies are reply lines that the session replaces.
var hostileReplies = []string{
	"200 a\nb\r\n", "227 Entering Passive Mode (10,0,0,9,4,1)\n227 (1,2,3,4,5,6)\r\n",
	"250 " + strings.Repeat("x", propMaxLine) + "\r\n", "200 \x00\r\n",
}

// genCommand draws a command line: ordinary, passive, data-setup (valid or
// hostile) or refused.
var genCommand = rapid.Custom(func(t *rapid.T) string {
	switch rapid.IntRange(0, 9).Draw(t, "kind") {
	case 0, 1, 2:
		return rapid.SampledFrom(ordinaryCommands).Draw(t, "ordinary")
	case 3:
		return rapid.SampledFrom([]string{"PASV\r\n", "EPSV\r\n", "LPSV\r\n", "P@SW\r\n", "epsv 2\r\n"}).Draw(t, "passive")
	case 4, 5, 6:
		l := hostporttest.ValidLine(hostport.FormPORT, hostport.FormEPRT, hostport.FormLPRT).Draw(t, "data")
		return crlf(l.Text)
	case 7:
		l := hostporttest.HostileLine(hostport.FormPORT, hostport.FormEPRT, hostport.FormLPRT).Draw(t, "hostile data")
		return crlf(l.Text)
	default:
		return rapid.SampledFrom(hostileCommands).Draw(t, "refused")
	}
})

// genReply draws reply lines: ordinary, passive replies (valid or hostile)
// and lines that cannot be inspected.
var genReply = rapid.Custom(func(t *rapid.T) string {
	switch rapid.IntRange(0, 7).Draw(t, "kind") {
	case 0, 1, 2:
		return rapid.SampledFrom(ordinaryReplies).Draw(t, "ordinary")
	case 3, 4, 5:
		l := hostporttest.ValidLine(hostport.FormPASV, hostport.FormEPSV, hostport.FormLPSV).Draw(t, "passive")
		return crlf(l.Text)
	case 6:
		l := hostporttest.HostileLine(hostport.FormPASV, hostport.FormEPSV, hostport.FormLPSV).Draw(t, "hostile passive")
		return crlf(l.Text)
	default:
		return rapid.SampledFrom(hostileReplies).Draw(t, "refused")
	}
})

// genStreams draws a client stream that starts with USER and a server stream
// that starts with a greeting.
func genStreams(t *rapid.T, cmd, rep *rapid.Generator[string]) (cli, srv string) {
	cmds := rapid.SliceOfN(cmd, 0, 25).Draw(t, "commands")
	reps := rapid.SliceOfN(rep, 0, 25).Draw(t, "replies")
	return "USER anonymous\r\n" + strings.Join(cmds, ""), strings.Join(reps, "")
}

// chunks cuts s at the given fractions of its length.
func chunks(s string, cuts []int) []string {
	var out []string
	prev := 0
	for _, c := range cuts {
		c = c % (len(s) + 1)
		if c > prev {
			out = append(out, s[prev:c])
			prev = c
		}
	}
	if prev < len(s) {
		out = append(out, s[prev:])
	}
	return out
}

// result is what a session did with two streams.
type result struct {
	toServer, toClient string
	events             []alg.Event
	refused            int
}

// run feeds a session with cfg the server's greeting, then the client's
// stream cut into cliChunks, then the rest of the server's stream cut into
// srvChunks, and returns what it wrote.
func run(t tb, cfg alg.Config, greeting string, cliChunks, srvChunks []string) result {
	t.Helper()
	h := newHarness(t, cfg)
	defer h.stop()
	h.server(greeting)
	for _, ch := range cliChunks {
		h.client(ch)
	}
	for _, ch := range srvChunks {
		h.server(ch)
	}
	h.end(alg.ClientToServer)
	h.end(alg.ServerToClient)
	return result{h.toServer.take(), h.toClient.take(), h.hookEvents(), len(h.refusals())}
}

func identity(ev alg.Event) (alg.Rewrite, error) { return alg.Rewrite{}, nil }

// natCfg is a session that rewrites every address, so that rewriting shows in
// the output.
var natCfg = alg.Config{MaxLine: propMaxLine, ServerAddr: serverAddr, Hook: func(ev alg.Event) (alg.Rewrite, error) {
	return alg.Rewrite{Addr: netip.AddrPortFrom(publicAddr, ev.Addr.Port()^0x5555)}, nil
}}

// checkChunking: the same streams, cut anywhere, give the same output.
func checkChunking(t *rapid.T) {
	cli, srv := genStreams(t, genCommand, genReply)
	cut := rapid.SliceOfN(rapid.IntRange(0, 4000), 0, 12)
	whole := run(t, natCfg, "220 ready\r\n", []string{cli}, []string{srv})
	cliCuts, srvCuts := cut.Draw(t, "client cuts"), cut.Draw(t, "server cuts")
	bytewise := run(t, natCfg, "220 ready\r\n", chunks(cli, cliCuts), chunks(srv, srvCuts))
	if whole.toServer != bytewise.toServer {
		t.Fatalf("to the server:\nwhole   %q\nchunked %q", whole.toServer, bytewise.toServer)
	}
	if whole.toClient != bytewise.toClient {
		t.Fatalf("to the client:\nwhole   %q\nchunked %q", whole.toClient, bytewise.toClient)
	}
	if len(whole.events) != len(bytewise.events) || whole.refused != bytewise.refused {
		t.Fatalf("events %d and %d, refusals %d and %d", len(whole.events), len(bytewise.events), whole.refused, bytewise.refused)
	}
}

func TestChunking(t *testing.T) { rapid.Check(t, checkChunking) }

// TestOneByteChunks: the same, with every byte in a chunk of its own.
func TestOneByteChunks(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// result holds slices, so compare the fields.
		cli, srv := genStreams(t, rapid.SampledFrom(append(ordinaryCommands, "PASV\r\n", "PORT 10,0,0,5,4,1\r\n")),
			rapid.SampledFrom(append(ordinaryReplies, "227 Entering Passive Mode (10,0,0,9,4,1).\r\n")))
		whole := run(t, natCfg, "220 ready\r\n", []string{cli}, []string{srv})
		one := run(t, natCfg, "220 ready\r\n", strings.Split(cli, ""), strings.Split(srv, ""))
		if whole.toServer != one.toServer || whole.toClient != one.toClient {
			t.Fatalf("one byte at a time:\nto the server %q\nwant          %q\nto the client %q\nwant          %q",
				one.toServer, whole.toServer, one.toClient, whole.toClient)
		}
	})
}

// checkNoDataSetupUnchanged: streams without data-setup lines come out byte
// for byte identical, in both directions.
func checkNoDataSetupUnchanged(t *rapid.T) {
	cli, srv := genStreams(t, rapid.SampledFrom(ordinaryCommands), rapid.SampledFrom(ordinaryReplies))
	cut := rapid.SliceOfN(rapid.IntRange(0, 2000), 0, 8)
	r := run(t, natCfg, "220 ready\r\n", chunks(cli, cut.Draw(t, "client cuts")), chunks(srv, cut.Draw(t, "server cuts")))
	if r.toServer != cli {
		t.Fatalf("to the server %q, want %q", r.toServer, cli)
	}
	if r.toClient != "220 ready\r\n"+srv {
		t.Fatalf("to the client %q, want %q", r.toClient, "220 ready\r\n"+srv)
	}
	if len(r.events) != 0 || r.refused != 0 {
		t.Fatalf("%d events, %d refusals", len(r.events), r.refused)
	}
}

func TestNoDataSetupUnchanged(t *testing.T) { rapid.Check(t, checkNoDataSetupUnchanged) }

// exchange is a command, the server's reply and whether the session gives
// one of them to its hook.
type exchange struct {
	cmd, reply string
	event      bool
}

// genExchange draws a command and the server's reply to it, each canonical
// where it carries an address: data-setup commands as the hostport
// formatters write them, passive replies with the numbers as they write them
// inside the texts of real servers.
var genExchange = rapid.Custom(func(t *rapid.T) exchange {
	switch rapid.IntRange(0, 6).Draw(t, "kind") {
	case 0:
		return exchange{hostport.FormatPORT(hostporttest.HostPort().Draw(t, "hp")) + "\r\n", "200 PORT ok.\r\n", true}
	case 1:
		return exchange{hostport.FormatEPRT(hostporttest.AddrPort().Draw(t, "ap")) + "\r\n", "200 EPRT ok.\r\n", true}
	case 2:
		return exchange{hostport.FormatLPRT(hostporttest.AddrPort().Draw(t, "ap")) + "\r\n", "200 LPRT ok.\r\n", true}
	case 3:
		hp := hostporttest.HostPort().Draw(t, "hp")
		style := rapid.SampledFrom([]string{"Entering Passive Mode (%s).", "Entering Passive Mode (%s)",
			"Entering passive mode (%s).", "Entering Passive Mode %s", "=%s", "Data transfer will passively listen to %s"}).Draw(t, "style")
		return exchange{"PASV\r\n", "227 " + strings.Replace(style, "%s", hp.String(), 1) + "\r\n", true}
	case 4:
		port := hostporttest.Port().Draw(t, "port")
		d := rapid.SampledFrom([]string{"|", "!", "#", "("}).Draw(t, "delimiter")
		style := rapid.SampledFrom([]string{"Entering Extended Passive Mode (%s)", "Extended Passive mode OK (%s)",
			"Entering extended passive mode (%s)."}).Draw(t, "style")
		arg := d + d + d + strconv.Itoa(int(port)) + d
		return exchange{"EPSV\r\n", "229 " + strings.Replace(style, "%s", arg, 1) + "\r\n", true}
	case 5:
		ap := hostporttest.AddrPort().Draw(t, "ap")
		long := strings.TrimPrefix(hostport.FormatLPRT(ap), "LPRT ")
		return exchange{"LPSV\r\n", "228 Entering Long Passive Mode (" + long + ")\r\n", true}
	default:
		return exchange{rapid.SampledFrom(ordinaryCommands).Draw(t, "command"),
			rapid.SampledFrom([]string{"200 ok.\r\n", "250-a\r\n 250 (1,2,3,4,5,6)\r\n250 b\r\n"}).Draw(t, "reply"), false}
	}
})

// checkIdentityUnchanged: a hook that keeps every address changes nothing in
// canonical streams, however they are cut.
func checkIdentityUnchanged(t *rapid.T) {
	ex := rapid.SliceOfN(genExchange, 0, 25).Draw(t, "exchanges")
	cli, srv := "USER anonymous\r\n", "331 Password required.\r\n"
	want := 0
	for _, e := range ex {
		cli += e.cmd
		srv += e.reply
		if e.event {
			want++
		}
	}
	cut := rapid.SliceOfN(rapid.IntRange(0, 3000), 0, 8)
	cfg := alg.Config{MaxLine: propMaxLine, Hook: identity}
	r := run(t, cfg, "220 ready\r\n", chunks(cli, cut.Draw(t, "client cuts")), chunks(srv, cut.Draw(t, "server cuts")))
	if r.toServer != cli {
		t.Fatalf("to the server %q, want %q", r.toServer, cli)
	}
	if r.toClient != "220 ready\r\n"+srv {
		t.Fatalf("to the client %q, want %q", r.toClient, "220 ready\r\n"+srv)
	}
	if r.refused != 0 {
		t.Fatalf("%d refusals", r.refused)
	}
	if len(r.events) != want {
		t.Fatalf("%d events, want %d", len(r.events), want)
	}
}

func TestIdentityUnchanged(t *testing.T) { rapid.Check(t, checkIdentityUnchanged) }

// splitCRLF splits s after each CRLF; a rest without CRLF is the last line.
func splitCRLF(s string) []string {
	var out []string
	for s != "" {
		i := strings.Index(s, "\r\n")
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i+2])
		s = s[i+2:]
	}
	return out
}

// isCommandLine reports whether line is a PORT, EPRT or LPRT command that the
// hostport parsers read.
func isCommandLine(line string) bool {
	body := strings.TrimSuffix(line, "\r\n")
	_, e1 := hostport.ParsePORT(body)
	_, e2 := hostport.ParseEPRT(body)
	_, e3 := hostport.ParseLPRT(body)
	return strings.HasSuffix(line, "\r\n") && (e1 == nil || e2 == nil || e3 == nil)
}

// checkLinesKept: no line is merged with or split from its neighbours. Each
// line of the client's stream, as the framer splits it, reaches the server
// once, as it was or rewritten, or is refused; everything that reaches the
// server is a clean CRLF line. Each line of the server's stream reaches the
// client as one line: as it was, rewritten or replaced.
func checkLinesKept(t *rapid.T) {
	cli, srv := genStreams(t, genCommand, genReply)
	cut := rapid.SliceOfN(rapid.IntRange(0, 4000), 0, 8)
	// No reply of the session's own is due: the server is silent until the
	// client's stream has ended, and answers nothing but the greeting.
	r := run(t, natCfg, "220 ready\r\n", chunks(cli, cut.Draw(t, "client cuts")), nil)

	in := 0
	inLines := map[string]bool{}
	for _, l := range slowFrame([]byte(cli), propMaxLine) {
		if l.Flags&alg.More == 0 {
			in++
		}
		inLines[string(l.Bytes)] = true
	}
	out := splitCRLF(r.toServer)
	for _, l := range out {
		if f := bodyFlags([]byte(strings.TrimSuffix(l, "\r\n"))); f != 0 || !strings.HasSuffix(l, "\r\n") {
			t.Fatalf("line to the server is not clean: %q", l)
		}
		if !inLines[l] && !isCommandLine(l) && l != "PASV\r\n" {
			t.Fatalf("line to the server %q is neither a line of the client's nor a rewritten command", l)
		}
	}
	if len(out)+r.refused != in {
		t.Fatalf("%d lines to the server and %d refused, from %d lines:\n%q\n%q", len(out), r.refused, in, cli, r.toServer)
	}

	// The server's stream, with the client silent after USER: each line
	// gives one line.
	r = run(t, natCfg, "220 ready\r\n", []string{"USER anonymous\r\nPASV\r\nEPSV\r\nLPSV\r\n"}, chunks(srv, cut.Draw(t, "server cuts")))
	in = 0
	for _, l := range slowFrame([]byte(srv), propMaxLine) {
		if l.Flags&alg.More == 0 {
			in++
		}
	}
	if got := len(splitCRLF(r.toClient)) - 1; got != in {
		t.Fatalf("%d lines to the client from %d lines:\n%q\n%q", got, in, srv, r.toClient)
	}
}

func TestLinesKept(t *testing.T) { rapid.Check(t, checkLinesKept) }

// checkNotFTP: a client that does not start with an FTP command gets no
// data-setup line inspected, however its stream is cut.
func checkNotFTP(t *rapid.T) {
	pad := rapid.IntRange(0, 600).Draw(t, "pad")
	cli := "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 700\r\n\r\n" + strings.Repeat("A", pad) + "\r\nPORT 10,0,0,5,4,1\r\n"
	sizes := rapid.SampledFrom([][]int{{1}, {536}, nil}).Draw(t, "segment sizes")
	var ch []string
	if sizes == nil {
		ch = chunks(cli, rapid.SliceOfN(rapid.IntRange(0, 800), 0, 8).Draw(t, "cuts"))
	} else {
		for s := cli; s != ""; {
			n := min(sizes[0], len(s))
			ch, s = append(ch, s[:n]), s[n:]
		}
	}
	for _, pass := range []bool{false, true} {
		h := newHarness(t, alg.Config{Hook: natHook, PassNonFTP: pass})
		for _, c := range ch {
			h.client(c)
			if h.cliDone {
				break
			}
		}
		h.end(alg.ClientToServer)
		h.stop()
		if n := len(h.hookEvents()); n != 0 {
			t.Fatalf("PassNonFTP %v: %d hook events", pass, n)
		}
		got := h.toServer.take()
		if want := map[bool]string{false: "", true: cli}[pass]; got != want {
			t.Fatalf("PassNonFTP %v: to the server %q, want %q", pass, got, want)
		}
	}
}

func TestNotFTP(t *testing.T) { rapid.Check(t, checkNotFTP) }

package alg_test

import (
	"bytes"
	"flag"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/alg"
)

// This file models how five FTP servers read a command line, from their
// sources (vsftpd 3.0: ftpcmdio.c; ProFTPD 1.3.8: netio.c
// pr_netio_telnet_gets2, main.c make_ftp_cmd, str.c pr_str_get_word;
// Pure-FTPd 1.0.50: ftp_parser.c sfgets and parser; pyftpdlib 1.5:
// handlers.py FTPHandler.found_terminator; GNU inetutils ftpd: ftpd.c
// telnet_fgets, ftpcmd.y yylex). The models are slow and plain on purpose:
// they are the reference that the session's own reading is checked against.
//
//	                 line ends at   Telnet      blanks before verb    verb ends at           case
//	vsftpd           LF             none        none (empty verb)     space                  ASCII
//	ProFTPD 1.3.8    CRLF           see below   line refused          space \t \v \f \r \n NUL ASCII
//	ProFTPD ≤ 1.3.5  CRLF           see below   skipped (\t\v\f sp)   space \t \v \f \r \n NUL ASCII
//	Pure-FTPd        LF             none        line ignored          space or end; other    ASCII
//	                                                                  non-alnum: ignored
//	pyftpdlib        CRLF           none        empty verb            space                  Unicode
//	inetutils ftpd   LF; cut at CR  see below   verb is 4 bytes       space, CR, LF (NUL:    ASCII
//	                                                                  stale length)
//
// Telnet: ProFTPD drops IAC WILL/WONT/DO/DONT and their option, IAC IP and
// IAC DM, reads IAC IAC as 0xFF and keeps IAC with any other byte; inetutils
// drops the option negotiations and IAC with any other byte. Control bytes:
// vsftpd reads NUL as LF inside the line; Pure-FTPd turns every control byte
// (and 0x80–0x9F) into '_'; ProFTPD and inetutils end the string at NUL.
// pyftpdlib decodes UTF-8 (bad bytes become U+FFFD) and upper-cases with
// Python's str.upper, so "paſv" is PASV.

// ftpCmd is a command as a server reads it: the verb in upper case and the
// argument.
type ftpCmd struct{ verb, arg string }

// serverModel reads a stream of command bytes as one server does and returns
// the commands it reads, one per line it sees; a line it ignores or rejects
// gives no command.
type serverModel struct {
	name string
	read func(stream []byte) []ftpCmd
}

var serverModels = []serverModel{
	{"vsftpd", readVsftpd},
	{"ProFTPD 1.3.8", func(b []byte) []ftpCmd { return readProFTPD(b, false) }},
	{"ProFTPD 1.3.5", func(b []byte) []ftpCmd { return readProFTPD(b, true) }},
	{"Pure-FTPd", readPureFTPd},
	{"pyftpdlib", readPyftpdlib},
	{"inetutils", readInetutils},
}

// cIsSpace is isspace in the C locale.
func cIsSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// splitLF cuts a stream at each LF; the bytes after the last LF are not a
// line yet.
func splitLF(b []byte) [][]byte {
	var out [][]byte
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return out
		}
		out = append(out, b[:i])
		b = b[i+1:]
	}
}

func readVsftpd(stream []byte) []ftpCmd {
	var out []ftpCmd
	for _, l := range splitLF(stream) {
		l = bytes.ReplaceAll(l, []byte{0}, []byte{'\n'})
		l = bytes.TrimSuffix(l, []byte{'\r'})
		verb, arg, _ := strings.Cut(string(l), " ")
		out = append(out, ftpCmd{asciiUpper(verb), arg})
	}
	return out
}

func readProFTPD(stream []byte, skipLeading bool) []ftpCmd {
	var out []ftpCmd
	var line []byte
	for i := 0; i < len(stream); i++ {
		c := stream[i]
		if c == '\n' && i > 0 && stream[i-1] == '\r' {
			// The CR was copied: the line ends here.
			line = bytes.TrimSuffix(line, []byte{'\r'})
			if cmd, ok := proftpdCommand(line, skipLeading); ok {
				out = append(out, cmd)
			}
			line = line[:0]
			continue
		}
		if c == 0xff && i+1 < len(stream) {
			switch n := stream[i+1]; n {
			case 0xfb, 0xfc, 0xfd, 0xfe: // WILL WONT DO DONT and the option
				i += 2
				continue
			case 0xf4, 0xf2: // IP, DM
				i++
				continue
			case 0xff:
				line = append(line, 0xff)
				i++
				continue
			default:
				line = append(line, 0xff, n)
				i++
				continue
			}
		}
		line = append(line, c)
	}
	return out
}

func proftpdCommand(line []byte, skipLeading bool) (ftpCmd, bool) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i] // a C string
	}
	line = bytes.TrimPrefix(line, []byte{'\r'})
	if len(line) > 0 && cIsSpace(line[0]) && !skipLeading {
		return ftpCmd{}, false
	}
	for len(line) > 0 && cIsSpace(line[0]) {
		line = line[1:]
	}
	j := 0
	for j < len(line) && !cIsSpace(line[j]) {
		j++
	}
	if j == 0 {
		return ftpCmd{}, false
	}
	arg := line[j:]
	if len(arg) > 0 {
		arg = arg[1:]
	}
	return ftpCmd{asciiUpper(string(line[:j])), string(arg)}, true
}

func readPureFTPd(stream []byte) []ftpCmd {
	var out []ftpCmd
	for _, l := range splitLF(stream) {
		l = bytes.Clone(l)
		cr := len(l) > 0 && l[len(l)-1] == '\r'
		for i, c := range l {
			if c == 0x7f || c&0x60 == 0 {
				l[i] = '_'
			}
		}
		if cr {
			l = l[:len(l)-1]
		}
		n := 0
		for n < len(l) && (isAlnum(l[n]) || l[n] == '@') {
			n++
		}
		if n == 0 {
			continue // ignored
		}
		var arg []byte
		switch {
		case n == len(l):
		case cIsSpace(l[n]):
			arg = l[n+1:]
		default:
			continue // ignored
		}
		out = append(out, ftpCmd{asciiUpper(string(l[:n])), string(arg)})
	}
	return out
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// pyUpperSpecial are the characters whose upper case in Python (Unicode's
// SpecialCasing) is ASCII letters and differs from their simple upper case.
var pyUpperSpecial = map[rune]string{
	'ß': "SS", 'ﬀ': "FF", 'ﬁ': "FI", 'ﬂ': "FL", 'ﬃ': "FFI", 'ﬄ': "FFL", 'ﬅ': "ST", 'ﬆ': "ST",
}

// pyUpper is Python's str.upper, as far as it matters here: the characters
// whose upper case is ASCII come out right.
func pyUpper(s string) string {
	var b strings.Builder
	for _, r := range s {
		if u, ok := pyUpperSpecial[r]; ok {
			b.WriteString(u)
			continue
		}
		b.WriteString(strings.ToUpper(string(r)))
	}
	return b.String()
}

// pyDecode decodes UTF-8 as Python does with errors="replace", as far as
// it matters here: each byte that starts no valid sequence becomes U+FFFD.
func pyDecode(b []byte) string {
	var s strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		s.WriteRune(r)
		b = b[n:]
	}
	return s.String()
}

func readPyftpdlib(stream []byte) []ftpCmd {
	var out []ftpCmd
	for {
		i := bytes.Index(stream, []byte("\r\n"))
		if i < 0 {
			return out
		}
		line := pyDecode(stream[:i])
		stream = stream[i+2:]
		verb, arg, _ := strings.Cut(line, " ")
		out = append(out, ftpCmd{pyUpper(verb), arg})
	}
}

func readInetutils(stream []byte) []ftpCmd {
	var out []ftpCmd
	var line []byte
	for i := 0; i < len(stream); i++ {
		c := stream[i]
		if c == 0xff && i+1 < len(stream) {
			switch stream[i+1] {
			case 0xfb, 0xfc, 0xfd, 0xfe:
				i += 2
			case 0xff:
				line = append(line, 0xff)
				i++
			default:
				i++ // the command is ignored
			}
			continue
		}
		line = append(line, c)
		if c != '\n' {
			continue
		}
		if j := bytes.IndexByte(line, '\r'); j >= 0 {
			line = append(line[:j], '\n')
		}
		if j := bytes.IndexByte(line, 0); j >= 0 {
			line = line[:j] // a C string
		}
		cpos := bytes.IndexAny(line, " \n")
		var verbs []string
		switch {
		case cpos > 0:
			verbs = []string{string(line[:cpos])}
		case cpos == 0:
			verbs = []string{string(line[:min(4, len(line))])}
		default:
			// No space nor LF before the NUL: the length of the
			// previous command's verb is used. Any is possible.
			for n := 1; n <= len(line); n++ {
				verbs = append(verbs, string(line[:n]))
			}
		}
		for _, v := range verbs {
			arg := ""
			if len(v) < len(line) {
				arg = strings.TrimSuffix(string(line[len(v)+1:]), "\n")
			}
			out = append(out, ftpCmd{asciiUpper(v), arg})
		}
		line = line[:0]
	}
	return out
}

// dataVerbs are the verbs that set up a data connection.
var dataVerbs = map[string]hostport.Form{
	"PORT": hostport.FormPORT, "EPRT": hostport.FormEPRT, "LPRT": hostport.FormLPRT,
	"PASV": hostport.FormPASV, "P@SW": hostport.FormPASV, "EPSV": hostport.FormEPSV, "LPSV": hostport.FormLPSV,
}

// isCommand reports whether f is one of the commands PORT, EPRT and LPRT.
func isCommand(f hostport.Form) bool {
	return f == hostport.FormPORT || f == hostport.FormEPRT || f == hostport.FormLPRT
}

// serversRead returns the data-setup commands that any of the surveyed
// servers reads in stream, with the name of the first server that does.
func serversRead(stream []byte) (form hostport.Form, all bool, server string) {
	for _, m := range serverModels {
		for _, c := range m.read(stream) {
			f, ok := dataVerbs[c.verb]
			if !ok {
				continue
			}
			if f == hostport.FormEPSV && strings.EqualFold(strings.TrimSpace(c.arg), "ALL") {
				all = true
			}
			if form == 0 || isCommand(f) && !isCommand(form) {
				form, server = f, m.name
			}
		}
	}
	return form, all, server
}

// surveyRows are the line shapes of the survey: what each server reads in
// them, and what the session does.
type surveyRow struct {
	line  string    // without its CRLF
	reads [6]string // the verb that each of serverModels reads, in order; "" for none
	want  outcome
}

// outcome is what the session does with a command line.
type outcome int

const (
	passed      outcome = iota + 1 // forwarded unchanged, no event
	regenerated                    // PORT, EPRT or LPRT: the hook saw it; canonical line forwarded
	passive                        // PASV, EPSV or LPSV: canonical line forwarded; the reply is matched
	epsvAll                        // EPSV ALL forwarded as "EPSV ALL"
	refused                        // nothing forwarded; a 5xx to the client
)

func (o outcome) String() string {
	return [...]string{"?", "passed", "regenerated", "passive", "EPSV ALL", "refused"}[o]
}

var surveyRows = []surveyRow{
	{"PORT 10,0,0,5,4,1", [6]string{"PORT", "PORT", "PORT", "PORT", "PORT", "PORT"}, regenerated},
	{"port 10,0,0,5,4,1", [6]string{"PORT", "PORT", "PORT", "PORT", "PORT", "PORT"}, regenerated},
	{"PASV", [6]string{"PASV", "PASV", "PASV", "PASV", "PASV", "PASV"}, passive},
	{"pasv", [6]string{"PASV", "PASV", "PASV", "PASV", "PASV", "PASV"}, passive},
	{"P@SW", [6]string{"P@SW", "P@SW", "P@SW", "P@SW", "P@SW", "P@SW"}, passive},
	{"EPSV", [6]string{"EPSV", "EPSV", "EPSV", "EPSV", "EPSV", "EPSV"}, passive},
	{"EPSV ALL", [6]string{"EPSV", "EPSV", "EPSV", "EPSV", "EPSV", "EPSV"}, epsvAll},
	// The report's lines: VT and FF end ProFTPD's verb, and Pure-FTPd ignores
	// the line (it reads every control byte as '_').
	{"PORT\v127,0,0,1,227,27", [6]string{"PORT\v127,0,0,1,227,27", "PORT", "PORT", "", "PORT\v127,0,0,1,227,27", "PORT\v127,0,0,1,227,27"}, refused},
	{"EPRT\f|1|127.0.0.1|2000|", [6]string{"EPRT\f|1|127.0.0.1|2000|", "EPRT", "EPRT", "", "EPRT\f|1|127.0.0.1|2000|", "EPRT\f|1|127.0.0.1|2000|"}, refused},
	{"PASV\v", [6]string{"PASV\v", "PASV", "PASV", "", "PASV\v", "PASV\v"}, passive},
	{"EPSV\fALL", [6]string{"EPSV\fALL", "EPSV", "EPSV", "", "EPSV\fALL", "EPSV\fALL"}, epsvAll},
	{"LPSV\t", [6]string{"LPSV\t", "LPSV", "LPSV", "", "LPSV\t", "LPSV\t"}, passive},
	// A tab ends only ProFTPD's verb. The hostport parsers want one space.
	{"PORT\t10,0,0,5,4,1", [6]string{"PORT\t10,0,0,5,4,1", "PORT", "PORT", "", "PORT\t10,0,0,5,4,1", "PORT\t10,0,0,5,4,1"}, refused},
	// Blanks before the verb: ProFTPD before 1.3.6 skips them; inetutils
	// then takes the first four bytes for the verb.
	{" PASV", [6]string{"", "", "PASV", "", "", " PAS"}, passive},
	{"\vPORT 10,0,0,5,4,1", [6]string{"\vPORT", "", "PORT", "", "\vPORT", "\vPORT"}, regenerated},
	{" PORT 10,0,0,5,4,1", [6]string{"", "", "PORT", "", "", " POR"}, regenerated},
	// pyftpdlib upper-cases in Unicode: U+017F is S.
	{"PAſV", [6]string{"PAſV", "PAſV", "PAſV", "", "PASV", "PAſV"}, passive},
	{"epſv", [6]string{"EPſV", "EPſV", "EPſV", "", "EPSV", "EPſV"}, passive},
	// Telnet in the verb: ProFTPD and inetutils drop option negotiations;
	// inetutils also drops IAC NOP, which ProFTPD keeps: refused.
	{"PO\xff\xfb\x01RT 10,0,0,5,4,1", [6]string{"PO\xff\xfb\x01RT", "PORT", "PORT", "", "PO\ufffd\ufffd\x01RT", "PORT"}, regenerated},
	{"PA\xff\xfb\x01SV", [6]string{"PA\xff\xfb\x01SV", "PASV", "PASV", "", "PA\ufffd\ufffd\x01SV", "PASV"}, passive},
	{"PA\xff\xf1SV", [6]string{"PA\xff\xf1SV", "PA\xff\xf1SV", "PA\xff\xf1SV", "", "PA\ufffd\ufffdSV", "PASV"}, refused},
	// NUL, bare CR and bare LF end the verb or the line for some: refused.
	{"PASV\x00x", [6]string{"PASV\nX", "PASV", "PASV", "", "PASV\x00X", "PASV"}, refused},
	{"NOOP\rPASV", [6]string{"NOOP\rPASV", "NOOP", "NOOP", "", "NOOP\rPASV", "NOOP"}, refused},
	{"NOOP\nPASV", [6]string{"PASV", "NOOP", "NOOP", "PASV", "NOOP\nPASV", "PASV"}, refused},
	// Other bytes after the verb make an unknown verb everywhere.
	{"PORT,10,0,0,5,4,1", [6]string{"PORT,10,0,0,5,4,1", "PORT,10,0,0,5,4,1", "PORT,10,0,0,5,4,1", "", "PORT,10,0,0,5,4,1", "PORT,10,0,0,5,4,1"}, passed},
	{"PORTX 1,2,3,4,5,6", [6]string{"PORTX", "PORTX", "PORTX", "PORTX", "PORTX", "PORTX"}, passed},
	{"PASV_", [6]string{"PASV_", "PASV_", "PASV_", "", "PASV_", "PASV_"}, passed},
	{"PASVV", [6]string{"PASVV", "PASVV", "PASVV", "PASVV", "PASVV", "PASVV"}, passed},
	{"NOOP", [6]string{"NOOP", "NOOP", "NOOP", "NOOP", "NOOP", "NOOP"}, passed},
	// Trailing blanks.
	{"PASV ", [6]string{"PASV", "PASV", "PASV", "PASV", "PASV", "PASV"}, passive},
}

// verbOf returns the first command that model reads in line, or "".
func verbOf(m serverModel, line string) string {
	cmds := m.read([]byte(line))
	if len(cmds) == 0 {
		return ""
	}
	// For a line that a server reads as two (a bare LF), the data-setup
	// one, if any, is what matters.
	for _, c := range cmds {
		if _, ok := dataVerbs[c.verb]; ok {
			return c.verb
		}
	}
	return cmds[0].verb
}

var printSurvey = flag.Bool("survey", false, "print what each modelled server reads in each line of TestSurvey")

// TestSurvey pins what each modelled server reads in each line shape, and
// checks that the session handles the line as wanted.
func TestSurvey(t *testing.T) {
	for _, row := range surveyRows {
		line := row.line + "\r\n"
		for i, m := range serverModels {
			t.Run(m.name+"/"+row.line, func(t *testing.T) {
				got, want := verbOf(m, line), row.reads[i]
				if got != want {
					t.Errorf("%s reads %q in %q, the survey says %q", m.name, got, line, want)
				}
				if *printSurvey {
					fmt.Printf("%-16s %-28q %q\n", m.name, row.line, got)
				}
			})
		}
		t.Run("session/"+row.line, func(t *testing.T) {
			got := sessionOutcome(t, []byte(line))
			if got != row.want {
				t.Errorf("session: %q is %v, want %v", line, got, row.want)
			}
			checkRecognised(t, []byte(line))
		})
	}
}

// sessionOutcome runs line through a session after a login and says what
// happened to it.
func sessionOutcome(t *testing.T, line []byte) outcome {
	t.Helper()
	h := newHarness(t, alg.Config{MaxLine: propMaxLine, ServerAddr: serverAddr})
	h.server("220 ready\r\n")
	h.client("USER a\r\n")
	h.server("331 ok\r\n")
	h.toServer.take()
	h.toClient.take()
	h.client(string(line))
	up, down := h.toServer.take(), h.toClient.take()
	form, _, _ := serversRead([]byte(up))
	switch {
	case up == "" && strings.HasPrefix(down, "5"):
		return refused
	case up == string(line) && len(h.hookEvents()) == 0 && form == 0:
		return passed
	case len(h.hookEvents()) == 1 && isCommandLine(up):
		return regenerated
	case strings.EqualFold(up, "EPSV ALL\r\n"):
		return epsvAll
	case form != 0 && !isCommand(form):
		h.server(replyFor(form))
		if len(h.hookEvents()) == 1 {
			return passive
		}
	}
	t.Logf("to the server %q, to the client %q, events %v", up, down, h.hookEvents())
	return 0
}

// replyFor returns the reply that answers a passive command of form f.
func replyFor(f hostport.Form) string {
	switch f {
	case hostport.FormPASV:
		return "227 Entering Passive Mode (10,0,0,9,4,1).\r\n"
	case hostport.FormEPSV:
		return "229 Entering Extended Passive Mode (|||1025|)\r\n"
	default:
		return "228 Entering Long Passive Mode (4,4,10,0,0,9,2,4,1)\r\n"
	}
}

// checkRecognised is the property: no line that a surveyed server reads as a
// data-setup command reaches the server unchecked. The line is refused (the
// client gets a 5xx reply and the server nothing), or it is a PORT, EPRT or
// LPRT that the hook saw and that reaches the server regenerated, or a
// passive command that reaches the server in a form that every surveyed
// server reads alike and whose reply the session matches and gives its
// hook (or EPSV ALL, which has no address reply).
func checkRecognised(t tb, line []byte) {
	t.Helper()
	if i := bytes.Index(line, []byte("\r\n")); i >= 0 && i != len(line)-2 {
		return // more than one line: each is checked on its own
	}
	if !bytes.HasSuffix(line, []byte("\r\n")) {
		line = append(bytes.Clone(line), '\r', '\n')
	}
	form, all, server := serversRead(line)
	if form == 0 {
		return
	}
	h := newHarness(t, alg.Config{MaxLine: propMaxLine, ServerAddr: serverAddr})
	defer h.stop()
	h.server("220 ready\r\n")
	h.client("USER a\r\n")
	h.server("331 ok\r\n")
	h.toServer.take()
	h.toClient.take()
	h.client(string(line))
	up, down := h.toServer.take(), h.toClient.take()
	if up == "" {
		if !strings.HasPrefix(down, "5") {
			t.Fatalf("%q (%s reads %v): nothing to the server, %q to the client", line, server, form, down)
		}
		return
	}
	if isCommand(form) {
		if evs := h.hookEvents(); len(evs) != 1 || evs[0].Dir != alg.ClientToServer || !isCommandLine(up) {
			t.Fatalf("%q (%s reads %v) reached the server as %q unchecked (events %v)", line, server, form, up, evs)
		}
		return
	}
	// The line that reached the server: every server must read it as the
	// same passive command, or as none.
	for _, m := range serverModels {
		for _, c := range m.read([]byte(up)) {
			if f, ok := dataVerbs[c.verb]; ok && f != form {
				t.Fatalf("%q (%s reads %v) reached the server as %q, which %s reads as %s", line, server, form, up, m.name, c.verb)
			}
		}
	}
	if all {
		return // EPSV ALL: the session may take it so
	}
	h.server(replyFor(form))
	if evs := h.hookEvents(); len(evs) != 1 || evs[0].Dir != alg.ServerToClient {
		t.Fatalf("%q (%s reads %v) reached the server as %q; the reply %q was not matched (events %v)",
			line, server, form, up, replyFor(form), evs)
	}
}

// FuzzCommandVerb checks checkRecognised for any line.
func FuzzCommandVerb(f *testing.F) {
	for _, row := range surveyRows {
		f.Add([]byte(row.line))
	}
	for _, s := range []string{"PASV\v\v", "\f\tEPSV 2", "lpſv", "P@SW\f", "EPSV\vall", "PASV\xff\xf4", "AUTH\vTLS"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		checkRecognised(t, line)
	})
}

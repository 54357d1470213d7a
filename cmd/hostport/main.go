/*
Hostport converts FTP host-port encodings to addresses and back.

Given a line from an FTP control connection, it prints the address the line
carries; given an address with port, it prints every line that can carry it.
It reads what package [github.com/ftpkit/hostport] parses: PORT, EPRT and
LPRT commands, 227, 228 and 229 replies and their text without the code, and
the bare arguments of the commands.

Usage:

	hostport [-form FORM] [LINE | ADDR]...
	hostport annotate [FILE]...
	hostport trace [-json] [-max-conns N] FILE
	hostport probe [flags] ftp://[user[:password]@]host[:port]/[path]
	hostport help [COMMAND]

Each argument is a LINE or an ADDR. With no arguments, hostport reads them
from standard input, one per line, and skips blank lines. Spaces and tabs
around an argument or a line are ignored, and so is a final "\r\n" or "\n".

A LINE is a PORT, EPRT or LPRT command (the verb in any case), a 227, 228 or
229 reply (the code, then a space or '-'), the text of such a reply without
its code, or a bare argument: a list of numbers, or an EPRT argument, which
starts with its delimiter. A list of nine numbers whose first is 4, or of 21
whose first is 6, is an LPRT argument; any other list is a six-number
host-port. Reply text with a list of numbers is read as the text of a 227
reply, or of a 228 reply if the list has the length of an LPRT argument; text
with '(' and three identical delimiters as that of a 229 reply. For each
LINE, hostport prints the address and port it carries:

	$ hostport 'PORT 10,2,0,2,4,31' 'EPRT |2|2001:db8::1|5282|'
	10.2.0.2:1055
	[2001:db8::1]:5282

A 229 reply carries only a port, since the client connects to the host of
its control connection; hostport prints it after an empty host:

	$ hostport '229 Entering Extended Passive Mode (|||6446|)'
	:6446

An ADDR is an IP address and port, such as 192.0.2.1:1025 or
[2001:db8::1]:5282. For each ADDR, hostport prints every line that can carry
it, one per line: for IPv4 the bare host-port, PORT, the 227 reply, EPRT, the
229 reply, LPRT and the 228 reply; for IPv6 EPRT, the 229 reply, LPRT and the
228 reply. An empty line separates these lines from the results of the
other arguments:

	$ hostport '[2001:db8::1]:5282' 'PORT 10,2,0,2,4,31'
	EPRT |2|2001:db8::1|5282|
	229 Entering Extended Passive Mode (|||5282|)
	LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162
	228 Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162)

	10.2.0.2:1055

With -form, hostport prints one form instead, for each ADDR and for the
address of each LINE, which converts one form into another:

	$ hostport -form EPRT 'PORT 10,2,0,2,4,31' 192.0.2.1:1025
	EPRT |1|10.2.0.2|1055|
	EPRT |1|192.0.2.1|1025|

Standard output carries only these results. A LINE or ADDR that does not
convert is reported on standard error, with the parser's message for a LINE,
and hostport goes on with the next one. A line of standard input is named by
its number:

	line 3: hostport.ParsePORT: parsing "PORT 10,2,0,2,4,310": p2 310 out of range [0,255] at offset 16

A line of standard input longer than 1 MiB is an error too.

The annotate subcommand copies a log or a trace, adding to each line that
carries a data address a comment with the address it decodes to; the trace
subcommand reads a pcap or pcapng capture and reports each data-channel
negotiation of the FTP control connections in it; the probe subcommand
tests a live FTP server's data modes and says what to fix. "hostport help
annotate", "hostport help trace" and "hostport help probe" describe them.

The flags are:

	-form FORM
		Print only FORM: hostport (the bare six numbers), PORT, PASV or 227,
		EPRT, EPSV or 229, LPRT, LPSV or 228, in any case.
	-h
		Print a usage message on standard output and exit 0.

Flags may come before, between or after the arguments. Put -- before the
arguments that start with '-': every argument after it is a LINE or ADDR.

The exit status is 0 if every LINE and ADDR was converted, 1 if any failed,
and 2 for a usage error such as an unknown flag.
*/
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/ftpkit/hostport"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0 // every line converted
	exitFail  = 1 // a line did not parse, or I/O failed
	exitUsage = 2 // bad flags, as the flag package's own code
)

// maxLine is the longest line read from standard input; longer lines are
// reported as errors and skipped.
const maxLine = 1 << 20

const usageText = `usage: hostport [-form FORM] [LINE | ADDR]...
       hostport annotate [FILE]...
       hostport trace [-json] [-max-conns N] FILE
       hostport probe [flags] ftp://[user[:password]@]host[:port]/[path]
       hostport help [COMMAND]

Prints the address each FTP line carries (PORT, EPRT or LPRT command, 227,
228 or 229 reply or its text, or a bare argument), or every line that can
carry an address with port (192.0.2.1:1025, [2001:db8::1]:5282). With no
arguments, reads them from standard input, one per line.

flags:
  -form FORM	print only FORM for each address: hostport, PORT, PASV or 227,
		EPRT, EPSV or 229, LPRT, LPSV or 228
  -h		print this message and exit

Flags may come anywhere; after --, every argument is a LINE or ADDR.

commands:
  annotate	append the address to each line of a log that carries one
  trace		report the data-channel negotiations in a capture
  probe		test an FTP server's data modes live and say what to fix
  help		print the usage of a command
`

// run is the command: it hands a subcommand to its own function, or converts
// the arguments, or the lines of stdin if there are none, writes the results
// to stdout and the errors to stderr, and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "annotate":
			return runAnnotate(args[1:], stdin, stdout, stderr)
		case "trace":
			return runTrace(args[1:], stdin, stdout, stderr)
		case "probe":
			return runProbe(args[1:], stdin, stdout, stderr)
		case "help":
			return runHelp(args[1:], stdout, stderr)
		}
	}

	fs := flag.NewFlagSet("hostport", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // the usage goes to stdout for -h, to stderr after errors, below
	var form outForm
	fs.Var(&form, "form", "print only `FORM`")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usageText)
			return exitOK
		}
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}

	c := converter{stdout: stdout, stderr: stderr, form: form}
	if fs.NArg() > 0 {
		for _, arg := range fs.Args() {
			if !c.handle("", arg) {
				return exitFail
			}
		}
		return c.code()
	}

	lr := newLineReader(stdin, maxLine+1) // room for the '\n'
	for n := 1; ; n++ {
		b, long, err := lr.next()
		if len(b) == 0 && err != nil {
			break // the end, or a failure, between lines
		}
		where := "line " + strconv.Itoa(n) + ": "
		if long {
			c.fail(fmt.Sprintf("%shostport: longer than %d bytes", where, maxLine))
			for lr.inLong() {
				_, _, err = lr.next()
			}
		} else {
			// The line without its "\n" and one CR before it.
			b = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte{'\n'}), []byte{'\r'})
			if line := string(b); strings.Trim(line, " \t") != "" && !c.handle(where, line) {
				return exitFail
			}
		}
		if err != nil {
			break
		}
	}
	if lr.err != io.EOF {
		c.fail("hostport: reading standard input: " + lr.err.Error())
	}
	return c.code()
}

// runHelp is the help command: it prints the usage of the command named in
// args, or of hostport, on stdout.
func runHelp(args []string, stdout, stderr io.Writer) int {
	if len(args) > 1 {
		fmt.Fprint(stderr, "usage: hostport help [COMMAND]\n")
		return exitUsage
	}
	text := usageText
	if len(args) == 1 {
		switch args[0] {
		case "annotate":
			text = annotateUsage
		case "trace":
			text = traceUsage
		case "probe":
			text = probeUsage
		case "help":
		default:
			fmt.Fprintf(stderr, "hostport help: unknown command %s: want annotate, trace, probe or help\n", quote(args[0]))
			return exitUsage
		}
	}
	if _, err := io.WriteString(stdout, text); err != nil {
		fmt.Fprintf(stderr, "hostport: writing standard output: %v\n", err)
		return exitFail
	}
	return exitOK
}

// parseFlags parses args with fs, as fs.Parse does, except that flags may
// come after or between the other arguments, as in "hostport trace cap.pcap
// -json". The arguments after "--" are not flags, whatever they look like.
// Afterwards fs.Args returns the arguments that are not flags, in order.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		left := fs.Args()
		if len(left) == 0 {
			break
		}
		// fs.Parse stopped at a non-flag argument, or just after "--",
		// which it drops.
		if stop := len(args) - len(left) - 1; stop >= 0 && args[stop] == "--" {
			rest = append(rest, left...)
			break
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
	// Parse once more, so that fs.Args returns them all.
	return fs.Parse(append([]string{"--"}, rest...))
}

// An outForm is what -form asks for: the lines of one form, or the bare six
// numbers; the zero outForm asks for every form that can carry the address.
type outForm struct {
	form hostport.Form
	bare bool // the bare six numbers, h1,h2,h3,h4,p1,p2
}

// outFormNames maps the names that -form accepts, in upper case, to forms:
// "HOSTPORT", and each form's verb and its String ("PASV" and "227").
var outFormNames = func() map[string]outForm {
	m := map[string]outForm{"HOSTPORT": {bare: true}}
	for f := hostport.FormPORT; f <= hostport.FormLPSV; f++ {
		m[f.Verb()] = outForm{form: f}
		m[f.String()] = outForm{form: f}
	}
	return m
}()

// String returns the name of f: "hostport", or what starts a line of the
// form ("PORT", "227"), or "" for every form.
func (f outForm) String() string {
	switch {
	case f.bare:
		return "hostport"
	case f.form == 0:
		return ""
	}
	return f.form.String()
}

// Set sets f from the name of a form, in any case.
func (f *outForm) Set(name string) error {
	v, ok := outFormNames[strings.ToUpper(name)]
	if !ok {
		return fmt.Errorf("unknown form %s: want hostport, PORT, PASV or 227, EPRT, EPSV or 229, LPRT, LPSV or 228", quote(name))
	}
	*f = v
	return nil
}

// converter converts lines and addresses and keeps track of failures.
type converter struct {
	stdout, stderr io.Writer
	form           outForm // what to print for each result
	failed         bool
	printed        bool // a result was printed
	lastMulti      bool // the last result printed was several lines
}

// code returns the exit code for the lines converted so far.
func (c *converter) code() int {
	if c.failed {
		return exitFail
	}
	return exitOK
}

// fail reports msg on stderr and records the failure.
func (c *converter) fail(msg string) {
	c.failed = true
	fmt.Fprintln(c.stderr, msg)
}

// handle prints what s converts to, or reports why it does not convert,
// after where ("line 3: ", or "" for an argument). An empty line separates
// a result of several lines from the results before and after it. handle
// returns false if stdout cannot be written, when there is no point in
// going on.
func (c *converter) handle(where, s string) bool {
	out, err := c.convert(s)
	if err != nil {
		c.fail(where + err.Error())
		return true
	}
	multi := len(out) > 1
	if c.printed && (multi || c.lastMulti) {
		out = append([]string{""}, out...)
	}
	c.printed, c.lastMulti = true, multi
	if _, err := io.WriteString(c.stdout, strings.Join(out, "\n")+"\n"); err != nil {
		c.fail("hostport: writing standard output: " + err.Error())
		return false
	}
	return true
}

// A result is what a LINE or an ADDR converts to.
type result struct {
	ap       netip.AddrPort
	portOnly bool // a 229 reply: ap has the port and no address
	addr     bool // an ADDR, whose every form is printed unless -form
}

// convert returns the lines to print for s, a LINE or an ADDR, or an error:
// the parser's own for a LINE, one starting "hostport: " otherwise.
func (c *converter) convert(s string) ([]string, error) {
	r, err := parse(s)
	if err != nil {
		return nil, err
	}
	switch {
	case c.form != outForm{}:
		line, err := format(r, c.form)
		if err != nil {
			return nil, err
		}
		return []string{line}, nil
	case r.addr:
		return forms(r.ap), nil
	case r.portOnly:
		return []string{":" + strconv.Itoa(int(r.ap.Port()))}, nil
	}
	return []string{r.ap.String()}, nil
}

// format returns the line of form f that carries r.
func format(r result, f outForm) (string, error) {
	if r.portOnly && f.form != hostport.FormEPSV {
		return "", fmt.Errorf("hostport: a 229 reply carries a port and no address, so it has no %s form", f)
	}
	if f.bare || f.form == hostport.FormPORT || f.form == hostport.FormPASV {
		hp, err := hostport.FromAddrPort(r.ap)
		switch {
		case err != nil:
			return "", fmt.Errorf("hostport: %s: the %s form carries IPv4 addresses only", r.ap, f)
		case f.bare:
			return hp.String(), nil
		case f.form == hostport.FormPORT:
			return hostport.FormatPORT(hp), nil
		}
		return hostport.FormatPASV(hp), nil
	}
	switch f.form {
	case hostport.FormEPRT:
		return hostport.FormatEPRT(r.ap), nil
	case hostport.FormEPSV:
		return hostport.FormatEPSV(r.ap.Port()), nil
	case hostport.FormLPRT:
		return hostport.FormatLPRT(r.ap), nil
	}
	return hostport.FormatLPSV(r.ap), nil
}

// parse reads s, a LINE or an ADDR. A final "\r\n" or "\n" is dropped
// first, so that an argument reads as the same line of standard input does
// (a second one is left for the parser to reject), and then the spaces and
// tabs around it.
func parse(s string) (result, error) {
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		if t = strings.TrimSuffix(t, "\r"); !strings.HasSuffix(t, "\n") {
			s = t
		}
	}
	s = strings.Trim(s, " \t")
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return result{ap: ap, addr: true}, nil
	}
	if f, ap, err := hostport.ParseLine(s); f != 0 {
		// A command with its verb or a reply with its code: the
		// result of its form's parser.
		if err != nil {
			return result{}, err
		}
		return result{ap: ap, portOnly: f == hostport.FormEPSV}, nil
	}

	// What ParseLine leaves to the form's parsers: an argument alone, a
	// reply's text without its code; and an address that does not parse.
	switch {
	case s == "":
	case startsList(s):
		// A bare list of numbers: a long host-port if it has the length
		// its af announces, a host-port otherwise.
		if isLongList(s) {
			return parseForm(hostport.FormLPRT, s)
		}
		return hostPort(hostport.Parse(s))
	case isDigit(s[0]) && strings.ContainsAny(s, ".:") && !strings.ContainsAny(s, ", \t"),
		s[0] == '[' && strings.IndexByte(s, ']') >= 0:
		return result{}, addrError(s) // 192.0.2.1:70000, [2001:db8::1]
	case len(s) >= 2 && isDelimiter(s[0]) && isDigit(s[1]):
		return parseForm(hostport.FormEPRT, s) // |1|132.235.1.2|6275|
	case isLetter(s[0]):
		if f := textForm(s); f != 0 {
			return parseForm(f, s)
		}
	}
	return result{}, fmt.Errorf("hostport: unrecognised line %s: not a PORT, EPRT or LPRT command, "+
		"a 227, 228 or 229 reply or its text, a bare argument or an address with port", quote(s))
}

// parseForm reads s with the parser of form f.
func parseForm(f hostport.Form, s string) (result, error) {
	switch f {
	case hostport.FormPORT:
		return hostPort(hostport.ParsePORT(s))
	case hostport.FormPASV:
		return hostPort(hostport.ParsePASV(s))
	case hostport.FormEPRT:
		return addrPort(hostport.ParseEPRT(s))
	case hostport.FormLPRT:
		return addrPort(hostport.ParseLPRT(s))
	case hostport.FormLPSV:
		return addrPort(hostport.ParseLPSV(s))
	}
	port, err := hostport.ParseEPSV(s)
	if err != nil {
		return result{}, err
	}
	return result{ap: netip.AddrPortFrom(netip.Addr{}, port), portOnly: true}, nil
}

func hostPort(hp hostport.HostPort, err error) (result, error) {
	if err != nil {
		return result{}, err
	}
	return result{ap: hp.AddrPort()}, nil
}

func addrPort(ap netip.AddrPort, err error) (result, error) {
	if err != nil {
		return result{}, err
	}
	return result{ap: ap}, nil
}

// addrError returns the error for s, an address with port that
// [netip.ParseAddrPort] rejects: which part is wrong, and why, once.
func addrError(s string) error {
	const want = "want an address and port, such as 192.0.2.1:1025 or [2001:db8::1]:5282"
	reason := want
	if _, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		reason = "no port: " + want
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, port := s[:i], s[i+1:]
		bracketed := strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]")
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		a, err := netip.ParseAddr(host)
		switch {
		case err != nil:
			reason = strings.TrimPrefix(err.Error(), "ParseAddr("+strconv.Quote(host)+"): ")
		case a.Is4() && bracketed:
			reason = "brackets around an IPv4 address"
		case a.Is6() && !bracketed:
			reason = "an IPv6 address with port needs brackets, as in [2001:db8::1]:5282"
		case port == "":
			reason = "no port after ':'"
		default:
			if n, err := strconv.ParseUint(port, 10, 64); err == nil && n > 65535 {
				reason = "port " + port + " out of range [0,65535]"
			} else {
				reason = "port " + quote(port) + " is not a decimal number"
			}
		}
	}
	return fmt.Errorf("hostport: parsing address %s: %s", quote(s), reason)
}

// forms returns every line that can carry ap: those of the six-number form
// if the address is IPv4 (or IPv4-mapped IPv6), then the extended and long
// forms.
func forms(ap netip.AddrPort) []string {
	var out []string
	if hp, err := hostport.FromAddrPort(ap); err == nil {
		out = append(out, hp.String(), hostport.FormatPORT(hp), hostport.FormatPASV(hp))
	}
	return append(out,
		hostport.FormatEPRT(ap),
		hostport.FormatEPSV(ap.Port()),
		hostport.FormatLPRT(ap),
		hostport.FormatLPSV(ap))
}

// textForm tells the form of s, which starts with a word that ParseLine
// does not take for a verb: the text of a reply without its code, as
// "Entering Passive Mode (192,0,2,1,4,1).", or 0 for none. A word in
// capitals is another command's verb, as in "PASV" or "USER anonymous", or a
// misspelt one, as in "PORTS 10,2,0,2,4,31".
func textForm(s string) hostport.Form {
	v := 0
	for v < len(s) && isLetter(s[v]) {
		v++
	}
	if strings.ToUpper(s[:v]) == s[:v] {
		return 0
	}
	if looksLike(hostport.FormEPSV, s) {
		return hostport.FormEPSV
	}
	for j := v; j < len(s); j++ {
		if isDigit(s[j]) && !isDigit(s[j-1]) && startsNumberList(s[j:]) {
			if isLongList(s[j:]) {
				return hostport.FormLPSV
			}
			return hostport.FormPASV
		}
	}
	return 0
}

// isLongList reports whether the list of numbers that s starts with has the
// length of an LPRT argument for the af it starts with: 9 numbers for af 4,
// 21 for af 6.
func isLongList(s string) bool {
	af := strings.TrimLeft(s[:strings.IndexByte(s, ',')], "0")
	n := 1
	for i := 0; i < len(s) && (isDigit(s[i]) || s[i] == ','); i++ {
		if s[i] == ',' {
			n++
		}
	}
	return (n == 9 && af == "4") || (n == 21 && af == "6")
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// startsList reports whether s starts with a number and a comma.
func startsList(s string) bool {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i > 0 && i < len(s) && s[i] == ','
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// quote quotes s for a message, cut if it is long.
func quote(s string) string {
	const max = 200
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

// A lineReader reads the lines of a text stream, each ended by "\n", in
// memory bounded by its cap: a line longer than that comes in pieces. The
// conversion of standard input and annotate both read with it.
type lineReader struct {
	br   *bufio.Reader
	long bool  // the last piece returned is of a line longer than the cap, which goes on
	err  error // the error that ended the stream: io.EOF at its end
}

// newLineReader returns a lineReader of r whose cap, the longest line it
// returns whole, with its "\n", is max bytes.
func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, max)}
}

// next returns the next line, with its "\n" if it has one, or a piece of a
// line longer than the cap: then long is true, for each piece of the line,
// the last one included. With the last line of the stream, or after it
// with no bytes, it returns the error that ended the stream (io.EOF at its
// end), which lr.err keeps.
func (lr *lineReader) next() (b []byte, long bool, err error) {
	b, err = lr.br.ReadSlice('\n')
	full := errors.Is(err, bufio.ErrBufferFull)
	long, lr.long = lr.long || full, full
	if full {
		err = nil
	}
	if err != nil {
		lr.err = err
	}
	return b, long, err
}

// inLong reports whether the last piece returned is of a line longer than
// the cap, and more pieces of it follow.
func (lr *lineReader) inLong() bool { return lr.long }

// buffered returns the number of bytes read and not yet returned.
func (lr *lineReader) buffered() int { return lr.br.Buffered() }

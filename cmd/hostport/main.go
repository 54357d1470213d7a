/*
Hostport converts FTP host-port encodings to addresses and back.

Given a line from an FTP control connection, it prints the address the line
carries; given an address with port, it prints every line that can carry it.
It reads what package [github.com/ftpkit/hostport] parses: PORT, EPRT and
LPRT commands, 227, 228 and 229 replies, and the bare arguments of the
commands.

Usage:

	hostport [flags] [LINE | ADDR]...
	hostport annotate [FILE]...
	hostport trace [-json] FILE

Each argument is a LINE or an ADDR. With no arguments, hostport reads them
from standard input, one per line, and skips blank lines.

A LINE is a PORT, EPRT or LPRT command (the verb in any case), a 227, 228 or
229 reply (the code, then a space or '-'), or a bare argument: a list of
numbers, or an EPRT argument, which starts with its delimiter. A list of nine
numbers whose first is 4, or of 21 whose first is 6, is an LPRT argument; any
other list is a six-number host-port. A final "\r\n" or "\n" is dropped. For
each LINE, hostport prints the address and port it carries:

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
228 reply.

	$ hostport '[2001:db8::1]:5282'
	EPRT |2|2001:db8::1|5282|
	229 Entering Extended Passive Mode (|||5282|)
	LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162
	228 Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162)

Standard output carries only these results. A line that does not parse is
reported on standard error with the parser's message, and hostport goes on
with the next one:

	hostport.ParsePORT: parsing "PORT 10,2,0,2,4,310": p2 310 out of range [0,255] at offset 16

A line of standard input longer than 1 MiB is an error too.

The annotate subcommand copies a log or a trace, adding to each line that
carries a data address a comment with the address it decodes to; the trace
subcommand reads a pcap or pcapng capture and reports each data-channel
negotiation of the FTP control connections in it. "hostport annotate -h" and
"hostport trace -h" describe them.

The flags are:

	-h
		Print a usage message on standard error and exit 0.

Put -- before the first argument if it starts with '-'.

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

const usageText = `usage: hostport [flags] [LINE | ADDR]...
       hostport annotate [FILE]...
       hostport trace [-json] FILE

Prints the address each FTP line carries (PORT, EPRT or LPRT command, 227,
228 or 229 reply, or their bare argument), or every line that can carry an
address with port (192.0.2.1:1025, [2001:db8::1]:5282). With no arguments,
reads them from standard input, one per line.

flags:
  -h	print this message and exit
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
		}
	}

	fs := flag.NewFlagSet("hostport", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usageText) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}

	c := converter{stdout: stdout, stderr: stderr}
	if fs.NArg() > 0 {
		for _, arg := range fs.Args() {
			if !c.handle(arg) {
				return exitFail
			}
		}
		return c.code()
	}

	ls := lineSplitter{max: maxLine}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 0, 4096), maxLine+1) // room for the '\n'
	sc.Split(ls.split)
	for n := 1; sc.Scan(); n++ {
		if ls.tooLong {
			c.fail(fmt.Sprintf("hostport: line %d: longer than %d bytes", n, maxLine))
			continue
		}
		line := sc.Text()
		if strings.TrimLeft(line, " \t") == "" {
			continue
		}
		if !c.handle(line) {
			return exitFail
		}
	}
	if err := sc.Err(); err != nil {
		c.fail("hostport: reading standard input: " + err.Error())
	}
	return c.code()
}

// converter converts lines and addresses and keeps track of failures.
type converter struct {
	stdout, stderr io.Writer
	failed         bool
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

// handle prints what s converts to, or reports why it does not convert. It
// returns false if stdout cannot be written, when there is no point in going
// on.
func (c *converter) handle(s string) bool {
	out, err := convert(s)
	if err != nil {
		c.fail(err.Error())
		return true
	}
	for _, o := range out {
		if _, err := io.WriteString(c.stdout, o+"\n"); err != nil {
			c.fail("hostport: writing standard output: " + err.Error())
			return false
		}
	}
	return true
}

// convert returns the lines to print for s, a LINE or an ADDR, or an error:
// the parser's own for a LINE, one starting "hostport: " otherwise. A final
// "\r\n" or "\n" is dropped first, so that an argument reads as the same
// line of standard input does; a second one is left for the parser to
// reject.
func convert(s string) ([]string, error) {
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		if t = strings.TrimSuffix(t, "\r"); !strings.HasSuffix(t, "\n") {
			s = t
		}
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return forms(ap), nil
	}
	switch kind(s) {
	case kindPORT:
		return hostPort(hostport.ParsePORT(s))
	case kindEPRT:
		return addrPort(hostport.ParseEPRT(s))
	case kindLPRT:
		return addrPort(hostport.ParseLPRT(s))
	case kindPASV:
		return hostPort(hostport.ParsePASV(s))
	case kindLPSV:
		return addrPort(hostport.ParseLPSV(s))
	case kindEPSV:
		port, err := hostport.ParseEPSV(s)
		if err != nil {
			return nil, err
		}
		return []string{":" + strconv.Itoa(int(port))}, nil
	case kindHostPort:
		return hostPort(hostport.Parse(s))
	case kindAddr:
		_, err := netip.ParseAddrPort(s)
		return nil, fmt.Errorf("hostport: parsing address %s: %w", quote(s), err)
	}
	return nil, fmt.Errorf("hostport: unrecognised line %s: not a PORT, EPRT or LPRT command, "+
		"a 227, 228 or 229 reply, a bare argument or an address with port", quote(s))
}

func hostPort(hp hostport.HostPort, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	return []string{hp.AddrPort().String()}, nil
}

func addrPort(ap netip.AddrPort, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	return []string{ap.String()}, nil
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

// A lineKind is the form of a line, as far as kind can tell it.
type lineKind int

const (
	kindUnknown  lineKind = iota
	kindPORT              // PORT command
	kindEPRT              // EPRT command or bare argument
	kindLPRT              // LPRT command or bare argument
	kindPASV              // 227 reply
	kindLPSV              // 228 reply
	kindEPSV              // 229 reply
	kindHostPort          // bare six numbers
	kindAddr              // an address with port that does not parse
)

// kind tells which parser s is for, from its start; the parser then judges
// the whole line.
func kind(s string) lineKind {
	// A verb: the first run of letters, in any case.
	v := 0
	for v < len(s) && isLetter(s[v]) {
		v++
	}
	if v == 4 {
		switch strings.ToUpper(s[:4]) {
		case "PORT":
			return kindPORT
		case "EPRT":
			return kindEPRT
		case "LPRT":
			return kindLPRT
		}
	}
	if v > 1 {
		return kindUnknown
	}

	// A reply: a three-digit code and a space or '-'.
	if len(s) >= 4 && (s[3] == ' ' || s[3] == '-') {
		switch s[:3] {
		case "227":
			return kindPASV
		case "228":
			return kindLPSV
		case "229":
			return kindEPSV
		}
	}

	switch {
	case s == "":
		return kindUnknown
	case startsList(s):
		// A bare list of numbers: a long host-port if it has the length
		// its af announces, a host-port otherwise.
		af := strings.TrimLeft(s[:strings.IndexByte(s, ',')], "0")
		n := strings.Count(s, ",") + 1
		if (n == 9 && af == "4") || (n == 21 && af == "6") {
			return kindLPRT
		}
		return kindHostPort
	case isDigit(s[0]) && strings.ContainsAny(s, ".:") && !strings.ContainsAny(s, ", \t"):
		return kindAddr // 192.0.2.1 or 192.0.2.1:70000
	case s[0] == '[' && strings.IndexByte(s, ']') >= 0:
		return kindAddr // [2001:db8::1] or [2001:db8::1]:70000
	case len(s) >= 2 && '!' <= s[0] && s[0] <= '~' && !isDigit(s[0]) && isDigit(s[1]):
		return kindEPRT // |1|132.235.1.2|6275|
	}
	return kindUnknown
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

// lineSplitter is a [bufio.SplitFunc] like [bufio.ScanLines] that survives
// lines longer than max: it skips them and returns an empty token with
// tooLong set in their place.
type lineSplitter struct {
	max      int
	skipping bool // inside a line longer than max
	tooLong  bool // the last token stands for a line longer than max
}

func (ls *lineSplitter) split(data []byte, atEOF bool) (advance int, token []byte, err error) {
	ls.tooLong = false
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, ls.token(data[:i]), nil
	}
	if atEOF {
		if len(data) == 0 && !ls.skipping {
			return 0, nil, nil
		}
		return len(data), ls.token(data), nil
	}
	if len(data) > ls.max {
		ls.skipping = true
		return len(data), nil, nil
	}
	return 0, nil, nil // read more
}

// token returns the token for a line: the line without a final CR, or an
// empty token with tooLong set if the line was too long.
func (ls *lineSplitter) token(line []byte) []byte {
	if ls.skipping || len(line) > ls.max {
		ls.skipping = false
		ls.tooLong = true
		return []byte{}
	}
	return bytes.TrimSuffix(line, []byte{'\r'})
}

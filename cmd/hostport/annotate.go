package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/ftpkit/hostport"
)

// maxAnnotateLine is the longest line that annotate decodes. A longer line is
// copied through unchanged, a piece at a time, so that memory stays bounded
// whatever the input.
const maxAnnotateLine = 64 << 10

const annotateShortUsage = "usage: hostport annotate [FILE]...\nRun 'hostport annotate -h' for details.\n"

const annotateUsage = `usage: hostport annotate [FILE]...

Copies each FILE, or standard input (also for "-"), to standard output, and
appends to each line that carries a data address a comment with the address
it decodes to:

	PORT 10,2,0,2,4,31   # 10.2.0.2:1055
	2026-11-21 18:02:55 127.0.0.1 "EPRT |1|127.0.0.1|36265|" 200   # 127.0.0.1:36265
	< 229 Entering Extended Passive Mode (|||6446|)   # :6446
	"PORT 10,2,0,2,4,310"   # invalid: p2 310 out of range [0,255]

The address may be anywhere in the line, as server logs, curl -v and
tcpdump -A show it: a PORT, EPRT or LPRT command (the verb in any case, one
space, and an argument that starts as the command's does), or a 227, 228 or
229 reply (the code, then a space or '-'). It runs from the verb or code to
the end of the line, or to the closing quote if a quote opens just before
it, and is read by the parser of its form in package hostport. A 229 reply
names a port only, written after an empty host. An address that does not
parse gets "invalid: " and the parser's reason. The comments of several
addresses in one line are separated by "; ".

Everything else passes unchanged, byte for byte: other lines, the line
endings ("\n" or "\r\n"), a last line without one, and lines longer than
64 KiB, which get no comment. Each line is written as soon as it is read, so
annotate works on a live log:

	tail -f /var/log/vsftpd.log | hostport annotate

The exit status is 0, 1 if a FILE cannot be read or standard output cannot
be written, and 2 for a usage error.

flags:
  -h	print this message and exit
`

// runAnnotate is the annotate subcommand: it copies its input to stdout,
// annotating the lines that carry data addresses, and returns the exit code.
func runAnnotate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hostport annotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // the long usage for -h, the short one for errors, below
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, annotateUsage)
			return exitOK
		}
		fmt.Fprint(stderr, annotateShortUsage)
		return exitUsage
	}
	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}

	w := bufio.NewWriterSize(stdout, 32<<10)
	code := exitOK
	for _, name := range files {
		in, closeIn, err := openInput(name, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "hostport annotate: %v\n", err)
			code = exitFail
			continue
		}
		err = annotate(w, in)
		closeIn()
		if err != nil {
			var we *writeError
			if errors.As(err, &we) {
				fmt.Fprintf(stderr, "hostport annotate: writing standard output: %v\n", we.err)
				return exitFail
			}
			fmt.Fprintf(stderr, "hostport annotate: reading %s: %v\n", displayName(name), err)
			code = exitFail
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "hostport annotate: writing standard output: %v\n", err)
		return exitFail
	}
	return code
}

// openInput opens the file name, or returns stdin for "-". The returned
// function closes what was opened.
func openInput(name string, stdin io.Reader) (io.Reader, func(), error) {
	if name == "-" {
		return stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

// displayName names an input in messages.
func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}

// A writeError is a failure to write the output, told apart from a failure to
// read the input.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// annotate copies r to w line by line, appending a comment to each line that
// carries a data address. It flushes w whenever the input has nothing more
// buffered, so that each line appears as soon as it is complete on a live
// pipe, and still writes large inputs in large pieces.
func annotate(w *bufio.Writer, r io.Reader) error {
	lr := newLineReader(r, maxAnnotateLine)
	var comment []byte
	for {
		line, long, rerr := lr.next()
		switch {
		case long:
			// A piece of a line longer than maxAnnotateLine: pass it
			// through.
			if _, err := w.Write(line); err != nil {
				return &writeError{err}
			}
		case len(line) > 0:
			text, eol := splitEOL(line)
			comment = appendComments(comment[:0], text)
			if len(comment) == 0 {
				_, err := w.Write(line)
				if err != nil {
					return &writeError{err}
				}
				break
			}
			w.Write(text)
			w.WriteString("   # ")
			w.Write(comment)
			if _, err := w.Write(eol); err != nil {
				return &writeError{err}
			}
		}
		if lr.buffered() == 0 || rerr != nil {
			if err := w.Flush(); err != nil {
				return &writeError{err}
			}
		}
		if rerr != nil {
			if rerr == io.EOF {
				return nil
			}
			return rerr
		}
	}
}

// splitEOL splits a line into its text and its line ending: "\r\n", "\n" or
// nothing (the last line of the input). Any other CR is text, as it is to the
// parsers.
func splitEOL(line []byte) (text, eol []byte) {
	n := len(line)
	switch {
	case n >= 2 && line[n-2] == '\r' && line[n-1] == '\n':
		return line[:n-2], line[n-2:]
	case n >= 1 && line[n-1] == '\n':
		return line[:n-1], line[n-1:]
	}
	return line, nil
}

// A candidate is text in a line that looks like a data-connection command or
// reply: its form and where it starts and ends.
type candidate struct {
	form       hostport.Form
	start, end int
}

// appendComments appends to dst the comment for line: the decoded address of
// each candidate in it, separated by "; ", or nothing if it has none.
func appendComments(dst, line []byte) []byte {
	s := string(line) // one copy per line; the parsers take strings
	for i := 0; i < len(s); {
		c, ok := nextCandidate(s, i)
		if !ok {
			break
		}
		if len(dst) > 0 {
			dst = append(dst, "; "...)
		}
		dst = appendDecoded(dst, s[c.start:c.end])
		i = c.end
	}
	return dst
}

// appendDecoded appends what text, a candidate, decodes to: the address
// and port ("10.2.0.2:1055", "[2001:db8::1]:5282"), the port after an empty
// host for a 229 reply (":6446"), or "invalid: " and the parser's reason. A
// candidate starts with its verb or code, so [hostport.ParseLine] reads it
// with the parser of its form.
func appendDecoded(dst []byte, text string) []byte {
	form, ap, err := hostport.ParseLine(text)
	switch {
	case err != nil:
		return append(append(dst, "invalid: "...), parseReason(err)...)
	case form == hostport.FormEPSV:
		return strconv.AppendUint(append(dst, ':'), uint64(ap.Port()), 10)
	}
	return ap.AppendTo(dst)
}

// parseReason returns the reason of a parse error, without the function name,
// the input and the offset that its full message repeats.
func parseReason(err error) string {
	var pe *hostport.ParseError
	if errors.As(err, &pe) && pe.Err != nil {
		return pe.Err.Error()
	}
	return err.Error()
}

// nextCandidate finds the first candidate in s that starts at or after i.
//
// A command is the verb PORT, EPRT or LPRT in any case, one space and an
// argument that starts as the form does: a number and a comma for PORT and
// LPRT ("PORT 10,"), a delimiter, a digit and the same delimiter for EPRT
// ("EPRT |1|"). A reply is the code 227, 228 or 229, then a space or '-',
// with text that has a list of numbers (227, 228: "(10,2,...") or '(' and
// three identical delimiters (229: "(|||"). Where a verb or code may start
// does not depend on the character before it: tcpdump -A prints the packet
// headers just before the payload, as printable ASCII or '.', so any
// character, a digit too, may come just before a reply. What follows the
// verb or code decides alone. The candidate ends at the end of the line or,
// if the character just before it is a double or single quote, at the next
// such quote, as in vsftpd's and ProFTPD's logs.
func nextCandidate(s string, i int) (candidate, bool) {
	for ; i+4 <= len(s); i++ {
		var form hostport.Form
		switch c := s[i]; {
		case c == '2' && s[i+1] == '2' && '7' <= s[i+2] && s[i+2] <= '9' &&
			(s[i+3] == ' ' || s[i+3] == '-'):
			form = replyForms[s[i+2]-'7']
		case i+5 < len(s) && s[i+4] == ' ':
			switch {
			case c|0x20 == 'p' && strings.EqualFold(s[i+1:i+4], "ort"):
				form = hostport.FormPORT
			case c|0x20 == 'e' && strings.EqualFold(s[i+1:i+4], "prt"):
				form = hostport.FormEPRT
			case c|0x20 == 'l' && strings.EqualFold(s[i+1:i+4], "prt"):
				form = hostport.FormLPRT
			}
		}
		if form == 0 {
			continue
		}
		end := len(s)
		if i > 0 && (s[i-1] == '"' || s[i-1] == '\'') {
			if j := strings.IndexByte(s[i:], s[i-1]); j >= 0 {
				end = i + j
			}
		}
		rest := i + 5 // after "PORT "
		if isDecimal(s[i]) {
			rest = i + 4 // after "227 " or "227-"
		}
		if rest <= end && looksLike(form, s[rest:end]) {
			return candidate{form: form, start: i, end: end}, true
		}
	}
	return candidate{}, false
}

// replyForms are the forms of the replies 227, 228 and 229, in that order.
var replyForms = [...]hostport.Form{hostport.FormPASV, hostport.FormLPSV, hostport.FormEPSV}

// looksLike reports whether rest, the text after a candidate's verb or code
// and the space or '-' after it, has the shape of the form's argument or text.
func looksLike(form hostport.Form, rest string) bool {
	switch form {
	case hostport.FormPORT, hostport.FormLPRT:
		return startsNumberList(rest)
	case hostport.FormEPRT:
		return len(rest) >= 3 && isDelimiter(rest[0]) && isDecimal(rest[1]) &&
			(rest[2] == rest[0] || isDecimal(rest[2]))
	case hostport.FormPASV, hostport.FormLPSV:
		for j := 0; j < len(rest); j++ {
			if isDecimal(rest[j]) && (j == 0 || !isDecimal(rest[j-1])) && startsNumberList(rest[j:]) {
				return true
			}
		}
	case hostport.FormEPSV:
		for j := strings.IndexByte(rest, '('); j >= 0 && j+3 < len(rest); {
			if d := rest[j+1]; isDelimiter(d) && rest[j+2] == d && rest[j+3] == d {
				return true
			}
			k := strings.IndexByte(rest[j+1:], '(')
			if k < 0 {
				break
			}
			j += 1 + k
		}
	}
	return false
}

// startsNumberList reports whether s starts with a number, a comma and a
// digit.
func startsNumberList(s string) bool {
	i := 0
	for i < len(s) && isDecimal(s[i]) {
		i++
	}
	return i > 0 && i+1 < len(s) && s[i] == ',' && isDecimal(s[i+1])
}

// isDelimiter reports whether c can be an RFC 2428 delimiter: a printable
// ASCII character other than a digit.
func isDelimiter(c byte) bool { return '!' <= c && c <= '~' && !isDecimal(c) }

func isDecimal(c byte) bool { return '0' <= c && c <= '9' }

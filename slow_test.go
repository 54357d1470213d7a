package hostport_test

// This file holds slow, readable reference parsers for the seven wire forms,
// written from the package documentation's reading rules. The
// fuzz targets in fuzz_test.go check that the package's parsers agree with
// them. They favour obvious steps (strings.Split, strconv, netip)
// over speed and allocate freely.
//
// Each returns the value and a class: "" on success, otherwise the kinds of
// fault the input has, as the names of the sentinels an error may wrap
// ("syntax", "range", "family"), joined with "|" when there are several. The
// package reports the first fault it meets, so when a line has faults of more
// than one kind it may wrap any of them; when it has one kind only, that is
// the kind it must wrap. A line whose only fault is a number above its
// field's limit is "range", and one whose only fault is an unknown EPRT
// net-prt or LPRT af is "family".

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpkit/hostport"
)

// The fault kinds, named after the sentinels ErrSyntax, ErrRange and ErrFamily.
const (
	kindSyntax = "syntax"
	kindRange  = "range"
	kindFamily = "family"
)

// faults collects the kinds of fault found in an input.
type faults struct {
	syntax, rng, family bool
}

// class returns the kinds in f joined with "|", in a fixed order, or "" if
// there are none.
func (f faults) class() string {
	var kinds []string
	if f.syntax {
		kinds = append(kinds, kindSyntax)
	}
	if f.rng {
		kinds = append(kinds, kindRange)
	}
	if f.family {
		kinds = append(kinds, kindFamily)
	}
	return strings.Join(kinds, "|")
}

// merge returns the kinds found in f or g.
func (f faults) merge(g faults) faults {
	return faults{syntax: f.syntax || g.syntax, rng: f.rng || g.rng, family: f.family || g.family}
}

// classAllows reports whether an error wrapping the sentinel named kind is
// a right answer for an input of class class.
func classAllows(class, kind string) bool {
	for _, k := range strings.Split(class, "|") {
		if k == kind {
			return true
		}
	}
	return false
}

// Limits of the fields.
const (
	byteMax = 255
	portMax = 65535
)

// ---- Lines, numbers and letters ----

// slowStripEOL removes one final "\r\n" or, failing that, one final "\n".
func slowStripEOL(line string) string {
	if body, ok := strings.CutSuffix(line, "\r\n"); ok {
		return body
	}
	body, _ := strings.CutSuffix(line, "\n")
	return body
}

// slowHasControl reports whether s holds a CR, LF or NUL, which may not
// appear inside a line.
func slowHasControl(s string) bool {
	return strings.ContainsAny(s, "\r\n\x00")
}

func slowIsDigit(c byte) bool { return '0' <= c && c <= '9' }

func slowIsLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// slowIsDelim reports whether c may be an RFC 2428 delimiter: printable
// ASCII (33–126) and not a digit.
func slowIsDelim(c byte) bool { return 33 <= c && c <= 126 && !slowIsDigit(c) }

// slowIsNumber reports whether s is a number: one or more ASCII digits and
// nothing else (no sign, space, '_' or other digits).
func slowIsNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !slowIsDigit(s[i]) {
			return false
		}
	}
	return true
}

// slowCap is above every field's limit; slowValue returns it for numbers
// too long to convert.
const slowCap = 1 << 32

// slowValue returns the decimal value of the number s (see slowIsNumber).
// Leading zeros are decimal. A number with more than nine digits after its
// leading zeros is above every limit, so it is not converted but given the
// value slowCap.
func slowValue(s string) uint64 {
	if !slowIsNumber(s) {
		panic(fmt.Sprintf("slowValue(%q): not a number", s))
	}
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return 0
	}
	if len(s) > 9 {
		return slowCap
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return v
}

// slowAnyAbove reports whether some run of digits in s has a value above
// limit. A fault elsewhere in a line may hide such a number from a parser
// or not, so it makes "range" one of the possible answers.
func slowAnyAbove(s string, limit uint64) bool {
	notDigit := func(r rune) bool { return r < '0' || r > '9' }
	for _, run := range strings.FieldsFunc(s, notDigit) {
		if slowValue(run) > limit {
			return true
		}
	}
	return false
}

// slowLeadingNumber returns the run of digits at the start of s, which may
// be empty.
func slowLeadingNumber(s string) string {
	rest := strings.TrimLeft(s, "0123456789")
	return s[:len(s)-len(rest)]
}

// ---- Commands and replies ----

// slowCommand returns the argument of the command line body for verb: if
// body starts with two ASCII letters it starts with a verb, which must be
// verb in any case and be followed by exactly one space; otherwise body is
// the argument alone. ok is false if the verb is wrong.
func slowCommand(body, verb string) (arg string, ok bool) {
	if len(body) < 2 || !slowIsLetter(body[0]) || !slowIsLetter(body[1]) {
		return body, true
	}
	n := 0
	for n < len(body) && slowIsLetter(body[n]) {
		n++
	}
	if !strings.EqualFold(body[:n], verb) {
		return "", false
	}
	return strings.CutPrefix(body[n:], " ")
}

// slowReplyText returns the text of the reply line body: what follows a
// leading three-digit code and a space or '-', or all of body if it has no
// code. ok is false if the code is not code, or if body starts with four or
// more digits and a space, which no reader of replies takes for a reply.
func slowReplyText(body, code string) (text string, ok bool) {
	if len(body) >= 4 && slowIsNumber(body[:3]) && (body[3] == ' ' || body[3] == '-') {
		return body[4:], body[:3] == code
	}
	if digits := slowLeadingNumber(body); len(digits) >= 4 && strings.HasPrefix(body[len(digits):], " ") {
		return "", false
	}
	return body, true
}

// slowLists matches the lists of a reply's text: numbers joined by single
// commas, each as long as it goes.
var slowLists = regexp.MustCompile(`[0-9]+(,[0-9]+)*`)

// slowLongLists returns the start and end of each list in text that holds at
// least min numbers: those that could be read as the address.
func slowLongLists(text string, min int) [][]int {
	var long [][]int
	for _, m := range slowLists.FindAllStringIndex(text, -1) {
		if strings.Count(text[m[0]:m[1]], ",")+1 >= min {
			long = append(long, m)
		}
	}
	return long
}

// slowFirstList returns the index in text where its first comma-separated
// list of numbers starts: the start of the first run of digits followed by
// a comma. It returns -1 if there is none.
func slowFirstList(text string) int {
	for i := 0; i+1 < len(text); i++ {
		if slowIsDigit(text[i]) && text[i+1] == ',' {
			start := i
			for start > 0 && slowIsDigit(text[start-1]) {
				start--
			}
			return start
		}
	}
	return -1
}

// slowListLen returns the length of the comma-separated list of numbers at
// the start of s, as long as it goes: numbers joined by single commas.
func slowListLen(s string) int {
	end := len(slowLeadingNumber(s))
	for end+1 < len(s) && s[end] == ',' && slowIsDigit(s[end+1]) {
		end++
		end += len(slowLeadingNumber(s[end:]))
	}
	return end
}

// slowReplyList finds the comma-separated list of numbers in the text of a
// 227 or 228 reply and judges what surrounds it. The list is the first one
// of at least min numbers (six for 227, nine for 228: what could be read as
// the address); shorter lists are text. If there is none, it is the first
// list of any length, which is then too short. The list must not be glued to
// the text around it, and no second list of min or more numbers may follow
// it. It returns the list (all of its numbers, even if there are too many)
// and the faults found around it; found is false if the text holds no list.
func slowReplyList(text string, min int) (list string, f faults, found bool) {
	if slowHasControl(text) {
		f.syntax = true
	}
	long := slowLongLists(text, min)
	var start int
	switch {
	case len(long) > 0:
		start = long[0][0]
	case slowFirstList(text) >= 0:
		start = slowFirstList(text)
	default:
		f.syntax = true
		return "", f, false
	}
	end := start + slowListLen(text[start:])
	list = text[start:end]

	// Glued before: a comma (an empty first field), a sign, '_', ':' (IPv6
	// text), a letter, or a '.' that follows a digit (a dotted address).
	if start > 0 {
		b := text[start-1]
		switch {
		case strings.IndexByte(",+-_:", b) >= 0, slowIsLetter(b):
			f.syntax = true
		case b == '.' && start >= 2 && slowIsDigit(text[start-2]):
			f.syntax = true
		}
	}

	// Glued after: a comma (an empty or extra field), a sign, '_', ':', a
	// letter, or a '.' before a digit.
	if end < len(text) {
		b := text[end]
		switch {
		case strings.IndexByte(",+-_:", b) >= 0, slowIsLetter(b):
			f.syntax = true
		case b == '.' && end+1 < len(text) && slowIsDigit(text[end+1]):
			f.syntax = true
		}
	}

	// A second list that could be read as the address.
	if len(slowLongLists(text[end:], min)) > 0 {
		f.syntax = true
	}
	return list, f, true
}

// ---- The six-number form ----

// slowSix reads s as exactly six numbers 0–255 separated by commas. The
// address is the one netip.ParseAddr reads from the dotted decimal text of
// the first four values.
func slowSix(s string) (hostport.HostPort, faults) {
	fields := strings.Split(s, ",")
	shapeOK := len(fields) == 6
	for _, field := range fields {
		if !slowIsNumber(field) {
			shapeOK = false
		}
	}
	if !shapeOK {
		return hostport.HostPort{}, faults{syntax: true, rng: slowAnyAbove(s, byteMax)}
	}
	var v [6]uint64
	for i, field := range fields {
		v[i] = slowValue(field)
		if v[i] > byteMax {
			return hostport.HostPort{}, faults{rng: true}
		}
	}
	addr := netip.MustParseAddr(fmt.Sprintf("%d.%d.%d.%d", v[0], v[1], v[2], v[3])).As4()
	port := v[4]*256 + v[5]
	return hostport.HostPort{addr[0], addr[1], addr[2], addr[3], byte(port >> 8), byte(port)}, faults{}
}

// slowParse is the reference for hostport.Parse: the bare six-number form,
// with nothing around it, not even a line ending.
func slowParse(s string) (hostport.HostPort, string) {
	hp, f := slowSix(s)
	return hp, f.class()
}

// slowParsePORT is the reference for hostport.ParsePORT.
func slowParsePORT(line string) (hostport.HostPort, string) {
	body := slowStripEOL(line)
	arg, ok := slowCommand(body, "PORT")
	if !ok {
		return hostport.HostPort{}, kindSyntax
	}
	hp, f := slowSix(arg)
	return hp, f.class()
}

// slowParsePASV is the reference for hostport.ParsePASV.
func slowParsePASV(reply string) (hostport.HostPort, string) {
	body := slowStripEOL(reply)
	text, ok := slowReplyText(body, "227")
	if !ok {
		return hostport.HostPort{}, kindSyntax
	}
	list, around, found := slowReplyList(text, 6)
	if !found {
		return hostport.HostPort{}, kindSyntax
	}
	hp, f := slowSix(list)
	if around.syntax {
		// The list itself may also be at fault.
		return hostport.HostPort{}, around.merge(f).class()
	}
	return hp, f.class()
}

// ---- RFC 2428: EPSV and EPRT ----

// slowParseEPSV is the reference for hostport.ParseEPSV.
func slowParseEPSV(reply string) (uint16, string) {
	body := slowStripEOL(reply)
	text, ok := slowReplyText(body, "229")
	if !ok {
		return 0, kindSyntax
	}
	open := slowEPSVOpen(text)
	if open < 0 {
		return 0, kindSyntax
	}
	d := text[open+1]
	rest := text[open+4:]

	var f faults
	if slowHasControl(body) {
		f.syntax = true
	}
	portText := slowLeadingNumber(rest)
	rest = rest[len(portText):]
	if portText == "" {
		f.syntax = true
	} else if slowValue(portText) > portMax {
		f.rng = true
	}
	// Then the delimiter, and ')' or the end of the line; after ')', text
	// that does not hold a second "(|||": readers that take the last one
	// would see another port.
	if rest == "" || rest[0] != d {
		f.syntax = true
	} else if rest = rest[1:]; rest != "" && rest[0] != ')' {
		f.syntax = true
	} else if slowEPSVOpen(rest) >= 0 {
		f.syntax = true
	}
	if f != (faults{}) {
		return 0, f.class()
	}
	return uint16(slowValue(portText)), ""
}

// slowEPSVOpen returns the index of the first '(' in text that is followed
// by three identical delimiters, or -1 if there is none.
func slowEPSVOpen(text string) int {
	for i := 0; i+3 < len(text); i++ {
		d := text[i+1]
		if text[i] == '(' && slowIsDelim(d) && text[i+2] == d && text[i+3] == d {
			return i
		}
	}
	return -1
}

// slowParseEPRT is the reference for hostport.ParseEPRT.
func slowParseEPRT(line string) (netip.AddrPort, string) {
	body := slowStripEOL(line)
	arg, ok := slowCommand(body, "EPRT")
	if !ok || arg == "" || !slowIsDelim(arg[0]) {
		return netip.AddrPort{}, kindSyntax
	}
	// <d><net-prt><d><net-addr><d><tcp-port><d>: split after the first
	// delimiter, the parts are net-prt, net-addr, tcp-port and "".
	parts := strings.Split(arg[1:], arg[:1])

	var f faults
	if len(parts) != 4 || parts[3] != "" {
		f.syntax = true
	}
	prt := parts[0]
	switch {
	case !slowIsNumber(prt):
		f.syntax = true
	case slowValue(prt) != 1 && slowValue(prt) != 2:
		f.family = true
	}

	var addr netip.Addr
	if len(parts) >= 2 && slowIsNumber(prt) {
		var g faults
		switch slowValue(prt) {
		case 1:
			addr, g = slowDottedQuad(parts[1])
		case 2:
			addr, g = slowIPv6(parts[1])
		}
		f = f.merge(g)
	}

	if len(parts) >= 3 {
		port := parts[2]
		switch {
		case !slowIsNumber(port):
			f.syntax = true
			f.rng = f.rng || slowAnyAbove(port, portMax)
		case slowValue(port) > portMax:
			f.rng = true
		}
	}
	if f != (faults{}) {
		return netip.AddrPort{}, f.class()
	}
	return netip.AddrPortFrom(addr, uint16(slowValue(parts[2]))), ""
}

// slowDottedQuad reads s as an IPv4 address in strict dotted-quad form: four
// numbers 0–255 without leading zeros, separated by dots. It also checks
// that netip.ParseAddr agrees, and returns the address that netip reads.
func slowDottedQuad(s string) (netip.Addr, faults) {
	f := slowDottedQuadFaults(s)
	a, err := netip.ParseAddr(s)
	netipOK := err == nil && a.Is4()
	if netipOK != (f == faults{}) {
		panic(fmt.Sprintf("slowDottedQuad(%q): the reference rules say %q, netip.ParseAddr says %v, %v",
			s, f.class(), a, err))
	}
	return a, f
}

// slowDottedQuadFaults returns the faults of s as a dotted quad: syntax if
// it is not four numbers separated by dots, or if one has a leading zero;
// range if one is above 255.
func slowDottedQuadFaults(s string) faults {
	fields := strings.Split(s, ".")
	if len(fields) != 4 {
		return faults{syntax: true}
	}
	for _, field := range fields {
		if !slowIsNumber(field) {
			return faults{syntax: true}
		}
	}
	var f faults
	for _, field := range fields {
		switch {
		case len(field) > 1 && field[0] == '0':
			f.syntax = true
		case slowValue(field) > byteMax:
			f.rng = true
		}
	}
	return f
}

// slowIPv6 reads s as an IPv6 address in RFC 4291 text form, as netip reads
// it, without zone or brackets. An IPv4-mapped address stays mapped.
func slowIPv6(s string) (netip.Addr, faults) {
	if strings.ContainsAny(s, "[]%") {
		return netip.Addr{}, faults{syntax: true}
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return netip.Addr{}, faults{syntax: true}
	}
	return a, faults{}
}

// ---- RFC 1639: LPSV and LPRT ----

// slowLong reads s as the long host-port of RFC 1639: af, hal, hal address
// bytes, pal, pal port bytes, all numbers 0–255 separated by commas, where
// af 4 needs hal 4 and af 6 hal 16, and pal is 2. The address is the one
// netip.ParseAddr reads from the dotted decimal (IPv4) or colon-hex (IPv6)
// text of the bytes.
func slowLong(s string) (netip.AddrPort, faults) {
	fields := strings.Split(s, ",")
	for _, field := range fields {
		if !slowIsNumber(field) {
			f := faults{syntax: true, rng: slowAnyAbove(s, byteMax)}
			// A parser reading from the left may stop at an unknown af.
			if af := slowLeadingNumber(s); af != "" {
				v := slowValue(af)
				f.family = v != 4 && v != 6 && v <= byteMax
			}
			return netip.AddrPort{}, f
		}
	}
	v := make([]uint64, len(fields))
	var f faults
	for i, field := range fields {
		v[i] = slowValue(field)
		if v[i] > byteMax {
			f.rng = true
		}
	}

	var hal uint64
	switch v[0] {
	case 4:
		hal = 4
	case 6:
		hal = 16
	default:
		if v[0] <= byteMax {
			f.family = true
		}
		// Unknown af: the line is otherwise well formed if its counts
		// add up, whatever hal and pal are.
		if !slowLongCounts(v) {
			f.syntax = true
		}
		return netip.AddrPort{}, f
	}
	if uint64(len(v)) != hal+5 || v[1] != hal || v[2+hal] != 2 {
		f.syntax = true
	}
	if f != (faults{}) {
		return netip.AddrPort{}, f
	}

	var text string
	if hal == 4 {
		text = fmt.Sprintf("%d.%d.%d.%d", v[2], v[3], v[4], v[5])
	} else {
		groups := make([]string, 8)
		for i := range groups {
			groups[i] = fmt.Sprintf("%02x%02x", v[2+2*i], v[3+2*i])
		}
		text = strings.Join(groups, ":")
	}
	addr := netip.MustParseAddr(text)
	port := uint16(v[hal+3]*256 + v[hal+4])
	return netip.AddrPortFrom(addr, port), faults{}
}

// slowLongCounts reports whether the values v are af, hal, hal values, pal
// and pal values, for any hal and pal.
func slowLongCounts(v []uint64) bool {
	n := uint64(len(v))
	if n < 2 {
		return false
	}
	hal := v[1]
	if n < hal+3 {
		return false
	}
	pal := v[hal+2]
	return n == hal+3+pal
}

// slowParseLPRT is the reference for hostport.ParseLPRT.
func slowParseLPRT(line string) (netip.AddrPort, string) {
	body := slowStripEOL(line)
	arg, ok := slowCommand(body, "LPRT")
	if !ok {
		return netip.AddrPort{}, kindSyntax
	}
	ap, f := slowLong(arg)
	return ap, f.class()
}

// slowParseLPSV is the reference for hostport.ParseLPSV.
func slowParseLPSV(reply string) (netip.AddrPort, string) {
	body := slowStripEOL(reply)
	text, ok := slowReplyText(body, "228")
	if !ok {
		return netip.AddrPort{}, kindSyntax
	}
	list, around, found := slowReplyList(text, 9)
	if !found {
		return netip.AddrPort{}, kindSyntax
	}
	ap, f := slowLong(list)
	if around.syntax {
		return netip.AddrPort{}, around.merge(f).class()
	}
	return ap, f.class()
}

// ---- Any line ----

// slowLineForm is the reference for the form that hostport.ParseLine gives a
// line: a command whose leading run of letters is PORT, EPRT or LPRT in any
// case, or a reply whose leading run of digits is 227, 229 or 228 followed by
// a space, a '-' or the end of the line (after one line ending is removed).
// It returns 0 for a line of none of the forms.
func slowLineForm(line string) hostport.Form {
	body := slowStripEOL(line)
	verb := strings.TrimLeftFunc(body, func(r rune) bool { return r < 128 && slowIsLetter(byte(r)) })
	verb = body[:len(body)-len(verb)]
	if verb != "" {
		switch strings.ToUpper(verb) {
		case "PORT":
			return hostport.FormPORT
		case "EPRT":
			return hostport.FormEPRT
		case "LPRT":
			return hostport.FormLPRT
		}
		return 0
	}
	code := slowLeadingNumber(body)
	rest := body[len(code):]
	if rest != "" && rest[0] != ' ' && rest[0] != '-' {
		return 0
	}
	switch code + rest[:min(1, len(rest))] {
	case "227", "227 ", "227-":
		return hostport.FormPASV
	case "229", "229 ", "229-":
		return hostport.FormEPSV
	case "228", "228 ", "228-":
		return hostport.FormLPSV
	}
	return 0
}

// slowParsers gives the reference parsers one shape for TestSlowParsers:
// the value as text ("" on error) and the class.
var slowParsers = map[string]func(string) (string, string){
	"Parse":     func(s string) (string, string) { return slowShow(slowParse(s)) },
	"ParsePORT": func(s string) (string, string) { return slowShow(slowParsePORT(s)) },
	"ParsePASV": func(s string) (string, string) { return slowShow(slowParsePASV(s)) },
	"ParseEPSV": func(s string) (string, string) { return slowShow(slowParseEPSV(s)) },
	"ParseEPRT": func(s string) (string, string) { return slowShow(slowParseEPRT(s)) },
	"ParseLPRT": func(s string) (string, string) { return slowShow(slowParseLPRT(s)) },
	"ParseLPSV": func(s string) (string, string) { return slowShow(slowParseLPSV(s)) },
}

// slowShow returns v as text, or "" if class is not "".
func slowShow[T any](v T, class string) (string, string) {
	if class != "" {
		return "", class
	}
	return fmt.Sprint(v), ""
}

// TestSlowParsers pins the reference parsers to the documented readings,
// so that a mistake in them shows up here rather than as a disagreement
// with the package.
func TestSlowParsers(t *testing.T) {
	tests := []struct {
		fn, in string
		want   string // the value as text, if the line is accepted
		class  string // the class, if it is rejected
	}{
		{"Parse", "10,2,0,2,4,31", "10,2,0,2,4,31", ""},
		{"Parse", "010,2,0,2,4,031", "10,2,0,2,4,31", ""},
		{"Parse", "10,2,0,2,4,31\r\n", "", "syntax"},
		{"Parse", "10,2,0,2,4,256", "", "range"},
		{"Parse", "10,2,0,2,4,99999999999999999999999", "", "range"},
		{"Parse", "10,2,0,2,4", "", "syntax"},
		{"Parse", "10,2,0,2,4,256,1", "", "syntax|range"},

		{"ParsePORT", "PORT 10,2,0,2,4,31", "10,2,0,2,4,31", ""},
		{"ParsePORT", "port 10,2,0,2,4,31\r\n", "10,2,0,2,4,31", ""},
		{"ParsePORT", "10,2,0,2,4,31\n", "10,2,0,2,4,31", ""},
		{"ParsePORT", "PORT 198,51,100,007,4,001", "198,51,100,7,4,1", ""},
		{"ParsePORT", "PORT 198,51,100,256,4,1", "", "range"},
		{"ParsePORT", "PORT 198,51,100,7,4,4294967297", "", "range"},
		{"ParsePORT", "PORT 198,51,100,7,-1,281", "", "syntax|range"}, // two faults
		{"ParsePORT", "PORT 198,51,100,7,4,1,9", "", "syntax"},
		{"ParsePORT", "PORT 198,51,100,7,4,1 ", "", "syntax"},
		{"ParsePORT", "PORT  198,51,100,7,4,1", "", "syntax"},
		{"ParsePORT", "PORT 198,51,100,7,4,1\r", "", "syntax"},
		{"ParsePORT", "PORT 198,51,100,7,4,1\r\r\n", "", "syntax"},
		{"ParsePORT", "PORTS 198,51,100,7,4,1", "", "syntax"},
		{"ParsePORT", "EPRT |1|198.51.100.7|1025|", "", "syntax"},

		{"ParsePASV", "227 Entering Passive Mode (127,0,0,2,118,224).", "127,0,0,2,118,224", ""},
		{"ParsePASV", "227 =203,0,113,10,195,80", "203,0,113,10,195,80", ""},
		{"ParsePASV", "227 Entering Passive Mode v2 (203,0,113,10,195,80)", "203,0,113,10,195,80", ""},
		{"ParsePASV", "227 Entering Passive Mode (203,0,113,10,195,80", "203,0,113,10,195,80", ""},
		{"ParsePASV", "227-203,0,113,10,195,80", "203,0,113,10,195,80", ""},
		{"ParsePASV", "Entering Passive Mode (203,0,113,10,195,80)", "203,0,113,10,195,80", ""},
		{"ParsePASV", "227 Entering Passive Mode (203,0,113,10,195,80) 42 ways", "203,0,113,10,195,80", ""},
		{"ParsePASV", "227 Entering Passive Mode (1216,256,2,127,127,127)", "", "range"},
		{"ParsePASV", "227 Entering Passive Mode (203,0,112,266,195,80)", "", "range"},
		{"ParsePASV", "227 Entering Passive Mode (203,0,113,10,-1,281)", "", "syntax"},
		{"ParsePASV", "227 Entering Passive Mode (1,118,6).", "", "syntax"},
		{"ParsePASV", "227 Entering passive mode (::1,118,11).", "", "syntax"},
		{"ParsePASV", "227 Entering Passive Mode (10,0,0,5,4,1) (203,0,113,10,195,80)", "", "syntax"},
		{"ParsePASV", "227 Entering Passive Mode (203,0,113,10,195,80,1)", "", "syntax"},
		{"ParsePASV", "227 Entering Passive Mode (1.2.203,0,113,10,195,80)", "", "syntax"},
		{"ParsePASV", "227 Entering Passive Mode (203,0,113,10,195,80.5)", "", "syntax"},
		{"ParsePASV", "227 Entering Passive Mode (203,0,113,10,195,80)\x00", "", "syntax"},
		{"ParsePASV", "227 Entering Passive Mode (203,0,113,10,195,300)\x00", "", "syntax|range"},
		{"ParsePASV", "226 Entering Passive Mode (203,0,113,10,195,80)", "", "syntax"},
		{"ParsePASV", "2270 Entering Passive Mode (203,0,113,10,195,80)", "", "syntax"},
		{"ParsePASV", "2270-Entering Passive Mode (203,0,113,10,195,80)", "203,0,113,10,195,80", ""},
		{"ParsePASV", "227 Entering Passive Mode (10,0,0,1,4,31). Took 2,3 ms", "10,0,0,1,4,31", ""},
		{"ParsePASV", "227 Data 1,2 then (10,0,0,1,4,31)", "10,0,0,1,4,31", ""},
		{"ParsePASV", "227 Data 1,2 then (10,0,0,1,4,31) 1,2,3,4,5,6,7", "", "syntax"},
		{"ParsePASV", "227 Data 1,2 then (10,0,0,1,4)", "", "syntax"},

		{"ParseEPSV", "229 Entering Extended Passive Mode (|||6446|)", "6446", ""},
		{"ParseEPSV", "229 Entering Extended Passive Mode (!!!50000!)", "50000", ""},
		{"ParseEPSV", "229 Entering Extended Passive Mode (|||50000|", "50000", ""},
		{"ParseEPSV", "229 Entering extended passive mode (|||30423|).", "30423", ""},
		{"ParseEPSV", "229 Entering Extended Passive Mode (|||0|)", "0", ""},
		{"ParseEPSV", "229 Entering Extended Passive Mode (|||65561|)", "", "range"},
		{"ParseEPSV", "229 Entering Passive Mode (|||1000000|)", "", "range"},
		{"ParseEPSV", "229 Entering Extended Passive Mode (|||-1|)", "", "syntax"},
		{"ParseEPSV", "229 Entering Extended Passive Mode (||50000||)", "", "syntax"},
		{"ParseEPSV", "229 Entering Extended Passive Mode (|1|10.0.0.5|50000|)", "", "syntax"},
		{"ParseEPSV", "229 Entering Extended Passive Mode (|||6446|) (|||21|)", "", "syntax"},
		{"ParseEPSV", "229 (", "", "syntax"},

		{"ParseEPRT", "EPRT |1|132.235.1.2|6275|", "132.235.1.2:6275", ""},
		{"ParseEPRT", "EPRT |2|1080::8:800:200C:417A|5282|", "[1080::8:800:200c:417a]:5282", ""},
		{"ParseEPRT", "EPRT !1!198.51.100.7!1025!", "198.51.100.7:1025", ""},
		{"ParseEPRT", "|2|::ffff:198.51.100.7|1025|", "[::ffff:198.51.100.7]:1025", ""},
		{"ParseEPRT", "EPRT |01|198.51.100.7|1025|", "198.51.100.7:1025", ""},
		{"ParseEPRT", "EPRT |3|198.51.100.7|1025|", "", "family"},
		{"ParseEPRT", "EPRT |3|198.51.100.7|1025", "", "syntax|family"},
		{"ParseEPRT", "EPRT |1|198.51.100.7|66560|", "", "range"},
		{"ParseEPRT", "EPRT |1|198.51.100.256|1025|", "", "range"},
		{"ParseEPRT", "EPRT |1|198.51.100.07|1025|", "", "syntax"},
		{"ParseEPRT", "EPRT |1|2001:db8::7|1025|", "", "syntax"},
		{"ParseEPRT", "EPRT |2|198.51.100.7|1025|", "", "syntax"},
		{"ParseEPRT", "EPRT |2|[2001:db8::7]|1025|", "", "syntax"},
		{"ParseEPRT", "EPRT |2|fe80::1%eth0|1025|", "", "syntax"},
		{"ParseEPRT", "EPRT 515198.51.100.7510255", "", "syntax"},
		{"ParseEPRT", "EPRT |1|198.51.100.7!1025|", "", "syntax"},
		{"ParseEPRT", "EPRT |1|198.51.100.7|1025|x", "", "syntax"},
		{"ParseEPRT", "EPRT |1|198.51.100.7|+1025|", "", "syntax"},

		{"ParseLPRT", "LPRT 4,4,192,0,2,1,2,4,31", "192.0.2.1:1055", ""},
		{"ParseLPRT", "LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,31", "[2001:db8::1]:1055", ""},
		{"ParseLPRT", "LPRT 5,4,198,51,100,7,2,4,1", "", "family"},
		{"ParseLPRT", "LPRT 5,4,198,51,100,7,2,4", "", "syntax|family"},
		{"ParseLPRT", "LPRT 4,16,198,51,100,7,2,4,1", "", "syntax"},
		{"ParseLPRT", "LPRT 4,4,198,51,100,7,3,0,4,1", "", "syntax"},
		{"ParseLPRT", "LPRT 4,4,198,51,100,7,2,4,256", "", "range"},
		{"ParseLPRT", "LPRT 300,4,198,51,100,7,2,4,1", "", "range"},

		{"ParseLPSV", "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)", "192.0.2.1:1055", ""},
		{"ParseLPSV", "228 Entering Long Passive Mode (5,4,192,0,2,1,2,4,31)", "", "family"},
		{"ParseLPSV", "228 Entering Long Passive Mode (4,4,192,0,2,256,2,4,31)", "", "range"},
		{"ParseLPSV", "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31) (4,4,192,0,2,1,2,4,31)", "", "syntax"},
		{"ParseLPSV", "228 Data 1,2,3,4,5,6 (4,4,192,0,2,1,2,4,31) 1,2,3,4,5,6,7,8", "192.0.2.1:1055", ""},
		{"ParseLPSV", "2280 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)", "", "syntax"},

		{"ParseEPSV", "2290 Entering Extended Passive Mode (|||6446|)", "", "syntax"},
	}
	for _, tc := range tests {
		got, class := slowParsers[tc.fn](tc.in)
		if got != tc.want || class != tc.class {
			t.Errorf("slow %s(%q) = %q, %q; want %q, %q", tc.fn, tc.in, got, class, tc.want, tc.class)
		}
	}
}

// TestSlowLineForm pins the reference for the form of a line.
func TestSlowLineForm(t *testing.T) {
	for in, want := range map[string]hostport.Form{
		"PORT 10,2,0,2,4,31":  hostport.FormPORT,
		"port":                hostport.FormPORT,
		"PORT10,2,0,2,4,31":   hostport.FormPORT,
		"eprt |1|":            hostport.FormEPRT,
		"LpRt 4,4":            hostport.FormLPRT,
		"227 (1,2,3,4,5,6)":   hostport.FormPASV,
		"227-text":            hostport.FormPASV,
		"227\r\n":             hostport.FormPASV,
		"229 (|||1|)":         hostport.FormEPSV,
		"228 x":               hostport.FormLPSV,
		"PORTS 1":             0,
		"PASV":                0,
		"2270 (1,2,3,4,5,6)":  0,
		"2270-(1,2,3,4,5,6)":  0,
		"227x":                0,
		"200 ok":              0,
		"":                    0,
		"10,2,0,2,4,31":       0,
		" PORT 10,2,0,2,4,31": 0,
	} {
		if got := slowLineForm(in); got != want {
			t.Errorf("slowLineForm(%q) = %v, want %v", in, got, want)
		}
	}
}

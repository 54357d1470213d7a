package hostport

import (
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// Names of the parsing functions, as ParseError.Func carries them.
const (
	fnParse     = "Parse"
	fnParsePASV = "ParsePASV"
	fnParsePORT = "ParsePORT"
	fnParseEPSV = "ParseEPSV"
	fnParseEPRT = "ParseEPRT"
	fnParseLPSV = "ParseLPSV"
	fnParseLPRT = "ParseLPRT"
)

const (
	maxByte = 255
	maxPort = 65535
)

// Parse parses s as the bare six-number form "h1,h2,h3,h4,p1,p2" that
// [HostPort.String] writes, such as "10,2,0,2,4,31" for 10.2.0.2 port 1055.
//
// It is strict: exactly six decimal numbers 0–255 separated by single commas,
// and nothing else — no spaces, signs, parentheses or line ending. Leading
// zeros are accepted and read as decimal ("010" is 10).
//
// The errors that Parse returns have concrete type [*ParseError]; if a number
// is above 255, err.Err wraps [ErrRange], otherwise [ErrSyntax].
// It does not allocate unless it returns an error.
func Parse(s string) (HostPort, error) {
	return parse(fnParse, s)
}

func parse(fn, s string) (HostPort, error) {
	return strict6(fn, s, 0, len(s))
}

// MustParse calls [Parse](s) and panics on error.
// It is intended for use in tests with hard-coded strings.
func MustParse(s string) HostPort {
	hp, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return hp
}

// trimEOL returns the length of line without one final "\r\n" or "\n".
func trimEOL(line string) int {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
		if n > 0 && line[n-1] == '\r' {
			n--
		}
	}
	return n
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// isControl reports whether c may not appear inside a line: CR, LF or NUL.
func isControl(c byte) bool { return c == '\r' || c == '\n' || c == 0 }

// number reads the decimal digits of s from i on. It returns their value,
// held at limit+1 once it passes limit so that no run of digits can overflow,
// and the index of the first byte after them (i if there are none).
func number(s string, i, limit int) (v, j int) {
	for j = i; j < len(s); j++ {
		c := s[j] - '0'
		if c > 9 {
			break
		}
		v = v*10 + int(c)
		if v > limit {
			v = limit + 1
		}
	}
	return v, j
}

// portNumber is [number] with limit 65535, faster for the usual ports of
// up to five digits: it holds nothing back until a sixth digit comes.
func portNumber(s string, i int) (v, j int) {
	for j = i; j < len(s) && j < i+5; j++ {
		d := s[j] - '0'
		if d > 9 {
			return v, j
		}
		v = v*10 + int(d)
	}
	if j < len(s) && isDigit(s[j]) {
		return number(s, i, maxPort)
	}
	return v, j
}

func controlError(fn, s string, i int) error {
	name := "NUL"
	switch s[i] {
	case '\r':
		name = "CR"
	case '\n':
		name = "LF"
	}
	return parseError(fn, s, i, ErrSyntax, name+" inside the line")
}

// describe names the byte at s[i] for a message, or the end of the line.
func describe(s string, i, n int) string {
	if i >= n {
		return "end of line"
	}
	if c := s[i]; c >= utf8.RuneSelf {
		return "byte 0x" + strconv.FormatUint(uint64(c), 16)
	}
	return strconv.QuoteRune(rune(s[i]))
}

// unexpected is the error for the byte s[i] (or the end of the line at n)
// where want was expected.
func unexpected(fn, s string, i, n int, want string) error {
	if i < n && isControl(s[i]) {
		return controlError(fn, s, i)
	}
	return parseError(fn, s, i, ErrSyntax, "want "+want+", found "+describe(s, i, n))
}

// byteFields names the numbers of the six-number form.
var byteFields = [6]string{"h1", "h2", "h3", "h4", "p1", "p2"}

// list6 reads six numbers 0–255 separated by single commas at s[i:n] and
// returns them with the index after the last digit. What follows the list is
// for the caller to judge. It is the hot path of ParsePORT and ParsePASV.
func list6(fn, s string, i, n int) (hp HostPort, j int, err error) {
	b := s[:n] // what is read; errors quote all of s
	for k := range hp {
		if k > 0 {
			if i >= len(b) || b[i] != ',' {
				return hp, i, listEnd(fn, s, i, n, k, len(hp), byteFields[k-1])
			}
			i++
		}
		// The usual numbers of one to three digits are read without a loop
		// when four bytes are left; longer ones the slow way.
		var v, e int
		if i+3 < len(b) {
			d0, d1, d2, d3 := b[i]-'0', b[i+1]-'0', b[i+2]-'0', b[i+3]-'0'
			switch {
			case d0 > 9:
				e = i
			case d1 > 9:
				v, e = int(d0), i+1
			case d2 > 9:
				v, e = int(d0)*10+int(d1), i+2
			case d3 > 9:
				v, e = int(d0)*100+int(d1)*10+int(d2), i+3
			default:
				v, e = number(b, i, maxByte)
			}
		} else {
			// At most three bytes are left, so no number can pass 999.
			for e = i; e < len(b) && b[e]-'0' <= 9; e++ {
				v = v*10 + int(b[e]-'0')
			}
		}
		if e == i || v > maxByte {
			return hp, i, fieldError(fn, s, i, e, n, k)
		}
		hp[k] = byte(v)
		i = e
	}
	return hp, i, nil
}

// fieldError is the error for the field k of the six-number form, s[start:end],
// which is empty or above 255.
func fieldError(fn, s string, start, end, n, k int) error {
	if end == start {
		return missingNumber(fn, s, start, n, byteFields[k])
	}
	return rangeError(fn, s, start, end, byteFields[k], maxByte)
}

// strict6 reads s[i:n] as exactly the six-number form.
func strict6(fn, s string, i, n int) (HostPort, error) {
	hp, j, err := list6(fn, s, i, n)
	if err != nil {
		return HostPort{}, err
	}
	if j < n {
		return HostPort{}, trailing(fn, s, j, n, 6, "p2")
	}
	return hp, nil
}

// listEnd is the error for a list of want numbers that stops after got of
// them, at s[i], where a comma was expected after the field named last.
func listEnd(fn, s string, i, n, got, want int, last string) error {
	msg := "want " + strconv.Itoa(want) + " comma-separated numbers, got " + strconv.Itoa(got)
	if i < n {
		if isControl(s[i]) {
			return controlError(fn, s, i)
		}
		msg += ", then " + describe(s, i, n) + " after " + last
	}
	return parseError(fn, s, i, ErrSyntax, msg)
}

// missingNumber is the error for a field of a list that has no digits.
func missingNumber(fn, s string, i, n int, field string) error {
	if i < n && s[i] == ',' {
		return parseError(fn, s, i, ErrSyntax, "empty "+field)
	}
	return unexpected(fn, s, i, n, "digit for "+field)
}

// rangeError is the error for the number s[i:e] of field, above max.
func rangeError(fn, s string, i, e int, field string, max int) error {
	return parseError(fn, s, i, ErrRange, field+" "+numText(s[i:e])+
		" out of range [0,"+strconv.Itoa(max)+"]")
}

// trailing is the error for bytes at s[j:n] after a complete list of want
// numbers whose last field is named last.
func trailing(fn, s string, j, n, want int, last string) error {
	if s[j] == ',' {
		return tooMany(fn, s, j, n, want)
	}
	return unexpected(fn, s, j, n, "end of line after "+last)
}

// tooMany is the error for a list of want numbers followed by a comma at s[j].
func tooMany(fn, s string, j, n, want int) error {
	if j+1 >= n || !isDigit(s[j+1]) {
		return parseError(fn, s, j, ErrSyntax, "comma after the last number")
	}
	got := want
	for i := j; i < n && (s[i] == ',' || isDigit(s[i])); i++ {
		if s[i] == ',' {
			got++
		}
	}
	return parseError(fn, s, j, ErrSyntax, "want "+strconv.Itoa(want)+
		" comma-separated numbers, got "+strconv.Itoa(got))
}

// commandArg returns the index of the argument of a command line s[:n] for
// verb (four upper-case letters): 5 after the verb in any case and one space,
// or 0 if s does not start with a verb, the argument alone.
func commandArg(fn, s string, n int, verb string) (int, error) {
	if n > 4 && s[4] == ' ' && s[0]&^0x20 == verb[0] && s[1]&^0x20 == verb[1] &&
		s[2]&^0x20 == verb[2] && s[3]&^0x20 == verb[3] {
		return 5, nil // the usual case, kept small enough to inline
	}
	return verbArg(fn, s, n, verb)
}

// verbArg is commandArg for the lines that do not start with the verb and a
// space: the argument alone, or an error.
func verbArg(fn, s string, n int, verb string) (int, error) {
	if n >= 2 && isLetter(s[0]) && isLetter(s[1]) {
		// No argument starts with two letters, so this is a verb.
		v := 0
		for v < n && isLetter(s[v]) {
			v++
		}
		if v != len(verb) || !equalFold(s[:v], verb) {
			return 0, parseError(fn, s, 0, ErrSyntax, "verb "+quoteField(s[:v])+", want "+verb)
		}
		if v >= n || s[v] != ' ' {
			return 0, unexpected(fn, s, v, n, "one space after "+verb)
		}
		return v + 1, nil
	}
	return 0, nil
}

// equalFold reports whether s equals upper, an upper-case ASCII word of the
// same length, in any case.
func equalFold(s, upper string) bool {
	for i := 0; i < len(s); i++ {
		if s[i]&^0x20 != upper[i] {
			return false
		}
	}
	return true
}

// replyText returns the index where the text of a reply s[:n] starts: 4 after
// a three-digit code followed by a space or '-', which must be code, or 0 if
// s has no code.
func replyText(fn, s string, n int, code string) (int, error) {
	if n < 4 || (s[3] != ' ' && s[3] != '-') {
		return 0, nil
	}
	if s[0] == code[0] && s[1] == code[1] && s[2] == code[2] {
		return 4, nil
	}
	if isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) {
		return 0, parseError(fn, s, 0, ErrSyntax, "reply code "+s[:3]+", want "+code)
	}
	return 0, nil
}

// skipKnown returns the index after text if the reply text at s[t:n] starts
// with it, and t otherwise. The parsers use it to cross the usual text of a
// reply at once; text must hold no digit, CR, LF or NUL, so that the scan
// would have crossed it anyway.
func skipKnown(s string, t, n int, text string) int {
	if n-t > len(text) && s[t:t+len(text)] == text {
		return t + len(text)
	}
	return t
}

// nextList returns the index in the reply text s[i:n] of the first number
// of the first comma-separated list of numbers (the first run of digits
// followed by a comma; digits elsewhere are text), or of the first CR, LF or
// NUL if that comes first, or n if there is neither.
func nextList(s string, i, n int) int {
	for ; i < n; i++ {
		if i = skipText(s, i, n); i >= n {
			break
		}
		if isControl(s[i]) {
			return i
		}
		if isDigit(s[i]) {
			j := i + 1
			for j < n && isDigit(s[j]) {
				j++
			}
			if j < n && s[j] == ',' {
				return i
			}
			i = j - 1
		}
	}
	return n
}

// findList returns the index of the first number of the first
// comma-separated list of numbers in the reply text s[i:n].
func findList(fn, s string, i, n int) (int, error) {
	switch i = nextList(s, i, n); {
	case i >= n:
		return 0, parseError(fn, s, n, ErrSyntax, "no comma-separated numbers in the reply text")
	case isControl(s[i]):
		return 0, controlError(fn, s, i)
	}
	return i, nil
}

// gluedBefore reports whether the byte before a list starting at s[i] (with
// the text starting at t) makes the list part of something else: a comma (an
// empty first field), a sign, a letter, '_', ':' (IPv6 text) or '.' after a
// digit (a dotted address).
func gluedBefore(s string, t, i int) bool {
	if i <= t {
		return false
	}
	switch c := s[i-1]; c {
	case ',', '+', '-', '_', ':':
		return true
	case '.':
		return i-2 >= t && isDigit(s[i-2])
	default:
		return isLetter(c)
	}
}

// gluedAfter reports whether the byte after a list ending at s[j] makes the
// list part of something else: a letter, '_', ':', a sign or '.' before a
// digit. A comma there is judged by the caller.
func gluedAfter(s string, j, n int) bool {
	if j >= n {
		return false
	}
	switch c := s[j]; c {
	case '+', '-', '_', ':':
		return true
	case '.':
		return j+1 < n && isDigit(s[j+1])
	default:
		return isLetter(c)
	}
}

// replyTail checks the reply text s[j:n] after a list of want numbers: no
// comma glued to the list, nothing glued to it, no second list, no CR, LF or
// NUL.
func replyTail(fn, s string, j, n, want int) error {
	if j < n && s[j] == ',' {
		return tooMany(fn, s, j, n, want)
	}
	if gluedAfter(s, j, n) {
		return parseError(fn, s, j, ErrSyntax, "list of numbers followed by "+describe(s, j, n))
	}
	switch i := nextList(s, j, n); {
	case i >= n:
	case isControl(s[i]):
		return controlError(fn, s, i)
	default:
		return parseError(fn, s, i, ErrSyntax, "a second comma-separated list of numbers")
	}
	return nil
}

// listStart finds the list in the text s[t:n] of a reply and checks that
// nothing is glued to its start.
func listStart(fn, s string, t, n int) (int, error) {
	i, err := findList(fn, s, t, n)
	if err != nil {
		return 0, err
	}
	if gluedBefore(s, t, i) {
		return 0, parseError(fn, s, i-1, ErrSyntax, "list of numbers preceded by "+describe(s, i-1, n))
	}
	return i, nil
}

// Masks for the eight bytes of a uint64.
const (
	ones8 = 0x0101010101010101
	high8 = 0x8080808080808080
)

// skipText returns the index of the first byte in s[i:n] that is an ASCII
// digit or below 14 (which includes NUL, LF and CR), or n if there is none.
// It reads eight bytes at a time, so that the reply parsers cross the words
// of a reply's text quickly.
func skipText(s string, i, n int) int {
	s = s[:n]
	for ; i+8 <= len(s); i += 8 {
		x := load8(s, i)
		if m := below14(x) | digits8(x); m != 0 {
			// Borrows make false hits only above a true one, so the
			// lowest hit is exact.
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c-'0' <= 9 || c < 14 {
			return i
		}
	}
	return i
}

// findOpen returns the index of the first '(' or byte below 14 (which
// includes NUL, LF and CR) in s[i:n], or n if there is none. It reads eight
// bytes at a time.
func findOpen(s string, i, n int) int {
	s = s[:n]
	for ; i+8 <= len(s); i += 8 {
		x := load8(s, i)
		if m := below14(x) | zero8(x^(ones8*'(')); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c == '(' || c < 14 {
			return i
		}
	}
	return i
}

// load8 returns the eight bytes s[i:i+8] as a little-endian uint64.
func load8(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// below14 returns x with the high bit of a byte set if that byte is below 14
// (which includes NUL, LF and CR). Borrows may set it also in bytes above
// the lowest such byte, so only the lowest hit is exact. This is the has-less
// trick of "Bit Twiddling Hacks".
func below14(x uint64) uint64 { return (x - ones8*14) &^ x & high8 }

// zero8 returns x with the high bit of a byte set if that byte is zero, with
// false hits only above the lowest true one (the has-zero trick of "Bit
// Twiddling Hacks"); zero8(x ^ ones8*c) finds the byte c.
func zero8(x uint64) uint64 { return (x - ones8) &^ x & high8 }

// digits8 returns x with the high bit of each byte set if that byte is an
// ASCII digit: the has-between trick of "Bit Twiddling Hacks", exact for
// every byte; ^x masks out the bytes from 0x80 on.
func digits8(x uint64) uint64 {
	t := x & (ones8 * 0x7f)
	return (ones8*(127+'9'+1) - t) &^ x & (t + ones8*(127-('0'-1))) & high8
}

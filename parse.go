package hostport

import "strconv"

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

// checkLine returns an error for the first CR, LF or NUL in s[i:n].
func checkLine(fn, s string, i, n int) error {
	for ; i < n; i++ {
		if isControl(s[i]) {
			return controlError(fn, s, i)
		}
	}
	return nil
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
// for the caller to judge.
func list6(fn, s string, i, n int) (hp HostPort, j int, err error) {
	for k := range hp {
		if k > 0 {
			if i >= n || s[i] != ',' {
				return hp, i, listEnd(fn, s, i, n, k, 6, byteFields[k-1])
			}
			i++
		}
		v, e := number(s[:n], i, maxByte)
		if e == i {
			return hp, i, missingNumber(fn, s, i, n, byteFields[k])
		}
		if v > maxByte {
			return hp, i, rangeError(fn, s, i, e, byteFields[k], maxByte)
		}
		hp[k] = byte(v)
		i = e
	}
	return hp, i, nil
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
// verb (upper case, four letters): 5 after the verb in any case and one space,
// or 0 if s does not start with a verb, the argument alone.
func commandArg(fn, s string, n int, verb string) (int, error) {
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

// equalFold reports whether the ASCII letters s equal upper, an upper-case
// word of the same length, in any case.
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
	if n >= 4 && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && (s[3] == ' ' || s[3] == '-') {
		if s[:3] != code {
			return 0, parseError(fn, s, 0, ErrSyntax, "reply code "+s[:3]+", want "+code)
		}
		return 4, nil
	}
	return 0, nil
}

// findList returns the index of the first number of the first
// comma-separated list of numbers in the reply text s[i:n]: the first run of
// digits followed by a comma. Digits elsewhere are text.
func findList(fn, s string, i, n int) (int, error) {
	for ; i < n; i++ {
		c := s[i]
		if isDigit(c) {
			j := i + 1
			for j < n && isDigit(s[j]) {
				j++
			}
			if j < n && s[j] == ',' {
				return i, nil
			}
			i = j - 1
		} else if isControl(c) {
			return 0, controlError(fn, s, i)
		}
	}
	return 0, parseError(fn, s, n, ErrSyntax, "no comma-separated numbers in the reply text")
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
	for i := j; i < n; i++ {
		c := s[i]
		if isDigit(c) {
			k := i + 1
			for k < n && isDigit(s[k]) {
				k++
			}
			if k < n && s[k] == ',' {
				return parseError(fn, s, i, ErrSyntax, "a second comma-separated list of numbers")
			}
			i = k - 1
		} else if isControl(c) {
			return controlError(fn, s, i)
		}
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

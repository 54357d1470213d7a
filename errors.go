package hostport

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrSyntax indicates that a line or value is not in the form the parser reads:
// a missing or extra field, a character that does not belong, a wrong verb or
// reply code, a forbidden CR, LF or NUL.
var ErrSyntax = errors.New("invalid syntax")

// ErrRange indicates that a number is outside the range of its field: a byte
// of an address or port above 255, a port above 65535.
var ErrRange = errors.New("value out of range")

// ErrFamily indicates an address family that the protocol does not define or
// that the form cannot carry: an unknown EPRT net-prt (a server answers 522),
// an unknown LPRT or LPSV af (a server answers 521), or an IPv6 address given
// to [FromAddrPort] or [FromTCPAddr], whose six-number form carries only IPv4.
// A net-addr of the wrong family for its net-prt, such as IPv6 text after
// net-prt 1, is a malformed line and so an [ErrSyntax].
var ErrFamily = errors.New("unsupported address family")

// A ParseError records a failed parse. Its Err field is an error whose text is
// the reason and which wraps exactly one of [ErrSyntax], [ErrRange] and
// [ErrFamily], so errors.Is(err, ErrRange) works on both the ParseError and
// its Err.
type ParseError struct {
	// Func is the function that failed: "Parse", "ParsePASV", "ParsePORT",
	// "ParseEPSV", "ParseEPRT", "ParseLPSV", "ParseLPRT", "ParseLine" (for a
	// line of none of the forms) or "Form.UnmarshalText".
	Func string
	// Input is the text that was parsed, in full.
	Input string
	// Offset is the byte offset in Input where the fault starts;
	// Offset == len(Input) means that the input ended too early.
	Offset int
	// Err is the reason; it wraps ErrSyntax, ErrRange or ErrFamily.
	Err error
}

// maxQuoted is the longest input quoted in full by [ParseError.Error]; longer
// inputs are cut there and marked with "...".
const maxQuoted = 200

// Error returns the message, which names the function, quotes the input, gives
// the reason and the offset:
//
//	hostport.ParsePORT: parsing "PORT 10,2,0,2,4,310": p2 310 out of range [0,255] at offset 16
func (e *ParseError) Error() string {
	in := e.Input
	cut := ""
	if len(in) > maxQuoted {
		in, cut = in[:maxQuoted], "..."
	}
	return "hostport." + e.Func + ": parsing " + strconv.Quote(in) + cut + ": " +
		e.Err.Error() + " at offset " + strconv.Itoa(e.Offset)
}

// Unwrap returns e.Err, so that errors.Is(err, ErrSyntax) and the like work.
func (e *ParseError) Unwrap() error { return e.Err }

// reason is the Err of a ParseError: a text and the sentinel it belongs to.
type reason struct {
	msg  string
	kind error
}

func (r *reason) Error() string { return r.msg }
func (r *reason) Unwrap() error { return r.kind }

// parseError builds every error the parsers return. It is kept out of line
// so that the parsers' many error paths (37 calls) do not each carry a copy:
// inlined, it makes the package's object a seventh larger, and the parsers
// no faster.
//
//go:noinline
func parseError(fn, in string, off int, kind error, msg string) error {
	return &ParseError{Func: fn, Input: strings.Clone(in), Offset: off, Err: &reason{msg: msg, kind: kind}}
}

// quoteField quotes the text of a field for a message, cut if it is long.
func quoteField(s string) string {
	const max = 24
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

// numText returns the digits of a number for a message, cut if it is long.
func numText(s string) string {
	const max = 24
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// Names of the parsing functions, as ParseError.Func carries them.
const (
	fnParse     = "Parse"
	fnParsePASV = "ParsePASV"
	fnParsePORT = "ParsePORT"
	fnParseEPSV = "ParseEPSV"
	fnParseEPRT = "ParseEPRT"
	fnParseLPSV = "ParseLPSV"
	fnParseLPRT = "ParseLPRT"
	fnParseLine = "ParseLine"
)

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

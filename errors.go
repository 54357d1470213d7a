package hostport

import (
	"errors"
	"strconv"
	"strings"
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
	// "ParseEPSV", "ParseEPRT", "ParseLPSV" or "ParseLPRT".
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

// parseError builds every error the parsers return. It is kept out of line so
// that the successful paths of the parsers allocate nothing.
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

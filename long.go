package hostport

import (
	"net/netip"
	"strconv"
)

// longFields names the numbers of the long forms of RFC 1639 for IPv6; those
// for IPv4 are the same up to h4, then pal, p1 and p2.
var (
	longFields6 = [21]string{"af", "hal", "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8",
		"h9", "h10", "h11", "h12", "h13", "h14", "h15", "h16", "pal", "p1", "p2"}
	longFields4 = [9]string{"af", "hal", "h1", "h2", "h3", "h4", "pal", "p1", "p2"}
)

// long reads the long host-port of RFC 1639 at s[i:n]: af, hal, hal address
// bytes, pal and pal port bytes, all numbers 0–255 separated by single commas,
// with af 4 and hal 4 for IPv4 or af 6 and hal 16 for IPv6, and pal 2. It
// returns the address and port and the index after the last digit.
func long(fn, s string, i, n int) (netip.AddrPort, int, error) {
	af, j := number(s[:n], i, maxByte)
	switch {
	case j == i:
		return netip.AddrPort{}, i, missingNumber(fn, s, i, n, "af")
	case af > maxByte:
		return netip.AddrPort{}, i, rangeError(fn, s, i, j, "af", maxByte)
	case af != 4 && af != 6:
		if j >= n || s[j] != ',' {
			// A line cut after af is truncated, whatever af says.
			return netip.AddrPort{}, j, unexpected(fn, s, j, n, "',' after af")
		}
		return netip.AddrPort{}, i, parseError(fn, s, i, ErrFamily,
			"unknown af "+strconv.Itoa(af)+" (want 4 or 6)")
	}
	names := longFields6[:]
	if af == 4 {
		names = longFields4[:]
	}
	hal := len(names) - 5
	var b [16 + 2]byte // address bytes, then port bytes
	i = j
	for k := 1; k < len(names); k++ {
		if i >= n || s[i] != ',' {
			return netip.AddrPort{}, i, listEnd(fn, s, i, n, k, len(names), names[k-1])
		}
		i++
		v, j := number(s[:n], i, maxByte)
		switch {
		case j == i:
			return netip.AddrPort{}, i, missingNumber(fn, s, i, n, names[k])
		case v > maxByte:
			return netip.AddrPort{}, i, rangeError(fn, s, i, j, names[k], maxByte)
		case k == 1 && v != hal:
			return netip.AddrPort{}, i, parseError(fn, s, i, ErrSyntax, "hal "+strconv.Itoa(v)+
				" does not match af "+strconv.Itoa(af)+" (want "+strconv.Itoa(hal)+")")
		case k == 2+hal && v != 2:
			return netip.AddrPort{}, i, parseError(fn, s, i, ErrSyntax, "pal "+strconv.Itoa(v)+" (want 2)")
		case k >= 2 && k < 2+hal:
			b[k-2] = byte(v)
		case k > 2+hal:
			b[k-3] = byte(v)
		}
		i = j
	}
	var a netip.Addr
	if af == 4 {
		a = netip.AddrFrom4([4]byte(b[:4]))
	} else {
		a = netip.AddrFrom16([16]byte(b[:16]))
	}
	return netip.AddrPortFrom(a, uint16(b[hal])<<8|uint16(b[hal+1])), i, nil
}

// longLen is the count of numbers in the long form of an address.
func longLen(a netip.Addr) int {
	if a.Is4() {
		return len(longFields4)
	}
	return len(longFields6)
}

// ParseLPRT parses an LPRT command (RFC 1639) and returns the address and
// port it names, such as 192.0.2.1 port 1055 for
//
//	LPRT 4,4,192,0,2,1,2,4,31
//	LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,31
//
// line is either the whole command line — the verb in any case, exactly one
// space and the argument — or the argument alone; a single final "\r\n" or
// "\n" is ignored. The argument is strict: af, hal, the hal bytes of the
// address, pal and the pal bytes of the port, each a decimal number 0–255,
// separated by single commas and nothing else. af 4 needs hal 4 and yields an
// IPv4 address; af 6 needs hal 16 and yields an IPv6 one (an IPv4-mapped
// address stays mapped); pal must be 2.
//
// The errors that ParseLPRT returns have concrete type [*ParseError]; if af is
// a number other than 4 and 6 (a server answers 521), err.Err wraps
// [ErrFamily]; if a number is above 255, [ErrRange]; otherwise [ErrSyntax].
// It does not allocate unless it returns an error.
func ParseLPRT(line string) (netip.AddrPort, error) {
	const fn = fnParseLPRT
	n := trimEOL(line)
	i, err := commandArg(fn, line, n, "LPRT")
	if err != nil {
		return netip.AddrPort{}, err
	}
	ap, j, err := long(fn, line, i, n)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if j < n {
		return netip.AddrPort{}, trailing(fn, line, j, n, longLen(ap.Addr()), "p2")
	}
	return ap, nil
}

// MustParseLPRT calls [ParseLPRT](line) and panics on error.
// It is intended for use in tests with hard-coded strings.
func MustParseLPRT(line string) netip.AddrPort {
	ap, err := ParseLPRT(line)
	if err != nil {
		panic(err)
	}
	return ap
}

// ParseLPSV parses the 228 reply to an LPSV command (RFC 1639) and returns the
// address and port it carries, such as 192.0.2.1 port 1055 for
//
//	228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)
//
// The reply is read as [ParsePASV] reads a 227 reply — one line, an optional
// code that must be 228, the text scanned for the list of the address, which
// must stand on its own — and the list must be the long host-port that
// [ParseLPRT] reads. Here the list of the address is the first of nine or
// more numbers (the length of the shortest long host-port), shorter lists
// are text, and a second list of nine or more numbers is an error.
//
// The errors that ParseLPSV returns have concrete type [*ParseError], with
// err.Err wrapping [ErrFamily], [ErrRange] or [ErrSyntax] as for ParseLPRT.
// It does not allocate unless it returns an error.
func ParseLPSV(reply string) (netip.AddrPort, error) {
	const fn = fnParseLPSV
	n := trimEOL(reply)
	t, err := replyText(fn, reply, n, "228")
	if err != nil {
		return netip.AddrPort{}, err
	}
	// Most servers send the text of RFC 1639: if a list that reads follows
	// it, that list is the first one, and no scan is needed.
	if i := skipKnown(reply, t, n, lpsvText); i > t {
		if ap, j, err := long(fn, reply, i, n); err == nil {
			if err := replyTail(fn, reply, j, n, longLen(ap.Addr()), minLPSV); err != nil {
				return netip.AddrPort{}, err
			}
			return ap, nil
		}
	}
	i, err := listStart(fn, reply, t, n, minLPSV)
	if err != nil {
		return netip.AddrPort{}, err
	}
	ap, j, err := long(fn, reply, i, n)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if err := replyTail(fn, reply, j, n, longLen(ap.Addr()), minLPSV); err != nil {
		return netip.AddrPort{}, err
	}
	return ap, nil
}

// MustParseLPSV calls [ParseLPSV](reply) and panics on error.
// It is intended for use in tests with hard-coded strings.
func MustParseLPSV(reply string) netip.AddrPort {
	ap, err := ParseLPSV(reply)
	if err != nil {
		panic(err)
	}
	return ap
}

const (
	lpsvText   = "Entering Long Passive Mode ("
	lpsvPrefix = "228 " + lpsvText
	lpsvSuffix = ")"
	maxLongLen = len("6,16,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,2,255,255")
)

// FormatLPRT returns the LPRT command that names ap, without line ending:
// af 4 for an IPv4 address, af 6 for an IPv6 one (an IPv4-mapped address
// stays IPv6); a zone is dropped, since LPRT cannot carry it.
//
//	LPRT 4,4,192,0,2,1,2,4,31
//
// If ap's address is not valid (the zero netip.Addr), FormatLPRT returns "".
func FormatLPRT(ap netip.AddrPort) string {
	var buf [len("LPRT ") + maxLongLen]byte
	return string(AppendLPRT(buf[:0], ap))
}

// AppendLPRT appends the LPRT command as generated by [FormatLPRT] to dst and
// returns the extended buffer; for an invalid address it appends nothing.
func AppendLPRT(dst []byte, ap netip.AddrPort) []byte {
	if !ap.Addr().IsValid() {
		return dst
	}
	return appendLong(append(dst, "LPRT "...), ap)
}

// FormatLPSV returns the 228 reply that announces ap, without line ending,
// with the long host-port that [FormatLPRT] writes:
//
//	228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)
//
// If ap's address is not valid (the zero netip.Addr), FormatLPSV returns "".
func FormatLPSV(ap netip.AddrPort) string {
	var buf [len(lpsvPrefix) + maxLongLen + len(lpsvSuffix)]byte
	return string(AppendLPSV(buf[:0], ap))
}

// AppendLPSV appends the 228 reply as generated by [FormatLPSV] to dst and
// returns the extended buffer; for an invalid address it appends nothing.
func AppendLPSV(dst []byte, ap netip.AddrPort) []byte {
	if !ap.Addr().IsValid() {
		return dst
	}
	dst = appendLong(append(dst, lpsvPrefix...), ap)
	return append(dst, lpsvSuffix...)
}

// appendLong appends the long host-port of a valid ap.
func appendLong(dst []byte, ap netip.AddrPort) []byte {
	a := ap.Addr()
	if a.Is4() {
		dst = append(dst, "4,4"...)
		for _, v := range a.As4() {
			dst = appendByte(append(dst, ','), v)
		}
	} else {
		dst = append(dst, "6,16"...)
		for _, v := range a.As16() {
			dst = appendByte(append(dst, ','), v)
		}
	}
	dst = append(dst, ",2,"...)
	dst = appendByte(dst, byte(ap.Port()>>8))
	return appendByte(append(dst, ','), byte(ap.Port()))
}

package hostport

import "math/bits"

const (
	maxByte = 255
	maxPort = 65535
)

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

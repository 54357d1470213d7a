package hostport

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

// skipText returns the index of the first byte in s[i:n] that is an ASCII
// digit or below 14 (which includes NUL, LF and CR), or n if there is none.
// The reply parsers cross the words of a reply's text with it.
func skipText(s string, i, n int) int {
	for ; i < n; i++ {
		if c := s[i]; c-'0' <= 9 || c < 14 {
			return i
		}
	}
	return n
}

// findOpen returns the index of the first '(' or byte below 14 (which
// includes NUL, LF and CR) in s[i:n], or n if there is none.
func findOpen(s string, i, n int) int {
	for ; i < n; i++ {
		if c := s[i]; c == '(' || c < 14 {
			return i
		}
	}
	return n
}

package hostport

import "strconv"

// replyText returns the index where the text of a reply s[:n] starts: 4 after
// a three-digit code followed by a space or '-', which must be code, or 0 if
// s has no code. A line that starts with four or more digits and a space is
// an error: no reader of replies (net/textproto, curl) takes it for a reply.
func replyText(fn, s string, n int, code string) (int, error) {
	if n < 4 || (s[3] != ' ' && s[3] != '-') {
		return longCode(fn, s, n, code)
	}
	if s[0] == code[0] && s[1] == code[1] && s[2] == code[2] {
		return 4, nil
	}
	if isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) {
		return 0, parseError(fn, s, 0, ErrSyntax, "reply code "+s[:3]+", want "+code)
	}
	return 0, nil
}

// longCode is replyText for a line s[:n] whose fourth byte is not a space or
// '-': the text of a reply, or an error if it starts with four or more digits
// and a space.
func longCode(fn, s string, n int, code string) (int, error) {
	k := 0
	for k < n && isDigit(s[k]) {
		k++
	}
	if k >= 4 && k < n && s[k] == ' ' {
		return 0, parseError(fn, s, 0, ErrSyntax, "reply code "+numText(s[:k])+", want "+code)
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

// A list is a run of numbers joined by single commas: "10,0,0,1,4,31".
// The text of a 227 or 228 reply may hold other lists, such as "took 2,3 ms";
// only a list long enough to be read as the address counts. minPASV and
// minLPSV are those lengths: six numbers for a 227 reply, and for a 228
// reply the nine of the shortest long host-port (af 4).
const (
	minPASV = 6
	minLPSV = 9
)

// nextList returns the index in the reply text s[i:n] of the first number
// of the first list of at least min numbers (shorter lists and other digits
// are text), or of the first CR, LF or NUL if that comes first, or n if there
// is neither.
func nextList(s string, i, n, min int) int {
	for ; i < n; i++ {
		if i = skipText(s, i, n); i >= n {
			break
		}
		if isControl(s[i]) {
			return i
		}
		if isDigit(s[i]) {
			j, long := listRun(s, i, n, min)
			if long {
				return i
			}
			i = j - 1
		}
	}
	return n
}

// listRun reads the list that starts with the digit s[i]. It reports whether
// the list has at least min numbers, and if not, returns the index after its
// last digit.
func listRun(s string, i, n, min int) (j int, long bool) {
	j = i
	for count := 1; ; count++ {
		for j < n && isDigit(s[j]) {
			j++
		}
		if count >= min {
			return j, true
		}
		if j+1 >= n || s[j] != ',' || !isDigit(s[j+1]) {
			return j, false
		}
		j++
	}
}

// firstList returns the index in the reply text s[i:n] of the first run of
// digits followed by a comma, or n if there is none. The parsers report
// their error about that list when the text holds none long enough.
func firstList(s string, i, n int) int {
	for ; i < n; i++ {
		if !isDigit(s[i]) {
			continue
		}
		j := i + 1
		for j < n && isDigit(s[j]) {
			j++
		}
		if j < n && s[j] == ',' {
			return i
		}
		i = j
	}
	return n
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
// comma glued to the list, nothing glued to it, no second list of min or more
// numbers (readers that take the last list would see another address), no
// CR, LF or NUL.
func replyTail(fn, s string, j, n, want, min int) error {
	if j < n && s[j] == ',' {
		return tooMany(fn, s, j, n, want)
	}
	if gluedAfter(s, j, n) {
		return parseError(fn, s, j, ErrSyntax, "list of numbers followed by "+describe(s, j, n))
	}
	switch i := nextList(s, j, n, min); {
	case i >= n:
	case isControl(s[i]):
		return controlError(fn, s, i)
	default:
		return parseError(fn, s, i, ErrSyntax, "a second list of "+strconv.Itoa(min)+
			" or more comma-separated numbers")
	}
	return nil
}

// listStart finds the list of the address in the text s[t:n] of a reply: the
// first list of at least min numbers, or if there is none the first list,
// about which the caller then reports. It checks that nothing is glued to
// the list's start.
func listStart(fn, s string, t, n, min int) (int, error) {
	i := nextList(s, t, n, min)
	if i < n && isControl(s[i]) {
		return 0, controlError(fn, s, i)
	}
	if i >= n {
		if i = firstList(s, t, n); i >= n {
			return 0, parseError(fn, s, n, ErrSyntax, "no comma-separated numbers in the reply text")
		}
	}
	if gluedBefore(s, t, i) {
		return 0, parseError(fn, s, i-1, ErrSyntax, "list of numbers preceded by "+describe(s, i-1, n))
	}
	return i, nil
}

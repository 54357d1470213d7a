package hostport

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

package hostport

// commandArg returns the index of the argument of a command line s[:n] for
// verb (four upper-case letters): 5 after the verb in any case and one space,
// or 0 if s does not start with a verb, the argument alone.
func commandArg(fn, s string, n int, verb string) (int, error) {
	if n > 4 && s[4] == ' ' && s[0]&^0x20 == verb[0] && s[1]&^0x20 == verb[1] &&
		s[2]&^0x20 == verb[2] && s[3]&^0x20 == verb[3] {
		return 5, nil // the usual case, told without a call
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

package hostport

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

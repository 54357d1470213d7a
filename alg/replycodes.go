package alg

// How clients read a reply line: where its code is, and where some client
// could see a line, or the end of a reply, inside it.

// telnetPrefix returns the length of the Telnet commands at the start of a
// reply line: the option negotiations (IAC WILL, WONT, DO or DONT and an
// option) that a server such as ProFTPD writes in answer to those the client
// sent, and any other IAC and command byte, which clients such as tnftp skip
// before the code. IAC IAC is a data byte and ends the prefix.
func telnetPrefix(b []byte) int {
	k := 0
	for k+1 < len(b) && b[k] == iac && b[k+1] != iac {
		if b[k+1] >= will && b[k+1] <= dont {
			if k+2 >= len(b) {
				break
			}
			k++
		}
		k += 2
	}
	return k
}

// looseCode returns the reply code that the most lenient client could read
// at the start of b, or 0: the first three digits after any Telnet commands
// and any bytes that are neither ASCII letters nor digits (spaces, tabs,
// punctuation, control and non-ASCII bytes), if no fourth digit follows.
// "227 (…)", " 227 (…)", "\xff\xf1227 (…)", "227(…)" and "*227-" all have
// the code 227; "Welcome 227" and "2270" have none.
func looseCode(b []byte) int {
	i := 0
	for i < len(b) {
		c := b[i]
		switch {
		case c == iac && i+2 < len(b) && b[i+1] >= will && b[i+1] <= dont:
			i += 3
		case c == iac && i+1 < len(b):
			i += 2
		case isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			if i+3 > len(b) || !isDigit(b[i+1]) || !isDigit(b[i+2]) || i+3 < len(b) && isDigit(b[i+3]) {
				return 0
			}
			return int(c-'0')*100 + int(b[i+1]-'0')*10 + int(b[i+2]-'0')
		default:
			i++
		}
	}
	return 0
}

// isAddrCode reports whether code is that of a reply that carries a data
// address: 227, 228 or 229.
func isAddrCode(code int) bool { return code == 227 || code == 228 || code == 229 }

// isCtl reports whether c is one of the bytes that end a line for some
// client: CR, LF and NUL.
func isCtl(c byte) bool { return c == '\r' || c == '\n' || c == 0 }

// pieces calls f with each piece of b that a client that ends lines at a
// bare CR, a bare LF or NUL could read as a line, the first one included,
// and reports whether f returned true for one.
func pieces(b []byte, f func(piece []byte) bool) bool {
	if f(b) {
		return true
	}
	for i, c := range b {
		if isCtl(c) && f(b[i+1:]) {
			return true
		}
	}
	return false
}

// addrPiece reports whether a piece of a line could be read as a reply line
// with an address code.
func addrPiece(piece []byte) bool { return isAddrCode(looseCode(piece)) }

// finalPiece reports whether a piece of a line could be read as the final
// line of a reply: three digits not followed by '-'.
func finalPiece(piece []byte) bool {
	return len(piece) >= 3 && isDigit(piece[0]) && isDigit(piece[1]) && isDigit(piece[2]) &&
		(len(piece) == 3 || piece[3] != '-' && !isDigit(piece[3]))
}

// endsInside reports whether some client could read the end of a reply
// inside the bad line b (one with a bare CR, bare LF or NUL): a piece after
// one of those that starts with a final reply code.
func endsInside(b []byte) bool {
	for i, c := range b {
		if isCtl(c) && finalPiece(b[i+1:]) {
			return true
		}
	}
	return false
}

// longEnds is endsInside for a piece of an over-long line: it also reports
// true for a CR, LF or NUL too close to the end of a piece that is not the
// last for the code after it to be seen.
func longEnds(piece []byte, last bool) bool {
	for i, c := range piece {
		if !isCtl(c) {
			continue
		}
		if rest := piece[i+1:]; finalPiece(rest) || !last && len(rest) < 4 {
			return true
		}
	}
	return false
}

// hasCtl reports whether b holds a CR, LF or NUL, not counting the CRLF that
// ends b if last.
func hasCtl(b []byte, last bool) bool {
	if last && len(b) >= 2 && b[len(b)-2] == '\r' && b[len(b)-1] == '\n' {
		b = b[:len(b)-2]
	}
	for _, c := range b {
		if isCtl(c) {
			return true
		}
	}
	return false
}

// replyPrefix returns the code of a reply line b and the byte after it: ' '
// for a final line (also for a line of just the code), '-' for the first line
// of a multi-line reply, or 0 if b does not start with a reply code 100–599.
func replyPrefix(b []byte) (int, byte) {
	if len(b) < 4 || b[0] < '1' || b[0] > '5' || !isDigit(b[1]) || !isDigit(b[2]) {
		return 0, 0
	}
	code := int(b[0]-'0')*100 + int(b[1]-'0')*10 + int(b[2]-'0')
	switch b[3] {
	case ' ', '\r':
		return code, ' '
	case '-':
		return code, '-'
	}
	return 0, 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

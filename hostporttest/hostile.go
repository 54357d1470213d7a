package hostporttest

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/ftpkit/hostport"
	"pgregory.net/rapid"
)

var (
	errSyntax = hostport.ErrSyntax
	errRange  = hostport.ErrRange
	errFamily = hostport.ErrFamily
)

// Numbers above 255 and above 65535 that bigNumber draws among others.
var (
	bigBytes = []string{"256", "300", "999", "1000", "65535", "65536", "99999",
		"4294967296", "18446744073709551616"}
	bigPorts = []string{"65536", "65537", "70000", "99999", "100000",
		"4294967296", "18446744073709551616"}
)

// bigNumber draws the decimal text, without leading zeros, of a number above
// max, which is 255 or 65535: just above it, a round number, any number up
// to a billion, or a run of 20 to 60 digits.
func bigNumber(t *rapid.T, max int) string {
	switch rapid.SampledFrom([]string{"just above", "round", "any", "huge"}).Draw(t, "big number") {
	case "just above":
		return strconv.Itoa(max + 1)
	case "round":
		if max < 256 {
			return rapid.SampledFrom(bigBytes).Draw(t, "round number")
		}
		return rapid.SampledFrom(bigPorts).Draw(t, "round number")
	case "any":
		return strconv.Itoa(rapid.IntRange(max+1, 1_000_000_000).Draw(t, "number"))
	}
	return rapid.StringMatching(`[1-9][0-9]{19,59}`).Draw(t, "digits")
}

// withZeros puts leading zeros before the number s, or not; leading zeros
// do not change its value.
func withZeros(t *rapid.T, s string) string {
	return drawZeros(t) + s
}

// byteBut draws a number 0–255 other than not, with or without leading zeros.
func byteBut(t *rapid.T, not int) string {
	v := rapid.IntRange(0, 254).Draw(t, "number")
	if v >= not {
		v++
	}
	return withZeros(t, strconv.Itoa(v))
}

// insert returns s with x inserted at offset i.
func insert(s string, i int, x string) string { return s[:i] + x + s[i:] }

// Faults that every form can get.
const (
	faultControl   = "CR, LF or NUL inside"
	faultEOL       = "bad line ending"
	faultTruncated = "truncated"
	faultReal      = "sent by a real peer"
)

var controls = []string{"\r", "\n", "\x00"}

// badEOLs are line endings that leave a CR, LF or NUL in the line once one
// final "\r\n" or "\n" is taken off.
var badEOLs = []string{"\r", "\n\n", "\r\n\r\n", "\n\r\n", "\r\r\n", "\n\r", "\x00", "\x00\r\n"}

// commonFault puts a fault that any form can get into a valid line, given as
// its body (without line ending) and line ending. last is the highest offset
// at which the body may be cut so that it lacks a field. It reports false if
// fault is not one of those.
func commonFault(t *rapid.T, fault, body, eol string, last int) (string, bool) {
	switch fault {
	case faultControl:
		// Before a byte of the body, never at its end, where "\r" + "\n"
		// would make a valid line ending.
		i := rapid.IntRange(0, len(body)-1).Draw(t, "offset")
		return insert(body, i, rapid.SampledFrom(controls).Draw(t, "control")) + eol, true
	case faultEOL:
		return body + rapid.SampledFrom(badEOLs).Draw(t, "line ending"), true
	case faultTruncated:
		return body[:rapid.IntRange(0, last).Draw(t, "length")] + eol, true
	}
	return "", false
}

// Faults of commands.
const (
	faultVerb     = "bad verb"
	faultTrailing = "text after the argument"
)

// badVerb draws a bad start for a command with verb: another verb, the verb
// with a letter more or less, without the space, with two spaces or a tab,
// or with a space before it.
func badVerb(t *rapid.T, verb string) string {
	switch rapid.SampledFrom([]string{"other verb", "longer", "shorter", "no space", "two spaces", "tab", "leading space"}).Draw(t, "bad verb") {
	case "other verb":
		others := []string{}
		for _, v := range []string{"PORT", "PASV", "EPRT", "EPSV", "LPRT", "LPSV", "RETR", "USER"} {
			if v != verb {
				others = append(others, v)
			}
		}
		return rapid.SampledFrom(others).Draw(t, "verb") + " "
	case "longer":
		return verb + "S "
	case "shorter":
		return verb[:3] + " "
	case "no space":
		return verb
	case "two spaces":
		return verb + "  "
	case "tab":
		return verb + "\t"
	}
	return " " + verb + " "
}

// trailers of a command argument: none starts with a digit or a comma, which
// could extend the last number or list.
var argTrailers = []string{" ", "  ", "\t", " x", "x", ")", ".", ";", " 21", " PORT"}

// Faults of replies.
const (
	faultCode = "wrong reply code"
)

// badCode draws a reply code other than code, and a space or '-' after it.
func badCode(t *rapid.T, code string) string {
	var others []string
	for _, c := range []string{"200", "220", "226", "227", "228", "229", "425", "500", "501", "522", "000", "999"} {
		if c != code {
			others = append(others, c)
		}
	}
	return rapid.SampledFrom(others).Draw(t, "code") + rapid.SampledFrom([]string{" ", "-"}).Draw(t, "separator")
}

// Faults of lists of numbers.
const (
	faultRange  = "number above 255"
	faultFew    = "too few numbers"
	faultMany   = "too many numbers"
	faultEmpty  = "empty number"
	faultSign   = "sign before a number"
	faultSpace  = "space in the list"
	faultSecond = "second list in the reply"
	faultGlued  = "list glued to the text"
	faultAF     = "unknown af"
	faultHAL    = "hal does not match af"
	faultPAL    = "pal not 2"
)

var (
	sixFields   = []string{"h1", "h2", "h3", "h4", "p1", "p2"}
	longFields4 = []string{"af", "hal", "h1", "h2", "h3", "h4", "pal", "p1", "p2"}
	longFields6 = []string{"af", "hal", "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8",
		"h9", "h10", "h11", "h12", "h13", "h14", "h15", "h16", "pal", "p1", "p2"}
)

// hostileList puts one fault into l, a valid line of form f that carries a
// list of numbers (PORT, 227, LPRT, 228), and returns the hostile line.
func hostileList(t *rapid.T, f hostport.Form, l listLine) Line {
	reply := f == hostport.FormPASV || f == hostport.FormLPSV
	long := f == hostport.FormLPRT || f == hostport.FormLPSV
	faults := []string{faultControl, faultEOL, faultTruncated, faultReal,
		faultRange, faultFew, faultMany, faultEmpty, faultSign, faultSpace}
	if reply {
		faults = append(faults, faultCode, faultSecond, faultGlued)
	} else {
		faults = append(faults, faultVerb, faultTrailing)
	}
	fields := sixFields
	if long {
		faults = append(faults, faultAF, faultHAL, faultPAL)
		// af is written without leading zeros, so that cutting it or
		// putting a CR into it cannot leave a 0, an unknown af.
		l.nums[0] = strings.TrimLeft(l.nums[0], "0")
		fields = longFields4
		if len(l.nums) == len(longFields6) {
			fields = longFields6
		}
	}
	fault := rapid.SampledFrom(faults).Draw(t, "fault")
	bad := Line{Form: f, Err: errSyntax, Note: f.String() + ": " + fault}
	if text, ok := commonFault(t, fault, l.body(), l.eol, l.lastStart()); ok {
		bad.Text = text
		return bad
	}
	last := len(l.nums) - 1
	switch fault {
	case faultReal:
		return rapid.SampledFrom(realHostile[f]).Draw(t, "line")
	case faultRange:
		k := rapid.IntRange(0, last).Draw(t, "field")
		l.nums[k] = withZeros(t, bigNumber(t, 255))
		bad.Err, bad.Note = errRange, f.String()+": "+fields[k]+" above 255"
	case faultFew:
		l.nums = l.nums[:rapid.IntRange(1, last).Draw(t, "numbers")]
	case faultMany:
		for range rapid.IntRange(1, 3).Draw(t, "extra numbers") {
			l.nums = append(l.nums, strconv.Itoa(int(octetGen.Draw(t, "extra"))))
		}
	case faultEmpty:
		k := rapid.IntRange(0, last).Draw(t, "field")
		l.nums[k] = ""
		bad.Note += " " + fields[k]
	case faultSign:
		k := rapid.IntRange(0, last).Draw(t, "field")
		l.nums[k] = rapid.SampledFrom([]string{"+", "-"}).Draw(t, "sign") + l.nums[k]
		bad.Note += " " + fields[k]
	case faultSpace:
		// Before or after a comma, or inside a number. In a reply the
		// space cuts the list into two, and the reply's parser takes the
		// first part long enough to be an address (six numbers for a 227,
		// nine for a 228) for the address. So in a reply the space goes
		// neither inside the first or last number, where the rest of the
		// text may be a valid list ("(1 0,2,0,2,4,31)"), nor where the
		// first part is too short and the second long enough, which would
		// read the second part, whose first number is not the af, as the
		// address ("(6, 16,…)" has af 16, a family error).
		minList := 6
		if long {
			minList = 9
		}
		cut := func(a, b int) bool { return !reply || a >= minList || b < minList }
		var at []int
		off := 0
		n := len(l.nums)
		for k, s := range l.nums {
			if k > 0 && cut(k, n-k) {
				at = append(at, off) // after the comma
			}
			if !reply || (k > 0 && k < last) && cut(k+1, n-k) {
				for i := 1; i < len(s); i++ {
					at = append(at, off+i) // inside
				}
			}
			off += len(s)
			if k < last && cut(k+1, n-k-1) {
				at = append(at, off) // before the comma
			}
			off++
		}
		i := rapid.SampledFrom(at).Draw(t, "offset")
		bad.Text = l.code + l.head + insert(l.list(), i, " ") + l.tail + l.eol
		return bad
	case faultAF:
		v := rapid.IntRange(0, 253).Draw(t, "af")
		if v >= 4 {
			v++
		}
		if v >= 6 {
			v++
		}
		l.nums[0] = withZeros(t, strconv.Itoa(v))
		bad.Err, bad.Note = errFamily, f.String()+": af "+strconv.Itoa(v)
	case faultHAL:
		hal := 4
		if len(l.nums) == len(longFields6) {
			hal = 16
		}
		l.nums[1] = byteBut(t, hal)
	case faultPAL:
		l.nums[len(l.nums)-3] = byteBut(t, 2)
	case faultVerb:
		l.head = badVerb(t, strings.ToUpper(f.String()))
	case faultTrailing:
		l.tail = rapid.SampledFrom(argTrailers).Draw(t, "trailer")
	case faultCode:
		code := "227"
		if f == hostport.FormLPSV {
			code = "228"
		}
		l.code = badCode(t, code)
	case faultSecond:
		// Only a second list that could itself be the address makes the
		// reply ambiguous: six or more numbers after a 227, nine or more
		// (the shortest long host-port) after a 228. Shorter lists are text.
		least := 6
		if f == hostport.FormLPSV {
			least = 9
		}
		n := rapid.IntRange(least, least+3).Draw(t, "numbers")
		second := make([]string, n)
		for i := range second {
			second[i] = strconv.Itoa(int(octetGen.Draw(t, "number")))
		}
		sep := rapid.SampledFrom([]string{" (", " ", " or "}).Draw(t, "separator")
		l.tail += sep + strings.Join(second, ",") + ")"
	case faultGlued:
		if rapid.Bool().Draw(t, "before") {
			l.head += rapid.SampledFrom([]string{"x", "_", ":", "+", "-", "7."}).Draw(t, "glue")
		} else {
			l.tail = rapid.SampledFrom([]string{"x", "_", ":", "+", "-", ".5"}).Draw(t, "glue") + l.tail
		}
	}
	bad.Text = l.text()
	return bad
}

var hostilePORTGen = rapid.Custom(func(t *rapid.T) Line {
	l, _ := drawPORT(t)
	return hostileList(t, hostport.FormPORT, l)
})

var hostilePASVGen = rapid.Custom(func(t *rapid.T) Line {
	l, _, _ := drawPASV(t)
	return hostileList(t, hostport.FormPASV, l)
})

var hostileLPRTGen = rapid.Custom(func(t *rapid.T) Line {
	l, _ := drawLPRT(t)
	return hostileList(t, hostport.FormLPRT, l)
})

var hostileLPSVGen = rapid.Custom(func(t *rapid.T) Line {
	l, _, _ := drawLPSV(t)
	return hostileList(t, hostport.FormLPSV, l)
})

// Faults of EPRT and 229.
const (
	faultPortRange   = "tcp-port above 65535"
	faultAddrRange   = "net-addr byte above 255"
	faultPrt         = "unknown net-prt"
	faultPrt1With6   = "net-prt 1 with an IPv6 address"
	faultPrt2With4   = "net-prt 2 with an IPv4 address"
	faultZero4       = "leading zero in the IPv4 address"
	faultParts4      = "IPv4 address without four parts"
	faultBad6        = "not an IPv6 address"
	faultMixed       = "mixed delimiters"
	faultEmptyField  = "empty field"
	faultSignField   = "sign before a field"
	faultSpaceField  = "space in a field"
	faultExtraField  = "extra field"
	faultDelimCount  = "two or four delimiters before the port"
	faultAddrIn229   = "net-prt and net-addr in a 229 reply"
	faultAfterDelim  = "text between the last delimiter and ')'"
	faultNoParen     = "no '('"
	faultEmptyPort   = "empty tcp-port"
	faultSignPort    = "sign before tcp-port"
	faultSpacePort   = "space around or in tcp-port"
	faultMixedDelims = "mixed delimiters in a 229 reply"
	faultSecondPort  = "second (|||tcp-port|) in the reply"
)

// onlyIPv6Chars reports whether s has only the characters of an IPv6 text
// without zone or brackets.
func onlyIPv6Chars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f' || c == ':' || c == '.') {
			return false
		}
	}
	return true
}

// bad6 draws a text that is not an IPv6 address without zone or brackets,
// made from the valid text s.
func bad6(t *rapid.T, s string) string {
	var x string
	switch rapid.SampledFrom([]string{"colon before", "colon after", "zone", "brackets", "second ::", "group of five digits", "g", "byte above 255 in the tail"}).Draw(t, "bad IPv6") {
	case "colon before":
		x = ":" + s
	case "colon after":
		x = s + ":"
	case "zone":
		x = s + rapid.SampledFrom([]string{"%eth0", "%1", "%"}).Draw(t, "zone")
	case "brackets":
		x = "[" + s + "]"
	case "second ::":
		x = "1::2::3"
		if strings.Contains(s, "::") {
			x = s + "::1"
		}
	case "group of five digits":
		x = "12345:" + s
	case "g":
		x = "g" + s
	case "byte above 255 in the tail":
		x = "::ffff:192.0.2." + bigNumber(t, 255)
	}
	if _, err := netip.ParseAddr(x); err == nil && onlyIPv6Chars(x) {
		// Never happens with the texts above; a zone makes sure.
		x = s + "%eth0"
	}
	return x
}

var hostileEPRTGen = rapid.Custom(func(t *rapid.T) Line {
	fault := rapid.SampledFrom([]string{faultControl, faultEOL, faultTruncated, faultReal,
		faultVerb, faultTrailing, faultPortRange, faultAddrRange, faultPrt, faultPrt1With6,
		faultPrt2With4, faultZero4, faultParts4, faultBad6, faultMixed, faultEmptyField,
		faultSignField, faultSpaceField, faultExtraField}).Draw(t, "fault")
	var ap netip.AddrPort
	switch fault {
	case faultAddrRange, faultPrt2With4, faultZero4, faultParts4:
		ap = addrPort4Gen.Draw(t, "addr-port")
	case faultPrt1With6, faultBad6:
		ap = addrPort6Gen.Draw(t, "addr-port")
	default:
		ap = addrPortGen.Draw(t, "addr-port")
	}
	l := drawEPRTFor(t, ap)
	bad := Line{Form: hostport.FormEPRT, Err: errSyntax, Note: "EPRT: " + fault}
	body := l.body()
	if text, ok := commonFault(t, fault, body, l.eol, len(body)-1); ok {
		bad.Text = text
		return bad
	}
	ds := eprt4Delims
	if ap.Addr().Is6() {
		ds = eprt6Delims
	}
	// field draws one of the fields net-prt, net-addr and tcp-port and
	// returns a pointer to its text.
	field := func() *string {
		switch rapid.SampledFrom([]string{"net-prt", "net-addr", "tcp-port"}).Draw(t, "field") {
		case "net-prt":
			return &l.prt
		case "net-addr":
			return &l.addr
		}
		return &l.tcp
	}
	switch fault {
	case faultReal:
		return rapid.SampledFrom(realHostile[hostport.FormEPRT]).Draw(t, "line")
	case faultVerb:
		l.verb = badVerb(t, "EPRT")
	case faultTrailing:
		// Anything after the last delimiter, digits included.
		l.eol = rapid.SampledFrom([]string{" ", "x", "0", "|", string(l.d[3])}).Draw(t, "trailer") + l.eol
	case faultPortRange:
		l.tcp = withZeros(t, bigNumber(t, 65535))
		bad.Err = errRange
	case faultAddrRange:
		parts := strings.Split(l.addr, ".")
		k := rapid.IntRange(0, 3).Draw(t, "byte")
		parts[k] = bigNumber(t, 255) // no leading zero, which would be a syntax error first
		l.addr = strings.Join(parts, ".")
		bad.Err = errRange
	case faultPrt:
		var prt string
		switch rapid.IntRange(0, 2).Draw(t, "net-prt kind") {
		case 0:
			prt = "0"
		case 1:
			prt = strconv.Itoa(rapid.IntRange(3, 255).Draw(t, "net-prt"))
		default:
			prt = bigNumber(t, 255)
		}
		l.prt = withZeros(t, prt)
		bad.Err, bad.Note = errFamily, "EPRT: net-prt "+prt
	case faultPrt1With6:
		l.prt = withZeros(t, "1")
	case faultPrt2With4:
		l.prt = withZeros(t, "2")
	case faultZero4:
		parts := strings.Split(l.addr, ".")
		k := rapid.IntRange(0, 3).Draw(t, "byte")
		parts[k] = strings.Repeat("0", rapid.IntRange(1, 3).Draw(t, "zeros")) + parts[k]
		l.addr = strings.Join(parts, ".")
	case faultParts4:
		parts := strings.Split(l.addr, ".")
		switch rapid.IntRange(0, 2).Draw(t, "parts") {
		case 0:
			parts = parts[:rapid.IntRange(1, 3).Draw(t, "kept")]
		case 1:
			parts = append(parts, strconv.Itoa(int(octetGen.Draw(t, "extra"))))
		default:
			parts[rapid.IntRange(0, 3).Draw(t, "empty")] = ""
		}
		l.addr = strings.Join(parts, ".")
	case faultBad6:
		l.d = [4]byte{'|', '|', '|', '|'} // not in any bad text
		l.addr = bad6(t, l.addr)
	case faultMixed:
		q := rapid.IntRange(0, 3).Draw(t, "which delimiter")
		l.d[q] = rapid.SampledFrom(ds).Filter(func(c byte) bool { return c != l.d[0] }).Draw(t, "other delimiter")
	case faultEmptyField:
		*field() = ""
	case faultSignField:
		p := field()
		*p = rapid.SampledFrom([]string{"+", "-"}).Draw(t, "sign") + *p
	case faultSpaceField:
		p := field()
		if rapid.Bool().Draw(t, "before") {
			*p = " " + *p
		} else {
			*p += " "
		}
	case faultExtraField:
		l.eol = rapid.SampledFrom([]string{l.tcp, "0", "x"}).Draw(t, "extra") + string(l.d[3]) + l.eol
	}
	bad.Text = l.text()
	return bad
})

var epsvHostileDelims = delimiters("()")

var hostileEPSVGen = rapid.Custom(func(t *rapid.T) Line {
	port := portGen.Draw(t, "port")
	l, _ := drawEPSVWith(t, port, epsvHostileDelims)
	fault := rapid.SampledFrom([]string{faultControl, faultEOL, faultTruncated, faultReal,
		faultCode, faultPortRange, faultMixedDelims, faultDelimCount, faultAddrIn229,
		faultAfterDelim, faultNoParen, faultEmptyPort, faultSignPort, faultSpacePort,
		faultSecondPort}).Draw(t, "fault")
	bad := Line{Form: hostport.FormEPSV, Err: errSyntax, Note: "EPSV: " + fault}
	body := l.body()
	// The body may be cut up to the fourth delimiter, which follows the port.
	last := len(l.code) + len(l.head) + len(l.open) + 3 + len(l.tcp)
	if text, ok := commonFault(t, fault, body, l.eol, last); ok {
		bad.Text = text
		return bad
	}
	d := string(l.d[0])
	switch fault {
	case faultReal:
		return rapid.SampledFrom(realHostile[hostport.FormEPSV]).Draw(t, "line")
	case faultCode:
		l.code = badCode(t, "229")
	case faultPortRange:
		l.tcp = withZeros(t, bigNumber(t, 65535))
		bad.Err = errRange
	case faultMixedDelims:
		q := rapid.IntRange(0, 3).Draw(t, "which delimiter")
		l.d[q] = rapid.SampledFrom(epsvHostileDelims).Filter(func(c byte) bool { return c != l.d[0] }).Draw(t, "other delimiter")
	case faultDelimCount:
		// Two delimiters: the port stands where the third should. Four: the
		// fourth stands where the port should.
		if rapid.Bool().Draw(t, "two") {
			bad.Text = l.code + l.head + l.open + d + d + l.tcp + d + l.tail + l.eol
		} else {
			bad.Text = l.code + l.head + l.open + d + d + d + d + l.tcp + d + l.tail + l.eol
		}
		return bad
	case faultAddrIn229:
		addr := rapid.SampledFrom([]string{d + "1" + d + "192.0.2.1" + d, d + "2" + d + "2001:db8::1" + d, d + "1" + d + d}).Draw(t, "fields")
		bad.Text = l.code + l.head + l.open + addr + l.tcp + d + l.tail + l.eol
		return bad
	case faultAfterDelim:
		l.tail = rapid.SampledFrom([]string{"x", " ", "0", d, ".", " )"}).Draw(t, "text") + l.tail
	case faultNoParen:
		l.open = ""
	case faultSecondPort:
		d2 := string(drawDelim(t, epsvHostileDelims))
		port2 := strconv.Itoa(int(portGen.Draw(t, "second port")))
		l.tail += rapid.SampledFrom([]string{" ", ", or ", ""}).Draw(t, "separator") + "(" + d2 + d2 + d2 + port2 + d2 + ")"
	case faultEmptyPort:
		l.tcp = ""
	case faultSignPort:
		l.tcp = rapid.SampledFrom([]string{"+", "-"}).Draw(t, "sign") + l.tcp
	case faultSpacePort:
		if len(l.tcp) > 1 && rapid.Bool().Draw(t, "inside") {
			l.tcp = insert(l.tcp, rapid.IntRange(1, len(l.tcp)-1).Draw(t, "offset"), " ")
		} else if rapid.Bool().Draw(t, "before") {
			l.tcp = " " + l.tcp
		} else {
			l.tcp += " "
		}
	}
	bad.Text = l.text()
	return bad
})

// realHostile holds lines that real peers send, or that are one step from
// what they send, which a reader must reject (section 4 of the notes on real
// peers; addresses moved to the documentation ranges).
var realHostile = map[hostport.Form][]Line{
	hostport.FormPORT: {
		{Text: "PORT 192,0,2,1,300,1", Err: errRange, Note: "p1 300, accepted by GNU ftpd 2.4"},
		{Text: "PORT 192,0,2,1,1", Err: errSyntax, Note: "five numbers"},
		{Text: "PORT 192,0,2,1,1,2,3", Err: errSyntax, Note: "seven numbers, the first six read by Pure-FTPd"},
		{Text: "PORT", Err: errSyntax, Note: "no argument"},
		{Text: "PORT 192.0.2.1.1.2", Err: errSyntax, Note: "dots for commas"},
		{Text: "PORT 192,0,2,1,4,31 ", Err: errSyntax, Note: "trailing space"},
		{Text: "PORT 192,0,2,1,4,31\r\n\r\n", Err: errSyntax, Note: "two lines"},
	},
	hostport.FormPASV: {
		{Text: "227 Entering Passive Mode (1,118,6).", Err: errSyntax, Note: "ProFTPD's 227 on an IPv6 connection"},
		{Text: "227 Entering passive mode (::1,118,7).", Err: errSyntax, Note: "pyftpdlib's 227 on an IPv6 connection"},
		{Text: "425 You cannot use PASV on IPv6 connections. Use EPSV instead.", Err: errSyntax, Note: "Pure-FTPd's refusal"},
		{Text: "227 Entering Passive Mode (192,0,2,1,4,31) (198,51,100,7,4,31).", Err: errSyntax, Note: "two lists"},
		{Text: "227 Entering Passive Mode (192,0,2,1,4,256).", Err: errRange, Note: "p2 256"},
		{Text: "227 Entering Passive Mode (192,0,2,1,4,31\r).", Err: errSyntax, Note: "CR inside"},
	},
	hostport.FormEPRT: {
		{Text: "EPRT", Err: errSyntax, Note: "no argument"},
		{Text: "EPRT |1|192.0.2.1|", Err: errSyntax, Note: "no tcp-port"},
		{Text: "EPRT |1|192.0.2.1|70000|", Err: errRange, Note: "tcp-port 70000, accepted by ProFTPD and GNU ftpd"},
		{Text: "EPRT |2|2001:db8::1|70000|", Err: errRange, Note: "tcp-port 70000, accepted by Pure-FTPd and ProFTPD"},
		{Text: "EPRT |1|999.0.2.1|40000|", Err: errRange, Note: "net-addr byte 999"},
		{Text: "EPRT 1|192.0.2.1|40000|", Err: errSyntax, Note: "no first delimiter"},
		{Text: "EPRT |3|192.0.2.1|40000|", Err: errFamily, Note: "net-prt 3"},
		{Text: "EPRT |3|2001:db8::1|40000|", Err: errFamily, Note: "net-prt 3"},
		{Text: "EPRT |2|2001:db8::1|", Err: errSyntax, Note: "no tcp-port"},
		{Text: "EPRT |2|:::1|40000|", Err: errSyntax, Note: "three colons"},
		{Text: "EPRT |2|fe80::1%eth0|40000|", Err: errSyntax, Note: "zone"},
		{Text: "EPRT |2|[2001:db8::1]|40000|", Err: errSyntax, Note: "brackets"},
		{Text: "EPRT |1|::ffff:192.0.2.1|40000|", Err: errSyntax, Note: "net-prt 1 with an IPv4-mapped IPv6 address"},
		{Text: "EPRT |1|2001:db8::1|40000|", Err: errSyntax, Note: "net-prt 1 with an IPv6 address"},
		{Text: "EPRT |2|192.0.2.1|40000|", Err: errSyntax, Note: "net-prt 2 with an IPv4 address"},
		{Text: "EPRT |1|192.0.2.1|40000!", Err: errSyntax, Note: "mixed delimiters"},
	},
	hostport.FormEPSV: {
		{Text: "229 Entering Extended Passive Mode (|||70000|)", Err: errRange, Note: "tcp-port 70000"},
		{Text: "229 Entering Extended Passive Mode (|1|192.0.2.1|6446|)", Err: errSyntax, Note: "net-prt and net-addr filled in"},
		{Text: "229 Entering Extended Passive Mode (||6446|)", Err: errSyntax, Note: "two delimiters"},
		{Text: "229 Entering Extended Passive Mode", Err: errSyntax, Note: "no port"},
		{Text: "522 Network protocol not supported, use (1,2)", Err: errSyntax, Note: "ProFTPD's refusal of EPSV 3"},
		{Text: "501 EPSV: unknown network protocol", Err: errSyntax, Note: "ProFTPD's refusal of EPSV x"},
		{Text: "229 Entering Extended Passive Mode (|||6446|\n)", Err: errSyntax, Note: "LF inside"},
		{Text: "229 Entering Extended Passive Mode (|||6446|) (|||6447|)", Err: errSyntax, Note: "two ports"},
	},
	hostport.FormLPRT: {
		{Text: "LPRT 4,4,192,0,2,1,2,4", Err: errSyntax, Note: "no p2"},
		{Text: "LPRT 5,4,192,0,2,1,2,4,31", Err: errFamily, Note: "af 5"},
		{Text: "LPRT 4,16,192,0,2,1,2,4,31", Err: errSyntax, Note: "hal 16 with af 4"},
		{Text: "LPRT 6,4,192,0,2,1,2,4,31", Err: errSyntax, Note: "hal 4 with af 6"},
		{Text: "LPRT 4,4,192,0,2,1,3,0,4,31", Err: errSyntax, Note: "pal 3"},
		{Text: "LPRT 4,4,192,0,2,1,2,4,310", Err: errRange, Note: "p2 310"},
		{Text: "LPRT 192,0,2,1,4,31", Err: errFamily, Note: "a PORT argument: af 192"},
	},
	hostport.FormLPSV: {
		{Text: "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31,0)", Err: errSyntax, Note: "ten numbers"},
		{Text: "228 Entering Long Passive Mode (2,4,192,0,2,1,2,4,31)", Err: errFamily, Note: "af 2"},
		{Text: "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4)", Err: errSyntax, Note: "no p2"},
		{Text: "228 Entering Long Passive Mode (192,0,2,1,4,31)", Err: errFamily, Note: "a 227 list: af 192"},
		{Text: "227 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)", Err: errSyntax, Note: "code 227"},
	},
}

func init() {
	for f, lines := range realHostile {
		for i := range lines {
			lines[i].Form = f
			lines[i].Note = f.String() + ": " + lines[i].Note
		}
	}
}

var hostileGens = map[hostport.Form]*rapid.Generator[Line]{
	hostport.FormPORT: hostilePORTGen, hostport.FormPASV: hostilePASVGen, hostport.FormEPRT: hostileEPRTGen,
	hostport.FormEPSV: hostileEPSVGen, hostport.FormLPRT: hostileLPRTGen, hostport.FormLPSV: hostileLPSVGen,
}

// HostileLine returns a generator of lines of the given forms, or of all six
// if none is given, that a reader must reject, each with the class of the
// reason in Err. Each is a valid line as the generator of its form draws it
// with one fault put in, or one of a few lines sent by real peers; Note names
// the fault. The faults:
//
//   - a number above its maximum, with or without leading zeros: above 255
//     in the six-number and long forms and an EPRT IPv4 address, above 65535
//     for a port (ErrRange)
//   - an unknown EPRT net-prt (0, 3 and up) or LPRT and 228 af (not 4 or 6)
//     (ErrFamily)
//   - too few or too many numbers, an empty number, a sign, a space before or
//     after a comma or inside a number (never inside the first or last number
//     of a reply, where the rest may still be a valid list), an LPRT hal that
//     does not match af or a pal other than 2 (ErrSyntax)
//   - a CR, LF or NUL anywhere but in the final line ending, a line ending
//     that leaves one of them, the line cut before its last field (ErrSyntax)
//   - a command with another verb, a verb without its space or with two, a
//     tab or a space before it, or text after the argument (ErrSyntax)
//   - a reply with another code, a second list of numbers, or a list glued
//     to a letter, '_', ':', a sign or a dotted number (ErrSyntax)
//   - EPRT with mixed delimiters, an empty, signed or spaced field, a field
//     too many, net-prt 1 with an IPv6 address or 2 with an IPv4 one, leading
//     zeros or not four parts in the IPv4 address, an IPv6 text with a zone,
//     brackets or a wrong shape (ErrSyntax)
//   - 229 with mixed delimiters, two or four delimiters, a net-prt and
//     net-addr filled in, no '(', an empty, signed or spaced port, text
//     between the last delimiter and ')', a second (|||tcp-port|) after the
//     first (ErrSyntax)
//
// It panics if a form is not one of the six hostport.Form constants.
func HostileLine(forms ...hostport.Form) *rapid.Generator[Line] {
	return oneOfForms(hostileGens, forms)
}

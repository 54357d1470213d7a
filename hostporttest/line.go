package hostporttest

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/ftpkit/hostport"
	"pgregory.net/rapid"
)

// allForms lists the six forms, in the order of their constants.
var allForms = []hostport.Form{
	hostport.FormPORT, hostport.FormPASV, hostport.FormEPRT,
	hostport.FormEPSV, hostport.FormLPRT, hostport.FormLPSV,
}

// A Line is a control-connection line that carries an address, and what
// reading it must give.
type Line struct {
	// Text is the line as a peer sends it, with a line ending of "\r\n" or
	// "\n", or none.
	Text string
	// Form is the form of the line, and so the hostport parser that reads
	// it: hostport.FormPASV for a 227 reply (or its text alone), and so on.
	Form hostport.Form
	// Want is the address and port that a valid line names: an IPv4
	// address for PORT and 227, the IPv4 or IPv6 address as written for
	// EPRT, LPRT and 228 (an IPv4-mapped IPv6 address stays IPv6), and only
	// the port for 229, whose Want.Addr() is the zero netip.Addr. It is the
	// zero AddrPort for a hostile line.
	Want netip.AddrPort
	// Err is nil for a valid line. For a hostile line it is the class of the
	// reason the line must be rejected: hostport.ErrSyntax,
	// hostport.ErrRange or hostport.ErrFamily, as the error of the hostport
	// parser wraps it.
	Err error
	// Note says how the line was made: the peer or style that a valid line
	// copies, the fault put into a hostile one.
	Note string
}

// listLine is a line that carries a comma-separated list of numbers: a PORT
// or LPRT command, or a 227 or 228 reply.
type listLine struct {
	code string   // reply code and separator ("227 ", "227-"), or "" for commands and bare reply texts
	head string   // verb and space, or the reply text before the list
	nums []string // the numbers, as written
	tail string   // the reply text after the list
	eol  string   // line ending
}

func (l listLine) list() string { return strings.Join(l.nums, ",") }
func (l listLine) body() string { return l.code + l.head + l.list() + l.tail }
func (l listLine) text() string { return l.body() + l.eol }

// lastStart is the offset in body of the first digit of the last number.
func (l listLine) lastStart() int {
	n := len(l.code) + len(l.head)
	for _, s := range l.nums[:len(l.nums)-1] {
		n += len(s) + 1
	}
	return n
}

var eolGen = rapid.SampledFrom([]string{"\r\n", "\n", ""})

// drawEOL draws the line ending: "\r\n", "\n" or none.
func drawEOL(t *rapid.T) string { return eolGen.Draw(t, "eol") }

// drawZeros draws a run of leading zeros to put before a number: mostly
// none, else one, two, or now and then thirty, which must not overflow a
// reader that accumulates digits.
func drawZeros(t *rapid.T) string {
	switch rapid.IntRange(0, 7).Draw(t, "leading zeros") {
	case 5:
		return "0"
	case 6:
		return "00"
	case 7:
		return strings.Repeat("0", 30)
	}
	return ""
}

// drawZerosOn draws whether the numbers of a line get leading zeros: about
// one line in four.
func drawZerosOn(t *rapid.T) bool {
	return rapid.IntRange(0, 3).Draw(t, "zeros") == 3
}

// spell writes v in decimal; if zeros, with leading zeros drawn for it.
func spell(t *rapid.T, v int, zeros bool) string {
	s := strconv.Itoa(v)
	if zeros {
		s = drawZeros(t) + s
	}
	return s
}

// drawVerb draws how a command starts: verb in upper, lower, title or mixed
// case followed by one space, or nothing (the argument alone).
func drawVerb(t *rapid.T, verb string) string {
	switch rapid.SampledFrom([]string{"upper", "lower", "title", "mixed", "none"}).Draw(t, "verb") {
	case "lower":
		verb = strings.ToLower(verb)
	case "title":
		verb = verb[:1] + strings.ToLower(verb[1:])
	case "mixed":
		b := []byte(verb)
		for i := range b {
			if rapid.Bool().Draw(t, "lower case") {
				b[i] |= 0x20
			}
		}
		verb = string(b)
	case "none":
		return ""
	}
	return verb + " "
}

// sixList writes the six numbers of hp.
func sixList(t *rapid.T, hp hostport.HostPort, zeros bool) []string {
	nums := make([]string, len(hp))
	for i, v := range hp {
		nums[i] = spell(t, int(v), zeros)
	}
	return nums
}

// longList writes the numbers of the long host-port of RFC 1639 for ap: af,
// hal, the address bytes, pal and the port bytes.
func longList(t *rapid.T, ap netip.AddrPort, zeros bool) []string {
	a := ap.Addr()
	var nums []string
	if a.Is4() {
		b := a.As4()
		nums = append(nums, spell(t, 4, zeros), spell(t, 4, zeros))
		for _, v := range b {
			nums = append(nums, spell(t, int(v), zeros))
		}
	} else {
		b := a.As16()
		nums = append(nums, spell(t, 6, zeros), spell(t, 16, zeros))
		for _, v := range b {
			nums = append(nums, spell(t, int(v), zeros))
		}
	}
	port := ap.Port()
	return append(nums, spell(t, 2, zeros), spell(t, int(port>>8), zeros), spell(t, int(port&0xff), zeros))
}

// A replyStyle is how a server writes a reply around the address.
type replyStyle struct {
	note string
	code string // the code and its separator, or "" for the bare text
	head string // text before the list
	tail string // text after it
}

var pasvStyles = []replyStyle{
	{"vsftpd, ProFTPD", "227 ", "Entering Passive Mode (", ")."},
	{"Pure-FTPd, GNU ftpd", "227 ", "Entering Passive Mode (", ")"},
	{"pyftpdlib", "227 ", "Entering passive mode (", ")."},
	{"no parentheses", "227 ", "Entering Passive Mode ", ""},
	{"no parentheses, final dot", "227 ", "Entering Passive Mode ", "."},
	{"equals sign", "227 ", "=", ""},
	{"curl's example", "227 ", "Data transfer will passively listen to ", ""},
	{"upper case", "227 ", "ENTERING PASSIVE MODE (", ")"},
	{"digits in the text", "227 ", "Entering Passive Mode, 2 of 10 (", "). Timeout 30 s"},
	{"first line of a multi-line reply", "227-", "Entering Passive Mode (", ")."},
	{"text without code", "", "Entering Passive Mode (", ")."},
}

var lpsvStyles = []replyStyle{
	{"GNU ftpd", "228 ", "Entering Long Passive Mode (", ")"},
	{"final dot", "228 ", "Entering Long Passive Mode (", ")."},
	{"lower case", "228 ", "Entering long passive mode (", ")."},
	{"no parentheses", "228 ", "Entering Long Passive Mode ", ""},
	{"equals sign", "228 ", "=", ""},
	{"digits in the text", "228 ", "Entering Long Passive Mode, 2 of 10 (", "). Timeout 30 s"},
	{"first line of a multi-line reply", "228-", "Entering Long Passive Mode (", ")"},
	{"text without code", "", "Entering Long Passive Mode (", ")"},
}

// trailers are texts that some servers put after the address of a reply.
var trailers = []string{"", "", " Ready", " OK.", " port 7 of 20", " (see RFC 1123)"}

// drawReply draws a style and a trailer for a 227 or 228 reply.
func drawReply(t *rapid.T, styles []replyStyle) (replyStyle, string) {
	st := rapid.SampledFrom(styles).Draw(t, "style")
	return st, rapid.SampledFrom(trailers).Draw(t, "trailer")
}

func drawPORT(t *rapid.T) (listLine, hostport.HostPort) {
	hp := hostPortGen.Draw(t, "host-port")
	verb := drawVerb(t, "PORT")
	zeros := drawZerosOn(t)
	return listLine{head: verb, nums: sixList(t, hp, zeros), eol: drawEOL(t)}, hp
}

func drawPASV(t *rapid.T) (listLine, hostport.HostPort, string) {
	hp := hostPortGen.Draw(t, "host-port")
	st, trailer := drawReply(t, pasvStyles)
	zeros := drawZerosOn(t)
	l := listLine{code: st.code, head: st.head, nums: sixList(t, hp, zeros), tail: st.tail + trailer, eol: drawEOL(t)}
	return l, hp, st.note
}

func drawLPRT(t *rapid.T) (listLine, netip.AddrPort) {
	ap := addrPortGen.Draw(t, "addr-port")
	verb := drawVerb(t, "LPRT")
	zeros := drawZerosOn(t)
	return listLine{head: verb, nums: longList(t, ap, zeros), eol: drawEOL(t)}, ap
}

func drawLPSV(t *rapid.T) (listLine, netip.AddrPort, string) {
	ap := addrPortGen.Draw(t, "addr-port")
	st, trailer := drawReply(t, lpsvStyles)
	zeros := drawZerosOn(t)
	l := listLine{code: st.code, head: st.head, nums: longList(t, ap, zeros), tail: st.tail + trailer, eol: drawEOL(t)}
	return l, ap, st.note
}

// delimiters returns the characters that may delimit the fields of RFC 2428
// (printable ASCII 33–126 other than digits), without those in except.
func delimiters(except string) []byte {
	var ds []byte
	for c := byte('!'); c <= '~'; c++ {
		if (c < '0' || c > '9') && !strings.ContainsRune(except, rune(c)) {
			ds = append(ds, c)
		}
	}
	return ds
}

var (
	// eprt4Delims and eprt6Delims may delimit an EPRT argument with an IPv4
	// or IPv6 address: no character of the address text.
	eprt4Delims = delimiters(".")
	eprt6Delims = delimiters(".:abcdefABCDEF")
	// epsvDelims may delimit the port of a 229 reply.
	epsvDelims = delimiters("")
)

// drawDelim draws a delimiter: '|' about half of the time, else one of ds.
func drawDelim(t *rapid.T, ds []byte) byte {
	if rapid.Bool().Draw(t, "usual delimiter") {
		return '|'
	}
	return rapid.SampledFrom(ds).Draw(t, "delimiter")
}

// eprtLine is an EPRT command in parts.
type eprtLine struct {
	verb           string  // verb and space, or ""
	d              [4]byte // the four delimiters
	prt, addr, tcp string  // net-prt, net-addr and tcp-port as written
	eol            string
}

func (l eprtLine) body() string {
	return l.verb + string(l.d[0]) + l.prt + string(l.d[1]) + l.addr + string(l.d[2]) + l.tcp + string(l.d[3])
}

func (l eprtLine) text() string { return l.body() + l.eol }

// drawEPRTFor draws an EPRT command for ap.
func drawEPRTFor(t *rapid.T, ap netip.AddrPort) eprtLine {
	l := eprtLine{verb: drawVerb(t, "EPRT")}
	zeros := drawZerosOn(t)
	var d byte
	if ap.Addr().Is4() {
		d = drawDelim(t, eprt4Delims)
		l.prt = spell(t, 1, zeros)
		l.addr = ap.Addr().String()
	} else {
		d = drawDelim(t, eprt6Delims)
		l.prt = spell(t, 2, zeros)
		l.addr = spell6(t, ap.Addr().As16())
	}
	l.d = [4]byte{d, d, d, d}
	l.tcp = spell(t, int(ap.Port()), zeros)
	l.eol = drawEOL(t)
	return l
}

// spell6 writes the IPv6 address b in one of the text forms of RFC 4291:
// netip's RFC 5952 form, or groups with or without leading zeros, in either
// case, with or without a dotted IPv4 tail, with any run of zero groups
// (or none) written as "::".
func spell6(t *rapid.T, b [16]byte) string {
	if rapid.Bool().Draw(t, "RFC 5952") {
		return netip.AddrFrom16(b).String()
	}
	dotted := rapid.Bool().Draw(t, "dotted tail")
	ng := 8
	if dotted {
		ng = 6
	}
	pad := rapid.Bool().Draw(t, "pad groups")
	upper := rapid.Bool().Draw(t, "upper case")
	groups := make([]string, 0, 8)
	var zero []int // indexes of zero groups
	for i := range ng {
		g := uint64(b[2*i])<<8 | uint64(b[2*i+1])
		s := strconv.FormatUint(g, 16)
		if pad {
			s = strings.Repeat("0", 4-len(s)) + s
		}
		if upper {
			s = strings.ToUpper(s)
		}
		groups = append(groups, s)
		if g == 0 {
			zero = append(zero, i)
		}
	}
	if dotted {
		groups = append(groups, netip.AddrFrom4([4]byte(b[12:])).String())
	}
	if len(zero) == 0 || !rapid.Bool().Draw(t, "compress") {
		return strings.Join(groups, ":")
	}
	// Compress a run of zero groups: from one of them to one at or after it
	// with only zero groups between.
	k := rapid.IntRange(0, len(zero)-1).Draw(t, "first zero group")
	m := k
	for m+1 < len(zero) && zero[m+1] == zero[m]+1 && rapid.Bool().Draw(t, "longer run") {
		m++
	}
	return strings.Join(groups[:zero[k]], ":") + "::" + strings.Join(groups[zero[m]+1:], ":")
}

// epsvLine is a 229 reply in parts.
type epsvLine struct {
	code, head string  // reply code and separator, text before the '('
	open       string  // "("
	d          [4]byte // the four delimiters
	tcp        string  // the port as written
	tail       string  // ")" or whatever ends the reply
	eol        string
}

func (l epsvLine) body() string {
	return l.code + l.head + l.open + string(l.d[:3]) + l.tcp + string(l.d[3]) + l.tail
}

func (l epsvLine) text() string { return l.body() + l.eol }

var epsvStyles = []replyStyle{
	{"vsftpd, ProFTPD, GNU ftpd", "229 ", "Entering Extended Passive Mode ", ")"},
	{"Pure-FTPd", "229 ", "Extended Passive mode OK ", ")"},
	{"pyftpdlib", "229 ", "Entering extended passive mode ", ")."},
	{"no closing parenthesis", "229 ", "Entering Extended Passive Mode ", ""},
	{"text after the parenthesis", "229 ", "Entering Extended Passive Mode ", ") ready, port 7 of 20"},
	{"first line of a multi-line reply", "229-", "Entering Extended Passive Mode ", ")"},
	{"text without code", "", "Entering Extended Passive Mode ", ")"},
}

func drawEPSVWith(t *rapid.T, port uint16, ds []byte) (epsvLine, string) {
	st := rapid.SampledFrom(epsvStyles).Draw(t, "style")
	d := drawDelim(t, ds)
	zeros := drawZerosOn(t)
	l := epsvLine{code: st.code, head: st.head, open: "(", d: [4]byte{d, d, d, d},
		tcp: spell(t, int(port), zeros), tail: st.tail, eol: drawEOL(t)}
	return l, st.note
}

// PORTCommand returns a generator of valid PORT commands: the verb in upper,
// lower, title or mixed case and one space, or the argument alone; the six
// numbers of a [HostPort], each with or without leading zeros; a line ending
// of "\r\n", "\n" or none.
//
//	PORT 192,0,2,1,4,31
//	port 192,000,002,001,004,031
//	192,0,2,1,4,31
func PORTCommand() *rapid.Generator[Line] { return portCmdGen }

var portCmdGen = rapid.Custom(func(t *rapid.T) Line {
	l, hp := drawPORT(t)
	return Line{Text: l.text(), Form: hostport.FormPORT, Want: hp.AddrPort(), Note: "PORT"}
})

// PASVReply returns a generator of valid 227 replies, in the styles of real
// servers and of the examples in RFCs and client documentation:
//
//	227 Entering Passive Mode (192,0,2,1,4,31).         vsftpd, ProFTPD
//	227 Entering Passive Mode (192,0,2,1,4,31)          Pure-FTPd, GNU ftpd
//	227 Entering passive mode (192,0,2,1,4,31).         pyftpdlib
//	227 Entering Passive Mode 192,0,2,1,4,31            no parentheses
//	227 =192,0,2,1,4,31                                 equals sign
//	227 Data transfer will passively listen to 192,0,2,1,4,31
//	227-Entering Passive Mode (192,0,2,1,4,31).         first line of a multi-line reply
//	Entering Passive Mode (192,0,2,1,4,31).             the text alone
//
// and a few more, sometimes with text after the address, with or without
// leading zeros in the numbers and with a line ending of "\r\n", "\n" or
// none.
func PASVReply() *rapid.Generator[Line] { return pasvGen }

var pasvGen = rapid.Custom(func(t *rapid.T) Line {
	l, hp, note := drawPASV(t)
	return Line{Text: l.text(), Form: hostport.FormPASV, Want: hp.AddrPort(), Note: "227 " + note}
})

// EPRTCommand returns a generator of valid EPRT commands for the addresses
// that [AddrPort] draws: the verb in any case and one space, or the argument
// alone; the delimiter '|' or another printable ASCII character that is not
// a digit and does not occur in the address; net-prt 1 with the dotted IPv4
// address, or 2 with the IPv6 address in one of its RFC 4291 text forms
// (upper or lower case, with or without leading zeros in groups, "::" for any
// run of zero groups, a dotted IPv4 tail); net-prt and port with or without
// leading zeros; a line ending of "\r\n", "\n" or none.
//
//	EPRT |1|192.0.2.1|1055|
//	eprt !2!2001:DB8:0:0::1!1055!
//	|2|::ffff:192.0.2.1|1055|
func EPRTCommand() *rapid.Generator[Line] { return eprtGen }

var eprtGen = rapid.Custom(func(t *rapid.T) Line {
	ap := addrPortGen.Draw(t, "addr-port")
	l := drawEPRTFor(t, ap)
	return Line{Text: l.text(), Form: hostport.FormEPRT, Want: ap, Note: "EPRT"}
})

// EPSVReply returns a generator of valid 229 replies for the ports that
// [Port] draws, in the styles of real servers:
//
//	229 Entering Extended Passive Mode (|||1055|)       vsftpd, ProFTPD, GNU ftpd
//	229 Extended Passive mode OK (|||1055|)             Pure-FTPd
//	229 Entering extended passive mode (|||1055|).      pyftpdlib
//
// and without the closing parenthesis, with text after it, as the first line
// of a multi-line reply or as the text alone; with the delimiter '|' or any
// other printable ASCII character that is not a digit; with or without
// leading zeros in the port; with a line ending of "\r\n", "\n" or none. Only
// the port of Want is set.
func EPSVReply() *rapid.Generator[Line] { return epsvGen }

var epsvGen = rapid.Custom(func(t *rapid.T) Line {
	port := portGen.Draw(t, "port")
	l, note := drawEPSVWith(t, port, epsvDelims)
	return Line{Text: l.text(), Form: hostport.FormEPSV, Want: netip.AddrPortFrom(netip.Addr{}, port), Note: "229 " + note}
})

// LPRTCommand returns a generator of valid LPRT commands for the addresses
// that [AddrPort] draws: the verb in any case and one space, or the argument
// alone; af 4, hal 4 and the four bytes of an IPv4 address, or af 6, hal 16
// and the sixteen bytes of an IPv6 one; pal 2 and the two bytes of the port;
// each number with or without leading zeros; a line ending of "\r\n", "\n"
// or none.
//
//	LPRT 4,4,192,0,2,1,2,4,31
//	lprt 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,31
func LPRTCommand() *rapid.Generator[Line] { return lprtGen }

var lprtGen = rapid.Custom(func(t *rapid.T) Line {
	l, ap := drawLPRT(t)
	return Line{Text: l.text(), Form: hostport.FormLPRT, Want: ap, Note: "LPRT"}
})

// LPSVReply returns a generator of valid 228 replies for the addresses that
// [AddrPort] draws, with the long host-port that [LPRTCommand] writes and the
// reply styles of [PASVReply]:
//
//	228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)    GNU ftpd
//	228 =6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,31
func LPSVReply() *rapid.Generator[Line] { return lpsvGen }

var lpsvGen = rapid.Custom(func(t *rapid.T) Line {
	l, ap, note := drawLPSV(t)
	return Line{Text: l.text(), Form: hostport.FormLPSV, Want: ap, Note: "228 " + note}
})

var validGens = map[hostport.Form]*rapid.Generator[Line]{
	hostport.FormPORT: portCmdGen, hostport.FormPASV: pasvGen, hostport.FormEPRT: eprtGen,
	hostport.FormEPSV: epsvGen, hostport.FormLPRT: lprtGen, hostport.FormLPSV: lpsvGen,
}

// ValidLine returns a generator of valid lines of the given forms, or of all
// six if none is given, drawn with equal weight from the generators of the
// forms ([PORTCommand], [PASVReply] and so on). It panics if a form is not
// one of the six hostport.Form constants.
func ValidLine(forms ...hostport.Form) *rapid.Generator[Line] {
	return oneOfForms(validGens, forms)
}

// oneOfForms returns a generator that draws from the generators of forms in
// gens, or from all of them if forms is empty.
func oneOfForms(gens map[hostport.Form]*rapid.Generator[Line], forms []hostport.Form) *rapid.Generator[Line] {
	if len(forms) == 0 {
		forms = allForms
	}
	gs := make([]*rapid.Generator[Line], len(forms))
	for i, f := range forms {
		g, ok := gens[f]
		if !ok {
			panic("hostporttest: unknown " + f.String())
		}
		gs[i] = g
	}
	if len(gs) == 1 {
		return gs[0]
	}
	return rapid.OneOf(gs...)
}

package hostport

import (
	"errors"
	"net/netip"
	"strconv"
)

// Form names one of the six line forms that carry an address: three commands
// and the three replies that answer the passive-mode commands. It says which
// parser reads a line and how a line was read by [ParseLine].
//
// The zero Form is no form; String writes it "Form(0)".
type Form uint8

// The line forms.
const (
	FormPORT Form = iota + 1 // a PORT command, read by [ParsePORT]
	FormPASV                 // a 227 reply to PASV, read by [ParsePASV]
	FormEPRT                 // an EPRT command, read by [ParseEPRT]
	FormEPSV                 // a 229 reply to EPSV, read by [ParseEPSV]
	FormLPRT                 // an LPRT command, read by [ParseLPRT]
	FormLPSV                 // a 228 reply to LPSV, read by [ParseLPSV]
)

// formNames holds what String writes for each form: the verb of a command,
// the code of a reply, since that is what starts the line.
var formNames = [...]string{
	FormPORT: "PORT", FormPASV: "227", FormEPRT: "EPRT",
	FormEPSV: "229", FormLPRT: "LPRT", FormLPSV: "228",
}

// String returns what starts a line of the form: the verb of a command
// ("PORT", "EPRT", "LPRT") or the code of a reply ("227", "229", "228").
// For a value that is none of the Form constants it returns "Form(N)", such
// as "Form(7)" or "Form(0)".
func (f Form) String() string {
	if f.valid() {
		return formNames[f]
	}
	return "Form(" + strconv.Itoa(int(f)) + ")"
}

func (f Form) valid() bool { return f >= FormPORT && f <= FormLPSV }

// formVerbs holds what Verb returns for each form.
var formVerbs = [...]string{
	FormPORT: "PORT", FormPASV: "PASV", FormEPRT: "EPRT",
	FormEPSV: "EPSV", FormLPRT: "LPRT", FormLPSV: "LPSV",
}

// Verb returns the command of the form: the verb of a command form ("PORT",
// "EPRT", "LPRT"), or the passive command that a reply form answers ("PASV"
// for a 227, "EPSV" for a 229, "LPSV" for a 228). For a value that is none
// of the Form constants it returns "".
func (f Form) Verb() string {
	if f.valid() {
		return formVerbs[f]
	}
	return ""
}

// MarshalText implements [encoding.TextMarshaler]: the text is what
// [Form.String] returns for a Form constant, and empty for the zero Form.
// Any other value is an error.
func (f Form) MarshalText() ([]byte, error) {
	switch {
	case f == 0:
		return []byte{}, nil
	case f.valid():
		return []byte(formNames[f]), nil
	}
	return nil, errors.New("hostport.Form.MarshalText: " + f.String() + " is not a form")
}

// UnmarshalText implements [encoding.TextUnmarshaler]: it reads the text
// that [Form.MarshalText] writes, "PORT", "227", "EPRT", "229", "LPRT" or
// "228" (the verbs in upper case only), and empty text as the zero Form.
// Other text is a [*ParseError] that wraps [ErrSyntax]; on error, *f is left
// unchanged.
func (f *Form) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*f = 0
		return nil
	}
	for g := FormPORT; g <= FormLPSV; g++ {
		if string(text) == formNames[g] {
			*f = g
			return nil
		}
	}
	s := string(text)
	return parseError("Form.UnmarshalText", s, 0, ErrSyntax,
		"unknown form "+quoteField(s)+" (want PORT, 227, EPRT, 229, LPRT or 228)")
}

// ParseLine reads a line of any of the six forms and returns its form and
// the address and port it names:
//
//   - a PORT, EPRT or LPRT command, with its verb in any case, read by
//     [ParsePORT], [ParseEPRT] or [ParseLPRT];
//   - a 227, 229 or 228 reply, with its code (the first line of a multi-line
//     reply, "227-", too), read by [ParsePASV], [ParseEPSV] or [ParseLPSV].
//
// The line is read by the rules of its form's parser, and the result is that
// parser's: the IPv4 address of a PORT command or 227 reply, the address of
// an EPRT, LPRT or 228 line as written, and for a 229 reply the zero
// [netip.Addr] with the port. A single final "\r\n" or "\n" is ignored.
//
// A line is of a form if its leading run of ASCII letters is the form's verb,
// in any case, or if its leading run of digits is the form's code followed by
// a space, a '-' or the end of the line; the form's parser then judges the
// rest, a missing space after the verb included. A command's argument alone
// and a reply's text without its code, which the form's parsers also read,
// are not lines for ParseLine, since their form does not show.
//
// If the line is of a form but breaks that form's rules, ParseLine returns the
// form, the zero AddrPort and the error of the form's parser, which names that
// parser ("ParseEPRT"), so that a server can answer as the command requires
// (see [ReplyCode]). A line of none of the forms is a [*ParseError] whose
// Func is "ParseLine" and that wraps [ErrSyntax], with the zero Form.
// ParseLine does not allocate unless it returns an error.
func ParseLine(line string) (Form, netip.AddrPort, error) {
	f, err := lineForm(line)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	var ap netip.AddrPort
	switch f {
	case FormPORT, FormPASV:
		parse := ParsePORT
		if f == FormPASV {
			parse = ParsePASV
		}
		var hp HostPort
		if hp, err = parse(line); err == nil {
			ap = hp.AddrPort()
		}
	case FormEPSV:
		var port uint16
		if port, err = ParseEPSV(line); err == nil {
			ap = netip.AddrPortFrom(netip.Addr{}, port)
		}
	case FormEPRT:
		ap, err = ParseEPRT(line)
	case FormLPRT:
		ap, err = ParseLPRT(line)
	case FormLPSV:
		ap, err = ParseLPSV(line)
	}
	return f, ap, err
}

// lineForm returns the form of line, as ParseLine tells it, or the error for
// a line of none.
func lineForm(s string) (Form, error) {
	const fn = fnParseLine
	n := trimEOL(s)
	if n > 0 && isLetter(s[0]) {
		v := 1
		for v < n && isLetter(s[v]) {
			v++
		}
		if v == 4 {
			switch {
			case equalFold(s[:4], "PORT"):
				return FormPORT, nil
			case equalFold(s[:4], "EPRT"):
				return FormEPRT, nil
			case equalFold(s[:4], "LPRT"):
				return FormLPRT, nil
			}
		}
		return 0, parseError(fn, s, 0, ErrSyntax, "verb "+quoteField(s[:v])+", want PORT, EPRT or LPRT")
	}
	k := 0
	for k < n && isDigit(s[k]) {
		k++
	}
	if k >= 3 && (k == n || s[k] == ' ' || k == 3 && s[k] == '-') {
		if k == 3 && s[0] == '2' && s[1] == '2' {
			switch s[2] {
			case '7':
				return FormPASV, nil
			case '8':
				return FormLPSV, nil
			case '9':
				return FormEPSV, nil
			}
		}
		return 0, parseError(fn, s, 0, ErrSyntax, "reply code "+numText(s[:k])+", want 227, 228 or 229")
	}
	return 0, unexpected(fn, s, 0, n, "a PORT, EPRT or LPRT command or a 227, 228 or 229 reply")
}

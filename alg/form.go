package alg

import (
	"net/netip"

	"github.com/ftpkit/hostport"
)

// Shorter names for the forms of package hostport, which name the lines the
// session handles: three commands from the client and the three replies to
// the passive commands from the server.
const (
	fPORT = hostport.FormPORT
	fPASV = hostport.FormPASV // the 227 reply to PASV
	fEPRT = hostport.FormEPRT
	fEPSV = hostport.FormEPSV // the 229 reply to EPSV
	fLPRT = hostport.FormLPRT
	fLPSV = hostport.FormLPSV // the 228 reply to LPSV
)

// formInfo is what the session needs of a form beyond its name.
type formInfo struct {
	// code is the reply code of a reply form, 0 for a command form.
	code int
	// parse is the form's parser: it reads a whole line of the form and
	// returns its address, or for a 229 only the port, or the parser's
	// error.
	parse func(line string) (netip.AddrPort, error)
}

// forms holds the formInfo of each form; the zero formInfo stands for any
// other value.
var forms = [...]formInfo{
	fPORT: {parse: parsePORT},
	fPASV: {code: 227, parse: parsePASV},
	fEPRT: {parse: hostport.ParseEPRT},
	fEPSV: {code: 229, parse: parseEPSV},
	fLPRT: {parse: hostport.ParseLPRT},
	fLPSV: {code: 228, parse: hostport.ParseLPSV},
}

// parsePORT, parsePASV and parseEPSV are the parsers of package hostport
// with the result as a netip.AddrPort.
func parsePORT(line string) (netip.AddrPort, error) {
	hp, err := hostport.ParsePORT(line)
	return hp.AddrPort(), err
}

func parsePASV(line string) (netip.AddrPort, error) {
	hp, err := hostport.ParsePASV(line)
	return hp.AddrPort(), err
}

func parseEPSV(line string) (netip.AddrPort, error) {
	port, err := hostport.ParseEPSV(line)
	return netip.AddrPortFrom(netip.Addr{}, port), err
}

// infoOf returns the formInfo of f, which the caller does not change.
func infoOf(f hostport.Form) *formInfo {
	if int(f) < len(forms) {
		return &forms[f]
	}
	return &noForm
}

// noForm is the formInfo of any value that is none of the forms.
var noForm formInfo

// isCommand reports whether f is one of the commands PORT, EPRT and LPRT.
func isCommand(f hostport.Form) bool { return f == fPORT || f == fEPRT || f == fLPRT }

// isReply reports whether f is one of the replies 227, 229 and 228.
func isReply(f hostport.Form) bool { return f == fPASV || f == fEPSV || f == fLPSV }

// carries reports whether a line of form f can carry the address a: PORT and
// 227 carry IPv4 addresses (IPv4-mapped ones are written as IPv4), EPRT,
// LPRT and 228 any valid address, and 229 only a port, so any address, even
// the invalid one.
func carries(f hostport.Form, a netip.Addr) bool {
	switch f {
	case fPORT, fPASV:
		return a.Unmap().Is4()
	case fEPRT, fLPRT, fLPSV:
		return a.IsValid()
	case fEPSV:
		return true
	}
	return false
}

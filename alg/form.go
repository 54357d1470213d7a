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
	// verb is the command: the verb of a command form, or the passive
	// command that a reply form answers ("PASV" for a 227).
	verb string
	// code is the reply code of a reply form, 0 for a command form.
	code int
	// v4only: the form carries only IPv4 addresses (PORT, 227).
	v4only bool
	// portOnly: the form carries only a port (229).
	portOnly bool
}

// forms holds the formInfo of each form; the zero formInfo stands for any
// other value.
var forms = [...]formInfo{
	fPORT: {verb: "PORT", v4only: true},
	fPASV: {verb: "PASV", code: 227, v4only: true},
	fEPRT: {verb: "EPRT"},
	fEPSV: {verb: "EPSV", code: 229, portOnly: true},
	fLPRT: {verb: "LPRT"},
	fLPSV: {verb: "LPSV", code: 228},
}

// infoOf returns the formInfo of f.
func infoOf(f hostport.Form) formInfo {
	if int(f) < len(forms) {
		return forms[f]
	}
	return formInfo{}
}

// isCommand reports whether f is one of the commands PORT, EPRT and LPRT.
func isCommand(f hostport.Form) bool { i := infoOf(f); return i.verb != "" && i.code == 0 }

// isReply reports whether f is one of the replies 227, 229 and 228.
func isReply(f hostport.Form) bool { return infoOf(f).code != 0 }

// carries reports whether a line of form f can carry the address a: PORT and
// 227 carry IPv4 addresses (IPv4-mapped ones are written as IPv4), EPRT,
// LPRT and 228 any valid address, and 229 only a port, so any address, even
// the invalid one.
func carries(f hostport.Form, a netip.Addr) bool {
	switch i := infoOf(f); {
	case i.verb == "":
		return false
	case i.portOnly:
		return true
	case i.v4only:
		return a.Unmap().Is4()
	}
	return a.IsValid()
}

package alg

import (
	"errors"
	"strconv"

	"github.com/ftpkit/hostport"
)

// appendReply appends the reply line "code text\r\n", with CR, LF and NUL in
// text written as spaces and text cut at maxText bytes.
func appendReply(dst []byte, code int, text string) []byte {
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ' ')
	if len(text) > maxText {
		text = text[:maxText]
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\r' || c == '\n' || c == 0 {
			c = ' '
		}
		dst = append(dst, c)
	}
	return append(dst, '\r', '\n')
}

// replyCoder is implemented by errors that choose the code of the reply that
// a veto sends, such as *Veto.
type replyCoder interface{ ReplyCode() int }

// vetoCode returns the code for the veto err: the one it carries, if it has
// one in the range lo–599; for a command (def 500), the one hostport.ReplyCode
// gives an error of hostport.ActivePolicy.Check; otherwise def.
func vetoCode(err error, def, lo int) int {
	var rc replyCoder
	if errors.As(err, &rc) {
		if c := rc.ReplyCode(); c >= lo && c <= 599 {
			return c
		}
	}
	if def == 500 && (errors.Is(err, hostport.ErrForeignAddress) ||
		errors.Is(err, hostport.ErrPrivilegedPort) || errors.Is(err, hostport.ErrUnusableAddress)) {
		return hostport.ReplyCode(err)
	}
	return def
}

// vetoText returns the text of a *Veto in err, or def.
func vetoText(err error, def string) string {
	var v *Veto
	if errors.As(err, &v) && v.Text != "" {
		return v.Text
	}
	return def
}

// parseCode returns the code and text of the reply to a command whose argument
// failed to parse: 522 for an EPRT net-prt and 521 for an LPRT af that the
// protocol does not define (RFC 2428, RFC 1639), 501 otherwise.
func parseCode(f hostport.Form, err error) (int, string) {
	if errors.Is(err, hostport.ErrFamily) {
		switch f {
		case fEPRT:
			return 522, "Network protocol not supported, use (1,2)"
		case fLPRT:
			return 521, "Supported address families are (4,6)"
		}
	}
	return 501, "Syntax error in " + f.Verb() + " argument."
}

// epsvAllText is the text of the reply to a data-setup command of form f
// (for a passive command, the form of its reply) after EPSV ALL.
func epsvAllText(f hostport.Form) string {
	return f.Verb() + " not allowed after EPSV ALL."
}

// refusedText is the default text of the reply to a command that a hook
// vetoed with err: a short reason for the errors of
// hostport.ActivePolicy.Check, in the precedence of hostport.ReplyCode, and
// illegalText otherwise. The error's own text, which names Go functions
// and addresses, is for the log (OnRefuse), not for the client.
func refusedText(f hostport.Form, err error) string {
	var why string
	switch {
	case errors.Is(err, hostport.ErrPrivilegedPort):
		why = " refused: privileged port."
	case errors.Is(err, hostport.ErrForeignAddress):
		why = " refused: address is not the client's."
	case errors.Is(err, hostport.ErrUnusableAddress):
		why = " refused: unusable address."
	default:
		return illegalText(f)
	}
	return f.Verb() + why
}

// illegalText is the default text of the reply to a vetoed command.
func illegalText(f hostport.Form) string { return "Illegal " + f.Verb() + " command." }

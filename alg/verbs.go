package alg

import (
	"encoding/binary"

	"github.com/ftpkit/hostport"
)

// knownVerbs are the FTP commands a client may open a session with: those of
// RFC 959, RFC 775 (the X forms), RFC 1639, RFC 2228, RFC 2389, RFC 2428,
// RFC 2640, RFC 3659 and RFC 7151, and the extensions that real clients and
// servers use (CLNT, the MFxx and hash commands, vsftpd's P@SW and others).
// A session whose client starts with anything else — an HTTP request, say —
// is not FTP.
var knownVerbs = map[string]bool{
	// RFC 959
	"USER": true, "PASS": true, "ACCT": true, "CWD": true, "CDUP": true,
	"SMNT": true, "QUIT": true, "REIN": true, "PORT": true, "PASV": true,
	"TYPE": true, "STRU": true, "MODE": true, "RETR": true, "STOR": true,
	"STOU": true, "APPE": true, "ALLO": true, "REST": true, "RNFR": true,
	"RNTO": true, "ABOR": true, "DELE": true, "RMD": true, "MKD": true,
	"PWD": true, "LIST": true, "NLST": true, "SITE": true, "SYST": true,
	"STAT": true, "HELP": true, "NOOP": true,
	// RFC 775
	"XMKD": true, "XRMD": true, "XPWD": true, "XCUP": true, "XCWD": true,
	// RFC 1639, RFC 2428
	"LPRT": true, "LPSV": true, "EPRT": true, "EPSV": true,
	// RFC 2228
	"AUTH": true, "ADAT": true, "PROT": true, "PBSZ": true, "CCC": true,
	"MIC": true, "CONF": true, "ENC": true,
	// RFC 2389, RFC 2640, RFC 3659, RFC 7151
	"FEAT": true, "OPTS": true, "LANG": true, "MDTM": true, "SIZE": true,
	"MLST": true, "MLSD": true, "HOST": true,
	// Extensions in common use
	"CLNT": true, "P@SW": true, "MFMT": true, "MFCT": true, "MFF": true,
	"AVBL": true, "CSID": true, "DSIZ": true, "HASH": true, "RANG": true,
	"XCRC": true, "XMD5": true, "XSHA": true, "XSHA1": true, "XSHA256": true,
	"XSHA512": true, "SPSV": true, "ESTA": true, "ESTP": true, "THMB": true,
}

// knownVerb reports whether verb, in any case, is in knownVerbs.
func knownVerb(verb []byte) bool {
	var u [8]byte
	if len(verb) < 3 || len(verb) > len(u) {
		return false
	}
	for i, c := range verb {
		u[i] = upper(c)
	}
	return knownVerbs[string(u[:len(verb)])]
}

// A command's verb is read here as the most lenient of the servers that the
// package's tests survey reads it, so that no line that some server takes for
// a data-setup command passes as an ordinary one:
//
//   - blanks before the verb are skipped: ProFTPD before 1.3.6 skips any
//     C-locale white space (space, tab, VT, FF), and later versions refuse
//     the line;
//   - the verb ends at any of those blanks: ProFTPD splits words on any of
//     them, vsftpd, Pure-FTPd, pyftpdlib and GNU inetutils ftpd on the space
//     alone (CR, LF and NUL, at which some servers also end it, make a line
//     that the session refuses);
//   - the verb is read in any case, and the non-ASCII letters whose upper
//     case in Unicode is ASCII are read as it: pyftpdlib upper-cases the verb
//     with Python's str.upper, which turns "paſv" (U+017F, long s) into
//     "PASV", "ı" (U+0131) into "I", "ß" into "SS" and the ligatures
//     U+FB00–U+FB06 into their letters.
//
// Bytes other than those end no server's verb: "PORT,1,2,3,4,5,6" and
// "PORT_1" are unknown verbs everywhere (Pure-FTPd ignores the line), and
// pass.

// isBlank reports whether c ends a verb for some server: C-locale white
// space and NUL.
func isBlank(c byte) bool { return c <= ' ' && blanks>>c&1 != 0 }

// blanks has bit c set for each byte c that isBlank reports.
const blanks = 1<<' ' | 1<<'\t' | 1<<'\v' | 1<<'\f' | 1<<'\r' | 1<<'\n' | 1<<0

// foldRune returns the ASCII letters that Python's str.upper makes of the
// UTF-8 sequence at the start of b, and its length, or "", 0 if it makes
// none: the only non-ASCII characters whose upper case is ASCII.
func foldRune(b []byte) (string, int) {
	if len(b) >= 2 {
		switch string(b[:2]) {
		case "\xc3\x9f": // ß
			return "SS", 2
		case "\xc4\xb1": // ı, dotless i
			return "I", 2
		case "\xc5\xbf": // ſ, long s
			return "S", 2
		}
	}
	if len(b) >= 3 && b[0] == 0xef && b[1] == 0xac && b[2] <= 0x86 {
		// The Latin ligatures U+FB00–U+FB06.
		return [...]string{"FF", "FI", "FL", "FFI", "FFL", "ST", "ST"}[b[2]-0x80], 3
	}
	return "", 0
}

// A verb is the verb of a command line as read by readVerb.
type verb struct {
	kind cmdKind
	i, j int  // body[i:j] is the verb as received
	odd  bool // not "VERB" or "VERB arg" in ASCII: the line is regenerated
	n    int  // name[:n] is the verb in upper case, as servers read it
	name [8]byte
}

// readVerb reads the verb of a command body (after Telnet processing) in the
// lenient way described above. For a verb of ASCII bytes it fills in name
// only if the verb is one of those that the session handles; verbName gives
// the name of any verb.
func readVerb(body []byte) verb {
	var v verb
	i := 0
	for i < len(body) && isBlank(body[i]) {
		i++
	}
	j := i
	var hi byte
	for j < len(body) && !isBlank(body[j]) {
		hi |= body[j]
		j++
	}
	v.i, v.j = i, j
	plain := hi < 0x80
	if plain {
		if j-i == 4 {
			v.kind = kind4(binary.LittleEndian.Uint32(body[i:]))
		}
	} else {
		v.fold(body)
		if v.n == 4 {
			v.kind = kind4(binary.LittleEndian.Uint32(v.name[:]))
		}
	}
	if v.kind != kOther && plain {
		v.fold(body)
	}
	v.odd = v.kind != kOther && (i > 0 || !plain || j < len(body) && body[j] != ' ')
	return v
}

// fold fills in v.name with the verb body[v.i:v.j] in upper case, ASCII
// letters folded from those listed in foldRune, or leaves v.n at 0 if the
// verb has other non-ASCII bytes or is longer than v.name.
func (v *verb) fold(body []byte) {
	v.n = 0
	for p := v.i; p < v.j; {
		c := body[p]
		if c < 0x80 {
			if v.n == len(v.name) {
				v.n = 0
				return
			}
			v.name[v.n] = upper(c)
			v.n++
			p++
			continue
		}
		s, size := foldRune(body[p:v.j])
		if size == 0 || v.n+len(s) > len(v.name) {
			v.n = 0
			return // not a name that a server knows: an unknown verb
		}
		v.n += copy(v.name[v.n:], s)
		p += size
	}
}

// cmdKind classifies a command by its verb. The kinds of the data-setup and
// passive commands have the values of their forms (that of its reply for a
// passive command), so that form is a conversion.
type cmdKind uint8

const (
	kOther cmdKind = 0
	kPORT          = cmdKind(fPORT)
	kEPRT          = cmdKind(fEPRT)
	kLPRT          = cmdKind(fLPRT)
	kPASV          = cmdKind(fPASV) // PASV and vsftpd's alias P@SW
	kEPSV          = cmdKind(fEPSV)
	kLPSV          = cmdKind(fLPSV)
	kAUTH          = cmdKind(fLPSV) + 1
)

// form returns the form of a data-setup command, or of the reply to a
// passive command; 0 for the other kinds.
func (k cmdKind) form() hostport.Form {
	if k == kAUTH {
		return 0
	}
	return hostport.Form(k)
}

// The four-byte verbs, little-endian, in lower case: setting bit 5 of each
// byte lowers ASCII letters and maps '@' to '`', so that "P`SW" is taken for
// vsftpd's P@SW, which does no harm.
const (
	lower4  = 0x20202020
	keyPORT = 'P' | 'O'<<8 | 'R'<<16 | 'T'<<24 | lower4
	keyEPRT = 'E' | 'P'<<8 | 'R'<<16 | 'T'<<24 | lower4
	keyLPRT = 'L' | 'P'<<8 | 'R'<<16 | 'T'<<24 | lower4
	keyPASV = 'P' | 'A'<<8 | 'S'<<16 | 'V'<<24 | lower4
	keyPSW  = 'P' | '@'<<8 | 'S'<<16 | 'W'<<24 | lower4
	keyEPSV = 'E' | 'P'<<8 | 'S'<<16 | 'V'<<24 | lower4
	keyLPSV = 'L' | 'P'<<8 | 'S'<<16 | 'V'<<24 | lower4
	keyAUTH = 'A' | 'U'<<8 | 'T'<<16 | 'H'<<24 | lower4
)

// kind4 returns the kind of the command whose four-byte verb, in any case,
// is key (little-endian).
func kind4(key uint32) cmdKind {
	switch key | lower4 {
	case keyPORT:
		return kPORT
	case keyEPRT:
		return kEPRT
	case keyLPRT:
		return kLPRT
	case keyPASV, keyPSW:
		return kPASV
	case keyEPSV:
		return kEPSV
	case keyLPSV:
		return kLPSV
	case keyAUTH:
		return kAUTH
	}
	return kOther
}

// upper returns c in upper case if it is an ASCII letter.
func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// trimBlanks returns b without the blanks (isBlank) at its ends.
func trimBlanks(b []byte) []byte {
	for len(b) > 0 && isBlank(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isBlank(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// isAll reports whether the command body, which starts with the verb EPSV at
// offset i, is EPSV ALL (the argument in any case).
func isAll(body []byte, i int) bool {
	arg := trimBlanks(body[i+4:])
	return len(arg) == 3 && upper(arg[0]) == 'A' && upper(arg[1]) == 'L' && upper(arg[2]) == 'L'
}

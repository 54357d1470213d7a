package alg

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

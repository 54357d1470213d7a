package hostport

import (
	"errors"
	"net/netip"
	"strconv"
)

// ErrForeignAddress indicates an address that is not the host at the other
// end of the control connection: a PORT, EPRT or LPRT target that names a
// third host (the FTP bounce attack, RFC 2577 section 2, CVE-1999-0017), a
// 227 or 228 reply that names a host other than the server (the redirection
// behind curl CVE-2020-8284 and GNU inetutils ftp CVE-2021-40491), or a
// passive data connection from another host (port theft, RFC 2577 section 8).
var ErrForeignAddress = errors.New("foreign address")

// ErrPrivilegedPort indicates a PORT, EPRT or LPRT target port below 1024,
// where well-known services such as SMTP listen. RFC 2577 section 3
// recommends refusing data connections to those ports (reply 504) as the
// defence against bounce attacks on them; pyftpdlib before 0.2.0 allowed them
// (CVE-2007-6741).
var ErrPrivilegedPort = errors.New("privileged port")

// ErrUnusableAddress indicates an address that cannot be an end of a TCP data
// connection: port 0, the unspecified address (0.0.0.0 or ::), a multicast
// address, the IPv4 limited broadcast address 255.255.255.255, or the invalid
// zero [netip.Addr]. Such a target is refused by every policy: dialling
// 0.0.0.0, for one, reaches the local host on Linux.
var ErrUnusableAddress = errors.New("unusable address")

// A PolicyError records an address that a policy check refused, such as a
// bounce attempt (RFC 2577), a 227 reply that redirects the client
// (CVE-2020-8284) or a stolen data connection: the check, the addresses it was
// given and the rule the address broke. Its message is built from these
// fields. A server can log it whole and answer with the code its
// [PolicyError.ReplyCode] method gives.
type PolicyError struct {
	// Func is the check that refused: "ActivePolicy.Check",
	// "PassivePolicy.Target" or "CheckDataPeer".
	Func string
	// Control is the address of the control connection's other end, as
	// given: the client's for ActivePolicy.Check and CheckDataPeer, the
	// server's for PassivePolicy.Target.
	Control netip.Addr
	// Addr is the address that was judged, as given: the active-mode
	// target, the 227 or 228 reply's address, or the data connection's peer
	// (with port 0: CheckDataPeer is given no port).
	Addr netip.AddrPort
	// Err is the rule broken: ErrForeignAddress, ErrPrivilegedPort or
	// ErrUnusableAddress.
	Err error
}

// Names of the checks, as PolicyError.Func carries them.
const (
	fnCheck    = "ActivePolicy.Check"
	fnTarget   = "PassivePolicy.Target"
	fnDataPeer = "CheckDataPeer"
)

// Error returns a message that names the check, the address at fault and its
// role, and the rule, such as
//
//	hostport.ActivePolicy.Check: target 203.0.113.99:1025: not the client 198.51.100.7 (bounce attack, RFC 2577)
//
// For a Func or Err other than those the checks return, the message is the
// address and Err's text: "hostport.X: 192.0.2.1:21: foreign address".
func (e *PolicyError) Error() string {
	return "hostport." + e.Func + ": " + e.reason()
}

// reason returns the message of e after "hostport.<Func>: ". It finds the
// address at fault in the order the check judged them.
func (e *PolicyError) reason() string {
	control, addr := e.Control.String(), e.Addr.String()
	ctlWhy, addrWhy := unusable(hostOf(e.Control)), unusable(hostOf(e.Addr.Addr()))
	port0 := e.Addr.Port() == 0
	switch {
	case e.Func == fnCheck && e.Err == ErrUnusableAddress:
		switch {
		case ctlWhy != "":
			return "client " + control + ": " + ctlWhy
		case addrWhy != "":
			return "target " + addr + ": " + addrWhy
		case port0:
			return "target " + addr + ": port 0"
		}
	case e.Func == fnCheck && e.Err == ErrForeignAddress:
		return "target " + addr + ": not the client " + control + " (bounce attack, RFC 2577)"
	case e.Func == fnCheck && e.Err == ErrPrivilegedPort:
		return "target " + addr + ": privileged port " + strconv.Itoa(int(e.Addr.Port())) + ", below 1024 (RFC 2577)"
	case e.Func == fnTarget && e.Err == ErrUnusableAddress:
		switch {
		case ctlWhy != "":
			return "server " + control + ": " + ctlWhy
		case port0:
			return "reply " + addr + ": port 0"
		case addrWhy != "":
			return "reply " + addr + ": " + addrWhy
		}
	case e.Func == fnTarget && e.Err == ErrForeignAddress:
		return "reply " + addr + ": not the server " + control + " (RequireMatch)"
	case e.Func == fnDataPeer && e.Err == ErrUnusableAddress:
		switch {
		case ctlWhy != "":
			return "client " + control + ": " + ctlWhy
		case addrWhy != "":
			return "data peer " + e.Addr.Addr().String() + ": " + addrWhy
		}
	case e.Func == fnDataPeer && e.Err == ErrForeignAddress:
		return "data peer " + e.Addr.Addr().String() + ": not the client " + control + " (port theft, RFC 2577)"
	}
	if e.Err == nil {
		return addr + ": refused"
	}
	return addr + ": " + e.Err.Error()
}

// Unwrap returns e.Err, so that errors.Is(err, ErrForeignAddress) and the like
// work.
func (e *PolicyError) Unwrap() error { return e.Err }

// ReplyCode returns the reply code for the refusal that e records. For
// ActivePolicy.Check, it is the code [ReplyCode] gives: 504 for a privileged
// port, 500 for a foreign address, 501 for an unusable one. For
// PassivePolicy.Target and CheckDataPeer, it is 425 (can't open data
// connection): what a proxy answers in place of a 227 or 228 reply it
// refuses, and what a server answers when it gives up on a data connection,
// as vsftpd does ("425 Security: Bad IP connecting.").
func (e *PolicyError) ReplyCode() int {
	if e.Func == fnCheck {
		return ReplyCode(e)
	}
	return 425
}

// policyError builds every PolicyError.
func policyError(fn string, control netip.Addr, addr netip.AddrPort, err error) error {
	return &PolicyError{Func: fn, Control: control, Addr: addr, Err: err}
}

// ReplyCode returns the reply code a server sends to a PORT, EPRT or LPRT
// command that it refuses with err, an error of [ActivePolicy.Check] or of
// the command's parser:
//
//   - nil: 200, the command is accepted;
//   - [ErrPrivilegedPort]: 504, as RFC 2577 section 3 recommends (vsftpd,
//     ProFTPD and GNU inetutils ftpd answer 500, Pure-FTPd and pyftpdlib 501);
//   - [ErrForeignAddress]: 500, as vsftpd, ProFTPD, Pure-FTPd and GNU
//     inetutils ftpd answer a bounce attempt (pyftpdlib answers 501);
//   - [ErrFamily] from [ParseLPRT] or [ParseLPSV]: 521, with which RFC 1639
//     answers an address family the server does not support;
//   - any other [ErrFamily], such as an unknown EPRT net-prt: 522, with which
//     RFC 2428 answers a network protocol the server does not support;
//   - [ErrUnusableAddress] and any other error, such as a syntax error: 501,
//     syntax error in parameters, as ProFTPD and Pure-FTPd answer a host
//     0.0.0.0 or a port 0.
//
// An error that wraps both ErrPrivilegedPort and ErrForeignAddress gets 504.
// ReplyCode is not meant for the errors of [CheckDataPeer] or of
// [PassivePolicy.Target], whose [PolicyError.ReplyCode] is 425.
func ReplyCode(err error) int {
	switch {
	case err == nil:
		return 200
	case errors.Is(err, ErrPrivilegedPort):
		return 504
	case errors.Is(err, ErrForeignAddress):
		return 500
	case errors.Is(err, ErrFamily):
		var perr *ParseError
		if errors.As(err, &perr) && (perr.Func == fnParseLPRT || perr.Func == fnParseLPSV) {
			return 521
		}
		return 522
	default:
		return 501
	}
}

// ActivePolicy decides whether a server may open the active-mode data
// connection that a client asks for with PORT, EPRT or LPRT. It stops the FTP
// bounce attack (RFC 2577 sections 2 and 3; CERT CA-1997-27, CVE-1999-0017):
// a client that names a third host in PORT makes the server scan that host's
// ports, or relay uploaded bytes to a service there (SMTP on port 25, say),
// from the server's address and past address-based access controls.
//
// The zero ActivePolicy is the safe default and the default of vsftpd
// (port_promiscuous=NO), ProFTPD (AllowForeignAddress off) and pyftpdlib: the
// target must be the client's own address, and its port at least 1024.
type ActivePolicy struct {
	// AllowForeign lists the networks other than the client's address that
	// targets may name, for site-to-site (FXP) transfers between servers;
	// none by default, as in ProFTPD (whose AllowForeignAddress can name a
	// class of networks) and Pure-FTPd (-w). It relaxes the address rule only: an unusable target
	// or a privileged port is refused all the same. Targets are matched as
	// hosts, IPv4-mapped ones as IPv4: an IPv4 prefix covers IPv4 targets,
	// a prefix of IPv4-mapped addresses (::ffff:198.51.100.0/120, /96 or
	// longer) the IPv4 addresses it maps, and any other IPv6 prefix IPv6
	// targets only, so ::/0 does not cover 198.51.100.7. An invalid prefix
	// covers nothing.
	AllowForeign []netip.Prefix
	// AllowPrivileged permits target ports below 1024, which RFC 2577 section
	// 3 advises against; false by default. Few servers offer it: ProFTPD
	// documents that there is no valid reason to, and vsftpd refuses such
	// ports even with port_promiscuous=YES.
	AllowPrivileged bool
}

// Check reports whether the server may connect to target, the address that a
// PORT, EPRT or LPRT command named, for the client whose control connection
// comes from peer (its remote address). It returns nil if so, and otherwise a
// [*PolicyError] for the first of these rules that is broken:
//
//  1. peer must be usable: not the zero Addr, unspecified, multicast or
//     255.255.255.255, else [ErrUnusableAddress];
//  2. target must be usable: its address likewise, and its port not 0, else
//     [ErrUnusableAddress], whatever AllowForeign says;
//  3. target's address must be peer's, or be in a prefix of AllowForeign,
//     else [ErrForeignAddress];
//  4. target's port must be 1024 or above unless AllowPrivileged is set, else
//     [ErrPrivilegedPort].
//
// Unusable addresses come first because no setting makes them work; the
// address comes before the port because a bounce to a third host is the
// graver attack, so a target that is foreign and privileged is reported as
// foreign.
//
// Addresses are compared as hosts: an IPv4-mapped IPv6 address is its IPv4
// address and zones are ignored. From the client 198.51.100.7, the target
// ::ffff:198.51.100.7 is the client and ::ffff:203.0.113.99 is foreign.
// (Whether EPRT may carry a mapped address at all is for its parser to say.)
//
// Check does not allocate unless it returns an error.
func (p ActivePolicy) Check(peer netip.Addr, target netip.AddrPort) error {
	const fn = fnCheck
	c, t, port := hostOf(peer), hostOf(target.Addr()), target.Port()
	if unusable(c) != "" || unusable(t) != "" || port == 0 {
		return policyError(fn, peer, target, ErrUnusableAddress)
	}
	if t != c && !allowedBy(p.AllowForeign, t) {
		return policyError(fn, peer, target, ErrForeignAddress)
	}
	if port < 1024 && !p.AllowPrivileged {
		return policyError(fn, peer, target, ErrPrivilegedPort)
	}
	return nil
}

// PassiveMode says which address a client dials after a 227 (PASV) or 228
// (LPSV) reply. The server chooses the address in those replies, so a
// malicious server can point the client at any host and port and make it
// connect into its own network on the attacker's behalf (request forgery,
// port scanning): curl CVE-2020-8284, Python ftplib CVE-2021-4189, Apache
// Commons Net CVE-2021-37533, GNU inetutils ftp CVE-2021-40491, Firefox
// CVE-2007-1562. A 229 (EPSV) reply carries only a port and needs no mode:
// RFC 2428 has the client use the control connection's address.
type PassiveMode int

const (
	// UseControlAddr dials the reply's port at the control connection's
	// address and ignores the reply's address: the default of curl since
	// 7.74.0 (CURLOPT_FTP_SKIP_PASV_IP, the fix of CVE-2020-8284), Python's
	// ftplib (CVE-2021-4189) and Apache Commons Net since 3.9.0
	// (CVE-2021-37533). It is the only mode in which the server cannot
	// redirect the client, and the default.
	UseControlAddr PassiveMode = iota

	// FixUnroutable dials the reply's address unless it is useless or
	// suspicious, and the control address otherwise, after the heuristics
	// of FileZilla (its default PASV fallback mode) and lftp
	// (ftp:fix-pasv-address): the control address is used if the reply's address is multicast or
	// 255.255.255.255, is of the other family (IPv4 against IPv6), or is
	// non-routable while the control address is routable. Non-routable
	// means loopback (127.0.0.0/8, ::1), private (10.0.0.0/8, 172.16.0.0/12,
	// 192.168.0.0/16, fc00::/7), link-local (169.254.0.0/16, fe80::/10),
	// shared address space (100.64.0.0/10, RFC 6598), "this network"
	// (0.0.0.0/8) or reserved (240.0.0.0/4), besides unspecified and
	// multicast; every other address, the documentation ranges included,
	// counts as routable. It repairs servers behind NAT that announce their
	// inside address, but a routable third-party address is still trusted,
	// so a malicious server can still send the client to any public host.
	FixUnroutable

	// RequireMatch dials the reply's address only if it is the control
	// connection's, and otherwise fails with [ErrForeignAddress], as tnftp
	// (NetBSD ftp) and GNU inetutils ftp do since the fix of CVE-2021-40491
	// ("Passive mode address mismatch."). It fails against servers that
	// announce an address other than the one the client reached.
	RequireMatch

	// TrustReply dials the reply's address as it is, refusing only a
	// multicast or broadcast address ([ErrUnusableAddress]). This is what
	// the clients named above did before their fixes; use it only for
	// site-to-site transfers (RFC 959 third-party transfers, FXP) with
	// servers you trust, and check the result against your own allow-list.
	TrustReply
)

// String returns the name of the mode, such as "UseControlAddr", or
// "PassiveMode(7)" for an unknown value.
func (m PassiveMode) String() string {
	switch m {
	case UseControlAddr:
		return "UseControlAddr"
	case FixUnroutable:
		return "FixUnroutable"
	case RequireMatch:
		return "RequireMatch"
	case TrustReply:
		return "TrustReply"
	}
	return "PassiveMode(" + strconv.Itoa(int(m)) + ")"
}

// modeError is the error of [PassivePolicy.Target] for a Mode that is none
// of the constants: a mistake of the caller's, which errors.Is reports as
// [errors.ErrUnsupported].
type modeError struct{ mode PassiveMode }

func (e *modeError) Error() string {
	return "hostport." + fnTarget + ": unknown " + e.mode.String()
}

func (e *modeError) Unwrap() error { return errors.ErrUnsupported }

// PassivePolicy decides which address a client dials for a passive data
// connection after a 227 or 228 reply, so that a malicious server cannot use
// the client to reach other hosts (see [PassiveMode] for the attack and the
// CVEs). The zero PassivePolicy uses [UseControlAddr], the safe default.
type PassivePolicy struct {
	Mode PassiveMode // which address to trust; UseControlAddr by default
}

// Target returns the address to dial after a 227 or 228 reply. control is the
// address of the control connection's server end, the remote address of the
// connection the client dialled (never a host name resolved again); reply is
// the address and port the reply named.
//
// In every mode:
//
//   - an unknown Mode is an error that wraps [errors.ErrUnsupported] and
//     names the mode: "hostport.PassivePolicy.Target: unknown
//     PassiveMode(7)";
//   - a control address that is the zero Addr, unspecified, multicast or
//     255.255.255.255 is [ErrUnusableAddress], and so is a reply port 0;
//   - a reply address that is unspecified (vsftpd sends 0,0,0,0 on IPv6
//     sessions), or the zero Addr (no address, as in a 229 reply), or the
//     control host means the control address.
//
// Otherwise the address is chosen as the Mode describes. The result's port
// is always the reply's, never 0. Where the result is the control address, it
// is control unmapped (an IPv4-mapped control address becomes IPv4), its zone
// kept; where it is the reply's address, that is unmapped and without a zone.
// Addresses are compared as hosts, as [ActivePolicy.Check] compares them.
//
// A 227 reply can carry only IPv4, so on an IPv6 control connection its
// address is a placeholder (vsftpd's 0,0,0,0) or an IPv4 address that the
// server was told to announce for IPv4 clients (ProFTPD and pyftpdlib put
// their masquerade address in IPv6 sessions' replies too), while the address
// the client reached the server at is known to work. Hence, when the
// families differ, UseControlAddr and
// FixUnroutable dial the control address with the reply's port, RequireMatch
// fails with [ErrForeignAddress], and TrustReply dials the reply's address,
// since site-to-site transfers may cross families and that mode was chosen to
// trust the reply. The same holds for an IPv6 228 reply on an IPv4 control
// connection.
//
// Errors are [*PolicyError] values, apart from the unknown Mode's. Target
// does not allocate unless it returns an error.
func (p PassivePolicy) Target(control netip.Addr, reply netip.AddrPort) (netip.AddrPort, error) {
	const fn = fnTarget
	if p.Mode < UseControlAddr || p.Mode > TrustReply {
		return netip.AddrPort{}, &modeError{p.Mode}
	}
	c, port := control.Unmap(), reply.Port()
	ch, r := hostOf(c), hostOf(reply.Addr())
	if unusable(ch) != "" || port == 0 {
		return netip.AddrPort{}, policyError(fn, control, reply, ErrUnusableAddress)
	}
	ctl := netip.AddrPortFrom(c, port)
	if p.Mode == UseControlAddr || !r.IsValid() || r.IsUnspecified() || r == ch {
		return ctl, nil
	}
	switch p.Mode {
	case RequireMatch:
		return netip.AddrPort{}, policyError(fn, control, reply, ErrForeignAddress)
	case FixUnroutable:
		if unusable(r) != "" || r.Is4() != ch.Is4() || !routable(r) && routable(ch) {
			return ctl, nil
		}
	case TrustReply:
		if unusable(r) != "" {
			return netip.AddrPort{}, policyError(fn, control, reply, ErrUnusableAddress)
		}
	}
	return netip.AddrPortFrom(r, port), nil
}

// CheckDataPeer reports whether a server may accept a passive data
// connection from dataPeer, the remote address of a connection accepted on
// the port it opened for the client whose control connection comes from
// control. It stops data-connection theft (RFC 2577 sections 4 and 8): a third
// host that connects to the listening port first takes the download or
// injects a forged upload.
//
// It returns nil if dataPeer is control's host, compared as
// [ActivePolicy.Check] compares (so ::ffff:198.51.100.7, as a dual-stack
// socket reports it, is 198.51.100.7), and otherwise a [*PolicyError] that
// wraps [ErrForeignAddress], or [ErrUnusableAddress] if either address is the
// zero Addr, unspecified, multicast or 255.255.255.255.
//
// On a refusal, close that connection and keep listening for the client, as
// Pure-FTPd and pyftpdlib do, so that a thief cannot abort the transfer
// either; vsftpd fails the transfer instead ("425 Security: Bad IP
// connecting."), as do FileZilla Server 1.x and ftpserverlib.
// A random port from [ListenPassive] makes the port hard to find in the first
// place. CheckDataPeer does not allocate unless it returns an error.
func CheckDataPeer(control, dataPeer netip.Addr) error {
	const fn = fnDataPeer
	c, d := hostOf(control), hostOf(dataPeer)
	peer := netip.AddrPortFrom(dataPeer, 0)
	if unusable(c) != "" || unusable(d) != "" {
		return policyError(fn, control, peer, ErrUnusableAddress)
	}
	if d != c {
		return policyError(fn, control, peer, ErrForeignAddress)
	}
	return nil
}

// hostOf returns the host that a names, for comparisons: unmapped, without
// a zone.
func hostOf(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

// ipv4Broadcast is the limited broadcast address, RFC 919.
var ipv4Broadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// unusable returns why a (unmapped, without a zone: netip does not see
// "::%eth0" as unspecified) cannot be an end of a TCP connection, or "" if
// it can.
func unusable(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "not a valid address"
	case a.IsUnspecified():
		return "unspecified address"
	case a.IsMulticast():
		return "multicast address"
	case a == ipv4Broadcast:
		return "broadcast address"
	}
	return ""
}

// Networks that routable counts as non-routable besides those that netip
// classifies (loopback, private, link-local, unspecified, multicast).
var (
	sharedSpace = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT, RFC 6598
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")     // RFC 1122 section 3.2.1.3
	reserved4   = netip.MustParsePrefix("240.0.0.0/4")   // RFC 1112; includes 255.255.255.255
)

// routable reports whether a (unmapped, without a zone) is an address that
// FixUnroutable counts as routable.
func routable(a netip.Addr) bool {
	return a.IsValid() && !a.IsUnspecified() && !a.IsLoopback() && !a.IsPrivate() &&
		!a.IsLinkLocalUnicast() && !a.IsMulticast() &&
		!sharedSpace.Contains(a) && !thisNetwork.Contains(a) && !reserved4.Contains(a)
}

// allowedBy reports whether a prefix in list contains the host a (unmapped,
// without a zone). A prefix in IPv4-mapped form covers the IPv4 addresses it
// maps.
func allowedBy(list []netip.Prefix, a netip.Addr) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
		if pa := p.Addr(); pa.Is4In6() && p.Bits() >= 96 &&
			netip.PrefixFrom(pa.Unmap(), p.Bits()-96).Contains(a) {
			return true
		}
	}
	return false
}

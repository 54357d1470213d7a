package main

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ftpkit/hostport"
)

// mode returns the result of the mode named in the primary family (that of
// the first mode), or nil.
func (rep *probeReport) mode(name string) *probeMode {
	for i := range rep.Modes {
		if rep.Modes[i].Family != rep.Modes[0].Family {
			break
		}
		if rep.Modes[i].Mode == name {
			return &rep.Modes[i]
		}
	}
	return nil
}

func (m *probeMode) ok() bool { return m != nil && m.OK }

// defaultWorks reports whether EPSV or PASV-control works: what curl and
// Python's ftplib use by default.
func (rep *probeReport) defaultWorks() bool {
	return rep.mode("EPSV").ok() || rep.mode("PASV-control").ok()
}

// verdict fills in what curl, lftp and Python's ftplib do with their
// default settings.
func (rep *probeReport) verdict() {
	rep.Clients = []probeClient{}
	if len(rep.Modes) == 0 {
		return
	}
	epsv, pasv, ctl := rep.mode("EPSV"), rep.mode("PASV"), rep.mode("PASV-control")
	if rep.Modes[0].Family == "IPv6" {
		// On IPv6, each of them uses EPSV only.
		for _, c := range []string{"curl", "lftp", "ftplib"} {
			rep.Clients = append(rep.Clients, probeClient{Client: c, Uses: "EPSV", OK: epsv.ok()})
		}
		return
	}
	// curl: EPSV, and PASV at the control address (CURLOPT_FTP_SKIP_PASV_IP,
	// the default since 7.74.0) if EPSV is refused or its data connection
	// fails.
	curl := probeClient{Client: "curl", Uses: "EPSV", OK: epsv.ok()}
	if !curl.OK && ctl != nil {
		curl = probeClient{Client: "curl", Uses: "PASV-control", OK: ctl.ok(), Detail: "after EPSV fails"}
	}
	// Python's ftplib: PASV at the control address on IPv4
	// (trust_server_pasv_ipv4_address is false by default).
	ftplib := probeClient{Client: "ftplib", Uses: "PASV-control", OK: ctl.ok()}
	// lftp: PASV, with ftp:fix-pasv-address, which FixUnroutable models.
	lftp := probeClient{Client: "lftp", Uses: "PASV"}
	if pasv != nil {
		lftp.OK = pasv.ok()
		if pasv.target.IsValid() {
			control := netip.MustParseAddrPort(rep.Control).Addr()
			t, err := hostport.PassivePolicy{Mode: hostport.FixUnroutable}.Target(control, pasv.target)
			switch {
			case err != nil:
				lftp.OK = false
			case t.Addr() == control && pasv.target.Addr().Unmap() != control:
				lftp.OK, lftp.Detail = ctl.ok(), "at the control address, since the reply's is not routable"
			case pasv.has(probeNotDialed):
				lftp.Detail = "dials " + t.String() + ": not tried without -trust-reply"
			}
		}
	}
	rep.Clients = append(rep.Clients, curl, lftp, ftplib)
}

// text returns the report for a person: the verdict, then a line per mode.
func (rep *probeReport) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "target   %s\n", rep.Target)
	if rep.Control != "" {
		fmt.Fprintf(&b, "control  %s", rep.Control)
		if rep.Local != "" {
			fmt.Fprintf(&b, ", from %s", rep.Local)
		}
		b.WriteString("\n")
	}
	if rep.Error != "" {
		fmt.Fprintf(&b, "verdict  FAIL: %s\n", rep.Error)
		return b.String()
	}
	var good, bad []string
	for i := range rep.Modes {
		name := rep.modeName(i)
		if rep.Modes[i].OK {
			good = append(good, name)
		} else {
			bad = append(bad, name)
		}
	}
	if rep.defaultWorks() {
		b.WriteString("verdict  ok: default clients can transfer.")
	} else {
		b.WriteString("verdict  FAIL: default clients cannot transfer (neither EPSV nor PASV at the control address works).")
	}
	fmt.Fprintf(&b, " Working: %s. Failing: %s.\n", listOrNone(good), listOrNone(bad))
	var cs []string
	for _, c := range rep.Clients {
		res := "fails"
		if c.OK {
			res = "works"
		}
		s := fmt.Sprintf("%s %s (%s", c.Client, res, c.Uses)
		if c.Detail != "" {
			s += ", " + c.Detail
		}
		cs = append(cs, s+")")
	}
	if len(cs) > 0 {
		fmt.Fprintf(&b, "clients  %s\n", strings.Join(cs, "; "))
	}
	if rep.AuthTLS {
		b.WriteString("tls      the server offers AUTH TLS: under TLS a NAT helper cannot see or rewrite PASV replies\n")
	}
	b.WriteString("\n")
	for i, m := range rep.Modes {
		res := "FAIL"
		if m.OK {
			res = "ok"
		}
		flags := "-"
		if len(m.Flags) > 0 {
			flags = strings.Join(m.Flags, ",")
		}
		detail := m.Detail
		if m.Fix != "" {
			detail = strings.TrimSuffix(detail, ".")
		}
		fmt.Fprintf(&b, "%-18s %-4s %s  %s", rep.modeName(i), res, flags, detail)
		if m.Dialed != "" && !strings.Contains(m.Detail, m.Dialed) {
			fmt.Fprintf(&b, " (data address %s)", m.Dialed)
		}
		if m.Fix != "" {
			fmt.Fprintf(&b, ". Fix: %s", m.Fix)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// modeName returns the name of mode i for the text: with its family if it
// is not the primary one.
func (rep *probeReport) modeName(i int) string {
	m := rep.Modes[i]
	if m.Family != rep.Modes[0].Family {
		return m.Mode + "/" + m.Family
	}
	return m.Mode
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// serverSetting names the setting of each common server that makes it
// announce addr in its 227 replies.
func serverSetting(addr string) string {
	return fmt.Sprintf("pasv_address=%s (vsftpd), MasqueradeAddress %s (ProFTPD), ForcePassiveIP %s or -P %s (Pure-FTPd), masquerade_address=%q (pyftpdlib)", addr, addr, addr, addr, addr)
}

// passiveRange names the settings of the passive port range.
const passiveRangeSettings = "pasv_min_port/pasv_max_port (vsftpd), PassivePorts (ProFTPD), PassivePortRange or -p (Pure-FTPd)"

// fix returns the change that makes mode m work, or "" if it works.
func (p *prober) fix(m *probeMode, rep *probeReport) string {
	control := ""
	if ap, err := netip.ParseAddrPort(rep.Control); err == nil {
		control = ap.Addr().String()
	}
	port := ""
	dialed, _, _ := strings.Cut(m.Dialed, " ")
	if ap, err := netip.ParseAddrPort(dialed); err == nil {
		port = fmt.Sprint(ap.Port())
	}
	active := m.Mode == "PORT" || m.Mode == "EPRT" || m.Mode == "LPRT"
	// A 227 carries only an IPv4 address: over IPv6, no server setting
	// makes PASV name the server, and none may be given an IPv6 address.
	v6 := m.Family == "IPv6"
	// The passive range is not forwarded when the server's own port fails
	// at the address the probe reached it at.
	ctl := rep.mode("PASV-control")
	rangeClosed := ctl != nil && (ctl.has(probeDataTimeout) || ctl.has(probeDataRefused))
	switch {
	case m.OK && m.has(probeTLSHidesPASV) && v6:
		return "if this works only because a router's FTP helper rewrites the reply, TLS clients get another address: use EPSV, the default of curl, lftp and ftplib over IPv6"
	case m.OK && m.has(probeTLSHidesPASV):
		return "if this works only because a router's FTP helper rewrites the reply, TLS clients get the inside address: make the server announce its public address itself: " + serverSetting(control)
	case m.OK:
		return ""
	case m.has(probeNotRun):
		return "run the probe again with a larger -timeout"
	case m.has(probeInvalid):
		return "the server's reply does not parse: update or reconfigure the server, or run natproxy in front of it to write standard replies"
	case m.has(probeNATMismatch) && v6:
		return fmt.Sprintf("the reply names %s, not the server: a 227 reply carries only an IPv4 address, so no server setting makes %s name the server over IPv6: use EPSV, the default of curl, lftp and ftplib over IPv6; or run natproxy on the router", m.target.Addr(), m.Mode)
	case m.has(probeNATMismatch):
		named := m.target.Addr().String()
		fix := fmt.Sprintf("the server announces %s but the probe reached it at %s: make it announce the address clients reach: %s", named, control, serverSetting(control))
		if m.has(probeUnroutable) {
			fix = fmt.Sprintf("the server announces its inside address %s: make it announce its public address %s: %s", named, control, serverSetting(control))
			if rangeClosed {
				fix += fmt.Sprintf(", and forward the server's passive port range to it on the router, which does not now (PASV at the control address fails too): %s", passiveRangeSettings)
			} else {
				fix += fmt.Sprintf(", with the passive port range forwarded to it (%s)", passiveRangeSettings)
			}
			fix += "; or enable the router's FTP helper (plain FTP only)"
		}
		return fix + "; or run natproxy on the router. Clients that dial the control address (curl, ftplib) are not affected"
	case m.has(probeForeign):
		return "enable the FTP helper (ALG) of the NAT in front of the probe, so that it rewrites " + m.Mode + ", or use passive mode (EPSV or PASV, the default of curl, lftp and ftplib)"
	case m.has(probeNotSupported):
		if active {
			return "active mode is off on the server (vsftpd port_enable, Pure-FTPd -N): nothing to fix if EPSV or PASV-control works"
		}
		if m.Mode == "EPSV" {
			return "enable EPSV on the server or on the firewall in front of it; until then curl falls back to PASV at the control address"
		}
		return "enable passive mode on the server (vsftpd pasv_enable=YES)"
	case m.has(probeRejected) && active && m.refused:
		return "the server refused the address the probe sent, most likely because a NAT in front of the probe changes its address without rewriting " + m.Mode + ": enable that router's FTP helper, or run natproxy on it, or use passive mode (EPSV or PASV, the default of curl, lftp and ftplib)"
	case m.has(probeRejected):
		return "the server refused the command or the path: check the URL's path and the account's rights"
	case active && (m.has(probeDataTimeout) || m.has(probeDataRefused)):
		if strings.Contains(m.Detail, "behind a NAT") {
			return "the server cannot reach the probe's private address: enable the FTP helper of the NAT in front of the probe, or use passive mode"
		}
		return "a firewall stops the server's data connection to the probe: if it is the probe's own, allow incoming connections to the probe's address; if it is a router or firewall in front of the server that blocks the server's outgoing data connections, enable that router's FTP helper (it opens them for PORT and EPRT) or run natproxy on it; or use passive mode"
	case m.has(probeDataTimeout) || m.has(probeDataRefused):
		how := "forward the server's passive port range to it on the router and allow it in the firewall"
		if port != "" {
			how += " (this reply named port " + port + ")"
		}
		how += ": " + passiveRangeSettings + "; or run natproxy on the router"
		if m.Mode == "EPSV" && rep.mode("PASV-control").ok() {
			how = "a firewall or NAT helper opens ports for PASV replies but not for EPSV: " + how
		}
		return how
	case m.has(probeTransferTimeout):
		return "the data connection opens but the transfer never ends: check the server's log and any firewall that inspects FTP (a broken FTP helper or TLS inspection)"
	case m.has(probeNoReply):
		return "the server stopped answering on the control connection: check its log; a router's FTP helper that drops the control connection after data commands is a common cause: turn it off and forward the passive port range"
	}
	return ""
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ftpkit/hostport"
)

const probeShortUsage = "usage: hostport probe [flags] ftp://[user[:password]@]host[:port]/[path]\nRun 'hostport probe -h' for details.\n"

const probeUsage = `usage: hostport probe [flags] ftp://[user[:password]@]host[:port]/[path]

Tests an FTP server's NAT and firewall setup live: it logs in (as anonymous
unless -user or the URL names a user), sends FEAT, then tries each way of
opening a data connection with a small transfer (LIST of path, or RETR of
its first 64 KiB if path names a file), and says which work, why the others
fail and what to change. Run it from outside the server's network to see
what the Internet sees, or from inside to see what local clients see.

The modes, in this order:

	EPSV          229 reply; dial its port at the control connection's address
	PASV          227 reply; dial the address it names (only if that is the
	              server's, unless -trust-reply)
	PASV-control  227 reply; dial its port at the control connection's address
	EPRT          the probe listens on its own address and the server connects
	PORT          the same, with PORT
	LPSV, LPRT    if the server offers them (RFC 1639)

If the host has both an IPv4 and an IPv6 address, EPSV and EPRT are also
tried over IPv6. Each mode ends "ok" or "FAIL" with flags:

	nat-mismatch        the 227 or 228 reply names an address other than the
	                    server's
	unroutable-address  it names a private, loopback or unspecified address
	                    while the server's is public
	not-dialed          the probe did not dial that address: it is another
	                    host (-trust-reply dials it)
	foreign-address     the server refused the probe's PORT or EPRT, most
	                    likely because a NAT in front of the probe does not
	                    rewrite it
	privileged-port     the reply names a port below 1024
	not-supported       the server answered 502 or 504 to the command, or a 500
	                    that says it does not know the command
	rejected            the server answered another 4xx or 5xx reply
	invalid             the reply does not parse
	data-timeout        no answer to the data connection: filtered
	data-refused        the data connection was refused (RST)
	transfer-timeout    the data connection opened, but the transfer did not
	                    end within -timeout
	no-reply            the server did not answer a command within -timeout
	tls-hides-pasv      the server offers AUTH TLS: a NAT helper cannot read
	                    or rewrite 227 replies under TLS, so the server must
	                    announce its public address itself
	not-run             the probe's overall time ran out first

The report starts with a verdict: which modes work and whether curl, lftp
and Python's ftplib, with their default settings, can transfer. Then each
mode has a line with its cause and the fix: a server setting (vsftpd
pasv_address, ProFTPD MasqueradeAddress, Pure-FTPd ForcePassiveIP), a port
range to forward, the router's FTP helper, or natproxy. With -json, the
report is one JSON object instead: target, control, local, features,
auth_tls, clients, and modes, each with mode, family, ok, flags, reply,
dialed, detail and fix. On a terminal, progress shows on standard error.

The probe connects only to the target host and, after the policy of package
hostport has judged them, to the data addresses the server names: never to
a third host unless -trust-reply is given. In active mode it accepts data
connections from the server's host only.

Each step (a connection, a reply, a transfer) waits at most -timeout; the
whole probe takes at most 24 times -timeout.

The exit status is 0 if EPSV or PASV-control works (what default clients
use), 1 if neither does or the probe cannot log in, and 2 for a usage error.

flags:
  -json              print one JSON object
  -password-file F   read the password from the first line of file F
  -timeout D         how long each step may take (default 5s)
  -trust-reply       dial the address of a 227 or 228 reply even if it is
                     another host
  -user NAME         log in as NAME (default anonymous, or the URL's user)

Flags may come before or after the URL.
`

// The flags of a probed mode, in the order they are printed.
const (
	probeNATMismatch     = "nat-mismatch"
	probeUnroutable      = "unroutable-address"
	probeNotDialed       = "not-dialed"
	probeForeign         = "foreign-address"
	probePrivileged      = "privileged-port"
	probeNotSupported    = "not-supported"
	probeRejected        = "rejected"
	probeInvalid         = "invalid"
	probeDataTimeout     = "data-timeout"
	probeDataRefused     = "data-refused"
	probeTransferTimeout = "transfer-timeout"
	probeNoReply         = "no-reply"
	probeTLSHidesPASV    = "tls-hides-pasv"
	probeNotRun          = "not-run"
)

var probeFlagOrder = []string{
	probeNATMismatch, probeUnroutable, probeNotDialed, probeForeign, probePrivileged,
	probeNotSupported, probeRejected, probeInvalid, probeDataTimeout, probeDataRefused,
	probeTransferTimeout, probeNoReply, probeTLSHidesPASV, probeNotRun,
}

// Limits of the probe.
const (
	// probeDefaultTimeout is the default of -timeout.
	probeDefaultTimeout = 5 * time.Second
	// probeSteps times -timeout bounds the whole probe.
	probeSteps = 24
	// probeMaxLine is the longest reply line read, CRLF included.
	probeMaxLine = 4096
	// probeMaxLines is the most lines of one reply.
	probeMaxLines = 200
	// probeMaxData is the most bytes read from a data connection; the
	// transfer is cut there, since it shows that the connection works.
	probeMaxData = 64 << 10
	// probeMaxQuoted is the most bytes of a reply kept for the report.
	probeMaxQuoted = 200
	// probeAnonPassword is the password of an anonymous login.
	probeAnonPassword = "hostport-probe@"
)

// probeMode is the result of one mode: the JSON object of the report.
type probeMode struct {
	Mode   string   `json:"mode"`   // EPSV, PASV, PASV-control, EPRT, PORT, LPSV or LPRT
	Family string   `json:"family"` // IPv4 or IPv6: the control connection's
	OK     bool     `json:"ok"`
	Flags  []string `json:"flags"`
	Reply  string   `json:"reply,omitempty"`  // the reply to the mode's command
	Dialed string   `json:"dialed,omitempty"` // the data address dialled, or listened on in active mode
	Detail string   `json:"detail"`
	Fix    string   `json:"fix,omitempty"`

	target  netip.AddrPort // the address the reply named (227, 228), for the verdict
	refused bool           // the server refused the mode's own command (PORT, EPSV, ...)
}

func (m *probeMode) flag(f string) {
	if !slices.Contains(m.Flags, f) {
		m.Flags = append(m.Flags, f)
	}
}

func (m *probeMode) has(f string) bool { return slices.Contains(m.Flags, f) }

// probeClient is what a client with its default settings does.
type probeClient struct {
	Client string `json:"client"` // curl, lftp or ftplib
	Uses   string `json:"uses"`   // the mode it uses
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// probeReport is the whole report.
type probeReport struct {
	Target   string        `json:"target"`
	Control  string        `json:"control"`
	Local    string        `json:"local,omitempty"`
	Features []string      `json:"features"`
	AuthTLS  bool          `json:"auth_tls"`
	Error    string        `json:"error,omitempty"`
	Clients  []probeClient `json:"clients"`
	Modes    []probeMode   `json:"modes"`
}

// runProbe is the probe subcommand: it probes the server the URL names,
// writes the report to stdout and returns the exit code.
func runProbe(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hostport probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	jsonOut := fs.Bool("json", false, "print one JSON object")
	user := fs.String("user", "", "log in as `NAME`")
	passFile := fs.String("password-file", "", "read the password from `FILE`")
	timeout := fs.Duration("timeout", probeDefaultTimeout, "how long each step may take")
	trust := fs.Bool("trust-reply", false, "dial the address of a 227 or 228 reply even if it is another host")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, probeUsage)
			return exitOK
		}
		fmt.Fprint(stderr, probeShortUsage)
		return exitUsage
	}
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "hostport probe: %s\n%s", msg, probeShortUsage)
		return exitUsage
	}
	if fs.NArg() != 1 {
		return usage("want one ftp:// URL")
	}
	if *timeout <= 0 {
		return usage("-timeout must be positive")
	}
	p := &prober{timeout: *timeout, trust: *trust}
	if err := p.parseTarget(fs.Arg(0), *user); err != nil {
		return usage(err.Error())
	}
	if *passFile != "" {
		pw, err := readPasswordFile(*passFile)
		if err != nil {
			return usage(err.Error())
		}
		p.pass = pw
	}
	if isTerminal(stderr) {
		p.progress = stderr
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeSteps*p.timeout)
	defer cancel()
	rep := p.run(ctx)

	var err error
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		_, err = io.WriteString(stdout, rep.text())
	}
	if err != nil {
		fmt.Fprintf(stderr, "hostport probe: writing standard output: %v\n", err)
		return exitFail
	}
	if rep.Error != "" {
		fmt.Fprintf(stderr, "hostport probe: %s\n", rep.Error)
	}
	if rep.defaultWorks() {
		return exitOK
	}
	return exitFail
}

// readPasswordFile returns the first line of the file at path.
func readPasswordFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("-password-file: %v", err)
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(io.LimitReader(f, 4096), 4096).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("-password-file: %v", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// prober holds the settings and state of one probe.
type prober struct {
	timeout  time.Duration
	trust    bool
	progress io.Writer // a terminal, or nil

	target   string // the URL, password left out
	host     string // as in the URL, without brackets
	port     uint16
	user     string
	pass     string
	path     string // the path to list or fetch, "" for the login directory
	isFile   bool   // path names a file: RETR, not LIST
	features []string
	authTLS  bool
}

// parseTarget reads the URL and the -user flag.
func (p *prober) parseTarget(raw, user string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parsing the URL: %v", err)
	}
	if u.Scheme != "ftp" {
		return fmt.Errorf("URL %s: want an ftp:// URL", quote(raw))
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return fmt.Errorf("URL %s: no host", quote(raw))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("URL %s: a query or fragment has no meaning here", quote(raw))
	}
	p.host = u.Hostname()
	p.port = 21
	if s := u.Port(); s != "" {
		n, err := strconv.ParseUint(s, 10, 16)
		if err != nil || n == 0 {
			return fmt.Errorf("URL %s: bad port %s", quote(raw), quote(s))
		}
		p.port = uint16(n)
	}
	p.user, p.pass = "anonymous", probeAnonPassword
	if u.User != nil {
		p.user = u.User.Username()
		if pw, ok := u.User.Password(); ok {
			p.pass = pw
		}
	}
	if user != "" {
		p.user = user
	}
	// RFC 1738: the path is relative to the login directory.
	p.path = strings.TrimPrefix(u.Path, "/")
	if strings.ContainsAny(p.path, "\r\n\x00") {
		return fmt.Errorf("URL %s: the path holds CR, LF or NUL", quote(raw))
	}
	p.target = u.Redacted()
	return nil
}

// say shows progress on the terminal, if there is one.
func (p *prober) say(format string, a ...any) {
	if p.progress != nil {
		fmt.Fprintf(p.progress, "hostport probe: "+format+"\n", a...)
	}
}

// run probes the server and returns the report.
func (p *prober) run(ctx context.Context) *probeReport {
	rep := &probeReport{Target: p.target, Features: []string{}, Clients: []probeClient{}, Modes: []probeMode{}}
	p.say("resolving %s", p.host)
	addrs, err := p.resolve(ctx)
	if err != nil {
		rep.Error = err.Error()
		rep.verdict()
		return rep
	}
	var v4, v6 netip.Addr
	for _, a := range addrs {
		if a = a.Unmap(); a.Is4() && !v4.IsValid() {
			v4 = a
		} else if a.Is6() && !v6.IsValid() {
			v6 = a
		}
	}
	primary := v4
	if !primary.IsValid() {
		primary = v6
	}
	rep.Control = netip.AddrPortFrom(primary, p.port).String()

	s := &probeSession{p: p, server: netip.AddrPortFrom(primary, p.port)}
	defer s.close()
	if err := s.login(ctx, true); err != nil {
		rep.Error = err.Error()
		rep.verdict()
		return rep
	}
	rep.Local = s.local.String()
	rep.Features = p.features
	rep.AuthTLS = p.authTLS

	modes := []string{"EPSV", "PASV", "PASV-control", "EPRT", "PORT", "LPSV", "LPRT"}
	if primary.Is6() {
		modes = []string{"EPSV", "PASV", "PASV-control", "EPRT", "LPSV", "LPRT"}
	}
	for _, m := range modes {
		if r, keep := s.probe(ctx, m); keep {
			rep.Modes = append(rep.Modes, r)
		}
	}
	if primary.Is4() && v6.IsValid() {
		s.close()
		s6 := &probeSession{p: p, server: netip.AddrPortFrom(v6, p.port)}
		defer s6.close()
		for _, m := range []string{"EPSV", "EPRT"} {
			if r, keep := s6.probe(ctx, m); keep {
				rep.Modes = append(rep.Modes, r)
			}
		}
	}
	for i := range rep.Modes {
		if m := &rep.Modes[i]; p.authTLS && m.Mode == "PASV" && m.target.IsValid() {
			m.flag(probeTLSHidesPASV)
		}
		rep.Modes[i].Fix = p.fix(&rep.Modes[i], rep)
		slices.SortStableFunc(rep.Modes[i].Flags, func(a, b string) int {
			return slices.Index(probeFlagOrder, a) - slices.Index(probeFlagOrder, b)
		})
	}
	rep.verdict()
	return rep
}

// resolve returns the addresses of the host.
func (p *prober) resolve(ctx context.Context) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(p.host); err == nil {
		if a.Zone() != "" {
			return nil, fmt.Errorf("%s: zones are not supported", p.host)
		}
		return []netip.Addr{a}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", p.host)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %v", p.host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolving %s: no address", p.host)
	}
	return addrs, nil
}

// --- The control connection -----------------------------------------------------

// probeSession is a control connection, logged in, or nil after a fault
// that left it in an unknown state; the next mode logs in again.
type probeSession struct {
	p      *prober
	server netip.AddrPort
	local  netip.AddrPort
	conn   net.Conn
	r      *bufio.Reader
}

// ftpReply is a reply: its code and its lines, without line ends.
type ftpReply struct {
	code  int
	lines []string
}

// first returns the first line, cut and quoted if it holds odd bytes, for
// the report.
func (r ftpReply) first() string {
	if len(r.lines) == 0 {
		return ""
	}
	return cleanLine(r.lines[0])
}

// cleanLine returns s for the report: cut to probeMaxQuoted bytes, and
// quoted if it holds control or non-ASCII bytes.
func cleanLine(s string) string {
	cut := len(s) > probeMaxQuoted
	if cut {
		s = s[:probeMaxQuoted]
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			s = strconv.QuoteToASCII(s)
			break
		}
	}
	if cut {
		s += "..."
	}
	return s
}

func (s *probeSession) close() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

// deadline returns when the step starting now must end: after the timeout,
// or when the whole probe must.
func (s *probeSession) deadline(ctx context.Context) time.Time {
	d := time.Now().Add(s.p.timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	return d
}

// expired reports whether the probe's overall time has run out. It looks
// at the clock, not only at ctx.Err(), since a connection's deadline set to
// ctx's passes at the same time as ctx's timer fires.
func expired(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// errProbeTime is the error of a step begun after the probe's time ran out.
var errProbeTime = errors.New("the probe's overall time ran out")

// login connects and logs in. The first login also sends FEAT and finds
// whether the path names a file.
func (s *probeSession) login(ctx context.Context, first bool) error {
	if expired(ctx) {
		return errProbeTime
	}
	p := s.p
	p.say("connecting to %s", s.server)
	d := net.Dialer{Deadline: s.deadline(ctx)}
	conn, err := d.DialContext(ctx, "tcp", s.server.String())
	if err != nil {
		return fmt.Errorf("connecting to %s: %v", s.server, err)
	}
	s.conn, s.r = conn, bufio.NewReaderSize(conn, probeMaxLine)
	s.local = addrPortOf(conn.LocalAddr())
	fail := func(err error) error {
		s.close()
		return err
	}
	r, err := s.read(ctx)
	for err == nil && r.code/100 == 1 { // 120: ready in a while
		r, err = s.read(ctx)
	}
	if err != nil {
		return fail(fmt.Errorf("greeting from %s: %v", s.server, err))
	}
	if r.code != 220 {
		return fail(fmt.Errorf("greeting from %s: %s", s.server, r.first()))
	}
	if r, err = s.cmd(ctx, "USER "+p.user); err == nil && r.code == 331 {
		r, err = s.cmd(ctx, "PASS "+p.pass)
	}
	if err != nil {
		return fail(fmt.Errorf("logging in: %v", err))
	}
	if r.code != 230 {
		return fail(fmt.Errorf("logging in as %s: %s", p.user, r.first()))
	}
	if first {
		if r, err = s.cmd(ctx, "FEAT"); err != nil {
			return fail(fmt.Errorf("FEAT: %v", err))
		}
		if r.code == 211 {
			for _, l := range r.lines[1 : len(r.lines)-1] {
				f := strings.TrimSpace(l)
				if f == "" {
					continue
				}
				p.features = append(p.features, cleanLine(f))
				if v, arg, _ := strings.Cut(strings.ToUpper(f), " "); v == "AUTH" && strings.Contains(arg, "TLS") {
					p.authTLS = true
				}
			}
		}
	}
	if r, err = s.cmd(ctx, "TYPE I"); err != nil {
		return fail(fmt.Errorf("TYPE I: %v", err))
	}
	if first && p.path != "" && !strings.HasSuffix(p.path, "/") {
		if r, err = s.cmd(ctx, "SIZE "+p.path); err != nil {
			return fail(fmt.Errorf("SIZE: %v", err))
		}
		p.isFile = r.code == 213
	}
	return nil
}

// addrPortOf returns the address of a TCP connection's end.
func addrPortOf(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		ap := t.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// cmd sends a command and reads its reply. On an error the session is
// closed.
func (s *probeSession) cmd(ctx context.Context, line string) (ftpReply, error) {
	if s.conn == nil {
		return ftpReply{}, errors.New("not connected")
	}
	s.conn.SetWriteDeadline(s.deadline(ctx))
	if _, err := io.WriteString(s.conn, line+"\r\n"); err != nil {
		s.close()
		return ftpReply{}, err
	}
	return s.read(ctx)
}

// read reads one reply, of at most probeMaxLines lines of at most
// probeMaxLine bytes, within the step's deadline. On an error the session
// is closed.
func (s *probeSession) read(ctx context.Context) (ftpReply, error) {
	if s.conn == nil {
		return ftpReply{}, errors.New("not connected")
	}
	s.conn.SetReadDeadline(s.deadline(ctx))
	var r ftpReply
	for {
		line, err := s.readLine()
		if err != nil {
			s.close()
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if expired(ctx) {
					return ftpReply{}, errProbeTime
				}
				return ftpReply{}, fmt.Errorf("no reply within %v", s.p.timeout)
			}
			return ftpReply{}, err
		}
		if len(r.lines) == 0 {
			if len(line) < 4 || !isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2]) || (line[3] != ' ' && line[3] != '-') {
				if len(line) == 3 && isDigit(line[0]) && isDigit(line[1]) && isDigit(line[2]) {
					line += " " // a code alone
				} else {
					s.close()
					return ftpReply{}, fmt.Errorf("malformed reply %s", cleanLine(line))
				}
			}
			r.code, _ = strconv.Atoi(line[:3])
		}
		r.lines = append(r.lines, line)
		if last := r.lines[0]; last[3] == ' ' || (len(line) >= 4 && line[:3] == last[:3] && line[3] == ' ') {
			return r, nil
		}
		if len(r.lines) >= probeMaxLines {
			s.close()
			return ftpReply{}, fmt.Errorf("reply %s goes on for more than %d lines", r.first(), probeMaxLines)
		}
	}
}

// readLine reads a line of at most probeMaxLine bytes and returns it
// without its line end.
func (s *probeSession) readLine() (string, error) {
	b, err := s.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", fmt.Errorf("reply line longer than %d bytes: %s", probeMaxLine, cleanLine(string(b)))
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return "", errors.New("the server closed the control connection")
		}
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// --- The modes --------------------------------------------------------------------

// probe tries one mode on the session, logging in again first if the last
// mode left it closed. It reports whether the mode belongs in the report:
// LPSV and LPRT are left out when the server does not know them.
func (s *probeSession) probe(ctx context.Context, mode string) (probeMode, bool) {
	m := probeMode{Mode: mode, Family: "IPv4", Flags: []string{}}
	if s.server.Addr().Is6() {
		m.Family = "IPv6"
	}
	if expired(ctx) {
		m.flag(probeNotRun)
		m.Detail = errProbeTime.Error()
		return m, s.p.offered(mode)
	}
	s.p.say("trying %s over %s", mode, m.Family)
	if s.conn == nil {
		if err := s.login(ctx, false); err != nil {
			if errors.Is(err, errProbeTime) || expired(ctx) {
				m.flag(probeNotRun)
			} else {
				m.flag(probeNoReply)
			}
			m.Detail = err.Error()
			return m, s.p.offered(mode)
		}
	}
	switch mode {
	case "EPSV", "PASV", "PASV-control", "LPSV":
		s.passive(ctx, &m)
	default:
		s.active(ctx, &m)
	}
	if !m.OK && expired(ctx) {
		m.Flags = []string{probeNotRun}
		m.Detail = errProbeTime.Error() + " (" + m.Detail + ")"
		return m, s.p.offered(mode)
	}
	return m, s.p.offered(mode) || !m.has(probeNotSupported)
}

// offered reports whether the server is known to offer mode: any but LPSV
// and LPRT, and those if FEAT lists them.
func (p *prober) offered(mode string) bool {
	if mode != "LPSV" && mode != "LPRT" {
		return true
	}
	return slices.ContainsFunc(p.features, func(f string) bool { return strings.EqualFold(f, mode) })
}

// commandOf returns the command that a mode sends.
func commandOf(mode string) string {
	if mode == "PASV-control" {
		return "PASV"
	}
	return mode
}

// setupReply judges the reply to a mode's command; it returns false if the
// mode cannot go on.
func (m *probeMode) setupReply(r ftpReply, err error, want int, behindNAT bool) bool {
	if err != nil {
		m.flag(probeNoReply)
		m.Detail = commandOf(m.Mode) + ": " + err.Error()
		if errors.Is(err, errProbeTime) {
			m.Flags = []string{probeNotRun}
		}
		return false
	}
	m.Reply = r.first()
	if r.code == want {
		return true
	}
	m.refused = true
	switch {
	case behindNAT && (r.code == 500 || r.code == 501):
		m.flag(probeForeign)
		m.flag(probeRejected)
	case r.code == 502 || r.code == 504 || r.code == 500 && unknownCommand(m.Reply):
		m.flag(probeNotSupported)
	default:
		m.flag(probeRejected)
	}
	m.Detail = fmt.Sprintf("the server refused %s: %s", commandOf(m.Mode), m.Reply)
	return false
}

// transferCommand returns the command of the small transfer.
func (p *prober) transferCommand() string {
	switch {
	case p.isFile:
		return "RETR " + p.path
	case p.path != "":
		return "LIST " + p.path
	}
	return "LIST"
}

// passive tries EPSV, PASV, PASV-control or LPSV.
func (s *probeSession) passive(ctx context.Context, m *probeMode) {
	p := s.p
	control := s.server.Addr()
	want := map[string]int{"EPSV": 229, "PASV": 227, "PASV-control": 227, "LPSV": 228}[m.Mode]
	r, err := s.cmd(ctx, commandOf(m.Mode))
	if !m.setupReply(r, err, want, false) {
		return
	}
	line := r.lines[0]
	var reply netip.AddrPort
	switch m.Mode {
	case "EPSV":
		var port uint16
		port, err = hostport.ParseEPSV(line)
		reply = netip.AddrPortFrom(netip.Addr{}, port)
	case "LPSV":
		reply, err = hostport.ParseLPSV(line)
	default:
		var hp hostport.HostPort
		hp, err = hostport.ParsePASV(line)
		reply = hp.AddrPort()
	}
	if err != nil {
		m.flag(probeInvalid)
		m.Detail = err.Error()
		return
	}
	m.target = reply
	if reply.Port() < 1024 && reply.Port() != 0 {
		m.flag(probePrivileged)
	}

	// The address to dial, as the policy judges it.
	policy := hostport.PassivePolicy{Mode: hostport.UseControlAddr}
	named := reply.Addr().Unmap()
	if (m.Mode == "PASV" || m.Mode == "LPSV") && named.IsValid() && named != control {
		m.flag(probeNATMismatch)
		if (named.IsUnspecified() && isPublic(control)) || unroutableAgainst(named, control) {
			m.flag(probeUnroutable)
		}
		switch {
		case named.IsUnspecified():
			m.flag(probeNotDialed)
			m.Detail = fmt.Sprintf("the reply names %v, no host: a client that dials it reaches itself", reply)
			return
		case !p.trust:
			m.flag(probeNotDialed)
			m.Detail = fmt.Sprintf("the reply names %v, not the server %v: a client that trusts it dials another host, which the probe does not do without -trust-reply", reply, control)
			return
		}
		policy.Mode = hostport.TrustReply
	} else if m.Mode == "PASV" || m.Mode == "LPSV" {
		policy.Mode = hostport.RequireMatch
	}
	target, err := policy.Target(control, reply)
	if err != nil {
		m.flag(probeInvalid)
		m.Detail = err.Error()
		return
	}
	m.Dialed = target.String()
	d := net.Dialer{Deadline: s.deadline(ctx)}
	dc, err := d.DialContext(ctx, "tcp", target.String())
	if err != nil {
		m.dialFailed(err, target)
		return
	}
	defer dc.Close()
	s.transfer(ctx, m, dc, nil)
}

// dialFailed records why the data connection to target failed.
func (m *probeMode) dialFailed(err error, target netip.AddrPort) {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		m.flag(probeDataRefused)
		m.Detail = fmt.Sprintf("connecting to %v: refused (RST): nothing listens there, or a firewall rejects it", target)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		m.flag(probeDataTimeout)
		m.Detail = fmt.Sprintf("connecting to %v: no answer: a firewall drops it, or the port is not forwarded", target)
	default:
		m.flag(probeDataTimeout)
		m.Detail = fmt.Sprintf("connecting to %v: %v", target, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// transfer sends the transfer command and reads the data from dc, or from
// the connection that accept returns (active mode), then the final reply.
func (s *probeSession) transfer(ctx context.Context, m *probeMode, dc net.Conn, accept func() (net.Conn, error)) {
	cmd := s.p.transferCommand()
	r, err := s.cmd(ctx, cmd)
	if err != nil && accept != nil {
		// Without an answer to the command: did the server connect?
		if c, aerr := accept(); aerr == nil {
			c.Close()
			m.flag(probeNoReply)
			m.Dialed += " (connected)"
			m.Detail = cmd + ": the server connected but did not answer: " + err.Error()
			return
		}
		m.flag(probeDataTimeout)
		m.Detail = fmt.Sprintf("%s: the server neither connected to %s nor answered within %v", cmd, m.Dialed, s.p.timeout)
		return
	}
	if err != nil {
		m.flag(probeNoReply)
		m.Detail = cmd + ": " + err.Error()
		return
	}
	if r.code/100 != 1 {
		if accept != nil && (r.code == 425 || r.code == 426) {
			m.flag(probeDataRefused)
			m.Detail = fmt.Sprintf("%s: the server could not connect to %s: %s", cmd, m.Dialed, r.first())
			return
		}
		if r.code == 425 || r.code == 426 {
			m.flag(probeDataRefused)
		} else {
			m.flag(probeRejected)
		}
		m.Detail = fmt.Sprintf("%s: %s", cmd, r.first())
		return
	}
	if accept != nil {
		if dc, err = accept(); err != nil {
			s.close() // the final reply is still to come
			m.flag(probeDataTimeout)
			m.Detail = fmt.Sprintf("%s: the server said %s but did not connect to %s within %v", cmd, r.first(), m.Dialed, s.p.timeout)
			return
		}
		defer dc.Close()
	}
	dc.SetReadDeadline(s.deadline(ctx))
	n, err := io.Copy(io.Discard, io.LimitReader(dc, probeMaxData))
	cut := n == probeMaxData
	if err != nil {
		s.close()
		m.flag(probeTransferTimeout)
		m.Detail = fmt.Sprintf("%s: the data connection opened, but %d bytes in, the transfer did not end within %v: %v", cmd, n, s.p.timeout, err)
		return
	}
	// Close our end before the final reply: ProFTPD sends 226 only after
	// the client has closed the data connection (its lingering close), as
	// clients do once they have read to the end.
	dc.Close()
	fin, err := s.read(ctx)
	switch {
	case cut:
		m.OK = true
		m.Detail = fmt.Sprintf("%s: %d bytes received, then the probe stopped reading", cmd, n)
		if err == nil {
			// The server may answer 426 to the cut transfer.
			return
		}
		s.close()
	case err != nil:
		m.flag(probeNoReply)
		m.Detail = fmt.Sprintf("%s: %d bytes received, but no final reply: %v", cmd, n, err)
	case fin.code/100 != 2:
		m.flag(probeRejected)
		m.Detail = fmt.Sprintf("%s: %d bytes received, then %s", cmd, n, fin.first())
	default:
		m.OK = true
		m.Detail = fmt.Sprintf("%s: %d bytes received, then %s", cmd, n, fin.first())
	}
}

// active tries EPRT, PORT or LPRT: the probe listens, on its own address
// on the control connection, and the server connects.
func (s *probeSession) active(ctx context.Context, m *probeMode) {
	local := s.local.Addr()
	control := s.server.Addr()
	ln, err := hostport.ListenPassive(ctx, local, hostport.PortRange{Min: 1024, Max: 65535})
	if err != nil {
		m.flag(probeDataTimeout)
		m.Detail = "listening for the data connection: " + err.Error()
		return
	}
	defer ln.Close()
	ap := addrPortOf(ln.Addr())
	m.Dialed = ap.String()
	var line string
	switch m.Mode {
	case "PORT":
		hp, err := hostport.FromAddrPort(ap)
		if err != nil {
			m.flag(probeNotSupported)
			m.Detail = "PORT cannot carry " + ap.String()
			return
		}
		line = hostport.FormatPORT(hp)
	case "EPRT":
		line = hostport.FormatEPRT(ap)
	case "LPRT":
		line = hostport.FormatLPRT(ap)
	}
	behindNAT := unroutableAgainst(local, control)
	r, err := s.cmd(ctx, line)
	if !m.setupReply(r, err, 200, behindNAT) {
		if m.has(probeForeign) {
			m.Detail += fmt.Sprintf(": the probe's address %v is private and the server's public, so the server most likely sees the probe at another address", local)
		}
		return
	}
	deadline := s.deadline(ctx)
	accepted := make(chan net.Conn, 1)
	acceptErr := make(chan error, 1)
	ln.SetDeadline(deadline.Add(s.p.timeout)) // the command's reply comes first
	go func() {
		for {
			c, err := ln.AcceptTCP()
			if err != nil {
				acceptErr <- err
				return
			}
			// Only the server's host may connect (port theft, RFC 2577).
			if hostport.CheckDataPeer(control, addrPortOf(c.RemoteAddr()).Addr()) != nil {
				c.Close()
				continue
			}
			accepted <- c
			return
		}
	}()
	accept := func() (net.Conn, error) {
		select {
		case c := <-accepted:
			return c, nil
		case err := <-acceptErr:
			return nil, err
		}
	}
	s.transfer(ctx, m, nil, accept)
	ln.Close()
	select { // a connection accepted but not taken
	case c := <-accepted:
		c.Close()
	default:
	}
	if !m.OK && behindNAT && (m.has(probeDataTimeout) || m.has(probeDataRefused)) {
		m.Detail += fmt.Sprintf("; the probe's address %v is private and the server's public: the probe is most likely behind a NAT that does not rewrite %s", local, m.Mode)
	}
}

// unroutableAgainst reports whether a is an address that
// [hostport.FixUnroutable] would not trust against public: a private,
// loopback, link-local or otherwise non-routable address of the same family
// while public is routable.
func unroutableAgainst(a, public netip.Addr) bool {
	a, public = a.Unmap(), public.Unmap()
	if !a.IsValid() || !public.IsValid() || a == public || a.Is4() != public.Is4() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	t, err := hostport.PassivePolicy{Mode: hostport.FixUnroutable}.Target(public, netip.AddrPortFrom(a, 1024))
	return err == nil && t.Addr() == public
}

// isPublic reports whether a is an address that [hostport.FixUnroutable]
// counts as routable: the loopback address of its family is not trusted
// against it.
func isPublic(a netip.Addr) bool {
	lo := netip.MustParseAddr("127.0.0.1")
	if a.Unmap().Is6() {
		lo = netip.IPv6Loopback()
	}
	return unroutableAgainst(lo, a)
}

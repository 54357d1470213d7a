// Client downloads one file from an FTP server, in passive or active mode,
// over IPv4 or IPv6, built on package hostport.
//
// Usage:
//
//	client [flags] ftp://[USER[:PASSWORD]@]HOST[:PORT]/PATH
//
// It writes the file to the standard output, or to a file with -o. The user is
// "anonymous" unless the URL names one; the port is 21 unless it names one.
// PATH is taken as RFC 1738 has it, relative to the directory the server puts
// the user in after login ("ftp://host/pub/f" asks for "pub/f").
//
// The flags are:
//
//	-o FILE
//		write the file to FILE instead of the standard output.
//	-active
//		use active mode: EPRT, then PORT if the server refuses EPRT (on
//		IPv4; PORT cannot carry IPv6).
//	-active-ports MIN-MAX
//		in active mode, listen for the data connection on a port drawn
//		at random from MIN-MAX (at least 1024), such as the ports a
//		firewall in front of the client lets in; by default the system
//		picks the port.
//	-mode CMD
//		use only the data-setup command CMD: epsv, pasv, lpsv, eprt, port
//		or lprt.
//	-timeout DURATION
//		how long to wait for the server at each step (default 30s).
//	-v
//		log every command and reply on the standard error, the address
//		dialled or listened on, and why a reply's address was not used.
//	-h
//		print the usage on the standard output and exit 0.
//
// By default it uses passive mode: EPSV, then PASV if the server refuses
// EPSV. The replies are read with the parsers of package hostport, and the
// address to dial is chosen by hostport.PassivePolicy with its default mode:
// the port that the 227 (or 228) reply names, at the address of the control
// connection, whatever address the reply names. A server cannot make the
// client connect elsewhere (curl CVE-2020-8284), and the reply of a server
// behind NAT that announces its inside address, or the 0,0,0,0 that vsftpd
// sends on IPv6, still works. A 229 reply carries only a port. With -v, the
// client says when it dials another address than the reply names, and why.
//
// In active mode, the client listens on the address of its end of the control
// connection and accepts the data connection only from the server's host
// (hostport.CheckDataPeer); a connection from another host is turned away.
//
// The exit status is 0 when the whole file was received, 1 if the download
// failed and 2 for a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/textproto"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ftpkit/hostport"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the client with the command-line arguments args, writing the file
// to stdout (unless -o) and messages to stderr, and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the file to `FILE` instead of the standard output")
	active := fs.Bool("active", false, "use active mode (EPRT, then PORT)")
	activePorts := fs.String("active-ports", "", "in active mode, listen on a random port in `MIN-MAX` (default: a port the system picks)")
	mode := fs.String("mode", "", "use only the data-setup command `CMD`: epsv, pasv, lpsv, eprt, port or lprt")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the server at each step")
	verbose := fs.Bool("v", false, "log every command and reply")
	printUsage := func(w io.Writer) {
		fmt.Fprintf(w, "usage: client [flags] ftp://[USER[:PASSWORD]@]HOST[:PORT]/PATH\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	fs.Usage = func() {} // printed below: on stdout for -h, on stderr for errors
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout)
			return 0
		}
		printUsage(stderr)
		return 2
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "client: "+format+"\n", a...)
		printUsage(stderr)
		return 2
	}
	if fs.NArg() != 1 {
		return usage("want one URL")
	}
	opt := Options{Active: *active, Timeout: *timeout}
	if *activePorts != "" {
		r, err := hostport.ParsePortRange(*activePorts)
		if err != nil {
			return usage("-active-ports: %v", err)
		}
		opt.ActivePorts = r
	}
	if *mode != "" {
		m := strings.ToUpper(*mode)
		switch m {
		case "EPSV", "PASV", "LPSV", "EPRT", "PORT", "LPRT":
		default:
			return usage("-mode: want epsv, pasv, lpsv, eprt, port or lprt, not %q", *mode)
		}
		opt.Commands = []string{m}
	}
	if *verbose {
		opt.Trace = stderr
	}
	target, err := ParseURL(fs.Arg(0))
	if err != nil {
		return usage("%v", err)
	}
	w := stdout
	var f *os.File
	if *out != "" {
		if f, err = os.Create(*out); err != nil {
			fmt.Fprintf(stderr, "client: %v\n", err)
			return 1
		}
		w = f
	}
	n, err := Fetch(ctx, target, w, opt)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(*out)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "client: %v\n", err)
		return 1
	}
	if *verbose {
		fmt.Fprintf(stderr, "client: received %d bytes\n", n)
	}
	return 0
}

// Target is what to download: the server, the login and the path.
type Target struct {
	Addr     string // HOST:PORT, for net.Dial
	User     string
	Password string
	Path     string // as sent with RETR
}

// ParseURL returns the Target of an ftp URL. The path must not be empty and,
// once percent-decoded, must not hold CR, LF or NUL, which would end the
// RETR command early and smuggle in another (the FTP injection through URL
// fetchers).
func ParseURL(s string) (Target, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Target{}, err
	}
	if u.Scheme != "ftp" || u.Host == "" {
		return Target{}, fmt.Errorf("%q is not an ftp://HOST/PATH URL", s)
	}
	t := Target{Addr: u.Host, User: "anonymous", Password: "anonymous@"}
	if u.Port() == "" {
		t.Addr = net.JoinHostPort(u.Hostname(), "21")
	}
	if u.User != nil {
		t.User = u.User.Username()
		if p, ok := u.User.Password(); ok {
			t.Password = p
		}
	}
	t.Path = strings.TrimPrefix(u.Path, "/")
	if i := strings.LastIndex(t.Path, ";type="); i >= 0 { // RFC 1738 typecode
		t.Path = t.Path[:i]
	}
	switch {
	case t.Path == "" || strings.HasSuffix(t.Path, "/"):
		return Target{}, fmt.Errorf("%q names no file", s)
	case strings.ContainsAny(t.Path+t.User+t.Password, "\r\n\x00"):
		return Target{}, fmt.Errorf("%q: CR, LF or NUL in the path or login", s)
	}
	return t, nil
}

// Options configures Fetch.
type Options struct {
	// Active selects active mode (EPRT, then PORT) instead of passive
	// mode (EPSV, then PASV).
	Active bool
	// Commands, if not empty, are the data-setup commands to try, in
	// order, instead of those Active selects: "EPSV", "PASV", "LPSV",
	// "EPRT", "PORT" or "LPRT". The next is tried when the server refuses
	// one with a 5xx reply.
	Commands []string
	// Policy chooses the address to dial after a 227 or 228 reply; the
	// zero value dials the control connection's address.
	Policy hostport.PassivePolicy
	// ActivePorts, if not the zero PortRange, is the range of ports on
	// which active mode listens for the data connection, at a port drawn
	// at random (see hostport.ListenPassive); by default the system picks
	// the port.
	ActivePorts hostport.PortRange
	// Timeout bounds each wait: for the server's reply, the data
	// connection, each read of data. Zero means 30 seconds.
	Timeout time.Duration
	// Trace, if not nil, receives every command and reply.
	Trace io.Writer
}

// ReplyError is a reply from the server other than the one expected.
type ReplyError struct {
	Command string // the command sent, PASS without its argument
	Code    int
	Msg     string
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("%s: server replied %d %s", e.Command, e.Code, e.Msg)
}

// conn is a control connection.
type conn struct {
	c       net.Conn
	tp      *textproto.Conn
	opt     Options
	timeout time.Duration
	server  netip.AddrPort // the server's end, as dialled
	local   netip.AddrPort // the client's end
}

// addrPort returns the address and port of a TCP address, unmapped.
func addrPort(a net.Addr) netip.AddrPort {
	ta, _ := a.(*net.TCPAddr)
	if ta == nil {
		return netip.AddrPort{}
	}
	ap := ta.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

func (c *conn) trace(format string, a ...any) {
	if c.opt.Trace != nil {
		fmt.Fprintf(c.opt.Trace, format+"\n", a...)
	}
}

// read reads a reply and checks its code: want is a code, or a class (1 to
// 5) for any code of that class.
func (c *conn) read(cmd string, want ...int) (int, string, error) {
	c.c.SetReadDeadline(time.Now().Add(c.timeout))
	code, msg, err := c.tp.ReadResponse(0)
	if err != nil {
		return 0, "", fmt.Errorf("%s: %w", cmd, err)
	}
	c.trace("< %d %s", code, strings.ReplaceAll(msg, "\n", "\n< "))
	for _, w := range want {
		if w == code || w == code/100 {
			return code, msg, nil
		}
	}
	return code, msg, &ReplyError{Command: cmd, Code: code, Msg: msg}
}

// cmd sends a command and reads its reply, checked as read does.
func (c *conn) cmd(line string, want ...int) (int, string, error) {
	shown := line
	if strings.HasPrefix(line, "PASS ") {
		shown = "PASS ****"
	}
	c.trace("> %s", shown)
	c.c.SetWriteDeadline(time.Now().Add(c.timeout))
	if err := c.tp.PrintfLine("%s", line); err != nil {
		return 0, "", fmt.Errorf("%s: %w", shown, err)
	}
	return c.read(shown, want...)
}

// Fetch downloads t to w and returns the number of bytes received. It stops
// when ctx is done.
func Fetch(ctx context.Context, t Target, w io.Writer, opt Options) (int64, error) {
	timeout := opt.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", t.Addr)
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	c := &conn{c: nc, tp: textproto.NewConn(nc), opt: opt, timeout: timeout,
		server: addrPort(nc.RemoteAddr()), local: addrPort(nc.LocalAddr())}
	n, err := c.fetch(ctx, t, w)
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return n, err
}

func (c *conn) fetch(ctx context.Context, t Target, w io.Writer) (int64, error) {
	if _, _, err := c.read("greeting", 220); err != nil {
		return 0, err
	}
	code, _, err := c.cmd("USER "+t.User, 230, 331)
	if err != nil {
		return 0, err
	}
	if code == 331 {
		if _, _, err := c.cmd("PASS "+t.Password, 230, 202); err != nil {
			return 0, err
		}
	}
	if _, _, err := c.cmd("TYPE I", 200); err != nil {
		return 0, err
	}
	cmds := c.opt.Commands
	if len(cmds) == 0 {
		cmds = []string{"EPSV", "PASV"}
		if c.opt.Active {
			cmds = []string{"EPRT", "PORT"}
		}
	}
	var ds *dataSetup
	for _, cmd := range cmds {
		ds, err = c.setup(ctx, cmd)
		var re *ReplyError
		if err == nil || !errors.As(err, &re) || re.Code/100 != 5 {
			break
		}
	}
	if err != nil {
		return 0, err
	}
	defer ds.close()
	if _, _, err := c.cmd("RETR "+t.Path, 1); err != nil {
		return 0, err
	}
	dc, err := ds.conn(c)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(w, deadlineReader{dc, c.timeout})
	dc.Close()
	if err != nil {
		return n, fmt.Errorf("data connection: %w", err)
	}
	if _, _, err := c.read("RETR "+t.Path, 226, 250); err != nil {
		return n, err
	}
	c.cmd("QUIT", 2)
	return n, nil
}

// deadlineReader reads from a connection with a deadline for each read.
type deadlineReader struct {
	c       net.Conn
	timeout time.Duration
}

func (r deadlineReader) Read(p []byte) (int, error) {
	r.c.SetReadDeadline(time.Now().Add(r.timeout))
	return r.c.Read(p)
}

// dataSetup is a data connection set up: dialled (passive mode) or to be
// accepted (active mode).
type dataSetup struct {
	dialled net.Conn
	ln      *net.TCPListener
}

func (ds *dataSetup) close() {
	if ds.dialled != nil {
		ds.dialled.Close()
	}
	if ds.ln != nil {
		ds.ln.Close()
	}
}

// conn returns the data connection, accepting it in active mode from the
// server's host only.
func (ds *dataSetup) conn(c *conn) (net.Conn, error) {
	if ds.dialled != nil {
		dc := ds.dialled
		ds.dialled = nil
		return dc, nil
	}
	ds.ln.SetDeadline(time.Now().Add(c.timeout))
	for {
		dc, err := ds.ln.AcceptTCP()
		if err != nil {
			// The server may have said why it did not connect.
			c.c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if code, msg, rerr := c.tp.ReadResponse(0); rerr == nil {
				return nil, fmt.Errorf("waiting for the data connection: %w (server: %d %s)", err, code, msg)
			}
			return nil, fmt.Errorf("waiting for the data connection: %w", err)
		}
		peer := addrPort(dc.RemoteAddr())
		if err := hostport.CheckDataPeer(c.server.Addr(), peer.Addr()); err != nil {
			c.trace("data connection from %s turned away: %v", peer, err)
			dc.Close()
			continue
		}
		return dc, nil
	}
}

// setup sets up the data connection with the command cmd.
func (c *conn) setup(ctx context.Context, cmd string) (*dataSetup, error) {
	switch cmd {
	case "EPSV", "PASV", "LPSV":
		return c.passive(ctx, cmd)
	case "EPRT", "PORT", "LPRT":
		return c.active(ctx, cmd)
	}
	return nil, fmt.Errorf("unknown data-setup command %q", cmd)
}

// passive sends EPSV, PASV or LPSV, reads the address in the reply, chooses
// the address to dial with the policy and dials it.
func (c *conn) passive(ctx context.Context, cmd string) (*dataSetup, error) {
	want := map[string]int{"EPSV": 229, "PASV": 227, "LPSV": 228}[cmd]
	_, msg, err := c.cmd(cmd, want)
	if err != nil {
		return nil, err
	}
	var reply netip.AddrPort
	switch cmd {
	case "EPSV":
		var port uint16
		port, err = hostport.ParseEPSV(msg)
		reply = netip.AddrPortFrom(netip.Addr{}, port) // no address: the control connection's
	case "PASV":
		var hp hostport.HostPort
		hp, err = hostport.ParsePASV(msg)
		reply = hp.AddrPort()
	case "LPSV":
		reply, err = hostport.ParseLPSV(msg)
	}
	if err != nil {
		return nil, err
	}
	target, err := c.opt.Policy.Target(c.server.Addr(), reply)
	if err != nil {
		return nil, err
	}
	if why := c.notDialled(reply, target); why != "" {
		c.trace("%s", why)
	}
	c.trace("data connection to %s", target)
	d := net.Dialer{Timeout: c.timeout}
	dc, err := d.DialContext(ctx, "tcp", target.String())
	if err != nil {
		return nil, err
	}
	return &dataSetup{dialled: dc}, nil
}

// notDialled returns, for the trace, why the address of a 227 or 228 reply
// is not the one dialled, or "" if it is, or if the reply names none (229).
func (c *conn) notDialled(reply, target netip.AddrPort) string {
	ra := reply.Addr()
	if !ra.IsValid() || ra.Unmap() == target.Addr().Unmap() {
		return ""
	}
	var why string
	switch {
	case ra.IsUnspecified():
		why = "an unspecified address, which stands for the server's own (vsftpd sends 0,0,0,0 on IPv6)"
	case ra.Unmap().Is4() != target.Addr().Unmap().Is4():
		why = "an address of the other family than the control connection's"
	case c.opt.Policy.Mode == hostport.UseControlAddr:
		why = "the policy UseControlAddr trusts no address in a reply: a server could point the client at " +
			"another host (curl CVE-2020-8284), and a server behind NAT names its inside address"
	default:
		why = "the policy " + c.opt.Policy.Mode.String() + " replaced it"
	}
	return fmt.Sprintf("the reply names %s; dialling the control connection's address %s instead: %s",
		reply.Addr(), target.Addr(), why)
}

// errNoIPv6PORT is the error of PORT on an IPv6 control connection.
var errNoIPv6PORT = errors.New("PORT cannot carry an IPv6 address: use EPRT or LPRT")

// active listens on the client's end of the control connection and sends
// EPRT, PORT or LPRT naming the listener.
func (c *conn) active(ctx context.Context, cmd string) (*dataSetup, error) {
	if cmd == "PORT" && !c.local.Addr().Is4() {
		return nil, errNoIPv6PORT
	}
	var ln *net.TCPListener
	var err error
	if c.opt.ActivePorts == (hostport.PortRange{}) {
		ln, err = net.ListenTCP("tcp", &net.TCPAddr{IP: c.local.Addr().AsSlice(), Zone: c.local.Addr().Zone()})
	} else {
		ln, err = hostport.ListenPassive(ctx, c.local.Addr(), c.opt.ActivePorts)
	}
	if err != nil {
		return nil, err
	}
	c.trace("listening on %s", addrPort(ln.Addr()))
	ap := netip.AddrPortFrom(c.local.Addr(), addrPort(ln.Addr()).Port())
	var line string
	switch cmd {
	case "EPRT":
		line = hostport.FormatEPRT(ap)
	case "PORT":
		hp, err := hostport.FromAddrPort(ap)
		if err != nil {
			ln.Close()
			return nil, err
		}
		line = hostport.FormatPORT(hp)
	case "LPRT":
		line = hostport.FormatLPRT(ap)
	}
	if _, _, err := c.cmd(line, 200); err != nil {
		ln.Close()
		return nil, err
	}
	return &dataSetup{ln: ln}, nil
}

// Server is a small read-only FTP server that serves one directory to
// anonymous users, built on package hostport: real FTP clients can log in,
// list and download, in passive and active mode, over IPv4 and IPv6.
//
// Usage:
//
//	server -root DIR [flags]
//
// The flags are:
//
//	-listen ADDR:PORT
//		where clients connect (default 127.0.0.1:2121): an IPv4 or IPv6
//		address, such as [::1]:2121, or [::]:2121 for both families.
//	-root DIR
//		the directory served. Nothing outside it is served, whatever the
//		path a client names: ".." stops at the root and a symbolic link
//		that leads out of it is refused (os.Root).
//	-public ADDR
//		the IPv4 address to announce in 227 and 228 replies instead of
//		the server's own, for a server behind NAT (like vsftpd's
//		pasv_address). The data listener still listens on the server's
//		own address.
//	-pasv-ports MIN-MAX
//		the ports of the passive data listeners (default 1024-65535),
//		drawn at random so that no one can guess the next.
//	-data-timeout DURATION
//		how long to wait for a data connection, and for each write on it
//		(default 30s).
//	-idle-timeout DURATION
//		how long to wait for a command before ending the session with
//		421 (default 5m, vsftpd's idle_session_timeout).
//	-max-sessions N
//		the sessions served at once (default 200; 0 means no cap), like
//		vsftpd's max_clients. A client over the cap gets "421 There are
//		too many connected users, please try later." and is closed.
//	-max-per-addr N
//		the sessions served at once to one client IP address (default
//		10; 0 means no cap), like vsftpd's max_per_ip. A client over the
//		cap gets "421 There are too many connections from your internet
//		address." and is closed.
//	-v
//		log every command and reply on the standard error.
//
// The commands are USER and PASS (the users "anonymous" and "ftp", any
// password), SYST, FEAT, PWD, CWD, CDUP, TYPE, MODE, STRU, SIZE, LIST, NLST,
// RETR, ABOR, NOOP, QUIT and OPTS UTF8, and every data-setup command: PASV, EPSV
// (with its arguments 1, 2 and ALL) and LPSV in passive mode, PORT, EPRT and
// LPRT in active mode. Files are sent as they are stored, in TYPE A too (as
// vsftpd does by default); listings are sent with CRLF line endings.
// Any other command gets 502.
//
// Each data-setup command is read with the parser of package hostport and
// judged by its policy helpers:
//
//   - PORT, EPRT and LPRT must name the client's own address and a port of
//     1024 or above (hostport.ActivePolicy with its defaults): a bounce to a
//     third host gets 500 and a privileged port 504 (hostport.ReplyCode).
//     An EPRT protocol other than 1 and 2 gets 522, an LPRT address family
//     other than 4 and 6 gets 521, a line that does not parse 501.
//   - PASV, EPSV and LPSV open a listener on the address the client reached,
//     at a random port (hostport.ListenPassive), and accept only a data
//     connection from the client's host (hostport.CheckDataPeer): another
//     host that connects is turned away and the listener keeps waiting.
//     PASV on an IPv6 connection gets 425, since a 227 reply can carry only
//     IPv4; EPSV with the other family's protocol gets 522.
//   - After EPSV ALL (RFC 2428), every data-setup command but EPSV gets 501.
//
// RETR sends only regular files: a named pipe, a device, a socket or a
// directory gets 550, even one swapped in for a file while the command runs
// (the file is opened without blocking and checked once open). A name that
// ends in "/" must be a directory, as in POSIX: "RETR a.txt/" gets 550.
//
// During a transfer the server keeps reading the control connection:
//
//   - ABOR, with or without the Telnet IP and Synch (IAC IP IAC DM) that
//     clients send before it, as urgent data or not, stops the transfer and
//     closes the data connection: 426, then 226 (RFC 959). ABOR when no
//     transfer runs gets 225.
//   - QUIT stops the transfer: 426, then 221, and the session ends.
//   - If the control connection closes, the transfer stops and the session
//     ends.
//   - Any other command, NOOP and STAT included, is answered after the
//     transfer's last reply, in order, as vsftpd does (vsftpd reads nothing
//     but an urgent ABOR during a transfer). At most 16 wait; beyond them
//     the server stops reading until the transfer ends.
//
// Replies carry short protocol reasons; the details, such as the error of a
// refused PORT, go to the log.
//
// Each session, data setup and refusal is logged on the standard error.
// The server serves many clients at once and exits cleanly on SIGINT or
// SIGTERM, closing its connections and stopping the transfers under way.
// Running out of file descriptors does not stop it: it waits and tries to
// accept again, as net/http does, and greets new clients again as soon as
// descriptors are free.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/internal/serve"
)

func main() {
	ctx, stop := signalContext()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// signalContext returns a context that is done on SIGINT or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// run runs the server with the command-line arguments args until ctx is
// done, logging on stderr, and returns the exit code: 0 after ctx is done
// or after printing the usage on stdout for -h, 1 if the server cannot open
// its root or listen, 2 for a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:2121", "`ADDR:PORT` where clients connect")
	root := fs.String("root", "", "the `DIR`ectory served, read-only")
	public := fs.String("public", "", "IPv4 `ADDR` to announce in 227 and 228 replies instead of the server's own")
	ports := fs.String("pasv-ports", "1024-65535", "`MIN-MAX` ports of the passive data listeners")
	timeout := fs.Duration("data-timeout", 30*time.Second, "how long to wait for a data connection, and for each write on it")
	idle := fs.Duration("idle-timeout", 5*time.Minute, "how long to wait for a command")
	maxSessions := fs.Int("max-sessions", 200, "sessions served at once (0: no cap)")
	maxPerAddr := fs.Int("max-per-addr", 10, "sessions served at once to one client IP address (0: no cap)")
	trace := fs.Bool("v", false, "log every command and reply")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: server -root DIR [flags]\n")
		fs.PrintDefaults()
	}
	fs.SetOutput(io.Discard) // the usage is printed below: on stdout for -h, on stderr for errors
	err := fs.Parse(args)
	fs.SetOutput(stderr)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "server: %v\n", err)
		fs.Usage()
		return 2
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "server: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	if fs.NArg() > 0 {
		return usage("unexpected argument %q", fs.Arg(0))
	}
	if *root == "" {
		return usage("-root is required")
	}
	if *timeout <= 0 || *idle <= 0 {
		return usage("-data-timeout and -idle-timeout must be positive")
	}
	if *maxSessions < 0 || *maxPerAddr < 0 {
		return usage("-max-sessions and -max-per-addr must be 0 or more")
	}
	s := &Server{DataTimeout: *timeout, IdleTimeout: *idle, MaxSessions: *maxSessions, MaxPerAddr: *maxPerAddr,
		Trace: *trace, Log: log.New(stderr, "server: ", log.LstdFlags|log.Lmicroseconds)}
	if *public != "" {
		a, err := netip.ParseAddr(*public)
		if err != nil {
			return usage("-public: %v", err)
		}
		if a = a.Unmap(); !a.Is4() {
			return usage("-public: %v is not an IPv4 address: a 227 reply can carry only IPv4", a)
		}
		s.Public = a
	}
	r, err := hostport.ParsePortRange(*ports)
	if err != nil {
		return usage("-pasv-ports: %v", err)
	}
	s.Ports = r
	dir, err := os.OpenRoot(*root)
	if err != nil {
		fmt.Fprintf(stderr, "server: %v\n", err)
		return 1
	}
	defer dir.Close()
	s.Root = dir
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "server: %v\n", err)
		return 1
	}
	s.Log.Printf("serving %s on %v", *root, ln.Addr())
	if err := s.Serve(ctx, ln); err != nil {
		s.Log.Printf("%v", err)
		return 1
	}
	s.Log.Printf("stopped")
	return 0
}

// Server serves the files under Root to anonymous FTP clients, read-only.
type Server struct {
	// Root is the directory served. Paths are resolved inside it: no
	// client can reach a file outside it.
	Root *os.Root
	// Public, if valid, is the IPv4 address announced in 227 and 228
	// replies to IPv4 clients instead of the address they reached.
	Public netip.Addr
	// Ports is the range of the passive data listeners' ports.
	Ports hostport.PortRange
	// Active judges the targets of PORT, EPRT and LPRT; the zero value is
	// the safe default (the client's own address, ports 1024 and above).
	Active hostport.ActivePolicy
	// DataTimeout bounds the wait for a data connection, and each write on
	// it; zero means 30 seconds.
	DataTimeout time.Duration
	// IdleTimeout bounds the wait for a command; zero means 5 minutes.
	IdleTimeout time.Duration
	// MaxSessions caps the sessions served at once, and MaxPerAddr those
	// served to one client IP address; zero means no cap. A client over a
	// cap gets a 421 reply and is closed.
	MaxSessions, MaxPerAddr int
	// Log receives a line per session, data setup and refusal.
	Log *log.Logger
	// Trace logs every command and reply too (PASS with its argument
	// hidden).
	Trace bool
}

func (s *Server) dataTimeout() time.Duration {
	if s.DataTimeout > 0 {
		return s.DataTimeout
	}
	return 30 * time.Second
}

func (s *Server) idleTimeout() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return 5 * time.Minute
}

// Serve accepts clients on ln and serves each in its own goroutine until ctx
// is done; then it closes ln and every session, stopping their transfers,
// and returns nil once they have ended. When the process runs out of file
// descriptors (EMFILE, ENFILE) or memory for sockets, it waits and accepts
// again (see package internal/serve); it returns an error if accepting
// fails otherwise.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	cfg := serve.Config{
		MaxSessions: s.MaxSessions,
		MaxPerAddr:  s.MaxPerAddr,
		Logf:        s.Log.Printf,
		Busy: func(c net.Conn, reason string) {
			io.WriteString(c, "421 "+reason+"\r\n")
		},
	}
	return serve.Serve(ctx, ln, cfg, s.serveConn)
}

// maxLine is the longest command line read, CRLF included: vsftpd's command
// buffer and PATH_MAX on Linux.
const maxLine = 4096

// maxQueued is the most command lines that wait for the end of a transfer;
// beyond them the session stops reading the control connection until the
// transfer ends.
const maxQueued = 16

// session is the state of one client's session.
//
// One goroutine reads the control connection (readLines) and passes the
// lines over lines; the session's own goroutine does everything else, and
// alone writes replies.
type session struct {
	srv    *Server
	ctx    context.Context
	c      net.Conn
	r      *bufio.Reader
	w      *bufio.Writer
	id     string
	client netip.AddrPort // the client's end of the control connection, unmapped
	local  netip.AddrPort // the server's end, unmapped

	lines  chan cmdLine // from readLines
	queued []cmdLine    // lines read during a transfer, to answer after it

	user     string // the name given with USER
	loggedIn bool
	cwd      string // the current directory, a clean absolute path in Root
	epsvAll  bool   // EPSV ALL was sent

	pasv   *net.TCPListener // the passive listener waiting, if any
	active netip.AddrPort   // the active target, if valid
}

// cmdLine is what readLines read: a command line, or a line refused, or the
// end of the control connection.
type cmdLine struct {
	line string // without its line ending and Telnet commands
	bad  string // if not "", the line is refused with 500 and this text
	err  error  // if not nil, the connection failed or ended (io.EOF)
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

// serveConn serves the session of the client c.
func (s *Server) serveConn(ctx context.Context, c net.Conn) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	defer c.Close()
	if err := oobInline(c); err != nil {
		s.Log.Printf("[%s] SO_OOBINLINE: %v", c.RemoteAddr(), err)
	}
	ss := &session{srv: s, ctx: ctx, c: c, r: bufio.NewReaderSize(c, maxLine), w: bufio.NewWriter(c),
		id: c.RemoteAddr().String(), client: addrPort(c.RemoteAddr()), local: addrPort(c.LocalAddr()), cwd: "/",
		lines: make(chan cmdLine)}
	defer ss.resetData()
	s.Log.Printf("[%s] session on %s", ss.id, ss.local)
	reading := make(chan struct{})
	go func() {
		defer close(reading)
		ss.readLines()
	}()
	err := ss.serve()
	c.Close()
	cancel()
	<-reading
	if err != nil && ctx.Err() == nil || errors.Is(err, errIdle) {
		s.Log.Printf("[%s] session ended: %v", ss.id, err)
	} else {
		s.Log.Printf("[%s] session ended", ss.id)
	}
}

func (ss *session) logf(format string, a ...any) {
	ss.srv.Log.Printf("[%s] "+format, append([]any{ss.id}, a...)...)
}

// send writes one reply line, which must not contain CR or LF.
func (ss *session) send(line string) error {
	if ss.srv.Trace {
		ss.logf("< %s", line)
	}
	ss.c.SetWriteDeadline(time.Now().Add(ss.srv.idleTimeout()))
	ss.w.WriteString(line)
	ss.w.WriteString("\r\n")
	return ss.w.Flush()
}

// reply writes the reply code with text.
func (ss *session) reply(code int, text string) error {
	return ss.send(strconv.Itoa(code) + " " + text)
}

// readLines reads command lines from the control connection and passes
// them on ss.lines until the connection fails or ends, or the session does.
func (ss *session) readLines() {
	for {
		l := ss.readLine()
		select {
		case ss.lines <- l:
		case <-ss.ctx.Done():
			return
		}
		if l.err != nil {
			return
		}
	}
}

// readLine reads one command line. Telnet commands are removed (see
// stripTelnet). A line longer than maxLine is read to its end and refused;
// so is a line that holds a CR (other than before the final LF) or NUL.
// It sets no deadline: the session times out the wait for a command.
func (ss *session) readLine() cmdLine {
	line, err := ss.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = ss.r.ReadSlice('\n')
		}
		if err != nil {
			return cmdLine{err: err}
		}
		return cmdLine{bad: "Command line too long."}
	}
	if err != nil {
		return cmdLine{err: err}
	}
	s := stripTelnet(line)
	s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
	if strings.ContainsAny(s, "\r\x00") {
		return cmdLine{bad: "Bare CR or NUL in command line."}
	}
	return cmdLine{line: s}
}

// The Telnet commands that a command line may hold (RFC 854).
const (
	telnetIAC  = 255 // interpret as command
	telnetWILL = 251
	telnetDONT = 254
)

// stripTelnet returns line with its Telnet commands removed: IAC IAC is a
// data byte 255, IAC WILL, WONT, DO or DONT and their option are removed,
// and so is IAC with any other command, such as IP (244) and DM (242),
// which clients send before ABOR. Bytes 240 and above at the start of the
// line are removed too: they are what is left of IAC IP IAC DM when the
// urgent IAC was taken out of the stream. (In UTF-8, bytes above 244 never
// occur, and 240 to 244 only start a character, never a command.)
func stripTelnet(line []byte) string {
	if !slices.ContainsFunc(line, func(b byte) bool { return b >= 240 }) {
		return string(line)
	}
	b := make([]byte, 0, len(line))
	for i := 0; i < len(line); i++ {
		if line[i] != telnetIAC {
			b = append(b, line[i])
			continue
		}
		switch {
		case i+1 >= len(line):
		case line[i+1] == telnetIAC:
			b = append(b, telnetIAC)
			i++
		case line[i+1] >= telnetWILL && line[i+1] <= telnetDONT:
			i += 2
		default:
			i++
		}
	}
	for len(b) > 0 && b[0] >= 240 {
		b = b[1:]
	}
	return string(b)
}

// errIdle ends a session that sent no command for IdleTimeout.
var errIdle = errors.New("idle timeout")

// next returns the next command line: one that waited for the end of a
// transfer, or a new one. It ends the session with 421 after IdleTimeout.
func (ss *session) next() (cmdLine, error) {
	if len(ss.queued) > 0 {
		l := ss.queued[0]
		ss.queued = ss.queued[1:]
		return l, nil
	}
	t := time.NewTimer(ss.srv.idleTimeout())
	defer t.Stop()
	select {
	case l := <-ss.lines:
		return l, nil
	case <-t.C:
		ss.reply(421, "Timeout.")
		return cmdLine{}, fmt.Errorf("%w: no command for %v", errIdle, ss.srv.idleTimeout())
	case <-ss.ctx.Done():
		return cmdLine{}, ss.ctx.Err()
	}
}

// serve runs the session until QUIT or an error.
func (ss *session) serve() error {
	if err := ss.reply(220, "hostport example FTP server ready."); err != nil {
		return err
	}
	for {
		l, err := ss.next()
		if err != nil {
			return err
		}
		if l.err != nil {
			if errors.Is(l.err, io.EOF) {
				return nil
			}
			return l.err
		}
		if l.bad != "" {
			if err := ss.reply(500, l.bad); err != nil {
				return err
			}
			continue
		}
		verb, arg := ss.parse(l.line)
		quit, err := ss.handle(verb, arg)
		if err != nil || quit {
			return err
		}
	}
}

// parse splits a command line into its verb, in upper case, and argument,
// and logs it if tracing.
func (ss *session) parse(line string) (verb, arg string) {
	verb, arg, _ = strings.Cut(line, " ")
	verb = strings.ToUpper(verb)
	if ss.srv.Trace {
		if verb == "PASS" {
			ss.logf("> PASS ****")
		} else {
			ss.logf("> %s", line)
		}
	}
	return verb, arg
}

// handle carries out one command and reports whether the session ends.
func (ss *session) handle(verb, arg string) (quit bool, err error) {
	switch verb {
	case "QUIT":
		return true, ss.reply(221, "Goodbye.")
	case "NOOP":
		return false, ss.reply(200, "NOOP ok.")
	case "ABOR":
		// A transfer under way is aborted in transfer; this one came
		// after it (RFC 959: no action is to be taken).
		return false, ss.reply(225, "No transfer to ABOR.")
	case "SYST":
		return false, ss.reply(215, "UNIX Type: L8")
	case "FEAT":
		return false, ss.feat()
	case "OPTS":
		if strings.EqualFold(arg, "UTF8 ON") {
			return false, ss.reply(200, "Always in UTF8 mode.")
		}
		return false, ss.reply(501, "Option not understood.")
	case "USER":
		ss.loggedIn = false
		ss.user = ""
		if !strings.EqualFold(arg, "anonymous") && !strings.EqualFold(arg, "ftp") {
			return false, ss.reply(530, "Only anonymous logins are allowed.")
		}
		ss.user = arg
		return false, ss.reply(331, "Please specify the password.")
	case "PASS":
		if ss.user == "" {
			return false, ss.reply(503, "Login with USER first.")
		}
		ss.loggedIn = true
		ss.logf("logged in as %s", ss.user)
		return false, ss.reply(230, "Login successful.")
	}
	if !ss.loggedIn {
		return false, ss.reply(530, "Please login with USER and PASS.")
	}
	switch verb {
	case "PWD", "XPWD":
		return false, ss.reply(257, `"`+strings.ReplaceAll(ss.cwd, `"`, `""`)+`" is the current directory.`)
	case "CWD", "XCWD":
		return false, ss.cwdTo(arg)
	case "CDUP", "XCUP":
		return false, ss.cwdTo("..")
	case "TYPE":
		switch strings.ToUpper(arg) {
		case "I", "L 8":
			return false, ss.reply(200, "Switching to Binary mode.")
		case "A", "A N":
			return false, ss.reply(200, "Switching to ASCII mode.")
		}
		return false, ss.reply(504, "TYPE not implemented for that parameter.")
	case "MODE":
		if strings.EqualFold(arg, "S") {
			return false, ss.reply(200, "Mode set to S.")
		}
		return false, ss.reply(504, "MODE not implemented for that parameter.")
	case "STRU":
		if strings.EqualFold(arg, "F") {
			return false, ss.reply(200, "Structure set to F.")
		}
		return false, ss.reply(504, "STRU not implemented for that parameter.")
	case "SIZE":
		return false, ss.size(arg)
	case "PASV", "EPSV", "LPSV":
		return false, ss.passive(verb, arg)
	case "PORT", "EPRT", "LPRT":
		return false, ss.activeCmd(verb, arg)
	case "LIST", "NLST":
		return ss.list(verb, arg)
	case "RETR":
		return ss.retr(arg)
	}
	return false, ss.reply(502, "Command not implemented.")
}

func (ss *session) feat() error {
	lines := []string{"211-Features:", " EPRT", " EPSV", " PASV", " SIZE", " UTF8", "211 End"}
	for _, l := range lines {
		if err := ss.send(l); err != nil {
			return err
		}
	}
	return nil
}

// resolve returns the clean absolute path that arg names from the current
// directory. ".." never leads above "/": the result is always in Root. A
// path that ends in "/" or "/." names a directory, as in POSIX: the result
// then ends in "/", so that Root's methods refuse a file there (ENOTDIR).
func (ss *session) resolve(arg string) string {
	dir := strings.HasSuffix(arg, "/") || strings.HasSuffix(arg, "/.")
	if !strings.HasPrefix(arg, "/") {
		arg = ss.cwd + "/" + arg
	}
	p := path.Clean(arg)
	if dir && p != "/" {
		p += "/"
	}
	return p
}

// rootName returns the name of the absolute path p for Root's methods.
func rootName(p string) string {
	if p == "/" {
		return "."
	}
	return strings.TrimPrefix(p, "/")
}

// stat returns the information of the file at the absolute path p, following
// symbolic links only as long as they stay in Root.
func (ss *session) stat(p string) (fs.FileInfo, error) {
	return ss.srv.Root.Stat(rootName(p))
}

// Errors of open for a file of another type than wanted.
var (
	errNotRegular = errors.New("not a regular file")
	errNotDir     = errors.New("not a directory")
)

// testHookBeforeOpen, if not nil, runs between the check of a file's type
// and its opening.
var testHookBeforeOpen func(name string)

// open opens the file at the absolute path p for reading if it is a regular
// file, or a directory if dir is set, and returns it with its information.
// Anything else is refused before it is opened, and again after, with the
// information of the file opened: a named pipe swapped in between cannot
// block the open, which does not wait (O_NONBLOCK), nor a read. O_NOCTTY
// keeps a terminal from becoming the server's.
func (ss *session) open(p string, dir bool) (*os.File, fs.FileInfo, error) {
	ok := func(fi fs.FileInfo) bool {
		if dir {
			return fi.IsDir()
		}
		return fi.Mode().IsRegular()
	}
	errType := errNotRegular
	if dir {
		errType = errNotDir
	}
	name := rootName(p)
	fi, err := ss.srv.Root.Stat(name)
	if err != nil {
		return nil, nil, err
	}
	if !ok(fi) {
		return nil, nil, fmt.Errorf("%s: %v: %w", p, fi.Mode().Type(), errType)
	}
	if testHookBeforeOpen != nil {
		testHookBeforeOpen(name)
	}
	f, err := ss.srv.Root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err = f.Stat()
	if err == nil && !ok(fi) {
		err = fmt.Errorf("%s: %v: %w", p, fi.Mode().Type(), errType)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

func (ss *session) cwdTo(arg string) error {
	p := ss.resolve(arg)
	fi, err := ss.stat(p)
	if err != nil || !fi.IsDir() {
		return ss.reply(550, "Failed to change directory.")
	}
	ss.cwd = path.Clean(p)
	return ss.reply(250, "Directory successfully changed.")
}

func (ss *session) size(arg string) error {
	fi, err := ss.stat(ss.resolve(arg))
	if err != nil || !fi.Mode().IsRegular() {
		return ss.reply(550, "Could not get file size.")
	}
	return ss.reply(213, strconv.FormatInt(fi.Size(), 10))
}

// resetData forgets the data setup: it closes the passive listener waiting,
// if any, and the active target.
func (ss *session) resetData() {
	if ss.pasv != nil {
		ss.pasv.Close()
		ss.pasv = nil
	}
	ss.active = netip.AddrPort{}
}

// passive handles PASV, EPSV and LPSV.
func (ss *session) passive(verb, arg string) error {
	is4 := ss.local.Addr().Is4()
	if verb == "EPSV" {
		switch a := strings.ToUpper(arg); {
		case a == "ALL":
			ss.resetData()
			ss.epsvAll = true
			return ss.reply(200, "EPSV ALL ok: only EPSV from now on.")
		case a == "", a == "1" && is4, a == "2" && !is4:
		case a != "" && strings.Trim(a, "0123456789") == "":
			// A protocol this session's listener cannot serve.
			use := "2"
			if is4 {
				use = "1"
			}
			return ss.reply(522, "Network protocol not supported, use ("+use+").")
		default:
			return ss.reply(501, "EPSV: want 1, 2 or ALL.")
		}
	} else if arg != "" {
		return ss.reply(501, verb+" takes no argument.")
	}
	ss.resetData()
	if ss.epsvAll && verb != "EPSV" {
		return ss.reply(501, verb+" not allowed after EPSV ALL.")
	}
	if verb == "PASV" && !is4 {
		return ss.reply(425, "Use EPSV or LPSV: a 227 reply cannot carry an IPv6 address.")
	}
	ln, err := hostport.ListenPassive(ss.ctx, ss.local.Addr(), ss.srv.Ports)
	if err != nil {
		ss.logf("data setup %s failed: %v", verb, err)
		return ss.reply(425, "Can't open data connection.")
	}
	ss.pasv = ln
	port := addrPort(ln.Addr()).Port()
	announce := ss.local.Addr()
	if is4 && ss.srv.Public.IsValid() {
		announce = ss.srv.Public
	}
	var line string
	switch verb {
	case "PASV":
		line = hostport.FormatPASV(hostport.From4(announce.As4(), port))
	case "EPSV":
		line = hostport.FormatEPSV(port)
	case "LPSV":
		line = hostport.FormatLPSV(netip.AddrPortFrom(announce, port))
	}
	ss.logf("data setup %s: listening on %v, announced as %q", verb, ln.Addr(), line)
	return ss.send(line)
}

// activeCmd handles PORT, EPRT and LPRT.
func (ss *session) activeCmd(verb, arg string) error {
	ss.resetData()
	if ss.epsvAll {
		return ss.reply(501, verb+" not allowed after EPSV ALL.")
	}
	var target netip.AddrPort
	var err error
	switch verb {
	case "PORT":
		var hp hostport.HostPort
		hp, err = hostport.ParsePORT(arg)
		target = hp.AddrPort()
	case "EPRT":
		target, err = hostport.ParseEPRT(arg)
	case "LPRT":
		target, err = hostport.ParseLPRT(arg)
	}
	if err != nil {
		ss.logf("data setup %s refused: %v", verb, err)
		switch code := hostport.ReplyCode(err); code {
		case 522:
			return ss.reply(code, "Network protocol not supported, use (1,2).")
		case 521:
			return ss.reply(code, "Supported address families are (4,6).")
		default:
			return ss.reply(code, "Syntax error in "+verb+" argument.")
		}
	}
	if err := ss.srv.Active.Check(ss.client.Addr(), target); err != nil {
		ss.logf("data setup %s %s refused: %v", verb, target, err)
		code := hostport.ReplyCode(err)
		return ss.reply(code, verb+" refused: "+refusal(code))
	}
	ss.active = target
	ss.logf("data setup %s: will connect to %s", verb, target)
	return ss.reply(200, verb+" command successful.")
}

// refusal returns the reason given to the client for a PORT, EPRT or LPRT
// refused with the reply code of hostport.ReplyCode; the error itself goes
// to the log only.
func refusal(code int) string {
	switch code {
	case 500:
		return "the address must be your own."
	case 504:
		return "the port must be 1024 or above."
	}
	return "unusable address."
}

// openData returns the data connection of the current data setup, which it
// forgets: in passive mode the first connection from the client's host (others
// are turned away), in active mode a connection to the target, from the
// server's address on the control connection. It gives up when ctx is done.
func (ss *session) openData(ctx context.Context) (net.Conn, error) {
	timeout := ss.srv.dataTimeout()
	if ln := ss.pasv; ln != nil {
		ss.pasv = nil
		defer ln.Close()
		stop := context.AfterFunc(ctx, func() { ln.Close() })
		defer stop()
		ln.SetDeadline(time.Now().Add(timeout))
		for {
			c, err := ln.AcceptTCP()
			if err != nil {
				return nil, err
			}
			peer := addrPort(c.RemoteAddr())
			if err := hostport.CheckDataPeer(ss.client.Addr(), peer.Addr()); err != nil {
				ss.logf("data connection from %s turned away: %v", peer, err)
				c.Close()
				continue
			}
			return c, nil
		}
	}
	if target := ss.active; target.IsValid() {
		ss.active = netip.AddrPort{}
		d := net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: ss.local.Addr().AsSlice()}}
		target = netip.AddrPortFrom(target.Addr().Unmap(), target.Port())
		return d.DialContext(ctx, "tcp", target.String())
	}
	return nil, errNoDataSetup
}

var errNoDataSetup = errors.New("no data setup")

// deadlineWriter writes to a connection with a deadline for each write.
type deadlineWriter struct {
	c       net.Conn
	timeout time.Duration
}

func (w deadlineWriter) Write(p []byte) (int, error) {
	w.c.SetWriteDeadline(time.Now().Add(w.timeout))
	return w.c.Write(p)
}

// transfer sends what write writes over the data connection, with the
// replies around it, and reports whether the session ends. While it runs,
// the control connection is read: ABOR and QUIT stop the transfer, and so
// do the end of the control connection and of the session; other commands
// wait for the transfer's last reply.
func (ss *session) transfer(what string, write func(io.Writer) error) (quit bool, err error) {
	if ss.pasv == nil && !ss.active.IsValid() {
		return false, ss.reply(425, "Use PORT, EPRT, LPRT, PASV, EPSV or LPSV first.")
	}
	if err := ss.reply(150, "Opening data connection for "+what+"."); err != nil {
		return false, err
	}
	ctx, cancel := context.WithCancel(ss.ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ss.sendData(ctx, what, write) }()
	// abort stops the transfer and waits for it; it reports whether the
	// transfer had ended in full before.
	abort := func(why string) (complete bool) {
		cancel()
		if err := <-done; err == nil {
			return true
		}
		ss.logf("transfer of %s aborted: %s", what, why)
		return false
	}
	for {
		lines := ss.lines
		if len(ss.queued) >= maxQueued {
			lines = nil
		}
		select {
		case err := <-done:
			switch {
			case errors.Is(err, errNoData):
				return false, ss.reply(425, "Can't open data connection.")
			case err != nil:
				return false, ss.reply(426, "Connection closed; transfer aborted.")
			}
			return false, ss.reply(226, "Transfer complete.")
		case l := <-lines:
			if l.err != nil {
				abort("control connection: " + l.err.Error())
				if errors.Is(l.err, io.EOF) {
					return true, nil
				}
				return true, l.err
			}
			verb := ""
			if l.bad == "" {
				verb, _, _ = strings.Cut(l.line, " ")
				verb = strings.ToUpper(verb)
			}
			switch verb {
			case "ABOR", "QUIT":
				ss.parse(l.line)
				code, text := 426, "Connection closed; transfer aborted."
				if abort(verb) {
					code, text = 226, "Transfer complete." // ABOR came too late
				}
				if err := ss.reply(code, text); err != nil {
					return true, err
				}
				if verb == "QUIT" {
					return true, ss.reply(221, "Goodbye.")
				}
				if code == 226 {
					return false, ss.reply(225, "No transfer to ABOR.")
				}
				return false, ss.reply(226, "Abort successful.")
			}
			ss.queued = append(ss.queued, l)
		case <-ss.ctx.Done():
			abort("the server stops")
			return true, ss.ctx.Err()
		}
	}
}

// errNoData reports a data connection that could not be opened.
var errNoData = errors.New("no data connection")

// sendData opens the data connection, sends what write writes and closes it.
// It stops when ctx is done. An error that wraps errNoData means the data
// connection could not be opened.
func (ss *session) sendData(ctx context.Context, what string, write func(io.Writer) error) error {
	dc, err := ss.openData(ctx)
	if err != nil {
		ss.logf("data connection for %s: %v", what, err)
		return fmt.Errorf("%w: %v", errNoData, err)
	}
	stop := context.AfterFunc(ctx, func() { dc.Close() })
	defer stop()
	bw := bufio.NewWriterSize(deadlineWriter{dc, ss.srv.dataTimeout()}, 64<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := dc.Close(); err == nil {
		err = cerr
	}
	if err != nil && ctx.Err() == nil {
		ss.logf("data connection for %s: %v", what, err)
	}
	return err
}

func (ss *session) retr(arg string) (quit bool, err error) {
	p := ss.resolve(arg)
	f, fi, err := ss.open(p, false)
	if err != nil {
		ss.logf("RETR %s: %v", p, err)
		return false, ss.reply(550, "Failed to open file.")
	}
	defer f.Close()
	return ss.transfer(p+" ("+strconv.FormatInt(fi.Size(), 10)+" bytes)", func(w io.Writer) error {
		_, err := io.Copy(w, f)
		return err
	})
}

// list handles LIST and NLST: LIST writes a line per file as "ls -l" does,
// NLST only the names. Options such as "-la" before the path are ignored.
func (ss *session) list(verb, arg string) (quit bool, err error) {
	for strings.HasPrefix(arg, "-") {
		_, arg, _ = strings.Cut(arg, " ")
	}
	p := ss.resolve(arg)
	fi, err := ss.stat(p)
	if err != nil {
		return false, ss.reply(550, "No such file or directory.")
	}
	var entries []fs.FileInfo
	if fi.IsDir() {
		d, _, err := ss.open(p, true)
		if err != nil {
			ss.logf("%s %s: %v", verb, p, err)
			return false, ss.reply(550, "Failed to open directory.")
		}
		des, err := d.ReadDir(-1)
		d.Close()
		if err != nil {
			return false, ss.reply(550, "Failed to read directory.")
		}
		for _, de := range des {
			if info, err := de.Info(); err == nil {
				entries = append(entries, info)
			}
		}
		slices.SortFunc(entries, func(a, b fs.FileInfo) int { return strings.Compare(a.Name(), b.Name()) })
	} else {
		entries = []fs.FileInfo{fi}
	}
	now := time.Now()
	return ss.transfer("the listing of "+p, func(w io.Writer) error {
		for _, e := range entries {
			var line string
			if verb == "NLST" {
				line = e.Name()
			} else {
				line = listLine(e, now)
			}
			if _, err := io.WriteString(w, line+"\r\n"); err != nil {
				return err
			}
		}
		return nil
	})
}

// listLine returns the line of fi in a listing, in the form of "ls -l":
//
//	-rw-r--r--   1 ftp      ftp          1234 Jan  2 15:04 name
//
// with the year instead of the time for files older than six months.
func listLine(fi fs.FileInfo, now time.Time) string {
	t := fi.ModTime()
	stamp := t.Format("Jan _2 15:04")
	if t.Before(now.AddDate(0, -6, 0)) || t.After(now.Add(time.Hour)) {
		stamp = t.Format("Jan _2  2006")
	}
	mode := fi.Mode().String()
	if fi.Mode()&fs.ModeSymlink != 0 {
		mode = "l" + mode[1:] // Go writes "L"
	}
	return fmt.Sprintf("%s %4d %-8s %-8s %12d %s %s", mode, 1, "ftp", "ftp", fi.Size(), stamp, fi.Name())
}

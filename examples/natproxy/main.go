// Natproxy is an FTP proxy for clients that cannot reach an FTP server
// themselves, or that sit behind NAT: clients connect to natproxy as if it
// were the server, and it relays their control connection to the real server
// and every data connection in both directions, in passive mode (PASV, EPSV,
// LPSV) and active mode (PORT, EPRT, LPRT).
//
// Usage:
//
//	natproxy -listen ADDR:PORT -upstream HOST:PORT [flags]
//
// The flags are:
//
//	-listen ADDR:PORT
//		where clients connect, such as 0.0.0.0:2121 or [::]:2121.
//	-upstream HOST:PORT
//		the real FTP server.
//	-public ADDR
//		the address to announce to clients in 227, 228 and 229 replies
//		instead of the address they reached the proxy at, when they reach
//		it through a NAT of their own (like vsftpd's pasv_address).
//	-ports MIN-MAX
//		the ports of the proxy's data listeners (default 1024-65535),
//		drawn at random so that no one can guess the next.
//	-passive pasv|epsv
//		send every passive command of the clients to the server as PASV or
//		EPSV, and give the clients the replies in the form they asked for
//		(RFC 6384); by default each goes as the client sent it.
//	-data-timeout DURATION
//		how long a data listener waits for its connection (default 1m).
//	-idle-timeout DURATION
//		how long a client may stay silent on its control connection while
//		no data connection is open, and how long a data connection may
//		carry nothing, before natproxy closes it (default 5m). A silent
//		client gets "421 Timeout." and both legs of its session are closed.
//	-max-sessions N
//		sessions served at once (default 100; 0 means no cap). Clients
//		over the cap get a 421 reply and are disconnected.
//	-max-per-addr N
//		sessions served at once from one client IP address (default 10;
//		0 means no cap).
//	-data-path relay|kernel
//		relay: natproxy carries each data connection itself (the default).
//		kernel: the kernel forwards each data connection, translated by
//		nftables, and natproxy only sets it up (Linux; see "The kernel
//		data path" below).
//	-nft-table NAME
//		the nftables table of -data-path kernel (default natproxy), in
//		the inet family.
//
// The control connection goes through package alg, which finds the data-setup
// lines in it, however they arrive, and refuses the hostile ones (see its
// documentation). For each, natproxy opens a data listener of its own and
// rewrites the line to name it:
//
//   - A 227, 228 or 229 reply from the server is rewritten to name a
//     listener on the address the client reached the proxy at (or -public).
//     The server's reply is judged by hostport.PassivePolicy with its default
//     mode: the proxy dials the port it names at the server's control address,
//     never an address the server chooses (curl CVE-2020-8284). A client that
//     connects to the listener must be the client of the control connection
//     (hostport.CheckDataPeer); other hosts are turned away and the listener
//     keeps waiting.
//   - A PORT, EPRT or LPRT from the client is judged by hostport.ActivePolicy
//     with its default, the safe one of vsftpd and ProFTPD: the address must
//     be the client's own, as the proxy sees it, and the port 1024 or above,
//     else the client gets 500 or 504 and nothing reaches the server (the FTP
//     bounce attack, RFC 2577). A client behind a NAT that does not rewrite
//     its PORT commands names an address the proxy does not see, so it must
//     use passive mode. It is rewritten to name a listener on the proxy's address
//     toward the server: as PORT for an IPv4 server, which every server
//     knows, and as EPRT for an IPv6 one, so that an IPv6 client can use an
//     IPv4-only server (RFC 6384). The connection to that listener must come
//     from the server.
//
// Each data listener serves one connection; a new PASV or PORT from the same
// client replaces the listener still waiting from the previous one, and a
// session has at most four data connections (listeners and transfers) at
// once. Each data setup is logged on the standard error, once, with the
// addresses before and after and the decision. natproxy serves many clients
// at once and exits cleanly on SIGINT or SIGTERM, closing its connections.
//
// # The kernel data path
//
// With -data-path kernel, natproxy still reads and judges every data-setup
// line and answers it with an address of its own, but it has the kernel carry
// the data connection: the connection that the client (passive) or the server
// (active) opens to natproxy's port is translated by the kernel, on its
// first packet, into a connection from natproxy's address on the other side
// to the other end, and forwarded like any NATed connection, at the speed of
// kernel forwarding, with no copy through natproxy. This is how the FTP
// proxies of the BSDs work with pf. It needs Linux with nftables, and the
// CAP_NET_ADMIN capability: natproxy makes a table of its own (inet natproxy,
// or -nft-table), replacing one of that name, and deletes it when it stops.
// The host must forward packets (net.ipv4.ip_forward, and
// net.ipv6.conf.all.forwarding for IPv6), and its firewall must let the
// translated connections through, as with any port forwarding, for example
// with "ct status dnat accept" in its forward chain.
//
// A mapping is as narrow as the relay's listener: it takes only a connection
// from the peer that the relay would accept (the client of the session, or
// its server), to the one port natproxy reserved for it by listening there;
// it takes only the first such connection, deleting itself in the kernel as
// that connection passes; and it lasts at most the data timeout (plus 5 s
// in the kernel, where natproxy's own removal is the rule). A new data setup
// replaces it, and the end of the session removes it. Connections that reach
// the reserved port all the same are turned away. Where a mapping cannot be
// made, as between an IPv6 client and an IPv4 server, which kernel NAT
// cannot translate, or if nftables refuses it, natproxy relays that data
// connection itself. natproxy cannot count the bytes of a mapped connection:
// its log says that the mapping was used, or not. While a mapped transfer
// runs, natproxy sees only the control connection; it takes the server's 1xx
// reply, until its final reply, as a transfer in progress, during which the
// client may be silent without the idle timeout ending its session.
//
// # Limits
//
// A session holds two descriptors for its control connections and, for each
// data connection, one while it waits, two once it transfers and two more
// for the pipe the transfer is spliced through on Linux, so at most 18 (four
// data connections transferring at once); a session with one transfer
// running holds six. natproxy makes a pipe of its own for each transfer and
// closes it when the transfer ends, rather than use the runtime's splice
// pipes, which outlive the transfers until a garbage collection; where a
// pipe cannot be made, as when descriptors run out, the transfer goes on
// through a buffer. A transfer that the kernel carries (-data-path kernel)
// holds none of these: only the listener of its reserved port, until the
// data timeout or the session's next data setup of its kind. With the
// default caps natproxy therefore needs at most about 1,800 descriptors,
// and about 600 while every session has one transfer running. When it runs out of descriptors all the same, it logs
// the error and retries accepting with a backoff of 5 ms doubling up to 1 s,
// as net/http does, and serves again as soon as descriptors are free.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/alg"
	"github.com/ftpkit/hostport/internal/serve"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

// run runs natproxy with the command-line arguments args until ctx is done,
// logging on stderr, and returns the exit code: 0 after ctx is done or after
// printing the usage on stdout for -h, 1 if the proxy cannot listen, 2 for a
// usage error. If ready is not nil, run calls it with the listener's address
// once clients can connect.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(net.Addr)) int {
	fs := flag.NewFlagSet("natproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "", "`ADDR:PORT` where clients connect")
	upstream := fs.String("upstream", "", "`HOST:PORT` of the real FTP server")
	public := fs.String("public", "", "`ADDR` to announce to clients in passive replies instead of the listen address")
	ports := fs.String("ports", "1024-65535", "`MIN-MAX` ports of the data listeners")
	passive := fs.String("passive", "", "send the clients' passive commands to the server as `pasv or epsv` (default: as sent)")
	timeout := fs.Duration("data-timeout", time.Minute, "how long a data listener waits for its connection")
	idle := fs.Duration("idle-timeout", DefaultIdleTimeout, "how long a control connection may stay silent, and a data connection carry nothing")
	maxSessions := fs.Int("max-sessions", DefaultMaxSessions, "sessions served at once (0: no cap)")
	maxPerAddr := fs.Int("max-per-addr", DefaultMaxPerAddr, "sessions served at once from one client IP address (0: no cap)")
	dataPath := fs.String("data-path", "relay", "who carries the data connections: `relay` (natproxy) or kernel (Linux nftables)")
	nftTable := fs.String("nft-table", "natproxy", "`NAME` of the inet nftables table of -data-path kernel")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: natproxy -listen ADDR:PORT -upstream HOST:PORT [flags]\n")
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
		fmt.Fprintf(stderr, "natproxy: %v\n", err)
		fs.Usage()
		return 2
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "natproxy: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	if fs.NArg() > 0 {
		return usage("unexpected argument %q", fs.Arg(0))
	}
	if *listen == "" || *upstream == "" {
		return usage("-listen and -upstream are required")
	}
	if *idle <= 0 {
		return usage("-idle-timeout: want a positive duration, not %v", *idle)
	}
	if *maxSessions < 0 || *maxPerAddr < 0 {
		return usage("-max-sessions and -max-per-addr: want 0 or more")
	}
	p := &Proxy{Upstream: *upstream, DataTimeout: *timeout, IdleTimeout: *idle,
		MaxSessions: *maxSessions, MaxPerAddr: *maxPerAddr,
		Log: log.New(stderr, "natproxy: ", log.LstdFlags|log.Lmicroseconds)}
	if *public != "" {
		a, err := netip.ParseAddr(*public)
		if err != nil {
			return usage("-public: %v", err)
		}
		p.Public = a
	}
	r, err := hostport.ParsePortRange(*ports)
	if err != nil {
		return usage("-ports: %v", err)
	}
	p.Ports = r
	switch strings.ToLower(*passive) {
	case "":
	case "pasv":
		p.PassiveAs = hostport.FormPASV
	case "epsv":
		p.PassiveAs = hostport.FormEPSV
	default:
		return usage("-passive: want pasv or epsv, not %q", *passive)
	}
	switch *dataPath {
	case "relay":
	case "kernel":
		if *nftTable == "" {
			return usage("-nft-table: want a name")
		}
	default:
		return usage("-data-path: want relay or kernel, not %q", *dataPath)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "natproxy: %v\n", err)
		return 1
	}
	if *dataPath == "kernel" {
		k, err := newKernelMapper(*nftTable)
		if err != nil {
			ln.Close()
			fmt.Fprintf(stderr, "natproxy: -data-path kernel: %v\n", err)
			return 1
		}
		defer func() {
			if err := k.Close(); err != nil {
				p.Log.Printf("%v", err)
			}
		}()
		p.Kernel = k
		p.Log.Printf("data connections go through the kernel (nftables table inet %s)", *nftTable)
	}
	p.Log.Printf("listening on %v for upstream %v", ln.Addr(), p.Upstream)
	if ready != nil {
		ready(ln.Addr())
	}
	if err := p.Serve(ctx, ln); err != nil {
		p.Log.Printf("%v", err)
		return 1
	}
	p.Log.Printf("stopped")
	return 0
}

// Defaults of the Proxy's limits, and of the flags that set them.
const (
	DefaultIdleTimeout = 5 * time.Minute
	DefaultMaxSessions = 100
	DefaultMaxPerAddr  = 10
)

// maxData is the number of data connections a session may have at once:
// listeners waiting for their connection and transfers in progress.
const maxData = 4

// Proxy relays FTP sessions from clients to one upstream server.
type Proxy struct {
	// Upstream is the server's HOST:PORT.
	Upstream string
	// Public, if valid, is the address announced to clients in passive
	// replies instead of the address they reached the proxy at.
	Public netip.Addr
	// Ports is the range of the data listeners' ports.
	Ports hostport.PortRange
	// PassiveAs, if not zero, is the passive command sent to the server
	// for each of the client's (alg.Config.PassiveAs).
	PassiveAs hostport.Form
	// DataTimeout bounds the wait of a data listener for its connection
	// and the dialling of the other end.
	DataTimeout time.Duration
	// IdleTimeout bounds the time a client may stay silent on its control
	// connection while the session has no data transfer in progress, the
	// time a data connection may carry nothing in either direction, and
	// each write to the client. A silent client gets a 421 reply and the
	// session ends. Zero means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxSessions caps the sessions served at once, and MaxPerAddr those
	// from one client IP address; a client over a cap gets a 421 reply and
	// is disconnected. Zero or less means no cap. The flags' defaults are
	// DefaultMaxSessions and DefaultMaxPerAddr.
	MaxSessions, MaxPerAddr int
	// Kernel, if not nil, has the kernel carry the data connections that
	// it can map, in place of the relay.
	Kernel Mapper
	// Log receives a line per session, data setup, refused line, refused
	// client and accept error.
	Log *log.Logger
}

// Serve accepts clients on ln and serves each in its own goroutine until ctx
// is done; then it closes ln and every session and returns nil once they
// have ended. Accept errors that may pass, such as running out of
// descriptors, are logged and retried after a backoff; Serve returns any
// other.
func (p *Proxy) Serve(ctx context.Context, ln net.Listener) error {
	cfg := serve.Config{
		MaxSessions: p.MaxSessions,
		MaxPerAddr:  p.MaxPerAddr,
		Logf:        p.Log.Printf,
		Busy: func(c net.Conn, reason string) {
			io.WriteString(c, "421 "+reason+"\r\n")
		},
	}
	return serve.Serve(ctx, ln, cfg, p.serveClient)
}

// session is the state of one client's session.
type session struct {
	p      *Proxy
	ctx    context.Context
	id     string
	client netip.AddrPort // the client, as seen by the proxy
	front  netip.AddrPort // the proxy's end of the client's connection
	server netip.AddrPort // the server, as dialled
	back   netip.AddrPort // the proxy's end of the server connection

	mu      sync.Mutex
	waiting [2]io.Closer   // data listeners not yet connected, or mapped ports held: active, passive
	data    int            // data connections: listeners and transfers
	copying int            // data transfers in progress
	ended   time.Time      // when the last data transfer ended
	mapped  bool           // a data connection was given to the kernel
	replies replyWatch     // the replies written to the client
	wg      sync.WaitGroup // data connections
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

// serveClient relays the session of the client c.
func (p *Proxy) serveClient(ctx context.Context, c net.Conn) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &session{p: p, ctx: ctx, id: c.RemoteAddr().String(),
		client: addrPort(c.RemoteAddr()), front: addrPort(c.LocalAddr())}
	cc := &controlConn{Conn: c, s: s}
	up, err := p.dialUpstream(ctx, cc)
	if errors.Is(err, errGone) {
		return
	}
	if err != nil {
		p.Log.Printf("[%s] upstream %s: %v", s.id, p.Upstream, err)
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "421 Service not available: the server cannot be reached.\r\n")
		c.Close()
		return
	}
	s.server, s.back = addrPort(up.RemoteAddr()), addrPort(up.LocalAddr())
	p.Log.Printf("[%s] session to %s via %s", s.id, s.server, s.back)
	cfg := alg.Config{
		Hook:       s.hook,
		ServerAddr: s.server.Addr(),
		PassiveAs:  p.PassiveAs,
		OnRefuse: func(d alg.Dir, line []byte, err error) {
			if errors.As(err, new(*setupError)) {
				return // the hook logged it, with the addresses
			}
			if len(line) > 80 {
				line = line[:80]
			}
			p.Log.Printf("[%s] refused %v line %q: %v", s.id, d, line, err)
		},
	}
	err = alg.Relay(ctx, cc, up, cfg)
	cancel()
	s.closeWaiting()
	s.wg.Wait()
	if err != nil && ctx.Err() == nil {
		p.Log.Printf("[%s] session ended: %v", s.id, err)
	} else {
		p.Log.Printf("[%s] session ended", s.id)
	}
}

// dialUpstream dials the server for the client c. While the process or the
// system is out of descriptors or buffers, it retries with a backoff of 5 ms
// doubling, for up to a second, as long as the client is still there: a
// client that arrives as a flood of connections ends is served rather than
// turned away, and the connections of the flood that are gone already give
// their descriptors back at once. It returns errGone if the client left.
func (p *Proxy) dialUpstream(ctx context.Context, c *controlConn) (net.Conn, error) {
	d := net.Dialer{Timeout: p.timeout()}
	deadline := time.Now().Add(time.Second)
	for delay := 5 * time.Millisecond; ; delay *= 2 {
		up, err := d.DialContext(ctx, "tcp", p.Upstream)
		if err == nil || !outOfResources(err) || time.Now().Add(delay).After(deadline) {
			return up, err
		}
		if c.gone() {
			return nil, errGone
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, err
		}
	}
}

// errGone reports that the client closed its connection before its session
// began.
var errGone = errors.New("client gone")

// outOfResources reports whether err says that the process or the system is
// out of descriptors or buffers, which passes.
func outOfResources(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM)
}

func (p *Proxy) timeout() time.Duration {
	if p.DataTimeout > 0 {
		return p.DataTimeout
	}
	return time.Minute
}

func (p *Proxy) idleTimeout() time.Duration {
	if p.IdleTimeout > 0 {
		return p.IdleTimeout
	}
	return DefaultIdleTimeout
}

// errIdle ends a session whose client stayed silent too long.
var errIdle = errors.New("idle timeout")

// controlConn is the client's control connection. Its reads wait at most
// the idle timeout while the session has no data transfer in progress; on
// expiry it sends the client a 421 reply and fails with errIdle, and
// alg.Relay then closes both legs. Each write waits at most the idle timeout
// too, and the writes are serialised so that the 421 reply never lands in
// the middle of another.
type controlConn struct {
	net.Conn
	s       *session
	wmu     sync.Mutex
	pending []byte // read by gone, not yet by Read
}

// gone reports whether the client has closed its connection, or it has
// failed, waiting at most a millisecond. A byte that it reads meanwhile, from a client
// that sends before it is greeted, is kept for Read.
func (c *controlConn) gone() bool {
	var b [1]byte
	// A deadline already past would fail the read before it is tried.
	c.Conn.SetReadDeadline(time.Now().Add(time.Millisecond))
	n, err := c.Conn.Read(b[:])
	c.Conn.SetReadDeadline(time.Time{})
	c.pending = append(c.pending, b[:n]...)
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

func (c *controlConn) Read(b []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(b, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	idle := c.s.p.idleTimeout()
	deadline := time.Now().Add(idle)
	for {
		c.Conn.SetReadDeadline(deadline)
		n, err := c.Conn.Read(b)
		if n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		busy, ended := c.s.dataState()
		if busy {
			deadline = time.Now().Add(idle)
			continue
		}
		if d := ended.Add(idle); time.Until(d) > 0 {
			deadline = d
			continue
		}
		c.wmu.Lock()
		c.Conn.SetWriteDeadline(time.Now().Add(time.Second))
		io.WriteString(c.Conn, "421 Timeout.\r\n")
		c.wmu.Unlock()
		c.s.p.Log.Printf("[%s] no command for %v: sent 421 Timeout", c.s.id, idle)
		return 0, fmt.Errorf("%w: no command for %v", errIdle, idle)
	}
}

func (c *controlConn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.Conn.SetWriteDeadline(time.Now().Add(c.s.p.idleTimeout()))
	n, err := c.Conn.Write(b)
	c.s.mu.Lock()
	open := c.s.replies.open
	c.s.replies.write(b[:n])
	if open && !c.s.replies.open && c.s.mapped {
		c.s.ended = time.Now() // a transfer the kernel carried has ended
	}
	c.s.mu.Unlock()
	return n, err
}

// CloseWrite closes the writing side of the connection, if it is TCP.
func (c *controlConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// dataState reports whether the session has a data transfer in progress,
// and when the last one ended. A transfer that the kernel carries is in
// progress from the server's 1xx reply to its final reply.
func (s *session) dataState() (busy bool, ended time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.copying > 0 || s.mapped && s.replies.open, s.ended
}

// replyWatch follows the replies written to the client, to tell whether
// the server has begun a transfer (a 1xx reply) and not ended it yet (a
// reply of 2xx to 5xx). It reads the first four bytes of each line: a
// reply's last line starts with its code and a space.
type replyWatch struct {
	head [4]byte // the first bytes of the line being written
	n    int     // how many of them; -1 once past them
	open bool    // the last reply was 1xx
}

func (w *replyWatch) write(b []byte) {
	for _, c := range b {
		switch {
		case c == '\n':
			w.n = 0
		case w.n >= 0:
			w.head[w.n] = c
			w.n++
			if w.n == len(w.head) {
				h := w.head
				if isDigit(h[0]) && isDigit(h[1]) && isDigit(h[2]) && h[3] == ' ' {
					w.open = h[0] == '1'
				}
				w.n = -1
			}
		}
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// setupError is the error of a data setup that the hook refused and logged.
type setupError struct{ err error }

func (e *setupError) Error() string { return e.err.Error() }
func (e *setupError) Unwrap() error { return e.err }

// hook sets up the data connection for a data-setup line.
func (s *session) hook(ev alg.Event) (alg.Rewrite, error) {
	if ev.Dir == alg.ClientToServer {
		return s.active(ev)
	}
	return s.passive(ev)
}

// logSetup logs a data setup: the line's form and address, what it becomes,
// and the decision.
func (s *session) logSetup(ev alg.Event, f hostport.Form, after netip.AddrPort, decision string) {
	if f == 0 {
		s.p.Log.Printf("[%s] data setup %s %s: %s", s.id, ev.Form, ev.Addr, decision)
		return
	}
	s.p.Log.Printf("[%s] data setup %s %s -> %s %s: %s", s.id, ev.Form, ev.Addr, f, after, decision)
}

// refuse logs a data setup that is refused, or failed, and returns err
// marked as logged.
func (s *session) refuse(ev alg.Event, decision string, err error) (alg.Rewrite, error) {
	why := err
	var v *alg.Veto
	if errors.As(err, &v) && v.Err != nil {
		why = v.Err
	}
	s.logSetup(ev, 0, netip.AddrPort{}, decision+": "+why.Error())
	return alg.Rewrite{}, &setupError{err}
}

// errTooManyData refuses a data setup of a session that has maxData data
// connections already.
var errTooManyData = fmt.Errorf("%d data connections open already", maxData)

// reserve counts a data connection about to be set up, unless the session
// has maxData already.
func (s *session) reserve() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data >= maxData {
		return &alg.Veto{Code: 425, Text: "Too many open data connections.", Err: errTooManyData}
	}
	s.data++
	return nil
}

// release uncounts a data connection.
func (s *session) release() {
	s.mu.Lock()
	s.data--
	s.mu.Unlock()
}

// active handles a PORT, EPRT or LPRT from the client: the server will
// connect to a listener of the proxy's, and the proxy to the client.
func (s *session) active(ev alg.Event) (alg.Rewrite, error) {
	target := ev.Addr
	if err := (hostport.ActivePolicy{}).Check(s.client.Addr(), target); err != nil {
		return s.refuse(ev, "refused", err)
	}
	if err := s.reserve(); err != nil {
		return s.refuse(ev, "refused", err)
	}
	ln, err := hostport.ListenPassive(s.ctx, s.back.Addr(), s.p.Ports)
	if err != nil {
		s.release()
		return s.refuse(ev, "failed", &alg.Veto{Code: 425, Text: "Can't open data connection.", Err: err})
	}
	adv := addrPort(ln.Addr())
	f := hostport.FormEPRT
	if adv.Addr().Is4() {
		f = hostport.FormPORT
	}
	m := Mapping{Peer: s.server.Addr(), Local: adv, Target: target, Via: s.front.Addr()}
	why, ok := s.kernelMap(m)
	if ok {
		s.logSetup(ev, f, adv, fmt.Sprintf("allowed (server connects to %s, the kernel forwards it to %s from %s)", adv, target, m.Via))
		s.hold(0, ln, m, "active")
		return alg.Rewrite{Addr: adv, Form: f}, nil
	}
	s.logSetup(ev, f, adv, fmt.Sprintf("allowed (server connects to %s, proxy dials %s%s)", adv, target, why))
	s.wait(0, ln)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.release()
		s.relayData(ln, s.server.Addr(), target, "active")
	}()
	return alg.Rewrite{Addr: adv, Form: f}, nil
}

// passive handles a 227, 228 or 229 reply from the server: the client will
// connect to a listener of the proxy's, and the proxy to the server.
func (s *session) passive(ev alg.Event) (alg.Rewrite, error) {
	target, err := (hostport.PassivePolicy{}).Target(s.server.Addr(), ev.Addr)
	if err != nil {
		return s.refuse(ev, "refused", err)
	}
	announce := s.front.Addr()
	if s.p.Public.IsValid() {
		announce = s.p.Public
	}
	if ev.Asked == hostport.FormPASV && !announce.Unmap().Is4() {
		// A 227 can carry only IPv4; never announce 0,0,0,0 instead.
		err := errors.New("no IPv4 address to announce in a 227 reply")
		return s.refuse(ev, "refused", &alg.Veto{Code: 425, Text: "Can't open data connection: use EPSV.", Err: err})
	}
	if err := s.reserve(); err != nil {
		return s.refuse(ev, "refused", err)
	}
	ln, err := hostport.ListenPassive(s.ctx, s.front.Addr(), s.p.Ports)
	if err != nil {
		s.release()
		return s.refuse(ev, "failed", &alg.Veto{Code: 425, Text: "Can't open data connection.", Err: err})
	}
	adv := netip.AddrPortFrom(announce, addrPort(ln.Addr()).Port())
	m := Mapping{Peer: s.client.Addr(), Local: addrPort(ln.Addr()), Target: target, Via: s.back.Addr()}
	why, ok := s.kernelMap(m)
	if ok {
		s.logSetup(ev, ev.Asked, adv, fmt.Sprintf("allowed (client connects to %s, the kernel forwards it to %s from %s)", m.Local, target, m.Via))
		s.hold(1, ln, m, "passive")
		return alg.Rewrite{Addr: adv}, nil
	}
	s.logSetup(ev, ev.Asked, adv, fmt.Sprintf("allowed (client connects to %s, proxy dials %s%s)", ln.Addr(), target, why))
	s.wait(1, ln)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.release()
		s.relayData(ln, s.client.Addr(), target, "passive")
	}()
	return alg.Rewrite{Addr: adv}, nil
}

// mappingGrace is how much longer than the data timeout the kernel keeps a
// mapping that natproxy has not removed.
const mappingGrace = 5 * time.Second

// kernelMap has the kernel carry the data connection m, if the proxy has a
// Mapper, and reports whether it does. If it does not while it could have,
// why says why, as ": reason" to end the data setup's log line.
func (s *session) kernelMap(m Mapping) (why string, ok bool) {
	if s.p.Kernel == nil {
		return "", false
	}
	if err := m.check(); err != nil {
		return "; relayed: " + err.Error(), false
	}
	if err := s.p.Kernel.Map(m, s.p.timeout()+mappingGrace); err != nil {
		return "; relayed: the kernel cannot map it: " + err.Error(), false
	}
	s.mu.Lock()
	s.mapped = true
	s.mu.Unlock()
	return "", true
}

// A heldPort is the listener of a mapped data connection's port, as the
// session's waiting listener of its kind. The listener is closed only once
// the mapping is removed, so that no other mapping takes the port, and
// with it the key of this one in the kernel, while this one lives.
type heldPort struct {
	ln   *net.TCPListener
	done chan struct{} // closed when the mapping is removed and the port released
}

// Close ends the wait for connections to the port and returns once the
// mapping is removed and the port released: a data setup that replaces
// the port finds the kernel and the session's count rid of it.
func (h heldPort) Close() error {
	h.stop()
	<-h.done
	return nil
}

// stop ends the wait for connections to the port: its Accept returns.
func (h heldPort) stop() { h.ln.SetDeadline(time.Unix(1, 0)) }

// hold has the session keep ln, the port of the mapping m, as its waiting
// listener of kind i (0 active, 1 passive), in a goroutine of its own.
func (s *session) hold(i int, ln *net.TCPListener, m Mapping, mode string) {
	// The deadline is set before the port waits, so that a Close that
	// replaces it cannot come first.
	ln.SetDeadline(time.Now().Add(s.p.timeout()))
	h := heldPort{ln, make(chan struct{})}
	s.wait(i, h)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(h.done)
		defer s.release()
		s.holdMapped(h, m, mode)
	}()
}

// holdMapped keeps h, the port of the mapping m, until the data timeout,
// the session's end or a new data setup of its kind, turning away the
// connections that reach it, then removes the mapping, releases the port
// and logs whether the mapping was used.
func (s *session) holdMapped(h heldPort, m Mapping, mode string) {
	stop := context.AfterFunc(s.ctx, h.stop)
	defer stop()
	for {
		c, err := h.ln.AcceptTCP()
		if err != nil {
			break
		}
		// The mapping takes the peer's first connection before it
		// reaches the port: this is another host, or a second one.
		s.p.Log.Printf("[%s] %s data connection from %s turned away: the port is mapped for one connection from %s", s.id, mode, c.RemoteAddr(), m.Peer)
		c.Close()
	}
	s.done(h)
	used, err := s.p.Kernel.Unmap(m)
	h.ln.Close()
	switch {
	case err != nil:
		s.p.Log.Printf("[%s] %s data mapping %v: %v", s.id, mode, m, err)
	case used:
		s.p.Log.Printf("[%s] %s data connection %v: carried by the kernel", s.id, mode, m)
	default:
		s.p.Log.Printf("[%s] %s data mapping %v: removed unused", s.id, mode, m)
	}
}

// wait records ln as the waiting listener of kind i (0 active, 1 passive),
// closing the one it replaces: one data connection is expected at a time.
func (s *session) wait(i int, ln io.Closer) {
	s.mu.Lock()
	old := s.waiting[i]
	s.waiting[i] = ln
	s.mu.Unlock()
	if old != nil {
		old.Close()
	}
}

// done forgets ln as a waiting listener.
func (s *session) done(ln io.Closer) {
	s.mu.Lock()
	for i, w := range s.waiting {
		if w == ln {
			s.waiting[i] = nil
		}
	}
	s.mu.Unlock()
}

// closeWaiting closes the listeners still waiting.
func (s *session) closeWaiting() {
	s.mu.Lock()
	w := s.waiting
	s.waiting = [2]io.Closer{}
	s.mu.Unlock()
	for _, ln := range w {
		if ln != nil {
			ln.Close()
		}
	}
}

// relayData accepts on ln one connection from peer, turning away other hosts,
// dials target and copies the data between them.
func (s *session) relayData(ln *net.TCPListener, peer netip.Addr, target netip.AddrPort, mode string) {
	defer ln.Close()
	defer s.done(ln)
	stop := context.AfterFunc(s.ctx, func() { ln.Close() })
	defer stop()
	ln.SetDeadline(time.Now().Add(s.p.timeout()))
	var in *net.TCPConn
	for {
		c, err := ln.AcceptTCP()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.p.Log.Printf("[%s] %s data listener %s: %v", s.id, mode, ln.Addr(), err)
			}
			return
		}
		if err := hostport.CheckDataPeer(peer, addrPort(c.RemoteAddr()).Addr()); err != nil {
			s.p.Log.Printf("[%s] %s data connection from %s turned away: %v", s.id, mode, c.RemoteAddr(), err)
			c.Close()
			continue
		}
		in = c
		break
	}
	ln.Close()
	s.done(ln)
	d := net.Dialer{Timeout: s.p.timeout()}
	oc, err := d.DialContext(s.ctx, "tcp", target.String())
	if err != nil {
		s.p.Log.Printf("[%s] %s data connection to %s: %v", s.id, mode, target, err)
		in.Close()
		return
	}
	out := oc.(*net.TCPConn)
	s.mu.Lock()
	s.copying++
	s.mu.Unlock()
	fwd, back, err := relay(s.ctx, in, out, s.p.idleTimeout())
	s.mu.Lock()
	s.copying--
	s.ended = time.Now()
	s.mu.Unlock()
	toServer, toClient := fwd, back // passive: in is the client's
	if mode == "active" {
		toServer, toClient = back, fwd
	}
	end := "closed"
	if errors.Is(err, errIdle) {
		end = "closed after " + s.p.idleTimeout().String() + " without data"
	}
	from, to := "client", "server" // passive: the client connects to the proxy
	if mode == "active" {
		from, to = "server", "client"
	}
	s.p.Log.Printf("[%s] %s data connection from the %s %s, relayed to the %s %s, %s: %d bytes to the client, %d bytes to the server",
		s.id, mode, from, in.RemoteAddr(), to, target, end, toClient, toServer)
}

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
// client replaces the listener still waiting from the previous one. Each data
// setup is logged on the standard error with the addresses before and after
// and the decision. natproxy serves many clients at once and exits cleanly on
// SIGINT or SIGTERM, closing its connections.
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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

// run runs natproxy with the command-line arguments args until ctx is done,
// logging on stderr, and returns the exit code: 0 after ctx is done, 1 if
// the proxy cannot listen, 2 for a usage error.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("natproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "", "`ADDR:PORT` where clients connect")
	upstream := fs.String("upstream", "", "`HOST:PORT` of the real FTP server")
	public := fs.String("public", "", "`ADDR` to announce to clients in passive replies instead of the listen address")
	ports := fs.String("ports", "1024-65535", "`MIN-MAX` ports of the data listeners")
	passive := fs.String("passive", "", "send the clients' passive commands to the server as `pasv or epsv` (default: as sent)")
	timeout := fs.Duration("data-timeout", time.Minute, "how long a data listener waits for its connection")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: natproxy -listen ADDR:PORT -upstream HOST:PORT [flags]\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
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
	p := &Proxy{Upstream: *upstream, DataTimeout: *timeout, Log: log.New(stderr, "natproxy: ", log.LstdFlags)}
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
		p.PassiveAs = alg.PASV
	case "epsv":
		p.PassiveAs = alg.EPSV
	default:
		return usage("-passive: want pasv or epsv, not %q", *passive)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "natproxy: %v\n", err)
		return 1
	}
	p.Log.Printf("listening on %v for upstream %v", ln.Addr(), p.Upstream)
	if err := p.Serve(ctx, ln); err != nil {
		p.Log.Printf("%v", err)
		return 1
	}
	p.Log.Printf("stopped")
	return 0
}

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
	PassiveAs alg.Form
	// DataTimeout bounds the wait of a data listener for its connection
	// and the dialling of the other end.
	DataTimeout time.Duration
	// Log receives a line per session, data setup and refused line.
	Log *log.Logger
}

// Serve accepts clients on ln and serves each in its own goroutine until ctx
// is done; then it closes ln and every session and returns nil once they
// have ended. It returns an error if accepting fails otherwise.
func (p *Proxy) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.serveClient(ctx, c)
		}()
	}
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
	waiting [2]*net.TCPListener // data listeners not yet connected: active, passive
	wg      sync.WaitGroup      // data connections
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
	d := net.Dialer{Timeout: p.timeout()}
	up, err := d.DialContext(ctx, "tcp", p.Upstream)
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
			if len(line) > 80 {
				line = line[:80]
			}
			p.Log.Printf("[%s] refused %v line %q: %v", s.id, d, line, err)
		},
	}
	err = alg.Relay(ctx, c, up, cfg)
	cancel()
	s.closeWaiting()
	s.wg.Wait()
	if err != nil && ctx.Err() == nil {
		p.Log.Printf("[%s] session ended: %v", s.id, err)
	} else {
		p.Log.Printf("[%s] session ended", s.id)
	}
}

func (p *Proxy) timeout() time.Duration {
	if p.DataTimeout > 0 {
		return p.DataTimeout
	}
	return time.Minute
}

// hook sets up the data connection for a data-setup line.
func (s *session) hook(ev alg.Event) (alg.Rewrite, error) {
	if ev.Dir == alg.ClientToServer {
		return s.active(ev)
	}
	return s.passive(ev)
}

// name returns the name of a form for the log: the verb of a command, the
// code of a reply.
func name(f alg.Form) string {
	if f.IsReply() {
		return fmt.Sprint(f.Code())
	}
	return f.String()
}

// logSetup logs a data setup: the line's form and address, what it becomes,
// and the decision.
func (s *session) logSetup(ev alg.Event, f alg.Form, after netip.AddrPort, decision string) {
	if f == 0 {
		s.p.Log.Printf("[%s] data setup %s %s: %s", s.id, name(ev.Form), ev.Addr, decision)
		return
	}
	s.p.Log.Printf("[%s] data setup %s %s -> %s %s: %s", s.id, name(ev.Form), ev.Addr, name(f), after, decision)
}

// active handles a PORT, EPRT or LPRT from the client: the server will
// connect to a listener of the proxy's, and the proxy to the client.
func (s *session) active(ev alg.Event) (alg.Rewrite, error) {
	target := ev.Addr
	if err := (hostport.ActivePolicy{}).Check(s.client.Addr(), target); err != nil {
		s.logSetup(ev, 0, netip.AddrPort{}, "refused: "+err.Error())
		return alg.Rewrite{}, err
	}
	ln, err := hostport.ListenPassive(s.ctx, s.back.Addr(), s.p.Ports)
	if err != nil {
		s.logSetup(ev, 0, netip.AddrPort{}, "failed: "+err.Error())
		return alg.Rewrite{}, &alg.Veto{Code: 425, Text: "Can't open data connection.", Err: err}
	}
	adv := addrPort(ln.Addr())
	f := alg.EPRT
	if adv.Addr().Is4() {
		f = alg.PORT
	}
	s.logSetup(ev, f, adv, fmt.Sprintf("allowed (server connects to %s, proxy dials %s)", adv, target))
	s.wait(0, ln)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.relayData(ln, s.server.Addr(), target, "active")
	}()
	return alg.Rewrite{Addr: adv, Form: f}, nil
}

// passive handles a 227, 228 or 229 reply from the server: the client will
// connect to a listener of the proxy's, and the proxy to the server.
func (s *session) passive(ev alg.Event) (alg.Rewrite, error) {
	target, err := (hostport.PassivePolicy{}).Target(s.server.Addr(), ev.Addr)
	if err != nil {
		s.logSetup(ev, 0, netip.AddrPort{}, "refused: "+err.Error())
		return alg.Rewrite{}, err
	}
	announce := s.front.Addr()
	if s.p.Public.IsValid() {
		announce = s.p.Public
	}
	if ev.Asked == alg.PASV && !announce.Unmap().Is4() {
		// A 227 can carry only IPv4; never announce 0,0,0,0 instead.
		err := errors.New("no IPv4 address to announce in a 227 reply")
		s.logSetup(ev, 0, netip.AddrPort{}, "refused: "+err.Error())
		return alg.Rewrite{}, &alg.Veto{Code: 425, Text: "Can't open data connection: use EPSV.", Err: err}
	}
	ln, err := hostport.ListenPassive(s.ctx, s.front.Addr(), s.p.Ports)
	if err != nil {
		s.logSetup(ev, 0, netip.AddrPort{}, "failed: "+err.Error())
		return alg.Rewrite{}, &alg.Veto{Code: 425, Text: "Can't open data connection.", Err: err}
	}
	adv := netip.AddrPortFrom(announce, addrPort(ln.Addr()).Port())
	s.logSetup(ev, ev.Asked, adv, fmt.Sprintf("allowed (client connects to %s, proxy dials %s)", ln.Addr(), target))
	s.wait(1, ln)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.relayData(ln, s.client.Addr(), target, "passive")
	}()
	return alg.Rewrite{Addr: adv}, nil
}

// wait records ln as the waiting listener of kind i (0 active, 1 passive),
// closing the one it replaces: one data connection is expected at a time.
func (s *session) wait(i int, ln *net.TCPListener) {
	s.mu.Lock()
	old := s.waiting[i]
	s.waiting[i] = ln
	s.mu.Unlock()
	if old != nil {
		old.Close()
	}
}

// done forgets ln as a waiting listener.
func (s *session) done(ln *net.TCPListener) {
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
	s.waiting = [2]*net.TCPListener{}
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
	fwd, back := splice(s.ctx, in, out)
	toServer, toClient := fwd, back // passive: in is the client's
	if mode == "active" {
		toServer, toClient = back, fwd
	}
	s.p.Log.Printf("[%s] %s data connection %s -> %s closed: %d bytes to the client, %d bytes to the server",
		s.id, mode, in.RemoteAddr(), target, toClient, toServer)
}

// splice copies between a and b in both directions, passing on the end of
// each direction, until both have ended or ctx is done, and closes them. It
// returns the bytes copied from a to b and from b to a.
func splice(ctx context.Context, a, b *net.TCPConn) (ab, ba int64) {
	stop := context.AfterFunc(ctx, func() {
		a.Close()
		b.Close()
	})
	defer stop()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ba, _ = io.Copy(a, b)
		a.CloseWrite()
	}()
	ab, _ = io.Copy(b, a)
	b.CloseWrite()
	wg.Wait()
	a.Close()
	b.Close()
	return ab, ba
}

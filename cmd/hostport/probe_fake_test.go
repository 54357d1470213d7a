package main

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ftpkit/hostport"
)

// fakeFTP is an FTP server for the probe's tests, on 127.0.0.1 (or ::1),
// whose answers a test can replace one command at a time, to play a broken
// or a malicious server. By default it serves a one-line listing in every
// mode.
type fakeFTP struct {
	t     *testing.T
	ln    net.Listener
	ap    netip.AddrPort
	start sync.Once
	// greet, if set, replaces the 220 greeting.
	greet func(s *fakeSession)
	// handle, if set, is asked first about every command; it returns true
	// if it answered.
	handle func(s *fakeSession, verb, arg string) bool
	// features are the lines of the FEAT reply.
	features []string

	mu       sync.Mutex
	commands []string
	conns    sync.WaitGroup
	done     chan struct{}
}

// fakeSession is a control connection to the fake server.
type fakeSession struct {
	srv    *fakeFTP
	conn   net.Conn
	r      *bufio.Reader
	pasv   net.Listener
	active netip.AddrPort
}

func newFakeFTP(t *testing.T) *fakeFTP {
	t.Helper()
	return newFakeFTPAt(t, "127.0.0.1")
}

// newFakeFTP6 returns a fake server on ::1, or skips the test if there is
// no IPv6 loopback.
func newFakeFTP6(t *testing.T) *fakeFTP {
	t.Helper()
	if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		ln.Close()
	}
	return newFakeFTPAt(t, "::1")
}

// newFakeFTPAt returns a fake server listening on ip.
func newFakeFTPAt(t *testing.T, ip string) *fakeFTP {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeFTP{t: t, ln: ln, ap: addrPortOf(ln.Addr()), done: make(chan struct{}),
		features: []string{"EPRT", "EPSV", "PASV", "SIZE"}}
	t.Cleanup(f.close)
	return f
}

// addr returns the server's address, and starts serving: a test sets
// greet, handle and features before.
func (f *fakeFTP) addr() netip.AddrPort {
	f.start.Do(func() { go f.serve() })
	return f.ap
}

func (f *fakeFTP) url() string { return "ftp://" + f.addr().String() + "/" }

func (f *fakeFTP) close() {
	close(f.done)
	f.ln.Close()
	f.conns.Wait()
}

// seen returns the commands received so far.
func (f *fakeFTP) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.commands...)
}

func (f *fakeFTP) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.conns.Add(1)
		go func() {
			defer f.conns.Done()
			s := &fakeSession{srv: f, conn: c, r: bufio.NewReader(c)}
			stop := make(chan struct{})
			defer close(stop)
			go func() { // end the session when the server closes
				select {
				case <-f.done:
					c.Close()
				case <-stop:
				}
			}()
			s.run()
			c.Close()
			if s.pasv != nil {
				s.pasv.Close()
			}
		}()
	}
}

// send writes lines, each with CRLF, and reports whether it could.
func (s *fakeSession) send(lines ...string) bool {
	s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	for _, l := range lines {
		if _, err := s.conn.Write([]byte(l + "\r\n")); err != nil {
			return false
		}
	}
	return true
}

// hang waits until the server is closed, answering nothing.
func (s *fakeSession) hang() { <-s.srv.done }

func (s *fakeSession) run() {
	if s.srv.greet != nil {
		s.srv.greet(s)
	} else if !s.send("220 fake server") {
		return
	}
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		s.srv.mu.Lock()
		s.srv.commands = append(s.srv.commands, line)
		s.srv.mu.Unlock()
		if s.srv.handle != nil && s.srv.handle(s, verb, arg) {
			continue
		}
		if !s.standard(verb, arg) {
			return
		}
	}
}

// standard answers a command as a working server does.
func (s *fakeSession) standard(verb, arg string) bool {
	switch verb {
	case "USER":
		return s.send("331 password please")
	case "PASS":
		return s.send("230 logged in")
	case "FEAT":
		lines := []string{"211-Features:"}
		for _, f := range s.srv.features {
			lines = append(lines, " "+f)
		}
		return s.send(append(lines, "211 End")...)
	case "TYPE":
		return s.send("200 ok")
	case "SIZE":
		return s.send("550 not a plain file")
	case "QUIT":
		s.send("221 bye")
		return false
	case "PASV", "EPSV", "LPSV":
		ln := s.listen()
		if ln == nil {
			return s.send("425 cannot listen")
		}
		ap := addrPortOf(ln.Addr())
		switch verb {
		case "PASV":
			hp, err := hostport.FromAddrPort(ap)
			if err != nil {
				// Over IPv6, as vsftpd: no address, the port.
				hp = hostport.From4([4]byte{}, ap.Port())
			}
			return s.send(hostport.FormatPASV(hp))
		case "EPSV":
			return s.send(hostport.FormatEPSV(ap.Port()))
		}
		return s.send(hostport.FormatLPSV(ap))
	case "PORT", "EPRT", "LPRT":
		if s.pasv != nil {
			s.pasv.Close()
			s.pasv = nil
		}
		var ap netip.AddrPort
		var err error
		switch verb {
		case "PORT":
			var hp hostport.HostPort
			hp, err = hostport.ParsePORT(arg)
			ap = hp.AddrPort()
		case "EPRT":
			ap, err = hostport.ParseEPRT(arg)
		default:
			ap, err = hostport.ParseLPRT(arg)
		}
		if err != nil {
			return s.send("501 " + err.Error())
		}
		if err := (hostport.ActivePolicy{}).Check(addrPortOf(s.conn.RemoteAddr()).Addr(), ap); err != nil {
			return s.send(fmt.Sprintf("%d %v", hostport.ReplyCode(err), err))
		}
		s.active = ap
		return s.send("200 ok")
	case "LIST", "RETR", "NLST":
		dc := s.data()
		if dc == nil {
			return s.send("425 no data connection")
		}
		if !s.send("150 here it comes") {
			dc.Close()
			return false
		}
		dc.Write([]byte("-rw-r--r-- 1 ftp ftp 5 Jan 1 2026 hello.txt\r\n"))
		dc.Close()
		return s.send("226 done")
	}
	return s.send("502 not implemented")
}

// listen opens the passive listener, on the server's address of the
// control connection, replacing the last one.
func (s *fakeSession) listen() net.Listener {
	if s.pasv != nil {
		s.pasv.Close()
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(addrPortOf(s.conn.LocalAddr()).Addr().String(), "0"))
	if err != nil {
		return nil
	}
	s.pasv = ln
	return ln
}

// data opens the data connection of the last data setup, or returns nil.
func (s *fakeSession) data() net.Conn {
	if ln := s.pasv; ln != nil {
		s.pasv = nil
		defer ln.Close()
		ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
		c, err := ln.Accept()
		if err != nil {
			return nil
		}
		return c
	}
	if ap := s.active; ap.IsValid() {
		s.active = netip.AddrPort{}
		c, err := net.DialTimeout("tcp", ap.String(), 5*time.Second)
		if err != nil {
			return nil
		}
		return c
	}
	return nil
}

// thirdHost is a listener on another loopback address, which the probe
// must not connect to: it counts the connections it gets.
type thirdHost struct {
	ln    net.Listener
	addr  netip.AddrPort
	count atomic.Int32
}

func newThirdHost(t *testing.T, ip string) *thirdHost {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("cannot listen on %s (loopback beyond 127.0.0.1): %v", ip, err)
	}
	h := &thirdHost{ln: ln, addr: addrPortOf(ln.Addr())}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.count.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return h
}

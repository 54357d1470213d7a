package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpkit/hostport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// probeOutcome is what a run of the probe gave.
type probeOutcome struct {
	code           int
	stdout, stderr string
	report         probeReport // with -json
	elapsed        time.Duration
}

// runProbeTest runs the probe with args; with -json among them, it decodes
// the report.
func runProbeTest(t *testing.T, args ...string) probeOutcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := runProbe(args, strings.NewReader(""), &stdout, &stderr)
	o := probeOutcome{code: code, stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	for _, a := range args {
		if a == "-json" {
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &o.report), "stdout:\n%s\nstderr:\n%s", o.stdout, o.stderr)
		}
	}
	return o
}

// mode returns the mode named of the report's family fam, failing the test
// if it is missing.
func (o probeOutcome) mode(t *testing.T, fam, name string) probeMode {
	t.Helper()
	for _, m := range o.report.Modes {
		if m.Mode == name && m.Family == fam {
			return m
		}
	}
	t.Fatalf("no mode %s/%s in the report:\n%s", name, fam, o.stdout)
	return probeMode{}
}

// results returns "MODE:ok" or "MODE:FAIL[flags]" for each mode, in order.
func (o probeOutcome) results() []string {
	var out []string
	for _, m := range o.report.Modes {
		s := m.Mode
		if m.Family == "IPv6" && o.report.Modes[0].Family == "IPv4" {
			s += "/IPv6"
		}
		if m.OK {
			s += ":ok"
		} else {
			s += ":FAIL"
		}
		if len(m.Flags) > 0 {
			s += "[" + strings.Join(m.Flags, ",") + "]"
		}
		out = append(out, s)
	}
	return out
}

func TestProbeUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no URL", nil, "want one ftp:// URL"},
		{"two URLs", []string{"ftp://127.0.0.1/", "ftp://127.0.0.1/"}, "want one ftp:// URL"},
		{"not ftp", []string{"http://127.0.0.1/"}, "want an ftp:// URL"},
		{"no host", []string{"ftp:///pub"}, "no host"},
		{"bad port", []string{"ftp://127.0.0.1:0/"}, "bad port"},
		{"query", []string{"ftp://127.0.0.1/?x=1"}, "query"},
		{"CR in path", []string{"ftp://127.0.0.1/a%0d%0aDELE%20x"}, "CR, LF or NUL"},
		{"bad timeout", []string{"-timeout", "0s", "ftp://127.0.0.1/"}, "-timeout must be positive"},
		{"unknown flag", []string{"-nope", "ftp://127.0.0.1/"}, "usage: hostport probe"},
		{"missing password file", []string{"-password-file", "/nonexistent/pw", "ftp://127.0.0.1/"}, "-password-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := runProbeTest(t, tc.args...)
			assert.Equal(t, exitUsage, o.code)
			assert.Contains(t, o.stderr, tc.want)
			assert.Empty(t, o.stdout)
		})
	}
	t.Run("help", func(t *testing.T) {
		o := runProbeTest(t, "-h")
		assert.Equal(t, exitOK, o.code)
		assert.Equal(t, probeUsage, o.stdout)
		assert.Empty(t, o.stderr)
	})
}

func TestProbeTargetParsing(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	require.NoError(t, os.WriteFile(pw, []byte("s3cret\r\nignored\n"), 0o600))
	f := newFakeFTP(t)
	u := "ftp://alice:inurl@" + f.addr().String() + "/pub/"
	o := runProbeTest(t, "-json", "-user", "bob", u, "-password-file", pw, "-timeout", "2s")
	assert.Equal(t, exitOK, o.code, o.stderr)
	assert.Contains(t, f.seen(), "USER bob")
	assert.Contains(t, f.seen(), "PASS s3cret")
	assert.NotContains(t, o.stdout, "inurl", "the URL's password must not be printed")
	assert.Contains(t, f.seen(), "LIST pub/")
}

// TestProbeFakeServer runs the probe against the fake server as it is: every
// mode works, LPSV and LPRT included, and the transfer is a LIST.
func TestProbeFakeServer(t *testing.T) {
	f := newFakeFTP(t)
	o := runProbeTest(t, "-json", "-timeout", "2s", f.url())
	require.Equal(t, exitOK, o.code, o.stdout+o.stderr)
	assert.Equal(t, []string{"EPSV:ok", "PASV:ok", "PASV-control:ok", "EPRT:ok", "PORT:ok", "LPSV:ok", "LPRT:ok"}, o.results())
	assert.Equal(t, f.addr().String(), o.report.Control)
	for _, c := range o.report.Clients {
		assert.True(t, c.OK, "%+v", c)
	}
	// The text report: a verdict, then one line per mode.
	o = runProbeTest(t, "-timeout", "2s", f.url())
	lines := strings.Split(strings.TrimSpace(o.stdout), "\n")
	require.GreaterOrEqual(t, len(lines), 10, o.stdout)
	assert.True(t, strings.HasPrefix(lines[2], "verdict  ok: default clients can transfer."), o.stdout)
	assert.Contains(t, o.stdout, "\nEPSV               ok   -  LIST: 45 bytes received, then 226 done")
}

// TestProbeFile checks that a path naming a file is fetched with RETR.
func TestProbeFile(t *testing.T) {
	f := newFakeFTP(t)
	f.handle = func(s *fakeSession, verb, arg string) bool {
		if verb == "SIZE" && arg == "dir/file.bin" {
			return s.send("213 5")
		}
		return false
	}
	o := runProbeTest(t, "-json", "-timeout", "2s", "ftp://"+f.addr().String()+"/dir/file.bin")
	assert.Equal(t, exitOK, o.code, o.stderr)
	assert.Contains(t, f.seen(), "RETR dir/file.bin")
	assert.NotContains(t, f.seen(), "LIST dir/file.bin")
}

// TestProbeNotSupported: a server without EPSV and active mode, which does
// not know LPSV and LPRT either: those are left out.
func TestProbeNotSupported(t *testing.T) {
	f := newFakeFTP(t)
	f.handle = func(s *fakeSession, verb, arg string) bool {
		switch verb {
		case "EPSV", "EPRT":
			return s.send("500 unknown command")
		case "PORT":
			return s.send("502 active mode is off")
		case "LPSV", "LPRT":
			return s.send("500 unknown command")
		}
		return false
	}
	o := runProbeTest(t, "-json", "-timeout", "2s", f.url())
	assert.Equal(t, exitOK, o.code, "PASV-control works")
	assert.Equal(t, []string{"EPSV:FAIL[not-supported]", "PASV:ok", "PASV-control:ok", "EPRT:FAIL[not-supported]", "PORT:FAIL[not-supported]"}, o.results())
	epsv := o.mode(t, "IPv4", "EPSV")
	assert.Equal(t, "500 unknown command", epsv.Reply)
	assert.Contains(t, epsv.Fix, "curl falls back to PASV")
	curl := o.report.Clients[0]
	assert.Equal(t, probeClient{Client: "curl", Uses: "PASV-control", OK: true, Detail: "after EPSV fails"}, curl)
}

// TestProbeThirdHost: a 227 and a 228 that name a third host. Without
// -trust-reply the probe never connects there; with it, it does, after the
// policy has judged the address.
func TestProbeThirdHost(t *testing.T) {
	third := newThirdHost(t, "127.0.0.3")
	f := newFakeFTP(t)
	f.handle = func(s *fakeSession, verb, arg string) bool {
		switch verb {
		case "PASV", "LPSV":
			ln := s.listen()
			port := addrPortOf(ln.Addr()).Port()
			// The port is the server's own listener's at the third host's
			// address, and the third host's port in the 228.
			if verb == "PASV" {
				hp, _ := hostport.FromAddrPort(netip.AddrPortFrom(third.addr.Addr(), port))
				return s.send(hostport.FormatPASV(hp))
			}
			return s.send(hostport.FormatLPSV(third.addr))
		}
		return false
	}
	o := runProbeTest(t, "-json", "-timeout", "1s", f.url())
	assert.Equal(t, exitOK, o.code)
	assert.Equal(t, []string{"EPSV:ok", "PASV:FAIL[nat-mismatch,not-dialed]", "PASV-control:ok", "EPRT:ok", "PORT:ok",
		"LPSV:FAIL[nat-mismatch,not-dialed]", "LPRT:ok"}, o.results())
	assert.Zero(t, third.count.Load(), "the probe connected to the third host")
	pasv := o.mode(t, "IPv4", "PASV")
	assert.Empty(t, pasv.Dialed)
	assert.Contains(t, pasv.Detail, "not the server 127.0.0.1")
	assert.Contains(t, pasv.Fix, "pasv_address=127.0.0.1 (vsftpd)")
	// lftp keeps a routable reply's address, and this one is not routable
	// either: lftp dials the third host, which the probe did not try.
	lftp := o.report.Clients[1]
	assert.Equal(t, "lftp", lftp.Client)
	assert.False(t, lftp.OK)
	assert.Contains(t, lftp.Detail, "not tried without -trust-reply")

	o = runProbeTest(t, "-json", "-timeout", "1s", "-trust-reply", f.url())
	assert.Equal(t, exitOK, o.code)
	assert.Equal(t, third.addr.String(), o.mode(t, "IPv4", "LPSV").Dialed)
	pasv = o.mode(t, "IPv4", "PASV")
	assert.Equal(t, []string{probeNATMismatch, probeDataRefused}, pasv.Flags, "nothing listens at the 227's port on 127.0.0.3")
	assert.True(t, strings.HasPrefix(pasv.Dialed, "127.0.0.3:"), pasv.Dialed)
	assert.Equal(t, int32(1), third.count.Load(), "with -trust-reply, LPSV dials the third host")
}

// TestProbeMasquerade: a server that announces 127.0.0.2, where nothing
// listens, as a server with a wrong pasv_address does. With -trust-reply the
// probe dials it and is refused.
func TestProbeMasquerade(t *testing.T) {
	f := newFakeFTP(t)
	f.handle = func(s *fakeSession, verb, arg string) bool {
		if verb == "PASV" {
			ln := s.listen()
			hp := hostport.From4([4]byte{127, 0, 0, 2}, addrPortOf(ln.Addr()).Port())
			return s.send(hostport.FormatPASV(hp))
		}
		return false
	}
	o := runProbeTest(t, "-json", "-timeout", "1s", "-trust-reply", f.url())
	assert.Equal(t, exitOK, o.code)
	pasv := o.mode(t, "IPv4", "PASV")
	assert.False(t, pasv.OK)
	assert.Equal(t, []string{probeNATMismatch, probeDataRefused}, pasv.Flags)
	assert.True(t, strings.HasPrefix(pasv.Dialed, "127.0.0.2:"), pasv.Dialed)
	assert.Contains(t, pasv.Fix, "pasv_address=127.0.0.1")
	// lftp dials 127.0.0.2 too: neither address is routable.
	assert.Equal(t, probeClient{Client: "lftp", Uses: "PASV"}, o.report.Clients[1])
}

// TestProbeUnroutable: unroutable-address needs a public control address,
// which loopback tests cannot have; the judgement itself is checked here.
func TestProbeUnroutable(t *testing.T) {
	for _, tc := range []struct {
		a, control string
		want       bool
	}{
		{"10.0.0.5", "203.0.113.7", true},
		{"192.168.1.2", "198.51.100.1", true},
		{"127.0.0.1", "198.51.100.1", true},
		{"198.51.100.2", "198.51.100.1", false}, // both public
		{"10.0.0.5", "192.168.1.1", false},      // both private
		{"127.0.0.2", "127.0.0.1", false},
		{"fd00::1", "2001:db8::1", true},
		{"10.0.0.5", "2001:db8::1", false}, // families differ
		{"0.0.0.0", "203.0.113.7", false},  // handled apart
	} {
		got := unroutableAgainst(netip.MustParseAddr(tc.a), netip.MustParseAddr(tc.control))
		assert.Equal(t, tc.want, got, "%s against %s", tc.a, tc.control)
	}
	assert.True(t, isPublic(netip.MustParseAddr("203.0.113.7")))
	assert.False(t, isPublic(netip.MustParseAddr("10.1.2.3")))
	assert.False(t, isPublic(netip.MustParseAddr("::1")))
}

// TestProbeZeroAddress: a 227 naming 0,0,0,0 (as vsftpd on IPv6) is never
// dialled: a client that trusts it reaches itself.
func TestProbeZeroAddress(t *testing.T) {
	f := newFakeFTP(t)
	f.handle = func(s *fakeSession, verb, arg string) bool {
		if verb == "PASV" {
			ln := s.listen()
			return s.send(hostport.FormatPASV(hostport.From4([4]byte{}, addrPortOf(ln.Addr()).Port())))
		}
		return false
	}
	o := runProbeTest(t, "-json", "-timeout", "1s", "-trust-reply", f.url())
	pasv := o.mode(t, "IPv4", "PASV")
	assert.Equal(t, []string{probeNATMismatch, probeNotDialed}, pasv.Flags, "127.0.0.1 is not public: no unroutable-address")
	assert.Contains(t, pasv.Detail, "reaches itself")
	assert.True(t, o.mode(t, "IPv4", "PASV-control").OK)
}

// TestProbeHostile plays servers that try to make the probe hang, eat
// memory or misbehave. Each run must end within its bound with a clear
// message, the right flags and exit status.
func TestProbeHostile(t *testing.T) {
	const timeout = 300 * time.Millisecond
	bound := func(steps int) time.Duration { return time.Duration(steps)*timeout + 2*time.Second }
	huge := strings.Repeat("9", 10<<20)

	t.Run("silent", func(t *testing.T) {
		f := newFakeFTP(t)
		f.greet = func(s *fakeSession) { s.hang() }
		o := runProbeTest(t, "-json", "-timeout", timeout.String(), f.url())
		assert.Equal(t, exitFail, o.code)
		assert.Contains(t, o.report.Error, "no reply within 300ms")
		assert.Contains(t, o.stderr, "greeting from 127.0.0.1")
		assert.Empty(t, o.report.Modes)
		assert.Less(t, o.elapsed, bound(2))
	})
	t.Run("huge greeting", func(t *testing.T) {
		f := newFakeFTP(t)
		f.greet = func(s *fakeSession) { s.send("220 " + huge) }
		o := runProbeTest(t, "-timeout", "2s", f.url())
		assert.Equal(t, exitFail, o.code)
		assert.Contains(t, o.stderr, "reply line longer than 4096 bytes")
		assert.Contains(t, o.stdout, "verdict  FAIL: greeting")
		assert.Less(t, len(o.stdout)+len(o.stderr), 4096, "the report quotes the reply cut short")
		assert.Less(t, o.elapsed, 2*time.Second, "no waiting for the rest of the line")
	})
	t.Run("endless FEAT", func(t *testing.T) {
		f := newFakeFTP(t)
		f.handle = func(s *fakeSession, verb, arg string) bool {
			if verb != "FEAT" {
				return false
			}
			s.send("211-Features:")
			for i := 0; s.send(fmt.Sprintf(" FEATURE%d", i)); i++ {
			}
			return true
		}
		o := runProbeTest(t, "-json", "-timeout", timeout.String(), f.url())
		assert.Equal(t, exitFail, o.code)
		assert.Contains(t, o.report.Error, "FEAT: reply 211-Features: goes on for more than 200 lines")
		assert.Less(t, o.elapsed, bound(3))
	})
	t.Run("huge and endless replies to data commands", func(t *testing.T) {
		f := newFakeFTP(t)
		f.handle = func(s *fakeSession, verb, arg string) bool {
			switch verb {
			case "PASV":
				if !s.send("227 " + huge[:probeMaxLine]) {
					return false
				}
				s.hang()
				return true
			case "EPRT":
				s.send("200-wait")
				for s.send(" for it") {
				}
				return true
			case "PORT":
				s.hang()
				return true
			}
			return false
		}
		o := runProbeTest(t, "-json", "-timeout", timeout.String(), f.url())
		assert.Equal(t, exitOK, o.code, "EPSV still works")
		assert.Equal(t, []string{"EPSV:ok", "PASV:FAIL[no-reply]", "PASV-control:FAIL[no-reply]", "EPRT:FAIL[no-reply]", "PORT:FAIL[no-reply]", "LPSV:ok", "LPRT:ok"}, o.results())
		assert.Contains(t, o.mode(t, "IPv4", "PASV").Detail, "reply line longer than 4096 bytes")
		assert.Contains(t, o.mode(t, "IPv4", "EPRT").Detail, "goes on for more than 200 lines")
		assert.Contains(t, o.mode(t, "IPv4", "PORT").Detail, "no reply within 300ms")
		assert.Less(t, o.elapsed, bound(12))
	})
	t.Run("data connection never closes", func(t *testing.T) {
		f := newFakeFTP(t)
		f.handle = func(s *fakeSession, verb, arg string) bool {
			if verb != "LIST" {
				return false
			}
			dc := s.data()
			if dc == nil {
				return s.send("425 no data connection")
			}
			s.send("150 here it comes")
			dc.Write([]byte("a line, and then nothing\r\n"))
			s.hang()
			dc.Close()
			return true
		}
		o := runProbeTest(t, "-json", "-timeout", timeout.String(), f.url())
		assert.Equal(t, exitFail, o.code)
		for _, m := range o.report.Modes {
			assert.Equal(t, []string{probeTransferTimeout}, m.Flags, m.Mode)
			assert.Contains(t, m.Detail, "26 bytes in, the transfer did not end within 300ms", m.Mode)
		}
		assert.Len(t, o.report.Modes, 7)
		assert.Less(t, o.elapsed, bound(7*8))
	})
	t.Run("endless data", func(t *testing.T) {
		f := newFakeFTP(t)
		f.handle = func(s *fakeSession, verb, arg string) bool {
			if verb != "LIST" {
				return false
			}
			dc := s.data()
			s.send("150 here it comes")
			buf := make([]byte, 32<<10)
			for {
				dc.SetWriteDeadline(time.Now().Add(5 * time.Second))
				if _, err := dc.Write(buf); err != nil {
					break
				}
			}
			dc.Close()
			return s.send("426 aborted")
		}
		o := runProbeTest(t, "-json", "-timeout", timeout.String(), f.url())
		assert.Equal(t, exitOK, o.code)
		epsv := o.mode(t, "IPv4", "EPSV")
		assert.True(t, epsv.OK)
		assert.Contains(t, epsv.Detail, "65536 bytes received, then the probe stopped reading")
	})
	t.Run("filtered data port", func(t *testing.T) {
		// A 229 naming a port nothing listens on: refused at once on
		// loopback (a filtered port would time out instead).
		f := newFakeFTP(t)
		closed := newThirdHost(t, "127.0.0.1")
		closed.ln.Close()
		f.handle = func(s *fakeSession, verb, arg string) bool {
			if verb == "EPSV" {
				return s.send(hostport.FormatEPSV(closed.addr.Port()))
			}
			return false
		}
		o := runProbeTest(t, "-json", "-timeout", timeout.String(), f.url())
		epsv := o.mode(t, "IPv4", "EPSV")
		assert.Equal(t, []string{probeDataRefused}, epsv.Flags)
		assert.Contains(t, epsv.Fix, "a firewall or NAT helper opens ports for PASV replies but not for EPSV")
		assert.Equal(t, exitOK, o.code, "PASV-control works")
	})
	t.Run("privileged and zero ports", func(t *testing.T) {
		f := newFakeFTP(t)
		f.handle = func(s *fakeSession, verb, arg string) bool {
			switch verb {
			case "EPSV":
				return s.send("229 Entering Extended Passive Mode (|||0|)")
			case "PASV":
				return s.send("227 Entering Passive Mode (127,0,0,1,0,25)")
			}
			return false
		}
		o := runProbeTest(t, "-json", "-timeout", timeout.String(), f.url())
		assert.Equal(t, []string{probeInvalid}, o.mode(t, "IPv4", "EPSV").Flags)
		pasv := o.mode(t, "IPv4", "PASV")
		assert.Contains(t, pasv.Flags, probePrivileged)
		assert.Equal(t, exitFail, o.code)
	})
	t.Run("data port theft", func(t *testing.T) {
		// In active mode, a connection from another host comes first: the
		// probe must turn it away and take the server's.
		f := newFakeFTP(t)
		stolen := make(chan bool, 4)
		f.handle = func(s *fakeSession, verb, arg string) bool {
			if verb != "LIST" || !s.active.IsValid() {
				return false
			}
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 3)}, Timeout: time.Second}
			if c, err := d.Dial("tcp", s.active.String()); err == nil {
				c.SetReadDeadline(time.Now().Add(time.Second))
				_, err := c.Read(make([]byte, 1))
				stolen <- !isTimeout(err) // closed by the probe, not left waiting
				c.Close()
			}
			return false
		}
		o := runProbeTest(t, "-json", "-timeout", "2s", f.url())
		assert.Equal(t, exitOK, o.code)
		assert.True(t, o.mode(t, "IPv4", "PORT").OK)
		assert.True(t, o.mode(t, "IPv4", "EPRT").OK)
		require.Len(t, stolen, 3, "EPRT, PORT and LPRT")
		for range 3 {
			assert.True(t, <-stolen, "the probe kept a data connection from 127.0.0.3")
		}
	})
	t.Run("overall bound", func(t *testing.T) {
		// Every step is answered just before its timeout: the probe's
		// overall bound ends it, and the modes it did not finish say so.
		f := newFakeFTP(t)
		f.features = append(f.features, "LPSV", "LPRT")
		slow := func() { time.Sleep(timeout * 9 / 10) }
		f.handle = func(s *fakeSession, verb, arg string) bool {
			if verb != "LIST" {
				slow()
				return false
			}
			dc := s.data()
			slow()
			s.send("150 here it comes")
			slow()
			dc.Write([]byte("x\r\n"))
			dc.Close()
			slow()
			return s.send("226 done")
		}
		o := runProbeTest(t, "-json", "-timeout", timeout.String(), f.url())
		assert.Less(t, o.elapsed, bound(probeSteps))
		assert.Greater(t, o.elapsed, time.Duration(probeSteps)*timeout*9/10)
		assert.Equal(t, exitOK, o.code, "EPSV worked")
		last := o.report.Modes[len(o.report.Modes)-1]
		assert.Equal(t, []string{probeNotRun}, last.Flags, o.results())
		assert.Contains(t, last.Detail, "the probe's overall time ran out")
	})
}

// TestProbeLingeringClose: like ProFTPD, a server that sends its final
// reply only after the client has closed its end of the data connection.
// The probe must close it once it has read to the end, not after the reply.
func TestProbeLingeringClose(t *testing.T) {
	f := newFakeFTP(t)
	f.handle = func(s *fakeSession, verb, arg string) bool {
		if verb != "LIST" {
			return false
		}
		dc := s.data()
		s.send("150 here it comes")
		dc.Write([]byte("hello.txt\r\n"))
		dc.(*net.TCPConn).CloseWrite()
		dc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := dc.Read(make([]byte, 1)); !isTimeout(err) {
			s.send("226 done")
		}
		dc.Close()
		return true
	}
	o := runProbeTest(t, "-json", "-timeout", "1s", f.url())
	assert.Equal(t, exitOK, o.code)
	assert.Equal(t, []string{"EPSV:ok", "PASV:ok", "PASV-control:ok", "EPRT:ok", "PORT:ok", "LPSV:ok", "LPRT:ok"}, o.results())
}

// TestProbeActiveBlocked: the server cannot connect back in active mode
// (vsftpd's 425), and the probe's own address is not private, so the
// firewall that stops it is the probe's or the one in front of the server,
// as in the NAT lab's T2: the fix names both, the FTP helper or natproxy on
// the server's router, and passive mode. The text has one period, not two,
// between the server's reply and the fix.
func TestProbeActiveBlocked(t *testing.T) {
	f := newFakeFTP(t)
	f.handle = func(s *fakeSession, verb, arg string) bool {
		if (verb == "LIST" || verb == "RETR") && s.active.IsValid() {
			s.active = netip.AddrPort{}
			return s.send("425 Failed to establish connection.")
		}
		return false
	}
	o := runProbeTest(t, "-json", "-timeout", "2s", f.url())
	assert.Equal(t, exitOK, o.code, "passive mode works")
	assert.Equal(t, []string{"EPSV:ok", "PASV:ok", "PASV-control:ok", "EPRT:FAIL[data-refused]", "PORT:FAIL[data-refused]", "LPSV:ok", "LPRT:FAIL[data-refused]"}, o.results())
	for _, mode := range []string{"EPRT", "PORT", "LPRT"} {
		m := o.mode(t, "IPv4", mode)
		assert.Contains(t, m.Detail, "the server could not connect to 127.0.0.1:", mode)
		for _, want := range []string{"probe's address", "router or firewall in front of the server", "FTP helper", "natproxy", "passive mode"} {
			assert.Contains(t, m.Fix, want, mode)
		}
	}

	o = runProbeTest(t, "-timeout", "2s", f.url())
	assert.Contains(t, o.stdout, "425 Failed to establish connection. Fix: ")
	assert.NotContains(t, o.stdout, "..", "a reply's final period and the fix's are one")
}

// TestProbeRejected6: over IPv6, as the NAT lab's T1-v6 (a NAT66 in front of
// the probe, both addresses ULA), vsftpd answers the EPRT that names
// another address than the one it sees "500 Illegal EPRT command.": that
// is a rejection, not a missing command, and its fix names the helper or
// natproxy of the NAT in front of the probe. vsftpd's 227 over IPv6 names
// 0.0.0.0; the fix of PASV names no IPv6 address for a 227's setting.
func TestProbeRejected6(t *testing.T) {
	f := newFakeFTP6(t)
	f.handle = func(s *fakeSession, verb, arg string) bool {
		switch verb {
		case "EPRT":
			return s.send("500 Illegal EPRT command.")
		case "LPSV", "LPRT":
			return s.send("500 Unknown command.")
		}
		return false
	}
	o := runProbeTest(t, "-json", "-timeout", "2s", "-trust-reply", f.url())
	assert.Equal(t, exitOK, o.code)
	assert.Equal(t, "IPv6", o.report.Modes[0].Family)
	assert.Equal(t, []string{"EPSV:ok", "PASV:FAIL[nat-mismatch,not-dialed]", "PASV-control:ok", "EPRT:FAIL[rejected]"}, o.results())

	eprt := o.mode(t, "IPv6", "EPRT")
	assert.Equal(t, "500 Illegal EPRT command.", eprt.Reply)
	for _, want := range []string{"refused the address", "NAT in front of the probe", "FTP helper", "natproxy", "passive mode"} {
		assert.Contains(t, eprt.Fix, want)
	}
	assert.NotContains(t, eprt.Fix, "active mode is off")

	pasv := o.mode(t, "IPv6", "PASV")
	assert.Contains(t, pasv.Fix, "use EPSV")
	assert.Contains(t, pasv.Fix, "natproxy")
	for _, setting := range []string{"pasv_address", "MasqueradeAddress", "ForcePassiveIP", "masquerade_address"} {
		assert.NotContains(t, pasv.Fix, setting, "a 227 carries no IPv6 address")
	}
	assert.NotContains(t, pasv.Fix, "::1")
}

// TestProbeUnknownOrIllegal: a 500 is "not supported" only when it says the
// command is unknown; "500 Illegal PORT command." refuses the address.
func TestProbeUnknownOrIllegal(t *testing.T) {
	f := newFakeFTP(t)
	f.handle = func(s *fakeSession, verb, arg string) bool {
		switch verb {
		case "EPRT":
			return s.send("500 Unknown command.")
		case "PORT":
			return s.send("500 Illegal PORT command.")
		case "LPSV", "LPRT":
			return s.send("502 Command not implemented.")
		}
		return false
	}
	o := runProbeTest(t, "-json", "-timeout", "2s", f.url())
	assert.Equal(t, []string{"EPSV:ok", "PASV:ok", "PASV-control:ok", "EPRT:FAIL[not-supported]", "PORT:FAIL[rejected]"}, o.results())
	assert.Contains(t, o.mode(t, "IPv4", "EPRT").Fix, "active mode is off")
	assert.Contains(t, o.mode(t, "IPv4", "PORT").Fix, "enable that router's FTP helper")

	assert.True(t, unknownCommand("500 Unknown command."))
	assert.True(t, unknownCommand("500 'EPRT': command not understood."))
	assert.False(t, unknownCommand("500 Illegal EPRT command."))
	assert.False(t, unknownCommand("500 Illegal PORT command."))
}

// TestProbeActivePath: a transfer refused after a PORT the server accepted
// is about the path, not about the probe's address.
func TestProbeActivePath(t *testing.T) {
	f := newFakeFTP(t)
	f.handle = func(s *fakeSession, verb, arg string) bool {
		if verb == "LIST" {
			s.data()
			return s.send("550 No such file or directory.")
		}
		return false
	}
	o := runProbeTest(t, "-json", "-timeout", "2s", f.url())
	assert.Equal(t, exitFail, o.code)
	for _, m := range o.report.Modes {
		assert.Equal(t, []string{probeRejected}, m.Flags, m.Mode)
		assert.Contains(t, m.Fix, "check the URL's path", m.Mode)
		assert.NotContains(t, m.Fix, "NAT", m.Mode)
	}
}

// TestProbeInsideAddressFix: a 227 naming the server's inside address while
// the probe reached a public one, as in the NAT lab's T2 and T2n. Loopback
// tests cannot have a public control address, so the fix is asked
// directly. When PASV at the control address fails too (T2n: only port 21
// is forwarded), announcing the public address is not enough: the fix says
// to forward the passive range as well.
func TestProbeInsideAddressFix(t *testing.T) {
	inside := netip.MustParseAddrPort("10.99.2.2:30002")
	pasv := probeMode{Mode: "PASV", Family: "IPv4", Flags: []string{probeNATMismatch, probeUnroutable, probeDataTimeout}, target: inside}
	p := &prober{}
	for _, tc := range []struct {
		name    string
		control probeMode
		want    []string
		notWant string
	}{
		{"range forwarded (T2)", probeMode{Mode: "PASV-control", Family: "IPv4", OK: true},
			[]string{"pasv_address=198.18.0.1", "with the passive port range forwarded to it", "FTP helper", "natproxy"}, "which does not now"},
		{"range not forwarded (T2n)", probeMode{Mode: "PASV-control", Family: "IPv4", Flags: []string{probeDataRefused}},
			[]string{"pasv_address=198.18.0.1", "forward the server's passive port range to it on the router", "pasv_min_port", "FTP helper", "natproxy"}, "with the passive port range forwarded to it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := &probeReport{Control: "198.18.0.1:21", Modes: []probeMode{{Mode: "EPSV", Family: "IPv4"}, pasv, tc.control}}
			fix := p.fix(&rep.Modes[1], rep)
			for _, w := range tc.want {
				assert.Contains(t, fix, w)
			}
			assert.NotContains(t, fix, tc.notWant)
		})
	}
}

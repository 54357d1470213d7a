package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport"
)

// timeout bounds every wait in these tests.
const timeout = 10 * time.Second

// testFile is the file served: random bytes, CR and LF included.
var testFile = func() []byte {
	b := make([]byte, 150<<10)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}()

// binDir holds the examples/server binary, built once for the tests that
// need it.
var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// serverBinary builds examples/server and returns the path of the binary.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "client-test-"); buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir, "github.com/ftpkit/hostport/examples/server")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build examples/server: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return filepath.Join(binDir, "server")
}

// startServer runs examples/server on listen (such as "127.0.0.1:0"),
// serving a directory with data.bin, and returns its address.
func startServer(t *testing.T, listen string) string {
	t.Helper()
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "data.bin"), testFile, 0o644))
	cmd := exec.Command(serverBinary(t), "-listen", listen, "-root", root, "-pasv-ports", "20000-32000", "-data-timeout", "5s", "-v")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var logs bytes.Buffer
	exited := make(chan struct{})
	addrc := make(chan string, 1)
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			logs.WriteString(line + "\n")
			if _, a, ok := strings.Cut(line, " on "); ok && strings.Contains(line, "serving ") {
				addrc <- a
			}
		}
		cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(timeout):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	select {
	case a := <-addrc:
		return a
	case <-exited:
		t.Fatalf("server exited:\n%s", logs.String())
	case <-time.After(timeout):
		t.Fatal("server did not start")
	}
	return ""
}

func needIPv6(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("IPv6 loopback ::1 unavailable: %v", err)
	}
	ln.Close()
}

func fetch(t *testing.T, url string, opt Options) ([]byte, error) {
	t.Helper()
	target, err := ParseURL(url)
	require.NoError(t, err)
	if opt.Timeout == 0 {
		opt.Timeout = timeout
	}
	var buf bytes.Buffer
	n, err := Fetch(context.Background(), target, &buf, opt)
	assert.Equal(t, int64(buf.Len()), n, "the count is the bytes written")
	return buf.Bytes(), err
}

// TestFetchModes downloads from examples/server with every data-setup
// command, on IPv4 and IPv6.
func TestFetchModes(t *testing.T) {
	for _, tc := range []struct {
		listen string
		modes  []string
	}{
		{"127.0.0.1:0", []string{"EPSV", "PASV", "LPSV", "EPRT", "PORT", "LPRT"}},
		{"[::1]:0", []string{"EPSV", "LPSV", "EPRT", "LPRT"}},
	} {
		t.Run(tc.listen, func(t *testing.T) {
			if strings.HasPrefix(tc.listen, "[") {
				needIPv6(t)
			}
			addr := startServer(t, tc.listen)
			for _, mode := range tc.modes {
				b, err := fetch(t, "ftp://"+addr+"/data.bin", Options{Commands: []string{mode}})
				require.NoError(t, err, mode)
				assert.Equal(t, testFile, b, mode)
			}
			var trace bytes.Buffer
			b, err := fetch(t, "ftp://"+addr+"/data.bin", Options{Active: true, Trace: &trace})
			require.NoError(t, err)
			assert.Equal(t, testFile, b)
			assert.Contains(t, trace.String(), "> EPRT |")
			trace.Reset()
			b, err = fetch(t, "ftp://"+addr+"/data.bin", Options{Trace: &trace})
			require.NoError(t, err)
			assert.Equal(t, testFile, b)
			assert.Contains(t, trace.String(), "> EPSV\n")

			_, err = fetch(t, "ftp://"+addr+"/missing.bin", Options{})
			var re *ReplyError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 550, re.Code)
		})
	}
}

// TestIPv6PASVAndPORT: on IPv6, examples/server refuses PASV with 425 and
// the client does not send PORT at all.
func TestIPv6PASVAndPORT(t *testing.T) {
	needIPv6(t)
	addr := startServer(t, "[::1]:0")
	_, err := fetch(t, "ftp://"+addr+"/data.bin", Options{Commands: []string{"PASV"}})
	var re *ReplyError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 425, re.Code)
	_, err = fetch(t, "ftp://"+addr+"/data.bin", Options{Commands: []string{"PORT"}})
	assert.ErrorIs(t, err, errNoIPv6PORT)
}

func TestRun(t *testing.T) {
	addr := startServer(t, "127.0.0.1:0")
	out := filepath.Join(t.TempDir(), "out.bin")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"-o", out, "-mode", "lprt", "-v", "ftp://" + addr + "/data.bin"}, &stdout, &stderr), stderr.String())
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, testFile, got)
	assert.Empty(t, stdout.String())
	assert.Contains(t, stderr.String(), "> LPRT 4,4,127,0,0,1,2,")
	assert.Contains(t, stderr.String(), "> PASS ****")
	assert.Contains(t, stderr.String(), fmt.Sprintf("received %d bytes", len(testFile)))

	stdout.Reset()
	stderr.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"-active", "ftp://" + addr + "/data.bin"}, &stdout, &stderr), stderr.String())
	assert.Equal(t, testFile, stdout.Bytes())
	assert.Empty(t, stderr.String())

	stderr.Reset()
	out2 := filepath.Join(t.TempDir(), "missing.bin")
	assert.Equal(t, 1, run(context.Background(), []string{"-o", out2, "ftp://" + addr + "/missing.bin"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "RETR missing.bin: server replied 550")
	assert.NoFileExists(t, out2, "no partial file is left")
}

func TestRunUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "want one URL"},
		{[]string{"ftp://a/b", "ftp://a/c"}, "want one URL"},
		{[]string{"-mode", "stor", "ftp://a/b"}, `-mode: want epsv, pasv, lpsv, eprt, port or lprt, not "stor"`},
		{[]string{"http://a/b"}, "is not an ftp://HOST/PATH URL"},
		{[]string{"ftp://a/"}, "names no file"},
		{[]string{"-x"}, "flag provided but not defined"},
		{[]string{"-active-ports", "80-90", "ftp://a/b"}, "-active-ports: hostport.ParsePortRange: parsing \"80-90\": min 80 below 1024"},
		{[]string{"-active-ports", "40000", "ftp://a/b"}, "want MIN-MAX"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(context.Background(), tc.args, &stdout, &stderr), "%q", tc.args)
		assert.Contains(t, stderr.String(), tc.want, "%q", tc.args)
	}
}

// TestRunHelp: -h prints the usage on standard output, with status 0.
func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 0, run(context.Background(), []string{"-h"}, &stdout, &stderr))
	assert.Empty(t, stderr.String())
	assert.True(t, strings.HasPrefix(stdout.String(), "usage: client [flags] ftp://"), "%q", stdout.String())
	assert.Contains(t, stdout.String(), "-active-ports MIN-MAX")
}

// TestPASVAddressIgnoredTrace: -v says when the client dials another
// address than the 227 reply names, and why.
func TestPASVAddressIgnoredTrace(t *testing.T) {
	for _, tc := range []struct {
		host, want string
	}{
		{"127,0,0,2", "the reply names 127.0.0.2; dialling the control connection's address 127.0.0.1 instead: " +
			"the policy UseControlAddr trusts no address in a reply: a server could point the client at another host (curl CVE-2020-8284), " +
			"and a server behind NAT names its inside address\n"},
		{"0,0,0,0", "the reply names 0.0.0.0; dialling the control connection's address 127.0.0.1 instead: " +
			"an unspecified address, which stands for the server's own (vsftpd sends 0,0,0,0 on IPv6)\n"},
		{"127,0,0,1", ""},
	} {
		t.Run(tc.host, func(t *testing.T) {
			addr := fakeServer(t, passiveScript(func(port int) string {
				return fmt.Sprintf("227 Entering Passive Mode (%s,%d,%d).", tc.host, port>>8, port&255)
			}, []byte("payload")))
			var trace bytes.Buffer
			b, err := fetch(t, "ftp://"+addr+"/f", Options{Trace: &trace})
			require.NoError(t, err)
			assert.Equal(t, "payload", string(b))
			if tc.want == "" {
				assert.NotContains(t, trace.String(), "the reply names")
			} else {
				assert.Contains(t, trace.String(), tc.want)
			}
			assert.Contains(t, trace.String(), "data connection to 127.0.0.1:")
		})
	}
	// Other modes, without dialling: FixUnroutable replaces an unroutable
	// address when the control connection's is routable.
	c := &conn{opt: Options{Policy: hostport.PassivePolicy{Mode: hostport.FixUnroutable}}}
	assert.Equal(t, "the reply names 10.0.0.5; dialling the control connection's address 198.51.100.7 instead: the policy FixUnroutable replaced it",
		c.notDialled(netip.MustParseAddrPort("10.0.0.5:1025"), netip.MustParseAddrPort("198.51.100.7:1025")))
	assert.Empty(t, c.notDialled(netip.MustParseAddrPort("198.51.100.9:1025"), netip.MustParseAddrPort("198.51.100.9:1025")))
	assert.Equal(t, "the reply names 192.0.2.1; dialling the control connection's address 2001:db8::1 instead: an address of the other family than the control connection's",
		c.notDialled(netip.MustParseAddrPort("192.0.2.1:1025"), netip.MustParseAddrPort("[2001:db8::1]:1025")))
	assert.Empty(t, c.notDialled(netip.AddrPortFrom(netip.Addr{}, 1025), netip.MustParseAddrPort("198.51.100.7:1025")), "a 229 reply names no address")
}

// TestActivePorts: with -active-ports, active mode listens on a port of
// the range.
func TestActivePorts(t *testing.T) {
	// A free range of 4 ports: listen on 4 ports and free them.
	var lo int
	for try := 0; try < 20 && lo == 0; try++ {
		base := 40000 + rand.IntN(20000)
		var lns []net.Listener
		for p := base; p < base+4; p++ {
			ln, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				break
			}
			lns = append(lns, ln)
		}
		if len(lns) == 4 {
			lo = base
		}
		for _, ln := range lns {
			ln.Close()
		}
	}
	require.NotZero(t, lo, "no free range of 4 ports")
	r := hostport.PortRange{Min: uint16(lo), Max: uint16(lo + 3)}

	addr := fakeServer(t, func(f *fake) {
		f.login()
		line := f.expect("EPRT |1|127.0.0.1|")
		ap, err := hostport.ParseEPRT(line)
		if err != nil {
			f.fail("%v", err)
			return
		}
		if ap.Port() < r.Min || ap.Port() > r.Max {
			f.fail("EPRT names port %d, outside %v", ap.Port(), r)
		}
		f.send("200 EPRT ok")
		f.retr(func() (net.Conn, error) { return net.DialTimeout("tcp", ap.String(), timeout) }, []byte("ranged"))
	})
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-active", "-active-ports", r.String(), "-v", "ftp://" + addr + "/f"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Equal(t, "ranged", stdout.String())
	assert.Contains(t, stderr.String(), "listening on 127.0.0.1:")
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Target
		wantErr string
	}{
		{in: "ftp://192.0.2.1/pub/file.txt", want: Target{Addr: "192.0.2.1:21", User: "anonymous", Password: "anonymous@", Path: "pub/file.txt"}},
		{in: "ftp://bob:s3cret@192.0.2.1:2121/f", want: Target{Addr: "192.0.2.1:2121", User: "bob", Password: "s3cret", Path: "f"}},
		{in: "ftp://[2001:db8::1]/f;type=i", want: Target{Addr: "[2001:db8::1]:21", User: "anonymous", Password: "anonymous@", Path: "f"}},
		{in: "ftp://[2001:db8::1]:990/a%20b", want: Target{Addr: "[2001:db8::1]:990", User: "anonymous", Password: "anonymous@", Path: "a b"}},
		{in: "ftp://192.0.2.1/f%0d%0aDELE%20x", wantErr: "CR, LF or NUL"},
		{in: "ftp://a%0d%0aPORT:x@192.0.2.1/f", wantErr: "CR, LF or NUL"},
		{in: "ftp://192.0.2.1/f%00", wantErr: "CR, LF or NUL"},
		{in: "ftp://192.0.2.1", wantErr: "names no file"},
		{in: "ftp:///f", wantErr: "not an ftp://HOST/PATH URL"},
		{in: "sftp://192.0.2.1/f", wantErr: "not an ftp://HOST/PATH URL"},
	} {
		got, err := ParseURL(tc.in)
		if tc.wantErr != "" {
			assert.ErrorContains(t, err, tc.wantErr, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

// fake is a scripted FTP server on 127.0.0.1 for one session; errors in the
// script are reported when the test ends.
type fake struct {
	t    *testing.T
	ln   net.Listener
	c    net.Conn
	r    *bufio.Reader
	mu   sync.Mutex
	errs []string
}

// fakeServer runs script for the first client that connects and returns the
// address to connect to.
func fakeServer(t *testing.T, script func(f *fake)) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	f := &fake{t: t, ln: ln}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ln.(*net.TCPListener).SetDeadline(time.Now().Add(timeout))
		c, err := ln.Accept()
		if err != nil {
			f.fail("accept: %v", err)
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(timeout))
		f.c, f.r = c, bufio.NewReader(c)
		script(f)
	}()
	t.Cleanup(func() {
		ln.Close()
		select {
		case <-done:
		case <-time.After(2 * timeout):
			t.Error("fake server script did not end")
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		assert.Empty(t, f.errs, "fake server script")
	})
	return ln.Addr().String()
}

func (f *fake) fail(format string, a ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, a...))
}

func (f *fake) send(line string) { io.WriteString(f.c, line+"\r\n") }

// expect reads a command and records an error unless it starts with want.
func (f *fake) expect(want string) string {
	line, err := f.r.ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if err != nil || !strings.HasPrefix(line, want) {
		f.fail("got %q (%v), want %q", line, err, want)
	}
	return line
}

func (f *fake) login() {
	f.send("220 fake ready")
	f.expect("USER anonymous")
	f.send("331 password")
	f.expect("PASS ")
	f.send("230 ok")
	f.expect("TYPE I")
	f.send("200 binary")
}

// listen opens a data listener on 127.0.0.1 and returns it with its port.
func (f *fake) listen() (*net.TCPListener, int) {
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		f.fail("listen: %v", err)
		return nil, 0
	}
	ln.SetDeadline(time.Now().Add(timeout))
	return ln, ln.Addr().(*net.TCPAddr).Port
}

// retr answers RETR by sending data over the connection that get returns.
func (f *fake) retr(get func() (net.Conn, error), data []byte) {
	f.expect("RETR f")
	f.send("150 here it comes")
	dc, err := get()
	if err != nil {
		f.fail("data connection: %v", err)
		f.send("425 no data connection")
		return
	}
	dc.Write(data)
	dc.Close()
	f.send("226 done")
	f.expect("QUIT")
	f.send("221 bye")
}

// passiveScript answers EPSV with 500 and PASV with the 227 reply that
// reply returns for the data listener's port, then sends data.
func passiveScript(reply func(port int) string, data []byte) func(f *fake) {
	return func(f *fake) {
		f.login()
		f.expect("EPSV")
		f.send("500 EPSV not understood")
		f.expect("PASV")
		ln, port := f.listen()
		if ln == nil {
			return
		}
		defer ln.Close()
		f.send(reply(port))
		f.retr(func() (net.Conn, error) { return ln.Accept() }, data)
	}
}

// TestPASVAddressNotTrusted: the client dials the control connection's
// address with the port of the 227 reply, whatever address the reply names:
// another host (the fake listens on 127.0.0.1 only), 0,0,0,0 (vsftpd on
// IPv6), or a private address (a server behind NAT).
func TestPASVAddressNotTrusted(t *testing.T) {
	for _, host := range []string{"127,0,0,2", "0,0,0,0", "10,0,0,5", "127,0,0,1"} {
		t.Run(host, func(t *testing.T) {
			addr := fakeServer(t, passiveScript(func(port int) string {
				return fmt.Sprintf("227 Entering Passive Mode (%s,%d,%d).", host, port>>8, port&255)
			}, []byte("payload")))
			b, err := fetch(t, "ftp://"+addr+"/f", Options{})
			require.NoError(t, err)
			assert.Equal(t, "payload", string(b))
		})
	}
}

// TestPASVRequireMatch: with RequireMatch, a 227 naming another host fails
// before anything is dialled.
func TestPASVRequireMatch(t *testing.T) {
	addr := fakeServer(t, func(f *fake) {
		f.login()
		f.expect("PASV")
		f.send("227 Entering Passive Mode (127,0,0,2,117,48).")
	})
	_, err := fetch(t, "ftp://"+addr+"/f", Options{Commands: []string{"PASV"}, Policy: hostport.PassivePolicy{Mode: hostport.RequireMatch}})
	assert.ErrorIs(t, err, hostport.ErrForeignAddress)
}

// TestPASVOddReplies: the IPv6 PASV replies of ProFTPD and pyftpdlib, and
// other malformed ones, are refused by the parser, port 0 by the policy, and
// a reply with another code than 227 as such; nothing is dialled.
func TestPASVOddReplies(t *testing.T) {
	for _, tc := range []struct {
		reply    string
		wantErr  error // or
		wantCode int
	}{
		{reply: "227 Entering Passive Mode (1,118,6).", wantErr: hostport.ErrSyntax},
		{reply: "227 Entering passive mode (::1,118,11).", wantErr: hostport.ErrSyntax},
		{reply: "227 Entering Passive Mode (127,0,0,1,300,6).", wantErr: hostport.ErrRange},
		{reply: "227 Entering Passive Mode (127,0,0,1,0,0).", wantErr: hostport.ErrUnusableAddress},
		{reply: "229 Entering Extended Passive Mode (|||30000|)", wantCode: 229},
	} {
		t.Run(tc.reply, func(t *testing.T) {
			addr := fakeServer(t, func(f *fake) {
				f.login()
				f.expect("PASV")
				f.send(tc.reply)
			})
			_, err := fetch(t, "ftp://"+addr+"/f", Options{Commands: []string{"PASV"}})
			if tc.wantCode != 0 {
				var re *ReplyError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, tc.wantCode, re.Code)
				return
			}
			assert.ErrorIs(t, err, tc.wantErr)
		})
	}
}

// TestEPSVReplies: a 229 reply with another delimiter and text after it
// (pyftpdlib's trailing '.') works; one with port 0 is refused.
func TestEPSVReplies(t *testing.T) {
	addr := fakeServer(t, func(f *fake) {
		f.login()
		f.expect("EPSV")
		ln, port := f.listen()
		if ln == nil {
			return
		}
		defer ln.Close()
		f.send(fmt.Sprintf("229 Entering extended passive mode (!!!%d!).", port))
		f.retr(func() (net.Conn, error) { return ln.Accept() }, []byte("229 ok"))
	})
	b, err := fetch(t, "ftp://"+addr+"/f", Options{})
	require.NoError(t, err)
	assert.Equal(t, "229 ok", string(b))

	addr = fakeServer(t, func(f *fake) {
		f.login()
		f.expect("EPSV")
		f.send("229 Entering Extended Passive Mode (|||0|)")
	})
	_, err = fetch(t, "ftp://"+addr+"/f", Options{Commands: []string{"EPSV"}})
	assert.ErrorIs(t, err, hostport.ErrUnusableAddress)
}

// TestActiveFallback: EPRT refused, the client sends PORT, and accepts the
// data connection from the server's host only.
func TestActiveFallback(t *testing.T) {
	addr := fakeServer(t, func(f *fake) {
		f.login()
		f.expect("EPRT |1|127.0.0.1|")
		f.send("500 EPRT not understood")
		line := f.expect("PORT 127,0,0,1,")
		hp, err := hostport.ParsePORT(line)
		if err != nil {
			f.fail("%v", err)
			return
		}
		f.send("200 PORT ok")
		f.retr(func() (net.Conn, error) {
			// A thief from 127.0.0.2 first: turned away.
			thief := net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
			tc, err := thief.Dial("tcp", hp.AddrPort().String())
			if err != nil {
				return nil, err
			}
			tc.SetDeadline(time.Now().Add(timeout))
			if n, _ := io.Copy(io.Discard, tc); n != 0 {
				f.fail("the thief got %d bytes", n)
			}
			tc.Close()
			return net.DialTimeout("tcp", hp.AddrPort().String(), timeout)
		}, []byte("active"))
	})
	var trace bytes.Buffer
	b, err := fetch(t, "ftp://"+addr+"/f", Options{Active: true, Trace: &trace})
	require.NoError(t, err)
	assert.Equal(t, "active", string(b))
	assert.Contains(t, trace.String(), "data connection from 127.0.0.2:")
	assert.Contains(t, trace.String(), "turned away: hostport.CheckDataPeer")
}

// TestActiveNoConnection: when the server says it cannot connect, the client
// stops waiting and reports the server's reply.
func TestActiveNoConnection(t *testing.T) {
	addr := fakeServer(t, func(f *fake) {
		f.login()
		f.expect("EPRT")
		f.send("200 ok")
		f.expect("RETR f")
		f.send("150 connecting")
		f.send("425 Can't open data connection.")
		f.r.ReadString('\n') // wait for the client to go
	})
	_, err := fetch(t, "ftp://"+addr+"/f", Options{Active: true, Timeout: 200 * time.Millisecond})
	assert.ErrorContains(t, err, "server: 425 Can't open data connection.")
}

// TestContextCancel: a cancelled context ends a fetch that waits.
func TestContextCancel(t *testing.T) {
	addr := fakeServer(t, func(f *fake) {
		f.send("220 fake ready")
		f.r.ReadString('\n') // USER, never answered
		f.r.ReadString('\n') // until the client goes
	})
	target, err := ParseURL("ftp://" + addr + "/f")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Fetch(ctx, target, io.Discard, Options{Timeout: timeout})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), timeout/2)
}

// TestLPSV reads a 228 reply and dials the control address.
func TestLPSV(t *testing.T) {
	addr := fakeServer(t, func(f *fake) {
		f.login()
		f.expect("LPSV")
		ln, port := f.listen()
		if ln == nil {
			return
		}
		defer ln.Close()
		f.send(hostport.FormatLPSV(netip.AddrPortFrom(netip.MustParseAddr("10.0.0.5"), uint16(port))))
		f.retr(func() (net.Conn, error) { return ln.Accept() }, []byte("228"))
	})
	b, err := fetch(t, "ftp://"+addr+"/f", Options{Commands: []string{"LPSV"}})
	require.NoError(t, err)
	assert.Equal(t, "228", string(b))
}

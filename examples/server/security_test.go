//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport"
)

// bigSize is the size of big.bin, a sparse file: large enough that a
// transfer outlasts the socket buffers of loopback by far.
const bigSize = 64 << 20

// startServerRoot is startServer that also writes big.bin into the root,
// runs more in the root's directory, and returns a function that stops the
// server and returns how long Serve took to return.
func startServerRoot(t *testing.T, configure func(s *Server, root string)) (addr string, logs *syncBuf, stop func() time.Duration) {
	t.Helper()
	dir, err := os.OpenRoot(makeTree(t))
	require.NoError(t, err)
	t.Cleanup(func() { dir.Close() })
	f, err := dir.Create("big.bin")
	require.NoError(t, err)
	require.NoError(t, f.Truncate(bigSize))
	require.NoError(t, f.Close())
	logs = &syncBuf{}
	s := &Server{Root: dir, Ports: hostport.PortRange{Min: 20000, Max: 32000}, DataTimeout: timeout,
		Trace: true, Log: log.New(logs, "", log.Lmicroseconds)}
	if configure != nil {
		configure(s, dir.Name())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var took time.Duration
	stopped := false
	stop = func() time.Duration {
		t.Helper()
		if stopped {
			return took
		}
		stopped = true
		start := time.Now()
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(timeout):
			t.Error("Serve did not return")
		}
		took = time.Since(start)
		return took
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	return ln.Addr().String(), logs, stop
}

// within sets a deadline of d on the control connection of c.
func (c *client) within(d time.Duration) {
	c.t.Helper()
	require.NoError(c.t, c.c.SetDeadline(time.Now().Add(d)))
}

// startBig starts RETR big.bin in passive mode, reads its first 64 KiB and
// returns the data connection, which the caller stops reading.
func (c *client) startBig() net.Conn {
	c.t.Helper()
	get := c.setup("EPSV")
	c.expect("RETR big.bin", 150)
	dc := get()
	require.NoError(c.t, dc.SetDeadline(time.Now().Add(timeout)))
	_, err := io.ReadFull(dc, make([]byte, 64<<10))
	require.NoError(c.t, err)
	return dc
}

// drain reads dc to its end and returns how many bytes came.
func drain(t *testing.T, dc net.Conn) int64 {
	t.Helper()
	require.NoError(t, dc.SetDeadline(time.Now().Add(timeout)))
	n, err := io.Copy(io.Discard, dc)
	if err != nil {
		assert.ErrorIs(t, err, syscall.ECONNRESET, "the data connection ends")
	}
	return n
}

// sendOOB sends b on c with MSG_OOB: its last byte is urgent data.
func sendOOB(t *testing.T, c net.Conn, b []byte) {
	t.Helper()
	rc, err := c.(*net.TCPConn).SyscallConn()
	require.NoError(t, err)
	var serr error
	require.NoError(t, rc.Write(func(fd uintptr) bool {
		serr = syscall.Sendto(int(fd), b, syscall.MSG_OOB, nil)
		return !errors.Is(serr, syscall.EAGAIN)
	}))
	require.NoError(t, serr)
}

// TestAbortDuringTransfer: ABOR during a transfer that the client does not
// read stops it at once, with 426 and 226, however the client sends it;
// the session goes on.
func TestAbortDuringTransfer(t *testing.T) {
	for _, tc := range []struct {
		name string
		send func(t *testing.T, c net.Conn)
	}{
		{"plain", func(t *testing.T, c net.Conn) { io.WriteString(c, "ABOR\r\n") }},
		{"lower case", func(t *testing.T, c net.Conn) { io.WriteString(c, "abor\r\n") }},
		{"IAC IP IAC DM in band", func(t *testing.T, c net.Conn) { io.WriteString(c, "\xff\xf4\xff\xf2ABOR\r\n") }},
		{"BSD ftp: IAC IP IAC urgent, then DM", func(t *testing.T, c net.Conn) {
			sendOOB(t, c, []byte("\xff\xf4\xff"))
			io.WriteString(c, "\xf2ABOR\r\n")
		}},
		{"Python ftplib: the line urgent", func(t *testing.T, c net.Conn) { sendOOB(t, c, []byte("ABOR\r\n")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, logs, _ := startServerRoot(t, nil)
			c := login(t, addr)
			dc := c.startBig()
			start := time.Now()
			c.within(3 * time.Second)
			tc.send(t, c.c)
			code, msg := c.read()
			assert.Equal(t, 426, code, msg)
			code, msg = c.read()
			assert.Equal(t, 226, code, msg)
			t.Logf("ABOR answered in %v", time.Since(start))
			assert.Less(t, drain(t, dc), int64(bigSize/2), "the transfer stopped")
			c.within(timeout)
			c.expect("NOOP", 200)
			assert.Equal(t, "hello\n", string(c.transfer("EPSV", "RETR pub/a.txt")), "the session goes on")
			c.expect("ABOR", 225) // no transfer
			assert.Contains(t, logs.String(), "aborted: ABOR")
		})
	}
}

// TestQuitDuringTransfer: QUIT during a transfer stops it: 426, 221, and
// the session ends.
func TestQuitDuringTransfer(t *testing.T) {
	addr, _, _ := startServerRoot(t, nil)
	c := login(t, addr)
	dc := c.startBig()
	c.within(3 * time.Second)
	_, err := io.WriteString(c.c, "QUIT\r\n")
	require.NoError(t, err)
	code, msg := c.read()
	assert.Equal(t, 426, code, msg)
	code, msg = c.read()
	assert.Equal(t, 221, code, msg)
	_, err = c.tp.ReadLine()
	assert.ErrorIs(t, err, io.EOF, "the server closes the session")
	assert.Less(t, drain(t, dc), int64(bigSize/2), "the transfer stopped")
}

// TestControlClosedDuringTransfer: a client that closes its control
// connection gets no more of the file.
func TestControlClosedDuringTransfer(t *testing.T) {
	addr, logs, _ := startServerRoot(t, nil)
	c := login(t, addr)
	dc := c.startBig()
	require.NoError(t, c.c.Close())
	time.Sleep(200 * time.Millisecond)
	n := drain(t, dc)
	t.Logf("%d bytes of %d after the control connection closed", n, bigSize)
	assert.Less(t, n, int64(bigSize/2), "the transfer stopped")
	assert.Eventually(t, func() bool { return strings.Contains(logs.String(), "aborted: control connection: EOF") },
		timeout, 10*time.Millisecond)
}

// TestCommandsDuringTransfer: other commands during a transfer are answered
// after its last reply, in order, as vsftpd does; many of them only slow
// the reading of the control connection down.
func TestCommandsDuringTransfer(t *testing.T) {
	addr, _, _ := startServerRoot(t, nil)
	c := login(t, addr)
	dc := c.startBig()
	lines := "NOOP\r\nSYST\r\nSTAT\r\n" + strings.Repeat("NOOP\r\n", 2*maxQueued)
	_, err := io.WriteString(c.c, lines)
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, int64(bigSize-64<<10), drain(t, dc), "the whole file")
	for _, want := range append([]int{226, 200, 215, 502}, make([]int, 2*maxQueued)...) {
		if want == 0 {
			want = 200
		}
		code, msg := c.read()
		require.Equal(t, want, code, msg)
	}
	c.expect("QUIT", 221)
}

// TestShutdownStopsTransfer: a server told to stop ends a transfer that
// its client does not read, without waiting for the data timeout.
func TestShutdownStopsTransfer(t *testing.T) {
	addr, _, stop := startServerRoot(t, nil)
	c := login(t, addr)
	dc := c.startBig()
	time.Sleep(100 * time.Millisecond)
	took := stop()
	t.Logf("Serve returned %v after the cancel", took)
	assert.Less(t, took, 2*time.Second)
	assert.Less(t, drain(t, dc), int64(bigSize/2))
}

// TestRETRNotRegular: RETR of a named pipe, a socket, a device or a
// directory gets 550 at once, and the server still stops promptly.
func TestRETRNotRegular(t *testing.T) {
	var names []string
	addr, logs, stop := startServerRoot(t, func(s *Server, root string) {
		require.NoError(t, syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644))
		require.NoError(t, os.Symlink("pipe", filepath.Join(root, "pipelink")))
		names = append(names, "pipe", "pipelink", "pub")
		if ln, err := net.Listen("unix", filepath.Join(root, "sock")); err == nil {
			t.Cleanup(func() { ln.Close() })
			names = append(names, "sock")
		}
		// /dev/zero's numbers: a transfer of it would never end.
		if err := syscall.Mknod(filepath.Join(root, "zero"), syscall.S_IFCHR|0o644, 1<<8|5); err == nil {
			names = append(names, "zero")
		} else {
			t.Logf("no device test: mknod: %v", err)
		}
	})
	c := login(t, addr)
	for _, name := range names {
		c.within(3 * time.Second)
		c.setup("EPSV")
		c.expect("RETR "+name, 550)
		c.expect("SIZE "+name, 550)
	}
	c.within(3 * time.Second)
	c.expect("NOOP", 200)
	assert.Less(t, stop(), 2*time.Second)
	assert.Contains(t, logs.String(), "RETR /pipe:")
}

// TestTrailingSlash: a name that ends in "/" must be a directory.
func TestTrailingSlash(t *testing.T) {
	addr, _ := startServer(t, "127.0.0.1:0", nil)
	c := login(t, addr)
	for _, name := range []string{"pub/a.txt/", "pub/a.txt/.", "/data.bin/", "inside/"} {
		c.setup("EPSV")
		c.expect("RETR "+name, 550)
		c.expect("SIZE "+name, 550)
		c.setup("EPSV")
		c.expect("LIST "+name, 550)
		c.expect("CWD "+name, 550)
	}
	assert.Equal(t, "a.txt\r\n", string(c.transfer("EPSV", "NLST pub/")))
	assert.Equal(t, "a.txt\r\n", string(c.transfer("EPSV", "NLST /pub/.")))
	c.expect("CWD pub/", 250)
	assert.Equal(t, `"/pub" is the current directory.`, c.expect("PWD", 257))
	c.expect("CWD /", 250)
	assert.Equal(t, "hello\n", string(c.transfer("EPSV", "RETR pub/a.txt")))
}

// TestRefusalTexts: a refused PORT gets a short reason; the error of
// package hostport goes to the log only.
func TestRefusalTexts(t *testing.T) {
	addr, logs := startServer(t, "127.0.0.1:0", nil)
	c := login(t, addr)
	assert.Equal(t, "PORT refused: the address must be your own.", c.expect("PORT 127,0,0,2,156,64", 500))
	assert.Equal(t, "EPRT refused: the port must be 1024 or above.", c.expect("EPRT |1|127.0.0.1|80|", 504))
	assert.Equal(t, "LPRT refused: unusable address.", c.expect("LPRT 4,4,127,0,0,1,2,0,0", 501))
	assert.NotContains(t, logs.String(), "< 500 PORT refused: hostport", "no Go error text in replies")
	assert.Contains(t, logs.String(), "refused: hostport.ActivePolicy.Check")
}

// TestIdleTimeout: a session that sends no command for IdleTimeout is told
// so with 421 and closed.
func TestIdleTimeout(t *testing.T) {
	addr, logs := startServer(t, "127.0.0.1:0", func(s *Server) { s.IdleTimeout = 200 * time.Millisecond })
	c := login(t, addr)
	code, msg := c.read()
	assert.Equal(t, 421, code, msg)
	_, err := c.tp.ReadLine()
	assert.ErrorIs(t, err, io.EOF)
	assert.Eventually(t, func() bool { return strings.Contains(logs.String(), "session ended: idle timeout") },
		timeout, 10*time.Millisecond)
}

// TestRunCaps: the caps of the command line turn clients away with 421,
// and the server goes on serving.
func TestRunCaps(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuf{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-listen", addr, "-root", makeTree(t), "-max-sessions", "2", "-max-per-addr", "1"}, io.Discard, logs)
	}()
	defer func() {
		cancel()
		select {
		case code := <-done:
			assert.Equal(t, 0, code)
		case <-time.After(timeout):
			t.Error("run did not return")
		}
		if t.Failed() {
			t.Logf("log:\n%s", logs)
		}
	}()
	greet := func(from string) (net.Conn, string) {
		d := net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
		var c net.Conn
		require.Eventually(t, func() bool {
			c, err = d.Dial("tcp", addr)
			return err == nil
		}, timeout, 10*time.Millisecond)
		t.Cleanup(func() { c.Close() })
		require.NoError(t, c.SetDeadline(time.Now().Add(timeout)))
		line, _ := bufio.NewReader(c).ReadString('\n')
		return c, strings.TrimSpace(line)
	}
	first, line := greet("127.0.0.1")
	assert.True(t, strings.HasPrefix(line, "220 "), line)
	_, line = greet("127.0.0.1")
	assert.Equal(t, "421 There are too many connections from your internet address.", line)
	_, line = greet("127.0.0.2")
	assert.True(t, strings.HasPrefix(line, "220 "), line)
	_, line = greet("127.0.0.3")
	assert.Equal(t, "421 There are too many connected users, please try later.", line)
	first.Close()
	require.Eventually(t, func() bool {
		c, line := greet("127.0.0.3")
		c.Close()
		return strings.HasPrefix(line, "220 ")
	}, timeout, 10*time.Millisecond, "a place freed is taken")
	assert.Contains(t, logs.String(), "refused 127.0.0.1:")
}

// emfileChild is the environment variable that makes TestEMFILE the server
// process, with the arguments of run, one a line.
const emfileChild = "HOSTPORT_SERVER_EMFILE_CHILD"

// emfileLimit is the server process's limit of open files in TestEMFILE.
const emfileLimit = 64

// TestEMFILE runs the server in a process of its own, limited to 64 open
// files and with no caps, and opens many more idle connections than that:
// the server must go on, and greet a new client within a second once they
// are closed.
func TestEMFILE(t *testing.T) {
	if args := os.Getenv(emfileChild); args != "" {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		lim.Cur = emfileLimit
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		ctx, stop := signalContext()
		code := run(ctx, strings.Split(args, "\n"), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	if testing.Short() {
		t.Skip("starts a process")
	}
	root := makeTree(t)
	args := []string{"-listen", "127.0.0.1:0", "-root", root, "-max-sessions", "0", "-max-per-addr", "0",
		"-pasv-ports", "20000-32000"}
	cmd := exec.Command(os.Args[0], "-test.run=^TestEMFILE$")
	cmd.Env = append(os.Environ(), emfileChild+"="+strings.Join(args, "\n"))
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	logs := &syncBuf{}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logs, line)
			if _, after, ok := strings.Cut(line, " serving "); ok {
				if i := strings.LastIndex(after, " on "); i >= 0 {
					addrc <- after[i+len(" on "):]
				}
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("server log (tail):\n%s", tail(logs.String(), 3000))
		}
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-exited:
		t.Fatalf("the server exited: %v", err)
	case <-time.After(timeout):
		t.Fatal("the server did not start")
	}

	// Twice the limit of idle connections, which the server cannot all
	// accept.
	var idle []net.Conn
	for range 2 * emfileLimit {
		c, err := net.DialTimeout("tcp", addr, timeout)
		require.NoError(t, err)
		idle = append(idle, c)
	}
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	// alive requires that the server has not exited, for d.
	alive := func(d time.Duration) {
		t.Helper()
		select {
		case err := <-exited:
			t.Fatalf("the server exited under load: %v", err)
		case <-time.After(d):
		}
	}
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) &&
		!strings.Contains(logs.String(), "too many open files; retrying in"); {
		alive(10 * time.Millisecond)
	}
	alive(1500 * time.Millisecond) // the backoff reaches its longest
	assert.True(t, strings.Contains(logs.String(), "too many open files; retrying in 1s"), "EMFILE is logged, and accept retried")
	greeted := 0
	for _, c := range idle {
		c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		if line, _ := bufio.NewReader(c).ReadString('\n'); strings.HasPrefix(line, "220 ") {
			greeted++
		}
	}
	t.Logf("%d idle connections, %d greeted", len(idle), greeted)
	assert.Greater(t, greeted, emfileLimit/2, "the server served up to its limit")
	assert.Less(t, greeted, len(idle), "not all: the descriptors ran out")

	for _, c := range idle {
		c.Close()
	}
	idle = nil
	start := time.Now()
	nc, err := net.DialTimeout("tcp", addr, timeout)
	require.NoError(t, err)
	require.NoError(t, nc.SetDeadline(time.Now().Add(2*time.Second)))
	line, err := bufio.NewReader(nc).ReadString('\n')
	took := time.Since(start)
	nc.Close()
	require.NoError(t, err, "no greeting for a new client")
	assert.True(t, strings.HasPrefix(line, "220 "), line)
	t.Logf("a new client greeted %v after the idle connections closed", took)
	assert.Less(t, took, time.Second)
	c := login(t, addr)
	assert.Equal(t, testFile, c.transfer("EPSV", "RETR data.bin"), "the server serves in full again")
	c.expect("QUIT", 221)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		assert.NoError(t, err, "exit code 0 after SIGTERM")
	case <-time.After(timeout):
		t.Fatal("the server did not stop on SIGTERM")
	}
	assert.Contains(t, logs.String(), "stopped")
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

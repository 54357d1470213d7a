package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() {
	limitFiles = func(n uint64) error {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return err
		}
		lim.Cur = min(n, lim.Max)
		return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}

// openFDs returns the number of descriptors the process has open.
func openFDs(t *testing.T) int {
	t.Helper()
	return pidFDs(t, "self")
}

// pidFDs returns the number of descriptors the process pid has open.
func pidFDs(t *testing.T, pid string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/" + pid + "/fd")
	require.NoError(t, err)
	return len(ents)
}

// waitFDs waits until the process has at most want descriptors open, or the
// timeout passes, and returns the last count.
func waitFDs(t *testing.T, want int) int {
	t.Helper()
	n := openFDs(t)
	for deadline := time.Now().Add(2 * time.Second); n > want && time.Now().Before(deadline); n = openFDs(t) {
		time.Sleep(10 * time.Millisecond)
	}
	return n
}

// Every descriptor a transfer opens, the pipe it splices through included,
// is closed when it ends, not when the garbage collector runs: the proxy
// holds none in caches of its own or of the runtime's (such as the splice
// pipes of io.Copy between two TCP connections), so its caps account for
// all it uses.
func TestTransfersLeaveNoDescriptors(t *testing.T) {
	f := newFakeServer(t)
	addr, logs := startProxy(t, f, "127.0.0.1:0", nil)
	// One transfer first, so that what the runtime opens once is open.
	require.NoError(t, transfer(addr, "PASV", "warm-up"))
	require.Eventually(t, func() bool { return strings.Count(logs.String(), "session ended") == 1 }, timeout, 10*time.Millisecond)
	before, spliced0 := openFDs(t), spliced.Load()

	const workers, each = 8, 25
	modes := []string{"PASV", "EPSV", "PORT", "EPRT"}
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := range each {
				if err := transfer(addr, modes[(w+i)%len(modes)], fmt.Sprintf("fd-%d-%d", w, i)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		select {
		case err := <-errs:
			require.NoError(t, err)
		case <-time.After(6 * timeout):
			t.Fatal("transfers did not finish")
		}
	}
	require.Eventually(t, func() bool {
		return strings.Count(logs.String(), "session ended") == 1+workers*each
	}, timeout, 10*time.Millisecond)
	after := waitFDs(t, before)
	t.Logf("descriptors: %d before, %d after %d transfers (each a download and an upload)", before, after, workers*each)
	assert.LessOrEqual(t, after, before, "descriptors left open after %d transfers", workers*each)
	// The transfers went through relay's own pipes, whose descriptors
	// are counted above.
	assert.Greater(t, spliced.Load(), spliced0, "the transfers were spliced")
}

// greetingTime dials addr and returns how long the first line took to come,
// and the line.
func greetingTime(addr string) (time.Duration, string, error) {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return 0, "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	line, err := bufio.NewReader(c).ReadString('\n')
	return time.Since(start), strings.TrimSuffix(line, "\r\n"), err
}

// flood opens n connections to addr and returns them; they stay idle.
func flood(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for range n {
		c, err := net.DialTimeout("tcp", addr, timeout)
		require.NoError(t, err)
		conns = append(conns, c)
	}
	return conns
}

// startLimited starts natproxy in a child process for the fake server f,
// with at most nofile descriptors and the extra arguments args, and returns
// it, its log and its address.
func startLimited(t *testing.T, f *fakeServer, nofile int, args string) (*exec.Cmd, *childLog, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$")
	cmd.Env = append(os.Environ(), "NATPROXY_MAIN=1", "NATPROXY_NOFILE="+strconv.Itoa(nofile),
		"NATPROXY_ARGS=-listen 127.0.0.1:0 -upstream "+f.addr.String()+" "+args)
	stderr, addr := startChild(t, cmd)
	return cmd, stderr, addr
}

// Running out of descriptors for real: with no caps, more idle clients
// than the process has descriptors make accepting fail with EMFILE. The
// proxy logs it, keeps running, and greets a new client within a second of
// the load going away.
func TestEMFILE(t *testing.T) {
	if os.Getenv("NATPROXY_MAIN") == "1" {
		childMain()
		return
	}
	const nofile, clients = 64, 150
	f := newFakeServer(t)
	cmd, stderr, addr := startLimited(t, f, nofile, "-max-sessions 0 -max-per-addr 0")
	pid := strconv.Itoa(cmd.Process.Pid)
	base := pidFDs(t, pid)

	conns := flood(t, addr, clients)
	require.True(t, stderr.wait("too many open files", timeout), "no EMFILE with %d clients and %d descriptors:\n%s", clients, nofile, stderr.String())
	assert.Contains(t, stderr.String(), "retrying in")
	// Still there, at its limit.
	require.NoError(t, cmd.Process.Signal(syscall.Signal(0)), "the proxy is gone:\n%s", stderr.String())
	t.Logf("descriptors of the proxy: %d at rest, %d under the flood (limit %d)", base, pidFDs(t, pid), nofile)

	for _, c := range conns {
		c.Close()
	}
	gone := time.Now()
	d, line, err := greetingTime(addr)
	require.NoError(t, err, "proxy log:\n%s", stderr.String())
	assert.True(t, strings.HasPrefix(line, "220 "), line)
	t.Logf("greeting %v after the dial, %v after the load went away", d, time.Since(gone))
	assert.Less(t, time.Since(gone), time.Second, "greeting after the load went away")
	require.NoError(t, transfer(addr, "EPSV", "after-emfile"), "proxy log:\n%s", stderr.String())
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	assert.NoError(t, cmd.Wait(), "exit status; log:\n%s", stderr.String())
}

// With the default caps, the flood of the first test meets 421 replies
// instead: the proxy never runs out of descriptors, and serves on.
func TestFloodDefaultCaps(t *testing.T) {
	if os.Getenv("NATPROXY_MAIN") == "1" {
		childMain()
		return
	}
	// As "ulimit -n 1024" with more clients than that, from one address and
	// from many: the per-address cap is lifted here to reach the total.
	const nofile, clients = 1024, 1100
	f := newFakeServer(t)
	cmd, stderr, addr := startLimited(t, f, nofile, "-max-per-addr 0")
	pid := strconv.Itoa(cmd.Process.Pid)

	conns := flood(t, addr, clients)
	busy := 0
	for _, c := range conns {
		c.SetDeadline(time.Now().Add(timeout))
		line, err := bufio.NewReader(c).ReadString('\n')
		require.NoError(t, err)
		if strings.HasPrefix(line, "421 ") {
			busy++
		} else {
			require.True(t, strings.HasPrefix(line, "220 "), line)
		}
	}
	assert.Equal(t, clients-DefaultMaxSessions, busy, "clients turned away with 421")
	t.Logf("descriptors of the proxy under the flood: %d (limit %d)", pidFDs(t, pid), nofile)
	assert.NotContains(t, stderr.String(), "too many open files")
	d, line, err := greetingTime(addr)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(line, "421 "), "a new client over the cap is told so: %q", line)
	t.Logf("421 after %v under the flood", d)
	for _, c := range conns {
		c.Close()
	}
	require.NoError(t, transfer(addr, "PASV", "after-flood"), "proxy log:\n%s", stderr.String())
}

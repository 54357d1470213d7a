//go:build linux && !race

package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// traceChildEnv, when set, makes TestTraceMemoryChild run the trace
// subcommand on standard input, with the arguments in the variable (separated
// by spaces), and exit with its code.
const traceChildEnv = "HOSTPORT_TRACE_CHILD"

// TestTraceMemoryChild is the trace that TestTraceMemory runs in a process of
// its own, to measure its peak memory. It is not built with -race, which
// multiplies the memory used.
func TestTraceMemoryChild(t *testing.T) {
	args, ok := os.LookupEnv(traceChildEnv)
	if !ok {
		t.Skip("run by TestTraceMemory")
	}
	os.Exit(runTrace(append(strings.Fields(args), "-"), os.Stdin, os.Stdout, os.Stderr))
}

// traceInChild runs the trace subcommand with args in a new process of the
// test binary, on the capture that gen writes to its standard input, and
// returns its standard output and error, exit code and peak resident memory
// in bytes.
func traceInChild(t testing.TB, args string, gen func(io.Writer) error) (string, string, int, int64) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^TestTraceMemoryChild$")
	cmd.Env = append(os.Environ(), traceChildEnv+"="+args, "GOMAXPROCS=2")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	genErr := make(chan error, 1)
	go func() {
		err := gen(in)
		in.Close()
		genErr <- err
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatal("the trace did not end in 5 minutes")
	}
	require.NoError(t, <-genErr)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	require.True(t, ok)
	return out.String(), errb.String(), cmd.ProcessState.ExitCode(), ru.Maxrss * 1024 // KiB on Linux
}

// maxTraceRSS is the most resident memory a trace may use on any capture.
const maxTraceRSS = 100 << 20

// TestTraceMemory traces captures built to exhaust memory, each in a process
// of its own, and checks its peak resident memory.
func TestTraceMemory(t *testing.T) {
	type tc struct {
		name string
		kind string
		n    int
		gzip bool
		long bool // run only without -short
	}
	for _, c := range []tc{
		{"300k one-packet streams", "one-packet", 300_000, false, false},
		{"1M one-packet streams", "one-packet", 1_000_000, false, true},
		{"1M one-packet streams gzipped", "one-packet", 1_000_000, true, true},
		{"200k streams with a gap", "gap", 200_000, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.long && testing.Short() {
				t.Skip("slow; runs without -short")
			}
			start := time.Now()
			out, errOut, code, rss := traceInChild(t, "", func(w io.Writer) error {
				if !c.gzip {
					return hostileCapture(w, c.kind, c.n)
				}
				zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
				if err := hostileCapture(zw, c.kind, c.n); err != nil {
					return err
				}
				return zw.Close()
			})
			t.Logf("peak RSS %.1f MB in %v; output:\n%s", float64(rss)/1e6, time.Since(start).Round(time.Millisecond), out)
			require.Equal(t, 0, code, "stderr: %s", errOut)
			assert.Less(t, rss, int64(maxTraceRSS), "peak resident memory")
			assert.Contains(t, flat(out), "evicted")
		})
	}
}

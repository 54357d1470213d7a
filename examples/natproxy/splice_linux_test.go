package main

import (
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openPipes returns the number of pipes the process has open.
func openPipes(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(l, "pipe:") {
			n++
		}
	}
	return n
}

// withoutPipes makes relay's pipes fail, as when the process is out of
// descriptors, until the test ends.
func withoutPipes(t *testing.T) {
	pipe2 = func([]int, int) error { return syscall.EMFILE }
	t.Cleanup(func() { pipe2 = syscall.Pipe2 })
}

// On Linux, relay splices a transfer through a pipe of its own, made once
// data arrive and closed when the transfer ends; every byte arrives.
func TestRelaySplices(t *testing.T) {
	before, spliced0 := openPipes(t), spliced.Load()
	r := startRelay(t, time.Minute)
	file := randomBytes(8<<20, 4)
	_, err := r.x.Write(file[:1<<20])
	require.NoError(t, err)
	// At most the first 64 KiB go through the buffer: the pipe is made
	// before the rest.
	got := make([]byte, 1<<20)
	r.y.SetReadDeadline(time.Now().Add(timeout))
	_, err = io.ReadFull(r.y, got)
	require.NoError(t, err)
	assert.Equal(t, before+2, openPipes(t), "the transfer holds one pipe (two descriptors)")

	go func() {
		r.x.Write(file[1<<20:])
		r.x.CloseWrite()
	}()
	rest, err := readAll(r.y)
	require.NoError(t, err)
	got = append(got, rest...)
	require.True(t, len(got) == len(file) && string(got) == string(file), "y got %d bytes, not the %d sent", len(got), len(file))
	r.y.Close()
	res := r.wait(t, timeout)
	assert.Equal(t, int64(len(file)), res.ab)
	assert.Equal(t, before, openPipes(t), "the pipe is closed when the transfer ends")
	assert.GreaterOrEqual(t, spliced.Load()-spliced0, int64(len(file)-64<<10), "all but the first chunk went through the pipe")
}

// A transfer whose pipe cannot be made, as when the process is out of
// descriptors, goes on through the buffer.
func TestRelayWithoutPipes(t *testing.T) {
	withoutPipes(t)
	spliced0 := spliced.Load()
	r := startRelay(t, time.Minute)
	file := randomBytes(2<<20, 5)
	go func() {
		r.x.Write(file)
		r.x.CloseWrite()
	}()
	got, err := readAll(r.y)
	require.NoError(t, err)
	require.True(t, len(got) == len(file) && string(got) == string(file), "y got %d bytes, not the %d sent", len(got), len(file))
	r.y.Close()
	res := r.wait(t, timeout)
	assert.Equal(t, int64(len(file)), res.ab)
	assert.Equal(t, spliced0, spliced.Load(), "nothing was spliced")
}

// The buffer copy, which relay falls back to, keeps the ends of data and
// the idle time as the splice does.
func TestRelayHalfCloseWithoutPipes(t *testing.T) {
	withoutPipes(t)
	testRelayHalfClose(t)
}

func TestRelayIdleWithoutPipes(t *testing.T) {
	withoutPipes(t)
	testRelayIdle(t)
}

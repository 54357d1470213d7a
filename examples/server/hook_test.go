//go:build linux

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRETRSwappedForFIFO: a file swapped for a named pipe between the check
// of its type and its opening is refused too, at once.
func TestRETRSwappedForFIFO(t *testing.T) {
	addr, logs, stop := startServerRoot(t, func(s *Server, root string) {
		name := filepath.Join(root, "swap.txt")
		require.NoError(t, os.WriteFile(name, []byte("a file\n"), 0o644))
		testHookBeforeOpen = func(n string) {
			if n == "swap.txt" {
				os.Remove(name)
				syscall.Mkfifo(name, 0o644)
			}
		}
	})
	c := login(t, addr)
	c.setup("EPSV")
	c.within(3 * time.Second)
	c.expect("RETR swap.txt", 550)
	assert.Regexp(t, `^prw-r--r-- .* swap\.txt\r\n$`, string(c.transfer("EPSV", "LIST swap.txt")), "listed as what it is")
	c.expect("NOOP", 200)
	assert.Less(t, stop(), 2*time.Second)
	testHookBeforeOpen = nil // Serve has returned: no session reads it
	assert.Contains(t, logs.String(), "RETR /swap.txt: /swap.txt: p---------: not a regular file")
}

//go:build !linux

package main

import "net"

// spliceIdle reports handled false: only Linux has splice(2), and relay
// goes on with its buffers.
func spliceIdle(dst, src *net.TCPConn, clock *idleClock) (n int64, handled bool, err error) {
	return 0, false, nil
}

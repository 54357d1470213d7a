//go:build unix

package main

import (
	"net"
	"syscall"
)

// oobInline sets SO_OOBINLINE on the control connection c, as vsftpd does,
// so that the urgent byte a client sends with ABOR stays in the stream:
// without it, a client that sends "ABOR\r\n" as urgent data (Python's
// ftplib does) would lose the LF, and the line would not end.
func oobInline(c net.Conn) error {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_OOBINLINE, 1)
	}); err != nil {
		return err
	}
	return serr
}

//go:build !unix

package main

import "net"

// oobInline does nothing on this system.
func oobInline(c net.Conn) error { return nil }

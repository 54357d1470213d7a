//go:build linux && !amd64 && !386

package natlab

import "syscall"

// sysSetns is the number of the setns system call.
const sysSetns = syscall.SYS_SETNS

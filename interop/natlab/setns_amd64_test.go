//go:build linux

package natlab

// sysSetns is the number of the setns system call, which package syscall
// does not name on amd64.
const sysSetns = 308

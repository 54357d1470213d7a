//go:build linux

package natlab

// sysSetns is the number of the setns system call, which package syscall
// does not name on 386.
const sysSetns = 346

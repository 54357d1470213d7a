//go:build linux

package natlab

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftpkit/hostport"
)

// intruder is a second address on the client's link in T2: another host on
// the public side, which has not logged in.
var intruder = netip.MustParseAddr("198.18.0.3")

// synLine matches the line that tcpdump prints for a SYN:
// "12:00:00.000000 IP 10.99.2.1.41234 > 10.99.2.2.30007: Flags [S], ...".
var synLine = regexp.MustCompile(`(?m) IP (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): Flags \[S\]`)

// TestKernelMappingOneShot checks that a mapping of natproxy's kernel data
// path forwards one connection, the client's, and nothing else. In T2 with
// natproxy's kernel data path (and examples/server, whose T2 row the matrix
// does not have, so that the namespaces are the test's own), the test
// logs in from the client's namespace and sends EPSV; then
//
//   - connections to the announced port from two other hosts, the intruder
//     198.18.0.3 on the client's public link and the server 10.99.2.2
//     inside, are turned away by natproxy, with no byte;
//   - the client's first connection to the port carries data.bin, whole;
//   - its second connection to the port is turned away, with no byte.
//
// The evidence: tcpdump on the server's interface sees one connection to
// the server's passive range in all, from natproxy's inside address;
// the router's forward chain forwarded one connection of a mapping, the
// client's, and got the other three itself; natproxy's log says that it
// turned each of the three away, and that the kernel carried the mapping.
func TestKernelMappingOneShot(t *testing.T) {
	requireLab(t)
	topo, _ := topologyNamed("T2")
	l := startLab(t, setup{topo: topo, proxy: true, kernel: true, server: "server"})
	sh(t, l.cli, "ip", "addr", "add", netip.PrefixFrom(intruder, 24).String(), "dev", "eth0")
	dump := startProcess(t, "tcpdump-server", l.srv, l.dir, "tcpdump", "-Z", "root", "-n", "-l", "--immediate-mode", "-i", "eth0",
		fmt.Sprintf("tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and dst portrange %d-%d", pasvMin, pasvMax))
	dump.waitFor(t, "listening on")
	l.resetRouter(t)
	proxyStart := fileSize(l.natproxy.log)

	var announced netip.AddrPort
	var refusals map[string]string // each other connection: what it got
	err := inNetns(l.cli, func() error {
		s, err := login(l.target)
		if err != nil {
			return err
		}
		defer s.close()
		reply, err := s.cmd(229, "EPSV")
		if err != nil {
			return err
		}
		port, err := hostport.ParseEPSV(reply)
		if err != nil {
			return err
		}
		announced = netip.AddrPortFrom(l.target.Addr(), port)

		refusals = map[string]string{}
		refusals["intruder "+intruder.String()] = turnedAway(intruder, announced)
		inNetns(l.srv, func() error {
			refusals["server "+t2Server.String()] = turnedAway(netip.Addr{}, announced)
			return nil
		})

		if err := s.retrData(announced); err != nil {
			return fmt.Errorf("the client's data connection: %w", err)
		}
		refusals["client's second connection"] = turnedAway(netip.Addr{}, announced)
		return nil
	})
	if err != nil {
		t.Fatalf("the client's session: %v\nnatproxy:\n%s", err, since(l.natproxy.log, proxyStart))
	}
	for who, got := range refusals {
		if got != "" {
			t.Errorf("%s to %s: %s", who, announced, got)
		}
	}

	var router routerView
	l.readRouter(t, &router)
	dump.stop(syscall.SIGINT)
	syns := synLine.FindAllStringSubmatch(dump.output(), -1)
	if len(syns) != 1 {
		t.Fatalf("the server's interface saw %d connections to its passive range, want 1 (the client's, through the kernel):\n%s", len(syns), dump.output())
	}
	syn := syns[0]
	if syn[1] != t2Inside.String() || syn[3] != t2Server.String() {
		t.Errorf("the connection to the server's passive range: %s > %s, want %s > %s", syn[1], syn[3], t2Inside, t2Server)
	}
	serverPort, _ := strconv.Atoi(syn[4])
	dataPort := netip.AddrPortFrom(t2Server, uint16(serverPort))
	if want := []string{fmt.Sprintf("%s > %s", publicPeer, dataPort)}; !slices.Equal(router.mapped, want) {
		t.Errorf("the router forwarded %q as natproxy's mappings, want %q", router.mapped, want)
	}
	wantLocal := []string{
		fmt.Sprintf("%s > %s", publicPeer, announced),
		fmt.Sprintf("%s > %s", intruder, announced),
		fmt.Sprintf("%s > %s", t2Server, announced),
	}
	slices.Sort(router.local)
	slices.Sort(wantLocal)
	if !slices.Equal(router.local, wantLocal) {
		t.Errorf("the router got %q itself, want %q: the three connections turned away", router.local, wantLocal)
	}

	// natproxy logs the mapping's use when it removes it: here at the end
	// of the session, which the deferred QUIT ended.
	mapping := fmt.Sprintf("%s -> %s mapped to %s -> %s", publicPeer, announced, t2Inside, dataPort)
	wantLog := []string{
		regexp.QuoteMeta(fmt.Sprintf("data setup 229 %s -> 229 %s: allowed (client connects to %s, the kernel forwards it to %s from %s)",
			dataPort, announced, announced, dataPort, t2Inside)) + "$",
		turnedAwayLog(intruder),
		turnedAwayLog(t2Server),
		turnedAwayLog(publicPeer),
		"passive data connection " + regexp.QuoteMeta(mapping) + ": carried by the kernel$",
	}
	if err := waitLog(l.natproxy.log, proxyStart, wantLog...); err != nil {
		t.Fatal(err)
	}
	t.Logf("announced %s; the server saw one connection, %s > %s; turned away: %s, %s, the client's second",
		announced, syn[1], dataPort, intruder, t2Server)
}

// turnedAwayLog returns the pattern of natproxy's log line for a connection
// from the address from that it turned away from the port of a mapping for
// the client.
func turnedAwayLog(from netip.Addr) string {
	return fmt.Sprintf(`passive data connection from %s:\d+ turned away: the port is mapped for one connection from %s$`,
		regexp.QuoteMeta(from.String()), regexp.QuoteMeta(publicPeer.String()))
}

// turnedAway connects to ap, from the address from if valid, in the
// namespace of the calling thread, and returns "" if the connection is
// refused, or accepted and closed without a byte within 3 s; else what
// happened.
func turnedAway(from netip.Addr, ap netip.AddrPort) string {
	d := net.Dialer{Timeout: 3 * time.Second}
	if from.IsValid() {
		d.LocalAddr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(from, 0))
	}
	c, err := d.Dial("tcp", ap.String())
	if errors.Is(err, syscall.ECONNREFUSED) {
		return ""
	}
	if err != nil {
		return "connecting: " + err.Error()
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, err := c.Read(make([]byte, 1))
	switch {
	case n > 0:
		return "got data"
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return ""
	}
	return fmt.Sprintf("neither refused nor closed: %v", err)
}

// TestKernelMappingsOfOnePort checks that two mappings of natproxy's kernel
// data path for one client to one server port stay apart. In T2 with
// natproxy's kernel data path and examples/server, which listens for
// passive data connections on one port only, the client's session A
// downloads data.bin through EPSV; its mapping, used, stays until A ends.
// Session B then sends EPSV, which the server answers with the same port,
// and A ends, so that natproxy removes A's mapping. B's data connection
// must still reach the server from natproxy's inside address, which
// examples/server requires of a passive data connection, and carry
// data.bin whole.
func TestKernelMappingsOfOnePort(t *testing.T) {
	requireLab(t)
	topo, _ := topologyNamed("T2")
	l := startLab(t, setup{topo: topo, proxy: true, kernel: true, server: "server", onePort: true})
	proxyStart := fileSize(l.natproxy.log)
	dataPort := netip.AddrPortFrom(t2Server, pasvMin)

	// epsv sends EPSV in s and returns the port announced and the line
	// of natproxy's log that says the kernel carried its mapping.
	epsv := func(s *session) (netip.AddrPort, string, error) {
		reply, err := s.cmd(229, "EPSV")
		if err != nil {
			return netip.AddrPort{}, "", err
		}
		port, err := hostport.ParseEPSV(reply)
		if err != nil {
			return netip.AddrPort{}, "", err
		}
		announced := netip.AddrPortFrom(l.target.Addr(), port)
		mapping := fmt.Sprintf("%s -> %s mapped to %s -> %s", publicPeer, announced, t2Inside, dataPort)
		return announced, "passive data connection " + regexp.QuoteMeta(mapping) + ": carried by the kernel$", nil
	}

	err := inNetns(l.cli, func() error {
		a, err := login(l.target)
		if err != nil {
			return err
		}
		defer a.close()
		announcedA, logA, err := epsv(a)
		if err != nil {
			return fmt.Errorf("session A: %w", err)
		}
		if err := a.retrData(announcedA); err != nil {
			return fmt.Errorf("session A: %w", err)
		}

		b, err := login(l.target)
		if err != nil {
			return err
		}
		defer b.close()
		announcedB, logB, err := epsv(b)
		if err != nil {
			return fmt.Errorf("session B: %w", err)
		}
		if announcedB == announcedA {
			return fmt.Errorf("natproxy announced %s to both sessions", announcedA)
		}
		a.close()
		if err := waitLog(l.natproxy.log, proxyStart, logA); err != nil {
			return fmt.Errorf("after session A ended: %w", err)
		}
		if err := b.retrData(announcedB); err != nil {
			return fmt.Errorf("session B, after session A's mapping was removed: %w", err)
		}
		b.close()
		return waitLog(l.natproxy.log, proxyStart, logB)
	})
	if err != nil {
		t.Fatalf("%v\nnatproxy:\n%s\nexamples/server:\n%s", err, since(l.natproxy.log, proxyStart), since(l.serverLog, 0))
	}
	// Both data connections reached the server from natproxy's inside
	// address: the server turned none away.
	if log := since(l.serverLog, 0); strings.Contains(log, "turned away") {
		t.Errorf("examples/server turned a data connection away:\n%s", log)
	}
}

// retrData downloads data.bin in s over a new connection to announced, and
// checks that it came whole.
func (s *session) retrData(announced netip.AddrPort) error {
	data, err := net.DialTimeout("tcp", announced.String(), 5*time.Second)
	if err != nil {
		return err
	}
	defer data.Close()
	data.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := s.cmd(1, "RETR data.bin"); err != nil {
		return err
	}
	got, err := io.ReadAll(data)
	if err != nil {
		return fmt.Errorf("reading the data connection: %w", err)
	}
	if _, _, err := s.tp.ReadResponse(2); err != nil {
		return err
	}
	if !slices.Equal(got, testData) {
		return fmt.Errorf("the data connection carried %d bytes, not data.bin's %d", len(got), len(testData))
	}
	return nil
}

// waitLog waits up to carriedWait until the log at path, from the offset
// off on, has a line matching each of the patterns, and returns an error
// naming those it lacks, with the log, if it does not.
func waitLog(path string, off int64, patterns ...string) error {
	deadline := time.Now().Add(carriedWait)
	for {
		log := since(path, off)
		var missing []string
		for _, p := range patterns {
			if !regexp.MustCompile("(?m)" + p).MatchString(log) {
				missing = append(missing, p)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s has no line matching\n  %s\nsince the test began:\n%s", path, strings.Join(missing, "\n  "), log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

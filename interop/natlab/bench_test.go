//go:build linux

package natlab

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpkit/hostport"
)

// bigSize is the size of the file of the speed test.
const bigSize = 256 << 20

// TestDataPathSpeed downloads a 256 MB file six times in each of these
// ways, taking turns, and prints the best and median rates, the ratio of the
// best to the kernel's, and the setup latency (from
// the data-setup command to the first byte of data, median of 20 small
// transfers):
//
//   - kernel: T1 with the kernel's FTP helper, the data connection forwarded
//     and NATed by the router (EPSV; EPRT for the active row);
//   - natproxy relay: T1 with natproxy on the router, which relays the data
//     connection in userspace (EPSV: the client connects to natproxy; EPRT:
//     the server does);
//   - natproxy kernel path: T1 with natproxy -data-path kernel on the
//     router, which reads the control connection as the relay does and has
//     the kernel NAT and forward the data connection, as in the first way
//     but with natproxy's mapping instead of the helper's expectation.
//
// The client is this test itself, in the client's namespace, so that every
// way is measured with the same client. It runs only with
// HOSTPORT_NATLAB_BENCH=1: it measures, it asserts only that every byte
// arrives, and that natproxy's kernel path relayed nothing.
func TestDataPathSpeed(t *testing.T) {
	if os.Getenv(envBench) != "1" {
		t.Skip("set " + envBench + "=1 to measure the data path")
	}
	requireLab(t)
	big := filepath.Join(rootDir, "big.bin")
	writeBig(t, big)
	t.Cleanup(func() { os.Remove(big) })

	kernel := startLab(t, setup{topo: topologies[0], helper: true, server: "vsftpd"})
	proxy := startLab(t, setup{topo: topologies[0], proxy: true, server: "vsftpd"})
	mapped := startLab(t, setup{topo: topologies[0], proxy: true, kernel: true, server: "vsftpd"})
	type way struct {
		name   string
		l      *lab
		active bool
	}
	ways := []way{
		{"kernel NAT + FTP helper, EPSV", kernel, false},
		{"natproxy relay, EPSV", proxy, false},
		{"natproxy kernel path, EPSV", mapped, false},
		{"kernel NAT + FTP helper, EPRT", kernel, true},
		{"natproxy relay, EPRT", proxy, true},
		{"natproxy kernel path, EPRT", mapped, true},
	}
	// The machine is shared: the ways take turns, rounds times, each
	// round starting one way further on so that none always follows the
	// same other, and the report gives the best and the median rate of each.
	const rounds = 6
	rates := make([][]float64, len(ways))
	for r := range rounds {
		for j := range ways {
			i := (j + r) % len(ways)
			w := ways[i]
			rate, err := fetchRate(w.l, "big.bin", w.active)
			if err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			rates[i] = append(rates[i], rate)
		}
	}
	var report strings.Builder
	fmt.Fprintf(&report, "data path, %d MB through the router (T1, vsftpd), %d runs each, taking turns: best and median MB/s, ratio of the best to the kernel's best; setup latency from the data-setup command to the first byte, median of 20 transfers of %d KB\n",
		bigSize>>20, rounds, len(testData)>>10)
	var kernelBest float64
	for i, w := range ways {
		lat, err := setupLatency(w.l, w.active, 20)
		if err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		slices.Sort(rates[i])
		best, median := rates[i][len(rates[i])-1], rates[i][len(rates[i])/2]
		if w.l == kernel { // the first of its mode: the others' reference
			kernelBest = best
		}
		fmt.Fprintf(&report, "  %-32s best %5.0f MB/s  median %5.0f MB/s  %.2fx kernel  setup %v\n", w.name, best, median, best/kernelBest, lat.Round(10*time.Microsecond))
	}
	t.Log("\n" + report.String())
	fmt.Print(report.String())
	// What was measured for the kernel path must be the kernel's: natproxy
	// relayed no data connection of it.
	if log := mapped.natproxy.output(); strings.Contains(log, ", relayed to ") || !strings.Contains(log, ": carried by the kernel") {
		t.Errorf("natproxy -data-path kernel relayed data connections, or logged none carried by the kernel:\n%s", tail(log, 3000))
	}
}

// writeBig writes a file of bigSize bytes: a random MB, repeated.
func writeBig(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 1<<20)
	for i := range block {
		block[i] = testData[i%len(testData)] ^ byte(i>>17)
	}
	for range bigSize / len(block) {
		if _, err := f.Write(block); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
}

// fetchRate downloads name through the lab in its client's namespace and
// returns the rate in MB/s (10^6 bytes per second) of the data connection.
func fetchRate(l *lab, name string, active bool) (float64, error) {
	var rate float64
	err := inNetns(l.cli, func() error {
		s, err := login(l.target)
		if err != nil {
			return err
		}
		defer s.close()
		start := time.Now()
		_, n, err := s.retr(name, active)
		if err != nil {
			return err
		}
		if n != bigSize {
			return fmt.Errorf("got %d bytes of %s, want %d", n, name, bigSize)
		}
		rate = float64(n) / time.Since(start).Seconds() / 1e6
		return nil
	})
	return rate, err
}

// setupLatency returns the median, over n transfers of data.bin on one
// session, of the time from the data-setup command to the first byte.
func setupLatency(l *lab, active bool, n int) (time.Duration, error) {
	var lats []time.Duration
	err := inNetns(l.cli, func() error {
		s, err := login(l.target)
		if err != nil {
			return err
		}
		defer s.close()
		for range n {
			lat, got, err := s.retr("data.bin", active)
			if err != nil {
				return err
			}
			if got != int64(len(testData)) {
				return fmt.Errorf("got %d bytes of data.bin, want %d", got, len(testData))
			}
			lats = append(lats, lat)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	slices.Sort(lats)
	return lats[len(lats)/2], nil
}

// session is a logged-in FTP control connection of the speed test.
type session struct {
	c  net.Conn
	tp *textproto.Conn
}

// login connects to target, logs in as anonymous and sets TYPE I.
func login(target netip.AddrPort) (*session, error) {
	c, err := net.DialTimeout("tcp", target.String(), 5*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(2 * time.Minute))
	s := &session{c: c, tp: textproto.NewConn(c)}
	if _, _, err := s.tp.ReadResponse(220); err != nil {
		c.Close()
		return nil, err
	}
	for _, step := range []struct {
		cmd  string
		want int
	}{{"USER anonymous", 3}, {"PASS natlab@", 2}, {"TYPE I", 200}} {
		if _, err := s.cmd(step.want, step.cmd); err != nil {
			c.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *session) cmd(want int, line string) (string, error) {
	if err := s.tp.PrintfLine("%s", line); err != nil {
		return "", err
	}
	code, msg, err := s.tp.ReadResponse(want)
	if err != nil {
		return "", fmt.Errorf("%s: %w", line, err)
	}
	return fmt.Sprintf("%d %s", code, msg), nil
}

func (s *session) close() {
	s.tp.PrintfLine("QUIT")
	s.c.Close()
}

// retr downloads name in passive (EPSV) or active (EPRT) mode, discarding
// it, and returns the time from the data-setup command to the first byte
// and the number of bytes.
func (s *session) retr(name string, active bool) (time.Duration, int64, error) {
	start := time.Now()
	var data net.Conn
	if active {
		local := s.c.LocalAddr().(*net.TCPAddr).AddrPort()
		ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(local.Addr(), 0)))
		if err != nil {
			return 0, 0, err
		}
		defer ln.Close()
		ln.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := s.cmd(200, hostport.FormatEPRT(ln.Addr().(*net.TCPAddr).AddrPort())); err != nil {
			return 0, 0, err
		}
		if err := s.tp.PrintfLine("RETR %s", name); err != nil {
			return 0, 0, err
		}
		if data, err = ln.Accept(); err != nil {
			return 0, 0, err
		}
	} else {
		reply, err := s.cmd(229, "EPSV")
		if err != nil {
			return 0, 0, err
		}
		port, err := hostport.ParseEPSV(reply)
		if err != nil {
			return 0, 0, err
		}
		target := netip.AddrPortFrom(s.c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr(), port)
		if data, err = net.DialTimeout("tcp", target.String(), 5*time.Second); err != nil {
			return 0, 0, err
		}
		if err := s.tp.PrintfLine("RETR %s", name); err != nil {
			return 0, 0, err
		}
	}
	defer data.Close()
	data.SetDeadline(time.Now().Add(2 * time.Minute))
	if _, _, err := s.tp.ReadResponse(1); err != nil {
		return 0, 0, err
	}
	first := make([]byte, 1)
	if _, err := io.ReadFull(data, first); err != nil {
		return 0, 0, err
	}
	lat := time.Since(start)
	// A large buffer, as a real client would use: io.Discard reads 8 KB at
	// a time.
	buf := make([]byte, 1<<20)
	var n int64
	for {
		m, err := data.Read(buf)
		n += int64(m)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, 0, err
		}
	}
	if _, _, err := s.tp.ReadResponse(2); err != nil {
		return 0, 0, err
	}
	return lat, n + 1, nil
}

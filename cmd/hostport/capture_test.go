package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/require"
)

// captureStart is the time of the first packet of the captures the tests
// write.
var captureStart = time.Date(2026, 11, 21, 18, 2, 55, 0, time.UTC)

// A capture is a packet capture that a test writes: TCP segments between
// addresses of its choosing, with correct sequence numbers, one millisecond
// apart unless the test waits longer.
type capture struct {
	t    testing.TB
	link layers.LinkType // LinkTypeEthernet, LinkTypeNull or LinkTypeRaw
	now  time.Time
	pkts []capturedPacket
}

type capturedPacket struct {
	ci   gopacket.CaptureInfo
	data []byte
}

func newCapture(t testing.TB, link layers.LinkType) *capture {
	return &capture{t: t, link: link, now: captureStart}
}

// wait advances the capture's clock.
func (c *capture) wait(d time.Duration) { c.now = c.now.Add(d) }

// flags of a TCP segment.
type tcpFlags struct{ syn, ack, psh, fin, rst bool }

// packet appends one TCP segment from src to dst.
func (c *capture) packet(src, dst netip.AddrPort, seq, ack uint32, f tcpFlags, payload []byte) {
	c.t.Helper()
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
		Seq: seq, Ack: ack, SYN: f.syn, ACK: f.ack, PSH: f.psh, FIN: f.fin, RST: f.rst,
		Window: 65535,
	}
	var ip gopacket.SerializableLayer
	var family layers.ProtocolFamily
	var ethType layers.EthernetType
	if src.Addr().Is4() {
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP,
			SrcIP: net.IP(src.Addr().AsSlice()), DstIP: net.IP(dst.Addr().AsSlice())}
		require.NoError(c.t, tcp.SetNetworkLayerForChecksum(ip4))
		ip, family, ethType = ip4, layers.ProtocolFamilyIPv4, layers.EthernetTypeIPv4
	} else {
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP,
			SrcIP: net.IP(src.Addr().AsSlice()), DstIP: net.IP(dst.Addr().AsSlice())}
		require.NoError(c.t, tcp.SetNetworkLayerForChecksum(ip6))
		ip, family, ethType = ip6, layers.ProtocolFamilyIPv6BSD, layers.EthernetTypeIPv6
	}
	var ls []gopacket.SerializableLayer
	switch c.link {
	case layers.LinkTypeEthernet:
		ls = append(ls, &layers.Ethernet{
			SrcMAC:       net.HardwareAddr{2, 0, 0, 0, 0, 1},
			DstMAC:       net.HardwareAddr{2, 0, 0, 0, 0, 2},
			EthernetType: ethType,
		})
	case layers.LinkTypeNull:
		ls = append(ls, &layers.Loopback{Family: family})
	case layers.LinkTypeRaw:
	default:
		c.t.Fatalf("capture: link type %v not supported", c.link)
	}
	ls = append(ls, ip, tcp, gopacket.Payload(payload))
	buf := gopacket.NewSerializeBuffer()
	require.NoError(c.t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...))
	data := append([]byte(nil), buf.Bytes()...)
	c.pkts = append(c.pkts, capturedPacket{
		ci:   gopacket.CaptureInfo{Timestamp: c.now, CaptureLength: len(data), Length: len(data)},
		data: data,
	})
	c.wait(time.Millisecond)
}

// writePcap writes the capture as a pcap file in dir and returns its path.
func (c *capture) writePcap(dir string) string {
	c.t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriterNanos(&b)
	require.NoError(c.t, w.WriteFileHeader(65536, c.link))
	for _, p := range c.pkts {
		require.NoError(c.t, w.WritePacket(p.ci, p.data))
	}
	return c.writeFile(dir, "capture.pcap", b.Bytes())
}

// writePcapng writes the capture as a pcapng file in dir and returns its
// path.
func (c *capture) writePcapng(dir string) string {
	c.t.Helper()
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriter(&b, c.link)
	require.NoError(c.t, err)
	for _, p := range c.pkts {
		require.NoError(c.t, w.WritePacket(p.ci, p.data))
	}
	require.NoError(c.t, w.Flush())
	return c.writeFile(dir, "capture.pcapng", b.Bytes())
}

func (c *capture) writeFile(dir, name string, data []byte) string {
	c.t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(c.t, os.WriteFile(path, data, 0o644))
	return path
}

// A tcpConn is a TCP connection in a capture, with the next sequence number
// of each side.
type tcpConn struct {
	c              *capture
	client, server netip.AddrPort
	next           [2]uint32 // by side: 0 the client, 1 the server
}

// initial sequence numbers, far apart and close to the wrap-around for the
// client, so that the reassembly's sequence arithmetic is exercised.
const (
	clientISN = 0xfffffff0
	serverISN = 0x10000000
)

// dial appends the three-way handshake of a connection from client to server.
func (c *capture) dial(client, server string) *tcpConn {
	tc := &tcpConn{c: c, client: netip.MustParseAddrPort(client), server: netip.MustParseAddrPort(server)}
	tc.next = [2]uint32{clientISN, serverISN}
	c.packet(tc.client, tc.server, clientISN, 0, tcpFlags{syn: true}, nil)
	c.packet(tc.server, tc.client, serverISN, clientISN+1, tcpFlags{syn: true, ack: true}, nil)
	tc.next = [2]uint32{clientISN + 1, serverISN + 1}
	c.packet(tc.client, tc.server, tc.next[0], tc.next[1], tcpFlags{ack: true}, nil)
	return tc
}

// midStream returns a connection whose handshake is not in the capture.
func (c *capture) midStream(client, server string) *tcpConn {
	tc := &tcpConn{c: c, client: netip.MustParseAddrPort(client), server: netip.MustParseAddrPort(server),
		next: [2]uint32{clientISN, serverISN}}
	tc.next[0] += 1000 // wraps around
	tc.next[1] += 5000
	return tc
}

// ends returns the source and destination of a side's segments.
func (tc *tcpConn) ends(side int) (netip.AddrPort, netip.AddrPort) {
	if side == 0 {
		return tc.client, tc.server
	}
	return tc.server, tc.client
}

// send appends one segment with payload from side (0 client, 1 server).
func (tc *tcpConn) send(side int, payload string) {
	src, dst := tc.ends(side)
	tc.c.packet(src, dst, tc.next[side], tc.next[1-side], tcpFlags{ack: true, psh: true}, []byte(payload))
	tc.next[side] += uint32(len(payload))
}

// sendAt appends a segment from side that starts off bytes after the side's
// next sequence number, without moving it: for retransmissions (negative
// off) and out-of-order segments.
func (tc *tcpConn) sendAt(side, off int, payload string) {
	src, dst := tc.ends(side)
	tc.c.packet(src, dst, tc.next[side]+uint32(off), tc.next[1-side], tcpFlags{ack: true, psh: true}, []byte(payload))
}

// skip moves a side's next sequence number on by n bytes sent with sendAt.
func (tc *tcpConn) skip(side, n int) { tc.next[side] += uint32(n) }

// cmd sends a command line from the client, and reply the server's reply
// lines; each gets "\r\n".
func (tc *tcpConn) cmd(line string)   { tc.send(0, line+"\r\n") }
func (tc *tcpConn) reply(line string) { tc.send(1, line+"\r\n") }

// login sends the greeting and a login.
func (tc *tcpConn) login() {
	tc.reply("220 (vsFTPd 3.0.3)")
	tc.cmd("USER anonymous")
	tc.reply("331 Please specify the password.")
	tc.cmd("PASS anonymous@")
	tc.reply("230 Login successful.")
}

// close appends the FIN exchange.
func (tc *tcpConn) close() {
	tc.c.packet(tc.client, tc.server, tc.next[0], tc.next[1], tcpFlags{fin: true, ack: true}, nil)
	tc.next[0]++
	tc.c.packet(tc.server, tc.client, tc.next[1], tc.next[0], tcpFlags{fin: true, ack: true}, nil)
	tc.next[1]++
	tc.c.packet(tc.client, tc.server, tc.next[0], tc.next[1], tcpFlags{ack: true}, nil)
}

// data appends a data connection from client to server that carries payload
// from the server, then closes.
func (c *capture) data(client, server, payload string) {
	tc := c.dial(client, server)
	if payload != "" {
		tc.send(1, payload)
	}
	tc.close()
}

// refused appends a connection attempt from client to server that the
// server resets.
func (c *capture) refused(client, server string) {
	from, to := netip.MustParseAddrPort(client), netip.MustParseAddrPort(server)
	c.packet(from, to, clientISN, 0, tcpFlags{syn: true}, nil)
	c.packet(to, from, 0, clientISN+1, tcpFlags{rst: true, ack: true}, nil)
}

// hostileCapture writes a pcap file to w whose packets are built for
// exhausting the memory of a trace: n TCP connections from distinct
// addresses in 10.0.0.0/8 to port 21 of 192.0.2.10, none opened with a SYN,
// all packets with one timestamp.
//
//   - "one-packet": each connection is one segment carrying an FTP command,
//     so that the trace keeps it waiting to learn whether it is FTP.
//   - "gap": each connection sends a 220 greeting, then a segment 100 bytes
//     further on, leaving a gap that is never filled.
//
// It writes packets directly from a template, fast enough for millions.
func hostileCapture(w io.Writer, kind string, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	pw := pcapgo.NewWriter(bw)
	if err := pw.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		return err
	}
	const (
		ethLen = 14
		ipLen  = 20
		tcpLen = 20
		hdr    = ethLen + ipLen + tcpLen
	)
	packet := func(payload string) []byte {
		b := make([]byte, hdr+len(payload))
		copy(b[0:6], []byte{2, 0, 0, 0, 0, 2})
		copy(b[6:12], []byte{2, 0, 0, 0, 0, 1})
		binary.BigEndian.PutUint16(b[12:], uint16(layers.EthernetTypeIPv4))
		ip := b[ethLen:]
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(ipLen+tcpLen+len(payload)))
		ip[8], ip[9] = 64, byte(layers.IPProtocolTCP)
		copy(ip[12:16], []byte{10, 0, 0, 0})
		copy(ip[16:20], []byte{192, 0, 2, 10})
		tcp := ip[ipLen:]
		binary.BigEndian.PutUint16(tcp[2:], 21)
		binary.BigEndian.PutUint32(tcp[4:], 1000)
		tcp[12] = 5 << 4
		tcp[13] = 0x18 // PSH, ACK
		binary.BigEndian.PutUint16(tcp[14:], 65535)
		copy(tcp[tcpLen:], payload)
		return b
	}
	var tmpl [][]byte
	switch kind {
	case "one-packet":
		tmpl = [][]byte{packet("USER anonymous\r\n")}
	case "gap":
		first := packet("220 FTP server ready\r\n")
		second := packet("USER anonymous\r\n")
		tcp := second[ethLen+ipLen:]
		binary.BigEndian.PutUint32(tcp[4:], 1000+uint32(len("220 FTP server ready\r\n"))+100)
		tmpl = [][]byte{first, second}
	default:
		return fmt.Errorf("hostileCapture: unknown kind %q", kind)
	}
	for i := range n {
		// 10.a.b.c:port, a distinct address for every connection.
		a := uint32(i/60000) + 1
		port := uint16(1024 + i%60000)
		for _, p := range tmpl {
			ip := p[ethLen:]
			ip[13], ip[14], ip[15] = byte(a>>16), byte(a>>8), byte(a)
			binary.BigEndian.PutUint16(ip[ipLen:], port)
			ci := gopacket.CaptureInfo{Timestamp: captureStart, CaptureLength: len(p), Length: len(p)}
			if err := pw.WritePacket(ci, p); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// Addresses of the synthetic captures (RFC 5737 and RFC 3849).
const (
	cli   = "198.51.100.7:50000"
	srv   = "192.0.2.10:2121"
	cli6  = "[2001:db8::7]:50000"
	srv6  = "[2001:db8::10]:2121"
	pasv  = "227 Entering Passive Mode (192,0,2,10,117,48)."  // 192.0.2.10:30000
	natd  = "227 Entering Passive Mode (203,0,113,5,117,48)." // 203.0.113.5:30000
	data  = "192.0.2.10:30000"
	dataN = "203.0.113.5:30000"
)

// runTraceOn runs the trace subcommand on the file at path with the extra
// arguments and returns its standard output, standard error and exit code.
func runTraceOn(t *testing.T, path string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runTrace(append(args, path), nil, &out, &errb)
	return out.String(), errb.String(), code
}

// traceLines writes c as a pcap file, traces it, and returns the negotiation
// lines without their times, and the summary.
func traceLines(t *testing.T, c *capture) ([]string, string) {
	t.Helper()
	out, errOut, code := runTraceOn(t, c.writePcap(t.TempDir()))
	require.Equal(t, 0, code, "stderr: %s", errOut)
	require.Empty(t, errOut)
	return splitTrace(t, out)
}

// splitTrace splits the text output of trace into its negotiation lines,
// without their times, and its summary.
func splitTrace(t *testing.T, out string) ([]string, string) {
	t.Helper()
	body, summary, ok := strings.Cut(out, "\nsummary: ")
	require.True(t, ok, "no summary in %q", out)
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if l == "" {
			continue
		}
		ts, rest, ok := strings.Cut(l, "  ")
		require.True(t, ok, "line %q", l)
		_, err := time.Parse("2006-01-02T15:04:05.000000Z", ts)
		require.NoError(t, err, "time of line %q", l)
		lines = append(lines, rest)
	}
	return lines, "summary: " + summary
}

// flat joins the words of s with single spaces, to compare wrapped text.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// session returns a capture of one control connection from client to
// server: a login, the steps, and the end of the session.
func session(t *testing.T, client, server string, steps func(c *capture, tc *tcpConn)) *capture {
	c := newCapture(t, layers.LinkTypeEthernet)
	tc := c.dial(client, server)
	tc.login()
	steps(c, tc)
	tc.cmd("QUIT")
	tc.reply("221 Goodbye.")
	tc.close()
	return c
}

func TestTraceFlags(t *testing.T) {
	tests := []struct {
		name    string
		client  string
		server  string
		steps   func(c *capture, tc *tcpConn)
		want    []string
		summary []string // substrings of the summary
	}{
		{
			name: "PASV connected",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.reply(pasv)
				c.data("198.51.100.7:40001", data, "hello\r\n")
			},
			want:    []string{cli + " -> " + srv + "  PASV  " + data + "  connected"},
			summary: []string{"summary: 1 FTP control connection, 1 negotiation (1 PASV)\nno problems found\n"},
		},
		{
			name: "PASV nat-mismatch, the client dials the server's real address",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.reply(natd)
				c.data("198.51.100.7:40001", data, "hello\r\n")
			},
			want: []string{cli + " -> " + srv + "  PASV  " + dataN + "  nat-mismatch connected(" + data + ")"},
			summary: []string{
				"- nat-mismatch: server 192.0.2.10:2121 advertised 203.0.113.5 in 1 reply to\n  PASV, but its packets come from 192.0.2.10: the server advertises an address\n  it does not own.",
				"Clients that trust 227 replies will fail",
				"Data connections: 1 went to the server's real address instead.",
			},
		},
		{
			name: "PASV nat-mismatch, the client dials the advertised address and is refused",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.reply(natd)
				c.refused("198.51.100.7:40001", dataN)
			},
			want: []string{cli + " -> " + srv + "  PASV  " + dataN + "  nat-mismatch no-connection"},
			summary: []string{
				"Data connections: 1 had none.",
				"Connections to 203.0.113.5:30000 were refused (RST) once: nothing listens there.",
			},
		},
		{
			name: "PASV nat-mismatch, the advertised address answers",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.reply(natd)
				c.data("198.51.100.7:40001", dataN, "")
			},
			want:    []string{cli + " -> " + srv + "  PASV  " + dataN + "  nat-mismatch connected"},
			summary: []string{"Data connections: 1 went to the advertised address."},
		},
		{
			name:   "PASV nat-mismatch, captured inside the server's NAT",
			client: "198.51.100.7:50000", server: "10.0.0.10:21",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.reply(natd)
				c.data("198.51.100.7:40001", "10.0.0.10:30000", "")
			},
			want: []string{"198.51.100.7:50000 -> 10.0.0.10:21  PASV  " + dataN + "  nat-mismatch connected(10.0.0.10:30000)"},
			summary: []string{
				"- nat-mismatch: server 10.0.0.10:21 advertised 203.0.113.5 in 1 reply to PASV, but its packets come from 10.0.0.10: " +
					"the server advertises a public address, most likely its NAT's",
				"Data connections: 1 went to the server's real address instead.",
			},
		},
		{
			name: "PASV privileged port",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.reply("227 Entering Passive Mode (192,0,2,10,0,21).")
				c.data("198.51.100.7:40001", "192.0.2.10:21", "")
			},
			want:    []string{cli + " -> " + srv + "  PASV  192.0.2.10:21  privileged-port connected"},
			summary: []string{"- privileged-port: server 192.0.2.10:2121 advertised port 21, below 1024, in\n  1 reply to PASV"},
		},
		{
			name: "PASV without a data connection",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.reply(pasv)
				tc.cmd("LIST")
				tc.reply("425 Failed to establish connection.")
			},
			want:    []string{cli + " -> " + srv + "  PASV  " + data + "  no-connection"},
			summary: []string{"- no-connection: server 192.0.2.10:2121 announced a data endpoint in 1 reply to\n  PASV, but no data connection to it followed"},
		},
		{
			name: "PASV reply that does not parse (ProFTPD on IPv6)",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.reply("227 Entering Passive Mode (1,118,6).")
			},
			want: []string{cli + " -> " + srv + "  PASV  invalid  -"},
			summary: []string{
				`- invalid: server 192.0.2.10:2121 sent 1 reply to PASV whose address does not`,
				`(want 6 comma-separated numbers, got 3, then ')' after h3)`,
			},
		},
		{
			name: "EPSV rejected, then PASV",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("EPSV")
				tc.reply("500 Unknown command.")
				tc.cmd("PASV")
				tc.reply(pasv)
				c.data("198.51.100.7:40001", data, "")
			},
			want: []string{
				cli + " -> " + srv + "  EPSV  -  rejected",
				cli + " -> " + srv + "  PASV  " + data + "  connected",
			},
			summary: []string{
				`- rejected: server 192.0.2.10:2121 answered 1 EPSV command with "500 Unknown`,
				`the server does not implement the command; clients fall back to PASV or PORT.`,
				"(1 PASV, 1 EPSV)",
			},
		},
		{
			name: "EPSV and LPSV",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("EPSV")
				tc.reply("229 Entering Extended Passive Mode (|||30001|)")
				c.data("198.51.100.7:40001", "192.0.2.10:30001", "")
				tc.cmd("LPSV")
				tc.reply("228 Entering Long Passive Mode (4,4,192,0,2,10,2,117,50)")
				c.data("198.51.100.7:40002", "192.0.2.10:30002", "")
			},
			want: []string{
				cli + " -> " + srv + "  EPSV  192.0.2.10:30001  connected",
				cli + " -> " + srv + "  LPSV  192.0.2.10:30002  connected",
			},
		},
		{
			name: "EPSV ALL is no negotiation",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("EPSV ALL")
				tc.reply("200 EPSV ALL ok.")
			},
			summary: []string{"summary: 1 FTP control connection, 0 negotiations\n"},
		},
		{
			name: "PORT connected",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PORT 198,51,100,7,156,64")
				tc.reply("200 PORT command successful. Consider using PASV.")
				tc.cmd("RETR hello.txt")
				c.data("192.0.2.10:20", "198.51.100.7:40000", "")
				tc.reply("150 Opening BINARY mode data connection.")
				tc.reply("226 Transfer complete.")
			},
			want: []string{cli + " -> " + srv + "  PORT  198.51.100.7:40000  connected"},
		},
		{
			name: "PORT connected before the reply (pyftpdlib)",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PORT 198,51,100,7,156,64")
				c.data("192.0.2.10:20", "198.51.100.7:40000", "")
				tc.reply("200 Active data connection established.")
			},
			want: []string{cli + " -> " + srv + "  PORT  198.51.100.7:40000  connected"},
		},
		{
			name: "PORT bounce to a privileged port, rejected",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PORT 203,0,113,99,0,25")
				tc.reply("500 Illegal PORT command.")
			},
			want: []string{cli + " -> " + srv + "  PORT  203.0.113.99:25  nat-mismatch foreign-address privileged-port rejected no-connection"},
			summary: []string{
				"- nat-mismatch, foreign-address: client 198.51.100.7 named 203.0.113.99 in 1\n  PORT command, but its packets come from 198.51.100.7. The command asks the\n  server to connect to another host: an FTP bounce attempt (RFC 2577)",
				"The server rejected it, as servers should reject addresses other\n  than the client's.",
				"- privileged-port: client 198.51.100.7 asked for data connections to port 25,",
			},
		},
		{
			name: "PORT from behind a NAT, accepted, no connection",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PORT 10,0,0,5,156,64")
				tc.reply("200 PORT command successful.")
				tc.cmd("RETR hello.txt")
				c.packet(tc.server, netip.MustParseAddrPort("10.0.0.5:40000"), 1, 0, tcpFlags{syn: true}, nil)
				tc.reply("425 Failed to establish connection.")
			},
			want: []string{cli + " -> " + srv + "  PORT  10.0.0.5:40000  nat-mismatch foreign-address no-connection"},
			summary: []string{
				"The client is most likely behind a NAT that does not rewrite the command",
				"The server accepted it, but servers should reject addresses other than the client's",
				"Data connections: 1 had none.",
			},
		},
		{
			name: "PORT to a privileged port of the client, rejected",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PORT 198,51,100,7,0,80")
				tc.reply("500 Illegal PORT command.")
			},
			want:    []string{cli + " -> " + srv + "  PORT  198.51.100.7:80  privileged-port rejected no-connection"},
			summary: []string{"The server rejected it, as RFC 2577 advises."},
		},
		{
			name: "EPRT that does not parse, accepted (ProFTPD)",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("EPRT |1|198.51.100.7|70000|")
				tc.reply("200 EPRT command successful")
			},
			want: []string{cli + " -> " + srv + "  EPRT  invalid  -"},
			summary: []string{
				`- invalid: client 198.51.100.7 sent 1 EPRT command whose address does not`,
				`(tcp-port 70000 out of range [0,65535])`,
				`The server accepted it, which it should not.`,
			},
		},
		{
			name: "EPRT and LPRT",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("EPRT |1|198.51.100.7|40000|")
				tc.reply("200 EPRT command successful.")
				c.data("192.0.2.10:20", "198.51.100.7:40000", "")
				tc.cmd("LPRT 4,4,198,51,100,7,2,156,65")
				tc.reply("200 LPRT command successful.")
				c.data("192.0.2.10:20", "198.51.100.7:40001", "")
			},
			want: []string{
				cli + " -> " + srv + "  EPRT  198.51.100.7:40000  connected",
				cli + " -> " + srv + "  LPRT  198.51.100.7:40001  connected",
			},
		},
		{
			name:   "IPv6 EPSV, EPRT and PASV with 0,0,0,0 (vsftpd)",
			client: cli6, server: srv6,
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("EPSV")
				tc.reply("229 Entering Extended Passive Mode (|||30000|)")
				c.data("[2001:db8::7]:40001", "[2001:db8::10]:30000", "")
				tc.cmd("EPRT |2|2001:db8::7|40000|")
				tc.reply("200 EPRT command successful.")
				c.data("[2001:db8::10]:20", "[2001:db8::7]:40000", "")
				tc.cmd("PASV")
				tc.reply("227 Entering Passive Mode (0,0,0,0,117,49).")
				c.data("[2001:db8::7]:40002", "[2001:db8::10]:30001", "")
			},
			want: []string{
				cli6 + " -> " + srv6 + "  EPSV  [2001:db8::10]:30000  connected",
				cli6 + " -> " + srv6 + "  EPRT  [2001:db8::7]:40000  connected",
				cli6 + " -> " + srv6 + "  PASV  0.0.0.0:30001  connected([2001:db8::10]:30001)",
			},
			summary: []string{"no problems found"},
		},
		{
			name:   "IPv6 EPRT naming another host, and the unspecified address (lftp)",
			client: cli6, server: srv6,
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("EPRT |2|2001:db8::99|40000|")
				tc.reply("500 Illegal EPRT command.")
				tc.cmd("EPRT |2|::|40001|")
				tc.reply("200 EPRT command successful. Consider using EPSV.")
				c.data("[2001:db8::10]:20", "[2001:db8::7]:40001", "")
			},
			want: []string{
				cli6 + " -> " + srv6 + "  EPRT  [2001:db8::99]:40000  nat-mismatch foreign-address rejected no-connection",
				cli6 + " -> " + srv6 + "  EPRT  [::]:40001  nat-mismatch foreign-address connected([2001:db8::7]:40001)",
			},
			summary: []string{
				"The unspecified address is no host (lftp sends it in EPRT over IPv6)",
				"Data connections: 1 went to the client's real address instead.",
			},
		},
		{
			name: "EPRT unknown to the server (500 not understood)",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("EPRT |1|198.51.100.7|40000|")
				tc.reply("500 EPRT not understood")
			},
			want: []string{cli + " -> " + srv + "  EPRT  198.51.100.7:40000  rejected no-connection"},
			summary: []string{
				`- rejected: server 192.0.2.10:2121 answered 1 EPRT command from client 198.51.100.7 with "500 EPRT not understood":`,
				"the server does not implement the command; clients fall back to PASV or PORT.",
			},
		},
		{
			name:   "PORT from inside the client's NAT, accepted, no connection",
			client: "10.0.0.5:50000", server: srv,
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PORT 10,0,0,5,156,64")
				tc.reply("200 PORT command successful.")
			},
			want: []string{"10.0.0.5:50000 -> " + srv + "  PORT  10.0.0.5:40000  no-connection"},
			summary: []string{
				"no SYN to it was seen",
				"The client's address is private and the server's public: the client is behind a NAT, and its command " +
					"names its inside address, which the server cannot reach. The router's FTP helper (nf_conntrack_ftp / " +
					"ct helper ftp) or natproxy rewrites the command; or use passive mode (EPSV or PASV).",
			},
		},
		{
			name:   "EPSV inside the server's NAT, no connection",
			client: cli, server: "10.0.0.10:21",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("EPSV")
				tc.reply("229 Entering Extended Passive Mode (|||30000|)")
			},
			want: []string{cli + " -> 10.0.0.10:21  EPSV  10.0.0.10:30000  no-connection"},
			summary: []string{
				"this capture is inside the NAT, so it cannot show what happened outside",
				"The NAT must forward the passive port range to the server; the router's FTP helper " +
					"(nf_conntrack_ftp / ct helper ftp) or natproxy does it for each data connection.",
			},
		},
		{
			name:   "IPv6 PASV rejected (Pure-FTPd)",
			client: cli6, server: srv6,
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.reply("425 You cannot use PASV on IPv6 connections. Use EPSV instead.")
			},
			want:    []string{cli6 + " -> " + srv6 + "  PASV  -  rejected"},
			summary: []string{"on IPv6, some servers (Pure-FTPd) reject PASV and want EPSV."},
		},
		{
			name:   "IPv6 PASV reply that does not parse",
			client: cli6, server: srv6,
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.reply("227 Entering Passive Mode (1,118,6).")
			},
			want: []string{cli6 + " -> " + srv6 + "  PASV  invalid  -"},
			summary: []string{
				`(want 6 comma-separated numbers, got 3, then ')' after h3)`,
				"A 227 reply carries only IPv4 addresses; on IPv6, clients use EPSV.",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client, server := tc.client, tc.server
			if client == "" {
				client, server = cli, srv
			}
			lines, summary := traceLines(t, session(t, client, server, tc.steps))
			assert.Equal(t, tc.want, lines)
			for _, s := range tc.summary {
				assert.Contains(t, flat(summary), flat(s))
			}
		})
	}
}

// TestTraceSegments checks that the reassembly puts replies and commands
// together whatever the segments: split, retransmitted, out of order, or
// several in one.
func TestTraceSegments(t *testing.T) {
	want := []string{cli + " -> " + srv + "  PASV  " + dataN + "  nat-mismatch connected(" + data + ")"}
	tests := []struct {
		name  string
		steps func(c *capture, tc *tcpConn)
		want  []string
	}{
		{
			name: "reply split across two segments",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.send(1, "227 Entering Passive Mode (203,0,")
				tc.send(1, "113,5,117,48).\r\n")
				c.data("198.51.100.7:40001", data, "")
			},
		},
		{
			name: "reply split inside its line ending",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.send(1, natd+"\r")
				tc.send(1, "\n")
				c.data("198.51.100.7:40001", data, "")
			},
		},
		{
			name: "retransmitted command and reply",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.sendAt(0, -len("PASV\r\n"), "PASV\r\n")
				tc.reply(natd)
				tc.sendAt(1, -len(natd+"\r\n"), natd+"\r\n")
				c.data("198.51.100.7:40001", data, "")
			},
		},
		{
			name: "reply segments out of order",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				first, second := "227 Entering Passive ", "Mode (203,0,113,5,117,48).\r\n"
				tc.sendAt(1, len(first), second)
				tc.sendAt(1, 0, first)
				tc.skip(1, len(first)+len(second))
				c.data("198.51.100.7:40001", data, "")
			},
		},
		{
			name: "retransmission overlapping the next segment",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.send(1, "227 Entering ")
				tc.sendAt(1, -len("227 Entering "), "227 Entering Passive ")
				tc.skip(1, len("Passive "))
				tc.send(1, "Mode (203,0,113,5,117,48).\r\n")
				c.data("198.51.100.7:40001", data, "")
			},
		},
		{
			name: "pipelined commands, replies in one segment",
			steps: func(c *capture, tc *tcpConn) {
				tc.send(0, "TYPE I\r\nPASV\r\n")
				tc.send(1, "200 Switching to Binary mode.\r\n"+natd+"\r\n")
				c.data("198.51.100.7:40001", data, "")
			},
		},
		{
			name: "multi-line replies and a preliminary reply",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("FEAT")
				tc.send(1, "211-Features:\r\n EPRT\r\n EPSV\r\n211 End\r\n")
				tc.cmd("PASV")
				tc.reply(natd)
				tc.cmd("RETR x")
				tc.reply("150 Here it comes.")
				c.data("198.51.100.7:40001", data, "")
				tc.reply("226 Transfer complete.")
			},
		},
		{
			name: "a reply the capture lost",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.skip(1, len(natd+"\r\n")) // not in the capture
				tc.cmd("TYPE I")
				tc.reply("200 Switching to Binary mode.")
				// The reassembly holds the server's lines after the gap for
				// a while: this reply reaches the tracer after the data
				// connection it announces.
				tc.cmd("PASV")
				tc.reply(natd)
				c.data("198.51.100.7:40001", data, "")
				c.wait(time.Minute)
			},
			want: []string{
				cli + " -> " + srv + "  PASV  -  -",
				want[0],
			},
		},
		{
			name: "PASV twice: the first is replaced",
			steps: func(c *capture, tc *tcpConn) {
				tc.cmd("PASV")
				tc.reply(natd)
				tc.cmd("PASV")
				tc.reply(natd)
				c.data("198.51.100.7:40001", data, "")
			},
			want: []string{
				cli + " -> " + srv + "  PASV  " + dataN + "  nat-mismatch no-connection",
				want[0],
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, summary := traceLines(t, session(t, cli, srv, tt.steps))
			if strings.Contains(tt.name, "lost") {
				assert.Contains(t, summary, "\n1 negotiation has no reply in the capture: it lost packets, or ends too soon.\n"+
					"Control connections lack data in 1 place (the capture lost packets):\n")
			} else {
				assert.NotContains(t, summary, "lost packets")
			}
			w := tt.want
			if w == nil {
				w = want
			}
			assert.Equal(t, w, lines)
		})
	}
}

// TestTraceDetection checks that control connections are found by their
// content, on any port, and that nothing else is taken for one.
func TestTraceDetection(t *testing.T) {
	t.Run("greeting then commands, on any port", func(t *testing.T) {
		c := newCapture(t, layers.LinkTypeEthernet)
		tc := c.dial(cli, "192.0.2.10:443")
		tc.send(1, "220-Welcome\r\n220-to this server.\r\n220 Ready\r\n")
		tc.cmd("USER anonymous")
		tc.reply("331 Please specify the password.")
		tc.cmd("PASV")
		tc.reply("227 Entering Passive Mode (192,0,2,10,117,48).")
		c.data("198.51.100.7:40001", data, "")
		lines, summary := traceLines(t, c)
		assert.Equal(t, []string{cli + " -> 192.0.2.10:443  PASV  " + data + "  connected"}, lines)
		assert.Contains(t, summary, "1 FTP control connection")
	})
	t.Run("client command before the greeting", func(t *testing.T) {
		c := newCapture(t, layers.LinkTypeEthernet)
		tc := c.dial(cli, srv)
		tc.cmd("USER anonymous")
		tc.reply("220 Ready")
		tc.reply("331 Please specify the password.")
		tc.cmd("PASS x")
		tc.reply("230 Login successful.")
		tc.cmd("PASV")
		tc.reply(pasv)
		c.data("198.51.100.7:40001", data, "")
		lines, _ := traceLines(t, c)
		assert.Equal(t, []string{cli + " -> " + srv + "  PASV  " + data + "  connected"}, lines)
	})
	t.Run("capture started mid-session", func(t *testing.T) {
		c := newCapture(t, layers.LinkTypeEthernet)
		tc := c.midStream(cli, srv)
		tc.reply("226 Transfer complete.")
		tc.cmd("PASV")
		tc.reply(pasv)
		c.data("198.51.100.7:40001", data, "")
		lines, summary := traceLines(t, c)
		assert.Equal(t, []string{cli + " -> " + srv + "  PASV  " + data + "  connected"}, lines)
		assert.Contains(t, summary, "1 FTP control connection")
	})
	t.Run("capture started mid-session, server segment first", func(t *testing.T) {
		c := newCapture(t, layers.LinkTypeEthernet)
		tc := c.midStream(cli, srv)
		tc.reply("200 Switching to Binary mode.")
		tc.cmd("EPSV")
		tc.reply("229 Entering Extended Passive Mode (|||30000|)")
		c.data("198.51.100.7:40001", data, "")
		lines, _ := traceLines(t, c)
		assert.Equal(t, []string{cli + " -> " + srv + "  EPSV  " + data + "  connected"}, lines)
	})
	notFTP := []struct {
		name  string
		steps func(tc *tcpConn)
	}{
		{"HTTP carrying FTP lines", func(tc *tcpConn) {
			tc.send(0, "POST /log HTTP/1.1\r\nHost: example.com\r\n\r\nPORT 10,2,0,2,4,31\r\n")
			tc.send(1, "HTTP/1.1 200 OK\r\n\r\n227 Entering Passive Mode (10,2,0,2,4,31).\r\n")
		}},
		{"SMTP", func(tc *tcpConn) {
			tc.reply("220 mail.example.com ESMTP")
			tc.cmd("EHLO client.example.com")
			tc.reply("250 mail.example.com")
			tc.cmd("PORT 10,2,0,2,4,31")
			tc.reply("500 unknown command")
		}},
		{"a data connection carrying a server log", func(tc *tcpConn) {
			tc.send(1, "227 Entering Passive Mode (10,2,0,2,4,31).\r\nPORT 10,2,0,2,4,31\r\n")
		}},
		{"a greeting, then no command", func(tc *tcpConn) {
			tc.reply("220 Ready")
			tc.send(0, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n")
		}},
		{"binary", func(tc *tcpConn) {
			tc.send(0, "\x00\x01\x02PASV\r\n")
			tc.send(1, "\x00227 Entering Passive Mode (10,2,0,2,4,31).\r\n")
		}},
		{"a first line longer than any FTP line", func(tc *tcpConn) {
			tc.send(1, "220 "+strings.Repeat("x", 5000)+"\r\n")
			tc.cmd("PASV")
			tc.reply("227 Entering Passive Mode (10,2,0,2,4,31).")
		}},
	}
	for _, tt := range notFTP {
		t.Run("not FTP: "+tt.name, func(t *testing.T) {
			c := newCapture(t, layers.LinkTypeEthernet)
			tc := c.dial(cli, srv)
			tt.steps(tc)
			tc.close()
			lines, summary := traceLines(t, c)
			assert.Empty(t, lines)
			assert.Regexp(t, `^summary: no FTP control connection found in \d+ packets\n$`, summary)
		})
	}
	t.Run("AUTH TLS", func(t *testing.T) {
		c := newCapture(t, layers.LinkTypeEthernet)
		tc := c.dial(cli, srv)
		tc.reply("220 Ready")
		tc.cmd("AUTH TLS")
		tc.reply("234 Proceed with negotiation.")
		tc.send(0, "\x16\x03\x01\x02\x00PASV\r\n")
		tc.send(1, "\x16\x03\x03227 Entering Passive Mode (10,2,0,2,4,31).\r\n")
		tc.close()
		lines, summary := traceLines(t, c)
		assert.Empty(t, lines)
		assert.Contains(t, summary, "1 control connection switched to TLS (AUTH TLS): its negotiations are\n  encrypted and not shown.\n")
	})
}

// TestTraceTimes checks the time printed, the order of the lines when
// control connections overlap, and the waits for data connections.
func TestTraceTimes(t *testing.T) {
	t.Run("time of the command, in UTC", func(t *testing.T) {
		c := newCapture(t, layers.LinkTypeEthernet)
		tc := c.dial(cli, srv)
		tc.login()
		c.wait(1234567 * time.Microsecond)
		at := c.now
		tc.cmd("PASV")
		tc.reply(pasv)
		c.data("198.51.100.7:40001", data, "")
		out, _, code := runTraceOn(t, c.writePcap(t.TempDir()))
		require.Equal(t, 0, code)
		assert.Equal(t, "2026-11-21T18:02:56.242567Z", timeText(at))
		assert.True(t, strings.HasPrefix(out, "2026-11-21T18:02:56.242567Z  "+cli+" -> "+srv+"  PASV  "), out)
	})
	t.Run("overlapping control connections print in the order of their commands", func(t *testing.T) {
		c := newCapture(t, layers.LinkTypeEthernet)
		a := c.dial(cli, srv)
		b := c.dial("198.51.100.8:50000", srv)
		a.login()
		b.login()
		a.cmd("PASV")
		a.reply(pasv)
		b.cmd("PASV")
		b.reply("227 Entering Passive Mode (192,0,2,10,117,49).")
		c.data("198.51.100.8:40001", "192.0.2.10:30001", "") // b's first
		c.wait(30 * time.Second)
		c.data("198.51.100.7:40001", data, "")
		lines, _ := traceLines(t, c)
		assert.Equal(t, []string{
			cli + " -> " + srv + "  PASV  " + data + "  connected",
			"198.51.100.8:50000 -> " + srv + "  PASV  192.0.2.10:30001  connected",
		}, lines)
	})
	t.Run("a data connection too late does not count", func(t *testing.T) {
		c := newCapture(t, layers.LinkTypeEthernet)
		tc := c.dial(cli, srv)
		tc.login()
		tc.cmd("PASV")
		tc.reply(pasv)
		for range 30 { // keep the capture going: 30 × 10 s
			c.wait(10 * time.Second)
			tc.cmd("NOOP")
			tc.reply("200 NOOP ok.")
		}
		c.data("198.51.100.7:40001", data, "")
		lines, _ := traceLines(t, c)
		assert.Equal(t, []string{cli + " -> " + srv + "  PASV  " + data + "  no-connection"}, lines)
	})
	t.Run("a control connection quiet for long resumes", func(t *testing.T) {
		c := newCapture(t, layers.LinkTypeEthernet)
		tc := c.dial(cli, srv)
		tc.login()
		tc.cmd("PASV")
		tc.reply(pasv)
		tc.cmd("RETR big.iso")
		other := c.dial("198.51.100.7:40001", data) // the transfer: 10 minutes
		for range 60 {
			c.wait(10 * time.Second)
			other.send(1, strings.Repeat("x", 1000))
		}
		other.close()
		tc.reply("226 Transfer complete.")
		tc.cmd("PASV")
		tc.reply(natd)
		c.data("198.51.100.7:40002", data, "")
		tc.close()
		lines, summary := traceLines(t, c)
		assert.Equal(t, []string{
			cli + " -> " + srv + "  PASV  " + data + "  connected",
			cli + " -> " + srv + "  PASV  " + dataN + "  nat-mismatch connected(" + data + ")",
		}, lines)
		assert.Contains(t, summary, "1 FTP control connection, 2 negotiations")
	})
}

// TestTraceBoundedState checks that the tracer forgets what it no longer
// needs on a long capture: closed and long-quiet connections, finished
// negotiations.
func TestTraceBoundedState(t *testing.T) {
	c := newCapture(t, layers.LinkTypeEthernet)
	for i := range 300 {
		client := netip.MustParseAddrPort("198.51.100.7:50000")
		client = netip.AddrPortFrom(client.Addr(), uint16(10000+i))
		tc := c.dial(client.String(), srv)
		tc.login()
		tc.cmd("PASV")
		tc.reply(pasv)
		if i%2 == 0 {
			tc.close() // the others are never closed
		}
		c.wait(time.Minute)
	}
	var out bytes.Buffer
	tr := newTracer(bufio.NewWriter(&out), false, traceLimits{conns: defaultMaxConns})
	f, err := os.Open(c.writePcap(t.TempDir()))
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, tr.readCapture(f, nil))
	// Five hours of capture: only the last hour's unclosed connections are
	// kept, and only the last negotiations wait.
	assert.LessOrEqual(t, len(tr.conns), 31)
	assert.LessOrEqual(t, len(tr.queue), 3)
	assert.LessOrEqual(t, len(tr.watches), 3)
	tr.finish()
	require.NoError(t, tr.out.Flush())
	lines, summary := splitTrace(t, out.String())
	assert.Len(t, lines, 300)
	assert.Contains(t, summary, "summary: 300 FTP control connections, 300 negotiations (300 PASV)")
}

// flood appends n connections of one segment each, from distinct hosts to
// port 21 of 192.0.2.99, each carrying an FTP command: connections the
// tracer keeps until it learns whether they are FTP.
func (c *capture) flood(n int) {
	for i := range n {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 9, byte(i >> 8), byte(i)}), 40000)
		c.packet(src, netip.MustParseAddrPort("192.0.2.99:21"), 1000, 1, tcpFlags{ack: true, psh: true},
			[]byte("USER anonymous\r\n"))
	}
}

// traceTracer traces c with the limits and returns the tracer, finished, and
// its output.
func traceTracer(t *testing.T, c *capture, json bool, lim traceLimits) (*tracer, string) {
	t.Helper()
	var out bytes.Buffer
	tr := newTracer(bufio.NewWriter(&out), json, lim)
	f, err := os.Open(c.writePcap(t.TempDir()))
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, tr.readCapture(f, nil))
	tr.finish()
	require.NoError(t, tr.out.Flush())
	return tr, out.String()
}

// TestTraceEviction checks that the limit on the connections tracked at once
// keeps the FTP sessions of a capture flooded with other connections: a
// control connection evicted while quiet resumes with its next segment.
func TestTraceEviction(t *testing.T) {
	c := newCapture(t, layers.LinkTypeEthernet)
	tc := c.dial(cli, srv)
	tc.login()
	c.flood(300) // the control connection is quiet and evicted
	tc.cmd("PASV")
	c.flood(300) // the reply waits in the middle of a flood
	tc.reply(pasv)
	c.flood(300)
	c.data("198.51.100.7:40000", data, "")
	tc.cmd("EPRT |1|198.51.100.7|40001|")
	tc.reply("200 EPRT command successful.")
	c.flood(300)
	tc.close()
	tr, out := traceTracer(t, c, false, traceLimits{conns: 50})
	lines, summary := splitTrace(t, out)
	assert.Equal(t, []string{
		cli + " -> " + srv + "  PASV  " + data + "  connected",
		cli + " -> " + srv + "  EPRT  198.51.100.7:40001  no-connection",
	}, lines)
	assert.Contains(t, summary, "summary: 1 FTP control connection, 2 negotiations (1 PASV, 1 EPRT)\n")
	assert.Contains(t, flat(summary), "The trace hit its memory limits: ")
	assert.Regexp(t, `\b1[0-9]{3} TCP connections evicted, as 50 were tracked at once \(-max-conns\)`, flat(summary))
	assert.Positive(t, tr.evictedStreams)
	assert.Empty(t, tr.streams, "the reassembly tracks nothing after the end")
	assert.Zero(t, tr.lineBytes, "every byte of lines counted is released")

	t.Run("json", func(t *testing.T) {
		_, out := traceTracer(t, c, true, traceLimits{conns: 50})
		var lim map[string]any
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if strings.Contains(l, `"kind":"limits"`) {
				require.NoError(t, json.Unmarshal([]byte(l), &lim))
			}
		}
		require.NotNil(t, lim, "no limits object in %s", out)
		assert.EqualValues(t, 50, lim["max_conns"])
		assert.EqualValues(t, tr.evictedStreams, lim["evicted_conns"])
		assert.Contains(t, lim["diagnosis"], "50 were tracked at once")
	})

	t.Run("no limit hit", func(t *testing.T) {
		_, out := traceTracer(t, c, false, traceLimits{conns: defaultMaxConns})
		lines2, summary := splitTrace(t, out)
		assert.Equal(t, lines, lines2)
		assert.NotContains(t, summary, "limits")
		_, out = traceTracer(t, c, true, traceLimits{conns: defaultMaxConns})
		assert.NotContains(t, out, `"limits"`)
	})
}

// TestTraceControlLimit checks that the FTP control connections kept are
// limited too, and that the summary says how many were forgotten.
func TestTraceControlLimit(t *testing.T) {
	c := newCapture(t, layers.LinkTypeEthernet)
	for i := range 100 {
		// Connections picked up mid-stream: a command and its reply.
		client := netip.AddrPortFrom(netip.MustParseAddr("198.51.100.8"), uint16(20000+i)).String()
		tc := c.midStream(client, srv)
		tc.cmd("TYPE I")
		tc.reply("200 Switching to Binary mode.")
	}
	tc := c.dial(cli, srv)
	tc.login()
	tc.cmd("PASV")
	tc.reply(pasv)
	c.data("198.51.100.7:40000", data, "")
	tc.close()
	tr, out := traceTracer(t, c, false, traceLimits{conns: 20})
	lines, summary := splitTrace(t, out)
	assert.Equal(t, []string{cli + " -> " + srv + "  PASV  " + data + "  connected"}, lines)
	assert.Contains(t, summary, "summary: 101 FTP control connections, 1 negotiation (1 PASV)\n")
	assert.LessOrEqual(t, len(tr.conns), 20)
	assert.Contains(t, flat(summary), "FTP control connections forgotten, as 20 were kept (-max-conns)")
	assert.Zero(t, tr.lineBytes)
}

// TestTraceQueueLimit checks the limit on the negotiations waiting to be
// printed: one waits for its data connection while many follow.
func TestTraceQueueLimit(t *testing.T) {
	c := newCapture(t, layers.LinkTypeEthernet)
	first := c.dial(cli, srv)
	first.login()
	first.cmd("PASV")
	first.reply(pasv) // waits two minutes for a connection
	other := c.dial("198.51.100.9:50000", srv)
	other.login()
	for range maxWaiting + 10 {
		other.cmd("PORT 198,51,100,9,156,64")
		other.reply("200 PORT command successful.")
	}
	tr, out := traceTracer(t, c, false, traceLimits{conns: defaultMaxConns})
	lines, summary := splitTrace(t, out)
	require.Len(t, lines, maxWaiting+11)
	assert.Equal(t, cli+" -> "+srv+"  PASV  "+data+"  no-connection", lines[0], "printed first, as it came first")
	assert.Equal(t, 1, tr.evictedNegotiations)
	assert.Contains(t, flat(summary), "1 negotiation printed before the wait for their data connections ended, as 4096 waited")
}

// TestTraceRecentLimit checks the limit on the SYNs kept for negotiations
// that come late.
func TestTraceRecentLimit(t *testing.T) {
	c := newCapture(t, layers.LinkTypeEthernet)
	for i := range maxRecent + 100 {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 8, byte(i >> 8), byte(i)}), 40000)
		c.packet(src, netip.MustParseAddrPort("192.0.2.98:80"), 1, 0, tcpFlags{syn: true}, nil)
	}
	tr, out := traceTracer(t, c, false, traceLimits{conns: defaultMaxConns})
	assert.LessOrEqual(t, len(tr.recentOrder)-tr.recentHead, maxRecent)
	assert.Equal(t, 100, tr.evictedEvents)
	assert.Contains(t, flat(out), "100 SYN, SYN-ACK or RSTs forgotten early, as 16384 were kept")
}

// TestTraceConflictingRetransmit checks that a retransmission that carries
// other bytes than the segment it repeats flags the negotiation whose command
// or reply it changes, and is counted in the summary.
func TestTraceConflictingRetransmit(t *testing.T) {
	other := "227 Entering Passive Mode (192,0,2,11,117,48)." // as long as pasv
	require.Len(t, other, len(pasv))
	c := session(t, cli, srv, func(c *capture, tc *tcpConn) {
		tc.cmd("PASV")
		tc.reply(pasv)
		tc.sendAt(1, -len(pasv+"\r\n"), other+"\r\n") // another address
		c.data("198.51.100.7:40001", data, "")
		tc.cmd("PORT 198,51,100,7,156,65")
		tc.sendAt(0, -len("PORT 198,51,100,7,156,65\r\n"), "PORT 198,51,100,8,156,65\r\n")
		tc.reply("200 PORT command successful.")
		tc.cmd("EPSV")
		tc.sendAt(0, -len("EPSV\r\n"), "EPSV\r\n") // the same bytes
		tc.reply("229 Entering Extended Passive Mode (|||30002|)")
		c.data("198.51.100.7:40002", "192.0.2.10:30002", "")
		tc.cmd("TYPE I")
		tc.sendAt(0, -len("TYPE I\r\n"), "TYPE A\r\n") // no negotiation
		tc.reply("200 Switching to Binary mode.")
	})
	path := c.writePcap(t.TempDir())
	for _, tt := range []struct{ golden, flag string }{
		{"conflicting-retransmit.trace.golden", ""},
		{"conflicting-retransmit.trace.json.golden", "-json"},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			var args []string
			if tt.flag != "" {
				args = append(args, tt.flag)
			}
			out, errOut, code := runTraceOn(t, path, args...)
			require.Equal(t, 0, code, errOut)
			checkGolden(t, filepath.Join("testdata", tt.golden), out)
			if tt.flag == "" {
				lines, summary := splitTrace(t, out)
				assert.Equal(t, []string{
					cli + " -> " + srv + "  PASV  " + data + "  conflicting-retransmit connected",
					cli + " -> " + srv + "  PORT  198.51.100.7:40001  conflicting-retransmit no-connection",
					cli + " -> " + srv + "  EPSV  192.0.2.10:30002  connected",
				}, lines)
				assert.Contains(t, flat(summary), "3 retransmissions on control connections carried other bytes than were first sent (conflicting-retransmit)")
				assert.Contains(t, flat(summary), "- conflicting-retransmit: server 192.0.2.10:2121 sent 1 reply to PASV, but a retransmission carried other bytes")
				return
			}
			var flagged []string
			problems := 0
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				var j struct {
					Kind, Form, Problem string
					Flags               []string
				}
				require.NoError(t, json.Unmarshal([]byte(l), &j))
				if j.Kind == "negotiation" && slices.Contains(j.Flags, "conflicting-retransmit") {
					flagged = append(flagged, j.Form)
				}
				if j.Kind == "problem" && j.Problem == "conflicting-retransmit" {
					problems++
				}
			}
			assert.Equal(t, []string{"PASV", "PORT"}, flagged)
			assert.Equal(t, 2, problems)
		})
	}
}

// TestTraceRetransmitFarAway checks that segments half the sequence space
// away from a control connection's data are no retransmissions of it.
func TestTraceRetransmitFarAway(t *testing.T) {
	c := session(t, cli, srv, func(c *capture, tc *tcpConn) {
		tc.cmd("PASV")
		tc.reply(pasv)
		for _, off := range []int{-1 << 31, 1 << 31, -(1 << 31) + 3, (1 << 31) - 3, -100000} {
			tc.sendAt(1, off, "227 Entering Passive Mode (192,0,2,11,117,48).\r\n")
		}
		c.data("198.51.100.7:40001", data, "")
	})
	lines, summary := traceLines(t, c)
	assert.Equal(t, []string{cli + " -> " + srv + "  PASV  " + data + "  connected"}, lines)
	assert.NotContains(t, summary, "conflicting")
}

func TestTraceMaxConnsFlag(t *testing.T) {
	for _, v := range []string{"0", "-1", "x"} {
		var out, errb bytes.Buffer
		code := runTrace([]string{"-max-conns", v, "capture.pcap"}, nil, &out, &errb)
		assert.Equal(t, exitUsage, code, v)
		assert.Empty(t, out.String())
		assert.Contains(t, errb.String(), "usage: hostport trace [-json] [-max-conns N] FILE", v)
	}
	var out, errb bytes.Buffer
	require.Equal(t, exitOK, runTrace([]string{"-h"}, nil, &out, &errb))
	assert.Contains(t, out.String(), "-max-conns N  TCP connections tracked at once (10000 by default)")
	assert.Contains(t, out.String(), "conflicting-retransmit")
	assert.Empty(t, errb.String(), "the help goes to standard output")
}

// Flags may follow the capture's name, as "hostport trace cap.pcap -json".
func TestTraceFlagsAfterFile(t *testing.T) {
	var out, errb bytes.Buffer
	code := runTrace([]string{"testdata/vsftpd-curl.pcap", "-json", "-max-conns", "100"}, nil, &out, &errb)
	require.Equal(t, exitOK, code, errb.String())
	first, _, _ := strings.Cut(out.String(), "\n")
	assert.True(t, strings.HasPrefix(first, `{"kind":"negotiation"`), "want JSON, got %q", first)
}

// TestTraceFormats checks the capture formats and link types.
func TestTraceFormats(t *testing.T) {
	build := func(t *testing.T, link layers.LinkType) *capture {
		c := newCapture(t, link)
		for _, ends := range [][2]string{{cli, srv}, {cli6, srv6}} {
			tc := c.dial(ends[0], ends[1])
			tc.login()
			tc.cmd("EPSV")
			tc.reply("229 Entering Extended Passive Mode (|||30000|)")
			host := netip.MustParseAddrPort(ends[1]).Addr()
			c.data(strings.Replace(ends[0], "50000", "40000", 1), netip.AddrPortFrom(host, 30000).String(), "")
			tc.close()
		}
		return c
	}
	want := []string{
		cli + " -> " + srv + "  EPSV  192.0.2.10:30000  connected",
		cli6 + " -> " + srv6 + "  EPSV  [2001:db8::10]:30000  connected",
	}
	for _, link := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeNull, layers.LinkTypeRaw} {
		for _, ng := range []bool{false, true} {
			name := link.String()
			if ng {
				name += " pcapng"
			}
			t.Run(name, func(t *testing.T) {
				c := build(t, link)
				path := c.writePcap(t.TempDir())
				if ng {
					path = c.writePcapng(t.TempDir())
				}
				out, errOut, code := runTraceOn(t, path)
				require.Equal(t, 0, code, errOut)
				lines, _ := splitTrace(t, out)
				assert.Equal(t, want, lines)
			})
		}
	}
	t.Run("standard input", func(t *testing.T) {
		c := build(t, layers.LinkTypeEthernet)
		in, err := os.ReadFile(c.writePcapng(t.TempDir()))
		require.NoError(t, err)
		var out, errb bytes.Buffer
		code := runTrace([]string{"-"}, bytes.NewReader(in), &out, &errb)
		require.Equal(t, 0, code, errb.String())
		lines, _ := splitTrace(t, out.String())
		assert.Equal(t, want, lines)
	})
}

func TestTraceJSON(t *testing.T) {
	c := session(t, cli, srv, func(c *capture, tc *tcpConn) {
		tc.cmd("PASV")
		tc.reply(natd)
		c.refused("198.51.100.7:40001", dataN)
		c.data("198.51.100.7:40002", data, "")
		tc.cmd("PORT 203,0,113,99,0,25")
		tc.reply("500 Illegal PORT command.")
	})
	out, errOut, code := runTraceOn(t, c.writePcap(t.TempDir()), "-json")
	require.Equal(t, 0, code, errOut)
	var objs []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		objs = append(objs, m)
	}
	require.Len(t, objs, 5)
	assert.Equal(t, map[string]any{
		"kind":         "negotiation",
		"time":         objs[0]["time"],
		"client":       cli,
		"server":       srv,
		"form":         "PASV",
		"command":      "PASV",
		"reply":        natd,
		"endpoint":     dataN,
		"flags":        []any{"nat-mismatch", "connected"},
		"connected_to": data,
		"dials": []any{
			map[string]any{"to": dataN, "from": "198.51.100.7:40001", "result": "reset", "syns": 1.0},
			map[string]any{"to": data, "from": "198.51.100.7:40002", "result": "connected", "syns": 1.0},
		},
	}, objs[0])
	assert.Regexp(t, `^2026-11-21T18:02:55\.\d{6}Z$`, objs[0]["time"])
	assert.Equal(t, map[string]any{
		"kind":     "negotiation",
		"time":     objs[1]["time"],
		"client":   cli,
		"server":   srv,
		"form":     "PORT",
		"command":  "PORT 203,0,113,99,0,25",
		"reply":    "500 Illegal PORT command.",
		"endpoint": "203.0.113.99:25",
		"flags":    []any{"nat-mismatch", "foreign-address", "privileged-port", "rejected", "no-connection"},
	}, objs[1])
	for i, p := range []string{"nat-mismatch", "foreign-address", "privileged-port"} {
		o := objs[2+i]
		assert.Equal(t, "problem", o["kind"])
		assert.Equal(t, p, o["problem"])
		assert.EqualValues(t, 1, o["count"])
		assert.NotEmpty(t, o["diagnosis"])
	}
	assert.Equal(t, srv, objs[2]["server"])
	assert.Equal(t, "198.51.100.7", objs[3]["client"])
	assert.Equal(t, "PORT 203,0,113,99,0,25", objs[3]["example"])
}

// TestTraceReplyAfterConnection checks that a reply that comes after the
// data connection (pyftpdlib connects at PORT time) is still shown.
func TestTraceReplyAfterConnection(t *testing.T) {
	c := session(t, cli, srv, func(c *capture, tc *tcpConn) {
		tc.cmd("PORT 198,51,100,7,156,64")
		c.data("192.0.2.10:20", "198.51.100.7:40000", "")
		tc.reply("200 Active data connection established.")
	})
	out, errOut, code := runTraceOn(t, c.writePcap(t.TempDir()), "-json")
	require.Equal(t, 0, code, errOut)
	var j jsonNegotiation
	require.NoError(t, json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &j))
	assert.Equal(t, "200 Active data connection established.", j.Reply)
	assert.Equal(t, []string{"connected"}, j.Flags)
	assert.Equal(t, []jsonDial{{To: "198.51.100.7:40000", From: "192.0.2.10:20", Result: "connected", SYNs: 1}}, j.Dials)
}

func TestTraceErrors(t *testing.T) {
	dir := t.TempDir()
	notCapture := filepath.Join(dir, "log.txt")
	require.NoError(t, os.WriteFile(notCapture, []byte("PORT 10,2,0,2,4,31\n"), 0o644))
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))

	c := session(t, cli, srv, func(c *capture, tc *tcpConn) {
		tc.cmd("PASV")
		tc.reply(pasv)
		c.data("198.51.100.7:40001", data, "")
	})
	full, err := os.ReadFile(c.writePcap(dir))
	require.NoError(t, err)
	truncated := filepath.Join(dir, "truncated.pcap")
	require.NoError(t, os.WriteFile(truncated, full[:len(full)-10], 0o644))

	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
		wantOut string
	}{
		{"no file", nil, 2, "hostport trace: want one capture FILE (or - for standard input)\n" + traceShortUsage, ""},
		{"two files", []string{"a", "b"}, 2, "hostport trace: want one capture FILE (or - for standard input)\n" + traceShortUsage, ""},
		{"unknown flag", []string{"-x", "a"}, 2, "flag provided but not defined: -x\n" + traceShortUsage, ""},
		{"help", []string{"-h"}, 0, traceUsage, ""},
		{"missing file", []string{filepath.Join(dir, "nope.pcap")}, 1, "hostport trace: open " + filepath.Join(dir, "nope.pcap") + ": no such file or directory\n", ""},
		{"not a capture", []string{notCapture}, 1, "hostport trace: " + notCapture + ": not a pcap or pcapng capture\n", ""},
		{"empty file", []string{empty}, 1, "hostport trace: " + empty + ": not a pcap or pcapng capture: the file is empty or shorter than a header\n", ""},
		{"directory", []string{dir}, 1, "hostport trace: " + dir + ": read " + dir + ": is a directory\n", ""},
		{"truncated capture", []string{truncated}, 1,
			"hostport trace: " + truncated + ": the capture ends in the middle of a packet (was it still being written?)\n",
			"PASV  " + data + "  connected\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runTrace(tt.args, nil, &out, &errb)
			assert.Equal(t, tt.code, code)
			if tt.name == "help" {
				assert.Equal(t, tt.wantErr, out.String(), "the help goes to standard output")
				assert.Empty(t, errb.String())
				return
			}
			if tt.code == 2 {
				assert.Equal(t, tt.wantErr, errb.String())
				assert.Empty(t, out.String())
				return
			}
			assert.Equal(t, tt.wantErr, errb.String())
			if tt.wantOut == "" {
				assert.Empty(t, out.String(), "nothing was read, so no summary either")
				return
			}
			assert.Contains(t, out.String(), tt.wantOut)
		})
	}
}

// TestTraceWarnings checks the warnings about packets the trace cannot
// read.
func TestTraceWarnings(t *testing.T) {
	t.Run("unsupported link type", func(t *testing.T) {
		c := newCapture(t, layers.LinkTypeEthernet)
		c.dial(cli, srv)
		c.link = layers.LinkTypeIEEE802_11 // the packets are Ethernet, the header says otherwise
		out, errOut, code := runTraceOn(t, c.writePcap(t.TempDir()))
		assert.Equal(t, 0, code)
		assert.Regexp(t, `^hostport trace: .*capture\.pcap: skipped 3 packets of unsupported link type 105\n$`, errOut)
		assert.Equal(t, "\nsummary: no FTP control connection found in 3 packets\n", out)
	})
	t.Run("snapshot length", func(t *testing.T) {
		c := session(t, cli, srv, func(c *capture, tc *tcpConn) {
			tc.cmd("PASV")
			tc.reply(pasv)
		})
		for i := range c.pkts {
			if p := &c.pkts[i]; len(p.data) > 60 {
				p.data = p.data[:60]
				p.ci.CaptureLength = 60
			}
		}
		out, errOut, code := runTraceOn(t, c.writePcap(t.TempDir()))
		assert.Equal(t, 0, code)
		assert.Regexp(t, `^hostport trace: .*capture\.pcap: 7 packets cut short by the capture's snapshot length: `+
			`commands and replies in them are lost \(capture with tcpdump -s 0\)\n$`, errOut)
		assert.Contains(t, out, "summary: no FTP control connection found in 15 packets")
	})
}

// fakeTerminal is a standard error that says it is a terminal.
type fakeTerminal struct{ bytes.Buffer }

func (f *fakeTerminal) Stat() (os.FileInfo, error) { return fakeCharDevice{}, nil }

type fakeCharDevice struct{ os.FileInfo }

func (fakeCharDevice) Mode() fs.FileMode { return fs.ModeDevice | fs.ModeCharDevice }

func TestTraceProgress(t *testing.T) {
	c := session(t, cli, srv, func(c *capture, tc *tcpConn) {
		tc.cmd("PASV")
		tc.reply(pasv)
		c.data("198.51.100.7:40001", data, "")
	})
	path := c.writePcap(t.TempDir())
	t.Run("on a terminal", func(t *testing.T) {
		var out bytes.Buffer
		var term fakeTerminal
		require.Equal(t, 0, runTrace([]string{path}, nil, &out, &term))
		assert.Regexp(t, `^\rhostport trace: \d+% \([\d.]+ k?B of [\d.]+ kB\), 1 packet, 0 control connections, 0 negotiations\x1b\[K\r\x1b\[K$`, term.String())
		assert.Contains(t, out.String(), "PASV  "+data+"  connected")
	})
	t.Run("on the terminal that shows the output", func(t *testing.T) {
		var term fakeTerminal
		require.Equal(t, 0, runTrace([]string{path}, nil, &term, &term))
		got := term.String()
		// The progress line is erased before each line of output.
		assert.Regexp(t, `^\rhostport trace: [^\n]*\x1b\[K\r\x1b\[K\d{4}-\d\d-\d\dT[^\r\x1b]*PASV  `+data+`  connected\n\nsummary: `, got)
		assert.Equal(t, 2, strings.Count(got, "\x1b[K"))
	})
	t.Run("elsewhere", func(t *testing.T) {
		var out, errb bytes.Buffer
		require.Equal(t, 0, runTrace([]string{path}, nil, &out, &errb))
		assert.Empty(t, errb.String())
	})
	assert.False(t, isTerminal(&bytes.Buffer{}))
	assert.True(t, isTerminal(&fakeTerminal{}))
	assert.Equal(t, "812 B", fmtBytes(812))
	assert.Equal(t, "3.4 MB", fmtBytes(3_400_000))
	assert.Equal(t, "1.2 GB", fmtBytes(1_234_567_890))
}

// TestTraceRealCapture pins the trace of a capture that tcpdump recorded of
// curl, and of a raw client, against vsftpd on loopback (testdata/record.sh):
// vsftpd on 127.0.0.1 advertises 127.0.0.2 (pasv_address), curl dials
// 127.0.0.1 by default and 127.0.0.2 with --no-ftp-skip-pasv-ip, where
// nothing listens; the raw client tries a bounce and a privileged port; on
// ::1, vsftpd answers PASV with 0,0,0,0.
func TestTraceRealCapture(t *testing.T) {
	for _, tt := range []struct{ golden, flag string }{
		{"vsftpd-curl.trace.golden", ""},
		{"vsftpd-curl.trace.json.golden", "-json"},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			var args []string
			if tt.flag != "" {
				args = append(args, tt.flag)
			}
			out, errOut, code := runTraceOn(t, filepath.Join("testdata", "vsftpd-curl.pcap"), args...)
			require.Equal(t, 0, code, errOut)
			require.Empty(t, errOut)
			checkGolden(t, filepath.Join("testdata", tt.golden), out)
		})
	}
	out, _, _ := runTraceOn(t, filepath.Join("testdata", "vsftpd-curl.pcap"))
	lines, summary := splitTrace(t, out)
	require.Len(t, lines, 9)
	assert.Regexp(t, `^127\.0\.0\.1:\d+ -> 127\.0\.0\.1:2171  PASV  127\.0\.0\.2:(\d+)  nat-mismatch connected\(127\.0\.0\.1:\d+\)$`, lines[0])
	assert.Regexp(t, `^127\.0\.0\.1:\d+ -> 127\.0\.0\.1:2171  PASV  127\.0\.0\.2:\d+  nat-mismatch no-connection$`, lines[1],
		"curl --no-ftp-skip-pasv-ip dials 127.0.0.2, where nothing listens")
	assert.Regexp(t, `  EPSV  127\.0\.0\.1:\d+  connected$`, lines[2])
	assert.Regexp(t, `  EPRT  127\.0\.0\.1:\d+  connected$`, lines[3])
	assert.Regexp(t, `  PORT  127\.0\.0\.1:\d+  connected$`, lines[4])
	assert.Regexp(t, `  PORT  127\.0\.0\.2:\d+  nat-mismatch foreign-address rejected no-connection$`, lines[5])
	assert.Regexp(t, `  PORT  127\.0\.0\.1:80  privileged-port rejected no-connection$`, lines[6])
	assert.Regexp(t, `^\[::1\]:\d+ -> \[::1\]:2172  EPSV  \[::1\]:\d+  connected$`, lines[7])
	assert.Regexp(t, `^\[::1\]:\d+ -> \[::1\]:2172  PASV  0\.0\.0\.0:(\d+)  connected\(\[::1\]:\d+\)$`, lines[8])
	assert.Contains(t, summary, "summary: 8 FTP control connections, 9 negotiations (3 PASV, 2 EPSV, 3 PORT, 1 EPRT)")
	assert.Contains(t, summary, "- nat-mismatch: server 127.0.0.1:2171 advertised 127.0.0.2 in 2 replies to\n  PASV, but its packets come from 127.0.0.1")
}

// TestTraceRealCaptureAny reads a capture that tcpdump recorded on Linux's
// "any" interface, whose link type is Linux cooked v2, of curl's PASV
// session against vsftpd. That recording lost packets, the 227 reply among
// them, as real captures do.
func TestTraceRealCaptureAny(t *testing.T) {
	out, errOut, code := runTraceOn(t, filepath.Join("testdata", "vsftpd-curl-any.pcap"))
	require.Equal(t, 0, code, errOut)
	require.Empty(t, errOut)
	checkGolden(t, filepath.Join("testdata", "vsftpd-curl-any.trace.golden"), out)
	lines, summary := splitTrace(t, out)
	require.Len(t, lines, 1)
	assert.Regexp(t, `^127\.0\.0\.1:\d+ -> 127\.0\.0\.1:2171  PASV  `, lines[0])
	assert.Contains(t, summary, "summary: 1 FTP control connection, 1 negotiation (1 PASV)\n")
}

// checkGolden compares got with the golden file, or rewrites the file with
// -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to write it", t.Name())
	assert.Equal(t, string(want), got)
}

func BenchmarkTrace(b *testing.B) {
	c := newCapture(b, layers.LinkTypeEthernet)
	for i := range 200 {
		client := netip.AddrPortFrom(netip.MustParseAddr("198.51.100.7"), uint16(10000+i)).String()
		tc := c.dial(client, srv)
		tc.login()
		tc.cmd("PASV")
		tc.reply(natd)
		d := c.dial(netip.AddrPortFrom(netip.MustParseAddr("198.51.100.7"), uint16(40000+i)).String(), data)
		for range 20 {
			d.send(1, strings.Repeat("x", 1400))
		}
		d.close()
		tc.close()
	}
	path := c.writePcap(b.TempDir())
	fi, err := os.Stat(path)
	require.NoError(b, err)
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for b.Loop() {
		var errb bytes.Buffer
		if code := runTrace([]string{path}, nil, io.Discard, &errb); code != 0 {
			b.Fatal(errb.String())
		}
	}
}

// natlabCaptures is where the NAT lab keeps its captures of failing
// sessions, each taken on the router's inside (-in) and outside (-out) legs.
const natlabCaptures = "../../interop/natlab/testdata"

// TestTraceNATLab pins the trace of sessions that failed through a real NAT
// (Linux nftables, with and without its FTP helper), captured on both sides
// of the router, and checks what each diagnosis must say: who rejected a
// command, the remedies that the lab shows to work (the router's FTP helper,
// natproxy, the server's public-address setting, passive mode), which dials
// had no answer, and, inside a NAT, what the capture cannot show instead of
// a guess at the cause.
func TestTraceNATLab(t *testing.T) {
	tests := []struct {
		name string
		line string   // the negotiation line, without its time
		want []string // in the summary
		not  []string // not in the summary
	}{
		{
			name: "t1-helper-off-curl-port-in",
			line: "10.99.1.2:37436 -> 198.18.0.2:21  PORT  10.99.1.2:36953  rejected no-connection",
			want: []string{
				`- rejected: server 198.18.0.2:21 answered 1 PORT command from client 10.99.1.2 with "500 Illegal PORT command."`,
				"it is most likely behind a NAT",
				"The router's FTP helper (nf_conntrack_ftp / ct helper ftp) or natproxy rewrites the command; or use passive mode",
			},
			not: []string{"client 10.99.1.2 answered"},
		},
		{
			name: "t1-helper-off-curl-port-out",
			line: "198.18.0.1:37436 -> 198.18.0.2:21  PORT  10.99.1.2:36953  nat-mismatch foreign-address rejected no-connection",
			want: []string{
				"Behind a NAT, the router's FTP helper (nf_conntrack_ftp / ct helper ftp) or natproxy rewrites the command; or use passive mode",
				"The server rejected it",
			},
		},
		{
			name: "t1-v6-helper-off-curl-eprt-in",
			line: "[fd00:99:1::2]:45824 -> [fd00:18::2]:21  EPRT  [fd00:99:1::2]:59773  rejected no-connection",
			want: []string{
				`- rejected: server [fd00:18::2]:21 answered 1 EPRT command from client fd00:99:1::2 with "500 Illegal EPRT command."`,
				"the server does not accept the address",
				"if a NAT is between client and server",
				"the router's FTP helper (nf_conntrack_ftp / ct helper ftp) or natproxy rewrites the command",
			},
			not: []string{"client fd00:99:1::2 answered", "clients fall back to PASV or PORT"},
		},
		{
			name: "t1-v6-helper-off-curl-eprt-out",
			line: "[fd00:18::1]:45824 -> [fd00:18::2]:21  EPRT  [fd00:99:1::2]:59773  nat-mismatch foreign-address rejected no-connection",
			want: []string{"Behind a NAT, the router's FTP helper (nf_conntrack_ftp / ct helper ftp) or natproxy rewrites the command"},
		},
		{
			name: "t2-helper-off-curl-pasv-trust-in",
			line: "198.18.0.2:40530 -> 10.99.2.2:21  PASV  10.99.2.2:30005  no-connection",
			want: []string{
				"no SYN to it was seen",
				"this capture is inside the NAT, so it cannot show what happened outside",
				"A capture outside the NAT shows it.",
				"set the server's public address (vsftpd pasv_address, ProFTPD MasqueradeAddress, Pure-FTPd ForcePassiveIP or -P), " +
					"or enable the router's FTP helper (nf_conntrack_ftp / ct helper ftp), or run natproxy on the router",
				"EPSV, avoid it",
			},
			not: []string{"must be open and forwarded", "may drop"},
		},
		{
			name: "t2-helper-off-curl-pasv-trust-out",
			line: "198.18.0.2:40530 -> 198.18.0.1:21  PASV  10.99.2.2:30005  nat-mismatch no-connection",
			want: []string{
				"the server advertises its private inside address",
				"Set its public address (vsftpd pasv_address, ProFTPD MasqueradeAddress, Pure-FTPd ForcePassiveIP or -P), " +
					"or enable the router's FTP helper (nf_conntrack_ftp / ct helper ftp), which rewrites the reply, or run natproxy",
				"and so does EPSV",
				"Data connections: 1 had none. The client's dial from 198.18.0.2:59028 to 10.99.2.2:30005 (3 SYNs) went unanswered.",
			},
		},
		{
			name: "t2-helper-off-curl-port-in",
			line: "198.18.0.2:40642 -> 10.99.2.2:21  PORT  198.18.0.2:33413  no-connection",
			want: []string{
				"the server's dial from 10.99.2.2:35265 to 198.18.0.2:33413 (3 SYNs) went unanswered",
				"this capture is inside the NAT, so it cannot show what happened outside",
				"the router's FTP helper (nf_conntrack_ftp / ct helper ftp) or natproxy lets them through; or use passive mode",
			},
			not: []string{"the server did not connect"},
		},
		{
			name: "t2-helper-off-curl-port-out",
			line: "198.18.0.2:40642 -> 198.18.0.1:21  PORT  198.18.0.2:33413  no-connection",
			want: []string{
				"no SYN to it was seen",
				"the router's FTP helper (nf_conntrack_ftp / ct helper ftp) or natproxy lets them through; or use passive mode",
			},
		},
		{
			name: "t2pn-helper-on-py-pasv-in",
			line: "198.18.0.2:40606 -> 10.99.2.2:21  PASV  198.18.0.1:30012  nat-mismatch no-connection",
			want: []string{
				"That is right for its clients, which are outside",
				"this capture cannot show whether the client dialed 198.18.0.1:30012, nor what the NAT did with it",
				"forward the passive port range too, or run natproxy on it",
				"does not open the port a 227 reply names when the reply already names the public address",
			},
			not: []string{"clients inside that trust"},
		},
		{
			name: "t2pn-helper-on-py-pasv-out",
			line: "198.18.0.2:40606 -> 198.18.0.1:21  PASV  198.18.0.1:30012  no-connection",
			want: []string{
				"connection attempts to 198.18.0.1:30012 were refused (RST) once",
				"or natproxy on it relays the data connections",
				"opens the port for EPSV",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(natlabCaptures, tt.name+".pcap")
			out, errOut, code := runTraceOn(t, path)
			require.Equal(t, 0, code, errOut)
			require.Empty(t, errOut)
			checkGolden(t, filepath.Join("testdata", "natlab-"+tt.name+".trace.golden"), out)
			lines, summary := splitTrace(t, out)
			assert.Equal(t, []string{tt.line}, lines)
			for _, s := range tt.want {
				assert.Contains(t, flat(summary), flat(s))
			}
			for _, s := range tt.not {
				assert.NotContains(t, flat(summary), flat(s))
			}

			jout, errOut, code := runTraceOn(t, path, "-json")
			require.Equal(t, 0, code, errOut)
			checkGolden(t, filepath.Join("testdata", "natlab-"+tt.name+".trace.json.golden"), jout)
			objs := strings.Split(strings.TrimSuffix(jout, "\n"), "\n")
			require.Len(t, objs, 2)
			var n jsonNegotiation
			require.NoError(t, json.Unmarshal([]byte(objs[0]), &n))
			assert.Equal(t, strings.Fields(tt.line)[5:], n.Flags)
			var p jsonProblem
			require.NoError(t, json.Unmarshal([]byte(objs[1]), &p))
			assert.Contains(t, flat(summary), flat(p.Diagnosis), "the JSON diagnosis is the text one")
		})
	}
}

// TestTraceNATLabJSON checks the JSON of a rejected PORT: the problem
// names the server that rejected it and the client it came from, and an
// unanswered dial counts its SYNs.
func TestTraceNATLabJSON(t *testing.T) {
	out, errOut, code := runTraceOn(t, filepath.Join(natlabCaptures, "t1-helper-off-curl-port-in.pcap"), "-json")
	require.Equal(t, 0, code, errOut)
	objs := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, objs, 2)
	var p jsonProblem
	require.NoError(t, json.Unmarshal([]byte(objs[1]), &p))
	assert.Equal(t, "rejected", p.Problem)
	assert.Equal(t, "198.18.0.2:21", p.Server)
	assert.Equal(t, "10.99.1.2", p.Client)

	out, errOut, code = runTraceOn(t, filepath.Join(natlabCaptures, "t2-helper-off-curl-pasv-trust-out.pcap"), "-json")
	require.Equal(t, 0, code, errOut)
	var n jsonNegotiation
	require.NoError(t, json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &n))
	assert.Equal(t, []jsonDial{{To: "10.99.2.2:30005", From: "198.18.0.2:59028", Result: "no-answer", SYNs: 3}}, n.Dials)
}

// trace and probe tell a public address from one a NAT hides by one rule,
// the library's: FixUnroutable's idea of routable. Multicast, 0/8 and 240/4
// are not public, which an earlier rule of trace's own got wrong.
func TestIsPublic(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"203.0.113.7", true},
		{"198.18.0.1", true},
		{"2001:db8::1", true},
		{"::ffff:203.0.113.7", true},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"100.64.0.1", false},
		{"127.0.0.1", false},
		{"169.254.1.1", false},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"224.0.0.1", false},
		{"240.0.0.1", false},
		{"255.255.255.255", false},
		{"::", false},
		{"::1", false},
		{"fe80::1", false},
		{"fd00::1", false},
		{"ff02::1", false},
		{"::ffff:10.1.2.3", false},
	} {
		assert.Equal(t, tc.want, isPublic(netip.MustParseAddr(tc.addr)), tc.addr)
	}
}

// trace's lineBuf frames a control connection's lines as lineReader frames
// standard input's, however the bytes are split into segments: "\r\n" and
// "\n" end a line, a bare "\r" is text. Unlike lineReader, it skips a line
// longer than maxCtlLine whole and makes no line of the bytes after the last
// "\n".
func TestTraceLineBufFramesAsLineReader(t *testing.T) {
	const text = "220 ready\r\nUSER a\nPASV\r\n\r\n\nX\rY\r\r\n227 (1,2,3,4,5,6)\n"
	var want []string
	lr := newLineReader(strings.NewReader(text), 64)
	for {
		b, long, err := lr.next()
		require.False(t, long)
		if len(b) > 0 {
			want = append(want, string(bytes.TrimSuffix(bytes.TrimSuffix(b, []byte{'\n'}), []byte{'\r'})))
		}
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
	}
	require.Len(t, want, 7)
	for size := 1; size <= len(text); size++ {
		var lb lineBuf
		var got []string
		for off := 0; off < len(text); off += size {
			seg := []byte(text[off:min(off+size, len(text))])
			lb.feed(seg, func(line []byte, end, n int) bool {
				assert.Equal(t, byte('\n'), seg[end], "size %d: offset of the line's end", size)
				got = append(got, string(line))
				return true
			}, func() bool { t.Fatalf("size %d: no line is too long", size); return false })
		}
		assert.Equal(t, want, got, "segments of %d bytes", size)
	}

	var lb lineBuf
	var got []string
	tooLong := 0
	long := strings.Repeat("x", maxCtlLine+1)
	for _, seg := range []string{"PORT 1,2", long[:100], long[100:] + "\r\nNOOP\r\n", "PA", "SV"} {
		lb.feed([]byte(seg), func(line []byte, _, _ int) bool {
			got = append(got, string(line))
			return true
		}, func() bool { tooLong++; return true })
	}
	assert.Equal(t, []string{"NOOP"}, got)
	assert.Equal(t, 1, tooLong)
	assert.Equal(t, "PASV", string(lb.buf), "the bytes after the last line wait for its end")
}

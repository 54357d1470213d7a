package alg_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/alg"
)

// The addresses of a NAT or proxy in front of a client: the internal client,
// the public address of the NAT or proxy (and an IPv6 one), and the server.
var (
	internalClient = netip.MustParseAddr("10.0.0.5")
	publicAddr     = netip.MustParseAddr("192.0.2.1")
	public6        = netip.MustParseAddr("2001:db8::1")
	serverAddr     = netip.MustParseAddr("203.0.113.10")
)

// natHook is the hook of a NAT in front of the internal client: it binds
// each PORT, EPRT and LPRT to the client's own address (Linux loose=0),
// refuses ports below 1024 with 504 (RFC 2577), and writes the public address
// with the same port; in the server's replies it writes the public address
// with the same port.
func natHook(ev alg.Event) (alg.Rewrite, error) {
	if ev.Dir == alg.ClientToServer {
		if ev.Addr.Addr() != internalClient {
			return alg.Rewrite{}, &alg.Veto{Code: 500, Text: "Illegal " + ev.Form.String() + " command."}
		}
		if ev.Addr.Port() < 1024 {
			return alg.Rewrite{}, &alg.Veto{Code: 504, Text: "Command not implemented for that parameter."}
		}
	}
	return alg.Rewrite{Addr: netip.AddrPortFrom(publicAddr, ev.Addr.Port())}, nil
}

// step is one step of a conversation: bytes from the client (c) or from the
// server (s).
type step struct {
	dir alg.Dir
	in  string
}

func c(s string) step { return step{alg.ClientToServer, s} }
func s(s string) step { return step{alg.ServerToClient, s} }

// login is the start of every conversation below.
var login = []step{s("220 FTP server ready.\r\n"), c("USER anonymous\r\n"), s("331 Password required.\r\n")}

const loginServer = "USER anonymous\r\n"
const loginClient = "220 FTP server ready.\r\n331 Password required.\r\n"

type convCase struct {
	name       string
	cfg        alg.Config
	steps      []step
	wantServer string // all the bytes that reach the server
	wantClient string // all the bytes that reach the client
	wantEvents []hostport.Form
	wantRefuse []error
	wantCliErr error
}

func runConv(t *testing.T, tc convCase) *harness {
	t.Helper()
	h := newHarness(t, tc.cfg)
	for _, st := range tc.steps {
		if st.dir == alg.ClientToServer {
			h.client(st.in)
		} else {
			h.server(st.in)
		}
	}
	cliErr := h.end(alg.ClientToServer)
	h.end(alg.ServerToClient)
	if tc.wantCliErr != nil {
		assert.ErrorIs(t, cliErr, tc.wantCliErr)
	} else {
		assert.NoError(t, cliErr)
	}
	assert.Equal(t, tc.wantServer, h.toServer.take(), "bytes to the server")
	assert.Equal(t, tc.wantClient, h.toClient.take(), "bytes to the client")
	var forms []hostport.Form
	for _, ev := range h.hookEvents() {
		forms = append(forms, ev.Form)
	}
	assert.Equal(t, tc.wantEvents, forms, "hook events")
	for _, want := range tc.wantRefuse {
		assert.True(t, h.hasRefusal(want), "OnRefuse was not given %v; got %v", want, h.refusals())
	}
	if tc.wantRefuse == nil {
		assert.Empty(t, h.refusals(), "OnRefuse")
	}
	return h
}

func with(steps ...step) []step { return append(append([]step(nil), login...), steps...) }

func TestConversations(t *testing.T) {
	nat := alg.Config{Hook: natHook}
	tests := []convCase{
		{
			name:       "PORT rewritten to the public address",
			cfg:        nat,
			steps:      with(c("PORT 10,0,0,5,4,1\r\n"), s("200 PORT command successful.\r\n")),
			wantServer: loginServer + "PORT 192,0,2,1,4,1\r\n",
			wantClient: loginClient + "200 PORT command successful.\r\n",
			wantEvents: []hostport.Form{hostport.FormPORT},
		},
		{
			name: "PORT with a NAT port change",
			cfg: alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
				return alg.Rewrite{Addr: netip.AddrPortFrom(publicAddr, 61000)}, nil
			}},
			steps:      with(c("PORT 10,0,0,5,4,1\r\n")),
			wantServer: loginServer + "PORT 192,0,2,1,238,72\r\n",
			wantClient: loginClient,
			wantEvents: []hostport.Form{hostport.FormPORT},
		},
		{
			name: "227 rewritten in place",
			cfg:  nat,
			steps: with(c("PASV\r\n"),
				s("227 Entering Passive Mode (10,0,0,9,195,80).\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "227 Entering Passive Mode (192,0,2,1,195,80).\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
		},
		{
			name: "227 without parentheses keeps its text",
			cfg:  nat,
			steps: with(c("pasv\r\n"),
				s("227 Data transfer will passively listen to 10,0,0,9,4,1 now\r\n")),
			wantServer: loginServer + "pasv\r\n",
			wantClient: loginClient + "227 Data transfer will passively listen to 192,0,2,1,4,1 now\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
		},
		{
			name: "P@SW is PASV",
			cfg:  nat,
			steps: with(c("P@SW\r\n"),
				s("227 Entering Passive Mode (10,0,0,9,4,1).\r\n")),
			wantServer: loginServer + "P@SW\r\n",
			wantClient: loginClient + "227 Entering Passive Mode (192,0,2,1,4,1).\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
		},
		{
			name: "EPRT for NAT66 written in RFC 5952 form",
			cfg: alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
				return alg.Rewrite{Addr: netip.MustParseAddrPort("[2001:DB8:0:0::1]:1025")}, nil
			}},
			steps:      with(c("EPRT |2|fd00::5|1025|\r\n")),
			wantServer: loginServer + "EPRT |2|2001:db8::1|1025|\r\n",
			wantClient: loginClient,
			wantEvents: []hostport.Form{hostport.FormEPRT},
		},
		{
			name: "EPSV port rewritten, delimiter and text kept",
			cfg: alg.Config{ServerAddr: serverAddr, Hook: func(ev alg.Event) (alg.Rewrite, error) {
				if ev.Addr != netip.AddrPortFrom(serverAddr, 6446) {
					return alg.Rewrite{}, errors.New("wrong event address " + ev.Addr.String())
				}
				return alg.Rewrite{Addr: netip.AddrPortFrom(publicAddr, 50000)}, nil
			}},
			steps: with(c("EPSV\r\n"),
				s("229 Extended Passive mode OK (!!!6446!)\r\n")),
			wantServer: loginServer + "EPSV\r\n",
			wantClient: loginClient + "229 Extended Passive mode OK (!!!50000!)\r\n",
			wantEvents: []hostport.Form{hostport.FormEPSV},
		},
		{
			name: "LPSV list rewritten in place, IPv4 to IPv6",
			cfg: alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
				return alg.Rewrite{Addr: netip.AddrPortFrom(public6, ev.Addr.Port())}, nil
			}},
			steps: with(c("LPSV\r\n"),
				s("228 Entering Long Passive Mode (4,4,10,0,0,9,2,4,31)\r\n")),
			wantServer: loginServer + "LPSV\r\n",
			wantClient: loginClient + "228 Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,31)\r\n",
			wantEvents: []hostport.Form{hostport.FormLPSV},
		},
		{
			name:       "LPRT rewritten",
			cfg:        nat,
			steps:      with(c("LPRT 4,4,10,0,0,5,2,4,31\r\n")),
			wantServer: loginServer + "LPRT 4,4,192,0,2,1,2,4,31\r\n",
			wantClient: loginClient,
			wantEvents: []hostport.Form{hostport.FormLPRT},
		},
		{
			name:       "no hook: lines are canonicalised",
			steps:      with(c("port 010,000,000,005,004,001\r\n"), c("Eprt !1!192.0.2.7!01025!\r\n")),
			wantServer: loginServer + "PORT 10,0,0,5,4,1\r\nEPRT |1|192.0.2.7|1025|\r\n",
			wantClient: loginClient,
			wantEvents: []hostport.Form{hostport.FormPORT, hostport.FormEPRT},
		},

		// A second command injected inside a line.
		{
			name:       "injection: bare LF inside a command",
			cfg:        nat,
			steps:      with(c("CWD leetXXXX\nPORT 10,0,0,5,4,1\r\n")),
			wantServer: loginServer,
			wantClient: loginClient + "500 Command line contains a bare CR, bare LF or NUL.\r\n",
			wantRefuse: []error{alg.ErrBadLine},
		},
		{
			name:       "injection: bare CR inside a command",
			cfg:        nat,
			steps:      with(c("CWD x\rPORT 10,0,0,5,4,1\r\n")),
			wantServer: loginServer,
			wantClient: loginClient + "500 Command line contains a bare CR, bare LF or NUL.\r\n",
			wantRefuse: []error{alg.ErrBadLine},
		},
		{
			name:       "injection: NUL inside a command",
			cfg:        nat,
			steps:      with(c("CWD x\x00PORT 10,0,0,5,4,1\r\n")),
			wantServer: loginServer,
			wantClient: loginClient + "500 Command line contains a bare CR, bare LF or NUL.\r\n",
			wantRefuse: []error{alg.ErrBadLine},
		},
		{
			name:       "injection: IAC WILL inside the verb: policed as PORT (foreign address)",
			cfg:        nat,
			steps:      with(c("PO\xff\xfb\x01RT 198,51,100,7,4,1\r\n")),
			wantServer: loginServer,
			wantClient: loginClient + "500 Illegal PORT command.\r\n",
			wantEvents: []hostport.Form{hostport.FormPORT},
			wantRefuse: []error{errAnyVeto},
		},
		{
			name:       "injection: IAC WILL inside the verb: regenerated without IAC",
			steps:      with(c("PO\xff\xfb\x01RT 198,51,100,7,4,1\r\n")),
			wantServer: loginServer + "PORT 198,51,100,7,4,1\r\n",
			wantClient: loginClient,
			wantEvents: []hostport.Form{hostport.FormPORT},
		},
		{
			name:       "injection: IAC IP, IAC DM before PORT: policed (privileged port)",
			cfg:        nat,
			steps:      with(c("\xff\xf4\xff\xf2PORT 10,0,0,5,0,22\r\n")),
			wantServer: loginServer,
			wantClient: loginClient + "504 Command not implemented for that parameter.\r\n",
			wantEvents: []hostport.Form{hostport.FormPORT},
			wantRefuse: []error{errAnyVeto},
		},
		{
			name:       "injection: over-long line refused whole",
			cfg:        nat,
			steps:      with(c(strings.Repeat("A", 9000)+"PORT 10,0,0,5,0,22\r\n"), c("NOOP\r\n")),
			wantServer: loginServer + "NOOP\r\n",
			wantClient: loginClient + "500 Command line too long.\r\n",
			wantRefuse: []error{alg.ErrLineTooLong},
		},
		{
			name:       "injection: PORT as an argument is not a command",
			cfg:        nat,
			steps:      with(c("STOR PORT 10,0,0,5,0,22\r\n")),
			wantServer: loginServer + "STOR PORT 10,0,0,5,0,22\r\n",
			wantClient: loginClient,
		},
		{
			name:       "injection: PORT split across chunks",
			cfg:        nat,
			steps:      with(c("NOOP\r\n"), c("PO"), c("RT 10,0,0,5,4,1\r\n")),
			wantServer: loginServer + "NOOP\r\nPORT 192,0,2,1,4,1\r\n",
			wantClient: loginClient,
			wantEvents: []hostport.Form{hostport.FormPORT},
		},
		{
			name:       "Telnet IP and DM before ABOR pass byte for byte",
			cfg:        nat,
			steps:      with(c("\xff\xf4\xff\xf2ABOR\r\n"), s("226 Abort successful.\r\n")),
			wantServer: loginServer + "\xff\xf4\xff\xf2ABOR\r\n",
			wantClient: loginClient + "226 Abort successful.\r\n",
		},
		{
			name:       "Telnet subnegotiation refused",
			cfg:        nat,
			steps:      with(c("PO\xff\xfa\x01\xff\xf0RT 10,0,0,5,4,1\r\n")),
			wantServer: loginServer,
			wantClient: loginClient + "500 Unsupported Telnet command in command line.\r\n",
			wantRefuse: []error{alg.ErrTelnet},
		},
		{
			name:       "Telnet IAC at the end of a command refused",
			cfg:        nat,
			steps:      with(c("NOOP\xff\r\n")),
			wantServer: loginServer,
			wantClient: loginClient + "500 Unsupported Telnet command in command line.\r\n",
			wantRefuse: []error{alg.ErrTelnet},
		},

		// NAT Slipstreaming: other protocols, and lines out of place.
		{
			name:       "slipstreaming: HTTP request is not FTP",
			cfg:        nat,
			steps:      []step{c("POST / HTTP/1.1\r\nHost: x\r\n\r\n" + strings.Repeat("A", 500) + "\r\nPORT 10,0,0,5,4,1\r\n")},
			wantServer: "",
			wantClient: "",
			wantRefuse: []error{alg.ErrNotFTP},
			wantCliErr: alg.ErrNotFTP,
		},
		{
			name: "slipstreaming: HTTP request passed raw with PassNonFTP",
			cfg:  alg.Config{Hook: natHook, PassNonFTP: true},
			steps: []step{s("220 x\r\n"), c("POST / HTTP/1.1\r\nHost: x\r\n\r\n"), c(strings.Repeat("A", 500) + "\r\nPORT 10,0,0,5,4,1\r\n"),
				s("227 Entering Passive Mode (10,0,0,9,0,22)\r\n")},
			wantServer: "POST / HTTP/1.1\r\nHost: x\r\n\r\n" + strings.Repeat("A", 500) + "\r\nPORT 10,0,0,5,4,1\r\n",
			wantClient: "220 x\r\n227 Entering Passive Mode (10,0,0,9,0,22)\r\n",
			wantRefuse: []error{alg.ErrNotFTP},
		},
		{
			name: "slipstreaming: 227 not at the start of a line",
			cfg:  nat,
			steps: with(c("PASV\r\n"), s("200 Type set to I; 227 Entering Passive Mode (10,0,0,9,0,22)\r\n"),
				s("227 Entering Passive Mode (10,0,0,9,0,22)\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "200 Type set to I; 227 Entering Passive Mode (10,0,0,9,0,22)\r\n" +
				"227 Reply refused by the proxy: not the answer to a passive command.\r\n",
			wantRefuse: []error{alg.ErrStrayAddress},
		},
		{
			name:       "slipstreaming: a reply in the command direction",
			cfg:        nat,
			steps:      with(c("227 Entering Passive Mode (10,0,0,9,0,22)\r\n")),
			wantServer: loginServer + "227 Entering Passive Mode (10,0,0,9,0,22)\r\n",
			wantClient: loginClient,
		},
		{
			name:       "slipstreaming: a command in the reply direction",
			cfg:        nat,
			steps:      with(c("NOOP\r\n"), s("PORT 10,0,0,9,0,22\r\n"), s("200 NOOP ok.\r\n")),
			wantServer: loginServer + "NOOP\r\n",
			wantClient: loginClient + "PORT 10,0,0,9,0,22\r\n200 NOOP ok.\r\n",
		},
		{
			name:       "slipstreaming: PORT naming another host",
			cfg:        nat,
			steps:      with(c("PORT 10,0,0,6,4,1\r\n")),
			wantServer: loginServer,
			wantClient: loginClient + "500 Illegal PORT command.\r\n",
			wantEvents: []hostport.Form{hostport.FormPORT},
			wantRefuse: []error{errAnyVeto},
		},
		{
			name:       "slipstreaming: PORT to port 22",
			cfg:        nat,
			steps:      with(c("PORT 10,0,0,5,0,22\r\n")),
			wantServer: loginServer,
			wantClient: loginClient + "504 Command not implemented for that parameter.\r\n",
			wantEvents: []hostport.Form{hostport.FormPORT},
			wantRefuse: []error{errAnyVeto},
		},

		// Protocol state: EPSV ALL, AUTH TLS, unsolicited replies.
		{
			name: "state: EPSV ALL refuses the other data-setup commands",
			cfg:  nat,
			steps: with(c("EPSV ALL\r\n"), s("200 EPSV ALL ok.\r\n"),
				c("PORT 10,0,0,5,4,1\r\n"), c("PASV\r\n"), c("EPRT |1|10.0.0.5|1025|\r\n"),
				c("LPRT 4,4,10,0,0,5,2,4,1\r\n"), c("LPSV\r\n"), c("EPSV\r\n"),
				s("229 Entering Extended Passive Mode (|||6446|)\r\n")),
			wantServer: loginServer + "EPSV ALL\r\nEPSV\r\n",
			wantClient: loginClient + "200 EPSV ALL ok.\r\n" +
				"501 PORT not allowed after EPSV ALL.\r\n501 PASV not allowed after EPSV ALL.\r\n" +
				"501 EPRT not allowed after EPSV ALL.\r\n501 LPRT not allowed after EPSV ALL.\r\n" +
				"501 LPSV not allowed after EPSV ALL.\r\n" +
				"229 Entering Extended Passive Mode (|||6446|)\r\n",
			wantEvents: []hostport.Form{hostport.FormEPSV},
			wantRefuse: []error{alg.ErrEPSVAll},
		},
		{
			name: "state: after AUTH TLS and 234 nothing is inspected",
			cfg:  nat,
			steps: []step{s("220 ready\r\n"), c("AUTH TLS\r\n"), s("234 Proceed with negotiation.\r\n"),
				c("\x16\x03\x01PORT 10,0,0,5,4,1\r\n"), s("\x16\x03\x03227 Entering Passive Mode (10,0,0,9,4,1)\r\n"),
				c("PORT 10,0,0,5,4,1\r\n\n\r"), s("227 Entering Passive Mode (10,0,0,9,4,1)\r\n")},
			wantServer: "AUTH TLS\r\n\x16\x03\x01PORT 10,0,0,5,4,1\r\nPORT 10,0,0,5,4,1\r\n\n\r",
			wantClient: "220 ready\r\n234 Proceed with negotiation.\r\n\x16\x03\x03227 Entering Passive Mode (10,0,0,9,4,1)\r\n" +
				"227 Entering Passive Mode (10,0,0,9,4,1)\r\n",
		},
		{
			name: "state: AUTH refused: inspection goes on",
			cfg:  nat,
			steps: []step{s("220 ready\r\n"), c("AUTH TLS\r\n"), s("500 AUTH not understood.\r\n"),
				c("PORT 10,0,0,5,4,1\r\n")},
			wantServer: "AUTH TLS\r\nPORT 192,0,2,1,4,1\r\n",
			wantClient: "220 ready\r\n500 AUTH not understood.\r\n",
			wantEvents: []hostport.Form{hostport.FormPORT},
		},
		{
			name:       "state: unsolicited 227",
			cfg:        nat,
			steps:      with(s("227 Entering Passive Mode (10,0,0,9,195,80)\r\n")),
			wantServer: loginServer,
			wantClient: loginClient + "227 Reply refused by the proxy: not the answer to a passive command.\r\n",
			wantRefuse: []error{alg.ErrStrayAddress},
		},
		{
			name:       "227 in answer to something else than PASV",
			cfg:        nat,
			steps:      with(c("NOOP\r\n"), s("227 Entering Passive Mode (10,0,0,9,195,80)\r\n")),
			wantServer: loginServer + "NOOP\r\n",
			wantClient: loginClient + "227 Reply refused by the proxy: not the answer to a passive command.\r\n",
			wantRefuse: []error{alg.ErrStrayAddress},
		},
		{
			name:       "229 in answer to PASV is replaced",
			cfg:        nat,
			steps:      with(c("PASV\r\n"), s("229 Entering Extended Passive Mode (|||6446|)\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "229 Reply refused by the proxy: not the answer to a passive command.\r\n",
			wantRefuse: []error{alg.ErrStrayAddress},
		},
		{
			name: "only the final line of a multi-line 227 is rewritten, the first replaced",
			cfg:  nat,
			steps: with(c("PASV\r\n"), s("227-Entering Passive Mode (10,0,0,9,4,1)\r\n"),
				s("227 Entering Passive Mode (10,0,0,9,4,1)\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "227-Reply refused by the proxy: not the answer to a passive command.\r\n" +
				"227 Entering Passive Mode (192,0,2,1,4,1)\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
			wantRefuse: []error{alg.ErrStrayAddress},
		},
		{
			name: "preliminary replies do not answer PASV",
			cfg:  nat,
			steps: with(c("PASV\r\n"), s("150 Not really.\r\n"),
				s("227 Entering Passive Mode (10,0,0,9,4,1)\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "150 Not really.\r\n227 Entering Passive Mode (192,0,2,1,4,1)\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
		},

		// Vetoes and errors.
		{
			name: "vetoed 227 becomes 425",
			cfg: alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
				return alg.Rewrite{}, errors.New("no")
			}},
			steps:      with(c("PASV\r\n"), s("227 Entering Passive Mode (10,0,0,9,4,1).\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "425 Can't open data connection.\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
			wantRefuse: []error{errAny},
		},
		{
			name: "vetoed 227 with a chosen code and text",
			cfg: alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
				return alg.Rewrite{}, &alg.Veto{Code: 421, Text: "Bye\r\nPORT 1,2,3,4,5,6"}
			}},
			steps:      with(c("PASV\r\n"), s("227 Entering Passive Mode (10,0,0,9,4,1).\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "421 Bye  PORT 1,2,3,4,5,6\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
			wantRefuse: []error{errAnyVeto},
		},
		{
			name:       "227 that does not parse becomes 425",
			cfg:        nat,
			steps:      with(c("PASV\r\n"), s("227 Entering Passive Mode (10,0,0,9,300,80).\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "425 Can't open data connection.\r\n",
			wantRefuse: []error{hostport.ErrRange},
		},
		{
			name:       "227 with two lists becomes 425",
			cfg:        nat,
			steps:      with(c("PASV\r\n"), s("227 Entering Passive Mode (10,0,0,9,4,1) (192,0,2,66,0,22)\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "425 Can't open data connection.\r\n",
			wantRefuse: []error{hostport.ErrSyntax},
		},
		{
			name:       "PORT that does not parse: 501",
			cfg:        nat,
			steps:      with(c("PORT 10,0,0,5,4,300\r\n"), c("PORT 10,0,0,5,4\r\n"), c("PORT  10,0,0,5,4,1\r\n"), c("PORT\t10,0,0,5,4,1\r\n")),
			wantServer: loginServer,
			wantClient: loginClient + strings.Repeat("501 Syntax error in PORT argument.\r\n", 4),
			wantRefuse: []error{hostport.ErrRange, hostport.ErrSyntax},
		},
		{
			name:       "EPRT with an unknown protocol: 522; LPRT with an unknown family: 521",
			cfg:        nat,
			steps:      with(c("EPRT |3|x|1025|\r\n"), c("LPRT 5,4,10,0,0,5,2,4,1\r\n")),
			wantServer: loginServer,
			wantClient: loginClient + "522 Network protocol not supported, use (1,2)\r\n521 Supported address families are (4,6)\r\n",
			wantRefuse: []error{hostport.ErrFamily},
		},
		{
			name:       "empty command line",
			cfg:        nat,
			steps:      with(c("\r\n"), c("  \r\n")),
			wantServer: loginServer,
			wantClient: loginClient + "500 Empty command line.\r\n500 Empty command line.\r\n",
			wantRefuse: []error{alg.ErrEmptyCommand},
		},

		// The order of replies.
		{
			name: "a refused command is answered in its turn",
			cfg:  nat,
			steps: with(c("TYPE I\r\nPORT 10,0,0,6,4,1\r\nNOOP\r\n"),
				s("200 Type set to I.\r\n"), s("200 NOOP ok.\r\n")),
			wantServer: loginServer + "TYPE I\r\nNOOP\r\n",
			wantClient: loginClient + "200 Type set to I.\r\n500 Illegal PORT command.\r\n200 NOOP ok.\r\n",
			wantEvents: []hostport.Form{hostport.FormPORT},
			wantRefuse: []error{errAnyVeto},
		},
		{
			name:       "refused commands between pipelined ones, replies in one read",
			cfg:        nat,
			steps:      with(c("NOOP\r\n\r\nNOOP\r\nCWD x\nPORT 10,0,0,5,4,1\r\n"), s("200 a\r\n200 b\r\n")),
			wantServer: loginServer + "NOOP\r\nNOOP\r\n",
			wantClient: loginClient + "200 a\r\n500 Empty command line.\r\n200 b\r\n500 Command line contains a bare CR, bare LF or NUL.\r\n",
			wantRefuse: []error{alg.ErrEmptyCommand, alg.ErrBadLine},
		},
		{
			name: "a refused command before the greeting is answered after it",
			cfg:  nat,
			steps: []step{c("USER a\r\n\r\n"), s("220-Welcome\r\n"), s("220 ready\r\n"),
				s("331 Password required.\r\n")},
			wantServer: "USER a\r\n",
			wantClient: "220-Welcome\r\n220 ready\r\n331 Password required.\r\n500 Empty command line.\r\n",
			wantRefuse: []error{alg.ErrEmptyCommand},
		},
		{
			name: "a refused command waits for the end of a multi-line reply",
			cfg:  nat,
			steps: with(c("FEAT\r\n"), s("211-Features:\r\n"), c("\r\n"), s(" EPSV\r\n"),
				s("211 End\r\n")),
			wantServer: loginServer + "FEAT\r\n",
			wantClient: loginClient + "211-Features:\r\n EPSV\r\n211 End\r\n500 Empty command line.\r\n",
			wantRefuse: []error{alg.ErrEmptyCommand},
		},
		{
			name: "Telnet negotiation before a reply (ProFTPD) keeps replies in step",
			cfg:  nat,
			steps: with(c("NO\xff\xfb\x01OP\r\n"), s("\xff\xfe\x01200 NOOP ok.\r\n"), c("PASV\r\n"),
				s("227 Entering Passive Mode (10,0,0,9,4,1).\r\n")),
			wantServer: loginServer + "NO\xff\xfb\x01OP\r\nPASV\r\n",
			wantClient: loginClient + "\xff\xfe\x01200 NOOP ok.\r\n227 Entering Passive Mode (192,0,2,1,4,1).\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
		},

		// Replies that cannot be inspected.
		{
			name:       "227 with a bare LF is replaced by 425",
			cfg:        nat,
			steps:      with(c("PASV\r\n"), s("227 Entering Passive Mode (10,0,0,9,4,1)\n227 (1,2,3,4,5,6)\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "425 Can't open data connection: reply refused by the proxy: bare CR, bare LF or NUL in the line.\r\n",
			wantRefuse: []error{alg.ErrBadLine},
		},
		{
			name:       "227 with a bare LF replaced even with PassBadReplies",
			cfg:        alg.Config{Hook: natHook, PassBadReplies: true},
			steps:      with(c("PASV\r\n"), s("227 Entering Passive Mode (10,0,0,9,4,1)\n227 (1,2,3,4,5,6)\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "425 Can't open data connection: reply refused by the proxy: bare CR, bare LF or NUL in the line.\r\n",
			wantRefuse: []error{alg.ErrBadLine},
		},
		{
			name:       "other lines with a bare LF passed with PassBadReplies",
			cfg:        alg.Config{Hook: natHook, PassBadReplies: true},
			steps:      with(c("CWD x\r\n"), s("250 a\nb\r\n")),
			wantServer: loginServer + "CWD x\r\n",
			wantClient: loginClient + "250 a\nb\r\n",
		},
		{
			name: "over-long reply replaced whole, code kept",
			cfg:  nat,
			steps: with(c("CWD x\r\n"), s("250-"+strings.Repeat("x", 9000)+"\r\n"), s(" "+strings.Repeat("y", 5000)+"\n\r\n"),
				s("250 "+strings.Repeat("z", 5000)+"\r\n")),
			wantServer: loginServer + "CWD x\r\n",
			wantClient: loginClient + "250-Reply refused by the proxy: line too long.\r\n" +
				" Line refused by the proxy: line too long.\r\n250 Reply refused by the proxy: line too long.\r\n",
			wantRefuse: []error{alg.ErrLineTooLong},
		},
		{
			name: "over-long reply passed whole with PassBadReplies",
			cfg:  alg.Config{Hook: natHook, PassBadReplies: true},
			steps: with(c("CWD x\r\n"), s("250 "+strings.Repeat("x", 9000)+"\r\n"),
				c("PASV\r\n"), s("227 (10,0,0,9,4,1)\r\n")),
			wantServer: loginServer + "CWD x\r\nPASV\r\n",
			wantClient: loginClient + "250 " + strings.Repeat("x", 9000) + "\r\n227 (192,0,2,1,4,1)\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
		},

		// Translation between families.
		{
			name: "EPRT from an IPv6 client becomes PORT",
			cfg: alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
				return alg.Rewrite{Addr: netip.AddrPortFrom(publicAddr, 50000), Form: hostport.FormPORT}, nil
			}},
			steps:      with(c("EPRT |2|2001:db8::7|1025|\r\n")),
			wantServer: loginServer + "PORT 192,0,2,1,195,80\r\n",
			wantClient: loginClient,
			wantEvents: []hostport.Form{hostport.FormEPRT},
		},
		{
			name: "EPRT from an IPv6 client becomes EPRT |1|",
			cfg: alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
				return alg.Rewrite{Addr: netip.AddrPortFrom(publicAddr, 50000)}, nil
			}},
			steps:      with(c("EPRT |2|2001:db8::7|1025|\r\n")),
			wantServer: loginServer + "EPRT |1|192.0.2.1|50000|\r\n",
			wantClient: loginClient,
			wantEvents: []hostport.Form{hostport.FormEPRT},
		},
		{
			name: "PORT that must name an IPv6 address becomes EPRT",
			cfg: alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
				return alg.Rewrite{Addr: netip.AddrPortFrom(public6, 50000)}, nil
			}},
			steps:      with(c("PORT 10,0,0,5,4,1\r\n")),
			wantServer: loginServer + "EPRT |2|2001:db8::1|50000|\r\n",
			wantClient: loginClient,
			wantEvents: []hostport.Form{hostport.FormPORT},
		},
		{
			name: "EPSV sent as PASV, 227 answered as 229 (RFC 6384)",
			cfg: alg.Config{PassiveAs: hostport.FormPASV, Hook: func(ev alg.Event) (alg.Rewrite, error) {
				if ev.Form != hostport.FormPASV || ev.Asked != hostport.FormEPSV {
					return alg.Rewrite{}, errors.New("wrong forms " + ev.Form.String() + " " + ev.Asked.String())
				}
				return alg.Rewrite{Addr: netip.AddrPortFrom(public6, 50000)}, nil
			}},
			steps: with(c("EPSV\r\n"), s("227 Entering Passive Mode (203,0,113,10,4,1).\r\n"),
				c("EPSV ALL\r\n"), c("PASV\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "229 Entering Extended Passive Mode (|||50000|)\r\n" +
				"200 EPSV ALL command successful.\r\n501 PASV not allowed after EPSV ALL.\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
			wantRefuse: []error{alg.ErrEPSVAll},
		},
		{
			name: "229 written as 227 when the hook asks",
			cfg: alg.Config{ServerAddr: serverAddr, Hook: func(ev alg.Event) (alg.Rewrite, error) {
				return alg.Rewrite{Addr: netip.AddrPortFrom(publicAddr, ev.Addr.Port()), Form: hostport.FormPASV}, nil
			}},
			steps:      with(c("EPSV\r\n"), s("229 Entering Extended Passive Mode (|||6446|)\r\n")),
			wantServer: loginServer + "EPSV\r\n",
			wantClient: loginClient + "227 Entering Passive Mode (192,0,2,1,25,46).\r\n",
			wantEvents: []hostport.Form{hostport.FormEPSV},
		},
		{
			name: "227 that must carry IPv6 is vetoed",
			cfg: alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
				return alg.Rewrite{Addr: netip.AddrPortFrom(public6, 50000)}, nil
			}},
			steps:      with(c("PASV\r\n"), s("227 Entering Passive Mode (10,0,0,9,4,1).\r\n")),
			wantServer: loginServer + "PASV\r\n",
			wantClient: loginClient + "425 Can't open data connection.\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV},
			wantRefuse: []error{errAny},
		},
		{
			name: "a command form for a reply is vetoed",
			cfg: alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
				return alg.Rewrite{Form: hostport.FormPORT}, nil
			}},
			steps:      with(c("PASV\r\n"), s("227 Entering Passive Mode (10,0,0,9,4,1).\r\n"), c("EPRT |1|10.0.0.5|1025|\r\n")),
			wantServer: loginServer + "PASV\r\nPORT 10,0,0,5,4,1\r\n",
			wantClient: loginClient + "425 Can't open data connection.\r\n",
			wantEvents: []hostport.Form{hostport.FormPASV, hostport.FormEPRT},
			wantRefuse: []error{errAny},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runConv(t, tc)
		})
	}
}

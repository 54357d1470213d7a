package alg_test

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/alg"
)

// A NAT in front of the client 10.0.0.5 writes its public address 192.0.2.1
// in the client's PORT commands, after checking that they name the client
// itself and no privileged port, and in the 227 replies of a server that
// announces its private address. Here the two directions are fed one after
// the other from strings; a proxy runs them side by side with Relay.
func Example() {
	client := netip.MustParseAddr("10.0.0.5")
	public := netip.MustParseAddr("192.0.2.1")
	cfg := alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
		if ev.Dir == alg.ClientToServer {
			if err := (hostport.ActivePolicy{}).Check(client, ev.Addr); err != nil {
				return alg.Rewrite{}, err
			}
		}
		return alg.Rewrite{Addr: netip.AddrPortFrom(public, ev.Addr.Port())}, nil
	}}
	var toClient, toServer strings.Builder
	s := alg.NewSession(&toClient, &toServer, cfg)

	s.CopyReplies(strings.NewReader("220 FTP server ready.\r\n"))
	s.CopyCommands(strings.NewReader("USER anonymous\r\nPORT 10,0,0,5,4,1\r\nPORT 10,0,0,5,0,25\r\nPASV\r\n"))
	s.CopyReplies(strings.NewReader("331 Password required.\r\n200 PORT command successful.\r\n" +
		"227 Entering Passive Mode (10,0,0,9,195,80).\r\n"))

	// The lines end in CRLF; print them with LF.
	fmt.Print("to the server:\n", strings.ReplaceAll(toServer.String(), "\r\n", "\n"),
		"to the client:\n", strings.ReplaceAll(toClient.String(), "\r\n", "\n"))
	// Output:
	// to the server:
	// USER anonymous
	// PORT 192,0,2,1,4,1
	// PASV
	// to the client:
	// 220 FTP server ready.
	// 504 PORT refused: privileged port.
	// 331 Password required.
	// 200 PORT command successful.
	// 227 Entering Passive Mode (192,0,2,1,195,80).
}

// A hook's Veto chooses the reply that the client gets for a refused
// command, and OnRefuse sees every refusal.
func ExampleVeto() {
	cfg := alg.Config{
		Hook: func(ev alg.Event) (alg.Rewrite, error) {
			return alg.Rewrite{}, &alg.Veto{Code: 502, Text: "Active mode is not available here."}
		},
		OnRefuse: func(d alg.Dir, line []byte, err error) {
			fmt.Printf("refused %q: %v\n", line, err)
		},
	}
	var toClient strings.Builder
	s := alg.NewSession(&toClient, io.Discard, cfg)
	s.CopyReplies(strings.NewReader(""))
	s.CopyCommands(strings.NewReader("USER anonymous\r\nEPRT |1|132.235.1.2|6275|\r\nEPRT |3|x|1|\r\n"))
	fmt.Print(strings.ReplaceAll(toClient.String(), "\r\n", "\n"))
	// Output:
	// refused "EPRT |1|132.235.1.2|6275|\r\n": 502 Active mode is not available here.
	// refused "EPRT |3|x|1|\r\n": hostport.ParseEPRT: parsing "EPRT |3|x|1|": unknown net-prt "3" (want 1 or 2) at offset 6
	// 502 Active mode is not available here.
	// 522 Network protocol not supported, use (1,2)
}

// An IPv6 client in front of an IPv4 server that knows only PASV and PORT,
// as RFC 6384 describes: its EPSV goes to the server as PASV, the 227 comes
// back as a 229, and its EPRT |2| goes as a PORT naming the gateway.
func ExampleConfig_passiveAs() {
	gw4 := netip.MustParseAddr("192.0.2.1")
	gw6 := netip.MustParseAddr("2001:db8::1")
	cfg := alg.Config{
		PassiveAs: hostport.FormPASV,
		Hook: func(ev alg.Event) (alg.Rewrite, error) {
			if ev.Dir == alg.ClientToServer {
				return alg.Rewrite{Addr: netip.AddrPortFrom(gw4, 50000), Form: hostport.FormPORT}, nil
			}
			return alg.Rewrite{Addr: netip.AddrPortFrom(gw6, 50001)}, nil
		},
	}
	var toClient, toServer strings.Builder
	s := alg.NewSession(&toClient, &toServer, cfg)
	s.CopyReplies(strings.NewReader("220 ready\r\n"))
	s.CopyCommands(strings.NewReader("USER anonymous\r\nEPRT |2|2001:db8::7|5282|\r\nEPSV\r\n"))
	s.CopyReplies(strings.NewReader("331 Password required.\r\n200 PORT ok.\r\n227 Entering Passive Mode (203,0,113,10,4,1).\r\n"))
	// The lines end in CRLF; print them with LF.
	fmt.Print("to the server:\n", strings.ReplaceAll(toServer.String(), "\r\n", "\n"),
		"to the client:\n", strings.ReplaceAll(toClient.String(), "\r\n", "\n"))
	// Output:
	// to the server:
	// USER anonymous
	// PORT 192,0,2,1,195,80
	// PASV
	// to the client:
	// 220 ready
	// 331 Password required.
	// 200 PORT ok.
	// 229 Entering Extended Passive Mode (|||50001|)
}

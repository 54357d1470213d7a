package hostport_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/netip"

	"github.com/ftpkit/hostport"
)

// A server answers PORT commands: the policy decides, ReplyCode picks the
// reply. The client's control connection comes from 198.51.100.7.
func ExampleActivePolicy_Check() {
	client := netip.MustParseAddr("198.51.100.7")
	var policy hostport.ActivePolicy // the zero value is the safe default

	for _, target := range []string{
		"198.51.100.7:1025",          // PORT 198,51,100,7,4,1
		"[::ffff:198.51.100.7]:1025", // EPRT |2|::ffff:198.51.100.7|1025|: the client too
		"203.0.113.99:1025",          // PORT 203,0,113,99,4,1: a bounce
		"198.51.100.7:25",            // PORT 198,51,100,7,0,25: SMTP
		"0.0.0.0:1025",               // PORT 0,0,0,0,4,1
	} {
		err := policy.Check(client, netip.MustParseAddrPort(target))
		if err != nil {
			fmt.Println(hostport.ReplyCode(err), err)
			continue
		}
		fmt.Println(hostport.ReplyCode(err), "PORT command successful")
	}
	// Output:
	// 200 PORT command successful
	// 200 PORT command successful
	// 500 hostport.ActivePolicy.Check: target 203.0.113.99:1025: not the client 198.51.100.7 (bounce attack, RFC 2577)
	// 504 hostport.ActivePolicy.Check: target 198.51.100.7:25: privileged port 25, below 1024 (RFC 2577)
	// 501 hostport.ActivePolicy.Check: target 0.0.0.0:1025: unspecified address
}

// A server that takes part in site-to-site (FXP) transfers lets targets name
// the other servers' network, and nothing else.
func ExampleActivePolicy_Check_siteToSite() {
	client := netip.MustParseAddr("198.51.100.7")
	policy := hostport.ActivePolicy{
		AllowForeign: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")},
	}
	for _, target := range []string{"203.0.113.99:1025", "203.0.113.99:25", "192.0.2.1:1025"} {
		fmt.Println(target, policy.Check(client, netip.MustParseAddrPort(target)))
	}
	// Output:
	// 203.0.113.99:1025 <nil>
	// 203.0.113.99:25 hostport.ActivePolicy.Check: target 203.0.113.99:25: privileged port 25, below 1024 (RFC 2577)
	// 192.0.2.1:1025 hostport.ActivePolicy.Check: target 192.0.2.1:1025: not the client 198.51.100.7 (bounce attack, RFC 2577)
}

// A server logs the details of a refusal.
func ExamplePolicyError() {
	client := netip.MustParseAddr("198.51.100.7")
	err := hostport.ActivePolicy{}.Check(client, netip.MustParseAddrPort("[::ffff:203.0.113.99]:1025"))

	var pe *hostport.PolicyError
	if errors.As(err, &pe) {
		fmt.Println("check:  ", pe.Func)
		fmt.Println("client: ", pe.Control)
		fmt.Println("target: ", pe.Addr)
		fmt.Println("bounce: ", errors.Is(err, hostport.ErrForeignAddress))
		fmt.Println("reply:  ", hostport.ReplyCode(err))
	}
	// Output:
	// check:   ActivePolicy.Check
	// client:  198.51.100.7
	// target:  [::ffff:203.0.113.99]:1025
	// bounce:  true
	// reply:   500
}

// A client has sent PASV over the control connection it dialled to
// 203.0.113.10:21, and the server answered
// "227 Entering Passive Mode (10,0,0,5,195,80)." (10.0.0.5:50000, from the
// 227 parser). Which address does it dial in each mode?
func ExamplePassivePolicy_Target() {
	control := netip.MustParseAddr("203.0.113.10") // the control connection's remote address
	for _, reply := range []string{"10.0.0.5:50000", "0.0.0.0:50000", "203.0.113.11:50000"} {
		fmt.Println("reply", reply)
		for _, mode := range []hostport.PassiveMode{
			hostport.UseControlAddr, hostport.FixUnroutable, hostport.RequireMatch, hostport.TrustReply,
		} {
			target, err := hostport.PassivePolicy{Mode: mode}.Target(control, netip.MustParseAddrPort(reply))
			if err != nil {
				fmt.Printf("  %-14s error: %v\n", mode, err)
				continue
			}
			fmt.Printf("  %-14s dial %v\n", mode, target)
		}
	}
	// Output:
	// reply 10.0.0.5:50000
	//   UseControlAddr dial 203.0.113.10:50000
	//   FixUnroutable  dial 203.0.113.10:50000
	//   RequireMatch   error: hostport.PassivePolicy.Target: reply 10.0.0.5:50000: not the server 203.0.113.10 (RequireMatch)
	//   TrustReply     dial 10.0.0.5:50000
	// reply 0.0.0.0:50000
	//   UseControlAddr dial 203.0.113.10:50000
	//   FixUnroutable  dial 203.0.113.10:50000
	//   RequireMatch   dial 203.0.113.10:50000
	//   TrustReply     dial 203.0.113.10:50000
	// reply 203.0.113.11:50000
	//   UseControlAddr dial 203.0.113.10:50000
	//   FixUnroutable  dial 203.0.113.11:50000
	//   RequireMatch   error: hostport.PassivePolicy.Target: reply 203.0.113.11:50000: not the server 203.0.113.10 (RequireMatch)
	//   TrustReply     dial 203.0.113.11:50000
}

// On an IPv6 control connection, vsftpd answers PASV with 0,0,0,0 and other
// servers with an IPv4 address they were told to announce; the default dials
// the control address.
func ExamplePassivePolicy_Target_ipv6() {
	control := netip.MustParseAddr("2001:db8::10")
	var policy hostport.PassivePolicy
	for _, reply := range []string{"0.0.0.0:30218", "192.0.2.1:30218"} {
		target, err := policy.Target(control, netip.MustParseAddrPort(reply))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(reply, "->", target)
	}
	// Output:
	// 0.0.0.0:30218 -> [2001:db8::10]:30218
	// 192.0.2.1:30218 -> [2001:db8::10]:30218
}

// A server accepts a passive data connection only from the client's host, and
// on a refusal keeps waiting for the client. The data connections' remote
// addresses come from net.Conn.RemoteAddr; a dual-stack listener reports IPv4
// clients in IPv4-mapped form.
func ExampleCheckDataPeer() {
	client := netip.MustParseAddr("198.51.100.7") // the control connection's remote address
	for _, peer := range []string{"203.0.113.66", "::ffff:198.51.100.7"} {
		if err := hostport.CheckDataPeer(client, netip.MustParseAddr(peer)); err != nil {
			fmt.Println("close and keep waiting:", err)
			continue
		}
		fmt.Println("transfer to", peer)
	}
	// Output:
	// close and keep waiting: hostport.CheckDataPeer: data peer 203.0.113.66: not the client 198.51.100.7 (port theft, RFC 2577)
	// transfer to ::ffff:198.51.100.7
}

func ExampleParsePortRange() {
	r, err := hostport.ParsePortRange("30000-30100")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Min, r.Max)

	_, err = hostport.ParsePortRange("1000-2000")
	fmt.Println(err)
	fmt.Println(errors.Is(err, hostport.ErrInvalidPortRange))
	// Output:
	// 30000 30100
	// hostport.ParsePortRange: parsing "1000-2000": min 1000 below 1024 (privileged ports, RFC 2577)
	// true
}

// A server answers PASV: it opens a listener at a random port of its range,
// on the local address of the client's control connection, and announces it.
func ExampleListenPassive() {
	r, err := hostport.ParsePortRange("20000-20999")
	if err != nil {
		log.Fatal(err)
	}
	local := netip.MustParseAddr("127.0.0.1") // the control connection's local address
	ln, err := hostport.ListenPassive(context.Background(), local, r)
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()

	// The 227 or 229 reply announces this port; every connection accepted
	// on ln is checked with CheckDataPeer.
	port := ln.Addr().(*net.TCPAddr).AddrPort().Port()
	fmt.Println("listening in range:", r.Min <= port && port <= r.Max)
	// Output:
	// listening in range: true
}

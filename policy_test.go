package hostport_test

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpkit/hostport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// The addresses of the tests: a client and a server on documentation
// networks (RFC 5737, RFC 3849).
var (
	clientAddr  = netip.MustParseAddr("198.51.100.7")
	serverAddr  = netip.MustParseAddr("203.0.113.10")
	clientAddr6 = netip.MustParseAddr("2001:db8::7")
	serverAddr6 = netip.MustParseAddr("2001:db8::10")
)

var policySentinels = []error{hostport.ErrForeignAddress, hostport.ErrPrivilegedPort, hostport.ErrUnusableAddress}

// checkPolicyError checks the shape every refusal of a policy check has: a
// *PolicyError for fn with the inputs, exactly one sentinel, want.
func checkPolicyError(t require.TestingT, err error, fn string, control netip.Addr, addr netip.AddrPort, want error) {
	var pe *hostport.PolicyError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, fn, pe.Func)
	assert.Equal(t, control, pe.Control)
	assert.Equal(t, addr, pe.Addr)
	assert.Equal(t, want, pe.Err)
	for _, s := range policySentinels {
		assert.Equal(t, s == want, errors.Is(err, s), "errors.Is(err, %v)", s)
	}
	assert.True(t, strings.HasPrefix(err.Error(), "hostport."+fn+": "), "message %q", err.Error())
	// The message is built from the fields alone.
	copied := &hostport.PolicyError{Func: pe.Func, Control: pe.Control, Addr: pe.Addr, Err: pe.Err}
	assert.Equal(t, err.Error(), copied.Error(), "message of a copy of the fields")
	wantCode := 425
	if fn == "ActivePolicy.Check" {
		wantCode = hostport.ReplyCode(err)
	}
	assert.Equal(t, wantCode, pe.ReplyCode(), "ReplyCode of %v", err)
}

// TestActivePolicyCheck checks each rule of ActivePolicy.Check, its errors
// and messages, and the reply code of each refusal.
func TestActivePolicyCheck(t *testing.T) {
	site := hostport.ActivePolicy{AllowForeign: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}}
	mappedSite := hostport.ActivePolicy{AllowForeign: []netip.Prefix{netip.MustParsePrefix("::ffff:203.0.113.0/120")}}
	everything := hostport.ActivePolicy{
		AllowForeign:    []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")},
		AllowPrivileged: true,
	}
	priv := hostport.ActivePolicy{AllowPrivileged: true}
	invalidPrefix := hostport.ActivePolicy{AllowForeign: []netip.Prefix{{}, netip.PrefixFrom(serverAddr, 33)}}

	tests := []struct {
		name    string
		policy  hostport.ActivePolicy
		peer    netip.Addr
		target  string
		want    error  // nil or the sentinel
		wantMsg string // the full message, if pinned
	}{
		// Bounce attempts and unusable targets from the client 198.51.100.7.
		{name: "PORT 198,51,100,7,4,1", peer: clientAddr, target: "198.51.100.7:1025"},
		{name: "PORT 203,0,113,99,4,1 bounce", peer: clientAddr, target: "203.0.113.99:1025", want: hostport.ErrForeignAddress,
			wantMsg: "hostport.ActivePolicy.Check: target 203.0.113.99:1025: not the client 198.51.100.7 (bounce attack, RFC 2577)"},
		{name: "PORT 127,0,0,1,4,1 loopback is foreign", peer: clientAddr, target: "127.0.0.1:1025", want: hostport.ErrForeignAddress},
		{name: "PORT 198,51,100,7,0,25", peer: clientAddr, target: "198.51.100.7:25", want: hostport.ErrPrivilegedPort,
			wantMsg: "hostport.ActivePolicy.Check: target 198.51.100.7:25: privileged port 25, below 1024 (RFC 2577)"},
		{name: "PORT 198,51,100,7,3,255 boundary", peer: clientAddr, target: "198.51.100.7:1023", want: hostport.ErrPrivilegedPort},
		{name: "PORT 198,51,100,7,4,0 boundary", peer: clientAddr, target: "198.51.100.7:1024"},
		{name: "PORT 198,51,100,7,255,255", peer: clientAddr, target: "198.51.100.7:65535"},
		{name: "PORT 0,0,0,0,4,1", peer: clientAddr, target: "0.0.0.0:1025", want: hostport.ErrUnusableAddress,
			wantMsg: "hostport.ActivePolicy.Check: target 0.0.0.0:1025: unspecified address"},
		{name: "PORT 198,51,100,7,0,0", peer: clientAddr, target: "198.51.100.7:0", want: hostport.ErrUnusableAddress,
			wantMsg: "hostport.ActivePolicy.Check: target 198.51.100.7:0: port 0"},
		{name: "port 203,0,113,99,0,25 foreign before privileged", peer: clientAddr, target: "203.0.113.99:25", want: hostport.ErrForeignAddress},
		{name: "EPRT |1|203.0.113.99|1025|", peer: clientAddr, target: "203.0.113.99:1025", want: hostport.ErrForeignAddress},
		{name: "EPRT |1|198.51.100.7|25|", peer: clientAddr, target: "198.51.100.7:25", want: hostport.ErrPrivilegedPort},
		{name: "LPRT 4,4,203,0,113,99,2,0,25", peer: clientAddr, target: "203.0.113.99:25", want: hostport.ErrForeignAddress},
		{name: "LPRT 4,4,198,51,100,7,2,4,1", peer: clientAddr, target: "198.51.100.7:1025"},
		{name: "multicast", peer: clientAddr, target: "224.0.0.1:1025", want: hostport.ErrUnusableAddress,
			wantMsg: "hostport.ActivePolicy.Check: target 224.0.0.1:1025: multicast address"},
		{name: "broadcast", peer: clientAddr, target: "255.255.255.255:1025", want: hostport.ErrUnusableAddress,
			wantMsg: "hostport.ActivePolicy.Check: target 255.255.255.255:1025: broadcast address"},
		{name: "IPv6 target from IPv4 client", peer: clientAddr, target: "[2001:db8::7]:1025", want: hostport.ErrForeignAddress},
		{name: "EPRT |2|::1|40000| from IPv4 client", peer: clientAddr, target: "[::1]:40000", want: hostport.ErrForeignAddress},

		// Mapped and zoned addresses are compared as hosts.
		{name: "EPRT |2|::ffff:198.51.100.7|1025| is the client", peer: clientAddr, target: "[::ffff:198.51.100.7]:1025"},
		{name: "EPRT |2|::ffff:203.0.113.99|1025| is foreign", peer: clientAddr, target: "[::ffff:203.0.113.99]:1025", want: hostport.ErrForeignAddress},
		{name: "mapped unspecified", peer: clientAddr, target: "[::ffff:0.0.0.0]:1025", want: hostport.ErrUnusableAddress},
		{name: "mapped broadcast", peer: clientAddr, target: "[::ffff:255.255.255.255]:1025", want: hostport.ErrUnusableAddress},
		{name: "mapped privileged", peer: clientAddr, target: "[::ffff:198.51.100.7]:21", want: hostport.ErrPrivilegedPort},
		{name: "dual-stack socket reports the client mapped", peer: netip.MustParseAddr("::ffff:198.51.100.7"), target: "198.51.100.7:1025"},
		{name: "EPRT |2|2001:db8::7|1025|", peer: clientAddr6, target: "[2001:db8::7]:1025"},
		{name: "EPRT |2|2001:db8::99|1025|", peer: clientAddr6, target: "[2001:db8::99]:1025", want: hostport.ErrForeignAddress},
		{name: "LPRT 6,16,32,1,13,184,...,0,7,2,4,1", peer: clientAddr6, target: "[2001:db8::7]:1025"},
		{name: "EPRT |1|198.51.100.7|1025| from IPv6 client", peer: clientAddr6, target: "198.51.100.7:1025", want: hostport.ErrForeignAddress},
		{name: "EPRT |2|::ffff:127.0.0.2|40000| from IPv6 client", peer: clientAddr6, target: "[::ffff:127.0.0.2]:40000", want: hostport.ErrForeignAddress},
		{name: "EPRT |2|::|port| (lftp)", peer: clientAddr6, target: "[::]:40000", want: hostport.ErrUnusableAddress},
		{name: "IPv6 multicast", peer: clientAddr6, target: "[ff02::1]:1025", want: hostport.ErrUnusableAddress},
		{name: "zoned unspecified", peer: clientAddr6, target: "[::%eth0]:1025", want: hostport.ErrUnusableAddress},
		{name: "zone of the peer ignored", peer: netip.MustParseAddr("fe80::7%eth0"), target: "[fe80::7]:1025"},
		{name: "zones ignored", peer: netip.MustParseAddr("fe80::7%eth0"), target: "[fe80::7%eth1]:1025"},
		{name: "zoned foreign", peer: netip.MustParseAddr("fe80::7%eth0"), target: "[fe80::8%eth0]:1025", want: hostport.ErrForeignAddress},

		// Invalid values are refused, never a panic.
		{name: "invalid target", peer: clientAddr, want: hostport.ErrUnusableAddress,
			wantMsg: "hostport.ActivePolicy.Check: target invalid AddrPort: not a valid address"},
		{name: "invalid peer", target: "198.51.100.7:1025", want: hostport.ErrUnusableAddress,
			wantMsg: "hostport.ActivePolicy.Check: client invalid IP: not a valid address"},
		{name: "both invalid", want: hostport.ErrUnusableAddress},
		{name: "unspecified peer and target", peer: netip.IPv4Unspecified(), target: "0.0.0.0:1025", want: hostport.ErrUnusableAddress},
		{name: "multicast peer", peer: netip.MustParseAddr("224.0.0.1"), target: "224.0.0.1:1025", want: hostport.ErrUnusableAddress},

		// AllowForeign relaxes the address rule only.
		{name: "site-to-site", policy: site, peer: clientAddr, target: "203.0.113.99:1025"},
		{name: "site-to-site mapped target", policy: site, peer: clientAddr, target: "[::ffff:203.0.113.99]:1025"},
		{name: "site-to-site mapped prefix", policy: mappedSite, peer: clientAddr, target: "203.0.113.99:1025"},
		{name: "site-to-site mapped prefix, outside", policy: mappedSite, peer: clientAddr, target: "203.0.114.1:1025", want: hostport.ErrForeignAddress},
		{name: "site-to-site still privileged", policy: site, peer: clientAddr, target: "203.0.113.99:25", want: hostport.ErrPrivilegedPort},
		{name: "site-to-site outside", policy: site, peer: clientAddr, target: "192.0.2.1:1025", want: hostport.ErrForeignAddress,
			wantMsg: "hostport.ActivePolicy.Check: target 192.0.2.1:1025: not the client 198.51.100.7 (bounce attack, RFC 2577)"},
		{name: "site-to-site own address", policy: site, peer: clientAddr, target: "198.51.100.7:1025"},
		{name: "IPv4 prefix does not cover IPv6", policy: site, peer: clientAddr6, target: "[2001:db8::99]:1025", want: hostport.ErrForeignAddress},
		{name: "invalid prefixes cover nothing", policy: invalidPrefix, peer: clientAddr, target: "203.0.113.10:1025", want: hostport.ErrForeignAddress},
		{name: "allow all: unspecified still unusable", policy: everything, peer: clientAddr, target: "0.0.0.0:1025", want: hostport.ErrUnusableAddress},
		{name: "allow all: multicast still unusable", policy: everything, peer: clientAddr, target: "239.1.2.3:1025", want: hostport.ErrUnusableAddress},
		{name: "allow all: broadcast still unusable", policy: everything, peer: clientAddr, target: "255.255.255.255:1025", want: hostport.ErrUnusableAddress},
		{name: "allow all: port 0 still unusable", policy: everything, peer: clientAddr, target: "203.0.113.99:0", want: hostport.ErrUnusableAddress},
		{name: "allow all: third party port 25", policy: everything, peer: clientAddr, target: "203.0.113.99:25"},
		{name: "allow all: IPv6", policy: everything, peer: clientAddr, target: "[2001:db8::99]:1025"},

		// AllowPrivileged relaxes the port rule only.
		{name: "privileged allowed", policy: priv, peer: clientAddr, target: "198.51.100.7:25"},
		{name: "privileged allowed, port 1", policy: priv, peer: clientAddr, target: "198.51.100.7:1"},
		{name: "privileged allowed, port 0", policy: priv, peer: clientAddr, target: "198.51.100.7:0", want: hostport.ErrUnusableAddress},
		{name: "privileged allowed, still foreign", policy: priv, peer: clientAddr, target: "203.0.113.99:25", want: hostport.ErrForeignAddress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var target netip.AddrPort
			if tc.target != "" {
				target = netip.MustParseAddrPort(tc.target)
			}
			err := tc.policy.Check(tc.peer, target)
			assert.Equal(t, err, tc.policy.Check(tc.peer, target), "pure")
			if tc.want == nil {
				require.NoError(t, err)
				assert.Equal(t, 200, hostport.ReplyCode(err))
				return
			}
			require.Error(t, err)
			checkPolicyError(t, err, "ActivePolicy.Check", tc.peer, target, tc.want)
			if tc.wantMsg != "" {
				assert.EqualError(t, err, tc.wantMsg)
			}
			wantCode := map[error]int{hostport.ErrForeignAddress: 500, hostport.ErrPrivilegedPort: 504, hostport.ErrUnusableAddress: 501}[tc.want]
			assert.Equal(t, wantCode, hostport.ReplyCode(err))
		})
	}
}

// TestReplyCode checks the code for each kind of error: policy refusals,
// parse errors and unknown address families.
func TestReplyCode(t *testing.T) {
	foreign := hostport.ActivePolicy{}.Check(clientAddr, netip.MustParseAddrPort("203.0.113.99:1025"))
	privileged := hostport.ActivePolicy{}.Check(clientAddr, netip.MustParseAddrPort("198.51.100.7:25"))
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 200},
		{"foreign", foreign, 500},
		{"privileged", privileged, 504},
		{"unusable", hostport.ActivePolicy{}.Check(clientAddr, netip.MustParseAddrPort("0.0.0.0:1025")), 501},
		{"wrapped foreign", fmt.Errorf("EPRT: %w", foreign), 500},
		{"wrapped privileged", fmt.Errorf("EPRT: %w", privileged), 504},
		{"bare sentinel", hostport.ErrPrivilegedPort, 504},
		{"joined: privileged wins", errors.Join(foreign, privileged), 504},
		{"parse error or any other", errors.New(`hostport.ParsePORT: parsing "PORT 1,2": too few numbers`), 501},
		// RFC 2428 answers an unknown network protocol with 522, RFC 1639
		// an unknown address family with 521.
		{"EPRT net-prt 3", errOf2(hostport.ParseEPRT("EPRT |3|198.51.100.7|1025|")), 522},
		{"wrapped EPRT net-prt 3", fmt.Errorf("EPRT: %w", errOf2(hostport.ParseEPRT("EPRT |3|198.51.100.7|1025|"))), 522},
		{"LPRT af 5", errOf2(hostport.ParseLPRT("LPRT 5,4,198,51,100,7,2,4,1")), 521},
		{"LPSV af 5", errOf2(hostport.ParseLPSV("228 (5,4,198,51,100,7,2,4,1)")), 521},
		{"IPv6 for the six-number form", errOf2(hostport.FromAddrPort(netip.MustParseAddrPort("[2001:db8::7]:1025"))), 522},
		{"bare ErrFamily", hostport.ErrFamily, 522},
		{"EPRT syntax", errOf2(hostport.ParseEPRT("EPRT |1|198.51.100.7|1025")), 501},
		{"LPRT range", errOf2(hostport.ParseLPRT("LPRT 4,4,198,51,100,7,2,4,256")), 501},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, hostport.ReplyCode(tc.err))
		})
	}
}

// TestPolicyErrorBuiltOutside checks that a PolicyError made by a caller has
// a message built from its fields, whatever they hold.
func TestPolicyErrorBuiltOutside(t *testing.T) {
	e := &hostport.PolicyError{Func: "X", Addr: netip.MustParseAddrPort("192.0.2.1:21"), Err: hostport.ErrForeignAddress}
	assert.EqualError(t, e, "hostport.X: 192.0.2.1:21: foreign address")
	assert.ErrorIs(t, e, hostport.ErrForeignAddress)
	assert.EqualError(t, &hostport.PolicyError{Func: "X"}, "hostport.X: invalid AddrPort: refused")
	assert.NoError(t, (&hostport.PolicyError{}).Unwrap())
	assert.Equal(t, 425, e.ReplyCode(), "not a check of a command")

	// The fields of each check give its message.
	client, server := netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("203.0.113.10")
	for _, tc := range []struct {
		e    hostport.PolicyError
		want string
		code int
	}{
		{hostport.PolicyError{Func: "ActivePolicy.Check", Control: client, Addr: netip.MustParseAddrPort("198.51.100.7:25"), Err: hostport.ErrPrivilegedPort},
			"hostport.ActivePolicy.Check: target 198.51.100.7:25: privileged port 25, below 1024 (RFC 2577)", 504},
		{hostport.PolicyError{Func: "ActivePolicy.Check", Control: netip.IPv4Unspecified(), Addr: netip.MustParseAddrPort("0.0.0.0:0"), Err: hostport.ErrUnusableAddress},
			"hostport.ActivePolicy.Check: client 0.0.0.0: unspecified address", 501},
		{hostport.PolicyError{Func: "PassivePolicy.Target", Control: server, Addr: netip.MustParseAddrPort("224.0.0.1:0"), Err: hostport.ErrUnusableAddress},
			"hostport.PassivePolicy.Target: reply 224.0.0.1:0: port 0", 425},
		{hostport.PolicyError{Func: "CheckDataPeer", Control: client, Addr: netip.MustParseAddrPort("203.0.113.99:0"), Err: hostport.ErrForeignAddress},
			"hostport.CheckDataPeer: data peer 203.0.113.99: not the client 198.51.100.7 (port theft, RFC 2577)", 425},
		// A rule the check does not apply falls back to the address and Err.
		{hostport.PolicyError{Func: "CheckDataPeer", Control: client, Addr: netip.MustParseAddrPort("198.51.100.7:0"), Err: hostport.ErrPrivilegedPort},
			"hostport.CheckDataPeer: 198.51.100.7:0: privileged port", 425},
		{hostport.PolicyError{Func: "ActivePolicy.Check", Control: client, Addr: netip.MustParseAddrPort("198.51.100.7:2121"), Err: hostport.ErrUnusableAddress},
			"hostport.ActivePolicy.Check: 198.51.100.7:2121: unusable address", 501},
	} {
		assert.EqualError(t, &tc.e, tc.want)
		assert.Equal(t, tc.code, tc.e.ReplyCode(), "%v", &tc.e)
	}
}

// TestPassiveModeString checks the names of the modes and of other values.
func TestPassiveModeString(t *testing.T) {
	for m, want := range map[hostport.PassiveMode]string{
		hostport.UseControlAddr: "UseControlAddr",
		hostport.FixUnroutable:  "FixUnroutable",
		hostport.RequireMatch:   "RequireMatch",
		hostport.TrustReply:     "TrustReply",
		-1:                      "PassiveMode(-1)",
		4:                       "PassiveMode(4)",
	} {
		assert.Equal(t, want, m.String())
	}
	assert.Equal(t, hostport.UseControlAddr, hostport.PassivePolicy{}.Mode, "zero value is the safe default")
}

// TestPassivePolicyTarget checks the address each mode dials for each kind
// of reply and control address, and the refusals.
func TestPassivePolicyTarget(t *testing.T) {
	const (
		use   = hostport.UseControlAddr
		fix   = hostport.FixUnroutable
		match = hostport.RequireMatch
		trust = hostport.TrustReply
	)
	ctl := "203.0.113.10:50000" // the control address with the usual reply port
	mustAddr, addrPort := netip.MustParseAddr, netip.MustParseAddrPort
	linkLocal := mustAddr("fe80::10%eth0")

	tests := []struct {
		name    string
		modes   []hostport.PassiveMode
		control netip.Addr
		reply   netip.AddrPort
		want    string // the result, or "" for an error
		wantErr error  // the sentinel the error wraps, if want is ""
		wantMsg string
	}{
		// The default mode dials the control address, whatever the reply says.
		{name: "227 (203,0,113,10,195,80)", modes: []hostport.PassiveMode{use, fix, match, trust}, control: serverAddr, reply: addrPort("203.0.113.10:50000"), want: ctl},
		{name: "227 (10,0,0,5,195,80)", modes: []hostport.PassiveMode{use, fix}, control: serverAddr, reply: addrPort("10.0.0.5:50000"), want: ctl},
		{name: "227 (10,0,0,5,195,80) strict", modes: []hostport.PassiveMode{match}, control: serverAddr, reply: addrPort("10.0.0.5:50000"), wantErr: hostport.ErrForeignAddress,
			wantMsg: "hostport.PassivePolicy.Target: reply 10.0.0.5:50000: not the server 203.0.113.10 (RequireMatch)"},
		{name: "227 (10,0,0,5,195,80) trusted", modes: []hostport.PassiveMode{trust}, control: serverAddr, reply: addrPort("10.0.0.5:50000"), want: "10.0.0.5:50000"},
		{name: "227 (169,254,169,254,0,80) never dials metadata", modes: []hostport.PassiveMode{use, fix}, control: serverAddr, reply: addrPort("169.254.169.254:80"), want: "203.0.113.10:80"},
		{name: "227 (169,254,169,254,0,80) strict", modes: []hostport.PassiveMode{match}, control: serverAddr, reply: addrPort("169.254.169.254:80"), wantErr: hostport.ErrForeignAddress},
		{name: "227 (127,0,0,1,0,22)", modes: []hostport.PassiveMode{use, fix}, control: serverAddr, reply: addrPort("127.0.0.1:22"), want: "203.0.113.10:22"},
		{name: "227 (0,0,0,0,195,80)", modes: []hostport.PassiveMode{use, fix, match, trust}, control: serverAddr, reply: addrPort("0.0.0.0:50000"), want: ctl},
		{name: "228 (4,4,10,0,0,5,2,195,80)", modes: []hostport.PassiveMode{use, fix}, control: serverAddr, reply: addrPort("10.0.0.5:50000"), want: ctl},
		{name: "FXP relay (10,0,0,9,195,80)", modes: []hostport.PassiveMode{use, fix}, control: serverAddr, reply: addrPort("10.0.0.9:50000"), want: ctl},
		{name: "port 0", modes: []hostport.PassiveMode{use, fix, match, trust}, control: serverAddr, reply: addrPort("203.0.113.10:0"), wantErr: hostport.ErrUnusableAddress,
			wantMsg: "hostport.PassivePolicy.Target: reply 203.0.113.10:0: port 0"},
		{name: "port 0 at another host", modes: []hostport.PassiveMode{use, fix, match, trust}, control: serverAddr, reply: addrPort("10.0.0.5:0"), wantErr: hostport.ErrUnusableAddress},
		{name: "zero reply", modes: []hostport.PassiveMode{use, fix, match, trust}, control: serverAddr, reply: netip.AddrPort{}, wantErr: hostport.ErrUnusableAddress},
		{name: "no address (229)", modes: []hostport.PassiveMode{use, fix, match, trust}, control: serverAddr, reply: netip.AddrPortFrom(netip.Addr{}, 50000), want: ctl},

		// The control address must be usable in every mode.
		{name: "invalid control", modes: []hostport.PassiveMode{use, fix, match, trust}, reply: addrPort("203.0.113.10:50000"), wantErr: hostport.ErrUnusableAddress,
			wantMsg: "hostport.PassivePolicy.Target: server invalid IP: not a valid address"},
		{name: "unspecified control", modes: []hostport.PassiveMode{use, fix, match, trust}, control: netip.IPv4Unspecified(), reply: addrPort("0.0.0.0:50000"), wantErr: hostport.ErrUnusableAddress,
			wantMsg: "hostport.PassivePolicy.Target: server 0.0.0.0: unspecified address"},
		{name: "multicast control", modes: []hostport.PassiveMode{use, fix, match, trust}, control: mustAddr("224.0.0.1"), reply: addrPort("224.0.0.1:50000"), wantErr: hostport.ErrUnusableAddress},
		{name: "zoned unspecified control", modes: []hostport.PassiveMode{use, fix, match, trust}, control: mustAddr("::%eth0"), reply: addrPort("[::]:50000"), wantErr: hostport.ErrUnusableAddress},
		{name: "mapped broadcast control", modes: []hostport.PassiveMode{use, fix, match, trust}, control: mustAddr("::ffff:255.255.255.255"), reply: addrPort("203.0.113.10:50000"), wantErr: hostport.ErrUnusableAddress},

		// Multicast and broadcast replies.
		{name: "multicast reply", modes: []hostport.PassiveMode{use, fix}, control: serverAddr, reply: addrPort("224.0.0.1:50000"), want: ctl},
		{name: "multicast reply trusted", modes: []hostport.PassiveMode{trust}, control: serverAddr, reply: addrPort("224.0.0.1:50000"), wantErr: hostport.ErrUnusableAddress,
			wantMsg: "hostport.PassivePolicy.Target: reply 224.0.0.1:50000: multicast address"},
		{name: "multicast reply strict", modes: []hostport.PassiveMode{match}, control: serverAddr, reply: addrPort("224.0.0.1:50000"), wantErr: hostport.ErrForeignAddress},
		{name: "broadcast reply", modes: []hostport.PassiveMode{use, fix}, control: serverAddr, reply: addrPort("255.255.255.255:50000"), want: ctl},
		{name: "broadcast reply trusted", modes: []hostport.PassiveMode{trust}, control: serverAddr, reply: addrPort("255.255.255.255:50000"), wantErr: hostport.ErrUnusableAddress},
		{name: "broadcast reply, private server", modes: []hostport.PassiveMode{fix}, control: mustAddr("10.0.0.2"), reply: addrPort("255.255.255.255:50000"), want: "10.0.0.2:50000"},
		{name: "IPv6 multicast reply trusted", modes: []hostport.PassiveMode{trust}, control: serverAddr6, reply: addrPort("[ff02::1]:50000"), wantErr: hostport.ErrUnusableAddress},
		{name: "IPv6 multicast reply fixed", modes: []hostport.PassiveMode{fix}, control: serverAddr6, reply: addrPort("[ff02::1]:50000"), want: "[2001:db8::10]:50000"},

		// FixUnroutable's classes, with a routable server.
		{name: "fix: 10/8", modes: []hostport.PassiveMode{fix}, control: serverAddr, reply: addrPort("10.1.2.3:50000"), want: ctl},
		{name: "fix: 172.16/12", modes: []hostport.PassiveMode{fix}, control: serverAddr, reply: addrPort("172.31.255.1:50000"), want: ctl},
		{name: "fix: 172.32 is routable", modes: []hostport.PassiveMode{fix}, control: serverAddr, reply: addrPort("172.32.0.1:50000"), want: "172.32.0.1:50000"},
		{name: "fix: 192.168/16", modes: []hostport.PassiveMode{fix}, control: serverAddr, reply: addrPort("192.168.1.1:50000"), want: ctl},
		{name: "fix: 127.0.0.2", modes: []hostport.PassiveMode{fix}, control: serverAddr, reply: addrPort("127.0.0.2:50000"), want: ctl},
		{name: "fix: CGNAT 100.64/10", modes: []hostport.PassiveMode{fix}, control: serverAddr, reply: addrPort("100.127.255.254:50000"), want: ctl},
		{name: "fix: 100.128 is routable", modes: []hostport.PassiveMode{fix}, control: serverAddr, reply: addrPort("100.128.0.1:50000"), want: "100.128.0.1:50000"},
		{name: "fix: this network 0/8", modes: []hostport.PassiveMode{fix}, control: serverAddr, reply: addrPort("0.1.2.3:50000"), want: ctl},
		{name: "fix: reserved 240/4", modes: []hostport.PassiveMode{fix}, control: serverAddr, reply: addrPort("240.0.0.1:50000"), want: ctl},
		{name: "fix: mapped private", modes: []hostport.PassiveMode{fix}, control: serverAddr, reply: addrPort("[::ffff:10.0.0.5]:50000"), want: ctl},
		{name: "fix: routable third party trusted", modes: []hostport.PassiveMode{fix}, control: serverAddr, reply: addrPort("203.0.113.11:50000"), want: "203.0.113.11:50000"},
		{name: "fix: routable third party mapped", modes: []hostport.PassiveMode{fix}, control: serverAddr, reply: addrPort("[::ffff:203.0.113.11]:50000"), want: "203.0.113.11:50000"},
		{name: "fix: ULA fd00::/8", modes: []hostport.PassiveMode{fix}, control: serverAddr6, reply: addrPort("[fd00::5]:50000"), want: "[2001:db8::10]:50000"},
		{name: "fix: link-local fe80::/10", modes: []hostport.PassiveMode{fix}, control: serverAddr6, reply: addrPort("[fe80::5]:50000"), want: "[2001:db8::10]:50000"},
		{name: "fix: ::1", modes: []hostport.PassiveMode{fix}, control: serverAddr6, reply: addrPort("[::1]:50000"), want: "[2001:db8::10]:50000"},
		{name: "fix: routable IPv6 third party", modes: []hostport.PassiveMode{fix}, control: serverAddr6, reply: addrPort("[2001:db8::20]:50000"), want: "[2001:db8::20]:50000"},
		// ... and with a non-routable server the reply is kept.
		{name: "fix: private server, private reply", modes: []hostport.PassiveMode{fix}, control: mustAddr("10.0.0.2"), reply: addrPort("10.0.0.5:50000"), want: "10.0.0.5:50000"},
		{name: "fix: private server, public reply", modes: []hostport.PassiveMode{fix}, control: mustAddr("10.0.0.2"), reply: addrPort("203.0.113.11:50000"), want: "203.0.113.11:50000"},
		{name: "fix: loopback masquerade 127.0.0.2", modes: []hostport.PassiveMode{fix}, control: mustAddr("127.0.0.1"), reply: addrPort("127.0.0.2:30000"), want: "127.0.0.2:30000"},
		{name: "use: loopback masquerade 127.0.0.2", modes: []hostport.PassiveMode{use}, control: mustAddr("127.0.0.1"), reply: addrPort("127.0.0.2:30000"), want: "127.0.0.1:30000"},
		{name: "match: loopback masquerade 127.0.0.2", modes: []hostport.PassiveMode{match}, control: mustAddr("127.0.0.1"), reply: addrPort("127.0.0.2:30000"), wantErr: hostport.ErrForeignAddress},

		// IPv6 control connection, IPv4 reply (and the reverse).
		{name: "IPv6 session, 227 (0,0,0,0,118,10) (vsftpd)", modes: []hostport.PassiveMode{use, fix, match, trust}, control: mustAddr("::1"), reply: addrPort("0.0.0.0:30218"), want: "[::1]:30218"},
		{name: "IPv6 session, IPv4 masquerade", modes: []hostport.PassiveMode{use, fix}, control: serverAddr6, reply: addrPort("198.51.100.20:50000"), want: "[2001:db8::10]:50000"},
		{name: "IPv6 session, IPv4 masquerade, strict", modes: []hostport.PassiveMode{match}, control: serverAddr6, reply: addrPort("198.51.100.20:50000"), wantErr: hostport.ErrForeignAddress},
		{name: "IPv6 session, IPv4 masquerade, trusted", modes: []hostport.PassiveMode{trust}, control: serverAddr6, reply: addrPort("198.51.100.20:50000"), want: "198.51.100.20:50000"},
		{name: "IPv4 session, IPv6 228", modes: []hostport.PassiveMode{use, fix}, control: serverAddr, reply: addrPort("[2001:db8::20]:50000"), want: ctl},
		{name: "IPv4 session, IPv6 228, trusted", modes: []hostport.PassiveMode{trust}, control: serverAddr, reply: addrPort("[2001:db8::20]:50000"), want: "[2001:db8::20]:50000"},

		// Mapped and zoned control addresses.
		{name: "mapped control is unmapped", modes: []hostport.PassiveMode{use, fix, match, trust}, control: mustAddr("::ffff:203.0.113.10"), reply: addrPort("203.0.113.10:50000"), want: ctl},
		{name: "mapped control, private reply", modes: []hostport.PassiveMode{use, fix}, control: mustAddr("::ffff:203.0.113.10"), reply: addrPort("10.0.0.5:50000"), want: ctl},
		{name: "mapped reply names the server", modes: []hostport.PassiveMode{use, fix, match, trust}, control: serverAddr, reply: addrPort("[::ffff:203.0.113.10]:50000"), want: ctl},
		{name: "zoned control keeps its zone", modes: []hostport.PassiveMode{use, fix, match, trust}, control: linkLocal, reply: addrPort("[fe80::10]:50000"), want: "[fe80::10%eth0]:50000"},
		{name: "zoned control, unspecified reply", modes: []hostport.PassiveMode{use, fix, match, trust}, control: linkLocal, reply: addrPort("[::]:50000"), want: "[fe80::10%eth0]:50000"},
		{name: "trusted reply loses its zone", modes: []hostport.PassiveMode{trust}, control: serverAddr6, reply: addrPort("[2001:db8::20%eth1]:50000"), want: "[2001:db8::20]:50000"},
	}
	for _, tc := range tests {
		for _, mode := range tc.modes {
			t.Run(mode.String()+"/"+tc.name, func(t *testing.T) {
				p := hostport.PassivePolicy{Mode: mode}
				got, err := p.Target(tc.control, tc.reply)
				got2, err2 := p.Target(tc.control, tc.reply)
				assert.Equal(t, got, got2, "pure")
				assert.Equal(t, err, err2, "pure")
				if tc.want != "" {
					require.NoError(t, err)
					assert.Equal(t, netip.MustParseAddrPort(tc.want), got)
					return
				}
				require.Error(t, err)
				assert.Equal(t, netip.AddrPort{}, got, "zero value with an error")
				checkPolicyError(t, err, "PassivePolicy.Target", tc.control, tc.reply, tc.wantErr)
				if tc.wantMsg != "" {
					assert.EqualError(t, err, tc.wantMsg)
				}
			})
		}
	}
}

// TestPassivePolicyTargetUnknownMode checks that a Mode that is none of the
// constants is an error that names it and wraps errors.ErrUnsupported.
func TestPassivePolicyTargetUnknownMode(t *testing.T) {
	for _, m := range []hostport.PassiveMode{-1, 4, 100, -1 << 31} {
		got, err := hostport.PassivePolicy{Mode: m}.Target(serverAddr, netip.MustParseAddrPort("203.0.113.10:50000"))
		require.Error(t, err, "mode %d", int(m))
		assert.Equal(t, netip.AddrPort{}, got)
		for _, s := range policySentinels {
			assert.NotErrorIs(t, err, s)
		}
		assert.ErrorIs(t, err, errors.ErrUnsupported)
		assert.EqualError(t, err, "hostport.PassivePolicy.Target: unknown "+m.String())
	}
}

// TestCheckDataPeer checks which data connections CheckDataPeer accepts and
// its refusals.
func TestCheckDataPeer(t *testing.T) {
	mustAddr := netip.MustParseAddr
	tests := []struct {
		name            string
		control, dataPr netip.Addr
		want            error
		wantMsg         string
	}{
		// A server's passive listener, for the client 198.51.100.7.
		{name: "the client", control: clientAddr, dataPr: clientAddr},
		{name: "the client from a dual-stack socket", control: clientAddr, dataPr: mustAddr("::ffff:198.51.100.7")},
		{name: "mapped control", control: mustAddr("::ffff:198.51.100.7"), dataPr: clientAddr},
		{name: "a thief", control: clientAddr, dataPr: mustAddr("203.0.113.66"), want: hostport.ErrForeignAddress,
			wantMsg: "hostport.CheckDataPeer: data peer 203.0.113.66: not the client 198.51.100.7 (port theft, RFC 2577)"},
		{name: "the same /24 is not the same host", control: clientAddr, dataPr: mustAddr("198.51.100.8"), want: hostport.ErrForeignAddress},
		{name: "a mapped thief", control: clientAddr, dataPr: mustAddr("::ffff:203.0.113.66"), want: hostport.ErrForeignAddress},
		{name: "IPv6 client", control: clientAddr6, dataPr: clientAddr6},
		{name: "IPv6 thief", control: clientAddr6, dataPr: mustAddr("2001:db8::66"), want: hostport.ErrForeignAddress},
		{name: "other family", control: clientAddr6, dataPr: clientAddr, want: hostport.ErrForeignAddress},
		{name: "zones ignored", control: mustAddr("fe80::7%eth0"), dataPr: mustAddr("fe80::7%eth1")},
		{name: "loopback", control: mustAddr("127.0.0.1"), dataPr: mustAddr("127.0.0.1")},
		{name: "loopback 127.0.0.2", control: mustAddr("127.0.0.1"), dataPr: mustAddr("127.0.0.2"), want: hostport.ErrForeignAddress},
		{name: "invalid control", dataPr: clientAddr, want: hostport.ErrUnusableAddress,
			wantMsg: "hostport.CheckDataPeer: client invalid IP: not a valid address"},
		{name: "invalid data peer", control: clientAddr, want: hostport.ErrUnusableAddress,
			wantMsg: "hostport.CheckDataPeer: data peer invalid IP: not a valid address"},
		{name: "both invalid", want: hostport.ErrUnusableAddress},
		{name: "both unspecified", control: netip.IPv6Unspecified(), dataPr: netip.IPv6Unspecified(), want: hostport.ErrUnusableAddress},
		{name: "both zoned unspecified", control: netip.MustParseAddr("::%eth0"), dataPr: netip.MustParseAddr("::%eth0"), want: hostport.ErrUnusableAddress},
		{name: "both broadcast", control: mustAddr("255.255.255.255"), dataPr: mustAddr("255.255.255.255"), want: hostport.ErrUnusableAddress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := hostport.CheckDataPeer(tc.control, tc.dataPr)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			checkPolicyError(t, err, "CheckDataPeer", tc.control, netip.AddrPortFrom(tc.dataPr, 0), tc.want)
			if tc.wantMsg != "" {
				assert.EqualError(t, err, tc.wantMsg)
			}
		})
	}
}

var policySinkErr error

// TestPolicyNoAllocs checks that the checks do not allocate when they accept.
func TestPolicyNoAllocs(t *testing.T) {
	site := hostport.ActivePolicy{AllowForeign: []netip.Prefix{netip.MustParsePrefix("::ffff:192.0.2.0/120"), netip.MustParsePrefix("203.0.113.0/24")}}
	target := netip.MustParseAddrPort("[::ffff:203.0.113.99]:1025")
	private := netip.MustParseAddrPort("10.0.0.5:50000")
	zoned := netip.MustParseAddrPort("[2001:db8::20%eth0]:50000")
	mapped := netip.MustParseAddr("::ffff:198.51.100.7")
	for name, f := range map[string]func(){
		"Check": func() {
			policySinkErr = hostport.ActivePolicy{}.Check(clientAddr, netip.AddrPortFrom(clientAddr, 1025))
		},
		"Check/foreign": func() { policySinkErr = site.Check(clientAddr, target) },
		"Target/fix": func() {
			_, policySinkErr = hostport.PassivePolicy{Mode: hostport.FixUnroutable}.Target(serverAddr, private)
		},
		"Target/trust": func() {
			_, policySinkErr = hostport.PassivePolicy{Mode: hostport.TrustReply}.Target(serverAddr6, zoned)
		},
		"CheckDataPeer": func() { policySinkErr = hostport.CheckDataPeer(clientAddr, mapped) },
	} {
		t.Run(name, func(t *testing.T) {
			assert.Zero(t, testing.AllocsPerRun(1000, f))
			assert.NoError(t, policySinkErr)
		})
	}
}

// Generators. Addresses are drawn so that the interesting relations come up
// often: the same host spelt differently (mapped, zoned), special addresses,
// the invalid zero value, and arbitrary bits.

var policyAddrs = []netip.Addr{
	{}, // invalid
	netip.IPv4Unspecified(), netip.IPv6Unspecified(), netip.MustParseAddr("::ffff:0.0.0.0"),
	netip.MustParseAddr("255.255.255.255"), netip.MustParseAddr("::ffff:255.255.255.255"),
	netip.MustParseAddr("224.0.0.1"), netip.MustParseAddr("ff02::1"), netip.MustParseAddr("ff02::1%eth0"),
	netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("::1"),
	netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("100.64.0.1"),
	netip.MustParseAddr("fe80::1%eth0"), netip.MustParseAddr("fd00::5"), netip.MustParseAddr("240.0.0.1"),
	netip.MustParseAddr("0.1.2.3"), netip.MustParseAddr("172.16.0.1"), netip.MustParseAddr("192.168.1.1"),
	netip.MustParseAddr("::ffff:10.0.0.5"), netip.MustParseAddr("::ffff:127.0.0.1"),
	clientAddr, serverAddr, clientAddr6, serverAddr6, netip.MustParseAddr("203.0.113.99"), netip.MustParseAddr("2001:db8::99"),
}

var genPolicyAddr = rapid.Custom(func(t *rapid.T) netip.Addr {
	var a netip.Addr
	switch rapid.IntRange(0, 5).Draw(t, "kind") {
	case 0, 1, 2:
		a = rapid.SampledFrom(policyAddrs).Draw(t, "special")
	case 3:
		a = netip.AddrFrom4([4]byte(rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, "v4")))
	case 4:
		a = netip.AddrFrom16([16]byte(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "v6")))
	default:
		v4 := netip.AddrFrom4([4]byte(rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, "v4")))
		a = netip.AddrFrom16(v4.As16()) // IPv4-mapped
	}
	if a.Is6() && rapid.IntRange(0, 3).Draw(t, "zoned") == 0 {
		a = a.WithZone(rapid.SampledFrom([]string{"eth0", "1", "%"}).Draw(t, "zone"))
	}
	return a
})

// genNearAddr returns an address that is often the host a, spelt differently.
func genNearAddr(a netip.Addr) *rapid.Generator[netip.Addr] {
	return rapid.Custom(func(t *rapid.T) netip.Addr {
		switch rapid.IntRange(0, 3).Draw(t, "near") {
		case 0:
			return a
		case 1:
			if a.Is4() {
				return netip.AddrFrom16(a.As16())
			}
			return a.Unmap()
		case 2:
			if a.Is6() && !a.Is4In6() {
				return a.WithZone(rapid.SampledFrom([]string{"", "eth0", "eth1"}).Draw(t, "zone"))
			}
			return a
		default:
			return genPolicyAddr.Draw(t, "other")
		}
	})
}

var genPolicyPort = rapid.Custom(func(t *rapid.T) uint16 {
	if rapid.Bool().Draw(t, "edge") {
		return rapid.SampledFrom([]uint16{0, 1, 20, 21, 25, 1023, 1024, 65535}).Draw(t, "port")
	}
	return rapid.Uint16().Draw(t, "port")
})

// genPrefix returns a prefix, often one around near, sometimes invalid.
func genPrefix(near netip.Addr) *rapid.Generator[netip.Prefix] {
	return rapid.Custom(func(t *rapid.T) netip.Prefix {
		a := genNearAddr(near).Draw(t, "prefix addr")
		bits := rapid.IntRange(-1, 129).Draw(t, "bits")
		if rapid.Bool().Draw(t, "masked") {
			if p, err := a.Prefix(max(bits, 0)); err == nil {
				return p
			}
		}
		return netip.PrefixFrom(a, bits) // possibly invalid
	})
}

// genActivePolicy returns a policy whose prefixes are often around target.
func genActivePolicy(target netip.Addr) *rapid.Generator[hostport.ActivePolicy] {
	return rapid.Custom(func(t *rapid.T) hostport.ActivePolicy {
		return hostport.ActivePolicy{
			AllowForeign:    rapid.SliceOfN(genPrefix(target), 0, 3).Draw(t, "AllowForeign"),
			AllowPrivileged: rapid.Bool().Draw(t, "AllowPrivileged"),
		}
	})
}

// testHost is the host an address names, as the tests see it: its 16-byte
// form, without zone, so that IPv4 and IPv4-mapped addresses coincide.
func testHost(a netip.Addr) netip.Addr {
	if !a.IsValid() {
		return a
	}
	return netip.AddrFrom16(a.As16())
}

// testCovered reports whether a prefix of list covers a, computed in the
// 16-byte space, independently of the package's Unmap-based code.
func testCovered(list []netip.Prefix, a netip.Addr) bool {
	h := testHost(a)
	for _, p := range list {
		if !p.IsValid() {
			continue
		}
		bits := p.Bits()
		if p.Addr().Is4() {
			bits += 96
		}
		if bits < 96 && h.Is4In6() {
			continue // an IPv6 prefix shorter than /96 covers no IPv4 host
		}
		if netip.PrefixFrom(testHost(p.Addr()), bits).Contains(h) {
			return true
		}
	}
	return false
}

// testUsable reports whether a can be an end of a TCP connection.
func testUsable(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	return a.IsValid() && !a.IsUnspecified() && !a.IsMulticast() && a != netip.MustParseAddr("255.255.255.255")
}

// nonRoutableNets lists the networks that FixUnroutable's documentation calls
// non-routable, in both spellings of IPv4.
var nonRoutableNets = func() []netip.Prefix {
	var list []netip.Prefix
	for _, s := range []string{
		"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7",
		"169.254.0.0/16", "fe80::/10", "100.64.0.0/10", "0.0.0.0/8", "240.0.0.0/4",
		"::/128", "224.0.0.0/4", "ff00::/8",
	} {
		p := netip.MustParsePrefix(s)
		list = append(list, p)
		if p.Addr().Is4() {
			list = append(list, netip.PrefixFrom(netip.AddrFrom16(p.Addr().As16()), p.Bits()+96))
		}
	}
	return list
}()

func testNonRoutable(a netip.Addr) bool {
	a = a.WithZone("")
	for _, p := range nonRoutableNets {
		if p.Contains(a) {
			return true
		}
	}
	return !a.IsValid()
}

func checkActivePolicy(t *rapid.T) {
	peer := genPolicyAddr.Draw(t, "peer")
	target := netip.AddrPortFrom(genNearAddr(peer).Draw(t, "target"), genPolicyPort.Draw(t, "port"))
	p := genActivePolicy(target.Addr()).Draw(t, "policy")
	err := p.Check(peer, target)

	sameHost := testHost(target.Addr()) == testHost(peer)
	usable := testUsable(peer) && testUsable(target.Addr()) && target.Port() != 0
	if err == nil {
		// Never a target other than the peer unless a prefix allows it;
		// never an unusable one; never a privileged port unless allowed.
		require.True(t, sameHost || testCovered(p.AllowForeign, target.Addr()), "accepted a foreign target")
		require.True(t, usable, "accepted an unusable target")
		require.True(t, target.Port() >= 1024 || p.AllowPrivileged, "accepted a privileged port")
	} else {
		checkPolicyErrorRapid(t, err, "ActivePolicy.Check", peer, target)
		switch {
		case !usable:
			require.ErrorIs(t, err, hostport.ErrUnusableAddress)
		case !sameHost && !testCovered(p.AllowForeign, target.Addr()):
			require.ErrorIs(t, err, hostport.ErrForeignAddress)
		default:
			require.ErrorIs(t, err, hostport.ErrPrivilegedPort)
			require.Less(t, target.Port(), uint16(1024))
			require.False(t, p.AllowPrivileged)
		}
	}
	// Relaxing the policy never refuses what the default accepts.
	if (hostport.ActivePolicy{}).Check(peer, target) == nil {
		require.NoError(t, err)
	}
	require.Equal(t, err, p.Check(peer, target), "pure")
}

// checkPolicyErrorRapid is checkPolicyError for properties: the sentinel is
// not known in advance, but there must be exactly one.
func checkPolicyErrorRapid(t *rapid.T, err error, fn string, control netip.Addr, addr netip.AddrPort) {
	var pe *hostport.PolicyError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, fn, pe.Func)
	require.Equal(t, control, pe.Control)
	require.Equal(t, addr, pe.Addr)
	n := 0
	for _, s := range policySentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	require.Equal(t, 1, n, "policySentinels matched by %v", err)
	require.True(t, strings.HasPrefix(err.Error(), "hostport."+fn+": "), "message %q", err.Error())
}

func checkPassivePolicy(t *rapid.T) {
	mode := rapid.OneOf(
		rapid.SampledFrom([]hostport.PassiveMode{hostport.UseControlAddr, hostport.FixUnroutable, hostport.RequireMatch, hostport.TrustReply}),
		rapid.Custom(func(t *rapid.T) hostport.PassiveMode { return hostport.PassiveMode(rapid.Int().Draw(t, "unknown")) }),
	).Draw(t, "mode")
	control := genPolicyAddr.Draw(t, "control")
	replyAddr := genPolicyAddr
	if rapid.Bool().Draw(t, "near") {
		replyAddr = genNearAddr(control)
	}
	reply := netip.AddrPortFrom(replyAddr.Draw(t, "reply"), genPolicyPort.Draw(t, "port"))
	got, err := hostport.PassivePolicy{Mode: mode}.Target(control, reply)

	if mode < hostport.UseControlAddr || mode > hostport.TrustReply {
		require.Error(t, err, "unknown mode")
		for _, s := range policySentinels {
			require.NotErrorIs(t, err, s)
		}
		return
	}
	// The reply names a host other than the control's.
	differs := reply.Addr().IsValid() && !reply.Addr().Unmap().WithZone("").IsUnspecified() &&
		testHost(reply.Addr()) != testHost(control)
	wantErr := !testUsable(control) || reply.Port() == 0 ||
		mode == hostport.RequireMatch && differs ||
		mode == hostport.TrustReply && differs && !testUsable(reply.Addr())
	require.Equal(t, wantErr, err != nil, "error %v", err)
	if err != nil {
		require.Equal(t, netip.AddrPort{}, got)
		checkPolicyErrorRapid(t, err, "PassivePolicy.Target", control, reply)
		return
	}
	// Never port 0, always the reply's port, always a usable address.
	require.NotZero(t, got.Port())
	require.Equal(t, reply.Port(), got.Port())
	require.True(t, testUsable(got.Addr()), "unusable result %v", got)
	require.True(t, testUsable(control), "accepted an unusable control address")

	isControl := got.Addr() == control.Unmap()
	require.True(t, isControl || got.Addr() == reply.Addr().Unmap().WithZone(""),
		"%v is neither the control address nor the reply's", got)
	replyHost := reply.Addr().Unmap()
	switch mode {
	case hostport.UseControlAddr:
		require.True(t, isControl, "UseControlAddr returned %v", got)
	case hostport.RequireMatch:
		require.Equal(t, testHost(control), testHost(got.Addr()))
	case hostport.FixUnroutable:
		keep := testUsable(replyHost) && replyHost.Is4() == control.Unmap().Is4() &&
			(!testNonRoutable(replyHost) || testNonRoutable(control))
		if differs {
			require.Equal(t, !keep, isControl, "FixUnroutable: reply %v, control %v, got %v", reply, control, got)
		}
	case hostport.TrustReply:
		if differs {
			require.False(t, isControl, "TrustReply replaced %v", reply)
		}
	}
	if !differs {
		require.True(t, isControl, "no address, an unspecified one or the control host means the control address")
	}
}

func checkDataPeer(t *rapid.T) {
	control := genPolicyAddr.Draw(t, "control")
	peer := genNearAddr(control).Draw(t, "dataPeer")
	err := hostport.CheckDataPeer(control, peer)
	if testUsable(control) && testUsable(peer) && testHost(control) == testHost(peer) {
		require.NoError(t, err)
	} else {
		checkPolicyErrorRapid(t, err, "CheckDataPeer", control, netip.AddrPortFrom(peer, 0))
	}
	require.Equal(t, err == nil, hostport.CheckDataPeer(peer, control) == nil, "symmetric")
}

// The properties above, each run by rapid.Check.
func TestActivePolicyProperties(t *testing.T)  { rapid.Check(t, checkActivePolicy) }
func TestPassivePolicyProperties(t *testing.T) { rapid.Check(t, checkPassivePolicy) }
func TestCheckDataPeerProperties(t *testing.T) { rapid.Check(t, checkDataPeer) }

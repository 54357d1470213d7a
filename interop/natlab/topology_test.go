//go:build linux

package natlab

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// table is the name of the router's nftables table.
const table = "hpnl"

// The passive port range of the servers, forwarded by the router in T2 and
// T2p, and the data ports of natproxy on the router.
const (
	pasvMin, pasvMax   = 30000, 30019
	proxyMin, proxyMax = 40000, 40099
)

// topology is one way of putting a router between the client and the server.
type topology struct {
	name string
	// serverInside: the server is behind the router (T2*), else the
	// client is (T1, T1-v6).
	serverInside bool
	// onlyControl: the router forwards only port 21 to the server, not its
	// passive range (T2n, T2pn).
	onlyControl bool
	// publicPASV: the server announces the router's public address in its
	// 227 replies (vsftpd's pasv_address, examples/server -public).
	publicPASV bool
	// v6: the client and the kernel's NAT use IPv6 (T1-v6).
	v6 bool
}

var topologies = []topology{
	{name: "T1"},
	{name: "T2", serverInside: true},
	{name: "T2n", serverInside: true, onlyControl: true},
	{name: "T2p", serverInside: true, publicPASV: true},
	{name: "T2pn", serverInside: true, onlyControl: true, publicPASV: true},
	{name: "T1-v6", v6: true},
}

// The addresses of the lab. Every setup has its own namespaces, so the same
// addresses serve all of them.
var (
	t1Client   = netip.MustParseAddr("10.99.1.2")
	t1Inside   = netip.MustParseAddr("10.99.1.1")
	t2Inside   = netip.MustParseAddr("10.99.2.1")
	t2Server   = netip.MustParseAddr("10.99.2.2")
	public     = netip.MustParseAddr("198.18.0.1") // the router's outside address
	publicPeer = netip.MustParseAddr("198.18.0.2") // the host outside: T1's server, T2's client

	v6Client  = netip.MustParseAddr("fd00:99:1::2")
	v6Inside  = netip.MustParseAddr("fd00:99:1::1")
	v6Public  = netip.MustParseAddr("fd00:18::1")
	v6Server  = netip.MustParseAddr("fd00:18::2")
	v6InsideP = netip.MustParsePrefix("fd00:99:1::/64")
	t1InsideP = netip.MustParsePrefix("10.99.1.0/24")
)

// setup is one row of the matrix: a topology, the kernel helper on or off or
// natproxy on the router, and the server.
type setup struct {
	topo   topology
	helper bool // the kernel FTP helper on
	proxy  bool // natproxy on the router (the helper off)
	// kernel: natproxy runs with -data-path kernel (proxy is true too):
	// it has the router's kernel forward the data connections, and the
	// router's forward chain accepts them.
	kernel bool
	server string // "vsftpd" or "server" (examples/server)
	// onePort: examples/server listens for passive data connections on
	// one port only, pasvMin, so that it hands every session that port.
	onePort bool
}

// name returns the row's name: "T2pn helper-on", "T1 natproxy",
// "T1 natproxy-kernel", "T1 helper-off, examples/server".
func (s setup) name() string {
	n := s.topo.name + " helper-off"
	switch {
	case s.kernel:
		n = s.topo.name + " natproxy-kernel"
	case s.proxy:
		n = s.topo.name + " natproxy"
	case s.helper:
		n = s.topo.name + " helper-on"
	}
	if s.server == "server" {
		n += ", examples/server"
	}
	return n
}

// id returns a short name for the setup's namespaces and files:
// "t2pn-on-v", "t1v6-px-s", "t2-pk-v".
func (s setup) id() string {
	mode := "off"
	switch {
	case s.kernel:
		mode = "pk"
	case s.proxy:
		mode = "px"
	case s.helper:
		mode = "on"
	}
	topo := strings.ToLower(strings.ReplaceAll(s.topo.name, "-", ""))
	return topo + "-" + mode + "-" + s.server[:1]
}

// lab is a running setup: its namespaces, the server, natproxy if any.
type lab struct {
	setup
	dir           string
	cli, rtr, srv string         // the namespaces
	target        netip.AddrPort // where the clients connect
	serverLog     string         // the server's protocol log
	natproxy      *process       // natproxy, or nil
}

// startLab builds the setup s: namespaces, links, addresses, the router's
// ruleset, the server and natproxy. The test's cleanup tears it all down.
func startLab(t *testing.T, s setup) *lab {
	t.Helper()
	l := &lab{setup: s, dir: filepath.Join(baseDir, s.id())}
	l.cli, l.rtr, l.srv = prefix+s.id()+"-c", prefix+s.id()+"-r", prefix+s.id()+"-s"
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l.down()
	t.Cleanup(l.down)
	for _, ns := range []string{l.cli, l.rtr, l.srv} {
		sh(t, "", "ip", "netns", "add", ns)
		sh(t, ns, "ip", "link", "set", "lo", "up")
	}
	// The router's legs: "in" toward the private side, "out" toward the
	// public side; each host has "eth0".
	inner, outer := l.cli, l.srv
	if s.topo.serverInside {
		inner, outer = l.srv, l.cli
	}
	sh(t, "", "ip", "link", "add", "eth0", "netns", inner, "type", "veth", "peer", "name", "in", "netns", l.rtr)
	sh(t, "", "ip", "link", "add", "eth0", "netns", outer, "type", "veth", "peer", "name", "out", "netns", l.rtr)
	addr := func(ns, dev string, a netip.Addr, bits int) {
		args := []string{"ip", "addr", "add", netip.PrefixFrom(a, bits).String(), "dev", dev}
		if a.Is6() {
			args = append(args, "nodad") // usable at once, no duplicate address detection
		}
		sh(t, ns, args...)
	}
	var routes [][]string // added once the links are up
	route := func(ns string, via netip.Addr) {
		family := "-4"
		if via.Is6() {
			family = "-6"
		}
		routes = append(routes, []string{ns, "ip", family, "route", "add", "default", "via", via.String()})
	}
	switch {
	case s.topo.serverInside:
		addr(l.srv, "eth0", t2Server, 24)
		addr(l.rtr, "in", t2Inside, 24)
		addr(l.rtr, "out", public, 24)
		addr(l.cli, "eth0", publicPeer, 24)
		route(l.srv, t2Inside)
		route(l.cli, public)
	case s.topo.v6:
		addr(l.cli, "eth0", v6Client, 64)
		addr(l.rtr, "in", v6Inside, 64)
		addr(l.rtr, "out", v6Public, 64)
		addr(l.rtr, "out", public, 24)
		addr(l.srv, "eth0", v6Server, 64)
		addr(l.srv, "eth0", publicPeer, 24)
		route(l.cli, v6Inside)
	default:
		addr(l.cli, "eth0", t1Client, 24)
		addr(l.rtr, "in", t1Inside, 24)
		addr(l.rtr, "out", public, 24)
		addr(l.srv, "eth0", publicPeer, 24)
		route(l.cli, t1Inside)
	}
	for _, link := range [][2]string{{l.cli, "eth0"}, {l.srv, "eth0"}, {l.rtr, "in"}, {l.rtr, "out"}} {
		sh(t, link[0], "ip", "link", "set", link[1], "up")
	}
	for _, r := range routes {
		sh(t, r[0], r[1:]...)
	}
	sh(t, l.rtr, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")
	if out, err := nftIn(l.rtr, l.ruleset()); err != nil {
		t.Fatalf("router ruleset: %v %s\n%s", err, out, l.ruleset())
	}

	ctrl := netip.AddrPortFrom(publicPeer, 21)
	switch {
	case s.topo.serverInside:
		ctrl = netip.AddrPortFrom(t2Server, 21)
		l.target = netip.AddrPortFrom(public, 21)
	case s.topo.v6:
		ctrl = netip.AddrPortFrom(netip.IPv6Unspecified(), 21) // both families
		l.target = netip.AddrPortFrom(v6Server, 21)
	default:
		l.target = netip.AddrPortFrom(publicPeer, 21)
	}
	if s.server == "vsftpd" {
		l.startVsftpd(t, ctrl)
	} else {
		l.startServer(t, ctrl)
	}
	if s.proxy {
		l.startProxy(t)
	}
	return l
}

// down deletes the setup's namespaces and ends every process in them.
func (l *lab) down() {
	var wg sync.WaitGroup
	for _, ns := range []string{l.cli, l.rtr, l.srv} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deleteNetns(ns)
		}()
	}
	wg.Wait()
}

// ruleset returns the router's nftables ruleset. The forward chain is the
// firewall: established and related traffic passes, and the new connections
// the topology is for; every other new TCP connection is recorded in the set
// drops4 or drops6 and dropped. A connection that a helper's expectation
// admitted (ct state related) is recorded in related4 or related6, new TCP
// connections to the router itself, but for its port 21, in local4 or
// local6. The counter "helped" counts the packets given to the FTP helper.
//
// With natproxy's kernel data path, the forward chain also accepts the new
// connections that a DNAT made whose original destination was one of
// natproxy's data ports, which are natproxy's mappings: that one rule is
// what such a router needs beyond its own policy. Each is recorded in
// mapped4 or mapped6, as the kernel forwards it (after the DNAT, before the
// SNAT): "client > server:PORT" in passive mode, "server > client:PORT" in
// active mode.
func (l *lab) ruleset() string {
	s := l.setup
	var helper, dnat, record, forward, masq []string
	if s.helper {
		helper = append(helper, `tcp dport 21 ct helper set "ftp-standard" counter name "helped"`)
	}
	if s.kernel {
		mapped := fmt.Sprintf("meta l4proto tcp ct state new ct status dnat ct original proto-dst %d-%d", proxyMin, proxyMax)
		record = append(record,
			mapped+" meta nfproto ipv4 add @mapped4 { ip saddr . ip daddr . tcp dport }",
			mapped+" meta nfproto ipv6 add @mapped6 { ip6 saddr . ip6 daddr . tcp dport }")
		forward = append(forward, mapped+" accept")
	}
	switch {
	case s.topo.serverInside && !s.proxy:
		ports := fmt.Sprintf("21, %d-%d", pasvMin, pasvMax)
		if s.topo.onlyControl {
			ports = "21"
		}
		dnat = append(dnat, fmt.Sprintf(`iifname "out" ip daddr %s tcp dport { %s } dnat ip to %s`, public, ports, t2Server))
		forward = append(forward, fmt.Sprintf(`iifname "out" oifname "in" ct state new ct status dnat ip daddr %s tcp dport { %s } accept`, t2Server, ports))
	case !s.topo.serverInside:
		forward = append(forward, `iifname "in" oifname "out" ct state new accept`)
		masq = append(masq, fmt.Sprintf(`oifname "out" ip saddr %s masquerade`, t1InsideP))
		if s.topo.v6 {
			masq = append(masq, fmt.Sprintf(`oifname "out" ip6 saddr %s masquerade`, v6InsideP))
		}
	}
	lines := func(rules []string) string {
		if len(rules) == 0 {
			return ""
		}
		return "\t\t" + strings.Join(rules, "\n\t\t") + "\n"
	}
	return fmt.Sprintf(`table inet %[1]s {
	ct helper ftp-standard {
		type "ftp" protocol tcp
		l3proto inet
	}
	counter dropped {
	}
	counter helped {
	}
	set drops4 { type ipv4_addr . ipv4_addr . inet_service; flags dynamic; size 1024; }
	set drops6 { type ipv6_addr . ipv6_addr . inet_service; flags dynamic; size 1024; }
	set local4 { type ipv4_addr . ipv4_addr . inet_service; flags dynamic; size 1024; }
	set local6 { type ipv6_addr . ipv6_addr . inet_service; flags dynamic; size 1024; }
	set related4 { type ipv4_addr . ipv4_addr . inet_service; flags dynamic; size 1024; }
	set related6 { type ipv6_addr . ipv6_addr . inet_service; flags dynamic; size 1024; }
	set mapped4 { type ipv4_addr . ipv4_addr . inet_service; flags dynamic; size 1024; }
	set mapped6 { type ipv6_addr . ipv6_addr . inet_service; flags dynamic; size 1024; }
	chain helpers {
		type filter hook prerouting priority -150; policy accept;
%[2]s	}
	chain dstnat {
		type nat hook prerouting priority dstnat; policy accept;
%[3]s	}
	chain forward_filter {
		type filter hook forward priority filter; policy drop;
		ct state related meta nfproto ipv4 meta l4proto tcp add @related4 { ip saddr . ip daddr . tcp dport }
		ct state related meta nfproto ipv6 meta l4proto tcp add @related6 { ip6 saddr . ip6 daddr . tcp dport }
%[4]s		ct state established,related accept
%[5]s		meta nfproto ipv4 meta l4proto tcp add @drops4 { ip saddr . ip daddr . tcp dport }
		meta nfproto ipv6 meta l4proto tcp add @drops6 { ip6 saddr . ip6 daddr . tcp dport }
		counter name "dropped" drop
	}
	chain input_log {
		type filter hook input priority filter; policy accept;
		ct state new meta nfproto ipv4 tcp dport != 21 add @local4 { ip saddr . ip daddr . tcp dport }
		ct state new meta nfproto ipv6 tcp dport != 21 add @local6 { ip6 saddr . ip6 daddr . tcp dport }
	}
	chain srcnat {
		type nat hook postrouting priority srcnat; policy accept;
%[6]s	}
}
`, table, lines(helper), lines(dnat), lines(record), lines(forward), lines(masq))
}

// startVsftpd starts vsftpd in the server's namespace on ctrl, serving
// rootDir to anonymous users, with its passive range, and pasv_address in
// the topologies that announce the public address. It gives up on a data
// connection after 3 s either way, so that a dropped one fails fast.
func (l *lab) startVsftpd(t *testing.T, ctrl netip.AddrPort) {
	t.Helper()
	empty := filepath.Join(l.dir, "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	listen := "listen=YES\nlisten_ipv6=NO\nlisten_address=" + ctrl.Addr().String()
	if ctrl.Addr().Is6() {
		listen = "listen=NO\nlisten_ipv6=YES" // on :: for both families
	}
	l.serverLog = filepath.Join(l.dir, "vsftpd.log")
	conf := fmt.Sprintf(`%s
listen_port=%d
background=NO
anonymous_enable=YES
anon_root=%s
ftp_username=ftp
nopriv_user=nobody
local_enable=NO
write_enable=NO
dirmessage_enable=NO
pasv_enable=YES
pasv_min_port=%d
pasv_max_port=%d
port_enable=YES
connect_from_port_20=NO
connect_timeout=3
accept_timeout=3
secure_chroot_dir=%s
syslog_enable=NO
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file=%s
`, listen, ctrl.Port(), rootDir, pasvMin, pasvMax, empty, l.serverLog)
	if l.topo.publicPASV {
		conf += "pasv_address=" + public.String() + "\n"
	}
	path := filepath.Join(l.dir, "vsftpd.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startProcess(t, "vsftpd", l.srv, l.dir, vsftpdBinary(), path)
	l.waitListening(t, p, l.srv, ctrl)
}

// startServer starts examples/server in the server's namespace on ctrl.
func (l *lab) startServer(t *testing.T, ctrl netip.AddrPort) {
	t.Helper()
	ports := fmt.Sprintf("%d-%d", pasvMin, pasvMax)
	if l.onePort {
		ports = fmt.Sprintf("%d-%d", pasvMin, pasvMin)
	}
	args := []string{exampleBinary(t, "server"), "-listen", ctrl.String(), "-root", rootDir,
		"-pasv-ports", ports, "-data-timeout", "3s", "-v"}
	if l.topo.publicPASV {
		args = append(args, "-public", public.String())
	}
	p := startProcess(t, "server", l.srv, l.dir, args...)
	l.serverLog = p.log
	l.waitListening(t, p, l.srv, ctrl)
}

// startProxy starts natproxy on the router: on its inside address when the
// client is inside (T1, T1-v6), on its public address otherwise; the
// clients then connect to natproxy. In T1-v6 it relays the IPv6 clients to
// the server's IPv4 address. With the kernel data path, it has the router's
// kernel carry the data connections, in its own nftables table (inet
// natproxy), but for those of IPv6 clients to the IPv4 server, which it
// relays.
func (l *lab) startProxy(t *testing.T) {
	t.Helper()
	listen := netip.AddrPortFrom(t1Inside, 21)
	upstream := netip.AddrPortFrom(publicPeer, 21)
	switch {
	case l.topo.serverInside:
		listen, upstream = netip.AddrPortFrom(public, 21), netip.AddrPortFrom(t2Server, 21)
	case l.topo.v6:
		listen = netip.AddrPortFrom(v6Inside, 21)
	}
	args := []string{exampleBinary(t, "natproxy"), "-listen", listen.String(), "-upstream", upstream.String(),
		"-ports", fmt.Sprintf("%d-%d", proxyMin, proxyMax), "-data-timeout", "5s"}
	if l.kernel {
		args = append(args, "-data-path", "kernel")
	}
	l.natproxy = startProcess(t, "natproxy", l.rtr, l.dir, args...)
	l.waitListening(t, l.natproxy, l.rtr, listen)
	l.target = listen
}

// waitListening waits until a socket listens on ap in the namespace ns,
// failing the test if p ends first or startTimeout passes.
func (l *lab) waitListening(t *testing.T, p *process, ns string, ap netip.AddrPort) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		var ok bool
		inNetns(ns, func() error {
			ok = listening(ap)
			return nil
		})
		if ok {
			return
		}
		if p.exited() {
			t.Fatalf("%s exited during start: %v\n%s", p.name, p.cmd.ProcessState, p.output())
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %s after %v\n%s", p.name, ap, startTimeout, p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listening reports whether a TCP socket listens on ap in the namespace of
// the calling thread, from /proc/thread-self/net/tcp and tcp6.
func listening(ap netip.AddrPort) bool {
	file, hexAddr := "/proc/thread-self/net/tcp", ""
	b := ap.Addr().AsSlice()
	if ap.Addr().Is6() {
		file = "/proc/thread-self/net/tcp6"
	}
	for i := 0; i < len(b); i += 4 { // each 32-bit word in host (little-endian) order
		hexAddr += fmt.Sprintf("%02X%02X%02X%02X", b[i+3], b[i+2], b[i+1], b[i])
	}
	want := fmt.Sprintf("%s:%04X", hexAddr, ap.Port())
	data, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && f[1] == want && f[3] == "0A" { // 0A: LISTEN
			return true
		}
	}
	return false
}

// --- What the router saw ---------------------------------------------------------

// routerView is what the router recorded during one client run.
type routerView struct {
	drops   []string // new forwarded connections dropped: "SRC > DST:PORT"
	local   []string // new connections that ended on the router itself
	related []string // forwarded connections admitted by an expectation
	mapped  []string // forwarded connections of natproxy's mappings (kernel data path)
	expects []string // the kernel helper's expectations seen: "SRC > DST:PORT"
	dropped uint64   // packets dropped by the forward chain
	helped  uint64   // packets given to the FTP helper
}

// resetRouter empties the router's sets and counter before a client run.
func (l *lab) resetRouter(t *testing.T) {
	t.Helper()
	script := ""
	for _, set := range []string{"drops4", "drops6", "local4", "local6", "related4", "related6", "mapped4", "mapped6"} {
		script += fmt.Sprintf("flush set inet %s %s\n", table, set)
	}
	script += fmt.Sprintf("reset counter inet %s dropped\nreset counter inet %s helped\n", table, table)
	if out, err := nftIn(l.rtr, script); err != nil {
		t.Fatalf("resetting the router's sets: %v %s", err, out)
	}
}

// watchExpectations polls the router's conntrack expectations every 5 ms
// until stop is called, which returns those seen. An expectation lives only
// until its data connection arrives, often sooner than that: the set of
// related connections is the sure record, this the supplement that shows
// expectations that no connection used.
func (l *lab) watchExpectations() (stop func() []string) {
	done := make(chan struct{})
	var seen []string
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		inNetns(l.rtr, func() error {
			for {
				b, _ := os.ReadFile("/proc/thread-self/net/nf_conntrack_expect")
				for _, line := range strings.Split(string(b), "\n") {
					if e := expectation(line); e != "" && !slices.Contains(seen, e) {
						seen = append(seen, e)
					}
				}
				select {
				case <-done:
					return nil
				case <-time.After(5 * time.Millisecond):
				}
			}
		})
	}()
	return func() []string {
		close(done)
		<-finished
		return seen
	}
}

// expectation returns "SRC > DST:PORT" for a line of nf_conntrack_expect,
// such as "297 l3proto = 2 proto=6 src=198.18.0.2 dst=198.18.0.1 sport=0
// dport=30014 ftp", or "" for another line.
func expectation(line string) string {
	var src, dst, dport string
	for _, f := range strings.Fields(line) {
		switch {
		case strings.HasPrefix(f, "src=") && src == "":
			src = f[4:]
		case strings.HasPrefix(f, "dst=") && dst == "":
			dst = f[4:]
		case strings.HasPrefix(f, "dport=") && dport == "":
			dport = f[6:]
		}
	}
	if src == "" || dst == "" || dport == "" {
		return ""
	}
	if a, err := netip.ParseAddr(dst); err == nil && a.Is6() {
		dst = "[" + dst + "]"
	}
	return src + " > " + dst + ":" + dport
}

// readRouter reads the router's sets and counter.
func (l *lab) readRouter(t *testing.T, v *routerView) {
	t.Helper()
	out, err := nftJSON(l.rtr, "list", "table", "inet", table)
	if err != nil {
		t.Fatalf("reading the router's table: %v", err)
	}
	var doc struct {
		Nftables []struct {
			Set *struct {
				Name string            `json:"name"`
				Elem []json.RawMessage `json:"elem"`
			} `json:"set"`
			Counter *struct {
				Name    string `json:"name"`
				Packets uint64 `json:"packets"`
			} `json:"counter"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("reading the router's table: %v\n%s", err, out)
	}
	for _, o := range doc.Nftables {
		if o.Counter != nil && o.Counter.Name == "dropped" {
			v.dropped = o.Counter.Packets
		}
		if o.Counter != nil && o.Counter.Name == "helped" {
			v.helped = o.Counter.Packets
		}
		if o.Set == nil {
			continue
		}
		for _, raw := range o.Set.Elem {
			e := tuple(raw)
			switch o.Set.Name {
			case "drops4", "drops6":
				v.drops = append(v.drops, e)
			case "local4", "local6":
				v.local = append(v.local, e)
			case "related4", "related6":
				v.related = append(v.related, e)
			case "mapped4", "mapped6":
				v.mapped = append(v.mapped, e)
			}
		}
	}
}

// tuple returns "SRC > DST:PORT" for a set element, given as
// {"concat": [SRC, DST, PORT]} or, with set flags, {"elem": {"val": ...}}.
func tuple(raw json.RawMessage) string {
	var e struct {
		Concat []any `json:"concat"`
		Elem   *struct {
			Val struct {
				Concat []any `json:"concat"`
			} `json:"val"`
		} `json:"elem"`
	}
	if json.Unmarshal(raw, &e) != nil {
		return string(raw)
	}
	c := e.Concat
	if e.Elem != nil {
		c = e.Elem.Val.Concat
	}
	if len(c) != 3 {
		return string(raw)
	}
	src, dst := fmt.Sprint(c[0]), fmt.Sprint(c[1])
	if a, err := netip.ParseAddr(dst); err == nil && a.Is6() {
		dst = "[" + dst + "]"
	}
	return fmt.Sprintf("%s > %s:%v", src, dst, c[2])
}

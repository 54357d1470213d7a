//go:build linux

package interop

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const natproxySection = "curl through examples/natproxy to vsftpd (IPv4 only): the proxy rewrites each data-setup line"

var natproxyRows = []string{"curl → natproxy → vsftpd", "curl → natproxy → vsftpd masq " + masqAddr}

var natproxyCols = []string{"EPSV/v4", "PASV/v4", "EPRT/v4", "PORT/v4", "EPSV/v6→v4", "EPRT/v6→v4", "EPSV→PASV/v6→v4"}

// natproxyCase is one download by curl through natproxy: curl's options,
// which proxy it goes through, and what the proxy's and vsftpd's logs must
// show.
type natproxyCase struct {
	col    string
	curl   []string
	proxy  string   // "v4", "v6", or "v6pasv" (natproxy -passive pasv)
	proxyL []string // in the proxy's log
	ftpdL  []string // in vsftpd's protocol log: what the server was sent
}

var natproxyCases = []natproxyCase{
	{col: "EPSV/v4", proxy: "v4",
		proxyL: []string{"data setup 229 "}, ftpdL: []string{`"EPSV"`}},
	{col: "PASV/v4", curl: []string{"--disable-epsv"}, proxy: "v4",
		proxyL: []string{"data setup 227 "}, ftpdL: []string{`"PASV"`}},
	{col: "EPRT/v4", curl: []string{"-P", "-"}, proxy: "v4",
		proxyL: []string{"data setup EPRT 127.0.0.1:", " -> PORT 127.0.0.1:"}, ftpdL: []string{`"PORT 127,0,0,1,`}},
	{col: "PORT/v4", curl: []string{"-P", "-", "--disable-eprt"}, proxy: "v4",
		proxyL: []string{"data setup PORT 127.0.0.1:", " -> PORT 127.0.0.1:"}, ftpdL: []string{`"PORT 127,0,0,1,`}},
	{col: "EPSV/v6→v4", proxy: "v6",
		proxyL: []string{"data setup 229 "}, ftpdL: []string{`"EPSV"`}},
	{col: "EPRT/v6→v4", curl: []string{"-P", "-"}, proxy: "v6",
		proxyL: []string{"data setup EPRT [::1]:", " -> PORT 127.0.0.1:"}, ftpdL: []string{`"PORT 127,0,0,1,`}},
	{col: "EPSV→PASV/v6→v4", proxy: "v6pasv",
		proxyL: []string{"data setup 227 ", " -> 229 [::1]:"}, ftpdL: []string{`"PASV"`}},
}

// TestNatproxy runs vsftpd on 127.0.0.1 only, without and with a masquerade
// address, and examples/natproxy in front of it on 127.0.0.1 and on ::1
// (and on ::1 with -passive pasv). curl downloads data.bin through the proxy
// with each data-setup command; the file must arrive byte for byte, the
// proxy's log must show the rewrite, and vsftpd's log the line it received:
// an IPv6 client's EPRT reaches the IPv4-only server as PORT, its EPSV as
// EPSV or PASV.
func TestNatproxy(t *testing.T) {
	t.Parallel()
	for i, masq := range []string{"", masqAddr} {
		row := natproxyRows[i]
		t.Run(map[string]string{"": "plain", masqAddr: "masq"}[masq], func(t *testing.T) {
			t.Parallel()
			if why := missing("vsftpd", "curl"); why != "" {
				skipRow(natproxySection, row, natproxyCols, why)
				skipOrFail(t, why)
			}
			dir := stateDir(t, "natproxy-vsftpd")
			lo, hi := passiveRange(t)
			ctrl := netip.AddrPortFrom(loop4, freePort(t, loop4))
			startVsftpd(t, dir, ctrl, lo, hi, masq)
			ftpdLog := filepath.Join(dir, "vsftpd.log")

			proxies := map[string]*process{}
			addrs := map[string]netip.AddrPort{}
			startProxy := func(kind string) {
				if _, ok := proxies[kind]; ok {
					return
				}
				listen := "127.0.0.1:0"
				if kind != "v4" {
					requirePeer(t, "ipv6")
					listen = "[::1]:0"
				}
				plo, phi := passiveRange(t)
				args := []string{"-listen", listen, "-upstream", ctrl.String(), "-ports", fmt.Sprintf("%d-%d", plo, phi), "-data-timeout", "10s"}
				if kind == "v6pasv" {
					args = append(args, "-passive", "pasv")
				}
				proxies[kind], addrs[kind] = startExample(t, "natproxy", stateDir(t, "natproxy"), args...)
			}
			for _, nc := range natproxyCases {
				cell(t, cellID{natproxySection, row, nc.col}, func(t *testing.T) string {
					if nc.proxy != "v4" && missing("ipv6") != "" {
						requirePeer(t, "ipv6")
					}
					startProxy(nc.proxy)
					p := proxies[nc.proxy]
					proxyStart, ftpdStart := fileSize(p.log), fileSize(ftpdLog)
					cdir := stateDir(t, "curl")
					out := filepath.Join(cdir, "data.bin")
					argv := append(append([]string{"curl", "-q", "-sS", "--max-time", "20", "-o", out}, nc.curl...), ftpURL(addrs[nc.proxy], "data.bin"))
					output, err := runProgram(t, cdir, argv...)
					if err != nil {
						t.Errorf("curl: %v\n%s", err, output)
					}
					sameFile(t, out, output)
					proxyLog, ftpdLogText := since(p.log, proxyStart), since(ftpdLog, ftpdStart)
					for _, w := range nc.proxyL {
						if !strings.Contains(proxyLog, w) {
							t.Errorf("natproxy's log lacks %q:\n%s", w, proxyLog)
						}
					}
					for _, w := range nc.ftpdL {
						if !strings.Contains(ftpdLogText, w) {
							t.Errorf("vsftpd's log lacks %q:\n%s", w, ftpdLogText)
						}
					}
					return ""
				})
			}
		})
	}
}

// fileSize returns the size of the file at path, 0 if it does not exist.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// since returns what the file at path holds after its first off bytes.
func since(path string, off int64) string {
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) < off {
		return ""
	}
	return string(b[off:])
}

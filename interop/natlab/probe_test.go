//go:build linux

package natlab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// probeTimeout is the probe's -timeout: each of its steps waits at most
// this long, the whole probe at most 24 times it. It is longer than the
// servers' 3 s for a data connection, so that a server's 425 comes within
// it.
const probeTimeout = 4 * time.Second

// probeCol is a column of the probe's table: a mode of the probe and the
// curl column of the same cell whose outcome it must equal.
type probeCol struct {
	mode string // the probe's mode
	curl string // the curl column that does the same
}

var probeCols = []probeCol{
	{"EPSV", "curl-epsv"},
	{"PASV", "curl-pasv-trust"},
	{"PASV-control", "curl-pasv-skip"},
	{"EPRT", "curl-eprt"},
	{"PORT", "curl-port"},
}

// curlMode returns the mode of the probe that the curl column c really
// uses in setup s. Over IPv6, curl ignores --disable-epsv and
// --disable-eprt (PASV and PORT cannot carry an IPv6 address): its PASV
// columns send EPSV and its PORT column EPRT.
func curlMode(s setup, c probeCol) string {
	if !s.topo.v6 {
		return c.mode
	}
	switch c.mode {
	case "PASV", "PASV-control":
		return "EPSV"
	case "PORT":
		return "EPRT"
	}
	return c.mode
}

// A fix is a change that the lab shows working: the same cell works in the
// setup that the change gives. The probe's fix line names it by one of its
// keywords.
type fix struct {
	name     string
	keywords []string
	// apply returns the setup with the change made, or false if the lab
	// has no such setup.
	apply func(s setup) (setup, bool)
}

// topologyNamed returns the lab's topology of that name.
func topologyNamed(name string) (topology, bool) {
	i := slices.IndexFunc(topologies, func(t topology) bool { return t.name == name })
	if i < 0 {
		return topology{}, false
	}
	return topologies[i], true
}

// withTopology returns s in the topology that the map m gives for its own.
func withTopology(s setup, m map[string]string) (setup, bool) {
	t, ok := topologyNamed(m[s.topo.name])
	if !ok {
		return setup{}, false
	}
	s.topo = t
	return s, true
}

// fixes are the changes the lab makes between its setups:
//
//   - the FTP helper: the same topology with the kernel helper on;
//   - natproxy: the same topology with natproxy on the router, relaying
//     the data connections;
//   - pasv_address: the server announces the public address (T2 → T2p,
//     T2n → T2pn);
//   - forwarding the passive range (T2n → T2, T2pn → T2p).
//
// "Use passive mode" or "use EPSV" is no fix of a cell: it is another
// column.
var fixes = []fix{
	{"the FTP helper", []string{"FTP helper"}, func(s setup) (setup, bool) {
		s.helper, s.proxy, s.kernel = true, false, false
		return s, true
	}},
	{"natproxy", []string{"natproxy"}, func(s setup) (setup, bool) {
		s.helper, s.proxy, s.kernel = false, true, false
		return s, true
	}},
	{"pasv_address", []string{"pasv_address", "MasqueradeAddress"}, func(s setup) (setup, bool) {
		return withTopology(s, map[string]string{"T2": "T2p", "T2n": "T2pn"})
	}},
	{"forwarding the passive range", []string{"forward the server's passive port range"}, func(s setup) (setup, bool) {
		return withTopology(s, map[string]string{"T2n": "T2", "T2pn": "T2p"})
	}},
}

// knownDisagreement returns why the probe's verdict on mode in setup s
// differs from curl's, or why its fix line names no fix that works in the
// lab, or "" if it must not. Each would be a limit of the probe, written
// down here with its reason rather than hidden; a known disagreement that
// no longer shows is an error, so that this list stays true. There are none:
// the probe agrees with curl in every cell, and every failing mode's fix
// names a fix that the lab shows working.
func knownDisagreement(setup, string) string { return "" }

// probeReport is the part of the JSON report of "hostport probe" that the
// lab reads.
type probeReport struct {
	Control string `json:"control"`
	Error   string `json:"error"`
	Modes   []struct {
		Mode   string   `json:"mode"`
		Family string   `json:"family"`
		OK     bool     `json:"ok"`
		Flags  []string `json:"flags"`
		Detail string   `json:"detail"`
		Fix    string   `json:"fix"`
	} `json:"modes"`
}

// probeResult is the outcome of one mode of the probe in a setup.
type probeResult struct {
	ok      bool
	ran     bool // the probe reported the mode
	curlOK  bool // what curl got in the same cell
	flags   []string
	fix     string   // the probe's fix line
	named   []string // the fixes the fix line names
	proven  []string // those of them that make the cell work in the lab
	checked bool     // named and proven were judged
	known   string   // the reason of a known disagreement, or ""
}

// agrees reports whether the probe's verdict equals curl's.
func (r probeResult) agrees() bool { return r.ran && r.ok == r.curlOK }

// status returns the cell's text in the probe's table: "ok" or "fail" when
// the probe agrees with curl (and, failing, names a fix that works in the
// lab); "ok!" or "fail!" when it does not; a known disagreement is marked
// with "*" instead of "!".
func (r probeResult) status() string {
	if !r.ran {
		return "-"
	}
	s := "fail"
	if r.ok {
		s = "ok"
	}
	bad := !r.agrees() || (!r.ok && r.checked && len(r.proven) == 0)
	switch {
	case bad && r.known != "":
		s += "*"
	case bad:
		s += "!"
	}
	return s
}

var (
	probeOnce sync.Once
	probeBin  string
	probeErr  error
)

// envProbe names a hostport binary for the lab to use instead of building
// cmd/hostport.
const envProbe = "HOSTPORT_NATLAB_PROBE"

// probeBinary builds cmd/hostport (once) and returns its path, or returns
// the binary that HOSTPORT_NATLAB_PROBE names. The command is a module of
// its own in the repository's workspace: it is built from the
// repository's root.
func probeBinary(t *testing.T) string {
	t.Helper()
	probeOnce.Do(func() {
		if p := os.Getenv(envProbe); p != "" {
			probeBin, probeErr = filepath.Abs(p)
			return
		}
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			probeErr = err
			return
		}
		probeBin = filepath.Join(baseDir, "bin", "hostport")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", probeBin, "./cmd/hostport")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			probeErr = fmt.Errorf("go build ./cmd/hostport: %v\n%s", err, out)
		}
	})
	if probeErr != nil {
		t.Fatal(probeErr)
	}
	return probeBin
}

// probeArgs returns the probe's command line in the lab l. -trust-reply
// makes the probe's PASV dial the address of the 227 reply, as curl's
// pasv-trust column does, whatever it names.
func probeArgs(t *testing.T, l *lab, extra ...string) []string {
	args := []string{probeBinary(t), "probe", "-timeout", probeTimeout.String(), "-trust-reply"}
	return append(append(args, extra...), "ftp://"+l.target.String()+"/")
}

// runProbe runs the probe in the client's namespace and returns its
// standard output.
func (l *lab) runProbe(t *testing.T, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 24*probeTimeout+10*time.Second)
	defer cancel()
	cmd := inNetnsCmd(ctx, l.cli, probeArgs(t, l, extra...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("the probe did not end within %v\n%s%s", 24*probeTimeout+10*time.Second, stdout.String(), stderr.String())
	}
	// Exit status 1 says that the default clients cannot transfer: a
	// verdict, not an error.
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		t.Fatalf("the probe: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// probeCell runs the probe in the lab l and compares each mode's verdict
// with that of curl in the same cell. Whether the fix lines name a fix that
// works is judged later, once every setup has run (checkProbeFixes).
func (l *lab) probeCell(t *testing.T) {
	out := l.runProbe(t, "-json")
	var rep probeReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("the probe's report does not parse: %v\n%s", err, out)
	}
	if rep.Error != "" || len(rep.Modes) == 0 {
		t.Fatalf("the probe could not probe %s: %s\n%s", l.target, rep.Error, out)
	}
	primary := rep.Modes[0].Family
	for _, c := range probeCols {
		r := probeResult{known: knownDisagreement(l.setup, c.mode)}
		mode := curlMode(l.setup, c)
		for _, m := range rep.Modes {
			if m.Family == primary && m.Mode == mode {
				r.ok, r.ran, r.flags, r.fix = m.OK, true, m.Flags, m.Fix
			}
		}
		cr, ok := mx.cell(l.name(), c.curl)
		if !ok {
			t.Errorf("%s: curl's cell %s did not run", c.mode, c.curl)
			continue
		}
		r.curlOK = cr.ok
		mx.setProbe(l.name(), c.mode, r)
		switch {
		case !r.ran:
			t.Errorf("the probe's report has no mode %s (%s)\n%s", mode, primary, out)
		case r.agrees():
		case r.known != "":
			t.Logf("%s: the probe says ok=%v, %s ok=%v: a known disagreement: %s", mode, r.ok, c.curl, r.curlOK, r.known)
		default:
			t.Errorf("%s: the probe says ok=%v (%s), but %s in the same cell ok=%v\nprobe's report:\n%s",
				mode, r.ok, strings.Join(r.flags, ","), c.curl, r.curlOK, out)
		}
	}
	if testing.Verbose() {
		t.Logf("the probe's report:\n%s", out)
	}
}

// checkProbeFixes asserts, for every mode that the probe found failing,
// that its fix line names a fix that makes the same cell work in the lab:
// the cell of the curl column is ok in the setup that the fix gives.
func checkProbeFixes(t *testing.T) {
	for _, s := range setups() {
		for _, c := range probeCols {
			r, ok := mx.probeCell(s.name(), c.mode)
			if !ok || !r.ran {
				continue
			}
			if r.ok {
				if r.known != "" && r.agrees() {
					t.Errorf("%s, %s: the known disagreement no longer shows: the probe and %s both work; remove it from knownDisagreement (%s)", s.name(), c.mode, c.curl, r.known)
				}
				continue
			}
			r.named, r.proven, r.checked = nil, nil, true
			for _, f := range fixes {
				if !slices.ContainsFunc(f.keywords, func(k string) bool { return strings.Contains(r.fix, k) }) {
					continue
				}
				r.named = append(r.named, f.name)
				fixed, ok := f.apply(s)
				if !ok {
					continue
				}
				if cr, ok := mx.cell(fixed.name(), c.curl); ok && cr.ok {
					r.proven = append(r.proven, f.name+" ("+fixed.name()+")")
				}
			}
			mx.setProbe(s.name(), c.mode, r)
			if len(r.proven) > 0 {
				if r.known != "" && r.agrees() {
					t.Errorf("%s, %s: the known disagreement no longer shows: the probe agrees with %s and names a fix that works (%s); remove it from knownDisagreement (%s)",
						s.name(), c.mode, c.curl, strings.Join(r.proven, ", "), r.known)
				}
				continue
			}
			msg := fmt.Sprintf("%s, %s fails, and the probe's fix names no fix that makes %s work in the lab (named: %s)\nfix: %s",
				s.name(), c.mode, c.curl, listOr(r.named, "none"), r.fix)
			if r.known != "" {
				t.Logf("%s\na known disagreement: %s", msg, r.known)
				continue
			}
			t.Error(msg)
		}
	}
}

func listOr(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, ", ")
}

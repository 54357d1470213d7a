package hostporttest_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/hostporttest"
	"pgregory.net/rapid"
)

// A property as another project writes it in its own _test.go file: its
// reader of 227 replies (here hostport.ParsePASV stands in for it) must read
// every style of reply to the address in it, and reject every hostile one.
// The function below is the body of a test; rename it to
// TestReadPASV(t *testing.T) to make it one.
func Example() {
	var t *testing.T // the *testing.T of the test function

	rapid.Check(t, func(t *rapid.T) {
		line := hostporttest.PASVReply().Draw(t, "line")
		hp, err := hostport.ParsePASV(line.Text) // the reader under test
		if err != nil {
			t.Fatalf("%q: %v", line.Text, err)
		}
		if got := hp.AddrPort(); got != line.Want {
			t.Fatalf("%q: got %v, want %v", line.Text, got, line.Want)
		}
	})

	rapid.Check(t, func(t *rapid.T) {
		line := hostporttest.HostileLine(hostporttest.FormPASV).Draw(t, "line")
		if hp, err := hostport.ParsePASV(line.Text); !errors.Is(err, line.Err) {
			t.Fatalf("%q (%s): got %v, %v; want an error that wraps %v", line.Text, line.Note, hp, err, line.Err)
		}
	})
}

// The same property as a fuzz target, for go test -fuzz; rename it to
// FuzzReadLines(f *testing.F) to make it one. It checks every form with
// [hostporttest.Form.Parse], which calls the hostport parser of the form.
func Example_fuzz() {
	var f *testing.F // the *testing.F of the fuzz target

	f.Fuzz(rapid.MakeFuzz(func(t *rapid.T) {
		line := hostporttest.ValidLine().Draw(t, "line")
		got, err := line.Form.Parse(line.Text)
		if err != nil || got != line.Want {
			t.Fatalf("%v %q: got %v, %v; want %v", line.Form, line.Text, got, err, line.Want)
		}
	}))
}

// Lines that PASVReply draws, and the addresses they carry. Example draws
// the same line for the same seed, as an example needs; a test draws with
// Draw.
func ExamplePASVReply() {
	for seed := range 4 {
		line := hostporttest.PASVReply().Example(seed)
		hp, err := hostport.ParsePASV(line.Text)
		fmt.Printf("%q\n\t%v %v\n", line.Text, line.Want, err == nil && hp.AddrPort() == line.Want)
	}
	// Output:
	// "227 ENTERING PASSIVE MODE (1,45,199,254,3,255)"
	// 	1.45.199.254:1023 true
	// "227-Entering Passive Mode (9,1,0,2,76,52).\n"
	// 	9.1.0.2:19508 true
	// "227 Entering Passive Mode 0,99,1,100,0,210 port 7 of 20\r\n"
	// 	0.99.1.100:210 true
	// "227 Entering Passive Mode, 2 of 10 (255,104,1,70,0,20). Timeout 30 s OK.\n"
	// 	255.104.1.70:20 true
}

// Lines that EPRTCommand draws: any case of the verb or none, any delimiter
// that cannot occur in the address, and the text forms of IPv6 addresses.
func ExampleEPRTCommand() {
	for seed := 1; seed <= 4; seed++ {
		line := hostporttest.EPRTCommand().Example(seed)
		fmt.Printf("%q\n\t%v\n", line.Text, line.Want)
	}
	// Output:
	// "EPRT |1|9.25.1.199|65534|\r\n"
	// 	9.25.1.199:65534
	// "|2|0:7FF9:0:0::0:3.1.100.127|1|\r\n"
	// 	[0:7ff9::301:647f]:1
	// "EPRt |1|1.249.127.0|65280|\r\n"
	// 	1.249.127.0:65280
	// "EPRt r1r200.1.222.1r21r\n"
	// 	200.1.222.1:21
}

// Hostile EPRT commands, one of each class of error, and whether
// hostport.ParseEPRT rejects each with an error of its class.
func ExampleHostileLine() {
	gen := hostporttest.HostileLine(hostporttest.FormEPRT)
	for _, class := range []error{hostport.ErrSyntax, hostport.ErrRange, hostport.ErrFamily} {
		line := gen.Example(0)
		for seed := 1; line.Err != class; seed++ {
			line = gen.Example(seed)
		}
		_, err := hostport.ParseEPRT(line.Text)
		fmt.Printf("%q\n\t%s; %v: %v\n", line.Text, line.Note, line.Err, errors.Is(err, line.Err))
	}
	// Output:
	// "eprt |1|0000:0000::0000:0000:0.0.0.0|000000000000000000000000000000109|"
	// 	EPRT: net-prt 1 with an IPv6 address; invalid syntax: true
	// "F1F6.254.127.10F70000F\r\n"
	// 	EPRT: tcp-port above 65535; value out of range: true
	// "EPRT |0|18.109.9.99|001|"
	// 	EPRT: net-prt 0; unsupported address family: true
}

// Form.Parse reads a line with the hostport parser of its form and returns
// what a Line holds in Want: for a 229 reply, only the port.
func ExampleForm_Parse() {
	for _, l := range []struct {
		form hostporttest.Form
		text string
	}{
		{hostporttest.FormEPRT, "EPRT |1|132.235.1.2|6275|"},
		{hostporttest.FormEPSV, "229 Entering Extended Passive Mode (|||6446|)"},
		{hostporttest.FormPORT, "PORT 192,0,2,1,4,310"},
	} {
		ap, err := l.form.Parse(l.text)
		fmt.Println(l.form, ap.Addr().IsValid(), ap.Port(), err)
	}
	// Output:
	// EPRT true 6275 <nil>
	// EPSV false 6446 <nil>
	// PORT false 0 hostport.ParsePORT: parsing "PORT 192,0,2,1,4,310": p2 310 out of range [0,255] at offset 17
}

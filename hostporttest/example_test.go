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
		line := hostporttest.HostileLine(hostport.FormPASV).Draw(t, "line")
		if hp, err := hostport.ParsePASV(line.Text); !errors.Is(err, line.Err) {
			t.Fatalf("%q (%s): got %v, %v; want an error that wraps %v", line.Text, line.Note, hp, err, line.Err)
		}
	})
}

// The same property as a fuzz target, for go test -fuzz; rename it to
// FuzzReadLines(f *testing.F) to make it one. It checks every form with
// [hostport.ParseLine], which reads a line whose verb or code shows its form
// with the parser of that form. The lines that ValidLine draws without verb
// or code (a command's argument, a reply's text) show no form; a test of a
// reader of one form reads them with that form's parser.
func Example_fuzz() {
	var f *testing.F // the *testing.F of the fuzz target

	f.Fuzz(rapid.MakeFuzz(func(t *rapid.T) {
		line := hostporttest.ValidLine().Draw(t, "line")
		form, got, err := hostport.ParseLine(line.Text)
		if form == 0 {
			return // the argument or the reply text alone
		}
		if form != line.Form || err != nil || got != line.Want {
			t.Fatalf("%v %q: got %v %v, %v; want %v", line.Form, line.Text, form, got, err, line.Want)
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
	gen := hostporttest.HostileLine(hostport.FormEPRT)
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

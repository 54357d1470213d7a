package hostport_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/netip"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/ftpkit/hostport"
)

func Example() {
	hp, err := hostport.ParsePASV("227 Entering Passive Mode (192,0,2,1,4,1).")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hp.AddrPort())
	// Output: 192.0.2.1:1025
}

// A proxy or a trace reader that sees lines of every kind reads them with
// one call and learns which form each is.
func ExampleParseLine() {
	for _, line := range []string{
		"PORT 10,2,0,2,4,31",
		"227 Entering Passive Mode (192,0,2,1,4,1).",
		"EPRT |2|1080::8:800:200C:417A|5282|",
		"229 Entering Extended Passive Mode (|||6446|)",
		"LPRT 4,4,192,0,2,1,2,4,31",
		"EPRT |3|192.0.2.1|1025|",
		"LIST",
	} {
		form, ap, err := hostport.ParseLine(line)
		switch {
		case err != nil:
			fmt.Printf("%-4v %v\n", form, err)
		case !ap.Addr().IsValid(): // a 229 reply: the port only
			fmt.Printf("%-4v port %d\n", form, ap.Port())
		default:
			fmt.Printf("%-4v %v\n", form, ap)
		}
	}
	// Output:
	// PORT 10.2.0.2:1055
	// 227  192.0.2.1:1025
	// EPRT [1080::8:800:200c:417a]:5282
	// 229  port 6446
	// LPRT 192.0.2.1:1055
	// EPRT hostport.ParseEPRT: parsing "EPRT |3|192.0.2.1|1025|": unknown net-prt "3" (want 1 or 2) at offset 6
	// Form(0) hostport.ParseLine: parsing "LIST": verb "LIST", want PORT, EPRT or LPRT at offset 0
}

func ExampleParse() {
	hp, err := hostport.Parse("10,2,0,2,4,31")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hp.Addr(), hp.Port())
	// Output: 10.2.0.2 1055
}

func ExampleMustParse() {
	hp := hostport.MustParse("192,0,2,1,4,1")
	fmt.Println(hp.AddrPort())
	// Output: 192.0.2.1:1025
}

func ExampleParsePASV() {
	// The text of a 227 reply varies from server to server; ParsePASV
	// scans it for the numbers.
	for _, reply := range []string{
		"227 Entering Passive Mode (192,0,2,1,4,1).",
		"227 Entering passive mode (198,51,100,7,195,80)",
		"227 =203,0,113,10,4,31",
	} {
		hp, err := hostport.ParsePASV(reply)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(hp.AddrPort())
	}
	// Output:
	// 192.0.2.1:1025
	// 198.51.100.7:50000
	// 203.0.113.10:1055
}

func ExampleMustParsePASV() {
	hp := hostport.MustParsePASV("227 Entering Passive Mode (192,0,2,1,4,1).")
	fmt.Println(hp.AddrPort())
	// Output: 192.0.2.1:1025
}

// A client that asks for a passive address sends the form's Verb and reads
// the reply that String names.
func ExampleForm_Verb() {
	for _, f := range []hostport.Form{hostport.FormPASV, hostport.FormEPSV, hostport.FormLPSV} {
		fmt.Printf("%s is answered by %s\n", f.Verb(), f)
	}
	// Output:
	// PASV is answered by 227
	// EPSV is answered by 229
	// LPSV is answered by 228
}

func ExampleFormatPASV() {
	hp := hostport.From4([4]byte{192, 0, 2, 1}, 1025)
	fmt.Println(hostport.FormatPASV(hp))
	// Output: 227 Entering Passive Mode (192,0,2,1,4,1).
}

func ExampleAppendPASV() {
	hp := hostport.From4([4]byte{192, 0, 2, 1}, 1025)
	b := hostport.AppendPASV(nil, hp)
	b = append(b, "\r\n"...)
	fmt.Printf("%q\n", b)
	// Output: "227 Entering Passive Mode (192,0,2,1,4,1).\r\n"
}

func ExampleParsePORT() {
	hp, err := hostport.ParsePORT("PORT 10,2,0,2,4,31")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hp.AddrPort())

	// A number out of range is an error, never a wrap-around.
	_, err = hostport.ParsePORT("PORT 10,2,0,2,4,310")
	fmt.Println(err)
	// Output:
	// 10.2.0.2:1055
	// hostport.ParsePORT: parsing "PORT 10,2,0,2,4,310": p2 310 out of range [0,255] at offset 16
}

func ExampleMustParsePORT() {
	hp := hostport.MustParsePORT("PORT 10,2,0,2,4,31")
	fmt.Println(hp.AddrPort())
	// Output: 10.2.0.2:1055
}

func ExampleFormatPORT() {
	hp := hostport.From4([4]byte{198, 51, 100, 7}, 50000)
	fmt.Println(hostport.FormatPORT(hp))
	// Output: PORT 198,51,100,7,195,80
}

func ExampleAppendPORT() {
	hp := hostport.From4([4]byte{198, 51, 100, 7}, 50000)
	b := hostport.AppendPORT(nil, hp)
	b = append(b, "\r\n"...)
	fmt.Printf("%q\n", b)
	// Output: "PORT 198,51,100,7,195,80\r\n"
}

func ExampleParseEPSV() {
	port, err := hostport.ParseEPSV("229 Entering Extended Passive Mode (|||6446|)")
	if err != nil {
		log.Fatal(err)
	}
	// The client dials the port on the address of the control connection.
	server := netip.MustParseAddrPort("[2001:db8::21]:21")
	fmt.Println(netip.AddrPortFrom(server.Addr(), port))
	// Output: [2001:db8::21]:6446
}

func ExampleMustParseEPSV() {
	fmt.Println(hostport.MustParseEPSV("229 Entering Extended Passive Mode (|||6446|)"))
	// Output: 6446
}

func ExampleFormatEPSV() {
	fmt.Println(hostport.FormatEPSV(6446))
	// Output: 229 Entering Extended Passive Mode (|||6446|)
}

func ExampleAppendEPSV() {
	b := hostport.AppendEPSV(nil, 6446)
	b = append(b, "\r\n"...)
	fmt.Printf("%q\n", b)
	// Output: "229 Entering Extended Passive Mode (|||6446|)\r\n"
}

func ExampleParseEPRT() {
	for _, line := range []string{
		"EPRT |1|132.235.1.2|6275|",
		"EPRT |2|1080::8:800:200C:417A|5282|",
	} {
		ap, err := hostport.ParseEPRT(line)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ap)
	}

	// A server answers 522 to a protocol it does not know.
	_, err := hostport.ParseEPRT("EPRT |3|132.235.1.2|6275|")
	fmt.Println(errors.Is(err, hostport.ErrFamily))
	// Output:
	// 132.235.1.2:6275
	// [1080::8:800:200c:417a]:5282
	// true
}

func ExampleMustParseEPRT() {
	fmt.Println(hostport.MustParseEPRT("EPRT |1|132.235.1.2|6275|"))
	// Output: 132.235.1.2:6275
}

func ExampleFormatEPRT() {
	fmt.Println(hostport.FormatEPRT(netip.MustParseAddrPort("132.235.1.2:6275")))
	fmt.Println(hostport.FormatEPRT(netip.MustParseAddrPort("[1080::8:800:200C:417A]:5282")))
	// Output:
	// EPRT |1|132.235.1.2|6275|
	// EPRT |2|1080::8:800:200c:417a|5282|
}

func ExampleAppendEPRT() {
	b := hostport.AppendEPRT(nil, netip.MustParseAddrPort("[2001:db8::7]:1025"))
	b = append(b, "\r\n"...)
	fmt.Printf("%q\n", b)
	// Output: "EPRT |2|2001:db8::7|1025|\r\n"
}

func ExampleParseLPSV() {
	ap, err := hostport.ParseLPSV("228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ap)
	// Output: 192.0.2.1:1055
}

func ExampleMustParseLPSV() {
	fmt.Println(hostport.MustParseLPSV("228 Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,31)"))
	// Output: [2001:db8::1]:1055
}

func ExampleFormatLPSV() {
	fmt.Println(hostport.FormatLPSV(netip.MustParseAddrPort("192.0.2.1:1055")))
	// Output: 228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)
}

func ExampleAppendLPSV() {
	b := hostport.AppendLPSV(nil, netip.MustParseAddrPort("192.0.2.1:1055"))
	b = append(b, "\r\n"...)
	fmt.Printf("%q\n", b)
	// Output: "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)\r\n"
}

func ExampleParseLPRT() {
	for _, line := range []string{
		"LPRT 4,4,192,0,2,1,2,4,31",
		"LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,31",
	} {
		ap, err := hostport.ParseLPRT(line)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ap)
	}

	// A server answers 521 to an address family it does not know.
	_, err := hostport.ParseLPRT("LPRT 5,4,192,0,2,1,2,4,31")
	fmt.Println(errors.Is(err, hostport.ErrFamily))
	// Output:
	// 192.0.2.1:1055
	// [2001:db8::1]:1055
	// true
}

func ExampleMustParseLPRT() {
	fmt.Println(hostport.MustParseLPRT("LPRT 4,4,192,0,2,1,2,4,31"))
	// Output: 192.0.2.1:1055
}

func ExampleFormatLPRT() {
	fmt.Println(hostport.FormatLPRT(netip.MustParseAddrPort("[2001:db8::1]:1055")))
	// Output: LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,31
}

func ExampleAppendLPRT() {
	b := hostport.AppendLPRT(nil, netip.MustParseAddrPort("192.0.2.1:1055"))
	b = append(b, "\r\n"...)
	fmt.Printf("%q\n", b)
	// Output: "LPRT 4,4,192,0,2,1,2,4,31\r\n"
}

func ExampleFrom4() {
	hp := hostport.From4([4]byte{10, 2, 0, 2}, 1055)
	fmt.Println(hp)
	// Output: 10,2,0,2,4,31
}

func ExampleFromAddrPort() {
	for _, s := range []string{"192.0.2.1:1025", "[::ffff:192.0.2.1]:1025", "[2001:db8::1]:1025"} {
		hp, err := hostport.FromAddrPort(netip.MustParseAddrPort(s))
		if errors.Is(err, hostport.ErrFamily) {
			// Only EPRT and LPRT can carry an IPv6 address.
			fmt.Println(hostport.FormatEPRT(netip.MustParseAddrPort(s)))
			continue
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(hostport.FormatPORT(hp))
	}
	// Output:
	// PORT 192,0,2,1,4,1
	// PORT 192,0,2,1,4,1
	// EPRT |2|2001:db8::1|1025|
}

func ExampleFromTCPAddr() {
	// As a data listener's Addr would report it.
	addr := &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 50000}
	hp, err := hostport.FromTCPAddr(addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hostport.FormatPASV(hp))
	// Output: 227 Entering Passive Mode (192,0,2,1,195,80).
}

func ExampleHostPort_Addr() {
	hp := hostport.MustParse("192,0,2,1,4,1")
	fmt.Println(hp.Addr(), hp.Addr().Is4())
	// Output: 192.0.2.1 true
}

func ExampleHostPort_Port() {
	hp := hostport.MustParse("192,0,2,1,4,1")
	fmt.Println(hp.Port()) // 4*256 + 1
	// Output: 1025
}

func ExampleHostPort_AddrPort() {
	hp := hostport.MustParsePORT("PORT 198,51,100,7,195,80")
	client := netip.MustParseAddrPort("198.51.100.7:40211")
	// An active-mode server checks that the data address is the client's own.
	fmt.Println(hp.AddrPort(), hp.AddrPort().Addr() == client.Addr())
	// Output: 198.51.100.7:50000 true
}

func ExampleHostPort_TCPAddr() {
	hp := hostport.MustParsePASV("227 Entering Passive Mode (192,0,2,1,4,1).")
	addr := hp.TCPAddr()
	fmt.Println(addr, len(addr.IP))
	// Output: 192.0.2.1:1025 4
}

func ExampleHostPort_Compare() {
	hps := []hostport.HostPort{
		hostport.MustParse("198,51,100,7,4,1"),
		hostport.MustParse("192,0,2,1,4,2"),
		hostport.MustParse("192,0,2,1,4,1"),
		hostport.MustParse("10,2,0,2,4,31"),
	}
	slices.SortFunc(hps, hostport.HostPort.Compare)
	for _, hp := range hps {
		fmt.Println(hp.AddrPort())
	}
	// Output:
	// 10.2.0.2:1055
	// 192.0.2.1:1025
	// 192.0.2.1:1026
	// 198.51.100.7:1025
}

func ExampleHostPort_String() {
	hp := hostport.From4([4]byte{10, 2, 0, 2}, 1055)
	fmt.Println(hp.String())
	fmt.Printf("%v\n", hp)
	// Output:
	// 10,2,0,2,4,31
	// 10,2,0,2,4,31
}

func ExampleHostPort_AppendText() {
	hp := hostport.From4([4]byte{192, 0, 2, 1}, 1025)
	b := []byte("data address: ")
	b, err := hp.AppendText(b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
	// Output: data address: 192,0,2,1,4,1
}

func ExampleHostPort_MarshalText() {
	hp := hostport.From4([4]byte{192, 0, 2, 1}, 1025)
	text, err := hp.MarshalText()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(text))

	// encoding/json uses MarshalText for the value.
	b, err := json.Marshal(struct{ Data hostport.HostPort }{hp})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
	// Output:
	// 192,0,2,1,4,1
	// {"Data":"192,0,2,1,4,1"}
}

func ExampleHostPort_UnmarshalText() {
	var config struct {
		Data hostport.HostPort `json:"data"`
	}
	if err := json.Unmarshal([]byte(`{"data": "192,0,2,1,4,1"}`), &config); err != nil {
		log.Fatal(err)
	}
	fmt.Println(config.Data.AddrPort())

	err := json.Unmarshal([]byte(`{"data": "192,0,2,1,4,256"}`), &config)
	fmt.Println(errors.Is(err, hostport.ErrRange))
	// Output:
	// 192.0.2.1:1025
	// true
}

func ExampleHostPort_roundtrip() {
	// Leading zeros are read as decimal and not written back.
	hp, err := hostport.ParsePORT("PORT 192,000,002,001,004,001")
	if err != nil {
		log.Fatal(err)
	}
	line := hostport.FormatPORT(hp)
	again, err := hostport.ParsePORT(line)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(line)
	fmt.Println(again == hp)
	// Output:
	// PORT 192,0,2,1,4,1
	// true
}

func ExampleHostPort_properties() {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "input\tAddr\tPort\tString\tFormatEPRT")
	for _, s := range []string{
		"192,0,2,1,4,1",
		"10,2,0,2,4,31",
		"203,0,113,10,195,80",
		"0,0,0,0,0,0",
		"255,255,255,255,255,255",
		"198,51,100,007,000,021",
	} {
		hp, err := hostport.Parse(s)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(w, "%s\t%v\t%d\t%s\t%s\n", s, hp.Addr(), hp.Port(), hp, hostport.FormatEPRT(hp.AddrPort()))
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// input                    Addr             Port   String                   FormatEPRT
	// 192,0,2,1,4,1            192.0.2.1        1025   192,0,2,1,4,1            EPRT |1|192.0.2.1|1025|
	// 10,2,0,2,4,31            10.2.0.2         1055   10,2,0,2,4,31            EPRT |1|10.2.0.2|1055|
	// 203,0,113,10,195,80      203.0.113.10     50000  203,0,113,10,195,80      EPRT |1|203.0.113.10|50000|
	// 0,0,0,0,0,0              0.0.0.0          0      0,0,0,0,0,0              EPRT |1|0.0.0.0|0|
	// 255,255,255,255,255,255  255.255.255.255  65535  255,255,255,255,255,255  EPRT |1|255.255.255.255|65535|
	// 198,51,100,007,000,021   198.51.100.7     21     198,51,100,7,0,21        EPRT |1|198.51.100.7|21|
}

func ExampleParseError() {
	_, err := hostport.ParsePASV("227 Entering Passive Mode (192,0,2,1,300,7).")
	var perr *hostport.ParseError
	if errors.As(err, &perr) {
		fmt.Println("Func:", perr.Func)
		fmt.Println("Input:", perr.Input)
		fmt.Println("Offset:", perr.Offset, "at", perr.Input[perr.Offset:])
		fmt.Println("Reason:", perr.Err)
		fmt.Println("ErrSyntax:", errors.Is(err, hostport.ErrSyntax))
		fmt.Println("ErrRange:", errors.Is(err, hostport.ErrRange))
		fmt.Println("ErrFamily:", errors.Is(err, hostport.ErrFamily))
		fmt.Println(err)
	}
	// Output:
	// Func: ParsePASV
	// Input: 227 Entering Passive Mode (192,0,2,1,300,7).
	// Offset: 37 at 300,7).
	// Reason: p1 300 out of range [0,255]
	// ErrSyntax: false
	// ErrRange: true
	// ErrFamily: false
	// hostport.ParsePASV: parsing "227 Entering Passive Mode (192,0,2,1,300,7).": p1 300 out of range [0,255] at offset 37
}

func ExampleConvError() {
	_, err := hostport.FromAddrPort(netip.MustParseAddrPort("[2001:db8::1]:21"))
	var cerr *hostport.ConvError
	if errors.As(err, &cerr) {
		fmt.Println("Func:", cerr.Func)
		fmt.Println("Addr:", cerr.Addr)
		fmt.Println("Reason:", cerr.Err)
		fmt.Println("ErrFamily:", errors.Is(err, hostport.ErrFamily))
		fmt.Println(err)
	}
	// Output:
	// Func: FromAddrPort
	// Addr: [2001:db8::1]:21
	// Reason: not an IPv4 address
	// ErrFamily: true
	// hostport.FromAddrPort: [2001:db8::1]:21: not an IPv4 address
}

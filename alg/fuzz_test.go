package alg_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/ftpkit/hostport/alg"
)

// corpus holds the seeds of the fuzz targets: hostile lines (commands
// injected inside another line, other protocols and lines out of place,
// commands out of turn) and lines that real peers send.
var corpus = []string{
	// A second command injected inside a line
	"CWD leetXXXX\nPORT 10,0,0,5,4,1\r\n",
	"CWD x\rPORT 10,0,0,5,4,1\r\n",
	"PO\xff\xfb\x01RT 198,51,100,7,4,1\r\n",
	"\xff\xf4\xff\xf2PORT 10,0,0,5,0,22\r\n",
	strings.Repeat("A", 300) + "PORT 10,0,0,5,0,22\r\n",
	"STOR PORT 10,0,0,5,0,22\r\n",
	"NOOP\r\nPORT 10,0,0,5,4,1\r\n",
	// Other protocols and lines out of place
	"POST / HTTP/1.1\r\nHost: x\r\n\r\n" + strings.Repeat("A", 100) + "\r\nPORT 10,0,0,5,4,1\r\n",
	"200 Type set to I; 227 Entering Passive Mode (10,0,0,9,0,22)\r\n",
	"227 Entering Passive Mode (10,0,0,9,0,22)\r\n",
	"PORT 10,0,0,9,0,22\r\n",
	// Commands out of turn: after EPSV ALL, after AUTH TLS
	"EPSV ALL\r\nPORT 198,51,100,7,4,1\r\nPASV\r\nEPRT |1|198.51.100.7|1025|\r\nLPRT 4,4,198,51,100,7,2,4,1\r\n",
	"AUTH TLS\r\n\x16\x03\x01\x02\x00",
	// Real lines
	"USER anonymous\r\nPASS guest\r\nPASV\r\nEPSV\r\nLPSV\r\nP@SW\r\n",
	"EPRT |2|1080::8:800:200C:417A|5282|\r\nEPRT |1|132.235.1.2|6275|\r\n",
	"LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,31\r\n",
	"227 Entering Passive Mode (192,0,2,1,4,31).\r\n229 Entering Extended Passive Mode (|||6446|)\r\n" +
		"228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)\r\n",
	"211-Features:\r\n EPRT\r\n211 End\r\n\xff\xfe\x01200 ok\r\n",
	"\r\n\r\n\r", "\x00", "\xff", "\xff\xfa\x01",
}

// FuzzFramer checks the framer against the reference for any stream, cap and
// reads: the same lines, which put together give the stream back.
func FuzzFramer(f *testing.F) {
	for _, s := range corpus {
		f.Add([]byte(s), uint8(16), []byte{1, 5, 3})
	}
	f.Fuzz(func(t *testing.T, in []byte, max uint8, sizes []byte) {
		m := int(max%64) + 2
		var sz []int
		for _, b := range sizes {
			sz = append(sz, int(b)+1)
		}
		got := frameAll(t, in, m, sz)
		want := slowFrame(in, m)
		if len(got) != len(want) {
			t.Fatalf("%q cap %d reads %v: %d lines, want %d", in, m, sz, len(got), len(want))
		}
		var joined []byte
		for i := range got {
			if !bytes.Equal(got[i].Bytes, want[i].Bytes) || got[i].Flags != want[i].Flags {
				t.Fatalf("%q cap %d reads %v: line %d is %q %v, want %q %v", in, m, sz, i,
					got[i].Bytes, got[i].Flags, want[i].Bytes, want[i].Flags)
			}
			joined = append(joined, got[i].Bytes...)
		}
		if !bytes.Equal(joined, in) {
			t.Fatalf("%q: lines put together are %q", in, joined)
		}
	})
}

// standalone runs one direction of a session after the other has ended
// (with the client's stream pre for the replies), so that no copy method
// waits: it returns what was written to the server and to the client, the
// number of lines refused, and the copy method's error.
func standalone(in []byte, sizes []int, commands bool, pre string) (toServer, toClient string, refused int, err error) {
	var srv, cli bytes.Buffer
	cfg := alg.Config{
		MaxLine:    propMaxLine,
		ServerAddr: serverAddr,
		Hook:       natCfg.Hook,
		OnRefuse:   func(alg.Dir, []byte, error) { refused++ },
	}
	s := alg.NewSession(&cli, &srv, cfg)
	if commands {
		if err := s.CopyReplies(strings.NewReader("220 ready\r\n")); err != nil {
			return "", "", 0, err
		}
		cli.Reset()
		err = s.CopyCommands(&chunkReader{data: in, sizes: sizes})
	} else {
		if err := s.CopyCommands(strings.NewReader(pre)); err != nil {
			return "", "", 0, err
		}
		srv.Reset()
		err = s.CopyReplies(&chunkReader{data: in, sizes: sizes})
	}
	return srv.String(), cli.String(), refused, err
}

// isCanonical reports whether line is a passive or AUTH command as the
// session writes one whose verb not every server reads ("PASV\v",
// "AUTH\ftls", "p@sw\v", vsftpd's alias of PASV): the verb in upper case,
// then nothing, or one space and an argument with no blank at either end.
func isCanonical(line string) bool {
	body, ok := strings.CutSuffix(line, "\r\n")
	if !ok {
		return false
	}
	verb, arg, hasArg := strings.Cut(body, " ")
	switch verb {
	case "PASV", "P@SW", "EPSV", "LPSV", "AUTH":
		return !hasArg || arg != "" && strings.Trim(arg, " \t\v\f") == arg
	}
	return false
}

// FuzzCommands feeds any stream to CopyCommands, read in any way. The output
// does not depend on the reads; every line that reaches the server is a clean
// CRLF line: one of the client's, a regenerated data-setup command, or a
// passive or AUTH command in the canonical form the session gives one whose
// verb not every server reads;
// and each of the client's lines reaches the server or is refused, once.
func FuzzCommands(f *testing.F) {
	for _, s := range corpus {
		f.Add([]byte("USER a\r\n"+s), []byte{3, 1, 7})
		f.Add([]byte(s), []byte{1})
	}
	f.Fuzz(func(t *testing.T, in []byte, sizes []byte) {
		var sz []int
		for _, b := range sizes {
			sz = append(sz, int(b)%64+1)
		}
		srv1, cli1, ref1, err1 := standalone(in, nil, true, "")
		srv2, cli2, ref2, err2 := standalone(in, sz, true, "")
		if srv1 != srv2 || cli1 != cli2 || ref1 != ref2 || err1 != err2 {
			t.Fatalf("%q: reads %v change the output:\n%q %q %d %v\n%q %q %d %v", in, sz,
				srv1, cli1, ref1, err1, srv2, cli2, ref2, err2)
		}
		if err1 != nil {
			if !errors.Is(err1, alg.ErrNotFTP) || srv1 != "" {
				t.Fatalf("%q: error %v, to the server %q", in, err1, srv1)
			}
			return
		}
		inLines := map[string]bool{}
		n := 0
		for _, l := range slowFrame(in, propMaxLine) {
			if l.Flags&alg.More == 0 {
				n++
			}
			inLines[string(l.Bytes)] = true
		}
		out := splitCRLF(srv1)
		for _, l := range out {
			if !strings.HasSuffix(l, "\r\n") || bodyFlags([]byte(strings.TrimSuffix(l, "\r\n"))) != 0 {
				t.Fatalf("%q: line to the server is not clean: %q", in, l)
			}
			if !inLines[l] && !isCommandLine(l) && !isCanonical(l) {
				t.Fatalf("%q: line to the server %q is neither the client's nor a regenerated command", in, l)
			}
		}
		if len(out)+ref1 != n {
			t.Fatalf("%q: %d lines to the server, %d refused, from %d lines", in, len(out), ref1, n)
		}
	})
}

// FuzzReplies feeds any stream to CopyReplies, with PASV, EPSV and LPSV
// pending, read in any way. The output does not depend on the reads, and
// each line of the server's gives one line to the client.
func FuzzReplies(f *testing.F) {
	for _, s := range corpus {
		f.Add([]byte("220 ready\r\n"+s), []byte{3, 1, 7})
	}
	const pre = "USER a\r\nPASV\r\nEPSV\r\nLPSV\r\nPASV\r\n"
	f.Fuzz(func(t *testing.T, in []byte, sizes []byte) {
		var sz []int
		for _, b := range sizes {
			sz = append(sz, int(b)%64+1)
		}
		_, cli1, ref1, err1 := standalone(in, nil, false, pre)
		_, cli2, ref2, err2 := standalone(in, sz, false, pre)
		if cli1 != cli2 || ref1 != ref2 || err1 != err2 {
			t.Fatalf("%q: reads %v change the output:\n%q %d %v\n%q %d %v", in, sz, cli1, ref1, err1, cli2, ref2, err2)
		}
		if err1 != nil {
			if !errors.Is(err1, alg.ErrNotFTP) || cli1 != "" {
				t.Fatalf("%q: error %v, to the client %q", in, err1, cli1)
			}
			return
		}
		n := 0
		for _, l := range slowFrame(in, propMaxLine) {
			if l.Flags&alg.More == 0 {
				n++
			}
		}
		out := splitCRLF(cli1)
		if len(out) != n {
			t.Fatalf("%q: %d lines to the client from %d:\n%q", in, len(out), n, cli1)
		}
		for _, l := range out[:max(0, len(out)-1)] {
			if !strings.HasSuffix(l, "\r\n") {
				t.Fatalf("%q: line to the client %q", in, l)
			}
		}
	})
}

var _ io.Reader = (*chunkReader)(nil)

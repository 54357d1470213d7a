package alg_test

import (
	"bufio"
	"bytes"
	"io"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport/alg"
)

// A realistic control connection without data-setup lines: the commands a
// client such as lftp or curl sends in a session and the replies of a
// server such as vsftpd or ProFTPD, including multi-line replies. It is
// repeated to make streams of a few hundred lines.
var (
	sessionCommands = strings.Join([]string{
		"USER anonymous", "PASS anonymous@example.org", "SYST", "FEAT", "OPTS UTF8 ON", "PWD",
		"TYPE I", "CWD /pub/linux/kernel", "SIZE linux-6.1.tar.xz", "MDTM linux-6.1.tar.xz",
		"REST 0", "RETR linux-6.1.tar.xz", "TYPE A", "NOOP", "CDUP", "MKD incoming",
		"STAT", "HELP SITE", "SITE CHMOD 644 README", "RNFR a.txt", "RNTO b.txt", "DELE b.txt",
	}, "\r\n") + "\r\n"
	sessionReplies = strings.Join([]string{
		"220 (vsFTPd 3.0.3)", "331 Please specify the password.", "230 Login successful.",
		"215 UNIX Type: L8", "211-Features:", " EPRT", " EPSV", " MDTM", " PASV", " REST STREAM",
		" SIZE", " TVFS", " UTF8", "211 End", "200 Always in UTF8 mode.",
		"257 \"/\" is the current directory", "200 Switching to Binary mode.",
		"250 Directory successfully changed.", "213 136044736", "213 20221211183524",
		"350 Restart position accepted (0).", "150 Opening BINARY mode data connection for linux-6.1.tar.xz (136044736 bytes).",
		"226 Transfer complete.", "200 Switching to ASCII mode.", "200 NOOP ok.",
		"250 Directory successfully changed.", "257 \"/pub/linux/incoming\" created",
		"211-FTP server status:", "     Connected to 198.51.100.7", "     Logged in as ftp",
		"     TYPE: ASCII", "     No session bandwidth limit", "211 End of status",
		"214-The following SITE commands are recognized.", " CHMOD UMASK HELP", "214 Help OK.",
		"200 SITE CHMOD command ok.", "350 Ready for RNTO.", "250 Rename successful.",
		"250 Delete operation successful.",
	}, "\r\n") + "\r\n"
)

// stream returns s repeated n times.
func stream(s string, n int) []byte { return []byte(strings.Repeat(s, n)) }

// passThrough is a session whose copy methods the benchmarks call again and
// again on the same streams.
type passThrough struct {
	s        *alg.Session
	cmd, rep []byte
	r        bytes.Reader
}

func newPassThrough() *passThrough {
	p := &passThrough{cmd: stream(sessionCommands, 20), rep: stream(sessionReplies, 10)}
	p.s = alg.NewSession(io.Discard, io.Discard, alg.Config{Hook: identity})
	p.once() // the greeting and the first command
	return p
}

// once passes the client's and the server's streams through.
func (p *passThrough) once() {
	p.r.Reset(p.cmd)
	if err := p.s.CopyCommands(&p.r); err != nil {
		panic(err)
	}
	p.r.Reset(p.rep)
	if err := p.s.CopyReplies(&p.r); err != nil {
		panic(err)
	}
}

// lines returns the number of lines in the streams.
func (p *passThrough) lines() int {
	return bytes.Count(p.cmd, []byte("\r\n")) + bytes.Count(p.rep, []byte("\r\n"))
}

// scanOnce splits the same streams into lines with bufio.Scanner.
func (p *passThrough) scanOnce() int {
	n := 0
	for _, b := range [][]byte{p.cmd, p.rep} {
		p.r.Reset(b)
		sc := bufio.NewScanner(&p.r)
		for sc.Scan() {
			n += len(sc.Bytes())
		}
	}
	return n
}

var sink int

// BenchmarkPassThrough passes a realistic control stream without data-setup
// lines through a Session, both directions, and splits the same bytes into
// lines with bufio.Scanner: the target is alg at most twice Scanner, with no
// allocation.
func BenchmarkPassThrough(b *testing.B) {
	p := newPassThrough()
	lines := float64(p.lines())
	b.Run("alg", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p.cmd) + len(p.rep)))
		for b.Loop() {
			p.once()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/lines, "ns/line")
	})
	b.Run("scanner", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p.cmd) + len(p.rep)))
		for b.Loop() {
			sink += p.scanOnce()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/lines, "ns/line")
	})
}

// rewriter is a session that rewrites PORT commands or 227 replies.
type rewriter struct {
	s     *alg.Session
	calls int
	r     bytes.Reader
	port  []byte
	pasv  []byte
	r227  []byte
}

func newRewriter() *rewriter {
	w := &rewriter{
		port: []byte("PORT 10,0,0,5,4,1\r\n"),
		pasv: []byte("PASV\r\n"),
		r227: []byte("227 Entering Passive Mode (10,0,0,9,195,80).\r\n"),
	}
	w.s = alg.NewSession(io.Discard, io.Discard, alg.Config{Hook: func(ev alg.Event) (alg.Rewrite, error) {
		w.calls++
		return alg.Rewrite{Addr: netip.AddrPortFrom(publicAddr, ev.Addr.Port())}, nil
	}})
	w.r.Reset([]byte("220 ready\r\n"))
	w.s.CopyReplies(&w.r)
	w.r.Reset([]byte("USER anonymous\r\n"))
	w.s.CopyCommands(&w.r)
	w.r.Reset([]byte("331 Password required.\r\n"))
	w.s.CopyReplies(&w.r)
	return w
}

// portOnce rewrites one PORT command.
func (w *rewriter) portOnce() {
	w.r.Reset(w.port)
	if err := w.s.CopyCommands(&w.r); err != nil {
		panic(err)
	}
}

// pasvOnce passes a PASV and rewrites the 227 reply to it.
func (w *rewriter) pasvOnce() {
	w.r.Reset(w.pasv)
	if err := w.s.CopyCommands(&w.r); err != nil {
		panic(err)
	}
	w.r.Reset(w.r227)
	if err := w.s.CopyReplies(&w.r); err != nil {
		panic(err)
	}
}

// BenchmarkRewritePORT rewrites one PORT command per operation.
func BenchmarkRewritePORT(b *testing.B) {
	w := newRewriter()
	b.ReportAllocs()
	for b.Loop() {
		w.portOnce()
	}
}

// BenchmarkRewrite227 passes one PASV and rewrites the 227 reply to it per
// operation.
func BenchmarkRewrite227(b *testing.B) {
	w := newRewriter()
	b.ReportAllocs()
	for b.Loop() {
		w.pasvOnce()
	}
}

// BenchmarkFramer splits the realistic stream with a Framer alone.
func BenchmarkFramer(b *testing.B) {
	p := newPassThrough()
	f := alg.NewFramer(nil, 0)
	b.ReportAllocs()
	b.SetBytes(int64(len(p.cmd) + len(p.rep)))
	for b.Loop() {
		for _, s := range [][]byte{p.cmd, p.rep} {
			p.r.Reset(s)
			f.Reset(&p.r)
			for {
				l, err := f.ReadLine()
				if err != nil {
					break
				}
				sink += len(l.Bytes)
			}
		}
	}
}

func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	p := newPassThrough()
	wPORT, w227 := newRewriter(), newRewriter()
	// Check that the rewrites happen.
	var out bytes.Buffer
	s := alg.NewSession(&out, &out, alg.Config{Hook: natHook})
	require.NoError(t, s.CopyReplies(strings.NewReader("220 ready\r\n")))
	require.NoError(t, s.CopyCommands(strings.NewReader("USER a\r\nPORT 10,0,0,5,4,1\r\nPASV\r\n")))
	require.NoError(t, s.CopyReplies(strings.NewReader("331 ok\r\n200 ok\r\n227 Entering Passive Mode (10,0,0,9,195,80).\r\n")))
	assert.Equal(t, "220 ready\r\nUSER a\r\nPORT 192,0,2,1,4,1\r\nPASV\r\n331 ok\r\n200 ok\r\n"+
		"227 Entering Passive Mode (192,0,2,1,195,80).\r\n", out.String())

	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"pass through", p.once},
		{"rewrite PORT", wPORT.portOnce},
		{"rewrite 227", w227.pasvOnce},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Zero(t, testing.AllocsPerRun(200, tc.f))
		})
	}
	// AllocsPerRun runs its function once more to warm up.
	assert.Equal(t, 201, wPORT.calls, "PORT rewrites")
	assert.Equal(t, 201, w227.calls, "227 rewrites")
}

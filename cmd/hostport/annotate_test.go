package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/hostporttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// annotateString runs annotate on in and returns standard output, standard
// error and the exit code.
func annotateString(in string, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := runAnnotate(args, strings.NewReader(in), &out, &errb)
	return out.String(), errb.String(), code
}

func TestAnnotate(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// The forms, as lines of their own.
		{"PORT", "PORT 10,2,0,2,4,31\n", "PORT 10,2,0,2,4,31   # 10.2.0.2:1055\n"},
		{"PORT lower case", "port 10,2,0,2,4,31\n", "port 10,2,0,2,4,31   # 10.2.0.2:1055\n"},
		{"227", "227 Entering Passive Mode (192,0,2,1,4,1).\n", "227 Entering Passive Mode (192,0,2,1,4,1).   # 192.0.2.1:1025\n"},
		{"227 without parentheses", "227 =192,0,2,1,4,1\n", "227 =192,0,2,1,4,1   # 192.0.2.1:1025\n"},
		{"227 first line of a multi-line reply", "227-Entering Passive Mode (192,0,2,1,4,1)\n", "227-Entering Passive Mode (192,0,2,1,4,1)   # 192.0.2.1:1025\n"},
		{"EPRT IPv4 (RFC 2428)", "EPRT |1|132.235.1.2|6275|\n", "EPRT |1|132.235.1.2|6275|   # 132.235.1.2:6275\n"},
		{"EPRT IPv6 (RFC 2428)", "EPRT |2|1080::8:800:200C:417A|5282|\n", "EPRT |2|1080::8:800:200C:417A|5282|   # [1080::8:800:200c:417a]:5282\n"},
		{"EPRT other delimiter", "EPRT !1!192.0.2.1!40000!\n", "EPRT !1!192.0.2.1!40000!   # 192.0.2.1:40000\n"},
		{"229 (RFC 2428)", "229 Entering Extended Passive Mode (|||6446|)\n", "229 Entering Extended Passive Mode (|||6446|)   # :6446\n"},
		{"LPRT", "LPRT 4,4,192,0,2,1,2,4,31\n", "LPRT 4,4,192,0,2,1,2,4,31   # 192.0.2.1:1055\n"},
		{"LPRT IPv6", "LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162\n", "LPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,20,162   # [2001:db8::1]:5282\n"},
		{"228", "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)\n", "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)   # 192.0.2.1:1055\n"},
		{"227 with 0,0,0,0 (vsftpd on IPv6)", "227 Entering Passive Mode (0,0,0,0,117,49).\n", "227 Entering Passive Mode (0,0,0,0,117,49).   # 0.0.0.0:30001\n"},

		// Line endings.
		{"CRLF", "PORT 10,2,0,2,4,31\r\n", "PORT 10,2,0,2,4,31   # 10.2.0.2:1055\r\n"},
		{"last line without a line ending", "x\nPORT 10,2,0,2,4,31", "x\nPORT 10,2,0,2,4,31   # 10.2.0.2:1055"},
		{"last line ending in CR", "PORT 10,2,0,2,4,31\r", "PORT 10,2,0,2,4,31\r   # invalid: CR inside the line"},
		{"CR inside", "PORT 10,2,0\r,2,4,31\n", "PORT 10,2,0\r,2,4,31   # invalid: CR inside the line\n"},

		// Addresses that do not parse.
		{"p2 out of range", "PORT 10,2,0,2,4,310\n", "PORT 10,2,0,2,4,310   # invalid: p2 310 out of range [0,255]\n"},
		{"too few numbers", "PORT 127,0,0,1,1\n", "PORT 127,0,0,1,1   # invalid: want 6 comma-separated numbers, got 5\n"},
		{"EPRT port out of range", "EPRT |1|127.0.0.1|70000|\n", "EPRT |1|127.0.0.1|70000|   # invalid: tcp-port 70000 out of range [0,65535]\n"},
		{"EPRT unknown net-prt", "EPRT |3|127.0.0.1|40000|\n", "EPRT |3|127.0.0.1|40000|   # invalid: unknown net-prt \"3\" (want 1 or 2)\n"},
		{"227 with too few numbers (ProFTPD on IPv6)", "227 Entering Passive Mode (1,118,6).\n", "227 Entering Passive Mode (1,118,6).   # invalid: want 6 comma-separated numbers, got 3, then ')' after h3\n"},
		{"text after a PORT argument", "PORT 10,2,0,2,4,31 now\n", "PORT 10,2,0,2,4,31 now   # invalid: want end of line after p2, found ' '\n"},

		// Inside log lines.
		{
			"vsftpd command",
			`Sat Nov 21 19:30:02 2026 [pid 13749] [ftp] FTP command: Client "127.0.0.1", "PORT 127,0,0,2,122,200"` + "\n",
			`Sat Nov 21 19:30:02 2026 [pid 13749] [ftp] FTP command: Client "127.0.0.1", "PORT 127,0,0,2,122,200"   # 127.0.0.2:31432` + "\n",
		},
		{
			"vsftpd reply",
			`Sat Nov 21 19:30:02 2026 [pid 13799] [ftp] FTP response: Client "::1", "227 Entering Passive Mode (0,0,0,0,122,223)."` + "\n",
			`Sat Nov 21 19:30:02 2026 [pid 13799] [ftp] FTP response: Client "::1", "227 Entering Passive Mode (0,0,0,0,122,223)."   # 0.0.0.0:31455` + "\n",
		},
		{
			"ProFTPD ExtendedLog",
			`2026-11-21 18:02:55 127.0.0.1 "EPRT |1|127.0.0.1|36265|" 200` + "\n",
			`2026-11-21 18:02:55 127.0.0.1 "EPRT |1|127.0.0.1|36265|" 200   # 127.0.0.1:36265` + "\n",
		},
		{"single quotes", "sent 'PORT 10,2,0,2,4,31' to the server\n", "sent 'PORT 10,2,0,2,4,31' to the server   # 10.2.0.2:1055\n"},
		{"curl -v command", "> PORT 127,0,0,1,122,201\n", "> PORT 127,0,0,1,122,201   # 127.0.0.1:31433\n"},
		{"curl -v reply", "< 227 Entering Passive Mode (127,0,0,2,122,198).\n", "< 227 Entering Passive Mode (127,0,0,2,122,198).   # 127.0.0.2:31430\n"},
		{"pyftpdlib", "[I 2026-11-21 18:02:55] 127.0.0.1:41396-[anonymous] -> 227 Entering passive mode (127,0,0,2,118,5).\n",
			"[I 2026-11-21 18:02:55] 127.0.0.1:41396-[anonymous] -> 227 Entering passive mode (127,0,0,2,118,5).   # 127.0.0.2:30213\n"},
		{"tcpdump -A, code glued to header bytes", ".%..9..U227 Entering Passive Mode (127,0,0,2,122,207).\n", ".%..9..U227 Entering Passive Mode (127,0,0,2,122,207).   # 127.0.0.2:31439\n"},
		// tcpdump -A prints the header bytes as they come, so any byte, a digit
		// too, can stand just before the code.
		{"tcpdump -A, code after a digit", "L.....i5227 Entering Passive Mode (127,0,0,2,8,192).\n", "L.....i5227 Entering Passive Mode (127,0,0,2,8,192).   # 127.0.0.2:2240\n"},
		{"tcpdump -A, 229 after a digit", "E..9.#@.@.@....z0229 Entering Extended Passive Mode (|||6446|)\n", "E..9.#@.@.@....z0229 Entering Extended Passive Mode (|||6446|)   # :6446\n"},
		{"tcpdump -A, 228 after a digit", "...99228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)\n", "...99228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)   # 192.0.2.1:1055\n"},
		{"tcpdump -A, verb glued to header bytes", "o...`..BEPRT |1|127.0.0.1|31433|\n", "o...`..BEPRT |1|127.0.0.1|31433|   # 127.0.0.1:31433\n"},
		{
			"a command and a reply in one line",
			`"PORT 10,2,0,2,4,31" then "227 Entering Passive Mode (192,0,2,1,4,1)."` + "\n",
			`"PORT 10,2,0,2,4,31" then "227 Entering Passive Mode (192,0,2,1,4,1)."   # 10.2.0.2:1055; 192.0.2.1:1025` + "\n",
		},

		// Lines that carry no address pass unchanged.
		{"greeting", "220 (vsFTPd 3.0.3)\r\n", "220 (vsFTPd 3.0.3)\r\n"},
		{"other replies", "200 PORT command successful. Consider using PASV.\n150 Connecting to port 53973\n", "200 PORT command successful. Consider using PASV.\n150 Connecting to port 53973\n"},
		{"prose", "received 227 bytes on port 21\nREPORT 3 errors\nServer port: 2121.\n", "received 227 bytes on port 21\nREPORT 3 errors\nServer port: 2121.\n"},
		{"commands without an address", "PASV\nEPSV\nEPSV ALL\nPORT\nPORT  10,2,0,2,4,31\n", "PASV\nEPSV\nEPSV ALL\nPORT\nPORT  10,2,0,2,4,31\n"},
		{"229 without a port", "229 Entering Extended Passive Mode\n", "229 Entering Extended Passive Mode\n"},
		{"empty lines", "\n\r\n\n", "\n\r\n\n"},
		{"binary", "\x00\xff\xfe\r\x01\n", "\x00\xff\xfe\r\x01\n"},
		{"empty input", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := annotateString(tt.in)
			assert.Equal(t, 0, code)
			assert.Empty(t, errOut)
			assert.Equal(t, tt.want, out)
		})
	}
}

// TestAnnotateLongLine checks that a line longer than the cap passes through
// unchanged, without being held whole, and that annotating goes on after it.
func TestAnnotateLongLine(t *testing.T) {
	long := "PORT 10,2,0,2,4,31 " + strings.Repeat("x", 3*maxAnnotateLine) + " PORT 10,2,0,2,4,31"
	for _, tt := range []struct{ name, in, want string }{
		{"then a line", long + "\nPORT 10,2,0,2,4,31\n", long + "\nPORT 10,2,0,2,4,31   # 10.2.0.2:1055\n"},
		{"CRLF", long + "\r\n227 =1,2,3,4,5,6\r\n", long + "\r\n227 =1,2,3,4,5,6   # 1.2.3.4:1286\r\n"},
		{"last", "PORT 10,2,0,2,4,31\n" + long, "PORT 10,2,0,2,4,31   # 10.2.0.2:1055\n" + long},
		{"exactly the cap", strings.Repeat("y", maxAnnotateLine) + "\nPORT 1,2,3,4,5,6\n",
			strings.Repeat("y", maxAnnotateLine) + "\nPORT 1,2,3,4,5,6   # 1.2.3.4:1286\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, _, code := annotateString(tt.in)
			assert.Equal(t, 0, code)
			assert.True(t, out == tt.want, "output differs from the input (len %d, want %d)", len(out), len(tt.want))
		})
	}
}

// TestAnnotateLive checks that each line is written as soon as it is read,
// so that annotate works on a live log: the test reads the annotation of a
// line before it writes the next.
func TestAnnotateLive(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var errb bytes.Buffer
		done <- runAnnotate(nil, inR, outW, &errb)
		outW.Close()
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for _, tt := range []struct{ in, want string }{
		{"Sat Nov 21 19:30:02 2026 [pid 1] FTP command: Client \"::1\", \"EPRT |2|::1|51823|\"\n",
			"Sat Nov 21 19:30:02 2026 [pid 1] FTP command: Client \"::1\", \"EPRT |2|::1|51823|\"   # [::1]:51823"},
		{"nothing here\n", "nothing here"},
		{"PORT 10,2,0,2,4,31\n", "PORT 10,2,0,2,4,31   # 10.2.0.2:1055"},
	} {
		_, err := io.WriteString(inW, tt.in)
		require.NoError(t, err)
		select {
		case got := <-lines:
			assert.Equal(t, tt.want, got)
		case <-time.After(10 * time.Second):
			t.Fatalf("no output for %q while the input stays open", tt.in)
		}
	}
	inW.Close()
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(10 * time.Second):
		t.Fatal("annotate did not end at the end of its input")
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// failingReader returns some text, then an error.
type failingReader struct{ text string }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.text == "" {
		return 0, errors.New("connection reset")
	}
	n := copy(p, r.text)
	r.text = r.text[n:]
	return n, nil
}

func TestAnnotateArgs(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.log")
	require.NoError(t, os.WriteFile(a, []byte("PORT 10,2,0,2,4,31\n"), 0o644))
	missing := filepath.Join(dir, "missing.log")

	t.Run("files and standard input", func(t *testing.T) {
		out, errOut, code := annotateString("227 =1,2,3,4,5,6\n", a, "-", a)
		assert.Equal(t, 0, code)
		assert.Empty(t, errOut)
		assert.Equal(t, "PORT 10,2,0,2,4,31   # 10.2.0.2:1055\n227 =1,2,3,4,5,6   # 1.2.3.4:1286\nPORT 10,2,0,2,4,31   # 10.2.0.2:1055\n", out)
	})
	t.Run("a missing file", func(t *testing.T) {
		out, errOut, code := annotateString("", missing, a)
		assert.Equal(t, 1, code)
		assert.Equal(t, "hostport annotate: open "+missing+": no such file or directory\n", errOut)
		assert.Equal(t, "PORT 10,2,0,2,4,31   # 10.2.0.2:1055\n", out, "the other files are still annotated")
	})
	t.Run("help", func(t *testing.T) {
		out, errOut, code := annotateString("", "-h")
		assert.Equal(t, 0, code)
		assert.Empty(t, errOut)
		assert.Equal(t, annotateUsage, out, "help goes to standard output")
		assert.Contains(t, out, "tail -f /var/log/vsftpd.log | hostport annotate")
	})
	t.Run("help after a file", func(t *testing.T) {
		out, errOut, code := annotateString("", a, "-h")
		assert.Equal(t, 0, code)
		assert.Empty(t, errOut)
		assert.Equal(t, annotateUsage, out)
	})
	t.Run("a file named like a flag, after --", func(t *testing.T) {
		dash := filepath.Join(dir, "-h")
		require.NoError(t, os.WriteFile(dash, []byte("PORT 10,2,0,2,4,32\n"), 0o644))
		t.Chdir(dir)
		out, errOut, code := annotateString("", a, "--", "-h")
		assert.Equal(t, 0, code)
		assert.Empty(t, errOut)
		assert.Equal(t, "PORT 10,2,0,2,4,31   # 10.2.0.2:1055\nPORT 10,2,0,2,4,32   # 10.2.0.2:1056\n", out)
	})
	t.Run("unknown flag", func(t *testing.T) {
		_, errOut, code := annotateString("", "-x")
		assert.Equal(t, 2, code)
		assert.Equal(t, "flag provided but not defined: -x\nusage: hostport annotate [FILE]...\nRun 'hostport annotate -h' for details.\n", errOut)
	})
	t.Run("write error", func(t *testing.T) {
		var errb bytes.Buffer
		code := runAnnotate(nil, strings.NewReader("PORT 10,2,0,2,4,31\n"), failingWriter{}, &errb)
		assert.Equal(t, 1, code)
		assert.Equal(t, "hostport annotate: writing standard output: disk full\n", errb.String())
	})
	t.Run("read error", func(t *testing.T) {
		var out, errb bytes.Buffer
		code := runAnnotate(nil, &failingReader{"PORT 10,2,0,2,4,31\npartial"}, &out, &errb)
		assert.Equal(t, 1, code)
		assert.Equal(t, "hostport annotate: reading standard input: connection reset\n", errb.String())
		assert.Equal(t, "PORT 10,2,0,2,4,31   # 10.2.0.2:1055\npartial", out.String())
	})
}

// TestAnnotateRealLogs pins the annotation of logs that real peers wrote
// (testdata/record.sh): vsftpd's protocol log, ProFTPD's ExtendedLog, curl -v
// and tcpdump -A.
func TestAnnotateRealLogs(t *testing.T) {
	for _, name := range []string{"vsftpd.log", "proftpd.log", "curl-v.txt", "vsftpd-curl.tcpdump-A.txt"} {
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", name))
			require.NoError(t, err)
			out, errOut, code := annotateString(string(in))
			require.Equal(t, 0, code, errOut)
			checkGolden(t, filepath.Join("testdata", name+".annotated"), out)
			checkPreserved(t, string(in), out)

			// Every line with a data-connection command or reply is annotated.
			inLines := strings.SplitAfter(string(in), "\n")
			outLines := strings.SplitAfter(out, "\n")
			require.Len(t, outLines, len(inLines))
			annotated := 0
			for i, l := range inLines {
				carries := false
				for _, s := range []string{"PORT 1", "EPRT |", "LPRT 4", "227 Entering", "229 Entering", "228 Entering"} {
					carries = carries || strings.Contains(l, s)
				}
				if carries {
					annotated++
					assert.Contains(t, outLines[i], "   # ", "line %d", i+1)
				} else {
					assert.Equal(t, l, outLines[i], "line %d", i+1)
				}
			}
			assert.Positive(t, annotated)
		})
	}
	out, _, _ := annotateString(mustRead(t, "testdata/proftpd.log"))
	assert.Regexp(t, `"PORT 127,0,0,1,300,1" 501   # invalid: p1 300 out of range \[0,255\]\n`, out)
	assert.Regexp(t, `"EPRT \|1\|127\.0\.0\.1\|70000\|" 200   # invalid: tcp-port 70000 out of range \[0,65535\]\n`, out)
	assert.Regexp(t, `"LPRT 4,4,127,0,0,1,2,122,200" 500   # 127\.0\.0\.1:31432\n`, out)
	out, _, _ = annotateString(mustRead(t, "testdata/vsftpd.log"))
	assert.Regexp(t, `"227 Entering Passive Mode \(0,0,0,0,\d+,\d+\)\."   # 0\.0\.0\.0:\d+\n`, out)
	assert.Regexp(t, `"PORT 127,0,0,1,0,80"   # 127\.0\.0\.1:80\n`, out)
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// checkPreserved checks that out is in with comments appended to some lines:
// each line of out is the same line of in, or its text, "   # ", a comment
// and its line ending.
func checkPreserved(t require.TestingT, in, out string) {
	for in != "" {
		var line string
		if i := strings.IndexByte(in, '\n'); i >= 0 {
			line, in = in[:i+1], in[i+1:]
		} else {
			line, in = in, ""
		}
		text, eol := splitEOL([]byte(line))
		require.True(t, strings.HasPrefix(out, string(text)), "output lost the text of %q", line)
		out = out[len(text):]
		if strings.HasPrefix(out, "   # ") {
			end := len(out)
			if eol != nil {
				end = strings.Index(out, string(eol))
				require.GreaterOrEqual(t, end, 0, "the comment of %q never ends", line)
			}
			require.NotContains(t, out[:end], "\n", "the comment of %q", line)
			out = out[end:]
		}
		require.True(t, strings.HasPrefix(out, string(eol)), "output changed the line ending of %q", line)
		out = out[len(eol):]
	}
	require.Empty(t, out, "output has more than the input")
}

// genLogLine draws lines of the kinds annotate meets: lines that carry an
// address, valid or not, in the styles of logs, and other text.
func genLogLine(t *rapid.T) string {
	text := rapid.OneOf(
		rapid.Custom(func(t *rapid.T) string { return hostporttest.ValidLine().Draw(t, "valid").Text }),
		rapid.Custom(func(t *rapid.T) string { return hostporttest.HostileLine().Draw(t, "hostile").Text }),
		rapid.String(),
		rapid.StringOf(rapid.RuneFrom([]rune("PORTEPRTLPRT227228229 ,|()\"'\r\n0123456789."))),
	).Draw(t, "text")
	prefix := rapid.SampledFrom([]string{"", "> ", "< ", `FTP command: Client "::1", "`, ".%..9..U", "\x00"}).Draw(t, "prefix")
	return prefix + text
}

// checkAnnotatePreserves: whatever the input, removing the comments from the
// output gives the input back, byte for byte.
func checkAnnotatePreserves(t *rapid.T) {
	in := strings.Join(rapid.SliceOfN(rapid.Custom(genLogLine), 0, 8).Draw(t, "lines"),
		rapid.SampledFrom([]string{"\n", "\r\n", ""}).Draw(t, "sep"))
	out, _, code := annotateString(in)
	require.Equal(t, 0, code)
	checkPreserved(t, in, out)
}

func TestAnnotatePreserves(t *testing.T) { rapid.Check(t, checkAnnotatePreserves) }

// startsWithForm reports whether text starts with the verb or the reply code
// of form, as hostport.ParseLine tells it, and so is a whole candidate for
// annotate.
func startsWithForm(text string, form hostport.Form) bool {
	f, _, _ := hostport.ParseLine(text)
	return f == form
}

// comment returns the comment annotate appended to the single line out, or
// "" if none.
func comment(out string) string {
	out = strings.TrimSuffix(strings.TrimSuffix(out, "\n"), "\r")
	if i := strings.LastIndex(out, "   # "); i >= 0 {
		return out[i+len("   # "):]
	}
	return ""
}

// checkAnnotateValid: a valid line of any form, alone or in a log line,
// is annotated with the address it carries.
func checkAnnotateValid(t *rapid.T) {
	line := hostporttest.ValidLine().Draw(t, "line")
	text, eol := splitEOL([]byte(line.Text))
	if !startsWithForm(string(text), line.Form) {
		t.Skip("a bare argument or a reply's text alone, which annotate does not look for")
	}
	style := rapid.SampledFrom([]string{"alone", "curl", "vsftpd", "proftpd", "tcpdump"}).Draw(t, "style")
	in := string(text)
	switch style {
	case "curl":
		in = "> " + in
	case "vsftpd", "proftpd":
		if strings.ContainsAny(in, `"`) {
			t.Skip("a quote inside the line")
		}
		if style == "vsftpd" {
			in = `Sat Nov 21 19:30:02 2026 [pid 1] [ftp] FTP command: Client "127.0.0.1", "` + in + `"`
		} else {
			in = `2026-11-21 18:02:55 127.0.0.1 "` + in + `" 200`
		}
	case "tcpdump":
		in = "E..9.#@.@.@....z" + in
	}
	in += string(eol)
	out, _, code := annotateString(in)
	require.Equal(t, 0, code)
	checkPreserved(t, in, out)
	want := line.Want.String()
	if line.Form == hostport.FormEPSV {
		want = ":" + strconv.Itoa(int(line.Want.Port()))
	}
	require.Equal(t, want, comment(out), "annotate(%q)", in)
}

func TestAnnotateValid(t *testing.T) { rapid.Check(t, checkAnnotateValid) }

// tcpdumpPrefix draws what tcpdump -A prints before a packet's payload: the
// IP and TCP headers, each byte as itself if it is printable ASCII and as
// '.' otherwise. Digits are drawn more often than their share of bytes, since
// a digit just before a reply code once hid the reply.
func tcpdumpPrefix(t *rapid.T) string {
	b := rapid.SliceOfN(rapid.OneOf(rapid.Byte(), rapid.ByteRange('0', '9')), 0, 60).Draw(t, "header")
	for i, c := range b {
		if c < ' ' || c > '~' {
			b[i] = '.'
		}
	}
	return string(b)
}

// checkAnnotateAnyPrefix: a line of any form that follows any tcpdump -A
// header bytes is annotated with the address it carries. Where a verb or a
// reply code may start does not depend on the byte before it.
func checkAnnotateAnyPrefix(t *rapid.T) {
	line := hostporttest.ValidLine().Draw(t, "line")
	text, eol := splitEOL([]byte(line.Text))
	if !startsWithForm(string(text), line.Form) || bytes.ContainsAny(text, `"'`) {
		t.Skip("not a line starting with its verb or code, or a quote inside it")
	}
	prefix := tcpdumpPrefix(t)
	up := strings.ToUpper(prefix)
	for _, w := range []string{"227", "228", "229", "PORT", "EPRT", "LPRT"} {
		if strings.Contains(up, w) {
			t.Skip("a verb or code in the header bytes")
		}
	}
	in := prefix + string(text) + string(eol)
	out, _, code := annotateString(in)
	require.Equal(t, 0, code)
	checkPreserved(t, in, out)
	want := line.Want.String()
	if line.Form == hostport.FormEPSV {
		want = ":" + strconv.Itoa(int(line.Want.Port()))
	}
	require.Equal(t, want, comment(out), "annotate(%q)", in)
}

func TestAnnotateAnyPrefix(t *testing.T) { rapid.Check(t, checkAnnotateAnyPrefix) }

// checkAnnotateHostile: a line that the parser of its form rejects is never
// annotated with an address: it gets the parser's reason, or no comment if
// it does not even look like its form.
func checkAnnotateHostile(t *rapid.T) {
	line := hostporttest.HostileLine().Draw(t, "line")
	text, eol := splitEOL([]byte(line.Text))
	if bytes.ContainsRune(text, '\n') || !startsWithForm(string(text), line.Form) {
		t.Skip("not one line starting with its verb or code")
	}
	in := string(text) + string(eol)
	out, _, code := annotateString(in)
	require.Equal(t, 0, code)
	checkPreserved(t, in, out)
	c := comment(out)
	if c == "" {
		return
	}
	_, _, err := hostport.ParseLine(string(text))
	require.Error(t, err, "the parser accepts hostile line %q", text)
	var pe *hostport.ParseError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "invalid: "+pe.Err.Error(), c, "annotate(%q)", in)
}

func TestAnnotateHostile(t *testing.T) { rapid.Check(t, checkAnnotateHostile) }

func Example_annotate() {
	log := `Sat Nov 21 19:30:02 2026 [pid 13749] [ftp] FTP command: Client "127.0.0.1", "PORT 127,0,0,2,122,200"
Sat Nov 21 19:30:02 2026 [pid 13749] [ftp] FTP response: Client "127.0.0.1", "500 Illegal PORT command."
2026-11-21 19:35:43 127.0.0.1 "EPRT |1|127.0.0.1|70000|" 200
< 229 Entering Extended Passive Mode (|||6446|)
`
	run([]string{"annotate"}, strings.NewReader(log), os.Stdout, os.Stderr)
	// Output:
	// Sat Nov 21 19:30:02 2026 [pid 13749] [ftp] FTP command: Client "127.0.0.1", "PORT 127,0,0,2,122,200"   # 127.0.0.2:31432
	// Sat Nov 21 19:30:02 2026 [pid 13749] [ftp] FTP response: Client "127.0.0.1", "500 Illegal PORT command."
	// 2026-11-21 19:35:43 127.0.0.1 "EPRT |1|127.0.0.1|70000|" 200   # invalid: tcp-port 70000 out of range [0,65535]
	// < 229 Entering Extended Passive Mode (|||6446|)   # :6446
}

func BenchmarkAnnotate(b *testing.B) {
	log, err := os.ReadFile(filepath.Join("testdata", "vsftpd.log"))
	require.NoError(b, err)
	in := bytes.Repeat(log, 100)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		var errb bytes.Buffer
		if code := runAnnotate(nil, bytes.NewReader(in), io.Discard, &errb); code != 0 {
			b.Fatal(errb.String())
		}
	}
}

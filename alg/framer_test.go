package alg_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ftpkit/hostport/alg"
)

// slowFrame is a readable reference for Framer: it splits in as a Framer
// with cap max splits it, whatever the reads are.
func slowFrame(in []byte, max int) []alg.Line {
	var out []alg.Line
	long := false
	for len(in) > 0 {
		i := bytes.Index(in, []byte("\r\n"))
		switch {
		case i >= 0 && i+2 <= max:
			// A whole line, or the last piece of an over-long one.
			fl := alg.Long
			if !long {
				fl = bodyFlags(in[:i])
			}
			out = append(out, alg.Line{Bytes: in[:i+2], Flags: fl})
			in, long = in[i+2:], false
		case i < 0 && len(in) < max:
			// The rest of the stream, without CRLF.
			fl := alg.NoEOL
			if long {
				fl |= alg.Long
			} else {
				fl |= bodyFlags(in)
			}
			out = append(out, alg.Line{Bytes: in, Flags: fl})
			in = nil
		default:
			// A piece: the buffer is full without a CRLF.
			n := max
			if in[n-1] == '\r' {
				n--
			}
			out = append(out, alg.Line{Bytes: in[:n], Flags: alg.Long | alg.More})
			in, long = in[n:], true
		}
	}
	return out
}

// bodyFlags returns the flags of the body of a line.
func bodyFlags(body []byte) alg.Flag {
	var fl alg.Flag
	if bytes.IndexByte(body, '\r') >= 0 {
		fl |= alg.BareCR
	}
	if bytes.IndexByte(body, '\n') >= 0 {
		fl |= alg.BareLF
	}
	if bytes.IndexByte(body, 0) >= 0 {
		fl |= alg.NUL
	}
	return fl
}

// chunkReader returns the chunks of its data one per Read, cut at the sizes
// given (cycled), as a network connection may.
type chunkReader struct {
	data  []byte
	sizes []int
	i     int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := len(r.data)
	if len(r.sizes) > 0 {
		n = r.sizes[r.i%len(r.sizes)]
		r.i++
	}
	n = max(1, min(n, len(r.data), len(p)))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// frameAll returns the lines a Framer with cap max returns for in, read in
// chunks of the given sizes, with copies of their bytes.
func frameAll(t interface{ Fatalf(string, ...any) }, in []byte, max int, sizes []int) []alg.Line {
	f := alg.NewFramer(&chunkReader{data: in, sizes: sizes}, max)
	var out []alg.Line
	for {
		l, err := f.ReadLine()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("ReadLine: %v", err)
		}
		out = append(out, alg.Line{Bytes: bytes.Clone(l.Bytes), Flags: l.Flags})
	}
}

func TestFramer(t *testing.T) {
	type L = alg.Line
	line := func(s string, f alg.Flag) L { return L{Bytes: []byte(s), Flags: f} }
	tests := []struct {
		name string
		in   string
		max  int
		want []L
	}{
		{"empty", "", 16, nil},
		{"lines", "USER a\r\nPASS b\r\n", 16, []L{line("USER a\r\n", 0), line("PASS b\r\n", 0)}},
		{"empty line", "\r\n\r\n", 16, []L{line("\r\n", 0), line("\r\n", 0)}},
		{"bare LF is inside the line", "CWD leetXXXX\nPORT 10,0,0,5,4,1\r\n", 64,
			[]L{line("CWD leetXXXX\nPORT 10,0,0,5,4,1\r\n", alg.BareLF)}},
		{"bare CR is inside the line", "CWD x\rPORT 10,0,0,5,4,1\r\n", 64,
			[]L{line("CWD x\rPORT 10,0,0,5,4,1\r\n", alg.BareCR)}},
		{"LF CR is not CRLF", "A\n\rB\r\n", 64, []L{line("A\n\rB\r\n", alg.BareCR|alg.BareLF)}},
		{"NUL", "A\x00B\r\n", 64, []L{line("A\x00B\r\n", alg.NUL)}},
		{"leading LF", "\nA\r\n", 64, []L{line("\nA\r\n", alg.BareLF)}},
		{"CR CR LF", "A\r\r\n", 64, []L{line("A\r\r\n", alg.BareCR)}},
		{"no final CRLF", "NOOP\r\nQUIT", 64, []L{line("NOOP\r\n", 0), line("QUIT", alg.NoEOL)}},
		{"final CR", "QUIT\r", 64, []L{line("QUIT\r", alg.NoEOL|alg.BareCR)}},
		{"exactly the cap", "0123456789\r\n", 12, []L{line("0123456789\r\n", 0)}},
		{"one over the cap, CR at the cap", "01234567890\r\nX\r\n", 12,
			[]L{line("01234567890", alg.Long|alg.More), line("\r\n", alg.Long), line("X\r\n", 0)}},
		{"over the cap, never re-framed", "AAAAAAAAAAPORT 1,2,3,4,5,6\r\nNOOP\r\n", 10, []L{
			line("AAAAAAAAAA", alg.Long|alg.More),
			line("PORT 1,2,3", alg.Long|alg.More),
			line(",4,5,6\r\n", alg.Long),
			line("NOOP\r\n", 0),
		}},
		{"over the cap at the end", "AAAAAAAAAAAA", 10,
			[]L{line("AAAAAAAAAA", alg.Long|alg.More), line("AA", alg.Long|alg.NoEOL)}},
		{"piece keeps its CR back", "AAAA\r\r\r\r\r\n", 5, []L{
			line("AAAA", alg.Long|alg.More), line("\r\r\r\r", alg.Long|alg.More), line("\r\n", alg.Long)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, slowFrame([]byte(tc.in), tc.max), "reference")
			for _, sizes := range [][]int{nil, {1}, {2, 3}, {7}} {
				assert.Equal(t, tc.want, frameAll(t, []byte(tc.in), tc.max, sizes), "chunks %v", sizes)
			}
		})
	}
}

func TestFramerNextFill(t *testing.T) {
	pr, pw := io.Pipe()
	f := alg.NewFramer(pr, 0)
	assert.Equal(t, alg.DefaultMaxLine, f.Cap())
	_, ok := f.Next()
	assert.False(t, ok, "Next reads nothing")
	go func() {
		pw.Write([]byte("NOOP\r\nPO"))
		pw.Write([]byte("RT 1,2,3,4,5,6\r\nAUTH"))
		pw.CloseWithError(errors.New("boom"))
	}()
	require.NoError(t, f.Fill())
	l, ok := f.Next()
	require.True(t, ok)
	assert.Equal(t, "NOOP\r\n", string(l.Bytes))
	_, ok = f.Next()
	assert.False(t, ok, "PO is not a line yet")
	require.NoError(t, f.Fill())
	l, ok = f.Next()
	require.True(t, ok)
	assert.Equal(t, "PORT 1,2,3,4,5,6\r\n", string(l.Bytes))
	assert.Equal(t, "AUTH", string(f.Buffered()))
	assert.Empty(t, f.Buffered(), "Buffered forgets")
	assert.EqualError(t, f.Fill(), "boom")
	assert.EqualError(t, f.Fill(), "boom", "the error sticks")

	f.Reset(strings.NewReader("A\r\n"))
	l, err := f.ReadLine()
	require.NoError(t, err)
	assert.Equal(t, "A\r\n", string(l.Bytes))
	_, err = f.ReadLine()
	assert.ErrorIs(t, err, io.EOF)
}

// zeroReader returns no bytes and no error.
type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestFramerNoProgress(t *testing.T) {
	f := alg.NewFramer(zeroReader{}, 16)
	assert.ErrorIs(t, f.Fill(), io.ErrNoProgress)
}

func TestFlagString(t *testing.T) {
	assert.Equal(t, "0", alg.Flag(0).String())
	assert.Equal(t, "BareLF|Long|NoEOL", (alg.BareLF | alg.Long | alg.NoEOL).String())
	assert.True(t, alg.Line{Bytes: []byte("A\r\n")}.Clean())
	assert.False(t, alg.Line{Bytes: []byte("A"), Flags: alg.NoEOL}.Clean())
}

// genStream draws a byte stream rich in the bytes that matter to framing.
var genStream = rapid.Custom(func(t *rapid.T) []byte {
	parts := rapid.SliceOfN(rapid.SampledFrom([]string{
		"\r\n", "\r", "\n", "\x00", "\xff", "A", "NOOP", "PORT 10,0,0,5,4,1", " ", "\r\n\r\n",
		strings.Repeat("x", 40),
	}), 0, 60).Draw(t, "parts")
	return []byte(strings.Join(parts, ""))
})

// genSizes draws the sizes of the reads.
var genSizes = rapid.SliceOfN(rapid.IntRange(1, 64), 0, 8)

// checkFramerChunking: however the stream is read, the lines are those of the
// reference, and their bytes put together are the stream.
func checkFramerChunking(t *rapid.T) {
	in := genStream.Draw(t, "in")
	max := rapid.IntRange(2, 48).Draw(t, "max")
	sizes := genSizes.Draw(t, "sizes")
	got := frameAll(t, in, max, sizes)
	want := slowFrame(in, max)
	if len(got) != len(want) {
		t.Fatalf("%q cap %d sizes %v: got %d lines %q, want %d %q", in, max, sizes, len(got), got, len(want), want)
	}
	var joined []byte
	for i := range got {
		if !bytes.Equal(got[i].Bytes, want[i].Bytes) || got[i].Flags != want[i].Flags {
			t.Fatalf("%q cap %d sizes %v: line %d is %q %v, want %q %v", in, max, sizes, i,
				got[i].Bytes, got[i].Flags, want[i].Bytes, want[i].Flags)
		}
		if got[i].Flags&alg.Long == 0 && len(got[i].Bytes) > max {
			t.Fatalf("line %d longer than the cap: %q", i, got[i].Bytes)
		}
		if got[i].Clean() && bytes.Count(got[i].Bytes, []byte("\r\n")) != 1 {
			t.Fatalf("clean line %d is not one CRLF line: %q", i, got[i].Bytes)
		}
		joined = append(joined, got[i].Bytes...)
	}
	if !bytes.Equal(joined, in) {
		t.Fatalf("lines put together are %q, want %q", joined, in)
	}
}

func TestFramerChunking(t *testing.T) { rapid.Check(t, checkFramerChunking) }

// TestFramerCRLFOnly checks that the framer cuts a stream at CRLF only, flags
// what does not belong inside a line (the bare LF of the 2017 FTP injection
// here), returns a line longer than the cap in pieces that are never
// re-framed, and returns the rest of the stream flagged NoEOL.
func TestFramerCRLFOnly(t *testing.T) {
	in := "NOOP\r\nCWD leetXXXX\nPORT 10,0,0,5,4,1\r\n" + strings.Repeat("A", 20) + "\r\nQUIT"
	f := alg.NewFramer(strings.NewReader(in), 16)
	var got []string
	for {
		l, err := f.ReadLine()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		got = append(got, fmt.Sprintf("%q %v", l.Bytes, l.Flags))
	}
	assert.Equal(t, []string{
		`"NOOP\r\n" 0`,
		`"CWD leetXXXX\nPOR" Long|More`,
		`"T 10,0,0,5,4,1\r\n" Long`,
		`"AAAAAAAAAAAAAAAA" Long|More`,
		`"AAAA\r\n" Long`,
		`"QUIT" NoEOL`,
	}, got)
}

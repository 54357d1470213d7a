package alg

import (
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
)

// DefaultMaxLine is the line cap that a [Session] uses when none is given:
// the longest line, CRLF included, that it holds in memory and
// inspects. It is the command buffer of vsftpd and PATH_MAX on Linux, so that
// no real command or reply line is refused.
const DefaultMaxLine = 4096

// MinMaxLine is the smallest line cap a [Session] accepts: room for the
// longest data-setup line that this package writes, an LPRT or 228 with an
// IPv6 address, with text around it. Smaller caps are raised to it.
const MinMaxLine = 256

// A frameFlag describes a frame that a framer returns.
type frameFlag uint8

// The flags of a frame. flagBareCR, flagBareLF and flagNUL are set only on
// lines within the cap (without flagLong); the pieces of an over-long line
// are never inspected.
const (
	// flagBareCR: the line holds a CR that is not followed by LF.
	flagBareCR frameFlag = 1 << iota
	// flagBareLF: the line holds an LF that does not follow a CR. Such an
	// LF does not end the line: only CRLF does.
	flagBareLF
	// flagNUL: the line holds a NUL byte.
	flagNUL
	// flagLong: the line is longer than the cap and this is one piece of
	// it.
	flagLong
	// flagMore: more pieces of this over-long line follow; the piece does
	// not end the line.
	flagMore
	// flagNoEOL: the stream ended before the line's CRLF; the bytes are
	// the rest of the stream.
	flagNoEOL
)

var flagNames = [...]string{"BareCR", "BareLF", "NUL", "Long", "More", "NoEOL"}

// String returns the names of the flags that are set, separated by '|', or
// "0" for none.
func (f frameFlag) String() string {
	if f == 0 {
		return "0"
	}
	var b []byte
	for i, name := range flagNames {
		if f&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, '|')
			}
			b = append(b, name...)
		}
	}
	return string(b)
}

// A frame is a line, or a piece of an over-long line, that a framer
// returns.
type frame struct {
	// Bytes holds the line as read, with its CRLF. It aliases the framer's
	// buffer and is valid only until the next call of fill or reset.
	Bytes []byte
	// Flags describes the line.
	Flags frameFlag
}

// A framer splits a byte stream into lines ended by CRLF, the framing of
// the FTP control connection (RFC 959 §4.1.1), in memory bounded by its cap.
//
// Only CRLF ends a line. A bare LF or bare CR is part of the line it appears
// in and is flagged (flagBareLF, flagBareCR), and so is NUL, since servers and
// clients disagree on what such bytes mean: a bare LF ends a line for vsftpd
// and curl, but not for ProFTPD. A line that does not fit in the cap is
// returned in pieces flagged flagLong; the pieces are never re-framed, so the
// bytes after the cap are never taken for the start of a new line. Lines are
// never merged or split otherwise: concatenating the Bytes of every frame
// returned gives back the stream exactly, however the reader delivers it.
//
// A framer reads only when asked to, with fill, so that a caller can pass on
// the bytes it has buffered before they are overwritten, or switch to
// copying raw bytes (see buffered).
//
// A Session frames each direction with a framer; the framer is not exported,
// since the Session is the way to use it.
type framer struct {
	r     io.Reader
	buf   []byte // fixed, len(buf) is the cap
	start int    // buf[start:end] is buffered and not yet returned
	end   int
	scan  int       // buf[start:scan] holds no CRLF
	flags frameFlag // flagBareCR, flagBareLF and flagNUL seen in buf[start:scan]
	high  uint64    // non-zero if a byte in buf[start:scan] is 0x80 or above
	long  bool      // the next piece continues an over-long line
	err   error     // sticky error from r

	lastHigh bool // the last line returned holds a byte 0x80 or above
}

// reset discards the buffered bytes and any error and makes f read from r,
// keeping its buffer.
func (f *framer) reset(r io.Reader) {
	*f = framer{r: r, buf: f.buf}
}

// next returns the next line from the bytes already buffered, without
// reading. It reports false if they hold no whole line, no piece of an
// over-long line and, after the reader failed or ended, nothing at all;
// then the caller calls fill.
//
// It returns, in this order of precedence: a line ended by CRLF (with
// flagLong if it is the last piece of an over-long line); a piece of an
// over-long line, flagged flagLong and flagMore, when the buffer is full without a
// CRLF (a final CR is kept back, as it may start the CRLF); and, once the
// reader has ended or failed, the rest of the bytes, flagged flagNoEOL.
func (f *framer) next() (frame, bool) {
	buf := f.buf[:f.end]
	i := f.scan
	for {
		i = f.control(buf, i)
		if i >= len(buf) {
			break
		}
		switch buf[i] {
		case '\n':
			// A CR before it would have ended the line.
			f.flags |= flagBareLF
		case '\r':
			if i+1 >= len(buf) {
				// The CR may start a CRLF: look again when more comes.
				goto partial
			}
			if buf[i+1] == '\n' {
				return f.emit(i + 2), true
			}
			f.flags |= flagBareCR
		case 0:
			f.flags |= flagNUL
		}
		i++
	}
partial:
	f.scan = i
	n := f.end - f.start
	switch {
	case n == len(f.buf):
		// Full: return a piece of the over-long line. The cap is at least
		// 2, so a piece holds at least one byte even without its final CR.
		if f.buf[f.end-1] == '\r' {
			n--
		}
		line := frame{Bytes: f.buf[f.start : f.start+n : f.start+n], Flags: flagLong | flagMore}
		f.advance(f.start + n)
		f.long = true
		return line, true
	case f.err != nil && n > 0:
		flags := flagNoEOL
		if f.long {
			flags |= flagLong
		} else {
			flags |= f.flags
			if f.buf[f.end-1] == '\r' {
				flags |= flagBareCR // the last byte, not yet looked at
			}
		}
		line := frame{Bytes: f.buf[f.start:f.end:f.end], Flags: flags}
		f.advance(f.end)
		f.long = false
		return line, true
	}
	return frame{}, false
}

// control returns the index of the first byte below 14 (which includes NUL,
// LF and CR) in buf from i on, or len(buf), and records in f.high whether a
// byte before it has its high bit set. It reads eight bytes at a time: the
// has-less trick of "Bit Twiddling Hacks", whose borrows can set false hits
// only above the lowest true one.
func (f *framer) control(buf []byte, i int) int {
	var hi uint64
	for ; i+8 <= len(buf); i += 8 {
		x := binary.LittleEndian.Uint64(buf[i:])
		if m := (x - ones8*14) &^ x & high8; m != 0 {
			k := uint(bits.TrailingZeros64(m))
			f.high |= hi | x&(1<<(k&^7)-1)&high8
			return i + int(k/8)
		}
		hi |= x
	}
	for ; i < len(buf); i++ {
		c := buf[i]
		if c < 14 {
			break
		}
		hi |= uint64(c) << 56
	}
	f.high |= hi & high8
	return i
}

// Masks for the eight bytes of a uint64.
const (
	ones8 = 0x0101010101010101
	high8 = 0x8080808080808080
)

// emit returns the line buf[start:e], which ends in CRLF, and moves past it.
func (f *framer) emit(e int) frame {
	line := frame{Bytes: f.buf[f.start:e:e]}
	if f.long {
		line.Flags = flagLong
		f.long = false
	} else {
		line.Flags = f.flags
	}
	f.lastHigh = f.high != 0
	f.advance(e)
	return line
}

// advance marks buf[:e] as returned.
func (f *framer) advance(e int) {
	f.start = e
	f.scan = e
	f.flags = 0
	f.high = 0
	if f.start == f.end {
		f.start, f.end, f.scan = 0, 0, 0
	}
}

// errNoProgress is returned by fill when the reader keeps returning no bytes
// and no error, as bufio does.
var errNoProgress = io.ErrNoProgress

// fill moves the buffered bytes to the front of the buffer and reads once
// from the reader into the space after them. The Bytes of lines returned
// before are invalid afterwards.
//
// It returns nil if it read something or if bytes are still buffered for
// next to return. Once the reader has returned an error (io.EOF at the end)
// and next has returned every buffered byte, fill returns that error.
func (f *framer) fill() error {
	if f.err != nil {
		if f.start < f.end {
			return nil
		}
		return f.err
	}
	if f.start > 0 {
		copy(f.buf, f.buf[f.start:f.end])
		f.end -= f.start
		f.scan -= f.start
		f.start = 0
	}
	if f.end == len(f.buf) {
		return nil // next returns a piece
	}
	for range 100 {
		n, err := f.r.Read(f.buf[f.end:])
		if n < 0 || n > len(f.buf)-f.end {
			f.err = errors.New("alg: reader returned an invalid count")
			return f.err
		}
		f.end += n
		if err != nil {
			f.err = err
			if f.start < f.end {
				return nil
			}
			return err
		}
		if n > 0 {
			return nil
		}
	}
	f.err = errNoProgress
	return f.err
}

// buffered returns the bytes that f has read but not yet returned as lines,
// and forgets them: a caller that stops framing (after AUTH TLS, say) writes
// them on before copying the rest of the stream raw.
func (f *framer) buffered() []byte {
	b := f.buf[f.start:f.end:f.end]
	f.start, f.end, f.scan, f.flags, f.high, f.long = 0, 0, 0, 0, 0, false
	return b
}

package alg

import "io"

// The framer under the names the tests of package alg_test use: they check
// it against a reference framer, and use it to cut streams into lines.
type (
	Framer = framer
	Line   = frame
	Flag   = frameFlag
)

// The flags of a Line.
const (
	BareCR = flagBareCR
	BareLF = flagBareLF
	NUL    = flagNUL
	Long   = flagLong
	More   = flagMore
	NoEOL  = flagNoEOL
)

// NewFramer returns a framer that reads from r, with a cap of max bytes per
// line, CRLF included: max <= 0 means DefaultMaxLine, and values below 2
// are raised to 2, as for a Session's framers.
func NewFramer(r io.Reader, max int) *Framer {
	if max <= 0 {
		max = DefaultMaxLine
	}
	if max < 2 {
		max = 2
	}
	return &framer{r: r, buf: make([]byte, max)}
}

func (f *framer) Reset(r io.Reader)   { f.reset(r) }
func (f *framer) Next() (frame, bool) { return f.next() }
func (f *framer) Fill() error         { return f.fill() }
func (f *framer) Buffered() []byte    { return f.buffered() }

// Cap returns the line cap.
func (f *framer) Cap() int { return len(f.buf) }

// ReadLine returns the next line, reading as needed. At the end of the
// stream it returns io.EOF, after the last line (which is flagged NoEOL if
// the stream did not end with CRLF). The line is valid until the next call.
func (f *framer) ReadLine() (frame, error) {
	for {
		if l, ok := f.next(); ok {
			return l, nil
		}
		if err := f.fill(); err != nil {
			return frame{}, err
		}
	}
}

// Clean reports whether l is a whole line within the cap, ended by CRLF,
// with no bare CR, bare LF or NUL: the only kind of line that a Session
// recognises commands and replies in.
func (l frame) Clean() bool { return l.Flags == 0 }

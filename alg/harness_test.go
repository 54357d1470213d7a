package alg_test

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/ftpkit/hostport/alg"
)

// feeder is a reader that hands out the chunks sent on ch, and signals on idle
// each time it is about to wait for one: then its reader has handled all it
// was given, since a copy method reads only when it has passed on every whole
// line it holds.
type feeder struct {
	ch   chan []byte
	idle chan struct{}
	buf  []byte
}

func newFeeder() *feeder {
	return &feeder{ch: make(chan []byte), idle: make(chan struct{})}
}

func (f *feeder) Read(p []byte) (int, error) {
	if len(f.buf) == 0 {
		f.idle <- struct{}{}
		b, ok := <-f.ch
		if !ok {
			return 0, io.EOF
		}
		f.buf = b
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}

// syncBuf is a bytes.Buffer safe for concurrent writes.
type syncBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// take returns what was written since the last call and forgets it.
func (b *syncBuf) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

// harness runs a Session's two copy methods and feeds them the client's and
// the server's bytes one step at a time, waiting after each step until the
// copy method that got them has handled them.
type harness struct {
	t        tb
	s        *alg.Session
	cli, srv *feeder
	toClient *syncBuf
	toServer *syncBuf
	cliErr   chan error
	srvErr   chan error
	cliDone  bool
	srvDone  bool
	cliRes   error
	srvRes   error
	events   []alg.Event
	refused  []error
	mu       sync.Mutex
}

const stepTimeout = 5 * time.Second

// tb is what the harness needs of a *testing.T or *rapid.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

// newHarness starts a session with cfg. The caller calls stop at the end,
// unless t is a *testing.T (or has Cleanup), which calls it.
func newHarness(t tb, cfg alg.Config) *harness {
	t.Helper()
	h := &harness{
		t: t, cli: newFeeder(), srv: newFeeder(),
		toClient: &syncBuf{}, toServer: &syncBuf{},
		cliErr: make(chan error, 1), srvErr: make(chan error, 1),
	}
	hook := cfg.Hook
	cfg.Hook = func(ev alg.Event) (alg.Rewrite, error) {
		h.mu.Lock()
		ev.Line = bytes.Clone(ev.Line)
		h.events = append(h.events, ev)
		h.mu.Unlock()
		if hook == nil {
			return alg.Rewrite{}, nil
		}
		return hook(ev)
	}
	onRefuse := cfg.OnRefuse
	cfg.OnRefuse = func(d alg.Dir, line []byte, err error) {
		h.mu.Lock()
		h.refused = append(h.refused, err)
		h.mu.Unlock()
		if onRefuse != nil {
			onRefuse(d, line, err)
		}
	}
	h.s = alg.NewSession(h.toClient, h.toServer, cfg)
	go func() { h.cliErr <- h.s.CopyCommands(h.cli) }()
	go func() { h.srvErr <- h.s.CopyReplies(h.srv) }()
	h.wait(alg.ClientToServer)
	h.wait(alg.ServerToClient)
	if c, ok := t.(interface{ Cleanup(func()) }); ok {
		c.Cleanup(h.stop)
	}
	return h
}

// wait waits until the copy method of d is idle or has returned.
func (h *harness) wait(d alg.Dir) {
	h.t.Helper()
	f, errc, done, res := h.cli, h.cliErr, &h.cliDone, &h.cliRes
	if d == alg.ServerToClient {
		f, errc, done, res = h.srv, h.srvErr, &h.srvDone, &h.srvRes
	}
	if *done {
		return
	}
	select {
	case <-f.idle:
	case err := <-errc:
		*done, *res = true, err
	case <-time.After(stepTimeout):
		h.t.Fatalf("%v: copy method did not become idle", d)
	}
}

// client sends the client's bytes and waits until CopyCommands has handled
// them.
func (h *harness) client(s string) {
	h.t.Helper()
	h.send(alg.ClientToServer, s)
}

// server sends the server's bytes and waits until CopyReplies has handled
// them.
func (h *harness) server(s string) {
	h.t.Helper()
	h.send(alg.ServerToClient, s)
}

func (h *harness) send(d alg.Dir, s string) {
	h.t.Helper()
	f, done := h.cli, h.cliDone
	if d == alg.ServerToClient {
		f, done = h.srv, h.srvDone
	}
	if done {
		h.t.Fatalf("%v: copy method has returned; cannot send %q", d, s)
	}
	select {
	case f.ch <- []byte(s):
	case <-time.After(stepTimeout):
		h.t.Fatalf("%v: copy method does not read", d)
	}
	h.wait(d)
}

// end ends the stream of d and returns what its copy method returned.
func (h *harness) end(d alg.Dir) error {
	h.t.Helper()
	f, done, res, errc := h.cli, &h.cliDone, &h.cliRes, h.cliErr
	if d == alg.ServerToClient {
		f, done, res, errc = h.srv, &h.srvDone, &h.srvRes, h.srvErr
	}
	if !*done {
		close(f.ch)
		*res = drain(f, errc)
		*done = true
	}
	return *res
}

// errNoReturn is what drain returns if the copy method does not return.
var errNoReturn = errors.New("copy method did not return at the end of its stream")

// drain waits for a copy method to return after its stream ended.
func drain(f *feeder, errc chan error) error {
	timeout := time.After(stepTimeout)
	for {
		select {
		case <-f.idle:
		case err := <-errc:
			return err
		case <-timeout:
			return errNoReturn
		}
	}
}

// stop ends both streams.
func (h *harness) stop() {
	h.s.Close()
	for _, d := range []alg.Dir{alg.ClientToServer, alg.ServerToClient} {
		f, done := h.cli, h.cliDone
		if d == alg.ServerToClient {
			f, done = h.srv, h.srvDone
		}
		if !done {
			close(f.ch)
			errc := h.cliErr
			if d == alg.ServerToClient {
				errc = h.srvErr
			}
			if err := drain(f, errc); errors.Is(err, errNoReturn) {
				h.t.Errorf("%v: %v", d, err)
			}
			if d == alg.ClientToServer {
				h.cliDone = true
			} else {
				h.srvDone = true
			}
		}
	}
}

// hookEvents returns the events the hook has seen.
func (h *harness) hookEvents() []alg.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]alg.Event(nil), h.events...)
}

// refusals returns the reasons given to OnRefuse.
func (h *harness) refusals() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]error(nil), h.refused...)
}

// Wildcards for hasRefusal.
var (
	errAny     = errors.New("any error")
	errAnyVeto = errors.New("any *alg.Veto")
)

// hasRefusal reports whether OnRefuse was called with a reason that is
// target, or any reason for errAny, or a *alg.Veto for errAnyVeto.
func (h *harness) hasRefusal(target error) bool {
	for _, err := range h.refusals() {
		var v *alg.Veto
		switch {
		case target == errAny,
			target == errAnyVeto && errors.As(err, &v),
			errors.Is(err, target):
			return true
		}
	}
	return false
}

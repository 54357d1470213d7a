package alg

import (
	"context"
	"errors"
	"net"
	"net/netip"
)

// Relay relays the control connection between client and server through a
// new [Session] with cfg until it ends, and closes both connections. If
// cfg.ServerAddr is zero it is set from server's remote address.
//
// When the client's side ends, Relay closes the server connection for
// writing (if it has CloseWrite) and waits for the server to close; when the
// server's side ends, or either fails, or ctx is done, it closes both. It
// returns the first error that is not the end of a stream or the result of
// that closing, ctx.Err() if ctx ended the relay, or nil.
func Relay(ctx context.Context, client, server net.Conn, cfg Config) error {
	if !cfg.ServerAddr.IsValid() {
		if ap, ok := addrPort(server.RemoteAddr()); ok {
			cfg.ServerAddr = ap.Addr()
		}
	}
	s := NewSession(client, server, cfg)
	closeAll := func() {
		s.Close()
		client.Close()
		server.Close()
	}
	stop := context.AfterFunc(ctx, closeAll)
	defer stop()

	type result struct {
		dir Dir
		err error
	}
	results := make(chan result, 2)
	go func() {
		err := s.CopyCommands(client)
		if err == nil {
			if cw, ok := server.(interface{ CloseWrite() error }); ok {
				if cw.CloseWrite() == nil {
					results <- result{ClientToServer, nil}
					return
				}
			}
		}
		closeAll()
		results <- result{ClientToServer, err}
	}()
	go func() {
		err := s.CopyReplies(server)
		closeAll()
		results <- result{ServerToClient, err}
	}()
	var first error
	for range 2 {
		r := <-results
		if r.err != nil && first == nil && !errors.Is(r.err, net.ErrClosed) && !errors.Is(r.err, ErrClosed) {
			first = r.err
		}
	}
	closeAll()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// addrPort returns the address and port of a, if it is a *net.TCPAddr, with
// an IPv4-mapped address unmapped.
func addrPort(a net.Addr) (netip.AddrPort, bool) {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.AddrPort{}, false
	}
	ap := ta.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
}

package alg_test

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/alg"
)

func TestDir(t *testing.T) {
	assert.Equal(t, "client->server", alg.ClientToServer.String())
	assert.Equal(t, "server->client", alg.ServerToClient.String())
	assert.Equal(t, "Dir(0)", alg.Dir(0).String())
}

func TestVeto(t *testing.T) {
	reason := errors.New("not today")
	v := &alg.Veto{Code: 502, Text: "Active mode is off.", Err: reason}
	assert.Equal(t, "502 Active mode is off.: not today", v.Error())
	assert.Equal(t, 502, v.ReplyCode())
	assert.ErrorIs(t, v, reason)
	assert.Equal(t, "421 Bye.", (&alg.Veto{Code: 421, Text: "Bye."}).Error())
}

// replyCoder is an error of a hook's own that chooses its reply code.
type replyCoder struct{}

func (replyCoder) Error() string  { return "mine" }
func (replyCoder) ReplyCode() int { return 534 }

func TestVetoCodes(t *testing.T) {
	client := netip.MustParseAddr("10.0.0.5")
	policy := func(ev alg.Event) (alg.Rewrite, error) {
		return alg.Rewrite{}, (hostport.ActivePolicy{}).Check(client, ev.Addr)
	}
	tests := []struct {
		name string
		hook alg.Hook
		in   string
		want string
	}{
		{"privileged port (RFC 2577): 504", policy, "PORT 10,0,0,5,0,25\r\n",
			"504 PORT refused: privileged port.\r\n"},
		{"bounce: 500", policy, "EPRT |1|198.51.100.7|1025|\r\n", "500 EPRT refused: address is not the client's.\r\n"},
		{"unusable address: 501", policy, "LPRT 4,4,0,0,0,0,2,4,1\r\n", "501 LPRT refused: unusable address.\r\n"},
		{"wrapped policy error: the same short reason", func(ev alg.Event) (alg.Rewrite, error) {
			return alg.Rewrite{}, fmt.Errorf("hook: %w", (hostport.ActivePolicy{}).Check(client, ev.Addr))
		}, "PORT 198,51,100,7,4,1\r\n", "500 PORT refused: address is not the client's.\r\n"},
		{"error with a ReplyCode method", func(alg.Event) (alg.Rewrite, error) { return alg.Rewrite{}, replyCoder{} },
			"PORT 10,0,0,5,4,1\r\n", "534 Illegal PORT command.\r\n"},
		{"Veto with a code out of range: default", func(alg.Event) (alg.Rewrite, error) {
			return alg.Rewrite{}, &alg.Veto{Code: 200, Text: "Fine."}
		}, "PORT 10,0,0,5,4,1\r\n", "500 Fine.\r\n"},
		{"plain error: 500", func(alg.Event) (alg.Rewrite, error) { return alg.Rewrite{}, errors.New("x") },
			"PORT 10,0,0,5,4,1\r\n", "500 Illegal PORT command.\r\n"},
		{"Veto text cut at 200 bytes", func(alg.Event) (alg.Rewrite, error) {
			return alg.Rewrite{}, &alg.Veto{Code: 550, Text: strings.Repeat("x", 300)}
		}, "PORT 10,0,0,5,4,1\r\n", "550 " + strings.Repeat("x", 200) + "\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runConv(t, convCase{
				cfg:        alg.Config{Hook: tc.hook},
				steps:      with(c(tc.in)),
				wantServer: loginServer,
				wantClient: loginClient + tc.want,
				wantEvents: []hostport.Form{[]hostport.Form{hostport.FormPORT, hostport.FormEPRT, hostport.FormLPRT}[strings.Index("PEL", tc.in[:1])]},
				wantRefuse: []error{errAny},
			})
		})
	}
}

func TestMaxLine(t *testing.T) {
	// A cap below MinMaxLine is raised to it.
	long := "SITE " + strings.Repeat("x", alg.MinMaxLine-len("SITE \r\n")) + "\r\n"
	runConv(t, convCase{
		cfg:        alg.Config{MaxLine: 10},
		steps:      with(c(long), c("SITE x"+long), s("200 SITE ok.\r\n")),
		wantServer: loginServer + long,
		wantClient: loginClient + "200 SITE ok.\r\n500 Command line too long.\r\n",
		wantRefuse: []error{alg.ErrLineTooLong},
	})
}

func TestSessionClose(t *testing.T) {
	// A client that pipelines more refused commands than the queue holds,
	// while the server does not answer, waits; Close releases it.
	h := newHarness(t, alg.Config{})
	h.server("220 ready\r\n")
	h.client("USER a\r\n")
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.cli.ch <- []byte(strings.Repeat("\r\n", 100))
	}()
	<-done
	h.s.Close()
	assert.ErrorIs(t, h.end(alg.ClientToServer), alg.ErrClosed)
}

func TestServerNotFTP(t *testing.T) {
	h := runConv(t, convCase{
		cfg:        alg.Config{Hook: natHook},
		steps:      []step{s("HTTP/1.1 200 OK\r\n227 Entering Passive Mode (10,0,0,9,4,1)\r\n"), c("PASV\r\n")},
		wantRefuse: []error{alg.ErrNotFTP},
		wantCliErr: alg.ErrNotFTP,
	})
	assert.Len(t, h.refusals(), 1)

	h = runConv(t, convCase{
		cfg: alg.Config{Hook: natHook, PassNonFTP: true},
		steps: []step{s("HTTP/1.1 200 OK\r\n227 Entering Passive Mode (10,0,0,9,4,1)\r\n"), c("PASV\r\nPORT 10,0,0,5,4,1\r\n"),
			s("227 Entering Passive Mode (10,0,0,9,4,1)\r\n")},
		wantServer: "PASV\r\nPORT 10,0,0,5,4,1\r\n",
		wantClient: "HTTP/1.1 200 OK\r\n227 Entering Passive Mode (10,0,0,9,4,1)\r\n227 Entering Passive Mode (10,0,0,9,4,1)\r\n",
		wantRefuse: []error{alg.ErrNotFTP},
	})
	assert.Len(t, h.refusals(), 1)
}

// TestRefusalTextForLog: the client gets a short reason, the log the whole
// error.
func TestRefusalTextForLog(t *testing.T) {
	client := netip.MustParseAddr("10.0.0.5")
	var logged error
	cfg := alg.Config{
		Hook: func(ev alg.Event) (alg.Rewrite, error) {
			return alg.Rewrite{}, (hostport.ActivePolicy{}).Check(client, ev.Addr)
		},
		OnRefuse: func(_ alg.Dir, _ []byte, err error) { logged = err },
	}
	var toClient, toServer strings.Builder
	s := alg.NewSession(&toClient, &toServer, cfg)
	require.NoError(t, s.CopyReplies(strings.NewReader("220 ready\r\n")))
	require.NoError(t, s.CopyCommands(strings.NewReader("USER a\r\nPORT 127,0,0,1,227,27\r\n")))
	assert.Equal(t, "220 ready\r\n500 PORT refused: address is not the client's.\r\n", toClient.String())
	assert.NotContains(t, toClient.String(), "hostport.")
	require.ErrorIs(t, logged, hostport.ErrForeignAddress)
	assert.Contains(t, logged.Error(), "127.0.0.1")
}

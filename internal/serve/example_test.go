package serve_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strings"

	"github.com/ftpkit/hostport/internal/serve"
)

// A server of one session at a time: the second client is turned away with
// a 421 reply while the first is served.
func ExampleServe() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	cfg := serve.Config{
		MaxSessions: 1,
		MaxPerAddr:  1,
		Busy: func(c net.Conn, reason string) {
			io.WriteString(c, "421 "+reason+"\r\n")
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- serve.Serve(ctx, ln, cfg, func(ctx context.Context, c net.Conn) {
			io.WriteString(c, "220 Ready.\r\n")
			<-ctx.Done() // a real server reads commands here
		})
	}()

	for range 2 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(strings.TrimSpace(line))
	}
	cancel()
	fmt.Println(<-done)
	// Output:
	// 220 Ready.
	// 421 There are too many connected users, please try later.
	// <nil>
}

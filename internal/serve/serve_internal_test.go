package serve

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestNextDelay(t *testing.T) {
	var got []time.Duration
	d := time.Duration(0)
	for range 10 {
		d = nextDelay(d)
		got = append(got, d)
	}
	ms := time.Millisecond
	assert.Equal(t, []time.Duration{5 * ms, 10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms, 640 * ms, time.Second, time.Second}, got)
}

func TestAddrKey(t *testing.T) {
	for _, tc := range []struct {
		a    net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 21}, "192.0.2.1"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:192.0.2.1"), Port: 21}, "192.0.2.1"},
		{&net.TCPAddr{IP: net.IP{192, 0, 2, 1}, Port: 21}, "192.0.2.1"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 21}, "2001:db8::1"},
		{&net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 21, Zone: "eth0"}, "fe80::1"},
		{&net.UDPAddr{IP: net.ParseIP("::ffff:192.0.2.1"), Port: 21}, "192.0.2.1"},
		{pipeAddr{}, "pipe"},
		{nil, ""},
	} {
		assert.Equal(t, tc.want, addrKey(tc.a), "%v", tc.a)
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

func TestLimiter(t *testing.T) {
	l := limiter{max: 3, maxPer: 2, per: map[string]int{}}
	assert.Empty(t, l.acquire("a"))
	assert.Empty(t, l.acquire("a"))
	assert.Equal(t, ReasonPerAddr, l.acquire("a"))
	assert.Empty(t, l.acquire("b"))
	assert.Equal(t, ReasonTotal, l.acquire("c"))
	assert.Equal(t, "sessions 3/3, from a 2/2", l.String("a"))
	l.release("a")
	assert.Empty(t, l.acquire("c"))
	l.release("a")
	l.release("b")
	l.release("c")
	assert.Equal(t, 0, l.total)
	assert.Empty(t, l.per, "no key left behind")

	unlimited := limiter{per: map[string]int{}}
	for range 1000 {
		assert.Empty(t, unlimited.acquire("a"))
	}
	assert.Equal(t, "sessions 1000/unlimited, from a 1000/unlimited", unlimited.String("a"))
}

package alg

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ftpkit/hostport"
)

// TestForms checks what the session knows of each form: the command it
// names, its reply code, its direction and the addresses it can carry.
func TestForms(t *testing.T) {
	v4, v6, mapped := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("::ffff:192.0.2.1")
	tests := []struct {
		f                hostport.Form
		verb             string
		code             int
		command, reply   bool
		v4, v6, mapped   bool
		invalidAddrCarry bool
	}{
		{hostport.FormPORT, "PORT", 0, true, false, true, false, true, false},
		{hostport.FormEPRT, "EPRT", 0, true, false, true, true, true, false},
		{hostport.FormLPRT, "LPRT", 0, true, false, true, true, true, false},
		{hostport.FormPASV, "PASV", 227, false, true, true, false, true, false},
		{hostport.FormEPSV, "EPSV", 229, false, true, true, true, true, true},
		{hostport.FormLPSV, "LPSV", 228, false, true, true, true, true, false},
		{0, "", 0, false, false, false, false, false, false},
		{9, "", 0, false, false, false, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.f.String(), func(t *testing.T) {
			assert.Equal(t, tc.verb, tc.f.Verb())
			assert.Equal(t, tc.code, infoOf(tc.f).code)
			assert.Equal(t, tc.command, isCommand(tc.f))
			assert.Equal(t, tc.reply, isReply(tc.f))
			assert.Equal(t, tc.v4, carries(tc.f, v4), "IPv4")
			assert.Equal(t, tc.v6, carries(tc.f, v6), "IPv6")
			assert.Equal(t, tc.mapped, carries(tc.f, mapped), "IPv4-mapped")
			assert.Equal(t, tc.invalidAddrCarry, carries(tc.f, netip.Addr{}), "no address")
			if tc.verb != "" {
				assert.Equal(t, tc.f, cmdKind(tc.f).form(), "the kind of the command converts to its form")
			}
		})
	}
	assert.Zero(t, kAUTH.form())
	assert.Zero(t, kOther.form())
}

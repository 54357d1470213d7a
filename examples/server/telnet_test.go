package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStripTelnet(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"NOOP\r\n", "NOOP\r\n"},
		{"\xff\xf4\xff\xf2ABOR\r\n", "ABOR\r\n"},         // IAC IP IAC DM, in band
		{"\xff\xf4\xf2ABOR\r\n", "ABOR\r\n"},             // the urgent IAC taken out
		{"\xf2ABOR\r\n", "ABOR\r\n"},                     // IAC IP in an earlier line
		{"\xff\xfb\x01NOOP\r\n", "NOOP\r\n"},             // IAC WILL ECHO
		{"\xff\xfe\x01NOOP\r\n", "NOOP\r\n"},             // IAC DONT ECHO
		{"RETR a\xff\xffb\r\n", "RETR a\xffb\r\n"},       // IAC IAC is 255
		{"RETR caf\xc3\xa9\r\n", "RETR caf\xc3\xa9\r\n"}, // UTF-8 untouched
		{"RETR \xf0\x9f\x98\x80\r\n", "RETR \xf0\x9f\x98\x80\r\n"},
		{"NOOP\xff", "NOOP"}, // IAC at the end
		{"\xff", ""},
		{"", ""},
	} {
		assert.Equal(t, tc.want, stripTelnet([]byte(tc.in)), "%q", tc.in)
	}
}

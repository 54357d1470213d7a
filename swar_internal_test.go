package hostport

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The word-at-a-time scanners are checked against byte loops for every byte
// value at every position, with every start before it, so that no borrow or
// carry between bytes can go unnoticed.
func TestScanners(t *testing.T) {
	scanners := []struct {
		name string
		scan func(s string, i, n int) int
		hit  func(c byte) bool
	}{
		{"skipText", skipText, func(c byte) bool { return isDigit(c) || c < 14 }},
		{"findOpen", findOpen, func(c byte) bool { return c == '(' || c < 14 }},
	}
	const filler = "abcdefghijklmnopqrstuvwx"
	for _, sc := range scanners {
		t.Run(sc.name, func(t *testing.T) {
			for b := 0; b < 256; b++ {
				for pos := 0; pos < len(filler); pos++ {
					buf := []byte(filler)
					buf[pos] = byte(b)
					// A second special byte after the first must not
					// hide it or move it.
					if pos+3 < len(buf) {
						buf[pos+3] = 0
					}
					s := string(buf)
					for start := 0; start <= pos; start++ {
						want := len(s)
						for i := start; i < len(s); i++ {
							if sc.hit(s[i]) {
								want = i
								break
							}
						}
						if got := sc.scan(s, start, len(s)); got != want {
							t.Fatalf("%s(%q, %d): got %d, want %d", sc.name, s, start, got, want)
						}
					}
				}
			}
		})
	}
}

func TestScannersStopAtN(t *testing.T) {
	s := "abcdefghijklmnop\r\n" // the line ending lies beyond n
	n := trimEOL(s)
	require.Equal(t, 16, n)
	assert.Equal(t, n, skipText(s, 0, n))
	assert.Equal(t, n, findOpen(s, 0, n))
}

func TestNumbers(t *testing.T) {
	tests := []struct {
		in        string
		limit     int
		wantV     int
		wantJ     int
		wantPort  int
		wantPortJ int
	}{
		{"", 255, 0, 0, 0, 0},
		{"x", 255, 0, 0, 0, 0},
		{"0", 255, 0, 1, 0, 1},
		{"255,", 255, 255, 3, 255, 3},
		{"256", 255, 256, 3, 256, 3},
		{"0000000000255", 255, 255, 13, 255, 13},
		{"65535|", 65535, 65535, 5, 65535, 5},
		{"65536", 65535, 65536, 5, 65536, 5},
		{"99999", 65535, 65536, 5, 99999, 5},
		{"100000", 65535, 65536, 6, 65536, 6},
		{strings.Repeat("9", 40), 65535, 65536, 40, 65536, 40},
		{"00065535", 65535, 65535, 8, 65535, 8},
	}
	for _, tc := range tests {
		v, j := number(tc.in, 0, tc.limit)
		assert.Equal(t, tc.wantV, v, "number(%q) value", tc.in)
		assert.Equal(t, tc.wantJ, j, "number(%q) end", tc.in)
		v, j = portNumber(tc.in, 0)
		assert.Equal(t, tc.wantPortJ, j, "portNumber(%q) end", tc.in)
		if tc.wantPort <= maxPort {
			assert.Equal(t, tc.wantPort, v, "portNumber(%q) value", tc.in)
		} else {
			assert.Greater(t, v, maxPort, "portNumber(%q) value", tc.in)
		}
	}
}

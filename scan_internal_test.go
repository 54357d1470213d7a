package hostport

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScanners checks, for every byte value at every position of a line,
// that skipText stops at exactly the digits and the bytes below 14, and
// findOpen at exactly '(' and the bytes below 14.
func TestScanners(t *testing.T) {
	scanners := []struct {
		name string
		scan func(s string, i, n int) int
		hit  func(c byte) bool
	}{
		{"skipText", skipText, func(c byte) bool { return '0' <= c && c <= '9' || c < 14 }},
		{"findOpen", findOpen, func(c byte) bool { return c == '(' || c < 14 }},
	}
	const filler = "abcdefghijklmnop"
	for _, sc := range scanners {
		for b := 0; b < 256; b++ {
			for pos := 0; pos < len(filler); pos++ {
				buf := []byte(filler)
				buf[pos] = byte(b)
				s := string(buf)
				want := len(s)
				if sc.hit(byte(b)) {
					want = pos
				}
				if got := sc.scan(s, 0, len(s)); got != want {
					t.Fatalf("%s(%q) = %d, want %d", sc.name, s, got, want)
				}
			}
		}
	}
}

// TestScannersStopAtN checks that the scanners do not read past n, where the
// line ending lies.
func TestScannersStopAtN(t *testing.T) {
	s := "abcdefghijklmnop\r\n"
	n := trimEOL(s)
	require.Equal(t, 16, n)
	assert.Equal(t, n, skipText(s, 0, n))
	assert.Equal(t, n, findOpen(s, 0, n))
}

// TestNumbers checks the values and ends that number and portNumber read,
// and that no run of digits overflows them.
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

// TestListRun checks how listRun measures the lists of a reply's text: the
// count is of numbers joined by single commas, and a short list ends after
// its last digit.
func TestListRun(t *testing.T) {
	tests := []struct {
		in   string
		min  int
		j    int
		long bool
	}{
		{"1,2 ms", 6, 3, false},
		{"1,2,3,4,5,6)", 6, 11, true},
		{"1,2,3,4,5,6,7", 6, 11, true},
		{"1,2,3,4,5,", 6, 9, false},
		{"1,,2,3,4,5,6", 6, 1, false},
		{"10,0,0,1,4,31", 6, 13, true},
		{"4,4,192,0,2,1,2,4", 9, 17, false},
		{"4,4,192,0,2,1,2,4,31", 9, 20, true},
	}
	for _, tc := range tests {
		j, long := listRun(tc.in, 0, len(tc.in), tc.min)
		assert.Equal(t, tc.long, long, "listRun(%q, %d)", tc.in, tc.min)
		assert.Equal(t, tc.j, j, "listRun(%q, %d) end", tc.in, tc.min)
	}
}

package hostport_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// body returns the lines of the function that starts with the line head in
// src, up to its closing brace, or "" if there is none.
func body(src, head string) string {
	_, rest, ok := strings.Cut(src, "\n"+head+"\n")
	if !ok {
		return ""
	}
	b, _, ok := strings.Cut(rest, "\n}\n")
	if !ok {
		return ""
	}
	return b
}

// The README's usage snippet is the package Example, so that the code
// people copy from it is compiled and run by go test.
func TestReadmeUsageIsExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	examples, err := os.ReadFile("example_test.go")
	require.NoError(t, err)
	want := body(string(examples), "func Example() {")
	require.NotEmpty(t, want, "no func Example in example_test.go")
	got := body(string(readme), "func main() {")
	require.NotEmpty(t, got, "no func main in README.md")
	assert.Equal(t, want, got, "README.md's usage differs from Example in example_test.go")
}

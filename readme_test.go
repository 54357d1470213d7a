package hostport_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
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

// fuzzTargets returns the names of the fuzz targets declared in the
// _test.go files of dir.
func fuzzTargets(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	require.NoError(t, err)
	decl := regexp.MustCompile(`(?m)^func (Fuzz\w*)\(\w+ \*testing\.F\)`)
	var names []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names
}

// The README lists every fuzz target of the root package and of alg, and
// no other, so that its list and .ci/run's fuzz step cannot drift apart.
func TestReadmeListsFuzzTargets(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, list, ok := strings.Cut(string(readme), "\nNative fuzz targets")
	require.True(t, ok, "README.md has no paragraph on native fuzz targets")
	list, _, _ = strings.Cut(list, "\n\n\n")
	list, _, _ = strings.Cut(list, "\nThe rapid properties")
	for _, pkg := range []struct{ name, dir string }{{"hostport", "."}, {"alg", "alg"}} {
		_, item, ok := strings.Cut(list, "\n- `"+pkg.name+"`: ")
		require.True(t, ok, "README.md lists no fuzz targets for %s", pkg.name)
		item, _, _ = strings.Cut(item, "\n- ")
		got := regexp.MustCompile("`(Fuzz\\w*)`").FindAllStringSubmatch(item, -1)
		var listed []string
		for _, m := range got {
			listed = append(listed, m[1])
		}
		slices.Sort(listed)
		assert.Equal(t, fuzzTargets(t, pkg.dir), listed, "README.md's fuzz targets of %s", pkg.name)
	}
}

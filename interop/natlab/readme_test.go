//go:build linux

package natlab

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// README.md holds the lab's tables between these markers, in a fenced
// block, exactly as the lab prints them.
const (
	readmeBegin = "<!-- natlab matrix: begin -->"
	readmeEnd   = "<!-- natlab matrix: end -->"
	// envUpdateReadme set to 1 makes the lab write the tables it measured
	// into README.md instead of comparing them.
	envUpdateReadme = "HOSTPORT_NATLAB_UPDATE_README"
)

// readmePath is the repository's README.md.
var readmePath = filepath.Join("..", "..", "README.md")

// readmeBlock returns the fenced block of the tables grid.
func readmeBlock(grid string) string {
	return "```text\n" + grid + "```"
}

// checkReadme compares the tables in README.md with grid, the tables the
// lab measured, and fails with their differences; with
// HOSTPORT_NATLAB_UPDATE_README=1 it writes grid into README.md instead.
func checkReadme(t *testing.T, grid string) {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, readmeBegin)
	j := strings.Index(text, readmeEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %s ... %s block for the lab's tables", readmeBegin, readmeEnd)
	}
	head, got, rest := text[:i+len(readmeBegin)], strings.TrimSpace(text[i+len(readmeBegin):j]), text[j:]
	want := readmeBlock(grid)
	if got == want {
		return
	}
	if os.Getenv(envUpdateReadme) == "1" {
		if strings.Contains(grid, "!") {
			t.Fatalf("%s=1, but some cells are not as expected (ok! or fail!): README.md is left as it is", envUpdateReadme)
		}
		if err := os.WriteFile(readmePath, []byte(head+"\n"+want+"\n"+rest), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("README.md: the lab's tables updated")
		return
	}
	t.Errorf("README.md's tables differ from those the lab measured (- README.md, + lab); %s=1 rewrites them:\n%s",
		envUpdateReadme, lineDiff(got, want))
}

// lineDiff returns the lines of a and b that differ, position by position,
// as "-" and "+" lines with their line numbers.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var d strings.Builder
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			fmt.Fprintf(&d, "%3d - %s\n%3d + %s\n", i+1, x, i+1, y)
		}
	}
	return d.String()
}

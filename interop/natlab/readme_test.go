//go:build linux

package natlab

import (
	"errors"
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

// errReadmeDiffers is the error of compareReadme when the tables differ.
var errReadmeDiffers = errors.New("README.md's tables differ from those the lab measured")

// compareReadme compares the tables in the markdown file at path with grid.
// If they differ, it returns errReadmeDiffers and their differences, or,
// with update, writes grid into the file and returns nil.
func compareReadme(path, grid string, update bool) (diff string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	text := string(b)
	i := strings.Index(text, readmeBegin)
	j := strings.Index(text, readmeEnd)
	if i < 0 || j < i {
		return "", fmt.Errorf("%s has no %s ... %s block for the lab's tables", path, readmeBegin, readmeEnd)
	}
	head, got, rest := text[:i+len(readmeBegin)], strings.TrimSpace(text[i+len(readmeBegin):j]), text[j:]
	want := readmeBlock(grid)
	if got == want {
		return "", nil
	}
	if update {
		return "", os.WriteFile(path, []byte(head+"\n"+want+"\n"+rest), 0o644)
	}
	return lineDiff(got, want), errReadmeDiffers
}

// checkReadme compares the tables in README.md with grid, the tables the
// lab measured, and fails with their differences; with
// HOSTPORT_NATLAB_UPDATE_README=1 it writes grid into README.md instead,
// if every cell is as expected.
func checkReadme(t *testing.T, grid string) {
	t.Helper()
	update := os.Getenv(envUpdateReadme) == "1"
	if update && strings.Contains(grid, "!") {
		t.Fatalf("%s=1, but some cells are not as expected (ok! or fail!): README.md is left as it is", envUpdateReadme)
	}
	diff, err := compareReadme(readmePath, grid, update)
	switch {
	case errors.Is(err, errReadmeDiffers):
		t.Errorf("%v (- README.md, + lab); %s=1 rewrites them:\n%s", err, envUpdateReadme, diff)
	case err != nil:
		t.Fatal(err)
	}
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

// TestCompareReadme checks the comparison of README.md's tables with the
// lab's, without the lab: equal, different, missing, and updated.
func TestCompareReadme(t *testing.T) {
	grid := "      a   b\nrow1  ok  fail\n"
	doc := func(block string) string {
		return "# x\n\ntext\n\n" + readmeBegin + "\n" + block + "\n" + readmeEnd + "\n\nmore\n"
	}
	path := filepath.Join(t.TempDir(), "README.md")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	write(doc(readmeBlock(grid)))
	if diff, err := compareReadme(path, grid, false); err != nil {
		t.Errorf("equal tables: %v\n%s", err, diff)
	}

	write(doc(readmeBlock("      a   b\nrow1  ok  ok\n")))
	diff, err := compareReadme(path, grid, false)
	if !errors.Is(err, errReadmeDiffers) {
		t.Errorf("different tables: got %v, want errReadmeDiffers", err)
	}
	if want := "  3 - row1  ok  ok\n  3 + row1  ok  fail\n"; diff != want {
		t.Errorf("different tables: diff\n%q, want\n%q", diff, want)
	}

	if _, err := compareReadme(path, grid, true); err != nil {
		t.Fatalf("update: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != doc(readmeBlock(grid)) {
		t.Errorf("update wrote\n%s\nwant\n%s", b, doc(readmeBlock(grid)))
	}

	write("# x\n\nno markers\n")
	if _, err := compareReadme(path, grid, false); err == nil || errors.Is(err, errReadmeDiffers) {
		t.Errorf("no markers: got %v, want an error naming the markers", err)
	}
}

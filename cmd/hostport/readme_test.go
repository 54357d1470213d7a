package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary run as the hostport command too, so that
// the scripts of TestREADME find "hostport" on their PATH.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hostport": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// readmePath is the README whose console blocks TestREADME runs;
// HOSTPORT_README names another, to try a change to it before it is made.
func readmePath() string {
	if p := os.Getenv("HOSTPORT_README"); p != "" {
		return p
	}
	return filepath.Join("..", "..", "README.md")
}

// notTested is the comment that, on the last non-blank line before a
// console block, exempts it from TestREADME, with the reason after the
// colon: <!-- not tested: needs the network -->.
const notTested = "<!-- not tested:"

// A consoleBlock is a ```console block of the README.
type consoleBlock struct {
	line     int    // the line of its opening fence, from 1
	skip     string // the reason it is not tested, or ""
	commands []consoleCommand
	err      string // why it cannot be run, or ""
}

// A consoleCommand is a command of a console block, after its "$ " prompt
// (continued on the lines that start with "> "), and the output the README
// shows for it: standard output and standard error, as a terminal mixes
// them.
type consoleCommand struct {
	cmd, want string
}

// consoleBlocks returns the ```console blocks of the markdown text md.
func consoleBlocks(md string) []consoleBlock {
	var blocks []consoleBlock
	var cur *consoleBlock
	prev := "" // the last non-blank line outside a block
	sc := bufio.NewScanner(strings.NewReader(md))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && line == "```console":
			cur = &consoleBlock{line: n}
			if r, ok := strings.CutPrefix(prev, notTested); ok {
				cur.skip = strings.TrimSpace(strings.TrimSuffix(r, "-->"))
			}
		case cur == nil:
			if strings.TrimSpace(line) != "" {
				prev = line
			}
		case line == "```":
			blocks = append(blocks, *cur)
			cur, prev = nil, line
		case strings.HasPrefix(line, "$ "):
			cmd := line[2:]
			if !strings.HasPrefix(cmd, "hostport ") && !strings.Contains(cmd, "| hostport") &&
				cmd != "echo $?" && cur.err == "" {
				// Only the command under test runs, or a pipe into
				// it: no go, no scripts, nothing that needs a
				// network or a peer.
				cur.err = fmt.Sprintf("line %d: %q runs a command other than hostport", n, line)
			}
			cur.commands = append(cur.commands, consoleCommand{cmd: cmd})
		case strings.HasPrefix(line, "> ") && len(cur.commands) > 0 && cur.commands[len(cur.commands)-1].want == "":
			c := &cur.commands[len(cur.commands)-1]
			c.cmd += "\n" + line[2:]
		case len(cur.commands) == 0:
			if cur.err == "" {
				cur.err = fmt.Sprintf("line %d: %q is not after a \"$ \" prompt", n, line)
			}
		default:
			c := &cur.commands[len(cur.commands)-1]
			c.want += line + "\n"
		}
	}
	return blocks
}

// script returns the shell script that runs the commands of b one after
// the other, as a reader would type them, in dir, with their standard error
// mixed into standard output. A command that fails shows
// "[exit status N]" unless the next command is "echo $?", which shows its
// status as the README does.
func (b consoleBlock) script(dir string) (script, want string) {
	var s, w strings.Builder
	fmt.Fprintf(&s, "cd %s || exit 1\n", shellQuote(dir))
	for i, c := range b.commands {
		fmt.Fprintf(&s, "{ %s\n} 2>&1", c.cmd)
		if i+1 == len(b.commands) || b.commands[i+1].cmd != "echo $?" {
			s.WriteString(` || echo "[exit status $?]"`)
		}
		s.WriteString("\n")
		w.WriteString(c.want)
	}
	return s.String(), w.String()
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// TestREADME runs every ```console block of the README with the hostport
// command built from this package, in testdata/ (where the logs and
// captures that the README names are), and compares what it prints with
// what the README shows. A block that needs the network, root, or files
// outside the repository is marked with a <!-- not tested: reason -->
// comment just before it.
func TestREADME(t *testing.T) {
	md, err := os.ReadFile(readmePath())
	require.NoError(t, err)
	testdata, err := filepath.Abs("testdata")
	require.NoError(t, err)

	dir := t.TempDir()
	var files []string
	for _, b := range consoleBlocks(string(md)) {
		where := "README.md:" + strconv.Itoa(b.line)
		switch {
		case b.skip != "":
			t.Logf("%s: not tested: %s", where, b.skip)
			continue
		case b.err != "":
			t.Errorf("%s: %s; mark the block %s reason --> if it cannot be run", where, b.err, notTested)
			continue
		case len(b.commands) == 0:
			t.Errorf("%s: no command in the block", where)
			continue
		}
		sh, want := b.script(testdata)
		name := filepath.Join(dir, fmt.Sprintf("README.md-line-%d.txtar", b.line))
		txtar := "# The console block at " + where + ".\n" +
			"exec sh block.sh\n" +
			"cmp stdout want\n" +
			"-- block.sh --\n" + sh +
			"-- want --\n" + want
		require.NoError(t, os.WriteFile(name, []byte(txtar), 0o644))
		files = append(files, name)
	}
	require.NotEmpty(t, files, "no console block to test in %s", readmePath())
	testscript.Run(t, testscript.Params{Files: files, RequireExplicitExec: true})
}

// TestConsoleBlocks checks how TestREADME reads a README.
func TestConsoleBlocks(t *testing.T) {
	md := "text\n" +
		"```console\n" + // line 2
		"$ hostport 'PORT 10,2,0,2,4,310'\n" +
		"hostport.ParsePORT: error\n" +
		"$ echo $?\n" +
		"1\n" +
		"```\n" +
		"<!-- not tested: needs the network -->\n" +
		"\n" +
		"```console\n" + // line 10
		"$ go get x\n" +
		"```\n" +
		"```console\n" + // line 13
		"$ go test ./...\n" +
		"```\n" +
		"```go\n" +
		"$ not a console block\n" +
		"```\n" +
		"```console\n" + // line 19
		"# apt-get install x\n" +
		"```\n" +
		"```console\n" + // line 22
		"$ for t in a b; do\n" +
		">   echo $t\n" +
		"> done\n" +
		"a\n" +
		"b\n" +
		"```\n"
	blocks := consoleBlocks(md)
	require.Len(t, blocks, 5)

	b := blocks[0]
	require.Equal(t, 2, b.line)
	require.Empty(t, b.skip)
	require.Equal(t, []consoleCommand{
		{cmd: "hostport 'PORT 10,2,0,2,4,310'", want: "hostport.ParsePORT: error\n"},
		{cmd: "echo $?", want: "1\n"},
	}, b.commands)
	sh, want := b.script("/d")
	require.Equal(t, "cd '/d' || exit 1\n"+
		"{ hostport 'PORT 10,2,0,2,4,310'\n} 2>&1\n"+
		"{ echo $?\n} 2>&1 || echo \"[exit status $?]\"\n", sh)
	require.Equal(t, "hostport.ParsePORT: error\n1\n", want)

	require.Equal(t, 10, blocks[1].line)
	require.Equal(t, "needs the network", blocks[1].skip)

	require.Equal(t, 13, blocks[2].line)
	require.Equal(t, `line 14: "$ go test ./..." runs a command other than hostport`, blocks[2].err)

	require.Equal(t, 19, blocks[3].line)
	require.Equal(t, `line 20: "# apt-get install x" is not after a "$ " prompt`, blocks[3].err)

	require.Equal(t, []consoleCommand{{cmd: "for t in a b; do\n  echo $t\ndone", want: "a\nb\n"}}, blocks[4].commands)
}

package hostporttest_test

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/ftpkit/hostport"
	"github.com/ftpkit/hostport/hostporttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

var forms = []hostport.Form{
	hostport.FormPORT, hostport.FormPASV, hostport.FormEPRT,
	hostport.FormEPSV, hostport.FormLPRT, hostport.FormLPSV,
}

var sentinels = []error{hostport.ErrSyntax, hostport.ErrRange, hostport.ErrFamily}

// parsers are the hostport parsers of the forms, each returning what a Line
// holds in Want: the IPv4 address of a PORT command or 227 reply, the zero
// netip.Addr with the port of a 229 reply.
var parsers = map[hostport.Form]func(string) (netip.AddrPort, error){
	hostport.FormPORT: func(s string) (netip.AddrPort, error) {
		hp, err := hostport.ParsePORT(s)
		return hp.AddrPort(), err
	},
	hostport.FormPASV: func(s string) (netip.AddrPort, error) {
		hp, err := hostport.ParsePASV(s)
		return hp.AddrPort(), err
	},
	hostport.FormEPRT: hostport.ParseEPRT,
	hostport.FormEPSV: func(s string) (netip.AddrPort, error) {
		port, err := hostport.ParseEPSV(s)
		return netip.AddrPortFrom(netip.Addr{}, port), err
	},
	hostport.FormLPRT: hostport.ParseLPRT,
	hostport.FormLPSV: hostport.ParseLPSV,
}

// perForm are the generators of valid lines of one form each.
var perForm = map[hostport.Form]*rapid.Generator[hostporttest.Line]{
	hostport.FormPORT: hostporttest.PORTCommand(),
	hostport.FormPASV: hostporttest.PASVReply(),
	hostport.FormEPRT: hostporttest.EPRTCommand(),
	hostport.FormEPSV: hostporttest.EPSVReply(),
	hostport.FormLPRT: hostporttest.LPRTCommand(),
	hostport.FormLPSV: hostporttest.LPSVReply(),
}

// checkValid checks that line is a valid line of form f that parses to its
// Want.
func checkValid(t *rapid.T, f hostport.Form, line hostporttest.Line) {
	require.Equal(t, f, line.Form, "%q", line.Text)
	require.NoError(t, line.Err, "%q", line.Text)
	got, err := parsers[f](line.Text)
	require.NoError(t, err, "%q (%s)", line.Text, line.Note)
	require.Equal(t, line.Want, got, "%q (%s)", line.Text, line.Note)
	// A line that shows its form, by its verb or code, reads the same with
	// ParseLine; the argument or the reply text alone is of no form for it.
	if g, ap, err := hostport.ParseLine(line.Text); g != 0 {
		require.Equal(t, f, g, "%q (%s): ParseLine's form", line.Text, line.Note)
		require.NoError(t, err, "%q (%s): ParseLine", line.Text, line.Note)
		require.Equal(t, line.Want, ap, "%q (%s): ParseLine", line.Text, line.Note)
	}
	if f == hostport.FormEPSV {
		require.False(t, line.Want.Addr().IsValid(), "229 Want with an address")
	} else {
		require.True(t, line.Want.Addr().IsValid(), "%q: Want without address", line.Text)
	}
}

func TestValidLine(t *testing.T) {
	for _, f := range forms {
		t.Run(f.String(), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				checkValid(t, f, hostporttest.ValidLine(f).Draw(t, "line"))
			})
		})
	}
	t.Run("all", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			line := hostporttest.ValidLine().Draw(t, "line")
			checkValid(t, line.Form, line)
		})
	})
	t.Run("two forms", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			line := hostporttest.ValidLine(hostport.FormEPSV, hostport.FormPASV).Draw(t, "line")
			require.Contains(t, []hostport.Form{hostport.FormEPSV, hostport.FormPASV}, line.Form)
			checkValid(t, line.Form, line)
		})
	})
}

func TestPerFormGenerators(t *testing.T) {
	for f, gen := range perForm {
		t.Run(f.String(), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				checkValid(t, f, gen.Draw(t, "line"))
			})
		})
	}
}

// checkHostile checks that line is a hostile line of form f that its parser
// rejects with a *ParseError that wraps line.Err and no other sentinel.
func checkHostile(t *rapid.T, f hostport.Form, line hostporttest.Line) {
	require.Equal(t, f, line.Form, "%q", line.Text)
	require.Contains(t, sentinels, line.Err, "%q (%s)", line.Text, line.Note)
	require.Equal(t, netip.AddrPort{}, line.Want, "%q", line.Text)
	got, err := parsers[f](line.Text)
	require.Error(t, err, "%q (%s) parsed to %v", line.Text, line.Note, got)
	_, got, lerr := hostport.ParseLine(line.Text)
	require.Error(t, lerr, "%q (%s) parsed by ParseLine to %v", line.Text, line.Note, got)
	var perr *hostport.ParseError
	require.ErrorAs(t, err, &perr)
	require.ErrorIs(t, err, line.Err, "%q (%s)", line.Text, line.Note)
	for _, s := range sentinels {
		if s != line.Err {
			require.NotErrorIs(t, err, s, "%q (%s)", line.Text, line.Note)
		}
	}
	require.Equal(t, line.Text, perr.Input)
	require.GreaterOrEqual(t, perr.Offset, 0)
	require.LessOrEqual(t, perr.Offset, len(perr.Input))
}

func TestHostileLine(t *testing.T) {
	for _, f := range forms {
		t.Run(f.String(), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				checkHostile(t, f, hostporttest.HostileLine(f).Draw(t, "line"))
			})
		})
	}
	t.Run("all", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			line := hostporttest.HostileLine().Draw(t, "line")
			checkHostile(t, line.Form, line)
		})
	})
}

// leadingZero matches a number with a leading zero.
var leadingZero = regexp.MustCompile(`(^|[^0-9])0[0-9]`)

// examples draws n lines from gen with the seeds 0 to n-1.
func examples(gen *rapid.Generator[hostporttest.Line], n int) []hostporttest.Line {
	lines := make([]hostporttest.Line, n)
	for i := range lines {
		lines[i] = gen.Example(i)
	}
	return lines
}

// TestValidLineVariety checks, on a fixed set of draws, that the generators
// of valid lines draw each line ending, lines with and without verb or code,
// leading zeros, other delimiters, and every reply style.
func TestValidLineVariety(t *testing.T) {
	const n = 1000
	for f, gen := range perForm {
		t.Run(f.String(), func(t *testing.T) {
			notes := map[string]bool{}
			endings := map[string]bool{}
			var noVerb, lower, zeros, delim bool
			for _, l := range examples(gen, n) {
				notes[l.Note] = true
				switch {
				case strings.HasSuffix(l.Text, "\r\n"):
					endings["CRLF"] = true
				case strings.HasSuffix(l.Text, "\n"):
					endings["LF"] = true
				default:
					endings["none"] = true
				}
				text := strings.TrimRight(l.Text, "\r\n")
				verb := f.String()
				noVerb = noVerb || !strings.HasPrefix(strings.ToUpper(text), verb+" ")
				lower = lower || strings.HasPrefix(text, strings.ToLower(verb)+" ")
				zeros = zeros || leadingZero.MatchString(text)
				delim = delim || !strings.Contains(text, "|")
			}
			assert.Len(t, endings, 3)
			switch f {
			case hostport.FormPORT, hostport.FormEPRT, hostport.FormLPRT:
				assert.True(t, noVerb, "no line without verb")
				assert.True(t, lower, "no lower-case verb")
			case hostport.FormPASV:
				assert.Len(t, notes, 11, "227 styles: %v", notes)
			case hostport.FormLPSV:
				assert.Len(t, notes, 8, "228 styles: %v", notes)
			case hostport.FormEPSV:
				assert.Len(t, notes, 7, "229 styles: %v", notes)
			}
			assert.True(t, zeros, "no leading zeros")
			if f == hostport.FormEPRT || f == hostport.FormEPSV {
				assert.True(t, delim, "no delimiter other than '|'")
			}
		})
	}
}

// TestHostileLineVariety checks, on a fixed set of draws, that the hostile
// lines of every form come in every class the form can have and with many
// different faults.
func TestHostileLineVariety(t *testing.T) {
	const n = 2000
	wantClasses := map[hostport.Form][]error{
		hostport.FormPORT: {hostport.ErrSyntax, hostport.ErrRange},
		hostport.FormPASV: {hostport.ErrSyntax, hostport.ErrRange},
		hostport.FormEPRT: sentinels,
		hostport.FormEPSV: {hostport.ErrSyntax, hostport.ErrRange},
		hostport.FormLPRT: sentinels,
		hostport.FormLPSV: sentinels,
	}
	for _, f := range forms {
		t.Run(f.String(), func(t *testing.T) {
			classes := map[error]bool{}
			faults := map[string]bool{}
			var control bool
			for _, l := range examples(hostporttest.HostileLine(f), n) {
				classes[l.Err] = true
				faults[l.Note] = true
				body := strings.TrimSuffix(l.Text, "\n")
				body = strings.TrimSuffix(body, "\r")
				control = control || strings.ContainsAny(body, "\r\n\x00")
			}
			for _, c := range wantClasses[f] {
				assert.True(t, classes[c], "no line with class %v", c)
			}
			assert.Len(t, classes, len(wantClasses[f]))
			assert.GreaterOrEqual(t, len(faults), 15, "faults: %v", faults)
			assert.True(t, control, "no CR, LF or NUL inside")
		})
	}
}

func TestAddrPortGenerators(t *testing.T) {
	t.Run("AddrPort4", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			ap := hostporttest.AddrPort4().Draw(t, "addr-port")
			require.True(t, ap.Addr().Is4(), "%v", ap)
		})
	})
	t.Run("AddrPort6", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			ap := hostporttest.AddrPort6().Draw(t, "addr-port")
			require.True(t, ap.Addr().Is6(), "%v", ap)
			require.Empty(t, ap.Addr().Zone(), "%v", ap)
		})
	})
	t.Run("HostPort", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			hp := hostporttest.HostPort().Draw(t, "host-port")
			got, err := hostport.FromAddrPort(hp.AddrPort())
			require.NoError(t, err)
			require.Equal(t, hp, got)
		})
	})
	t.Run("variety", func(t *testing.T) {
		ports := map[uint16]bool{}
		var mapped, v4, v6 bool
		for i := range 500 {
			ports[hostporttest.Port().Example(i)] = true
			ap := hostporttest.AddrPort().Example(i)
			v4 = v4 || ap.Addr().Is4()
			v6 = v6 || ap.Addr().Is6()
			mapped = mapped || hostporttest.AddrPort6().Example(i).Addr().Is4In6()
		}
		for _, p := range []uint16{0, 1023, 1024, 65535} {
			assert.True(t, ports[p], "port %d never drawn", p)
		}
		assert.Greater(t, len(ports), 100)
		assert.True(t, v4 && v6, "AddrPort draws only one family")
		assert.True(t, mapped, "no IPv4-mapped address")
	})
}

// TestUnknownForm checks that the generators refuse a value that is none of
// the six forms.
func TestUnknownForm(t *testing.T) {
	assert.PanicsWithValue(t, "hostporttest: unknown Form(7)", func() { hostporttest.ValidLine(hostport.Form(7)) })
	assert.Panics(t, func() { hostporttest.HostileLine(hostport.FormPORT, 0) })
}

func TestHostileNeverValid(t *testing.T) {
	// A hostile line of one form is not a valid line of that form with the
	// same text: the generators of valid lines and the hostile ones do not
	// overlap, checked on a fixed set of draws.
	for _, f := range forms {
		valid := map[string]bool{}
		for _, l := range examples(hostporttest.ValidLine(f), 500) {
			valid[l.Text] = true
		}
		for _, l := range examples(hostporttest.HostileLine(f), 500) {
			assert.False(t, valid[l.Text], "%v: %q both valid and hostile", f, l.Text)
		}
	}
}

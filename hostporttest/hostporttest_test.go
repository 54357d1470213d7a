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

var forms = []hostporttest.Form{
	hostporttest.FormPORT, hostporttest.FormPASV, hostporttest.FormEPRT,
	hostporttest.FormEPSV, hostporttest.FormLPRT, hostporttest.FormLPSV,
}

var sentinels = []error{hostport.ErrSyntax, hostport.ErrRange, hostport.ErrFamily}

// perForm are the generators of valid lines of one form each.
var perForm = map[hostporttest.Form]*rapid.Generator[hostporttest.Line]{
	hostporttest.FormPORT: hostporttest.PORTCommand(),
	hostporttest.FormPASV: hostporttest.PASVReply(),
	hostporttest.FormEPRT: hostporttest.EPRTCommand(),
	hostporttest.FormEPSV: hostporttest.EPSVReply(),
	hostporttest.FormLPRT: hostporttest.LPRTCommand(),
	hostporttest.FormLPSV: hostporttest.LPSVReply(),
}

// checkValid checks that line is a valid line of form f that parses to its
// Want.
func checkValid(t *rapid.T, f hostporttest.Form, line hostporttest.Line) {
	require.Equal(t, f, line.Form, "%q", line.Text)
	require.NoError(t, line.Err, "%q", line.Text)
	got, err := f.Parse(line.Text)
	require.NoError(t, err, "%q (%s)", line.Text, line.Note)
	require.Equal(t, line.Want, got, "%q (%s)", line.Text, line.Note)
	if f == hostporttest.FormEPSV {
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
			line := hostporttest.ValidLine(hostporttest.FormEPSV, hostporttest.FormPASV).Draw(t, "line")
			require.Contains(t, []hostporttest.Form{hostporttest.FormEPSV, hostporttest.FormPASV}, line.Form)
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
func checkHostile(t *rapid.T, f hostporttest.Form, line hostporttest.Line) {
	require.Equal(t, f, line.Form, "%q", line.Text)
	require.Contains(t, sentinels, line.Err, "%q (%s)", line.Text, line.Note)
	require.Equal(t, netip.AddrPort{}, line.Want, "%q", line.Text)
	got, err := f.Parse(line.Text)
	require.Error(t, err, "%q (%s) parsed to %v", line.Text, line.Note, got)
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
			case hostporttest.FormPORT, hostporttest.FormEPRT, hostporttest.FormLPRT:
				assert.True(t, noVerb, "no line without verb")
				assert.True(t, lower, "no lower-case verb")
			case hostporttest.FormPASV:
				assert.Len(t, notes, 11, "227 styles: %v", notes)
			case hostporttest.FormLPSV:
				assert.Len(t, notes, 8, "228 styles: %v", notes)
			case hostporttest.FormEPSV:
				assert.Len(t, notes, 7, "229 styles: %v", notes)
			}
			assert.True(t, zeros, "no leading zeros")
			if f == hostporttest.FormEPRT || f == hostporttest.FormEPSV {
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
	wantClasses := map[hostporttest.Form][]error{
		hostporttest.FormPORT: {hostport.ErrSyntax, hostport.ErrRange},
		hostporttest.FormPASV: {hostport.ErrSyntax, hostport.ErrRange},
		hostporttest.FormEPRT: sentinels,
		hostporttest.FormEPSV: {hostport.ErrSyntax, hostport.ErrRange},
		hostporttest.FormLPRT: sentinels,
		hostporttest.FormLPSV: sentinels,
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

func TestFormParse(t *testing.T) {
	tests := []struct {
		form hostporttest.Form
		in   string
		want netip.AddrPort
	}{
		{hostporttest.FormPORT, "PORT 10,2,0,2,4,31", netip.MustParseAddrPort("10.2.0.2:1055")},
		{hostporttest.FormPASV, "227 Entering Passive Mode (192,0,2,1,4,1).", netip.MustParseAddrPort("192.0.2.1:1025")},
		{hostporttest.FormEPRT, "EPRT |2|1080::8:800:200C:417A|5282|", netip.MustParseAddrPort("[1080::8:800:200c:417a]:5282")},
		{hostporttest.FormEPSV, "229 Entering Extended Passive Mode (|||6446|)", netip.AddrPortFrom(netip.Addr{}, 6446)},
		{hostporttest.FormLPRT, "LPRT 4,4,192,0,2,1,2,4,31", netip.MustParseAddrPort("192.0.2.1:1055")},
		{hostporttest.FormLPSV, "228 Entering Long Passive Mode (4,4,192,0,2,1,2,4,31)", netip.MustParseAddrPort("192.0.2.1:1055")},
	}
	for _, tc := range tests {
		t.Run(tc.form.String(), func(t *testing.T) {
			got, err := tc.form.Parse(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			// Every other form's parser rejects the line, except that a
			// reply parser reads the text of a command with the same list
			// as a reply without code.
			for _, f := range forms {
				sameList := tc.form == hostporttest.FormPORT && f == hostporttest.FormPASV ||
					tc.form == hostporttest.FormLPRT && f == hostporttest.FormLPSV
				if f != tc.form && !sameList {
					_, err := f.Parse(tc.in)
					assert.Error(t, err, "%v read %q", f, tc.in)
				}
			}
		})
	}
	_, err := hostporttest.FormPORT.Parse("PORT 10,2,0,2,4,310")
	require.ErrorIs(t, err, hostport.ErrRange)
	assert.PanicsWithValue(t, "hostporttest: Parse of unknown Form(0)", func() {
		_, _ = hostporttest.Form(0).Parse("PORT 10,2,0,2,4,31")
	})
	assert.Panics(t, func() { hostporttest.ValidLine(hostporttest.Form(7)) })
	assert.Panics(t, func() { hostporttest.HostileLine(hostporttest.FormPORT, 0) })
}

func TestFormString(t *testing.T) {
	var got []string
	for _, f := range forms {
		got = append(got, f.String())
	}
	assert.Equal(t, []string{"PORT", "PASV", "EPRT", "EPSV", "LPRT", "LPSV"}, got)
	assert.Equal(t, "Form(0)", hostporttest.Form(0).String())
	assert.Equal(t, "Form(7)", hostporttest.Form(7).String())
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

package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/steptest"
	"github.com/hardsail/hardsail/tui/iostreams"
)

// stubbed is hardsail whose sessions are opened over one map step (steptest) in a state dir of the
// test's: each command's xRun runs as in production, without AWS or a host.
type stubbed struct {
	t    *testing.T
	step *steptest.MapStep
	dir  string
}

func newStubbed(t *testing.T) *stubbed {
	isolate(t)
	return &stubbed{t: t, dir: t.TempDir(), step: &steptest.MapStep{
		Name: "demo", RebootDefault: "02:00",
		Want: map[string]string{"port-22": "198.51.100.4/32", "motd": "hardened\n"}, Files: []string{"motd"},
		Live: map[string]string{"port-22": "0.0.0.0/0", "motd": "welcome\n"},
	}}
}

// open is the Factory's session opener over the map step, with the saved settings and the
// command's step flags over them, as newSession does.
func (st *stubbed) open(_ context.Context, o *sessionOptions, ids []string, withJournal bool) (*session, error) {
	selected, err := steps.Select([]steps.Step{st.step}, ids)
	if err != nil {
		return nil, err
	}
	s := &session{key: steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "WordPress-1"}}
	s.paths = steps.PathsFor(st.dir, s.key)
	saved, err := steps.LoadSettings(s.paths.Settings)
	if err != nil {
		return nil, err
	}
	settings, err := o.settings.over(saved)
	if err != nil {
		return nil, err
	}
	env := &steps.Env{Instance: s.key.Instance, Region: s.key.Region, Account: s.key.Account,
		Settings: steps.WithDefaults(settings, steps.OptionsOf(selected))}
	s.engine = &steps.Engine{Steps: selected, Env: env}
	if withJournal {
		j, err := steps.OpenJournal(s.paths)
		if err != nil {
			return nil, err
		}
		s.close = append(s.close, func() { j.Close() })
		s.engine.Journal, s.engine.SettingsPath = j, s.paths.Settings
	}
	return s, nil
}

func (st *stubbed) run(argv ...string) result {
	st.t.Helper()
	io, out, errOut := iostreams.Test("")
	f := newFactory(io)
	f.openSession = st.open
	code := runRoot(f, newRootCmd(f, nil), argv)
	return result{out.String(), errOut.String(), code}
}

func (st *stubbed) expect(code int, argv ...string) result {
	st.t.Helper()
	r := st.run(argv...)
	if r.code != code {
		st.t.Fatalf("hardsail %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(argv, " "), r.code, code, r.stdout, r.stderr)
	}
	return r
}

// verify, plan, apply and undo run through their xRun: the exit codes of the table, the step flags
// reaching the engine, the settings saved by apply read back by the next verify.
func TestStepCommandsRun(t *testing.T) {
	st := newStubbed(t)
	if r := st.expect(exitDrift, "plan"); !strings.Contains(r.stdout, "port-22") || strings.Contains(r.stdout, "WordPress-1") {
		t.Errorf("plan: want the preview without the header\n%s", r.stdout)
	}
	if r := st.expect(exitDrift, "verify"); !strings.Contains(r.stdout, "WordPress-1") {
		t.Errorf("verify: want the header naming the instance\n%s", r.stdout)
	}
	var rep struct {
		Command  string `json:"command"`
		Instance string `json:"instance"`
	}
	r := st.expect(exitDrift, "plan", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Command != "plan" || rep.Instance != "WordPress-1" {
		t.Errorf("plan --json: %+v, %v\n%s", rep, err, r.stdout)
	}
	st.expect(exitUsage, "apply")
	st.expect(exitOK, "apply", "--yes", "--reboot-time", "03:30")
	if got := st.step.Live["reboot-time"]; got != "03:30" {
		t.Errorf("apply --reboot-time 03:30: the step applied %q", got)
	}
	// The saved 03:30 is the target now: without it the default 02:00 would drift.
	st.expect(exitOK, "verify")
	st.expect(exitOK, "plan")
	st.expect(exitOK, "undo", "--all", "--yes")
	st.expect(exitDrift, "verify")
}

package steps_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/steptest"
)

func newMap() *steptest.MapStep {
	return &steptest.MapStep{
		Name:          "demo",
		RebootDefault: "02:00",
		Want:          map[string]string{"port-22": "198.51.100.4/32", "motd": "hardened\n"},
		Files:         []string{"motd"},
		Secret:        []string{"password"},
		Live:          map[string]string{"port-22": "0.0.0.0/0", "motd": "welcome\n"},
	}
}

type fixture struct {
	t     *testing.T
	paths steps.Paths
	step  *steptest.MapStep
	env   *steps.Env
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	k := steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "WordPress-1"}
	return &fixture{t: t, paths: steps.PathsFor(t.TempDir(), k), step: newMap(),
		env: &steps.Env{Instance: "WordPress-1", Settings: steps.Settings{}}}
}

func (f *fixture) engine() (*steps.Engine, func()) {
	f.t.Helper()
	j, err := steps.OpenJournal(f.paths)
	if err != nil {
		f.t.Fatal(err)
	}
	return &steps.Engine{Steps: []steps.Step{f.step}, Env: f.env, Journal: j, SettingsPath: f.paths.Settings}, func() { j.Close() }
}

func journalLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("journal line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestVerifyStatuses(t *testing.T) {
	cases := []struct {
		name   string
		live   map[string]string
		want   steps.Status
		detail string
	}{
		{"stock instance drifts", map[string]string{"port-22": "0.0.0.0/0"}, steps.StatusDrift, "2 to add, 1 to change, 0 to destroy"},
		{"hardened instance is ok", map[string]string{"port-22": "198.51.100.4/32", "motd": "hardened\n", "reboot-time": "02:00"}, steps.StatusOK, "compliant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.step.Live = tc.live
			e := &steps.Engine{Steps: []steps.Step{f.step}, Env: f.env}
			r := e.Verify(context.Background())
			if r[0].Status != tc.want || r[0].Detail != tc.detail {
				t.Fatalf("got %s %q, want %s %q", r[0].Status, r[0].Detail, tc.want, tc.detail)
			}
			if f.step.Mutations != 0 {
				t.Fatalf("verify mutated %d times", f.step.Mutations)
			}
		})
	}
}

func TestApplyJournalsBeforeMutating(t *testing.T) {
	f := newFixture(t)
	f.step.BeforeMutate = func(key string) {
		lines := journalLines(t, f.paths.Journal)
		last := lines[len(lines)-1]
		if last["type"] != "begin" || !strings.HasSuffix(last["address"].(string), "/"+key) {
			t.Errorf("mutation of %s not preceded by its begin line; last line %v", key, last)
		}
	}
	e, done := f.engine()
	defer done()
	out := e.Apply(context.Background(), e.Verify(context.Background()))
	if len(out) != 1 || out[0].Status != steps.StatusChanged {
		t.Fatalf("apply outcome %+v", out)
	}
	if got, _ := f.step.Get("port-22"); got != "198.51.100.4/32" {
		t.Fatalf("port-22 = %q after apply", got)
	}
	entries, err := steps.ReadJournal(f.paths.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("journal has %d entries, want 3", len(entries))
	}
	for _, en := range entries {
		if en.State != steps.EntryDone {
			t.Errorf("%s is %s, want done", en.Change.Address, en.State)
		}
	}
	st, err := os.Stat(f.paths.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode %v, want 0600", st.Mode().Perm())
	}
	if r := e.Verify(context.Background()); r[0].Status != steps.StatusOK {
		t.Fatalf("after apply verify says %s", r[0].Status)
	}
}

func TestApplyRefusesStalePlan(t *testing.T) {
	f := newFixture(t)
	e, done := f.engine()
	defer done()
	results := e.Verify(context.Background())
	f.step.Set("port-22", "203.0.113.9/32") // someone changed the firewall after the preview
	out := e.Apply(context.Background(), results)
	if out[0].Status != steps.StatusFailed || !strings.Contains(out[0].Detail, "changed since the preview") {
		t.Fatalf("outcome %+v, want failed stale plan", out[0])
	}
	if got, _ := f.step.Get("port-22"); got != "203.0.113.9/32" {
		t.Fatalf("stale apply changed port-22 to %q", got)
	}
	if f.step.Mutations != 0 {
		t.Fatalf("stale apply mutated %d times", f.step.Mutations)
	}
	if entries, _ := steps.ReadJournal(f.paths.Journal); len(entries) != 0 {
		t.Fatalf("stale apply journaled %d entries", len(entries))
	}
}

func TestInconsistentApplyFails(t *testing.T) {
	f := newFixture(t)
	f.step.Forget = "motd"
	e, done := f.engine()
	defer done()
	out := e.Apply(context.Background(), e.Verify(context.Background()))
	if out[0].Status != steps.StatusFailed || !strings.Contains(out[0].Detail, "inconsistent result after apply") {
		t.Fatalf("outcome %+v, want inconsistent result", out[0])
	}
}

func TestUndoRestoresAndIsJournaled(t *testing.T) {
	f := newFixture(t)
	before := map[string]string{"port-22": "0.0.0.0/0", "motd": "welcome\n"}
	e, done := f.engine()
	defer done()
	e.Apply(context.Background(), e.Verify(context.Background()))
	plan, err := e.UndoPlan()
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 3 || plan[0].Change.Address != "map:demo/reboot-time" {
		t.Fatalf("undo plan %d entries, first %q; want 3, newest (reboot-time) first", len(plan), plan[0].Change.Address)
	}
	out := e.Undo(context.Background(), plan)
	if out[0].Status != steps.StatusChanged {
		t.Fatalf("undo outcome %+v", out[0])
	}
	for k, v := range before {
		if got, _ := f.step.Get(k); got != v {
			t.Errorf("%s = %q after undo, want %q", k, got, v)
		}
	}
	if _, ok := f.step.Get("reboot-time"); ok {
		t.Error("reboot-time still exists after undo; it did not exist before")
	}
	entries, _ := steps.ReadJournal(f.paths.Journal)
	undone, undos := 0, 0
	for _, en := range entries {
		if en.State == steps.EntryUndone {
			undone++
		}
		if en.Undoes != "" && en.State == steps.EntryDone {
			undos++
		}
	}
	if undone != 3 || undos != 3 {
		t.Fatalf("journal: %d undone, %d undo entries; want 3 and 3", undone, undos)
	}
	if again, _ := e.UndoPlan(); len(again) != 0 {
		t.Fatalf("after undo, %d entries are still undoable", len(again))
	}
}

func TestUndoRefusesOverForeignChange(t *testing.T) {
	f := newFixture(t)
	e, done := f.engine()
	defer done()
	e.Apply(context.Background(), e.Verify(context.Background()))
	f.step.Set("port-22", "192.0.2.1/32")
	plan, _ := e.UndoPlan()
	out := e.Undo(context.Background(), plan)
	if out[0].Status != steps.StatusFailed || !strings.Contains(out[0].Detail, "changed since hardsail wrote it") {
		t.Fatalf("undo over a foreign change: %+v", out[0])
	}
	f.env.Force = true
	plan, _ = e.UndoPlan()
	if out := e.Undo(context.Background(), plan); out[0].Status != steps.StatusChanged {
		t.Fatalf("forced undo: %+v", out[0])
	}
	if got, _ := f.step.Get("port-22"); got != "0.0.0.0/0" {
		t.Fatalf("forced undo left port-22 = %q", got)
	}
}

func TestCrashAfterBeginIsInterruptedAndUndoable(t *testing.T) {
	f := newFixture(t)
	f.step.CrashAfterBegin = "port-22"
	e, done := f.engine()
	e.Apply(context.Background(), e.Verify(context.Background()))
	done() // the process "died": the lock goes with it

	entries, err := steps.ReadJournal(f.paths.Journal)
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, en := range entries {
		states = append(states, en.Change.Address+"="+string(en.State))
	}
	want := "map:demo/motd=done map:demo/port-22=interrupted"
	if strings.Join(states, " ") != want {
		t.Fatalf("journal states %v, want %s", states, want)
	}

	f.step.CrashAfterBegin = ""
	e2, done2 := f.engine()
	defer done2()
	plan, _ := e2.UndoPlan()
	if len(plan) != 2 {
		t.Fatalf("undo plan has %d entries, want 2 (done and interrupted)", len(plan))
	}
	if out := e2.Undo(context.Background(), plan); out[0].Status != steps.StatusChanged {
		t.Fatalf("undo after crash: %+v", out[0])
	}
	if got, _ := f.step.Get("motd"); got != "welcome\n" {
		t.Fatalf("motd = %q after undo", got)
	}
	if got, _ := f.step.Get("port-22"); got != "0.0.0.0/0" {
		t.Fatalf("port-22 = %q after undo", got)
	}
}

func TestSecondEngineGetsLockError(t *testing.T) {
	f := newFixture(t)
	_, done := f.engine()
	defer done()
	_, err := steps.OpenJournal(f.paths)
	var locked *steps.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second open: %v, want LockedError", err)
	}
	if locked.PID != os.Getpid() || !strings.Contains(err.Error(), "another hardsail run holds the lock (pid ") {
		t.Fatalf("lock error %q names pid %d", err, locked.PID)
	}
	if steps.HintOf(err) == "" {
		t.Fatal("lock error has no hint")
	}
}

func TestSecretsNeverReachTheJournal(t *testing.T) {
	const secret = "Zq8#secret-Pa55word!"
	f := newFixture(t)
	f.step.Want["password"] = secret
	e, done := f.engine()
	defer done()
	results := e.Verify(context.Background())
	e.Apply(context.Background(), results)
	plan, _ := e.UndoPlan()
	e.Undo(context.Background(), plan)
	b, err := os.ReadFile(f.paths.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secret) {
		t.Fatal("the secret reached the journal file")
	}
	if !strings.Contains(string(b), steps.SensitiveValue) {
		t.Fatal("the sensitive change was not journaled as (sensitive value)")
	}
}

func TestSettingsSavedOnApplyAreWhatVerifyUses(t *testing.T) {
	f := newFixture(t)
	f.env.Settings = steps.Settings{RebootTime: "04:30"}
	e, done := f.engine()
	e.Apply(context.Background(), e.Verify(context.Background()))
	done()

	saved, err := steps.LoadSettings(f.paths.Settings)
	if err != nil {
		t.Fatal(err)
	}
	// A later run with no flags reads the saved settings, so it reports ok rather than drift from 02:00.
	later := &steps.Engine{Steps: []steps.Step{f.step}, Env: &steps.Env{Settings: saved}}
	if r := later.Verify(context.Background()); r[0].Status != steps.StatusOK {
		t.Fatalf("verify without flags after apply with --reboot-time 04:30: %s %s", r[0].Status, r[0].Detail)
	}
	defaults := &steps.Engine{Steps: []steps.Step{f.step}, Env: &steps.Env{Settings: steps.Settings{}}}
	if r := defaults.Verify(context.Background()); r[0].Status != steps.StatusDrift {
		t.Fatalf("verify against built-in defaults should drift, got %s", r[0].Status)
	}
}

func TestSelectUnknownStepIsUsageError(t *testing.T) {
	_, err := steps.Select([]steps.Step{newMap()}, []string{"firewal"})
	var ue *steps.UsageError
	if !errors.As(err, &ue) || !strings.Contains(steps.HintOf(err), "demo") {
		t.Fatalf("select unknown: %v (hint %q)", err, steps.HintOf(err))
	}
}

// snapshotter is a Preparer that records when it ran, relative to the step's mutations.
type snapshotter struct {
	step  *steptest.MapStep
	ran   int
	seenM int
	err   error
}

func (s *snapshotter) ID() string { return "snapshot" }

func (s *snapshotter) Prepare(ctx context.Context, env *steps.Env, rec *steps.Recorder) (steps.Report, error) {
	s.ran++
	s.seenM = s.step.Mutations
	return steps.Report{Detail: "snapshot taken"}, s.err
}

func TestPrepareRunsOnceBeforeTheFirstChange(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		want    []steps.Status
		mutated bool
	}{
		{"snapshot taken, then the step", nil, []steps.Status{steps.StatusChanged, steps.StatusChanged}, true},
		{"snapshot failed, nothing changed", errors.New("snapshot quota reached"), []steps.Status{steps.StatusFailed, steps.StatusSkipped}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			e, done := f.engine()
			defer done()
			p := &snapshotter{step: f.step, err: tc.err}
			e.Prepare = p
			outs := e.Apply(context.Background(), e.Verify(context.Background()))
			var got []steps.Status
			for _, o := range outs {
				got = append(got, o.Status)
			}
			if p.ran != 1 || p.seenM != 0 || !slices.Equal(got, tc.want) {
				t.Fatalf("prepare ran %d times after %d mutations; outcomes %v, want %v", p.ran, p.seenM, got, tc.want)
			}
			if (f.step.Mutations > 0) != tc.mutated {
				t.Fatalf("step mutations %d, want mutated=%v", f.step.Mutations, tc.mutated)
			}
		})
	}
}

func TestPrepareSkippedWhenNothingChanges(t *testing.T) {
	f := newFixture(t)
	e, done := f.engine()
	defer done()
	e.Apply(context.Background(), e.Verify(context.Background()))
	p := &snapshotter{step: f.step}
	e.Prepare = p
	if outs := e.Apply(context.Background(), e.Verify(context.Background())); len(outs) != 0 || p.ran != 0 {
		t.Fatalf("a compliant run took a snapshot (%d) or applied %v", p.ran, outs)
	}
}

// costly refuses to go ahead unless the cost was accepted.
type costly struct{ *steptest.MapStep }

func (c costly) Preflight(ctx context.Context, env *steps.Env, p steps.Plan) error {
	if !env.AcceptCost {
		return &steps.UsageError{Msg: "this costs money", Hint: "pass --accept-cost"}
	}
	return nil
}

func TestPreflightRefusalChangesNothing(t *testing.T) {
	for _, accept := range []bool{false, true} {
		f := newFixture(t)
		other := newMap()
		other.Name = "other"
		f.env.AcceptCost = accept
		j, err := steps.OpenJournal(f.paths)
		if err != nil {
			t.Fatal(err)
		}
		p := &snapshotter{step: f.step}
		e := &steps.Engine{Steps: []steps.Step{other, costly{f.step}}, Env: f.env, Journal: j, Prepare: p}
		rs := e.Verify(context.Background())
		perr := e.Preflight(context.Background(), rs)
		outs := e.Apply(context.Background(), rs)
		j.Close()
		changed := other.Mutations + f.step.Mutations + p.ran
		if accept != (perr == nil) || accept != (changed > 0) {
			t.Fatalf("accept=%v: preflight %v, %d changes, outcomes %+v", accept, perr, changed, outs)
		}
		if !accept && (outs[0].Status != steps.StatusSkipped || outs[1].Status != steps.StatusFailed || !strings.Contains(outs[1].Detail, "costs money")) {
			t.Fatalf("refused run reported %+v", outs)
		}
	}
}

// scripted is a MapStep whose Apply reports what the test says, so the tests can see that the
// engine alone turns a Report and an error into a status.
type scripted struct {
	*steptest.MapStep
	rep steps.Report
	err error
	// fnErr, when set, is what the first change's fn returns, after changing the value when acted.
	fnErr error
	acted bool
	// pending is what Check says it waits for, once the plan is empty.
	pending string
	applies int
}

func (s *scripted) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st, err := s.MapStep.Check(ctx, env)
	st.Pending = s.pending
	return st, err
}

func (s *scripted) Apply(ctx context.Context, env *steps.Env, live steps.State, p steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	s.applies++
	if s.fnErr == nil {
		if _, err := s.MapStep.Apply(ctx, env, live, p, rec); err != nil {
			return steps.Report{}, err
		}
		return s.rep, s.err
	}
	c := p.Changes[0]
	key := strings.TrimPrefix(c.Address, "map:"+s.Name+"/")
	err := rec.Do(ctx, c, map[string]any{"key": key, "existed": true}, func(context.Context) error {
		if s.acted {
			s.Set(key, c.After) // the request acted, and then its answer was lost
			s.Mutations++
		}
		return s.fnErr
	})
	return s.rep, err
}

// Options let the step resolve --reboot-time, for Report.Resolved.
func (s *scripted) Options() []steps.Option {
	return []steps.Option{{Flag: "reboot-time", Get: func(st steps.Settings) string { return st.RebootTime },
		Set: func(st *steps.Settings, v string) error { st.RebootTime = v; return nil }}}
}

// hinted is an error with a fix.
type hinted struct{ msg, hint string }

func (e *hinted) Error() string    { return e.msg }
func (e *hinted) HintText() string { return e.hint }

func TestEngineAloneDecidesStatus(t *testing.T) {
	for _, tc := range []struct {
		name    string
		s       scripted
		status  steps.Status
		detail  string
		fix     string
		secrets bool
	}{
		{name: "a report is changed, with its detail and secrets", s: scripted{rep: steps.Report{Detail: "wrote it", Secrets: map[string]string{"pw": "s3cret"}}},
			status: steps.StatusChanged, detail: "wrote it", secrets: true},
		{name: "still awaited after apply is pending, with what is awaited", s: scripted{rep: steps.Report{Detail: "requested"}, pending: "certificate awaits DNS"},
			status: steps.StatusPending, detail: "requested; certificate awaits DNS", fix: "hardsail apply demo"},
		{name: "an error is failed, with its hint as the fix", s: scripted{rep: steps.Report{Detail: "half done"}, err: &hinted{"quota reached", "Ask AWS for more."}},
			status: steps.StatusFailed, detail: "half done; quota reached", fix: "Ask AWS for more."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			st := tc.s
			st.MapStep = f.step
			e, done := f.engine()
			defer done()
			e.Steps = []steps.Step{&st}
			rs := e.Verify(context.Background())
			if rs[0].Status != steps.StatusDrift {
				t.Fatalf("verify %s, want drift before apply", rs[0].Status)
			}
			out := e.Apply(context.Background(), rs)
			if len(out) != 1 || out[0].Status != tc.status || out[0].Detail != tc.detail || out[0].Fix != tc.fix {
				t.Fatalf("outcome %+v, want %s %q fix %q", out, tc.status, tc.detail, tc.fix)
			}
			if got := out[0].Secrets["pw"] == "s3cret"; got != tc.secrets {
				t.Errorf("secrets %v reached the outcome: %v, want %v", out[0].Secrets, got, tc.secrets)
			}
		})
	}
}

// oneWayUndo cannot reverse its changes: it closes them and says what to do by hand.
type oneWayUndo struct{ *steptest.MapStep }

func (o oneWayUndo) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	for _, e := range entries {
		if err := rec.Reverse(ctx, e, steps.Change{Action: steps.Update, Address: e.Change.Address, Why: "cannot be reversed"}, nil, nil); err != nil {
			return steps.Report{}, err
		}
	}
	return steps.Report{Detail: "kept 3 values", Manual: "delete them by hand"}, nil
}

// declining is a Preparer the user said no to.
type declining struct{ ran int }

func (d *declining) ID() string { return "snapshot" }
func (d *declining) Prepare(context.Context, *steps.Env, *steps.Recorder) (steps.Report, error) {
	d.ran++
	return steps.Report{Manual: "no snapshot taken: you chose to go on without one"}, nil
}

func TestManualIsSkipped(t *testing.T) {
	f := newFixture(t)
	e, done := f.engine()
	defer done()
	p := &declining{}
	e.Prepare = p
	e.Steps = []steps.Step{oneWayUndo{f.step}}
	out := e.Apply(context.Background(), e.Verify(context.Background()))
	if len(out) != 2 || out[0].Status != steps.StatusSkipped || out[0].Detail != "no snapshot taken: you chose to go on without one" || out[1].Status != steps.StatusChanged {
		t.Fatalf("a declined preparation gave %+v, want it skipped and the step still applied", out)
	}
	plan, _ := e.UndoPlan()
	undo := e.Undo(context.Background(), plan)
	if len(undo) != 1 || undo[0].Status != steps.StatusSkipped || undo[0].Detail != "kept 3 values; delete them by hand" {
		t.Fatalf("an undo with Manual gave %+v, want skipped with the detail and what to do by hand", undo)
	}
	if again, _ := e.UndoPlan(); len(again) != 0 {
		t.Errorf("the entries closed with Manual are still offered for undo: %d", len(again))
	}
}

// partUndo reverses the first entry and leaves the rest to the user.
type partUndo struct{ *steptest.MapStep }

func (p partUndo) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	for i, e := range entries {
		var fn func(context.Context) error
		if i == 0 {
			fn = func(context.Context) error { return nil }
		}
		if err := rec.Reverse(ctx, e, steps.Change{Action: steps.Update, Address: e.Change.Address, Why: "undo"}, nil, fn); err != nil {
			return steps.Report{}, err
		}
	}
	return steps.Report{Detail: "put one back", Manual: "delete the rest by hand"}, nil
}

// An undo that reversed something and left the rest to the user changed the world: it is not
// reported as skipped.
func TestPartialManualUndoIsChanged(t *testing.T) {
	f := newFixture(t)
	e, done := f.engine()
	defer done()
	e.Steps = []steps.Step{partUndo{f.step}}
	e.Apply(context.Background(), e.Verify(context.Background()))
	plan, _ := e.UndoPlan()
	undo := e.Undo(context.Background(), plan)
	if len(undo) != 1 || undo[0].Status != steps.StatusChanged || undo[0].Detail != "put one back; delete the rest by hand" {
		t.Fatalf("a partly manual undo gave %+v, want changed with what is left to do", undo)
	}
}

func TestStalePlanRefusedBeforeApplyIsCalled(t *testing.T) {
	f := newFixture(t)
	st := &scripted{MapStep: f.step}
	e, done := f.engine()
	defer done()
	e.Steps = []steps.Step{st}
	rs := e.Verify(context.Background())
	f.step.Set("motd", "edited by hand\n")
	out := e.Apply(context.Background(), rs)
	if out[0].Status != steps.StatusFailed || out[0].Detail != (&steps.StalePlanError{Step: "demo"}).Error() || out[0].Fix != (&steps.StalePlanError{Step: "demo"}).HintText() {
		t.Fatalf("outcome %+v, want the stale plan refused with its hint", out[0])
	}
	if st.applies != 0 {
		t.Fatalf("Apply was called %d time(s) for a stale plan", st.applies)
	}
}

func TestInconsistentResultIsAnInconsistentError(t *testing.T) {
	f := newFixture(t)
	f.step.Forget = "motd"
	e, done := f.engine()
	defer done()
	out := e.Apply(context.Background(), e.Verify(context.Background()))
	want := &steps.InconsistentError{Step: "demo", Remains: []steps.Change{{Address: "map:demo/motd"}}}
	if out[0].Status != steps.StatusFailed || out[0].Detail != want.Error() || out[0].Fix != want.HintText() {
		t.Fatalf("outcome %+v, want %q with hint %q", out[0], want.Error(), want.HintText())
	}
	// What was done is journaled done, so undo can reverse it.
	if plan, _ := e.UndoPlan(); len(plan) != 3 {
		t.Errorf("undo plan has %d entries after an inconsistent apply, want 3", len(plan))
	}
}

func TestResolvedSavedOnlyWhenApplySucceeds(t *testing.T) {
	resolved := map[string]string{"reboot-time": "04:45"}
	for _, tc := range []struct {
		name   string
		s      scripted
		forget string
		saved  bool
	}{
		{name: "applied: saved", s: scripted{rep: steps.Report{Resolved: resolved}}, saved: true},
		{name: "apply failed: not saved", s: scripted{rep: steps.Report{Resolved: resolved}, err: errors.New("boom")}},
		{name: "inconsistent: not saved", s: scripted{rep: steps.Report{Resolved: resolved}}, forget: "motd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.step.Forget = tc.forget
			st := tc.s
			st.MapStep = f.step
			e, done := f.engine()
			defer done()
			e.Steps = []steps.Step{&st}
			e.Apply(context.Background(), e.Verify(context.Background()))
			got, err := steps.LoadSettings(f.paths.Settings)
			if err != nil {
				t.Fatal(err)
			}
			if saved := got.RebootTime == "04:45"; saved != tc.saved {
				t.Fatalf("saved settings %+v: resolved saved %v, want %v", got, saved, tc.saved)
			}
			if _, err := os.Stat(f.paths.Settings); (err == nil) != tc.saved {
				t.Errorf("settings file present: %v, want %v", err == nil, tc.saved)
			}
		})
	}
}

func TestChangeErrorsAreJournaledUnknownOrFailed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		acted   bool
		state   steps.EntryState
		offered bool
	}{
		{"an error that may have acted is unknown, and undo offers it", errors.New("connection reset by peer"), true, steps.EntryUnknown, true},
		{"a Definite error is failed, and undo has nothing to do", steps.Definite(errors.New("refused: bad input")), false, steps.EntryFailed, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			st := &scripted{MapStep: f.step, fnErr: tc.err, acted: tc.acted}
			e, done := f.engine()
			defer done()
			e.Steps = []steps.Step{st}
			out := e.Apply(context.Background(), e.Verify(context.Background()))
			if out[0].Status != steps.StatusFailed || !strings.Contains(out[0].Detail, tc.err.Error()) {
				t.Fatalf("outcome %+v, want failed naming %v", out[0], tc.err)
			}
			entries, _ := steps.ReadJournal(f.paths.Journal)
			if len(entries) != 1 || entries[0].State != tc.state || entries[0].Error != tc.err.Error() {
				t.Fatalf("journal %+v, want one %s entry with the error", entries, tc.state)
			}
			plan, _ := e.UndoPlan()
			if offered := len(plan) == 1 && plan[0].ID == entries[0].ID; offered != tc.offered {
				t.Fatalf("undo plan %+v: offers the entry %v, want %v", plan, offered, tc.offered)
			}
			if !tc.offered {
				if got, _ := f.step.Get("motd"); got != "welcome\n" {
					t.Errorf("motd %q after a change that failed definitely", got)
				}
				return
			}
			if u := e.Undo(context.Background(), plan); u[0].Status != steps.StatusChanged {
				t.Fatalf("undo of the unknown entry: %+v", u)
			}
			if got, _ := f.step.Get("motd"); got != "welcome\n" {
				t.Errorf("motd %q after undoing the unknown change, want it as it was", got)
			}
		})
	}
}

// gate is a firewall stand-in: its state explains an unreachable host while its port-22 is not
// what it wants.
type gate struct{ *steptest.MapStep }

func (g gate) ExplainUnreachable(st steps.State, _ *sshhost.ConnectError) (string, bool) {
	if v, _ := g.Get("port-22"); v != g.Want["port-22"] {
		return "SSH is closed to this computer", true
	}
	return "", false
}

// behind is a host step that cannot be reached until the gate is open.
type behind struct {
	*steptest.MapStep
	gate *steptest.MapStep
}

func (b behind) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	if v, _ := b.gate.Get("port-22"); v != b.gate.Want["port-22"] {
		return steps.State{}, &sshhost.ConnectError{Addr: "192.0.2.1:22", Err: io.EOF, Unreached: true}
	}
	return b.MapStep.Check(ctx, env)
}

// TestUnreachableStepIsCheckedAgainAfterTheGateOpens: verify explains the unreachable step and names
// the gate's apply; apply applies the gate, checks the step again and applies it, in one run.
func TestUnreachableStepIsCheckedAgainAfterTheGateOpens(t *testing.T) {
	for _, withGate := range []bool{true, false} {
		f := newFixture(t)
		g := newMap()
		g.Name = "gate"
		host := behind{MapStep: f.step, gate: g}
		e, done := f.engine()
		e.Steps = []steps.Step{host}
		if withGate {
			e.Steps = []steps.Step{gate{g}, host}
		}
		rs := e.Verify(context.Background())
		r := rs[len(rs)-1]
		todo, bad := steps.ToApply(rs)
		if !withGate {
			if r.Status != steps.StatusUnknown || r.WaitsFor != "" || !bad {
				t.Fatalf("no gate: %+v, bad %v; want unknown, unexplained, bad", r, bad)
			}
			done()
			continue
		}
		if r.Status != steps.StatusUnknown || r.WaitsFor != "gate" || r.Fix != "hardsail apply gate" ||
			!strings.Contains(r.Detail, "SSH is closed to this computer") || bad || len(todo) != 2 {
			t.Fatalf("verify: %+v, bad %v, %d to do; want unknown, explained by the gate, not bad", r, bad, len(todo))
		}
		outs := e.Apply(context.Background(), todo)
		done()
		if len(outs) != 2 || outs[0].Step != "gate" || outs[1].Step != "demo" ||
			outs[0].Status != steps.StatusChanged || outs[1].Status != steps.StatusChanged {
			t.Fatalf("apply: %+v; want the gate, then the step behind it, both changed", outs)
		}
		if v, _ := f.step.Get("motd"); v != "hardened\n" {
			t.Errorf("the step behind the gate was not applied: motd %q", v)
		}
	}
}

// leavingOnCancel is a step whose apply is cut short by a cancel of the run during its wait (Ctrl-C):
// it leaves the wait, reports pending with no error, and its Check needs a live context.
type leavingOnCancel struct {
	scripted
	cancel context.CancelCauseFunc
}

func (s *leavingOnCancel) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	if err := ctx.Err(); err != nil {
		return steps.State{}, err
	}
	return s.scripted.Check(ctx, env)
}

func (s *leavingOnCancel) Apply(ctx context.Context, env *steps.Env, live steps.State, p steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	rep, err := s.scripted.Apply(ctx, env, live, p, rec)
	s.cancel(errors.New("SIGINT received"))
	return rep, err
}

// A run cancelled while a step waits: the step that left its wait is pending (checked after on a
// context of its own), and the steps after it are not applied, saying why.
func TestCancelDuringAWaitIsPendingAndStopsTheRun(t *testing.T) {
	f := newFixture(t)
	e, done := f.engine()
	defer done()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	first := &leavingOnCancel{scripted: scripted{MapStep: f.step, rep: steps.Report{Detail: "made it"}, pending: "certificate awaits DNS"}, cancel: cancel}
	second := &steptest.MapStep{Name: "second", Want: map[string]string{"k": "new"}, Live: map[string]string{"k": "old"}}
	e.Steps = []steps.Step{first, second}
	out := e.Apply(ctx, e.Verify(ctx))
	if len(out) != 2 || out[0].Status != steps.StatusPending || out[1].Status != steps.StatusSkipped ||
		!strings.Contains(out[1].Detail, "the run was cancelled (SIGINT received)") {
		t.Fatalf("outcomes %+v, want the first pending and the second skipped as cancelled", out)
	}
	if second.Mutations != 0 {
		t.Errorf("the step after the cancel changed %d things", second.Mutations)
	}
}

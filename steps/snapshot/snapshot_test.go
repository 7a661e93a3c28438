package snapshot_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/snapshot"
	"github.com/hardsail/hardsail/steps/steptest"
)

const instance = "WordPress-1"

// asker answers Confirm with the scripted answers in order and records the questions.
type asker struct {
	mu        sync.Mutex
	answers   []bool
	questions []string
}

func (a *asker) Confirm(_ context.Context, q string, def bool) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.questions = append(a.questions, q)
	if len(a.answers) == 0 {
		return def, nil
	}
	v := a.answers[0]
	a.answers = a.answers[1:]
	return v, nil
}

func (a *asker) Input(context.Context, string, func(string) error) (string, error) { return "", nil }
func (a *asker) Show(context.Context, string, string) error                        { return nil }

func lightsailOf(w *world.World) *lightsail.Client { return lightsail.NewFromConfig(w.Em.AWSConfig()) }

// served is the world with the emulator's call log, so the harness holds the command log to
// every operation the emulator served.
type served struct{ *world.World }

func (w served) AWSCalls(*testing.T) []string {
	var out []string
	for _, c := range w.Em.Calls() {
		out = append(out, c.Service+"."+c.Action)
	}
	return out
}

func TestConformance(t *testing.T) {
	conformance(t, world.New(t, world.Options{Settings: steps.Settings{AutoSnapshot: true}}))
}

// TestConformanceOnLightsail: the step is AWS-only, so a fresh Lightsail-packaged instance, whose
// port 22 admits only lightsail-connect (no host bound: nothing could be reached over SSH anyway),
// holds the same contract.
func TestConformanceOnLightsail(t *testing.T) {
	w := world.New(t, world.Options{Blueprint: world.Lightsail, Settings: steps.Settings{AutoSnapshot: true}})
	if in := w.Em.State().Instances[0]; in.Username != "admin" || len(in.AddOns) != 0 {
		t.Fatalf("the scenario's instance: user %q, add-ons %+v; want a fresh Lightsail-packaged one", in.Username, in.AddOns)
	}
	conformance(t, w)
}

func conformance(t *testing.T, w *world.World) {
	t.Helper()
	steptest.Conformance(t, steptest.Case{
		Step:  snapshot.New(),
		World: served{w},
		AWS:   true,
		// A cancel while Lightsail enables the add-on: the entry is unknown, undo turns it off.
		CancelAt: steps.EventWait,
		Perturb: func(t *testing.T) {
			// Someone turns automatic snapshots on in the console after the preview.
			_, err := lightsailOf(w).EnableAddOn(t.Context(), &lightsail.EnableAddOnInput{ResourceName: aws.String(instance),
				AddOnRequest: &types.AddOnRequest{AddOnType: types.AddOnTypeAutoSnapshot}})
			if err != nil {
				t.Fatal(err)
			}
		},
	})
}

func TestPlan(t *testing.T) {
	cases := []struct {
		name     string
		on       bool
		want     bool
		changes  int
		costNote bool
	}{
		{name: "off and not asked for: nothing to do"},
		{name: "off and asked for: enable it, with the price", want: true, changes: 1, costNote: true},
		{name: "on: nothing to do", on: true},
		{name: "on and asked for: nothing to do", on: true, want: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := snapshot.New().Plan(steps.State{Facts: snapshot.Facts{Instance: instance, AutoSnapshot: tc.on}}, steps.Settings{AutoSnapshot: tc.want})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Changes) != tc.changes {
				t.Fatalf("changes %+v, want %d", p.Changes, tc.changes)
			}
			if tc.changes > 0 && (p.Changes[0].Address != "lightsail:WordPress-1/add-on/AutoSnapshot" || p.Changes[0].Action != steps.Create) {
				t.Errorf("change %+v", p.Changes[0])
			}
			if got := slices.ContainsFunc(p.Notes, func(n string) bool { return strings.Contains(n, "$0.05 per GB-month") && strings.Contains(n, "2026") }); got != tc.costNote {
				t.Errorf("notes %q, want the dated price: %v", p.Notes, tc.costNote)
			}
		})
	}
}

func TestPlanFromJSONFacts(t *testing.T) {
	// Facts that went through JSON (a saved preview) still plan.
	p, err := snapshot.New().Plan(steps.State{Step: "snapshot", Facts: map[string]any{"instance": instance, "auto_snapshot": false}}, steps.Settings{AutoSnapshot: true})
	if err != nil || len(p.Changes) != 1 {
		t.Fatalf("plan %+v, %v", p, err)
	}
	if _, err := snapshot.New().Plan(steps.State{Step: "snapshot", Facts: "not facts"}, steps.Settings{}); err == nil {
		t.Error("plan from facts of another shape: no error")
	}
}

func TestCheckFindings(t *testing.T) {
	cases := []struct {
		name    string
		on      bool
		want    bool
		finding bool
	}{
		{name: "off and not asked for: a finding with the fix", finding: true},
		{name: "off and asked for: the plan enables it, no finding", want: true},
		{name: "on: no finding", on: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := world.New(t, world.Options{Settings: steps.Settings{AutoSnapshot: tc.want}})
			if tc.on {
				_, err := lightsailOf(w).EnableAddOn(t.Context(), &lightsail.EnableAddOnInput{ResourceName: aws.String(instance),
					AddOnRequest: &types.AddOnRequest{AddOnType: types.AddOnTypeAutoSnapshot}})
				if err != nil {
					t.Fatal(err)
				}
			}
			st, err := snapshot.New().Check(t.Context(), w.Env(t))
			if err != nil {
				t.Fatal(err)
			}
			if got := len(st.Findings) == 1 && st.Findings[0].Fix == "hardsail apply snapshot --auto-snapshot" &&
				strings.Contains(st.Findings[0].Message, "No automatic snapshots"); got != tc.finding {
				t.Errorf("findings %+v, want the no-automatic-snapshots finding: %v", st.Findings, tc.finding)
			}
			if f, err := steps.FactsOf[snapshot.Facts](st); err != nil || f.AutoSnapshot != tc.on {
				t.Errorf("facts %+v (%v), want auto snapshot %v", f, err, tc.on)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	opts := snapshot.New().Options()
	if len(opts) != 1 || opts[0].Flag != "auto-snapshot" || opts[0].Kind != steps.OptionSwitch || opts[0].Usage == "" || opts[0].Default != "" {
		t.Fatalf("options %+v, want one switch --auto-snapshot, off by default", opts)
	}
	o := opts[0]
	for _, v := range []string{"true", "yes", "on", "1"} {
		var s steps.Settings
		if err := o.Set(&s, v); err != nil || !s.AutoSnapshot || o.Get(s) != "true" {
			t.Errorf("Set(%q): %+v, %v", v, s, err)
		}
	}
	s := steps.Settings{AutoSnapshot: true}
	if err := o.Set(&s, "false"); err != nil || s.AutoSnapshot || o.Get(s) != "" {
		t.Errorf("Set(false): %+v, %v", s, err)
	}
	err := o.Set(&s, "daily")
	var ue *steps.UsageError
	if !errors.As(err, &ue) || !strings.Contains(ue.Msg, `--auto-snapshot "daily"`) || !strings.Contains(ue.Hint, "--auto-snapshot") {
		t.Errorf("Set(daily): %v, want a usage error naming the flag with a hint", err)
	}
	if err := steps.ValidateSettings(steps.Settings{AutoSnapshot: true}, opts); err != nil {
		t.Errorf("validate: %v", err)
	}
}

func TestName(t *testing.T) {
	at := time.Date(2026, 3, 1, 13, 4, 5, 0, time.FixedZone("CET", 3600))
	if got := snapshot.Name("WordPress-1", at); got != "hardsail-WordPress-1-20260301-120405" {
		t.Errorf("name %q, want the UTC time", got)
	}
	if got := snapshot.Name("my.site", at); got != "hardsail-my-site-20260301-120405" {
		t.Errorf("name %q: a dot is not allowed in a snapshot name", got)
	}
}

type fixture struct {
	w      *world.World
	env    *steps.Env
	eng    *steps.Engine
	events []steps.Event
	mu     sync.Mutex
}

func newFixture(t *testing.T, ask steps.Asker) *fixture {
	t.Helper()
	w := world.New(t, world.Options{})
	f := &fixture{w: w, env: w.Env(t)}
	f.env.Now = func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	f.env.Ask = ask
	f.env.Observer = steps.ObserverFunc(func(e steps.Event) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.events = append(f.events, e)
	})
	j, err := steps.OpenJournal(steps.PathsFor(t.TempDir(), steps.Key{Account: "123456789012", Region: "us-east-1", Instance: instance}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	f.eng = &steps.Engine{Steps: []steps.Step{snapshot.New()}, Env: f.env, Journal: j}
	return f
}

// rec is a recorder of the snapshot step's changes into the fixture's journal.
func (f *fixture) rec() *steps.Recorder { return steps.NewRecorder(f.eng.Journal, f.env, "snapshot") }

// userSnapshot is a snapshot the user made in the console, which hardsail must never delete.
func (f *fixture) userSnapshot(t *testing.T) {
	t.Helper()
	_, err := lightsailOf(f.w).CreateInstanceSnapshot(t.Context(), &lightsail.CreateInstanceSnapshotInput{
		InstanceName: aws.String(instance), InstanceSnapshotName: aws.String("my-backup")})
	if err != nil {
		t.Fatal(err)
	}
}

// snapshots are the emulator's snapshots as "name state".
func (f *fixture) snapshots() []string {
	var out []string
	for _, s := range f.w.Em.State().Snapshots {
		out = append(out, s.Name+" "+s.State)
	}
	slices.Sort(out)
	return out
}

const taken = "hardsail-WordPress-1-20260301-120000"

func TestPrepareTakesSnapshotAndUndoKeepsIt(t *testing.T) {
	ask := &asker{answers: []bool{true, true}}
	f := newFixture(t, ask)
	f.userSnapshot(t)
	rep, err := snapshot.New().Prepare(t.Context(), f.env, f.rec())
	if err != nil || rep.Manual != "" || rep.Detail != "snapshot "+taken+" is available" {
		t.Fatalf("prepare: %+v, %v", rep, err)
	}
	if got := f.snapshots(); !slices.Equal(got, []string{taken + " available", "my-backup available"}) {
		t.Fatalf("snapshots after prepare %q, want %s available beside the user's", got, taken)
	}
	rs := f.eng.Verify(t.Context())
	if !slices.Contains(rs[0].Plan.Notes, "WordPress-1 has 2 snapshot(s); the newest is "+taken+" (available, 40 GB).") {
		t.Errorf("verify notes %q do not name the newest snapshot", rs[0].Plan.Notes)
	}
	if len(ask.questions) != 1 || !strings.Contains(ask.questions[0], taken) || !strings.Contains(ask.questions[0], "$0.05 per GB-month") {
		t.Errorf("questions %q, want one naming the snapshot and its price", ask.questions)
	}
	waits := slices.ContainsFunc(f.events, func(e steps.Event) bool { return e.Kind == steps.EventWait && e.Step == "snapshot" })
	if !waits {
		t.Error("no wait progress event while the snapshot was being made")
	}
	entries, _ := f.eng.Journal.Entries()
	if len(entries) != 1 || entries[0].State != steps.EntryDone || !strings.Contains(string(entries[0].Data), taken) {
		t.Fatalf("journal %+v, want one done entry naming the snapshot", entries)
	}

	undo, err := f.eng.UndoPlan()
	if err != nil || len(undo) != 1 {
		t.Fatalf("undo plan %+v, %v", undo, err)
	}
	mutating := len(f.w.Em.MutatingCalls())
	outs := f.eng.Undo(t.Context(), undo)
	if len(outs) != 1 || outs[0].Status != steps.StatusSkipped || !strings.Contains(outs[0].Detail, "does not delete snapshots, so snapshot "+taken+" of WordPress-1 stays") ||
		!strings.Contains(outs[0].Detail, "$0.05 per GB-month") {
		t.Fatalf("undo: %+v, want skipped, saying the snapshot stays, how to delete it and what it costs", outs)
	}
	if got := f.snapshots(); !slices.Equal(got, []string{taken + " available", "my-backup available"}) {
		t.Errorf("snapshots after undo %q, want both kept", got)
	}
	if n := len(f.w.Em.MutatingCalls()); n != mutating {
		t.Errorf("undo made %d mutating call(s); it deletes no snapshot", n-mutating)
	}
	if len(ask.questions) != 1 {
		t.Errorf("undo asked %q; there is nothing to confirm when nothing is deleted", ask.questions[1:])
	}
	if again, _ := f.eng.UndoPlan(); len(again) != 0 {
		t.Errorf("a second undo would still reverse %+v", again)
	}
}

func TestPrepareDeclined(t *testing.T) {
	f := newFixture(t, &asker{answers: []bool{false}})
	rep, err := snapshot.New().Prepare(t.Context(), f.env, f.rec())
	if err != nil || rep.Manual != "no snapshot taken: you chose to go on without one" {
		t.Fatalf("prepare: %+v, %v; want Manual saying no snapshot was taken", rep, err)
	}
	if got := f.snapshots(); len(got) != 0 {
		t.Errorf("snapshots %q after the user said no", got)
	}
	if n := len(f.w.Em.MutatingCalls()); n != 0 {
		t.Errorf("%d mutating calls after the user said no", n)
	}
	if entries, _ := f.eng.Journal.Entries(); len(entries) != 0 {
		t.Errorf("a declined snapshot journaled %+v", entries)
	}
}

func TestPrepareWithNoOneToAskTakesIt(t *testing.T) {
	f := newFixture(t, nil)
	rep, err := snapshot.New().Prepare(t.Context(), f.env, f.rec())
	if err != nil || rep.Manual != "" || !strings.Contains(rep.Detail, "without asking") {
		t.Fatalf("prepare: %+v, %v; want the snapshot taken and said so", rep, err)
	}
	if got := f.snapshots(); !slices.Equal(got, []string{taken + " available"}) {
		t.Errorf("snapshots %q", got)
	}
}

// Undo never deletes a snapshot, whoever could confirm it and whatever --force says.
func TestUndoSnapshotKeepsIt(t *testing.T) {
	cases := []struct {
		name  string
		ask   *asker
		force bool
	}{
		{name: "off a terminal"},
		{name: "off a terminal with --force", force: true},
		{name: "the user would say yes to anything", ask: &asker{answers: []bool{true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.userSnapshot(t)
			if _, err := snapshot.New().Prepare(t.Context(), f.env, f.rec()); err != nil {
				t.Fatal(err)
			}
			if tc.ask != nil {
				f.env.Ask = tc.ask
			}
			f.env.Force = tc.force
			undo, _ := f.eng.UndoPlan()
			entries, _ := f.eng.Journal.Entries()
			rep, err := snapshot.New().Undo(t.Context(), f.env, undo, f.rec())
			if err != nil || !strings.Contains(rep.Manual, taken) || !strings.Contains(rep.Manual, "Lightsail console") {
				t.Fatalf("undo %+v (%v), want Manual naming the snapshot and where to delete it", rep, err)
			}
			if got := f.snapshots(); !slices.Equal(got, []string{taken + " available", "my-backup available"}) {
				t.Errorf("snapshots %q, want both kept", got)
			}
			if tc.ask != nil && len(tc.ask.questions) != 0 {
				t.Errorf("undo asked %q", tc.ask.questions)
			}
			after, _ := f.eng.Journal.Entries()
			if len(after) != len(entries)+1 || after[len(after)-1].Undoes != entries[0].ID || after[0].State != steps.EntryUndone {
				t.Errorf("journal went from %d to %d entries; the kept snapshot's entry must be closed by one undo record", len(entries), len(after))
			}
		})
	}
}

func TestUndoOfADeletedSnapshotIsDone(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := snapshot.New().Prepare(t.Context(), f.env, f.rec()); err != nil {
		t.Fatal(err)
	}
	if _, err := lightsailOf(f.w).DeleteInstanceSnapshot(t.Context(), &lightsail.DeleteInstanceSnapshotInput{InstanceSnapshotName: aws.String(taken)}); err != nil {
		t.Fatal(err)
	}
	undo, _ := f.eng.UndoPlan()
	rep, err := snapshot.New().Undo(t.Context(), f.env, undo, f.rec())
	if err != nil || !strings.Contains(rep.Detail, "already deleted") || rep.Manual != "" {
		t.Fatalf("undo %+v, %v; want it to notice the snapshot is gone, with nothing left to do by hand", rep, err)
	}
	if again, _ := f.eng.UndoPlan(); len(again) != 0 {
		t.Errorf("the gone snapshot is still offered for undo")
	}
}

func TestPrepareRunsBeforeTheFirstChange(t *testing.T) {
	f := newFixture(t, nil)
	f.env.Settings.AutoSnapshot = true
	f.eng.Prepare = snapshot.New()
	rs := f.eng.Verify(t.Context())
	outs := f.eng.Apply(t.Context(), rs)
	if len(outs) != 2 || outs[0].Step != "snapshot" || outs[0].Status != steps.StatusChanged || outs[1].Status != steps.StatusChanged {
		t.Fatalf("outcomes %+v: want the snapshot taken, then the add-on enabled (the new snapshot does not make the plan stale)", outs)
	}
	st := f.w.Em.State()
	if len(st.Snapshots) != 1 || len(st.Instances[0].AddOns) != 1 {
		t.Errorf("state: snapshots %+v add-ons %+v", st.Snapshots, st.Instances[0].AddOns)
	}

	// Undo turns off what hardsail turned on, and keeps the snapshot.
	undo, _ := f.eng.UndoPlan()
	u := f.eng.Undo(t.Context(), undo)
	if len(u) != 1 || !strings.Contains(u[0].Detail, "automatic snapshots disabled") || !strings.Contains(u[0].Detail, "stays as a way back") {
		t.Fatalf("undo %+v, want the add-on disabled and the snapshot kept", u)
	}
	st = f.w.Em.State()
	if len(st.Snapshots) != 1 || len(st.Instances[0].AddOns) != 0 {
		t.Errorf("after undo: snapshots %+v add-ons %+v", st.Snapshots, st.Instances[0].AddOns)
	}
}

// Undo disables only what hardsail enabled: not an add-on the user had on already, and not one
// the user has turned off since.
func TestUndoDisablesOnlyWhatHardsailEnabled(t *testing.T) {
	t.Run("on before hardsail", func(t *testing.T) {
		f := newFixture(t, nil)
		f.env.Settings.AutoSnapshot = true
		if _, err := lightsailOf(f.w).EnableAddOn(t.Context(), &lightsail.EnableAddOnInput{ResourceName: aws.String(instance),
			AddOnRequest: &types.AddOnRequest{AddOnType: types.AddOnTypeAutoSnapshot}}); err != nil {
			t.Fatal(err)
		}
		if outs := f.eng.Apply(t.Context(), f.eng.Verify(t.Context())); len(outs) != 0 {
			t.Fatalf("apply with the add-on on already: %+v", outs)
		}
		if undo, _ := f.eng.UndoPlan(); len(undo) != 0 {
			t.Fatalf("undo would reverse %+v, an add-on hardsail did not enable", undo)
		}
	})
	t.Run("turned off by hand since", func(t *testing.T) {
		f := newFixture(t, nil)
		f.env.Settings.AutoSnapshot = true
		f.eng.Apply(t.Context(), f.eng.Verify(t.Context()))
		if _, err := lightsailOf(f.w).DisableAddOn(t.Context(), &lightsail.DisableAddOnInput{ResourceName: aws.String(instance), AddOnType: types.AddOnTypeAutoSnapshot}); err != nil {
			t.Fatal(err)
		}
		mutating := len(f.w.Em.MutatingCalls())
		undo, _ := f.eng.UndoPlan()
		u := f.eng.Undo(t.Context(), undo)
		if len(u) != 1 || u[0].Status != steps.StatusChanged || u[0].Detail != "automatic snapshots were already off" {
			t.Fatalf("undo %+v", u)
		}
		if n := len(f.w.Em.MutatingCalls()); n != mutating {
			t.Errorf("undo of an add-on already off made %d mutating call(s)", n-mutating)
		}
	})
}

func TestPrepareCancelledDuringTheWaitIsUnknown(t *testing.T) {
	f := newFixture(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f.env.Observer = steps.ObserverFunc(func(e steps.Event) {
		if e.Kind == steps.EventWait {
			cancel()
		}
	})
	_, err := snapshot.New().Prepare(ctx, f.env, f.rec())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("prepare cancelled during the wait: %v", err)
	}
	entries, _ := f.eng.Journal.Entries()
	if len(entries) != 1 || entries[0].State != steps.EntryUnknown {
		t.Fatalf("journal %+v, want the snapshot entry unknown", entries)
	}
	f.env.Observer = nil
	undo, _ := f.eng.UndoPlan()
	if len(undo) != 1 || undo[0].ID != entries[0].ID {
		t.Fatalf("undo plan %+v, want the unknown snapshot offered", undo)
	}
	rep, err := snapshot.New().Undo(t.Context(), f.env, undo, f.rec())
	if err != nil || !strings.Contains(rep.Manual, taken) {
		t.Fatalf("undo %+v, %v; want the snapshot Lightsail went on making kept and named", rep, err)
	}
	if got := f.snapshots(); len(got) != 1 || !strings.HasPrefix(got[0], taken+" ") {
		t.Errorf("snapshots %q, want the one hardsail started", got)
	}
}

func TestUndoRefusesTamperedEntries(t *testing.T) {
	cases := []struct {
		name    string
		address string
		data    map[string]string
	}{
		{"a user's snapshot", "lightsail:WordPress-1/snapshot/my-backup", map[string]string{"snapshot": "my-backup"}},
		{"another instance's snapshot", "lightsail:WordPress-1/snapshot/hardsail-Other-1-20260301-120000", map[string]string{"snapshot": "hardsail-Other-1-20260301-120000"}},
		{"a snapshot under another address", "lightsail:Other-1/snapshot/" + taken, map[string]string{"snapshot": taken}},
		{"another add-on", "lightsail:WordPress-1/add-on/AutoSnapshot", map[string]string{"add_on": "StopInstanceOnIdle"}},
		{"nothing at all", "lightsail:WordPress-1/add-on/AutoSnapshot", map[string]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.env.Settings.AutoSnapshot = true
			f.eng.Apply(t.Context(), f.eng.Verify(t.Context()))
			if _, err := snapshot.New().Prepare(t.Context(), f.env, f.rec()); err != nil {
				t.Fatal(err)
			}
			err := f.rec().Do(t.Context(), steps.Change{Action: steps.Create, Address: tc.address, Why: "edited by hand"}, tc.data, nil)
			if err != nil {
				t.Fatal(err)
			}
			before, mutating := f.w.Snapshot(t), len(f.w.Em.MutatingCalls())
			undo, _ := f.eng.UndoPlan()
			n := len(undo)
			_, err = snapshot.New().Undo(t.Context(), f.env, undo, f.rec())
			var te *steps.TamperedError
			if !errors.As(err, &te) || te.Entry != undo[0].ID {
				t.Fatalf("undo: %v, want a TamperedError for %s", err, undo[0].ID)
			}
			if f.w.Snapshot(t) != before || len(f.w.Em.MutatingCalls()) != mutating {
				t.Error("undo changed the world although an entry was tampered with")
			}
			if again, _ := f.eng.UndoPlan(); len(again) != n {
				t.Errorf("undo closed entries (%d left of %d) although it refused", len(again), n)
			}
		})
	}
}

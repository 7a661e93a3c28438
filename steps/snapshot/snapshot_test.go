package snapshot_test

import (
	"context"
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

func TestConformance(t *testing.T) {
	w := world.New(t, world.Options{Settings: steps.Settings{AutoSnapshot: true}})
	steptest.Conformance(t, steptest.Case{
		Step:  snapshot.New(),
		World: w,
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
		finding  bool
		costNote bool
	}{
		{name: "off and not asked for: a finding with the fix", finding: true},
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
			if got := len(p.Findings) == 1 && p.Findings[0].Fix == "hardsail apply snapshot --auto-snapshot" &&
				strings.Contains(p.Findings[0].Message, "No automatic snapshots"); got != tc.finding {
				t.Errorf("findings %+v, want the no-automatic-snapshots finding: %v", p.Findings, tc.finding)
			}
			if got := slices.ContainsFunc(p.Notes, func(n string) bool { return strings.Contains(n, "$0.05 per GB-month") && strings.Contains(n, "2026") }); got != tc.costNote {
				t.Errorf("notes %q, want the dated price: %v", p.Notes, tc.costNote)
			}
		})
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

func TestPrepareTakesSnapshotAndUndoDeletesOnlyIt(t *testing.T) {
	ask := &asker{answers: []bool{true, true}}
	f := newFixture(t, ask)
	f.userSnapshot(t)
	o, err := snapshot.New().Prepare(t.Context(), f.env, f.eng.Journal)
	if err != nil || o.Status != steps.StatusChanged {
		t.Fatalf("prepare: %+v, %v", o, err)
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
	outs := f.eng.Undo(t.Context(), undo)
	if outs[0].Status != steps.StatusChanged {
		t.Fatalf("undo: %+v", outs)
	}
	if got := f.snapshots(); !slices.Equal(got, []string{"my-backup available"}) {
		t.Errorf("snapshots after undo %q, want only the user's", got)
	}
	if len(ask.questions) != 2 || !strings.Contains(ask.questions[1], "Delete snapshot "+taken) {
		t.Errorf("undo asked %q, want a confirmation naming the snapshot", ask.questions[1:])
	}
	if again, _ := f.eng.UndoPlan(); len(again) != 0 {
		t.Errorf("a second undo would still reverse %+v", again)
	}
}

func TestPrepareDeclined(t *testing.T) {
	f := newFixture(t, &asker{answers: []bool{false}})
	o, err := snapshot.New().Prepare(t.Context(), f.env, f.eng.Journal)
	if err != nil || o.Status != steps.StatusSkipped {
		t.Fatalf("prepare: %+v, %v; want skipped", o, err)
	}
	if got := f.snapshots(); len(got) != 0 {
		t.Errorf("snapshots %q after the user said no", got)
	}
	if n := len(f.w.Em.MutatingCalls()); n != 0 {
		t.Errorf("%d mutating calls after the user said no", n)
	}
}

func TestPrepareWithNoOneToAskTakesIt(t *testing.T) {
	f := newFixture(t, nil)
	o, err := snapshot.New().Prepare(t.Context(), f.env, f.eng.Journal)
	if err != nil || o.Status != steps.StatusChanged || !strings.Contains(o.Detail, "without asking") {
		t.Fatalf("prepare: %+v, %v; want the snapshot taken and said so", o, err)
	}
	if got := f.snapshots(); !slices.Equal(got, []string{taken + " available"}) {
		t.Errorf("snapshots %q", got)
	}
}

func TestUndoSnapshot(t *testing.T) {
	cases := []struct {
		name    string
		ask     *asker
		force   bool
		status  steps.Status
		hint    string
		remains []string
	}{
		{name: "off a terminal without --force: refused with a hint", status: steps.StatusFailed, hint: "--force",
			remains: []string{taken + " available", "my-backup available"}},
		{name: "off a terminal with --force: deleted", force: true, status: steps.StatusChanged,
			remains: []string{"my-backup available"}},
		{name: "the user says keep it", ask: &asker{answers: []bool{false}}, status: steps.StatusSkipped,
			remains: []string{taken + " available", "my-backup available"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.userSnapshot(t)
			if _, err := snapshot.New().Prepare(t.Context(), f.env, f.eng.Journal); err != nil {
				t.Fatal(err)
			}
			if tc.ask != nil {
				f.env.Ask = tc.ask
			}
			f.env.Force = tc.force
			undo, _ := f.eng.UndoPlan()
			entries, _ := f.eng.Journal.Entries()
			o, err := snapshot.New().Undo(t.Context(), f.env, undo, f.eng.Journal)
			if o.Status != tc.status {
				t.Fatalf("undo %+v (%v), want %s", o, err, tc.status)
			}
			if tc.hint != "" && !strings.Contains(steps.HintOf(err), tc.hint) {
				t.Errorf("error %v with hint %q, want a hint mentioning %s", err, steps.HintOf(err), tc.hint)
			}
			if got := f.snapshots(); !slices.Equal(got, tc.remains) {
				t.Errorf("snapshots %q, want %q", got, tc.remains)
			}
			after, _ := f.eng.Journal.Entries()
			if deleted := tc.status == steps.StatusChanged; deleted != (len(after) > len(entries)) {
				t.Errorf("journal went from %d to %d entries; a deletion (and only one) is journaled", len(entries), len(after))
			}
		})
	}
}

func TestUndoOfADeletedSnapshotIsDone(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := snapshot.New().Prepare(t.Context(), f.env, f.eng.Journal); err != nil {
		t.Fatal(err)
	}
	if _, err := lightsailOf(f.w).DeleteInstanceSnapshot(t.Context(), &lightsail.DeleteInstanceSnapshotInput{InstanceSnapshotName: aws.String(taken)}); err != nil {
		t.Fatal(err)
	}
	undo, _ := f.eng.UndoPlan()
	o, err := snapshot.New().Undo(t.Context(), f.env, undo, f.eng.Journal)
	if err != nil || !strings.Contains(o.Detail, "already deleted") {
		t.Fatalf("undo %+v, %v; want it to notice the snapshot is gone", o, err)
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
	if len(outs) != 2 || outs[0].Step != "snapshot" || outs[1].Status != steps.StatusChanged {
		t.Fatalf("outcomes %+v: want the snapshot taken, then the add-on enabled (the new snapshot does not make the plan stale)", outs)
	}
	st := f.w.Em.State()
	if len(st.Snapshots) != 1 || len(st.Instances[0].AddOns) != 1 {
		t.Errorf("state: snapshots %+v add-ons %+v", st.Snapshots, st.Instances[0].AddOns)
	}
}

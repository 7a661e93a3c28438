package steptest

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hardsail/hardsail/steps"
)

// mapWorld is a World over one MapStep's live map.
type mapWorld struct{ m *MapStep }

func (w mapWorld) Env(t *testing.T) *steps.Env {
	return &steps.Env{Instance: "web-1", Settings: steps.Settings{RebootTime: "02:00"}}
}

func (w mapWorld) Snapshot(t *testing.T) string {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(w.m.Live)) {
		fmt.Fprintf(&b, "%s=%s\n", k, w.m.Live[k])
	}
	return b.String()
}

func (w mapWorld) Mutations(t *testing.T) int {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	return w.m.Mutations
}

// recorder collects what the harness reports, so a test can assert the harness fails a bad step.
type recorder struct {
	mu     sync.Mutex
	failed []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Logf(string, ...any)       {}
func (r *recorder) Errorf(f string, a ...any) { r.add(fmt.Sprintf(f, a...)) }
func (r *recorder) Fatalf(f string, a ...any) { r.add(fmt.Sprintf(f, a...)); runtime.Goexit() }
func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, s)
}

func run(t *testing.T, c Case) []string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conformance(t, r, c)
	}()
	<-done
	return r.failed
}

func newMap() *MapStep {
	return &MapStep{Name: "m", Want: map[string]string{"a": "1", "b": "2"}, Live: map[string]string{"a": "0"}}
}

// checkMutates writes in Check.
type checkMutates struct{ *MapStep }

func (c checkMutates) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	c.mutate("x", "touched", true)
	return c.MapStep.Check(ctx, env)
}

// unjournaled changes a value before journaling anything.
type unjournaled struct{ *MapStep }

func (u unjournaled) Apply(ctx context.Context, env *steps.Env, live steps.State, p steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	u.mutate("side", "effect", true)
	u.mutate("side", "", false)
	return u.MapStep.Apply(ctx, env, live, p, rec)
}

// handBracket journals its change by hand (begin, mutate, done) instead of through rec.Do.
type handBracket struct{ *MapStep }

func (h handBracket) Apply(ctx context.Context, env *steps.Env, live steps.State, p steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	id, err := rec.Journal().Begin(h.Name, steps.Change{Action: steps.Create, Address: "map:m/side", Why: "by hand"}, undoData{Key: "side"})
	if err != nil {
		return steps.Report{}, err
	}
	h.mutate("side", "effect", true)
	h.mutate("side", "", false)
	if err := rec.Journal().Done(id); err != nil {
		return steps.Report{}, err
	}
	return h.MapStep.Apply(ctx, env, live, p, rec)
}

// leakySecret puts its secret in the journal.
type leakySecret struct{ *MapStep }

func (l leakySecret) Apply(ctx context.Context, env *steps.Env, live steps.State, p steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	rep, err := l.MapStep.Apply(ctx, env, live, p, rec)
	if err := rec.Do(ctx, steps.Change{Action: steps.Create, Address: "map:m/pw", Why: "note hunter2-secret"}, nil, nil); err != nil {
		return rep, err
	}
	rep.Secrets = map[string]string{"password": "hunter2-secret"}
	return rep, err
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		step func(m *MapStep) steps.Step
		want string // substring of the first failure; empty = passes
	}{
		{"a correct step passes", func(m *MapStep) steps.Step { return m }, ""},
		{"Check that writes", func(m *MapStep) steps.Step { return checkMutates{m} }, "Check changed the world"},
		{"apply that forgets a key", func(m *MapStep) steps.Step { m.Forget = "b"; return m }, "want one outcome changed"},
		{"mutation before the journal", func(m *MapStep) steps.Step { return unjournaled{m} }, "no journal entry open"},
		{"mutation in a hand-written journal bracket", func(m *MapStep) steps.Step { return handBracket{m} }, "inside a journal entry but outside rec.Do"},
		{"secret in the journal", func(m *MapStep) steps.Step { return leakySecret{m} }, `secret "password" reached the journal`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMap()
			failed := run(t, Case{Step: tc.step(m), World: mapWorld{m}, Perturb: func(*testing.T) { m.Set("a", "drifted") }})
			if tc.want == "" {
				if len(failed) != 0 {
					t.Fatalf("harness failed a correct step: %v", failed)
				}
				return
			}
			if len(failed) == 0 || !strings.Contains(strings.Join(failed, "\n"), tc.want) {
				t.Fatalf("harness reported %q, want a failure containing %q", failed, tc.want)
			}
		})
	}
}

func TestConformanceCatchesStalePlanApplied(t *testing.T) {
	m := newMap()
	// A perturbation the step does not read leaves the plan fresh, and the harness must say so.
	failed := run(t, Case{Step: m, World: mapWorld{m}, Perturb: func(*testing.T) {}})
	if !strings.Contains(strings.Join(failed, "\n"), "want it refused as stale") {
		t.Fatalf("harness reported %q", failed)
	}
}

// oneWay cannot undo: it marks its entries undone and says what to do by hand.
type oneWay struct{ *MapStep }

func (o oneWay) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	for _, e := range entries {
		if err := rec.Reverse(ctx, e, steps.Change{Action: steps.Update, Address: e.Change.Address, Why: "cannot be reversed"}, nil, nil); err != nil {
			return steps.Report{}, err
		}
	}
	return steps.Report{Manual: "no API reverses this; by hand: …"}, nil
}

func TestConformanceIrreversible(t *testing.T) {
	for _, tc := range []struct {
		name string
		step func(m *MapStep) steps.Step
		want string
	}{
		{"an honest one-way step passes", func(m *MapStep) steps.Step { return oneWay{m} }, ""},
		{"an undo that changes the world fails", func(m *MapStep) steps.Step { return m }, "want skipped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMap()
			failed := run(t, Case{Step: tc.step(m), World: mapWorld{m}, Irreversible: "no API",
				Perturb: func(*testing.T) { m.Set("a", "drifted") }})
			if got := strings.Join(failed, "\n"); (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("harness reported %q, want %q", failed, tc.want)
			}
		})
	}
}

// cancellable is a MapStep whose changes notice a cancel after acting, as a real request whose
// answer is lost would: the change may have happened, and rec.Do journals it unknown.
type cancellable struct{ *MapStep }

func (c cancellable) Apply(ctx context.Context, env *steps.Env, live steps.State, p steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	for _, ch := range p.Changes {
		k := c.key(ch)
		_, existed := c.Get(k)
		err := rec.Do(ctx, ch, undoData{Key: k, Existed: existed}, func(ctx context.Context) error {
			c.mutate(k, c.target(env.Settings)[k], true)
			return ctx.Err()
		})
		if err != nil {
			return steps.Report{}, err
		}
	}
	return steps.Report{}, nil
}

func TestConformanceCancel(t *testing.T) {
	for _, tc := range []struct {
		name     string
		step     func(m *MapStep) steps.Step
		at       steps.EventKind
		oneWay   bool
		want     string
		wantMuts bool // the cancelled run changed the map before undo put it back
	}{
		{name: "a step that stops at the cancel passes", step: func(m *MapStep) steps.Step { return cancellable{m} }, at: steps.EventChangeStart, wantMuts: true},
		{name: "a step that ignores the cancel fails", step: func(m *MapStep) steps.Step { return m }, at: steps.EventChangeStart, want: "want it failed"},
		{name: "a cancel point the step never reaches", step: func(m *MapStep) steps.Step { return cancellable{m} }, at: steps.EventWait, want: "never reached a wait event"},
		{name: "an irreversible step cannot opt in", step: func(m *MapStep) steps.Step { return oneWay{m} }, at: steps.EventChangeStart, oneWay: true, want: "CancelAt needs a step whose undo restores"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMap()
			c := Case{Step: tc.step(m), World: mapWorld{m}, Perturb: func(*testing.T) { m.Set("a", "drifted") }, CancelAt: tc.at}
			if tc.oneWay {
				c.Irreversible = "no API"
			}
			failed := run(t, c)
			got := strings.Join(failed, "\n")
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("harness reported %q, want %q", failed, tc.want)
			}
			// apply, undo, cancelled apply and its undo: the cancelled run did change the map.
			if tc.wantMuts && m.Mutations < 8 {
				t.Errorf("the map saw %d mutations; the cancelled apply and its undo should have added some", m.Mutations)
			}
		})
	}
}

// servedWorld is a mapWorld that claims to have served an AWS operation for every mutation: a step
// whose operations never reach the command log.
type servedWorld struct{ mapWorld }

func (w servedWorld) AWSCalls(t *testing.T) []string {
	out := make([]string, w.Mutations(t))
	for i := range out {
		out[i] = "lightsail.PutInstancePublicPorts"
	}
	return out
}

func TestConformanceCommandLog(t *testing.T) {
	for _, tc := range []struct {
		name  string
		world func(m *MapStep) World
		want  []string
	}{
		{"the reads of Check are not logged", func(m *MapStep) World { return mapWorld{m} },
			[]string{"Check: the command log shows no AWS operation", "apply: 3 mutation(s) but only 0 AWS operation(s)"}},
		{"operations the world served are not logged", func(m *MapStep) World { return servedWorld{mapWorld{m}} },
			[]string{"apply: AWS served operations the command log does not list: lightsail.PutInstancePublicPorts"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMap()
			failed := run(t, Case{Step: m, World: tc.world(m), AWS: true, Perturb: func(*testing.T) { m.Set("a", "drifted") }})
			got := strings.Join(failed, "\n")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("harness reported %q, want a failure containing %q", failed, w)
				}
			}
		})
	}
}

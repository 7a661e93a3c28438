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
	return &steps.Env{Instance: "web-1", Settings: steps.DefaultSettings()}
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

func (u unjournaled) Apply(ctx context.Context, env *steps.Env, p steps.Plan, j *steps.Journal) (steps.Outcome, error) {
	u.mutate("side", "effect", true)
	u.mutate("side", "", false)
	return u.MapStep.Apply(ctx, env, p, j)
}

// leakySecret puts its secret in the journal.
type leakySecret struct{ *MapStep }

func (l leakySecret) Apply(ctx context.Context, env *steps.Env, p steps.Plan, j *steps.Journal) (steps.Outcome, error) {
	o, err := l.MapStep.Apply(ctx, env, p, j)
	id, _ := j.Begin(l.Name, steps.Change{Action: steps.Create, Address: "map:m/pw", Why: "note hunter2-secret"}, nil)
	_ = j.Done(id)
	o.Secrets = map[string]string{"password": "hunter2-secret"}
	return o, err
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

func (o oneWay) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, j *steps.Journal) (steps.Outcome, error) {
	for _, e := range entries {
		id, err := j.BeginUndo(e, steps.Change{Action: steps.Update, Address: e.Change.Address, Why: "cannot be reversed"}, nil)
		if err != nil {
			return steps.Outcome{}, err
		}
		_ = j.Done(id)
	}
	return steps.Outcome{Status: steps.StatusSkipped, Detail: "no API reverses this; by hand: …"}, nil
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

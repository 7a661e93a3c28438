package steptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aymanbagabas/go-udiff"

	"github.com/hardsail/hardsail/steps"
)

// World is the real thing a step works on (the emulator, a test host, or both), seen by the
// conformance harness.
type World interface {
	// Env returns a fresh Env over the world (a new SSH connection each time).
	Env(t *testing.T) *steps.Env
	// Snapshot renders everything the step could touch as comparable text.
	Snapshot(t *testing.T) string
	// Mutations counts the mutating AWS calls and host commands made so far.
	Mutations(t *testing.T) int
}

// Case is one step in one world.
type Case struct {
	Step  steps.Step
	World World
	// Perturb changes live state the step reads, so that a plan made before it is stale. Nil skips
	// the stale-plan check (say why in the test).
	Perturb func(t *testing.T)
	// Applied is what the first apply reports: StatusChanged unless the step ends pending.
	Applied steps.Status
	// Irreversible says why undo cannot restore the world (no API reverses the change). Undo must
	// then report skipped, explain what to do by hand, change nothing and mark its entries done
	// with; the stale-plan check runs before apply instead of after undo.
	Irreversible string
}

// reporter is the part of testing.T the harness reports through (a recorder in its own tests).
type reporter interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}

// Conformance proves the Step contract (design.md §4) for c.Step against a real world:
// Check changes nothing; Plan is deterministic and non-empty from the start state; apply reports
// c.Applied with every mutation inside an open journal entry; a fresh Check+Plan is then empty;
// applying that empty plan mutates nothing; undo restores the world exactly; the re-verify gives
// the first plan again; a second undo has nothing to do; a stale plan is refused with nothing
// changed; no secret from an outcome reaches the journal.
func Conformance(t *testing.T, c Case) {
	t.Helper()
	conformance(t, t, c)
}

func conformance(t *testing.T, r reporter, c Case) {
	r.Helper()
	ctx := t.Context()
	w, s := c.World, c.Step
	applied := c.Applied
	if applied == "" {
		applied = steps.StatusChanged
	}
	after := steps.StatusOK
	if applied == steps.StatusPending {
		after = steps.StatusPending
	}

	// 1. Check is read-only.
	env := w.Env(t)
	base, m0 := w.Snapshot(t), w.Mutations(t)
	st, err := s.Check(ctx, env)
	if err != nil {
		r.Fatalf("%s: Check from the start state: %v", s.ID(), err)
		return
	}
	if got := w.Snapshot(t); got != base {
		r.Fatalf("%s: Check changed the world:\n%s", s.ID(), diff(base, got))
		return
	}
	if m := w.Mutations(t); m != m0 {
		r.Fatalf("%s: Check made %d mutating call(s)", s.ID(), m-m0)
		return
	}

	// 2. Plan is pure and deterministic; checking twice gives the same fingerprint.
	p1, err := s.Plan(st, env.Settings)
	if err != nil {
		r.Fatalf("%s: Plan: %v", s.ID(), err)
		return
	}
	p2, _ := s.Plan(st, env.Settings)
	st2, err := s.Check(ctx, env)
	if err != nil {
		r.Fatalf("%s: second Check: %v", s.ID(), err)
		return
	}
	p3, _ := s.Plan(st2, env.Settings)
	if a, b := jsonOf(p1), jsonOf(p2); a != b {
		r.Fatalf("%s: Plan is not deterministic:\n%s", s.ID(), diff(a, b))
		return
	}
	if a, b := jsonOf(p1), jsonOf(p3); a != b {
		r.Fatalf("%s: Check+Plan twice on an unchanged world differ:\n%s", s.ID(), diff(a, b))
		return
	}
	if st.Fingerprint() != st2.Fingerprint() {
		r.Fatalf("%s: the fingerprint of an unchanged world changed between two checks", s.ID())
		return
	}
	if p1.Empty() {
		r.Fatalf("%s: the plan from the start state is empty; the world must start out of compliance", s.ID())
		return
	}

	// 3. Apply through the engine, watching that each mutation happens inside an open journal entry.
	j := openJournal(t, r, s.ID())
	if j == nil {
		return
	}
	eng := &steps.Engine{Steps: []steps.Step{s}, Env: env, Journal: j}
	if c.Irreversible != "" && c.Perturb != nil {
		stalePlan(t, r, c, eng, j)
		base = w.Snapshot(t)
	}
	rs := eng.Verify(ctx)
	if rs[0].Status != steps.StatusDrift {
		r.Fatalf("%s: verify of the start state is %s (%s), want drift", s.ID(), rs[0].Status, rs[0].Detail)
		return
	}
	watch := &journalWatch{t: t, w: w, quiet: w.Mutations(t), open: map[string]bool{}}
	j.OnRecord = watch.record
	outs := eng.Apply(ctx, rs)
	j.OnRecord = nil
	watch.finish()
	for _, v := range watch.violations {
		r.Errorf("%s: %s", s.ID(), v)
	}
	if len(outs) != 1 || outs[0].Status != applied {
		r.Fatalf("%s: apply gave %+v, want one outcome %s", s.ID(), outs, applied)
		return
	}
	entries, err := j.Entries()
	if err != nil || len(entries) == 0 {
		r.Fatalf("%s: apply left no journal entries (err %v)", s.ID(), err)
		return
	}
	if raw, err := os.ReadFile(j.Path()); err == nil {
		for name, secret := range outs[0].Secrets {
			if secret != "" && bytes.Contains(raw, []byte(secret)) {
				r.Errorf("%s: the secret %q reached the journal", s.ID(), name)
			}
		}
	}

	// 4. A fresh look finds nothing left to do.
	env2 := w.Env(t)
	eng2 := &steps.Engine{Steps: []steps.Step{s}, Env: env2, Journal: j}
	rs2 := eng2.Verify(ctx)
	if rs2[0].Err != nil || !rs2[0].Plan.Empty() || rs2[0].Status != after {
		r.Fatalf("%s: verify after apply is %s (%s), plan %s; want %s with no changes", s.ID(), rs2[0].Status, rs2[0].Detail, jsonOf(rs2[0].Plan.Changes), after)
		return
	}

	// 5. Applying the empty plan again changes nothing and journals nothing.
	applyAgain(t, r, c, env2, j, rs2[0].Plan, len(entries))

	// 6. Undo restores the world exactly.
	undo, err := eng2.UndoPlan()
	if err != nil || len(undo) == 0 {
		r.Fatalf("%s: nothing to undo after apply (err %v)", s.ID(), err)
		return
	}
	if c.Irreversible != "" {
		irreversibleUndo(t, r, c, eng2, undo)
		return
	}
	for _, o := range eng2.Undo(ctx, undo) {
		if o.Status.Bad() {
			r.Fatalf("%s: undo: %s", s.ID(), o.Detail)
			return
		}
	}
	if got := w.Snapshot(t); got != base {
		r.Fatalf("%s: undo did not restore the world:\n%s", s.ID(), diff(base, got))
		return
	}

	// 7. After undo, the step is as out of compliance as it began; 8. and a second undo has nothing to do.
	eng3 := &steps.Engine{Steps: []steps.Step{s}, Env: w.Env(t), Journal: j}
	rs3 := eng3.Verify(ctx)
	if a, b := jsonOf(p1.Changes), jsonOf(rs3[0].Plan.Changes); a != b {
		r.Errorf("%s: the plan after undo differs from the first plan:\n%s", s.ID(), diff(a, b))
	}
	if rs3[0].Plan.Fingerprint != st.Fingerprint() {
		r.Errorf("%s: the state after undo has another fingerprint than the start state", s.ID())
	}
	if again, _ := eng3.UndoPlan(); len(again) != 0 {
		r.Errorf("%s: a second undo would still reverse %d entries", s.ID(), len(again))
	}

	// 9. A plan made before the world changed is refused, and nothing happens.
	if c.Perturb != nil {
		stalePlan(t, r, c, eng3, j)
	}
}

// stalePlan verifies, perturbs the world, and applies: the engine must refuse and change nothing.
func stalePlan(t *testing.T, r reporter, c Case, eng *steps.Engine, j *steps.Journal) {
	r.Helper()
	w, id := c.World, c.Step.ID()
	rs := eng.Verify(t.Context())
	c.Perturb(t)
	m, n := w.Mutations(t), countEntries(j)
	stale := eng.Apply(t.Context(), rs)
	if len(stale) != 1 || stale[0].Status != steps.StatusFailed || !strings.Contains(stale[0].Detail, (&steps.StalePlanError{Step: id}).Error()) {
		r.Errorf("%s: a stale plan gave %+v, want it refused as stale", id, stale)
	}
	if w.Mutations(t) != m || countEntries(j) != n {
		r.Errorf("%s: refusing a stale plan still changed something (%d mutations, %d journal entries)", id, w.Mutations(t)-m, countEntries(j)-n)
	}
}

// irreversibleUndo holds an undo that cannot restore: it says so, changes nothing, and is done.
func irreversibleUndo(t *testing.T, r reporter, c Case, eng *steps.Engine, undo []steps.Entry) {
	r.Helper()
	w, id := c.World, c.Step.ID()
	before, m := w.Snapshot(t), w.Mutations(t)
	outs := eng.Undo(t.Context(), undo)
	if len(outs) != 1 || outs[0].Status != steps.StatusSkipped || outs[0].Detail == "" {
		r.Errorf("%s: undo of an irreversible change (%s) gave %+v, want skipped with what to do by hand", id, c.Irreversible, outs)
	}
	if got := w.Snapshot(t); got != before || w.Mutations(t) != m {
		r.Errorf("%s: an undo that cannot restore still changed the world:\n%s", id, diff(before, got))
	}
	if again, _ := eng.UndoPlan(); len(again) != 0 {
		r.Errorf("%s: after the irreversible undo, %d entries are still offered for undo", id, len(again))
	}
}

func applyAgain(t *testing.T, r reporter, c Case, env *steps.Env, j *steps.Journal, plan steps.Plan, entries int) {
	r.Helper()
	before, m := c.World.Snapshot(t), c.World.Mutations(t)
	live, err := c.Step.Check(t.Context(), env)
	if err != nil {
		r.Errorf("%s: check before applying the empty plan: %v", c.Step.ID(), err)
		return
	}
	if _, err := c.Step.Apply(t.Context(), env, live, plan, steps.NewRecorder(j, env, c.Step.ID())); err != nil {
		r.Errorf("%s: applying the empty plan: %v", c.Step.ID(), err)
	}
	if got := c.World.Mutations(t); got != m {
		r.Errorf("%s: applying the empty plan made %d mutating call(s)", c.Step.ID(), got-m)
	}
	if n := countEntries(j); n != entries {
		r.Errorf("%s: applying the empty plan journaled %d entries", c.Step.ID(), n-entries)
	}
	if got := c.World.Snapshot(t); got != before {
		r.Errorf("%s: applying the empty plan changed the world:\n%s", c.Step.ID(), diff(before, got))
	}
}

// journalWatch samples the mutation count at every journal record: mutations that happen while
// no entry is open were not journaled first.
type journalWatch struct {
	t          *testing.T
	w          World
	mu         sync.Mutex
	open       map[string]bool
	quiet      int // mutation count when the last open entry closed
	violations []string
}

func (jw *journalWatch) record(kind, id string) {
	jw.mu.Lock()
	defer jw.mu.Unlock()
	m := jw.w.Mutations(jw.t)
	switch kind {
	case "begin":
		if len(jw.open) == 0 && m != jw.quiet {
			jw.violations = append(jw.violations, fmt.Sprintf("%d mutation(s) happened with no journal entry open, before entry %s", m-jw.quiet, id))
		}
		jw.open[id] = true
	default:
		delete(jw.open, id)
		if len(jw.open) == 0 {
			jw.quiet = m
		}
	}
}

func (jw *journalWatch) finish() {
	jw.mu.Lock()
	defer jw.mu.Unlock()
	if m := jw.w.Mutations(jw.t); len(jw.open) == 0 && m != jw.quiet {
		jw.violations = append(jw.violations, fmt.Sprintf("%d mutation(s) happened after the last journal entry closed", m-jw.quiet))
	}
	for id := range jw.open {
		jw.violations = append(jw.violations, "journal entry "+id+" was never marked done or failed")
	}
}

func openJournal(t *testing.T, r reporter, step string) *steps.Journal {
	r.Helper()
	j, err := steps.OpenJournal(steps.PathsFor(t.TempDir(), steps.Key{Account: "123456789012", Region: "us-east-1", Instance: step}))
	if err != nil {
		r.Fatalf("open journal: %v", err)
		return nil
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func countEntries(j *steps.Journal) int {
	es, _ := j.Entries()
	return len(es)
}

func jsonOf(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

func diff(a, b string) string {
	if !strings.HasSuffix(a, "\n") {
		a += "\n"
	}
	if !strings.HasSuffix(b, "\n") {
		b += "\n"
	}
	return udiff.Unified("before", "after", a, b)
}

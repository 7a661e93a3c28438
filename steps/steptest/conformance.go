package steptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aymanbagabas/go-udiff"

	"github.com/hardsail/hardsail/remote/awsapi"
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

// AWSServer is a World that can list the AWS operations it served so far, oldest first, as
// "service.Operation" with the service in lower case ("lightsail.GetInstance"). With it the
// harness holds the command log to every call the world served; without it, to at least one entry
// per mutation and the reads of Check.
type AWSServer interface {
	AWSCalls(t *testing.T) []string
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
	// AWS says the step talks to AWS: the command log (the AWS call observer on env.AWS, and the
	// remote commands the world reports as EventCommand) must list the run's operations, reads
	// included.
	AWS bool
	// CancelAt, when set, adds a run whose apply is cancelled at the step's first progress event of
	// this kind (steps.EventWait: during a wait; steps.EventChangeStart: right after the first change
	// was journaled). The change in flight must be journaled unknown (or failed, when it is known to
	// have changed nothing), undo must offer what may have happened and restore the world exactly.
	// Not for an Irreversible step.
	CancelAt steps.EventKind
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
// c.Applied with every mutation inside rec.Do (an open journal entry and a change in progress);
// a fresh Check+Plan is then empty; applying that empty plan mutates nothing; undo restores the
// world exactly, its mutations inside rec.Reverse; the re-verify gives the first plan again; a
// second undo has nothing to do; a cancelled apply (c.CancelAt) is undone exactly; a stale plan is
// refused with nothing changed; no secret from an outcome reaches the journal; with c.AWS, the
// command log lists every operation, reads included.
func Conformance(t *testing.T, c Case) {
	t.Helper()
	conformance(t, t, c)
}

// harness is one conformance run.
type harness struct {
	t     *testing.T
	r     reporter
	c     Case
	id    string
	guard *guard
	log   *commandLog
}

func conformance(t *testing.T, r reporter, c Case) {
	r.Helper()
	h := &harness{t: t, r: r, c: c, id: c.Step.ID(), log: &commandLog{}}
	h.guard = &guard{t: t, w: c.World, step: h.id}
	if c.Applied == "" {
		h.c.Applied = steps.StatusChanged
	}
	if c.CancelAt != "" && c.Irreversible != "" {
		r.Fatalf("%s: CancelAt needs a step whose undo restores the world; this one is irreversible (%s)", h.id, c.Irreversible)
		return
	}
	env := h.env()
	base := c.World.Snapshot(t)
	st, p1, ok := h.checkAndPlan(env, base)
	if !ok {
		return
	}
	j := openJournal(t, r, h.id)
	if j == nil {
		return
	}
	h.guard.watch(j)
	if !h.applyAndUndo(env, j, &base, st, p1) {
		return
	}
	if c.CancelAt != "" && !h.cancelledApply(j, base) {
		return
	}
	// 9. A plan made before the world changed is refused, and nothing happens.
	if c.Perturb != nil && c.Irreversible == "" {
		stalePlan(t, r, c, h.engine(h.env(), j), j)
	}
}

// env returns a fresh Env over the world whose progress events and AWS calls the harness sees.
func (h *harness) env() *steps.Env {
	env := h.c.World.Env(h.t)
	env.Observer = steps.ObserverFunc(func(ev steps.Event) {
		h.guard.event(ev)
		h.log.event(ev)
	})
	if env.AWS != nil {
		env.AWS.Observe(h.log.call)
	}
	return env
}

func (h *harness) engine(env *steps.Env, j *steps.Journal) *steps.Engine {
	return &steps.Engine{Steps: []steps.Step{h.c.Step}, Env: env, Journal: j}
}

// checkAndPlan proves 1. Check is read-only, and 2. Plan is pure and deterministic, checking twice
// gives the same fingerprint, and the start state is out of compliance.
func (h *harness) checkAndPlan(env *steps.Env, base string) (steps.State, steps.Plan, bool) {
	h.r.Helper()
	r, w, s, id, ctx := h.r, h.c.World, h.c.Step, h.id, h.t.Context()
	m0 := w.Mutations(h.t)
	var st steps.State
	var err error
	h.logged("Check", true, func() { st, err = s.Check(ctx, env) })
	if err != nil {
		r.Fatalf("%s: Check from the start state: %v", id, err)
		return st, steps.Plan{}, false
	}
	for _, f := range st.Findings {
		if err := steps.CheckFindingID(id, f.ID); err != nil {
			r.Fatalf("%s: Check: %v", id, err)
		}
	}
	if got := w.Snapshot(h.t); got != base {
		r.Fatalf("%s: Check changed the world:\n%s", id, diff(base, got))
		return st, steps.Plan{}, false
	}
	if m := w.Mutations(h.t); m != m0 {
		r.Fatalf("%s: Check made %d mutating call(s)", id, m-m0)
		return st, steps.Plan{}, false
	}
	p1, err := s.Plan(st, env.Settings)
	if err != nil {
		r.Fatalf("%s: Plan: %v", id, err)
		return st, p1, false
	}
	p2, _ := s.Plan(st, env.Settings)
	st2, err := s.Check(ctx, env)
	if err != nil {
		r.Fatalf("%s: second Check: %v", id, err)
		return st, p1, false
	}
	p3, _ := s.Plan(st2, env.Settings)
	switch a, b, c := jsonOf(p1), jsonOf(p2), jsonOf(p3); {
	case a != b:
		r.Fatalf("%s: Plan is not deterministic:\n%s", id, diff(a, b))
	case a != c:
		r.Fatalf("%s: Check+Plan twice on an unchanged world differ:\n%s", id, diff(a, c))
	case st.Fingerprint() != st2.Fingerprint():
		r.Fatalf("%s: the fingerprint of an unchanged world changed between two checks", id)
	case p1.Empty():
		r.Fatalf("%s: the plan from the start state is empty; the world must start out of compliance", id)
	default:
		return st, p1, true
	}
	return st, p1, false
}

// applyAndUndo proves 3. apply through the engine, every mutation inside rec.Do; 4. a fresh look
// finds nothing left to do; 5. applying the empty plan changes nothing; 6. undo restores the world
// exactly; 7. the step is then as out of compliance as it began; 8. a second undo has nothing to do.
func (h *harness) applyAndUndo(env *steps.Env, j *steps.Journal, base *string, st steps.State, p1 steps.Plan) bool {
	h.r.Helper()
	r, w, id, ctx := h.r, h.c.World, h.id, h.t.Context()
	eng := h.engine(env, j)
	if h.c.Irreversible != "" && h.c.Perturb != nil {
		stalePlan(h.t, r, h.c, eng, j)
		*base = w.Snapshot(h.t)
	}
	rs := eng.Verify(ctx)
	if rs[0].Status != steps.StatusDrift {
		r.Fatalf("%s: verify of the start state is %s (%s), want drift", id, rs[0].Status, rs[0].Detail)
		return false
	}
	var outs []steps.Outcome
	h.guarded("apply", func() { outs = eng.Apply(ctx, rs) })
	if len(outs) != 1 || outs[0].Status != h.c.Applied {
		r.Fatalf("%s: apply gave %+v, want one outcome %s", id, outs, h.c.Applied)
		return false
	}
	entries, err := j.Entries()
	if err != nil || len(entries) == 0 {
		r.Fatalf("%s: apply left no journal entries (err %v)", id, err)
		return false
	}
	if raw, err := os.ReadFile(j.Path()); err == nil {
		for name, secret := range outs[0].Secrets {
			if secret != "" && bytes.Contains(raw, []byte(secret)) {
				r.Errorf("%s: the secret %q reached the journal", id, name)
			}
		}
	}
	env2 := h.env()
	eng2 := h.engine(env2, j)
	after := steps.StatusOK
	if h.c.Applied == steps.StatusPending {
		after = steps.StatusPending
	}
	rs2 := eng2.Verify(ctx)
	if rs2[0].Err != nil || !rs2[0].Plan.Empty() || rs2[0].Status != after {
		r.Fatalf("%s: verify after apply is %s (%s), plan %s; want %s with no changes", id, rs2[0].Status, rs2[0].Detail, jsonOf(rs2[0].Plan.Changes), after)
		return false
	}
	applyAgain(h.t, r, h.c, env2, j, rs2[0].Plan, len(entries))
	undo, err := eng2.UndoPlan()
	if err != nil || len(undo) == 0 {
		r.Fatalf("%s: nothing to undo after apply (err %v)", id, err)
		return false
	}
	if h.c.Irreversible != "" {
		irreversibleUndo(h.t, r, h.c, eng2, undo)
		return false
	}
	return h.undoRestores(eng2, undo, *base) && h.backToStart(j, st, p1)
}

// undoRestores undoes entries (every mutation inside rec.Reverse) and proves the world is base again.
func (h *harness) undoRestores(eng *steps.Engine, undo []steps.Entry, base string) bool {
	h.r.Helper()
	var outs []steps.Outcome
	h.guarded("undo", func() { outs = eng.Undo(h.t.Context(), undo) })
	for _, o := range outs {
		if o.Status.Bad() {
			h.r.Fatalf("%s: undo: %s", h.id, o.Detail)
			return false
		}
	}
	if got := h.c.World.Snapshot(h.t); got != base {
		h.r.Fatalf("%s: undo did not restore the world:\n%s", h.id, diff(base, got))
		return false
	}
	return true
}

func (h *harness) backToStart(j *steps.Journal, st steps.State, p1 steps.Plan) bool {
	h.r.Helper()
	eng := h.engine(h.env(), j)
	rs := eng.Verify(h.t.Context())
	if a, b := jsonOf(p1.Changes), jsonOf(rs[0].Plan.Changes); a != b {
		h.r.Errorf("%s: the plan after undo differs from the first plan:\n%s", h.id, diff(a, b))
	}
	if rs[0].Plan.Fingerprint != st.Fingerprint() {
		h.r.Errorf("%s: the state after undo has another fingerprint than the start state", h.id)
	}
	if again, _ := eng.UndoPlan(); len(again) != 0 {
		h.r.Errorf("%s: a second undo would still reverse %d entries", h.id, len(again))
	}
	return true
}

// guarded runs fn (an apply or an undo) with the rec.Do guard and the command log watching.
func (h *harness) guarded(what string, fn func()) {
	h.r.Helper()
	h.guard.start()
	h.logged(what, false, fn)
	for _, v := range h.guard.stop() {
		h.r.Errorf("%s: %s: %s", h.id, what, v)
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

// cancelledApply proves c.CancelAt: an apply cancelled at the step's first such event leaves the
// change in flight unknown, undo offers it, and undo restores base exactly.
func (h *harness) cancelledApply(j *steps.Journal, base string) bool {
	h.r.Helper()
	r, id := h.r, h.id
	ctx, cancel := context.WithCancel(h.t.Context())
	defer cancel()
	env := h.env()
	var once sync.Once
	fired := false
	watch := env.Observer
	env.Observer = steps.ObserverFunc(func(ev steps.Event) {
		if ev.Kind == h.c.CancelAt && ev.Step == id {
			once.Do(func() { fired = true; cancel() })
		}
		watch.Event(ev)
	})
	eng := h.engine(env, j)
	rs := eng.Verify(h.t.Context())
	n := countEntries(j)
	var outs []steps.Outcome
	h.guarded("cancelled apply", func() { outs = eng.Apply(ctx, rs) })
	if !fired {
		r.Fatalf("%s: the apply never reached a %s event, so CancelAt cancelled nothing (outcomes %+v)", id, h.c.CancelAt, outs)
		return false
	}
	if len(outs) != 1 || !outs[0].Status.Bad() {
		r.Errorf("%s: an apply cancelled at the first %s reported %+v, want it failed", id, h.c.CancelAt, outs)
	}
	all, _ := j.Entries()
	var inFlight []string
	for _, e := range all[min(n, len(all)):] {
		switch e.State {
		case steps.EntryUnknown, steps.EntryInterrupted:
			inFlight = append(inFlight, e.ID)
		case steps.EntryDone, steps.EntryFailed:
		default:
			r.Errorf("%s: after the cancel, entry %s (%s) is %s", id, e.ID, e.Change.Address, e.State)
		}
	}
	if len(inFlight) == 0 {
		r.Errorf("%s: the change in flight when the apply was cancelled at %s was not journaled unknown (entries %s)", id, h.c.CancelAt, jsonOf(all[min(n, len(all)):]))
	}
	eng2 := h.engine(h.env(), j)
	undo, err := eng2.UndoPlan()
	for _, want := range inFlight {
		if err != nil || !slices.ContainsFunc(undo, func(e steps.Entry) bool { return e.ID == want }) {
			r.Errorf("%s: undo does not offer the unknown entry %s (err %v)", id, want, err)
		}
	}
	if len(undo) > 0 && !h.undoRestores(eng2, undo, base) {
		return false
	}
	if again, _ := eng2.UndoPlan(); len(again) != 0 {
		r.Errorf("%s: after undoing the cancelled apply, %d entries are still offered for undo", id, len(again))
	}
	return true
}

// guard proves that the world changes only inside rec.Do or rec.Reverse: between a journal begin
// and its end, while the recorder's change is in progress. It samples World.Mutations at every
// journal record and every change event of the step.
type guard struct {
	t    *testing.T
	w    World
	step string

	mu         sync.Mutex
	on         bool
	journal    map[string]bool // journal entries begun and not ended
	changes    int             // rec changes started and not done
	last       int             // mutation count at the last sample
	violations []string
}

func (g *guard) watch(j *steps.Journal) { j.OnRecord = g.record }

func (g *guard) start() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.on, g.journal, g.changes, g.violations = true, map[string]bool{}, 0, nil
	g.last = g.w.Mutations(g.t)
}

func (g *guard) stop() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sample("the last change ended")
	for id := range g.journal {
		g.violations = append(g.violations, "journal entry "+id+" was never marked done, failed or unknown")
	}
	g.on = false
	return g.violations
}

// sample attributes the mutations since the last sample to the state held until now.
func (g *guard) sample(before string) {
	m := g.w.Mutations(g.t)
	if m != g.last {
		switch {
		case len(g.journal) == 0:
			g.violations = append(g.violations, fmt.Sprintf("%d mutation(s) happened with no journal entry open, before %s", m-g.last, before))
		case g.changes == 0:
			g.violations = append(g.violations, fmt.Sprintf("%d mutation(s) happened inside a journal entry but outside rec.Do, before %s", m-g.last, before))
		}
	}
	g.last = m
}

func (g *guard) record(kind, id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.on {
		return
	}
	g.sample("journal " + kind + " " + id)
	if kind == "begin" {
		g.journal[id] = true
	} else {
		delete(g.journal, id)
	}
}

func (g *guard) event(ev steps.Event) {
	if ev.Step != g.step || (ev.Kind != steps.EventChangeStart && ev.Kind != steps.EventChangeDone) {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.on {
		return
	}
	g.sample(string(ev.Kind) + " " + ev.Address)
	if ev.Kind == steps.EventChangeStart {
		g.changes++
	} else {
		g.changes = max(g.changes-1, 0)
	}
}

// commandLog is what the command log shows: the AWS operations the clients' observer reported and
// the remote commands the world reported as EventCommand.
type commandLog struct {
	mu       sync.Mutex
	aws      []loggedCall
	commands int
}

// loggedCall is one AWS operation in the log; sent is false for one cut short by a cancel, which
// may never have reached AWS.
type loggedCall struct {
	op   string
	sent bool
}

func (l *commandLog) call(c awsapi.Call) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cut := errors.Is(c.Err, context.Canceled) || errors.Is(c.Err, context.DeadlineExceeded)
	l.aws = append(l.aws, loggedCall{op: strings.ToLower(c.Service) + "." + c.Operation, sent: !cut})
}

func (l *commandLog) event(ev steps.Event) {
	if ev.Kind != steps.EventCommand {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.commands++
}

func (l *commandLog) mark() (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.aws), l.commands
}

func (l *commandLog) since(awsN, cmdN int) ([]loggedCall, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.aws[awsN:]), l.commands - cmdN
}

// logged runs fn and, when the step talks to AWS, proves the command log lists what fn did: with
// an AWSServer world, every operation it served (and no operation it did not serve, unless a
// cancel cut it short); otherwise at least one entry per mutation. With reads, fn must have logged
// at least one AWS operation.
func (h *harness) logged(what string, reads bool, fn func()) {
	h.r.Helper()
	if !h.c.AWS {
		fn()
		return
	}
	srv, exact := h.c.World.(AWSServer)
	var served []string
	if exact {
		served = srv.AWSCalls(h.t)
	}
	m0 := h.c.World.Mutations(h.t)
	a0, c0 := h.log.mark()
	fn()
	logged, commands := h.log.since(a0, c0)
	if reads && len(logged) == 0 {
		h.r.Errorf("%s: %s: the command log shows no AWS operation; reads must reach it too", h.id, what)
	}
	if exact {
		unlogged, unserved := compareCalls(srv.AWSCalls(h.t)[len(served):], logged)
		if len(unlogged) > 0 {
			h.r.Errorf("%s: %s: AWS served operations the command log does not list: %s", h.id, what, strings.Join(unlogged, ", "))
		}
		if len(unserved) > 0 {
			h.r.Errorf("%s: %s: the command log lists operations AWS never served: %s", h.id, what, strings.Join(unserved, ", "))
		}
	}
	if m := h.c.World.Mutations(h.t) - m0; len(logged)+commands < m {
		h.r.Errorf("%s: %s: %d mutation(s) but only %d AWS operation(s) and %d remote command(s) in the command log", h.id, what, m, len(logged), commands)
	}
}

// compareCalls returns the served operations missing from the log, and the logged operations
// (sent ones only) that were never served, both as multisets.
func compareCalls(served []string, logged []loggedCall) (unlogged, unserved []string) {
	left := map[string]int{}
	for _, op := range served {
		left[op]++
	}
	for _, c := range logged {
		switch {
		case left[c.op] > 0:
			left[c.op]--
		case c.sent:
			unserved = append(unserved, c.op)
		}
	}
	for _, op := range served {
		if left[op] > 0 {
			left[op]--
			unlogged = append(unlogged, op)
		}
	}
	return unlogged, unserved
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

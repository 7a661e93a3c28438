package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hardsail/hardsail/remote/sshhost"
)

// Result is one step's checked state and the plan made from it.
type Result struct {
	Step     string    `json:"step"`
	Title    string    `json:"title"`
	Status   Status    `json:"status"`
	State    State     `json:"-"`
	Plan     Plan      `json:"plan"`
	Findings []Finding `json:"findings,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	Fix      string    `json:"fix,omitempty"`
	// WaitsFor is the step whose apply opens the way to the host this step could not reach (the
	// firewall): apply checks this step again, in the same run, once that step changed something.
	WaitsFor string `json:"waits_for,omitempty"`
	Err      error  `json:"-"`
}

// AccessExplainer is a step whose checked state can tell why the host could not be reached (the
// firewall does not admit this computer): it returns that explanation, or false.
type AccessExplainer interface {
	ExplainUnreachable(st State, err *sshhost.ConnectError) (string, bool)
}

// StalePlanError refuses a plan whose state changed since it was previewed.
type StalePlanError struct{ Step string }

func (e *StalePlanError) Error() string {
	return fmt.Sprintf("%s: the live state changed since the preview; nothing was applied", e.Step)
}

func (e *StalePlanError) HintText() string {
	return "Run `hardsail plan " + e.Step + "` again and review the new preview."
}

// InconsistentError is a non-empty plan right after a successful apply: a bug in the step.
type InconsistentError struct {
	Step    string
	Remains []Change
}

func (e *InconsistentError) Error() string {
	addrs := make([]string, len(e.Remains))
	for i, c := range e.Remains {
		addrs[i] = c.Address
	}
	return fmt.Sprintf("%s: inconsistent result after apply: %d change(s) remain (%s)", e.Step, len(e.Remains), strings.Join(addrs, ", "))
}

func (e *InconsistentError) HintText() string {
	return "This is a bug in hardsail: run `hardsail verify` and report the output; `hardsail undo " + e.Step + "` reverses what was done."
}

// Engine runs preview, apply, verify and undo over a list of steps.
type Engine struct {
	Steps []Step
	Env   *Env
	// Journal is needed by Apply and Undo only.
	Journal *Journal
	// SettingsPath, when set, is where Apply saves the settings it applied.
	SettingsPath string
	// Prepare runs once before the first change of an apply run (the snapshot); nil skips it.
	Prepare Preparer
}

// PreparerOf is the step of all that runs before the first change of an apply (the snapshot), if
// any: the engine's Prepare.
func PreparerOf(all []Step) Preparer {
	for _, st := range all {
		if p, ok := st.(Preparer); ok {
			return p
		}
	}
	return nil
}

// Select returns the steps named by ids in registry order (all when ids is empty).
func Select(all []Step, ids []string) ([]Step, error) {
	if len(ids) == 0 {
		return all, nil
	}
	known := make([]string, len(all))
	for i, s := range all {
		known[i] = s.ID()
	}
	for _, id := range ids {
		if !slices.Contains(known, id) {
			return nil, &UsageError{
				Msg:  fmt.Sprintf("unknown step %q", id),
				Hint: "Name one of: " + strings.Join(known, ", ") + ".",
			}
		}
	}
	var out []Step
	for _, s := range all {
		if slices.Contains(ids, s.ID()) {
			out = append(out, s)
		}
	}
	return out, nil
}

// Verify checks every step (in parallel) and plans from what it found. It changes nothing.
func (e *Engine) Verify(ctx context.Context) []Result {
	// Every unset setting takes its option's default before any step reads the settings.
	e.Env.Settings = WithDefaults(e.Env.Settings, OptionsOf(e.Steps))
	e.freshFacts()
	results := make([]Result, len(e.Steps))
	var wg sync.WaitGroup
	for i, s := range e.Steps {
		wg.Go(func() { results[i] = printableResult(e.check(ctx, s)) })
	}
	wg.Wait()
	e.explainUnreachable(results)
	for i, r := range results {
		results[i] = mapResultText(r, e.Env.CLI.InText)
	}
	return results
}

// shown is out with the commands it suggests as the user runs hardsail (Env.CLI).
func (e *Engine) shown(out []Outcome) []Outcome {
	for i, o := range out {
		out[i].Detail, out[i].Fix = e.Env.CLI.InText(o.Detail), e.Env.CLI.InText(o.Fix)
	}
	return out
}

// explainUnreachable gives each step that could not reach the host the reason another step's
// state knows (SSH closed to this computer by the firewall) and that step as the way in.
func (e *Engine) explainUnreachable(results []Result) {
	for i, r := range results {
		ce := sshhost.Unreachable(r.Err)
		if r.Status != StatusUnknown || ce == nil {
			continue
		}
		for _, x := range results {
			ex, ok := e.step(x.Step).(AccessExplainer)
			if !ok || x.Err != nil || x.Step == r.Step {
				continue
			}
			if msg, ok := ex.ExplainUnreachable(x.State, ce); ok {
				results[i].Detail = "cannot reach the host: " + msg
				results[i].Fix, results[i].WaitsFor = e.Env.CLI.Line("apply", x.Step), x.Step
				break
			}
		}
	}
}

// freshFacts drops cached host facts and announces every step's query, so the next read of the
// host answers all steps in one remote command. Given the one step about to be checked (apply's
// and undo's checks), the other steps' scripts are left out: that check does not pay for their audits.
func (e *Engine) freshFacts(only ...Step) {
	e.Env.ForgetHostFacts()
	for _, s := range e.Steps {
		if q, ok := s.(HostQuery); ok {
			hq := q.HostQuery()
			if len(only) > 0 && !slices.Contains(only, s) {
				hq.Scripts, hq.LoginScripts = nil, nil
			}
			e.Env.AnnounceHostQuery(hq)
		}
	}
}

func (e *Engine) check(ctx context.Context, s Step) Result {
	r := Result{Step: s.ID(), Title: s.Title()}
	e.Env.Emit(Event{Kind: EventCheckStart, Step: r.Step})
	defer func() {
		e.Env.Emit(Event{Kind: EventCheckDone, Step: r.Step, Status: r.Status, Message: r.Detail})
	}()
	state, err := s.Check(ctx, e.Env)
	if err != nil {
		r.Status, r.Err = StatusUnknown, err
		r.Detail = "could not check: " + err.Error()
		r.Fix = HintOf(err)
		return r
	}
	r.State = state
	plan, err := s.Plan(state, e.Env.Settings)
	if err != nil {
		r.Status, r.Err = StatusFailed, err
		r.Detail = err.Error()
		r.Fix = HintOf(err)
		return r
	}
	plan.Step = r.Step
	plan.Fingerprint = state.Fingerprint()
	r.Plan, r.Findings = plan, state.Findings
	switch {
	case state.Skip != "":
		r.Status, r.Detail = StatusSkipped, state.Skip
	case !plan.Empty():
		add, change, destroy := plan.Counts()
		r.Status = StatusDrift
		r.Detail = fmt.Sprintf("%d to add, %d to change, %d to destroy", add, change, destroy)
		r.Fix = e.Env.CLI.Line("apply", r.Step)
	case state.Pending != "":
		r.Status, r.Detail = StatusPending, state.Pending
		r.Fix = e.Env.CLI.Line("apply", r.Step)
	default:
		r.Status, r.Detail = StatusOK, "compliant"
	}
	return r
}

// preflightError is a step's refusal to go ahead, naming the step.
type preflightError struct {
	step string
	err  error
}

func (e *preflightError) Error() string    { return e.err.Error() }
func (e *preflightError) Unwrap() error    { return e.err }
func (e *preflightError) HintText() string { return HintOf(e.err) }

// Preflight asks each step that has something to apply whether it may go ahead, before anything
// changes; the first refusal (a UsageError naming the flag) is returned.
func (e *Engine) Preflight(ctx context.Context, results []Result) error {
	for _, r := range results {
		if r.Plan.Empty() {
			continue
		}
		if p, ok := e.step(r.Step).(Preflighter); ok {
			if err := p.Preflight(ctx, e.Env, r.Plan); err != nil {
				return &preflightError{step: r.Step, err: err}
			}
		}
	}
	return nil
}

// Apply carries out the plans of results (from Verify), in order. A plan is refused when the live
// state moved since it was made. After each apply the step is checked again: a non-empty plan is a
// bug and is reported as failed. The first failure stops the run; later steps are skipped.
func (e *Engine) Apply(ctx context.Context, results []Result) []Outcome {
	if e.Journal == nil {
		panic("steps: Engine.Apply needs a journal")
	}
	// Nothing may change if any step's precondition (an agreed cost) is not met.
	if err := e.Preflight(ctx, results); err != nil {
		var blocked string
		var pe *preflightError
		if errors.As(err, &pe) {
			blocked, err = pe.step, pe.err
		}
		out := make([]Outcome, 0, len(results))
		for _, r := range results {
			o := Outcome{Step: r.Step, Status: StatusSkipped, Detail: "not applied: " + blocked + " cannot go ahead"}
			if r.Step == blocked {
				o.Status, o.Detail, o.Fix = StatusFailed, err.Error(), HintOf(err)
			}
			out = append(out, o)
		}
		return e.shown(out)
	}
	var out []Outcome
	prepared := e.Prepare == nil
	failed, opened := "", false
	for _, r := range results {
		if !r.NeedsApply() && r.WaitsFor == "" {
			continue
		}
		if failed != "" {
			out = append(out, Outcome{Step: r.Step, Status: StatusSkipped, Detail: "not applied: " + failed + " failed first"})
			continue
		}
		if ctx.Err() != nil { // a step before left its wait when the run was cancelled
			out = append(out, Outcome{Step: r.Step, Status: StatusSkipped, Detail: "not applied: the run was cancelled (" + context.Cause(ctx).Error() + ")"})
			continue
		}
		if r.WaitsFor != "" && !r.NeedsApply() {
			var o *Outcome
			if r, o = e.recheck(ctx, r, opened); o != nil {
				out = append(out, *o)
				if o.Status.Bad() {
					failed = r.Step
				}
				continue
			}
		}
		if !prepared && !r.Plan.Empty() {
			prepared = true
			o := e.prepare(ctx)
			out = append(out, o)
			if o.Status.Bad() {
				failed = o.Step
				out = append(out, Outcome{Step: r.Step, Status: StatusSkipped, Detail: "not applied: " + failed + " failed first"})
				continue
			}
		}
		o := e.applyOne(ctx, r)
		out = append(out, o)
		if o.Status.Bad() {
			failed = r.Step
		}
		opened = opened || o.Status == StatusChanged || o.Status == StatusPending
	}
	return e.shown(out)
}

// recheck checks again a step that could not reach the host, once an earlier step of this run
// changed something (opened: the firewall now admits this computer). It returns the fresh result
// to apply, or the outcome when there is nothing to apply (compliant, still unreachable, refused).
func (e *Engine) recheck(ctx context.Context, r Result, opened bool) (Result, *Outcome) {
	if !opened {
		return r, &Outcome{Step: r.Step, Status: StatusSkipped, Detail: "not checked: " + r.WaitsFor + " changed nothing; " + r.Detail, Fix: r.Fix}
	}
	s := e.step(r.Step)
	if s == nil {
		return r, &Outcome{Step: r.Step, Status: StatusFailed, Detail: r.Step + ": no such step"}
	}
	e.freshFacts(s)
	fresh := e.check(ctx, s)
	switch {
	case fresh.Status.Bad():
		return fresh, &Outcome{Step: r.Step, Status: StatusFailed, Detail: fresh.Detail, Fix: fresh.Fix}
	case !fresh.NeedsApply():
		return fresh, &Outcome{Step: r.Step, Status: fresh.Status, Detail: fresh.Detail}
	}
	if err := e.Preflight(ctx, []Result{fresh}); err != nil {
		return fresh, &Outcome{Step: r.Step, Status: StatusFailed, Detail: err.Error(), Fix: HintOf(err)}
	}
	return fresh, nil
}

// ToApply returns the results apply has something to do for, and whether any step failed or could
// not be checked (then nothing should be applied around it).
// A step that could not reach the host is no failure when a step to be applied opens the way in
// (WaitsFor): it is applied after that step, checked again.
func ToApply(results []Result) (todo []Result, bad bool) {
	for _, r := range results {
		waits := r.WaitsFor != "" && slices.ContainsFunc(results, func(x Result) bool { return x.Step == r.WaitsFor && x.NeedsApply() })
		if r.NeedsApply() || waits {
			todo = append(todo, r)
		}
		bad = bad || (r.Status.Bad() && !waits)
	}
	return todo, bad
}

// HasChanges reports whether any plan would change something (a pending wait alone is not a change).
func HasChanges(results []Result) bool {
	return slices.ContainsFunc(results, func(r Result) bool { return !r.Plan.Empty() })
}

// NeedsApply reports whether apply has something to do for the result: changes, or a wait to resume.
func (r Result) NeedsApply() bool { return r.Status == StatusDrift || r.Status == StatusPending }

func (e *Engine) prepare(ctx context.Context) Outcome {
	id := e.Prepare.ID()
	rep, err := e.Prepare.Prepare(ctx, e.Env, NewRecorder(e.Journal, e.Env, id))
	return outcomeOf(id, rep, err)
}

// outcomeOf is the status the engine gives what a step reported.
func outcomeOf(step string, rep Report, err error) Outcome {
	o := Outcome{Step: step, Status: StatusChanged, Detail: rep.Detail, Secrets: rep.Secrets}
	switch {
	case err != nil:
		o.Status, o.Detail, o.Fix = StatusFailed, joinDetail(rep.Detail, err.Error()), HintOf(err)
	case rep.Manual != "":
		o.Status, o.Detail = StatusSkipped, joinDetail(rep.Detail, rep.Manual)
	}
	o.Detail, o.Fix = Printable(o.Detail), Printable(o.Fix)
	return o
}

func (e *Engine) applyOne(ctx context.Context, r Result) Outcome {
	s := e.step(r.Step)
	fail := func(err error) Outcome {
		o := Outcome{Step: r.Step, Status: StatusFailed, Detail: err.Error(), Fix: HintOf(err)}
		e.Env.Emit(Event{Kind: EventApplyDone, Step: r.Step, Status: o.Status, Message: o.Detail})
		return o
	}
	if s == nil {
		return fail(fmt.Errorf("%s: no such step", r.Step))
	}
	e.freshFacts(s)
	live, err := s.Check(ctx, e.Env)
	if err != nil {
		return fail(fmt.Errorf("%s: check before apply: %w", r.Step, err))
	}
	if live.Fingerprint() != r.Plan.Fingerprint {
		return fail(&StalePlanError{Step: r.Step})
	}
	e.Env.Emit(Event{Kind: EventApplyStart, Step: r.Step})
	rep, err := s.Apply(ctx, e.Env, live, r.Plan, NewRecorder(e.Journal, e.Env, r.Step))
	o := outcomeOf(r.Step, rep, err)
	if err != nil {
		e.Env.Emit(Event{Kind: EventApplyDone, Step: r.Step, Status: o.Status, Message: o.Detail})
		return o
	}
	e.freshFacts(s)
	actx, cancel := checkAfterCtx(ctx)
	defer cancel()
	after := e.check(actx, s)
	if after.Err != nil {
		return fail(fmt.Errorf("%s: check after apply: %w", r.Step, after.Err))
	}
	if !after.Plan.Empty() {
		return fail(&InconsistentError{Step: r.Step, Remains: after.Plan.Changes})
	}
	if after.Status == StatusPending {
		// Keep what apply said (a sign-in URL) and add what is still awaited.
		o.Status, o.Detail, o.Fix = StatusPending, Printable(joinDetail(rep.Detail, after.Detail)), Printable(after.Fix)
	}
	// What is saved is what was applied, and only once it was.
	if err := e.settle(s, rep.Resolved); err != nil {
		return fail(err)
	}
	if e.SettingsPath != "" {
		if err := SaveSettings(e.SettingsPath, e.Env.Settings); err != nil {
			return fail(err)
		}
	}
	e.Env.Emit(Event{Kind: EventApplyDone, Step: r.Step, Status: o.Status, Message: o.Detail})
	return o
}

// checkAfterCtx is the context of the check after an apply that returned without error: ctx, or
// when the run was cancelled meanwhile (the step left its wait: what it made is journaled), one of
// its own for that read-only check, with a short deadline, so the outcome says pending, not failed.
func checkAfterCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Err() == nil {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// settle stores the settings a step resolved while applying into the run's settings.
func (e *Engine) settle(s Step, resolved map[string]string) error {
	if len(resolved) == 0 {
		return nil
	}
	o, ok := s.(Optioner)
	if !ok {
		return fmt.Errorf("%s resolved settings but declares no options", s.ID())
	}
	for _, opt := range o.Options() {
		if v, ok := resolved[opt.Flag]; ok {
			if err := opt.Set(&e.Env.Settings, v); err != nil {
				return fmt.Errorf("%s: save the applied --%s: %w", s.ID(), opt.Flag, err)
			}
		}
	}
	return nil
}

func joinDetail(a, b string) string {
	switch {
	case a == "" || a == b:
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

func (e *Engine) step(id string) Step {
	for _, s := range e.Steps {
		if s.ID() == id {
			return s
		}
	}
	return nil
}

// UndoPlan returns, per step and newest first, the journal entries undo would reverse.
func (e *Engine) UndoPlan() ([]Entry, error) {
	if e.Journal == nil {
		panic("steps: Engine.UndoPlan needs a journal")
	}
	entries, err := e.Journal.Entries()
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(e.Steps))
	for i, s := range e.Steps {
		ids[i] = s.ID()
	}
	return Undoable(entries, ids...), nil
}

// Undo reverses the given entries (from UndoPlan), one step at a time, newest step first.
func (e *Engine) Undo(ctx context.Context, entries []Entry) []Outcome {
	var order []string
	groups := map[string][]Entry{}
	for _, en := range entries {
		if _, ok := groups[en.Step]; !ok {
			order = append(order, en.Step)
		}
		groups[en.Step] = append(groups[en.Step], en)
	}
	var out []Outcome
	for _, id := range order {
		s := e.step(id)
		if s == nil {
			out = append(out, Outcome{Step: id, Status: StatusFailed, Detail: "no such step in this hardsail"})
			continue
		}
		e.Env.Emit(Event{Kind: EventUndoStart, Step: id})
		e.freshFacts(s)
		rec := NewRecorder(e.Journal, e.Env, id)
		rep, err := s.Undo(ctx, e.Env, groups[id], rec)
		o := outcomeOf(id, rep, err)
		if err == nil && rep.Manual != "" && rec.acted > 0 {
			// Part was reversed and part is left to the user: it changed, and says what is left.
			o.Status = StatusChanged
		}
		e.Env.Emit(Event{Kind: EventUndoDone, Step: id, Status: o.Status, Message: o.Detail})
		out = append(out, o)
	}
	return e.shown(out)
}

// HintOf returns the one action that fixes err, if it names one.
func HintOf(err error) string {
	var h interface{ HintText() string }
	if errors.As(err, &h) {
		return h.HintText()
	}
	return ""
}

package tui

import (
	"context"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
)

// Messages that carry the engine's answers back to Update. Every engine call runs in a tea.Cmd;
// Update and View never wait on AWS or SSH.
type (
	// verifiedMsg is a Verify of every step, or of one step when only is set.
	verifiedMsg struct {
		only    string
		results []steps.Result
		// site names the blueprint (a whole verify only; "" when it could not be told).
		site string
		// zones are the time zones the steps' time-of-day questions are on (loadZones).
		zones map[string]*time.Location
	}
	appliedMsg struct {
		step string
		outs []steps.Outcome
	}
	// undoPlanMsg is what undo would reverse for step, or for every step when step is "".
	undoPlanMsg struct {
		step    string
		entries []steps.Entry
		err     error
	}
	undoneMsg struct{ outs []steps.Outcome }
	// historyReadMsg is the journal, oldest first.
	historyReadMsg struct {
		entries []steps.Entry
		err     error
	}
	// eventMsg is one progress event from the engine's observer.
	eventMsg steps.Event
	// openedMsg is the engine for the instance chosen on the start screen.
	openedMsg struct {
		instance string
		engine   *steps.Engine
		err      error
	}
)

// runner owns the engine and the channel its progress and questions arrive on. The model issues at
// most one engine call at a time, so the settings it sets before a call are never read concurrently.
type runner struct {
	ctx      context.Context
	engine   *steps.Engine
	bus      chan tea.Msg
	prepared bool
	// asker wraps the wizard's asker (Options.asker).
	asker func(steps.Asker) steps.Asker
}

func newRunner(ctx context.Context) *runner {
	// Buffered so a burst of command-log events does not hold a step up while the screen redraws.
	return &runner{ctx: ctx, bus: make(chan tea.Msg, 256)}
}

// attach makes the runner the engine's observer (after any observer cmd set, e.g. the log file)
// and its asker.
func (r *runner) attach(e *steps.Engine) {
	r.engine = e
	prev := e.Env.Observer
	e.Env.Observer = steps.ObserverFunc(func(ev steps.Event) {
		if prev != nil {
			prev.Event(ev)
		}
		select {
		case r.bus <- eventMsg(ev):
		case <-r.ctx.Done():
		}
	})
	var ask steps.Asker = &modalAsker{bus: r.bus}
	if r.asker != nil {
		ask = r.asker(ask)
	}
	e.Env.Ask = ask
}

// leaveWaits stops the engine's waits (the user pressed esc, or quit, during one).
func (r *runner) leaveWaits() {
	if r.engine != nil {
		r.engine.Env.LeaveWaits()
	}
}

// listen waits for the next event or question; Update calls it again after each one.
func (r *runner) listen() tea.Cmd {
	return func() tea.Msg {
		select {
		case m := <-r.bus:
			return m
		case <-r.ctx.Done():
			return nil
		}
	}
}

func (r *runner) sub(only string) *steps.Engine {
	e := *r.engine
	if only != "" {
		e.Steps = slices.DeleteFunc(slices.Clone(e.Steps), func(s steps.Step) bool { return s.ID() != only })
	}
	return &e
}

// verify checks every step (only == "") or one, with settings s in force from now on.
func (r *runner) verify(only string, s *steps.Settings) tea.Cmd {
	e := r.sub(only)
	return func() tea.Msg {
		if s != nil {
			e.Env.Settings = *s
		}
		msg := verifiedMsg{only: only, results: e.Verify(r.ctx)}
		msg.zones = loadZones(e.Steps, msg.results)
		if only == "" {
			// The host facts are cached by the verify: this costs no extra round trip.
			msg.site, _ = blueprint.Describe(r.ctx, e.Env)
		}
		return msg
	}
}

// apply carries out one step's plan. The engine's Prepare hook (the snapshot) runs before the
// first change of the wizard's session only, not before every step.
func (r *runner) apply(res steps.Result) tea.Cmd {
	e := r.sub(res.Step)
	if r.prepared {
		e.Prepare = nil
	}
	r.prepared = true
	return func() tea.Msg {
		return appliedMsg{step: res.Step, outs: e.Apply(r.ctx, []steps.Result{res})}
	}
}

// applyAll carries out the plans of every step that is left, in one apply (one snapshot first,
// the engine's order and its stops when a step fails).
func (r *runner) applyAll(rs []steps.Result) tea.Cmd {
	e := r.sub("")
	if r.prepared {
		e.Prepare = nil
	}
	r.prepared = true
	return func() tea.Msg { return appliedMsg{step: everyStep, outs: e.Apply(r.ctx, rs)} }
}

// history reads the journal.
func (r *runner) history() tea.Cmd {
	j := r.engine.Journal
	return func() tea.Msg {
		if j == nil {
			return historyReadMsg{}
		}
		entries, err := j.Entries()
		return historyReadMsg{entries: entries, err: err}
	}
}

func (r *runner) undoPlan(step string) tea.Cmd {
	e := r.sub(step)
	return func() tea.Msg {
		if e.Journal == nil {
			return undoPlanMsg{step: step}
		}
		entries, err := e.UndoPlan()
		return undoPlanMsg{step: step, entries: entries, err: err}
	}
}

func (r *runner) undo(entries []steps.Entry) tea.Cmd {
	e := r.sub("")
	return func() tea.Msg { return undoneMsg{outs: e.Undo(r.ctx, entries)} }
}

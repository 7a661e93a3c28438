package tui

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"

	"charm.land/huh/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/iostreams"
	"github.com/hardsail/hardsail/tui/render"
	"github.com/hardsail/hardsail/tui/theme"
)

// lineReader hands out input one line per Read: huh's accessible prompts wrap the reader in a new
// scanner for every question, and a scanner that read ahead would swallow the next answers.
type lineReader struct{ r *bufio.Reader }

func (l lineReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		b, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		p[n] = b
		n++
		if b == '\n' {
			break
		}
	}
	return n, nil
}

// plain is the wizard as line-by-line prompts over the same engine.
type plain struct {
	ctx  context.Context
	o    Options
	in   io.Reader
	out  io.Writer
	form huh.Theme
	t    theme.Theme
	eng  *steps.Engine
	// prepared: the snapshot hook ran before this session's first change.
	prepared bool
	// busy is held during every engine call: Ctrl+C waits for one in flight (it sees the cancel and
	// journals how it ended), never for a prompt.
	busy sync.Mutex
}

func call[T any](p *plain, f func() T) T {
	p.busy.Lock()
	defer p.busy.Unlock()
	return f()
}

func call2[T any](p *plain, f func() (T, error)) (T, error) {
	p.busy.Lock()
	defer p.busy.Unlock()
	return f()
}

// runPlainCancellable runs the plain wizard until it ends or ctx is cancelled (Ctrl+C): then it
// returns at once, even while a prompt waits on the terminal (a read cannot be interrupted), once
// an engine call in flight has ended.
func runPlainCancellable(ctx context.Context, o Options) error {
	p := &plain{ctx: ctx, o: o, in: lineReader{bufio.NewReader(o.IO.In)}, out: plainWriter(o.IO, o.IO.Out), t: o.IO.Theme()}
	done := make(chan error, 1)
	go func() { done <- p.run() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		// Held for good: the session makes no engine call after the cancel.
		p.busy.Lock()
		return ctx.Err()
	}
}

func (p *plain) run() error {
	ctx, o := p.ctx, p.o
	p.form = theme.NewWizard(p.t, true).Form
	instance := o.Instance
	fmt.Fprintf(p.out, "hardsail: you are %s (account %s)\n", o.Identity.ARN, o.Identity.Account)
	if o.Identity.Root {
		fmt.Fprintln(p.out, render.RootWarning)
	}
	p.eng = o.Engine
	if p.eng == nil {
		instance = o.Instances[0]
		sel := huh.NewSelect[string]().Title(fmt.Sprintf("%d Lightsail instances in %s: which one?", len(o.Instances), o.Region)).
			Options(huh.NewOptions(o.Instances...)...).Value(&instance)
		if err := p.ask(sel); err != nil {
			return err
		}
		e, err := o.Open(ctx, instance)
		if err != nil {
			return err
		}
		p.eng = e
	}
	fmt.Fprintf(p.out, "Instance %s in %s\n", instance, o.Region)
	if o.SSH != "" {
		fmt.Fprintf(p.out, "SSH: %s\n", o.SSH)
	}
	prev := p.eng.Env.Observer
	p.eng.Env.Observer = steps.ObserverFunc(func(ev steps.Event) {
		if prev != nil {
			prev.Event(ev)
		}
		if line := render.Progress(p.t, ev); line != "" {
			fmt.Fprintln(p.out, line)
		}
	})
	p.eng.Env.Ask = o.asker(&plainAsker{in: p.in, out: p.out, theme: p.form, busy: &p.busy})

	results := p.check()
	defer func() {
		fmt.Fprintln(p.out)
		printRecap(p.out, o, instance, results, p.applied())
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Quit is the default so closed input ends the session instead of going round.
		choice := "quit"
		var opts []huh.Option[string]
		if n := p.attention(results); n > 0 {
			opts = append(opts, huh.NewOption(fmt.Sprintf("Walk the %d step(s) that need attention", n), "walk"))
		}
		if n := len(left(results)); n > 0 {
			opts = append(opts, huh.NewOption(fmt.Sprintf("Apply all that is left (%d step(s))", n), "apply-all"))
		}
		opts = append(opts, huh.NewOption("Undo a step's changes", "undo"), huh.NewOption("Undo all of hardsail's changes", "undo-all"),
			huh.NewOption("Show the history", "history"), huh.NewOption("Check again", "check"), huh.NewOption("Quit", "quit"))
		if err := p.ask(huh.NewSelect[string]().Title("What next?").Options(opts...).Value(&choice)); err != nil {
			return err
		}
		switch choice {
		case "walk":
			results = p.walk(results)
		case "apply-all":
			p.applyAll(results)
			results = p.check()
		case "undo", "undo-all":
			p.undo(results, choice == "undo-all")
			results = p.check()
		case "history":
			p.history()
		case "check":
			results = p.check()
		default:
			return nil
		}
	}
}

// plainWriter is w for huh's plain prompts: huh writes its titles styled, so off colour they go
// out through a writer that drops the styling.
func plainWriter(ios *iostreams.IOStreams, w io.Writer) io.Writer {
	if ios.ColorEnabled() {
		return w
	}
	return &colorprofile.Writer{Forward: w, Profile: colorprofile.NoTTY}
}

// attention counts the steps the walk visits.
func (p *plain) attention(rs []steps.Result) int {
	n := 0
	for _, r := range rs {
		if walked(stepOf(p.eng.Steps, r.Step), r, p.eng.Env.Settings) {
			n++
		}
	}
	return n
}

// shown are the results in the wizard's words.
func (p *plain) shown(rs []steps.Result) []steps.Result {
	out := make([]steps.Result, len(rs))
	for i, r := range rs {
		out[i] = shown(stepOf(p.eng.Steps, r.Step), r, p.eng.Env.Settings)
	}
	return out
}

// askAll asks each group that is to be shown, in turn.
func (p *plain) askAll(gs []askGroup) error {
	for _, g := range gs {
		if g.show != nil && !g.show() {
			continue
		}
		if err := p.ask(g.fields...); err != nil {
			return err
		}
	}
	return nil
}

// clock is the user's clock and the instance's zones, for time-of-day questions.
func (p *plain) clock(rs []steps.Result) clock {
	return clock{now: p.o.clock()(), local: p.o.zone(), zones: loadZones(p.eng.Steps, rs)}
}

// ask runs huh fields in accessible mode; input closed (EOF) leaves each at its default.
func (p *plain) ask(fields ...huh.Field) error {
	return huh.NewForm(huh.NewGroup(fields...)).WithTheme(p.form).WithAccessible(true).
		WithInput(p.in).WithOutput(p.out).RunWithContext(p.ctx)
}

func (p *plain) check() []steps.Result {
	fmt.Fprintf(p.out, "\nChecking %d steps (nothing is changed)…\n", len(p.eng.Steps))
	rs := call(p, func() []steps.Result { return p.eng.Verify(p.ctx) })
	fmt.Fprint(p.out, render.WizardRecap(p.t, p.shown(rs), p.applied()))
	if t := doneText(rs); t != "" {
		fmt.Fprintln(p.out, t)
	}
	return rs
}

// applied says which steps have changes in the journal that undo could reverse (so a difference
// is drift, not "to do").
func (p *plain) applied() func(string) bool {
	n := map[string]int{}
	if p.eng.Journal != nil {
		if entries, err := call2(p, p.eng.UndoPlan); err == nil {
			for _, e := range entries {
				n[e.Step]++
			}
		}
	}
	return func(step string) bool { return n[step] > 0 }
}

func (p *plain) sub(step string) *steps.Engine {
	e := *p.eng
	e.Steps = slices.DeleteFunc(slices.Clone(e.Steps), func(s steps.Step) bool { return s.ID() != step })
	return &e
}

// walk takes each step that needs attention in turn: why, questions, preview, apply or skip.
func (p *plain) walk(results []steps.Result) []steps.Result {
	for i, r := range results {
		if !walked(stepOf(p.eng.Steps, r.Step), r, p.eng.Env.Settings) {
			continue
		}
		fmt.Fprintf(p.out, "\n# %s: %s\n%s\n\n", r.Step, r.Title, whyText(stepOf(p.eng.Steps, r.Step), r.Title))
		if qs := newAnswers(optionsOf(stepOf(p.eng.Steps, r.Step)), p.eng.Env.Settings, r); len(qs.qs) > 0 {
			if err := p.askAll(qs.groups(r, p.clock(results), true)); err != nil {
				return results
			}
			p.eng.Env.Settings = qs.settings(p.eng.Env.Settings)
			if rs := call(p, func() []steps.Result { return p.sub(r.Step).Verify(p.ctx) }); len(rs) == 1 {
				r = rs[0]
				results[i] = r
			}
		}
		fmt.Fprint(p.out, "\n"+render.WizardPlan(p.t, p.shown([]steps.Result{r})))
		if r.Status != steps.StatusDrift && r.Status != steps.StatusPending {
			continue
		}
		// Skip is the default: nothing changes unless the user picks Apply.
		next := "skip"
		if err := p.ask(huh.NewSelect[string]().Title("Apply this step?").Options(
			huh.NewOption("Apply", "apply"), huh.NewOption("Skip", "skip"), huh.NewOption("Back to the menu", "back")).Value(&next)); err != nil {
			return results
		}
		switch next {
		case "skip":
			fmt.Fprintf(p.out, "%s skipped: nothing was changed.\n", r.Step)
			continue
		case "back":
			return results
		}
		e := p.sub(r.Step)
		if p.prepared {
			e.Prepare = nil
		}
		p.prepared = true
		outs := call(p, func() []steps.Outcome { return e.Apply(p.ctx, []steps.Result{r}) })
		fmt.Fprint(p.out, "\n"+render.WizardOutcomes(p.t, shownOutcomes(p.eng.Steps, outs))+secretsText(p.t, outs))
		if rs := call(p, func() []steps.Result { return p.sub(r.Step).Verify(p.ctx) }); len(rs) == 1 {
			results[i] = rs[0]
		}
	}
	fmt.Fprint(p.out, "\n"+render.WizardRecap(p.t, p.shown(results), p.applied()))
	return results
}

// undo names what undo of one step (or of all) restores, asks, and undoes it.
func (p *plain) undo(results []steps.Result, all bool) {
	if p.eng.Journal == nil {
		fmt.Fprintln(p.out, "Nothing to undo: no journal is open.")
		return
	}
	plan, err := call2(p, p.eng.UndoPlan)
	if err != nil {
		fmt.Fprintf(p.out, "✗ %v\n", err)
		return
	}
	if all || len(plan) == 0 {
		p.confirmUndo(plan)
		return
	}
	count := map[string]int{}
	for _, e := range plan {
		count[e.Step]++
	}
	var opts []huh.Option[string]
	for _, r := range results {
		if count[r.Step] > 0 {
			opts = append(opts, huh.NewOption(fmt.Sprintf("%s (%s)", r.Step, undoableText(count[r.Step])), r.Step))
		}
	}
	step := ""
	opts = append(opts, huh.NewOption("Back to the menu", ""))
	if err := p.ask(huh.NewSelect[string]().Title("Undo which step?").Options(opts...).Value(&step)); err != nil || step == "" {
		return
	}
	p.confirmUndo(slices.DeleteFunc(plan, func(e steps.Entry) bool { return e.Step != step }))
}

// confirmUndo lists what undo restores, asks (no is the default), and undoes it.
func (p *plain) confirmUndo(entries []steps.Entry) {
	fmt.Fprint(p.out, render.UndoList(p.t, entries))
	if len(entries) == 0 {
		return
	}
	yes := false
	if err := p.ask(huh.NewConfirm().Title("Undo these changes?").Value(&yes)); err != nil || !yes {
		fmt.Fprintln(p.out, "Undo cancelled; nothing was changed.")
		return
	}
	outs := call(p, func() []steps.Outcome { return p.eng.Undo(p.ctx, entries) })
	fmt.Fprint(p.out, "\n"+render.WizardOutcomes(p.t, shownOutcomes(p.eng.Steps, outs)))
}

// left are the results of the steps that still have changes to apply or a wait to finish.
func left(rs []steps.Result) []steps.Result {
	return slices.DeleteFunc(slices.Clone(rs), func(r steps.Result) bool {
		return r.Status != steps.StatusDrift && r.Status != steps.StatusPending
	})
}

// applyAll shows the plans of every step that is left, asks (no is the default), and applies
// them in one go.
func (p *plain) applyAll(results []steps.Result) {
	rs := left(results)
	fmt.Fprint(p.out, "\n"+render.WizardPlan(p.t, p.shown(rs)))
	yes := false
	if err := p.ask(huh.NewConfirm().Title(fmt.Sprintf("Apply these %d step(s)?", len(rs))).Value(&yes)); err != nil || !yes {
		fmt.Fprintln(p.out, "Nothing was applied.")
		return
	}
	e := *p.eng
	if p.prepared {
		e.Prepare = nil
	}
	p.prepared = true
	outs := call(p, func() []steps.Outcome { return e.Apply(p.ctx, rs) })
	fmt.Fprint(p.out, "\n"+render.WizardOutcomes(p.t, shownOutcomes(p.eng.Steps, outs))+secretsText(p.t, outs))
}

// history prints the journal, oldest first.
func (p *plain) history() {
	if p.eng.Journal == nil {
		fmt.Fprintln(p.out, "No journal is open: there is no history.")
		return
	}
	entries, err := call2(p, p.eng.Journal.Entries)
	if err != nil {
		fmt.Fprintf(p.out, "✗ %v\n", err)
		return
	}
	fmt.Fprint(p.out, "\n"+render.History(p.t, entries))
}

package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
	"github.com/hardsail/hardsail/tui/theme"
)

// progressScreen shows an apply or an undo as it runs: each change and long wait with a spinner and
// the time it has taken, then what was done. The command log is a layer of its own (key l).
type progressScreen struct {
	c       *common
	keys    keyMap
	verb    string // "Applying" | "Undoing"
	step    string
	started time.Time
	lines   []progressLine
	// words is what a change becomes once done, by address: "created", "removed", "put back"…
	words map[string]string
	outs  []steps.Outcome
	done  bool
	// quitting is set when the user asked to quit: the change in flight finishes first.
	quitting bool
	// waiting is a step waiting on something slow (a certificate's validation); leaving says the
	// user chose to stop waiting (Leave).
	waiting, leaving bool
	now              func() time.Time
	body             pager
	w, h             int
}

type progressLine struct {
	key, text string
	since     time.Time
	done      bool
	// mark is the symbol and word a finished line starts with.
	mark string
}

func newProgress(c *common, verb, step string, words map[string]string, now func() time.Time) *progressScreen {
	p := &progressScreen{c: c, keys: defaultKeys(), verb: verb, step: step, words: words, started: now(), now: now, body: newPager()}
	p.refreshKeys()
	return p
}

// applyWords says what each change of the plans becomes once applied.
func applyWords(results ...steps.Result) map[string]string {
	w := map[string]string{}
	for _, r := range results {
		for _, c := range r.Plan.Changes {
			w[c.Address] = map[steps.Action]string{steps.Create: "created", steps.Update: "changed", steps.Delete: "removed"}[c.Action]
		}
	}
	return w
}

// undoWords says what undoing each entry does: what was created is removed, and so on.
func undoWords(entries []steps.Entry) map[string]string {
	w := map[string]string{}
	for _, e := range entries {
		w[e.Change.Address] = map[steps.Action]string{steps.Create: "removed", steps.Update: "restored", steps.Delete: "put back"}[e.Change.Action]
	}
	return w
}

func (p *progressScreen) refreshKeys() {
	enable(&p.keys.Continue, p.done)
	enable(&p.keys.Leave, p.waiting && !p.leaving && !p.done)
}

// leave stops the waits under way: the step reports pending and the next run carries on.
func (p *progressScreen) leave() tea.Cmd {
	p.leaving = true
	p.refreshKeys()
	return send(leaveWaitMsg{})
}

// event takes one progress event from the engine.
func (p *progressScreen) event(ev steps.Event) {
	at := ev.At
	if at.IsZero() {
		at = p.now()
	}
	st := p.c.styles
	if p.done && ev.Kind != steps.EventChangeDone {
		// An event can trail the call's return: a change's end still says how it ended, but
		// nothing starts (or spins) once the work is over.
		return
	}
	switch ev.Kind {
	case steps.EventApplyStart, steps.EventUndoStart:
		p.upsert(progressLine{key: "step:" + ev.Step, text: ev.Step + ": " + strings.ToLower(p.verb) + "…", since: at})
	case steps.EventApplyDone, steps.EventUndoDone:
		p.waiting = false
		p.refreshKeys()
		p.finishWaits(ev.Step)
		p.finish("step:"+ev.Step, statusMark(p.c, ev.Status)+" "+render.StatusStyle(st.Theme, ev.Status)(string(ev.Status)), ev.Step+detail(ev.Message))
	case steps.EventChangeStart:
		p.waiting = false
		p.refreshKeys()
		p.upsert(progressLine{key: "change:" + ev.Address, text: ev.Address, since: at})
	case steps.EventChangeDone:
		p.finish("change:"+ev.Address, p.changeMark(ev), ev.Address+detail(ev.Message))
	case steps.EventWait:
		p.waiting = true
		p.refreshKeys()
		p.finishWaits(ev.Step)
		p.upsert(progressLine{key: "wait:" + ev.Step + ":" + ev.Message, text: ev.Message, since: at})
	}
}

// changeMark says how a change ended, in a word beside the symbol.
func (p *progressScreen) changeMark(ev steps.Event) string {
	st := p.c.styles
	switch ev.Status {
	case steps.StatusChanged:
		word := p.words[ev.Address]
		if word == "" {
			word = "done"
		}
		return st.OK.Render("✓") + " " + word
	case steps.StatusUnknown:
		return st.Failed.Render("✗") + " " + st.Failed.Render("unknown (may be partly done; undo checks it)")
	}
	return st.Failed.Render("✗") + " " + st.Failed.Render(string(ev.Status))
}

func detail(s string) string {
	if s == "" {
		return ""
	}
	return " — " + s
}

func (p *progressScreen) upsert(l progressLine) {
	for i := range p.lines {
		if p.lines[i].key == l.key {
			p.lines[i] = l
			return
		}
	}
	p.lines = append(p.lines, l)
}

func (p *progressScreen) finish(k, mark, text string) {
	for i := range p.lines {
		if p.lines[i].key == k {
			p.lines[i].done, p.lines[i].mark, p.lines[i].text = true, mark, text
			return
		}
	}
	p.lines = append(p.lines, progressLine{key: k, text: text, done: true, mark: mark})
}

// ended is the mark of a wait that is over, or of a line the work left: it claims no success.
const ended = "·"

// finishWaits ends the step's waits: a new wait or the step's end means the last one is over,
// whatever it found (a record "not visible yet" is not a success).
func (p *progressScreen) finishWaits(step string) {
	for i := range p.lines {
		if strings.HasPrefix(p.lines[i].key, "wait:"+step+":") && !p.lines[i].done {
			p.lines[i].done, p.lines[i].mark = true, ended
		}
	}
}

// finished records what the apply or undo did. Nothing spins after this.
func (p *progressScreen) finished(outs []steps.Outcome) {
	p.outs, p.done = outs, true
	for i := range p.lines {
		if !p.lines[i].done {
			p.lines[i].done, p.lines[i].mark = true, ended
		}
	}
	p.refreshKeys()
}

func (p *progressScreen) SetSize(w, h int) {
	p.w, p.h = w, h
	p.body.SetSize(w, h)
}

func (p *progressScreen) Capturing() bool { return false }

func (p *progressScreen) Help() keyHelp {
	k := p.keys
	scroll := p.body.Bindings()
	return keyHelp{short: []key.Binding{k.Continue, k.Leave, scroll[3]}, full: [][]key.Binding{{k.Continue, k.Leave}, scroll}}
}

func (p *progressScreen) Update(msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyPressMsg); ok && key.Matches(km, p.keys.Continue) {
		return send(continueMsg{after: p.step})
	}
	if km, ok := msg.(tea.KeyPressMsg); ok && key.Matches(km, p.keys.Leave) {
		return p.leave()
	}
	cmd, _ := p.body.Update(msg)
	return cmd
}

func elapsed(d time.Duration) string {
	d = d.Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// text is everything the screen says; the pager wraps it and scrolls it.
func (p *progressScreen) text() string {
	st := p.c.styles
	var b strings.Builder
	title := fmt.Sprintf("%s %s", p.verb, p.step)
	if p.step == everyStep {
		title = map[string]string{"Applying": "Applying all that is left", "Undoing": "Undoing every change"}[p.verb]
	}
	if !p.done {
		title += st.Subtle.Render("  " + elapsed(p.now().Sub(p.started)))
	}
	b.WriteString(st.Title.Render(title) + "\n\n")
	for _, l := range p.lines {
		switch {
		case p.done && strings.HasPrefix(l.key, "step:"):
			// The outcomes below say how each step ended: not twice.
		case l.done:
			fmt.Fprintf(&b, "  %s %s\n", l.mark, l.text)
		default:
			fmt.Fprintf(&b, "  %s %s %s\n", p.c.spinner.View(), l.text, st.Subtle.Render(elapsed(p.now().Sub(l.since))))
		}
	}
	if p.done {
		b.WriteString("\n" + render.WizardOutcomes(st.Theme, p.outs))
		b.WriteString(secretsText(st.Theme, p.outs))
	}
	if p.leaving {
		b.WriteString("\n" + st.Warning.Render(leavingText) + "\n")
	} else if p.quitting && !p.done {
		b.WriteString("\n" + st.Warning.Render("Quitting once this change has finished…") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (p *progressScreen) View() string {
	// The newest lines (and at the end the outcomes and secrets) stay in sight unless the reader
	// scrolled up.
	p.body.Follow(p.text())
	out := p.body.View()
	if mark := p.body.Mark(); mark != "" {
		out = strings.Join(strings.Split(out, "\n")[:max(p.h-1, 1)], "\n") + "\n" + p.c.styles.Subtle.Render("("+mark+")")
	}
	return out
}

// secretsText shows each secret once, the value alone on its own line so it can be copied whole.
func secretsText(t theme.Theme, outs []steps.Outcome) string {
	var b strings.Builder
	for _, o := range outs {
		for _, k := range slices.Sorted(maps.Keys(o.Secrets)) {
			fmt.Fprintf(&b, "\n%s\n%s\n", t.Warning.Render("Shown once, save it now — "+k+":"), o.Secrets[k])
		}
	}
	return b.String()
}

// statusMark is a status's symbol in its colour.
func statusMark(c *common, s steps.Status) string {
	return render.StatusStyle(c.styles.Theme, s)(s.Symbol())
}

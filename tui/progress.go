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
)

// progressScreen shows an apply or an undo as it runs: each change and long wait with a spinner and
// the time it has taken, the command log (toggled), and at the end what was done.
type progressScreen struct {
	c       *common
	keys    keyMap
	verb    string // "Applying" | "Undoing"
	step    string
	started time.Time
	lines   []progressLine
	log     []string
	showLog bool
	outs    []steps.Outcome
	done    bool
	// quitting is set when the user asked to quit: the change in flight finishes first.
	quitting bool
	now      func() time.Time
	w, h     int
}

type progressLine struct {
	key, text string
	since     time.Time
	done      bool
	status    steps.Status
}

func newProgress(c *common, verb, step string, now func() time.Time) *progressScreen {
	p := &progressScreen{c: c, keys: defaultKeys(), verb: verb, step: step, started: now(), now: now, showLog: true}
	p.refreshKeys()
	return p
}

func (p *progressScreen) refreshKeys() {
	enable(&p.keys.Continue, p.done)
	enable(&p.keys.Log, true)
	if p.showLog {
		p.keys.Log.SetHelp("l", "hide command log")
	} else {
		p.keys.Log.SetHelp("l", "show command log")
	}
}

// event takes one progress event from the engine.
func (p *progressScreen) event(ev steps.Event) {
	at := ev.At
	if at.IsZero() {
		at = p.now()
	}
	switch ev.Kind {
	case steps.EventApplyStart, steps.EventUndoStart:
		p.upsert(progressLine{key: "step:" + ev.Step, text: ev.Step + ": " + strings.ToLower(p.verb) + "…", since: at})
	case steps.EventApplyDone, steps.EventUndoDone:
		p.finish("step:"+ev.Step, ev.Status, ev.Step+": "+string(ev.Status)+detail(ev.Message))
		p.finishWaits(ev.Step)
	case steps.EventChangeStart:
		p.upsert(progressLine{key: "change:" + ev.Address, text: ev.Address, since: at})
	case steps.EventChangeDone:
		p.finish("change:"+ev.Address, ev.Status, ev.Address+" "+string(ev.Status))
	case steps.EventWait:
		p.finishWaits(ev.Step)
		p.upsert(progressLine{key: "wait:" + ev.Step + ":" + ev.Message, text: ev.Message, since: at})
	case steps.EventCommand:
		p.log = append(p.log, at.Format("15:04:05")+" "+ev.Step+": "+ev.Message)
	}
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

func (p *progressScreen) finish(k string, s steps.Status, text string) {
	for i := range p.lines {
		if p.lines[i].key == k {
			p.lines[i].done, p.lines[i].status, p.lines[i].text = true, s, text
			return
		}
	}
	p.lines = append(p.lines, progressLine{key: k, text: text, done: true, status: s})
}

// finishWaits ends the step's waits: a new wait or the step's end means the last one is over.
func (p *progressScreen) finishWaits(step string) {
	for i := range p.lines {
		if strings.HasPrefix(p.lines[i].key, "wait:"+step+":") && !p.lines[i].done {
			p.lines[i].done, p.lines[i].status = true, steps.StatusOK
		}
	}
}

// finished records what the apply or undo did.
func (p *progressScreen) finished(outs []steps.Outcome) {
	p.outs, p.done = outs, true
	// An engine event can trail the call's return; the outcomes are the last word.
	for _, o := range outs {
		p.finish("step:"+o.Step, o.Status, o.Step+": "+string(o.Status)+detail(o.Detail))
		p.finishWaits(o.Step)
	}
	p.refreshKeys()
}

func (p *progressScreen) SetSize(w, h int) { p.w, p.h = w, h }
func (p *progressScreen) Capturing() bool  { return false }

func (p *progressScreen) Help() keyHelp {
	k := p.keys
	return keyHelp{short: []key.Binding{k.Continue, k.Log}, full: [][]key.Binding{{k.Continue, k.Log}}}
}

func (p *progressScreen) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(km, p.keys.Log):
		p.showLog = !p.showLog
		p.refreshKeys()
	case key.Matches(km, p.keys.Continue):
		return send(continueMsg{after: p.step})
	}
	return nil
}

func elapsed(d time.Duration) string {
	d = d.Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

func (p *progressScreen) View() string {
	st := p.c.styles
	var b strings.Builder
	title := fmt.Sprintf("%s %s", p.verb, p.step)
	if !p.done {
		title += st.Subtle.Render("  " + elapsed(p.now().Sub(p.started)))
	}
	b.WriteString(st.Title.Render(title) + "\n\n")
	for _, l := range p.lines {
		if l.done {
			fmt.Fprintf(&b, "  %s %s\n", statusMark(p.c, l.status), l.text)
			continue
		}
		fmt.Fprintf(&b, "  %s %s %s\n", p.c.spinner.View(), l.text, st.Subtle.Render(elapsed(p.now().Sub(l.since))))
	}
	if p.done {
		b.WriteString("\n" + render.Outcomes(st.Theme, p.outs))
		for _, o := range p.outs {
			for _, k := range slices.Sorted(maps.Keys(o.Secrets)) {
				fmt.Fprintf(&b, "%s %s: %s\n", st.Warning.Render("Shown once, save it now —"), k, o.Secrets[k])
			}
		}
	} else if p.quitting {
		b.WriteString("\n" + st.Warning.Render("Quitting once this change has finished…") + "\n")
	}
	if p.showLog {
		used := strings.Count(b.String(), "\n")
		room := p.h - used - 2
		logLines := p.log
		if room < 1 {
			room = 1
		}
		if len(logLines) > room {
			logLines = logLines[len(logLines)-room:]
		}
		body := "command log"
		if len(logLines) == 0 {
			body += st.Subtle.Render(" (no commands yet)")
		} else {
			body += "\n" + strings.Join(logLines, "\n")
		}
		b.WriteString("\n" + st.Pane.Width(max(p.w, 10)).Render(body))
	}
	return b.String()
}

// statusMark is a status's symbol in its colour.
func statusMark(c *common, s steps.Status) string {
	st := c.styles
	switch s {
	case steps.StatusOK, steps.StatusChanged:
		return st.OK.Render(s.Symbol())
	case steps.StatusDrift:
		return st.Drift.Render(s.Symbol())
	case steps.StatusPending:
		return st.Pending.Render(s.Symbol())
	case steps.StatusSkipped:
		return st.Skipped.Render(s.Symbol())
	}
	return st.Failed.Render(s.Symbol())
}

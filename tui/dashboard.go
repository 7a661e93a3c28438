package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

// identity is who and where the wizard works: shown at the top of the dashboard.
type identity struct {
	who, account, instance, region, ssh string
	root                                bool
}

// dashboard is the first screen: who you are, then every step with its status, checked in
// parallel (a spinner per step until its check is done).
type dashboard struct {
	c      *common
	keys   keyMap
	id     identity
	rows   []dashRow
	cursor int
	// undoable counts, per step, the journal entries undo could reverse.
	undoable map[string]int
	flash    string
	checking bool
	w, h     int
}

type dashRow struct {
	step, title string
	checked     bool
	result      steps.Result
}

func newDashboard(c *common, id identity, ss []steps.Step) *dashboard {
	d := &dashboard{c: c, keys: defaultKeys(), id: id, undoable: map[string]int{}}
	for _, s := range ss {
		d.rows = append(d.rows, dashRow{step: s.ID(), title: s.Title()})
	}
	d.refreshKeys()
	return d
}

// startCheck marks every step as being checked.
func (d *dashboard) startCheck() {
	d.checking = true
	d.flash = ""
	for i := range d.rows {
		d.rows[i].checked = false
	}
	d.refreshKeys()
}

// checked records one step's check as its event arrives, so rows finish one by one.
func (d *dashboard) checked(ev steps.Event) {
	for i := range d.rows {
		if d.rows[i].step == ev.Step && d.checking {
			d.rows[i].checked = true
			d.rows[i].result = steps.Result{Step: ev.Step, Title: d.rows[i].title, Status: ev.Status, Detail: ev.Message}
		}
	}
}

// setResults puts verify results in their rows (all of them, or the one step re-checked).
func (d *dashboard) setResults(rs []steps.Result, all bool) {
	for _, r := range rs {
		for i := range d.rows {
			if d.rows[i].step == r.Step {
				d.rows[i].checked, d.rows[i].result = true, r
			}
		}
	}
	if all {
		d.checking = false
	}
	switch {
	case !d.checking && d.hardened():
		d.flash = hardenedText
	case d.flash == hardenedText:
		d.flash = ""
	}
	d.refreshKeys()
}

func (d *dashboard) hardened() bool {
	for _, r := range d.rows {
		if !r.checked || (r.result.Status != steps.StatusOK && r.result.Status != steps.StatusSkipped) {
			return false
		}
	}
	return len(d.rows) > 0
}

func (d *dashboard) results() []steps.Result {
	out := make([]steps.Result, 0, len(d.rows))
	for _, r := range d.rows {
		if r.checked {
			out = append(out, r.result)
		}
	}
	return out
}

func (d *dashboard) result(step string) (steps.Result, bool) {
	for _, r := range d.rows {
		if r.step == step && r.checked {
			return r.result, true
		}
	}
	return steps.Result{}, false
}

func (d *dashboard) selected() string {
	if len(d.rows) == 0 {
		return ""
	}
	return d.rows[d.cursor].step
}

func (d *dashboard) selectStep(step string) {
	for i, r := range d.rows {
		if r.step == step {
			d.cursor = i
		}
	}
	d.refreshKeys()
}

func (d *dashboard) refreshKeys() {
	ready := !d.checking
	enable(&d.keys.Open, ready && len(d.rows) > 0)
	enable(&d.keys.Undo, ready && d.undoable[d.selected()] > 0)
	enable(&d.keys.Recheck, ready)
	enable(&d.keys.Up, d.cursor > 0)
	enable(&d.keys.Down, d.cursor < len(d.rows)-1)
}

func (d *dashboard) SetSize(w, h int) { d.w, d.h = w, h }
func (d *dashboard) Capturing() bool  { return false }

func (d *dashboard) Help() keyHelp {
	k := d.keys
	return keyHelp{
		short: []key.Binding{k.Up, k.Down, k.Open, k.Undo, k.Recheck},
		full:  [][]key.Binding{{k.Up, k.Down}, {k.Open, k.Undo, k.Recheck}},
	}
}

func (d *dashboard) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(km, d.keys.Up):
		d.cursor--
	case key.Matches(km, d.keys.Down):
		d.cursor++
	case key.Matches(km, d.keys.Open):
		return send(openStepMsg{step: d.selected()})
	case key.Matches(km, d.keys.Undo):
		return send(undoMsg{step: d.selected()})
	case key.Matches(km, d.keys.Recheck):
		return send(recheckMsg{})
	}
	d.refreshKeys()
	return nil
}

func (d *dashboard) View() string {
	st := d.c.styles
	var b strings.Builder
	label := func(l, v string) { fmt.Fprintf(&b, "%s %s\n", st.Subtle.Render(fmt.Sprintf("%-9s", l)), v) }
	label("You are", fmt.Sprintf("%s (account %s)", d.id.who, d.id.account))
	label("Instance", d.id.instance+" in "+d.id.region)
	if d.id.ssh != "" {
		label("SSH", d.id.ssh)
	}
	if d.id.root {
		b.WriteString(st.Warning.Render(render.RootWarning) + "\n")
	}
	b.WriteString("\n")
	if d.checking {
		b.WriteString(st.Bold.Render("Checking every step (nothing is changed)…") + "\n")
	} else {
		b.WriteString(st.Bold.Render("Steps") + "\n")
	}
	var statuses []steps.Status
	for i, r := range d.rows {
		cursor := "  "
		if i == d.cursor {
			cursor = st.Cursor.Render("› ")
		}
		line := ""
		if !r.checked {
			line = fmt.Sprintf("%s %-8s %-14s %s", d.c.spinner.View(), "checking", r.step, st.Subtle.Render(r.title))
		} else {
			statuses = append(statuses, r.result.Status)
			line = render.StatusLine(st.Theme, r.result.Status, r.step, r.result.Detail, "")
			if n := d.undoable[r.step]; n > 0 {
				line += st.Subtle.Render(fmt.Sprintf("  (%d undoable)", n))
			}
		}
		b.WriteString(cursor + line + "\n")
	}
	if !d.checking {
		b.WriteString("\n" + st.Bold.Render(render.CountLine(statuses)) + "\n")
	}
	if d.flash != "" {
		b.WriteString("\n" + wrap(d.flash, d.w) + "\n")
	}
	return b.String()
}

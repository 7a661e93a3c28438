package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

// identity is who and where the wizard works: shown at the top of the dashboard.
type identity struct {
	who, account, instance, region, ssh string
	// site is the WordPress blueprint as detected on the host (or hinted by Lightsail before SSH).
	site string
	root bool
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
	// placed: the cursor was put on the first step that needs something, after the first check.
	placed bool
	// all and settings are the steps and the settings of the last check, for saying each result
	// in the wizard's words (shown).
	all      []steps.Step
	settings steps.Settings
	w, h     int
}

type dashRow struct {
	step, title string
	checked     bool
	result      steps.Result
}

func newDashboard(c *common, id identity, ss []steps.Step) *dashboard {
	d := &dashboard{c: c, keys: defaultKeys(), id: id, undoable: map[string]int{}, all: ss}
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
		if !d.placed {
			d.placed = true
			d.cursor = max(slices.IndexFunc(d.rows, func(r dashRow) bool { return needsSomething(r.result) }), 0)
		}
	}
	if d.flash == hardenedText || strings.HasSuffix(d.flash, notHardenedText) {
		d.flash = ""
	}
	if !d.checking {
		if f := doneText(d.results()); f != "" {
			d.flash = f
		}
	}
	d.refreshKeys()
}

// needsSomething is a step the user has to act on: changes to make, a wait to finish, a failure.
func needsSomething(r steps.Result) bool { return r.NeedsApply() || r.Status.Bad() }

// doneText is what the wizard says once no step needs anything: hardened only when every step is
// ok, never while one is skipped. "" while a step still needs something.
func doneText(rs []steps.Result) string {
	var skipped []string
	for _, r := range rs {
		switch r.Status {
		case steps.StatusOK:
		case steps.StatusSkipped:
			skipped = append(skipped, r.Step)
		default:
			return ""
		}
	}
	switch {
	case len(rs) == 0:
		return ""
	case len(skipped) > 0:
		return "Nothing to do now, but " + strings.Join(skipped, ", ") + " skipped: " + notHardenedText
	}
	return hardenedText
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

// waitsFor reports whether any step could not be checked until step is applied (SSH closed to this
// computer until the firewall opens it).
func (d *dashboard) waitsFor(step string) bool {
	return slices.ContainsFunc(d.rows, func(r dashRow) bool { return r.checked && r.result.WaitsFor == step })
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
	enable(&d.keys.ApplyAll, ready && len(d.left()) > 0)
	enable(&d.keys.UndoAll, ready && len(d.undoable) > 0)
	enable(&d.keys.History, ready)
	enable(&d.keys.Recheck, ready)
	enable(&d.keys.Up, d.cursor > 0)
	enable(&d.keys.Down, d.cursor < len(d.rows)-1)
}

func (d *dashboard) SetSize(w, h int) { d.w, d.h = w, h }
func (d *dashboard) Capturing() bool  { return false }

func (d *dashboard) Help() keyHelp {
	k := d.keys
	return keyHelp{
		short: []key.Binding{k.Up, k.Down, k.Open, k.ApplyAll, k.Undo, k.UndoAll, k.History, k.Recheck},
		full:  [][]key.Binding{{k.Up, k.Down}, {k.Open, k.ApplyAll, k.Recheck}, {k.Undo, k.UndoAll, k.History}},
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
	case key.Matches(km, d.keys.ApplyAll):
		return send(applyAllMsg{})
	case key.Matches(km, d.keys.UndoAll):
		return send(undoMsg{step: everyStep})
	case key.Matches(km, d.keys.History):
		return send(historyMsg{})
	}
	d.refreshKeys()
	return nil
}

// left are the results of the steps that still have changes to apply or a wait to finish.
func (d *dashboard) left() []steps.Result {
	var out []steps.Result
	for _, r := range d.results() {
		if r.Status == steps.StatusDrift || r.Status == steps.StatusPending {
			out = append(out, r)
		}
	}
	return out
}

// applied says hardsail has changes of step in the journal (so a difference is drift, not "to do").
func (d *dashboard) applied(step string) bool { return d.undoable[step] > 0 }

// Undoable says how many changes of step can be undone, in words.
func undoableText(n int) string {
	if n == 1 {
		return "1 change can be undone"
	}
	return fmt.Sprintf("%d changes can be undone", n)
}

func (d *dashboard) View() string {
	st := d.c.styles
	var b strings.Builder
	label := func(l, v string) { fmt.Fprintf(&b, "%s %s\n", st.Subtle.Render(fmt.Sprintf("%-9s", l)), v) }
	label("You are", fmt.Sprintf("%s (account %s)", d.id.who, d.id.account))
	label("Instance", d.id.instance+" in "+d.id.region)
	if d.id.site != "" {
		label("Site", d.id.site)
	}
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
	var labels []string
	cursorAt := 0
	for i, r := range d.rows {
		cursor := "  "
		if i == d.cursor {
			cursor = st.Cursor.Render("› ")
			cursorAt = strings.Count(wrapText(b.String(), d.w), "\n")
		}
		line := ""
		if !r.checked {
			line = fmt.Sprintf("%s %-8s %-14s %s", d.c.spinner.View(), "checking", r.step, st.Subtle.Render(r.title))
		} else {
			labels = append(labels, render.Label(r.result.Status, d.applied(r.step)))
			line = render.WizardRow(st.Theme, shown(stepOf(d.all, r.step), r.result, d.settings), d.applied(r.step))
			if n := d.undoable[r.step]; n > 0 {
				line += st.Subtle.Render("  (" + undoableText(n) + ")")
			}
		}
		b.WriteString(cursor + line + "\n")
	}
	// The summary and the flash stay on the screen when the steps scroll: they say where the user is.
	foot := ""
	if !d.checking {
		foot += "\n\n" + st.Bold.Render(render.WizardCount(labels))
	}
	if d.flash != "" {
		foot += "\n\n" + d.flash
	}
	foot = wrapText(foot, d.w)
	body := wrapText(strings.TrimRight(b.String(), "\n"), d.w)
	return window(body, cursorAt, d.h-strings.Count(foot, "\n")) + foot
}

// window is the h lines of s that show line at (the cursor), when s is taller than h; its last line
// says there is more.
func window(s string, at, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= h || h < 3 {
		return s
	}
	top := min(max(at-h/2, 0), len(lines)-(h-1))
	return strings.Join(lines[top:top+h-1], "\n") + "\n" + fmt.Sprintf("(lines %d–%d of %d: ↑/↓ moves)", top+1, top+h-1, len(lines))
}

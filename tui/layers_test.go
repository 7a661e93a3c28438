package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/theme"
)

// TestJourneyCommandLogBehindL: the commands a change ran are never on the main screen; l opens
// them in a layer, esc closes it.
func TestJourneyCommandLogBehindL(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmtInt(sz.w), func(t *testing.T) {
			f := newFixture(t)
			f.firewall.BeforeMutate = func(string) {
				f.engine.Env.Emit(steps.Event{Kind: steps.EventCommand, Step: "firewall", Message: "lightsail PutInstancePublicPorts WordPress-1"})
			}
			j := startJourney(t, f, sz.w, sz.h)
			j.see("! to do    firewall", " steps: ") // the summary: every check is done, enter opens
			j.key("enter")
			j.see("Who may connect with SSH?")
			j.key("enter")
			j.see("a apply")
			j.key("a")
			j.see("~ changed  firewall", "enter continue", "l command log")
			if s := j.frame.Load().(string); strings.Contains(s, "PutInstancePublicPorts") {
				t.Fatalf("the command log is on the main screen:\n%s", s)
			}
			j.key("l")
			j.see("Command log", "firewall: lightsail PutInstancePublicPorts WordPress-1", "esc/l close the log")
			j.key("esc")
			j.see("~ changed  firewall", "enter continue")
			j.key("q")
			j.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		})
	}
}

// TestPreviewHomeEnd: g/G and Home/End move to the ends of a long preview; the mark says which
// lines show, not a percentage that reads as progress.
func TestPreviewHomeEnd(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmtInt(sz.w), func(t *testing.T) {
			m := goldenModel(t, theme.Plain(), sz.w, sz.h)
			r := pendingHTTPS()
			for i := range 40 {
				r.Plan.Notes = append(r.Plan.Notes, "note number "+fmtInt(i))
			}
			m.focus(newStepScreen(m.c, r, steps.Settings{}, nil))
			for _, tc := range []struct {
				key         tea.KeyPressMsg
				see, notSee string
			}{
				{tea.KeyPressMsg{Code: 'G', Text: "G"}, "note number 39", "awaits DNS validation"},
				{tea.KeyPressMsg{Code: 'g', Text: "g"}, "awaits DNS validation", "note number 39"},
				{tea.KeyPressMsg{Code: tea.KeyEnd}, "note number 39", "awaits DNS validation"},
				{tea.KeyPressMsg{Code: tea.KeyHome}, "awaits DNS validation", "note number 39"},
			} {
				settle(t, m, tc.key)
				out := ansi.Strip(m.render())
				if !strings.Contains(out, tc.see) || strings.Contains(out, tc.notSee) {
					t.Errorf("after %s: want %q and not %q on the screen:\n%s", tc.key, tc.see, tc.notSee, out)
				}
				if strings.Contains(out, "%)") {
					t.Errorf("the scroll mark is a percentage:\n%s", out)
				}
				if !strings.Contains(out, "lines ") {
					t.Errorf("no mark says which lines show:\n%s", out)
				}
			}
		})
	}
}

// TestDashboardWords: the cursor starts on the first step that needs something; a step never
// applied is "to do", one hardsail applied and that changed since is drift; no "undoable", no
// "destroy"; "hardened" never while a step is skipped.
func TestDashboardWords(t *testing.T) {
	c := &common{styles: theme.NewWizard(theme.Plain(), true)}
	d := newDashboard(c, identity{}, nil)
	d.rows = []dashRow{{step: "iam-admin"}, {step: "firewall"}, {step: "https"}}
	d.SetSize(80, 20)
	del := steps.Plan{Changes: []steps.Change{{Action: steps.Delete, Address: "a"}, {Action: steps.Update, Address: "b"}}}
	d.setResults([]steps.Result{{Step: "iam-admin", Status: steps.StatusOK}, {Step: "firewall", Status: steps.StatusDrift, Plan: del},
		{Step: "https", Status: steps.StatusDrift, Plan: del}}, true)
	d.undoable = map[string]int{"https": 7}
	out := d.View()
	for _, w := range []string{"› ! to do    firewall       1 to change, 1 to remove", "! drift    https", "(7 changes can be undone)",
		"3 steps: 1 ok, 1 to do, 1 drift, 0 failed."} {
		if !strings.Contains(out, w) {
			t.Errorf("the dashboard lacks %q:\n%s", w, out)
		}
	}
	for _, w := range []string{"destroy", "undoable", "hardened"} {
		if strings.Contains(out, w) {
			t.Errorf("the dashboard says %q:\n%s", w, out)
		}
	}
	d.setResults([]steps.Result{{Step: "firewall", Status: steps.StatusOK}, {Step: "https", Status: steps.StatusSkipped, Detail: "no domain"}}, true)
	d.SetSize(200, 20)
	if out := d.View(); strings.Contains(out, hardenedText) || !strings.Contains(out, "https skipped: "+notHardenedText) {
		t.Errorf("with https skipped the dashboard says:\n%s", out)
	}
}

// TestProgressMarks: a wait that ended is not a success, a created thing is "created", nothing
// spins once the work is over, and the step's line is not said twice.
func TestProgressMarks(t *testing.T) {
	c := &common{styles: theme.NewWizard(theme.Plain(), true)}
	now := func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	p := newProgress(c, "Applying", "https", applyWords(steps.Result{Plan: steps.Plan{Changes: []steps.Change{{Action: steps.Create, Address: "lb:web-lb"}}}}), now)
	p.SetSize(80, 20)
	for _, ev := range []steps.Event{
		{Kind: steps.EventApplyStart, Step: "https"},
		{Kind: steps.EventChangeStart, Step: "https", Address: "lb:web-lb"},
		{Kind: steps.EventChangeDone, Step: "https", Address: "lb:web-lb", Status: steps.StatusChanged},
		{Kind: steps.EventWait, Step: "https", Message: "DNS check: _x.example.com CNAME: not visible yet"},
		{Kind: steps.EventChangeStart, Step: "https", Address: "cert:web-cert"},
	} {
		p.event(ev)
	}
	p.finished([]steps.Outcome{{Step: "https", Status: steps.StatusPending, Detail: "certificate awaits DNS validation"}})
	out := p.View()
	for _, w := range []string{"✓ created lb:web-lb", "· DNS check: _x.example.com CNAME: not visible yet", "· cert:web-cert"} {
		if !strings.Contains(out, w) {
			t.Errorf("progress lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "✓ DNS check") || strings.Contains(out, c.spinner.View()) && c.spinner.View() != "" {
		t.Errorf("a mark claims more than happened, or something still spins:\n%s", out)
	}
	if strings.Contains(out, "https:") || strings.Count(out, "pending") != 2 {
		t.Errorf("the step's end is said twice, or not in its outcome:\n%s", out)
	}
}

// TestDashboardSummaryStaysWhenTheStepsScroll: on a screen too short for every step, the steps
// scroll around the cursor and the summary stays below them, whichever step the cursor is on.
func TestDashboardSummaryStaysWhenTheStepsScroll(t *testing.T) {
	c := &common{styles: theme.NewWizard(theme.Plain(), true)}
	d := newDashboard(c, identity{}, nil)
	var results []steps.Result
	for i := range 20 {
		id := fmt.Sprintf("step-%02d", i)
		d.rows = append(d.rows, dashRow{step: id})
		results = append(results, steps.Result{Step: id, Status: steps.StatusOK})
	}
	d.SetSize(80, 12)
	d.setResults(results, true)
	for _, at := range []int{0, 10, 19} {
		d.cursor = at
		out := d.View()
		lines := strings.Split(out, "\n")
		if len(lines) > 12 {
			t.Errorf("cursor on %d: %d lines, taller than the screen's 12:\n%s", at, len(lines), out)
		}
		if !strings.Contains(out, "20 steps: 20 ok, 0 to do, 0 failed.") || !strings.Contains(out, "↑/↓ moves") {
			t.Errorf("cursor on %d: the summary or the scroll mark is missing:\n%s", at, out)
		}
		if !strings.Contains(out, fmt.Sprintf("step-%02d", at)) {
			t.Errorf("cursor on %d: the cursor's step is not shown:\n%s", at, out)
		}
	}
}

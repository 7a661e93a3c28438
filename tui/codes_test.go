package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hardsail/hardsail/steps"
)

// wrongCodesStep asks for two codes, as iam-admin does, and says they were not accepted.
type wrongCodesStep struct{ askingStep }

func (c *wrongCodesStep) Apply(ctx context.Context, env *steps.Env, live steps.State, p steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	six := func(s string) error {
		if len(s) != 6 {
			return errors.New("type the 6 digits the app shows, e.g. 123456")
		}
		return nil
	}
	for _, prompt := range []string{"First 6-digit code from the app — demo: type 123456, then 654321",
		"Next code (wait until the app shows a new one) — demo: 654321"} {
		if _, err := env.Ask.Input(ctx, prompt, six); err != nil {
			return steps.Report{}, err
		}
	}
	if err := env.Ask.Show(ctx, "Codes not accepted", "AWS did not accept those two codes. Check that the phone's clock "+
		"is set automatically, wait for a new code, and type two consecutive codes again."); err != nil {
		return steps.Report{}, err
	}
	return c.MapStep.Apply(ctx, env, live, p, rec)
}

// fits fails the test when the frame is larger than the w×h terminal.
func (j *journey) fits(w, h int) {
	j.t.Helper()
	lines := strings.Split(strings.TrimRight(j.frame.Load().(string), "\n"), "\n")
	if len(lines) > h {
		j.t.Errorf("frame has %d lines, more than the terminal's %d:\n%s", len(lines), h, strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		if ansi.StringWidth(l) > w {
			j.t.Errorf("line wider than %d columns: %q", w, l)
		}
	}
}

// Codes the check refuses, then codes AWS refuses: every question and message fits the screen,
// whole, at 80×24 and 120×36.
func TestJourneyWrongCodesFitTheScreen(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 36}} {
		w, h := size[0], size[1]
		f := newFixture(t)
		f.engine.Steps[0] = &wrongCodesStep{askingStep{f.firewall}}
		j := startJourney(t, f, w, h)
		j.see("! to do    firewall", " steps: ") // the summary: every check is done, enter opens
		j.key("enter")
		j.see("Who may connect with SSH?")
		j.key("enter")
		j.see("a apply")
		j.key("a")
		j.see("First 6-digit code from the app — demo: type 123456, then 654321")
		j.key("1")
		j.key("enter")
		j.see("type the 6 digits the app shows, e.g. 123456", "> 1")
		j.fits(w, h)
		j.key("23456")
		j.key("enter")
		j.see("Next code (wait until the app shows a new one) — demo: 654321")
		j.fits(w, h)
		j.key("654321")
		j.key("enter")
		j.see("Codes not accepted", "type two consecutive codes", "again.")
		j.fits(w, h)
		j.key("enter")
		j.see("~ changed  firewall")
		j.key("q")
		j.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	}
}

package tui

import (
	"context"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hardsail/hardsail/steps"
)

// waitingStep makes its change, then waits for something slow (a certificate's validation) until
// the user leaves the wait; it then reports pending, as the https step does.
type waitingStep struct {
	askingStep
	left chan struct{}
}

func (w *waitingStep) Apply(ctx context.Context, env *steps.Env, live steps.State, p steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	rep, err := w.MapStep.Apply(ctx, env, live, p, rec)
	if err != nil {
		return rep, err
	}
	env.Emit(steps.Event{Kind: steps.EventWait, Step: w.ID(), Message: "waiting for validation of certificate c1"})
	select {
	case <-env.WaitLeft():
		close(w.left)
		return steps.Report{Detail: "certificate c1 awaits DNS validation"}, nil
	case <-time.After(time.Minute):
		return rep, nil
	case <-ctx.Done():
		return rep, ctx.Err()
	}
}

func startWaiting(t *testing.T, w, h int) (*journey, *waitingStep) {
	f := newFixture(t)
	ws := &waitingStep{askingStep: askingStep{f.firewall}, left: make(chan struct{})}
	f.engine.Steps[0] = ws
	j := startJourney(t, f, w, h)
	j.see("! to do    firewall", " steps: ") // the summary: every check is done, enter opens
	j.key("enter")
	j.see("Who may connect with SSH?")
	j.key("enter")
	j.see("a apply")
	j.key("a")
	j.see("waiting for validation of certificate c1", "esc stop waiting")
	return j, ws
}

// A long wait can be left with esc: the step ends at once, what it made stays, and the screen says
// the next run carries on.
func TestJourneyLeaveTheWait(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 36}} {
		j, ws := startWaiting(t, size[0], size[1])
		j.key("esc")
		j.see("Stopped waiting", "enter continue")
		j.fits(size[0], size[1])
		select {
		case <-ws.left:
		case <-time.After(5 * time.Second):
			t.Fatal("esc did not reach the waiting step")
		}
		j.key("q")
		j.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	}
}

// q during a wait quits at once: no guard, the wait is left, the program ends.
func TestJourneyQuitDuringAWaitIsImmediate(t *testing.T) {
	j, ws := startWaiting(t, 80, 24)
	j.key("q")
	j.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	select {
	case <-ws.left:
	default:
		t.Fatal("quitting did not leave the wait")
	}
}

package tui

import (
	"context"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/https"
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

// The real https step over the emulated account and a real host: esc while the new load balancer
// is being set up leaves that wait too; the step ends pending (not failed), the balancer journaled.
func TestJourneyLeaveTheLoadBalancersWait(t *testing.T) {
	w := world.New(t, world.Options{Host: true, Settings: steps.Settings{Domain: "example.org", HTTPSMode: "lb"}})
	f := newFixture(t)
	s := https.New()
	// Lightsail takes minutes; here the first look finds it provisioning and the next is a minute away.
	s.Poll.Initial, s.Poll.Max, s.LBWait = time.Minute, time.Minute, 10*time.Minute
	env := w.Env(t)
	f.engine = &steps.Engine{Steps: []steps.Step{s}, Env: env, Journal: f.engine.Journal, SettingsPath: f.engine.SettingsPath}
	j := startJourney(t, f, 80, 24)
	j.see("to do    https", " step: ")
	j.key("enter")
	j.see("Which domain name serves the site?")
	j.key("enter")
	j.see("Other names for the site")
	j.key("enter")
	j.see("How should the site get HTTPS?")
	j.key("enter")
	j.see("Your email address, for Let's Encrypt's notices")
	j.key("enter")
	j.see("a apply")
	j.key("a")
	j.see("Create a Lightsail load balancer for example.org?")
	j.key("y")
	j.see("waiting for load balancer", "esc stop waiting")
	j.key("esc")
	j.see("Stopped waiting", "… pending  https", "is still being set", "enter continue")
	entries, err := f.engine.Journal.Entries()
	if err != nil || len(entries) != 1 || entries[0].State != steps.EntryDone {
		t.Errorf("journal after esc: %+v (%v), want the load balancer made, done", entries, err)
	}
	j.key("q")
	j.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

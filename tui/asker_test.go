package tui

import (
	"context"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hardsail/hardsail/steps"
)

// costlyStep asks during Apply, as the https step asks about a load balancer's cost and iam-admin
// shows the MFA QR code.
type costlyStep struct {
	askingStep
	agreed bool
}

func (c *costlyStep) Apply(ctx context.Context, env *steps.Env, live steps.State, p steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	ok, err := env.Ask.Confirm(ctx, "A load balancer costs $18/month. Create it?", false)
	if err != nil || !ok {
		return steps.Report{}, err
	}
	c.agreed = true
	if err := env.Ask.Show(ctx, "Scan this QR code", "█▀▀▀▀▀█ ▄▀▄ █▀▀▀▀▀█"); err != nil {
		return steps.Report{}, err
	}
	return c.MapStep.Apply(ctx, env, live, p, rec)
}

func TestJourneyStepAsksDuringApply(t *testing.T) {
	f := newFixture(t)
	costly := &costlyStep{askingStep: askingStep{f.firewall}}
	f.engine.Steps[0] = costly
	j := startJourney(t, f, 100, 30)
	j.see("! to do    firewall")
	j.key("enter")
	j.see("Who may connect with SSH?")
	j.key("enter")
	j.see("a apply")
	j.key("a")
	j.see("A load balancer costs $18/month. Create it? [y/N]", "enter no")
	j.key("y")
	j.see("Scan this QR code", "█▀▀▀▀▀█ ▄▀▄ █▀▀▀▀▀█", "Shown once")
	j.key("enter")
	j.see("~ changed  firewall", "enter continue")
	if !costly.agreed {
		t.Error("the yes did not reach the step")
	}
	j.key("q")
	j.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

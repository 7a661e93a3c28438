package tui

import (
	"context"
	"errors"
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
	j.see("! to do    firewall", " steps: ") // the summary: every check is done, enter opens
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

// codeStep asks for a code during Apply, as iam-admin asks for the MFA codes.
type codeStep struct {
	askingStep
	err error
}

func (c *codeStep) Apply(ctx context.Context, env *steps.Env, live steps.State, p steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	_, c.err = env.Ask.Input(ctx, "First 6-digit code from the app", func(string) error { return nil })
	return c.MapStep.Apply(ctx, env, live, p, rec)
}

// prompted is an Asker that adds to every prompt, as the demo's adds its codes.
type prompted struct{ steps.Asker }

func (a prompted) Input(ctx context.Context, prompt string, check func(string) error) (string, error) {
	return a.Asker.Input(ctx, prompt+" — demo: type 123456, then 654321", check)
}

// Options.Asker wraps the wizard's asker (the demo's says its codes), and Esc on a question is the
// step's steps.ErrDismissed: "not now", which the step can tell from a failure.
func TestJourneyEscAtAQuestionIsNotNow(t *testing.T) {
	f := newFixture(t)
	code := &codeStep{askingStep: askingStep{f.firewall}}
	f.engine.Steps[0] = code
	f.asker = func(a steps.Asker) steps.Asker { return prompted{a} }
	j := startJourney(t, f, 80, 24)
	j.see("! to do    firewall", " steps: ") // the summary: every check is done, enter opens
	j.key("enter")
	j.see("Who may connect with SSH?")
	j.key("enter")
	j.see("a apply")
	j.key("a")
	j.see("First 6-digit code from the app — demo: type 123456, then 654321")
	j.key("esc")
	j.see("~ changed  firewall")
	if !errors.Is(code.err, steps.ErrDismissed) {
		t.Errorf("Esc at the question: the step got %v, want steps.ErrDismissed", code.err)
	}
	j.key("q")
	j.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

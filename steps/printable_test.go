package steps_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/steptest"
)

// hostile reports remote text as a step would: a log file name with a bidi override and an escape
// sequence, in a finding, a note and its detail.
type hostile struct{ *steptest.MapStep }

const evil = "access_log-\u202egz.1\x1b[2J\u0085"

func (h hostile) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st, err := h.MapStep.Check(ctx, env)
	st.Findings = []steps.Finding{{Severity: "warning", Message: "odd file " + evil, Fix: "remove " + evil}}
	return st, err
}

func (h hostile) Plan(st steps.State, s steps.Settings) (steps.Plan, error) {
	p, err := h.MapStep.Plan(st, s)
	p.Notes = append(p.Notes, "would delete "+evil+"\n\tand keep the rest")
	return p, err
}

// Remote text never reaches the terminal raw: the engine escapes what the renderers show.
func TestResultsArePrintable(t *testing.T) {
	var seen []string
	env := &steps.Env{Observer: steps.ObserverFunc(func(e steps.Event) { seen = append(seen, e.Message) })}
	e := &steps.Engine{Steps: []steps.Step{hostile{newMap()}}, Env: env}
	r := e.Verify(context.Background())[0]
	texts := []string{r.Findings[0].Message, r.Findings[0].Fix, r.Plan.Notes[0]}
	for _, s := range texts {
		if strings.ContainsAny(s, "\u202e\x1b\u0085") {
			t.Errorf("raw control or format rune reached the result: %q", s)
		}
		if !strings.Contains(s, `\u202e`) || !strings.Contains(s, `\x1b`) {
			t.Errorf("the runes are not shown as escapes: %q", s)
		}
	}
	if !strings.Contains(r.Plan.Notes[0], "\n\tand keep the rest") {
		t.Errorf("line breaks and tabs must stay: %q", r.Plan.Notes[0])
	}
	env.Emit(steps.Event{Kind: steps.EventWait, Message: evil})
	if last := seen[len(seen)-1]; strings.ContainsAny(last, "\u202e\x1b") {
		t.Errorf("an event carried raw runes: %q", last)
	}
}

package steps

import (
	"context"
	"slices"
	"testing"

	"github.com/hardsail/hardsail/remote/sshhost"
)

// queryStep is a step that only announces a host query.
type queryStep struct {
	id string
	q  sshhost.Query
}

func (s *queryStep) ID() string                         { return s.id }
func (s *queryStep) Title() string                      { return s.id }
func (s *queryStep) HostQuery() sshhost.Query           { return s.q }
func (s *queryStep) Plan(State, Settings) (Plan, error) { return Plan{}, nil }
func (s *queryStep) Check(context.Context, *Env) (State, error) {
	return State{}, nil
}
func (s *queryStep) Apply(context.Context, *Env, State, Plan, *Recorder) (Report, error) {
	return Report{}, nil
}
func (s *queryStep) Undo(context.Context, *Env, []Entry, *Recorder) (Report, error) {
	return Report{}, nil
}

// A check of every step gathers every step's scripts at once; the check of one step before and
// after its apply (or its undo) gathers every step's files but only that step's scripts, so
// applying one step does not run the others' audits (apt's simulated upgrade, WordPress's listing).
// The cases run in order: what one announced must not stay for the next.
func TestFreshFactsScripts(t *testing.T) {
	a := &queryStep{"a", sshhost.Query{Files: []string{"/a"}, Scripts: []string{"audit a"}}}
	b := &queryStep{"b", sshhost.Query{Files: []string{"/b"}, Scripts: []string{"audit b"}, LoginScripts: []string{"list b"}}}
	e := &Engine{Steps: []Step{a, b}, Env: &Env{}}
	for _, tc := range []struct {
		name                string
		only                []Step
		scripts, loginLines []string
	}{
		{"every step", nil, []string{"audit a", "audit b"}, []string{"list b"}},
		{"step a", []Step{a}, []string{"audit a"}, nil},
		{"step b", []Step{b}, []string{"audit b"}, []string{"list b"}},
		{"every step again", nil, []string{"audit a", "audit b"}, []string{"list b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.freshFacts(tc.only...)
			q := e.Env.factsQ
			if !slices.Equal(q.Files, []string{"/a", "/b"}) || !slices.Equal(q.Scripts, tc.scripts) || !slices.Equal(q.LoginScripts, tc.loginLines) {
				t.Errorf("announced %+v, want files /a /b, scripts %q, login scripts %q", q, tc.scripts, tc.loginLines)
			}
		})
	}
}

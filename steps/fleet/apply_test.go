package fleet_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/fleet"
)

// TestFleetApplierStopsAtTheFirstFailureUnlessKeepGoing: instances are applied in order, one at a
// time; a failure (an instance that cannot be opened) skips the rest, KeepGoing goes on; a stopped
// instance is never opened; Done sees each instance as it finishes.
func TestFleetApplierStopsAtTheFirstFailureUnlessKeepGoing(t *testing.T) {
	instances := []fleet.Instance{{Region: "r", Name: "a", State: "running"}, {Region: "r", Name: "b", State: "running"},
		{Region: "r", Name: "c", State: "stopped"}, {Region: "r", Name: "d", State: "running"}}
	refused := errors.New("ssh: unable to authenticate")
	cases := []struct {
		keepGoing bool
		parallel  int
		opened    []string
		applied   []steps.Status
	}{
		{false, 0, []string{"a", "b"}, []steps.Status{steps.StatusOK, steps.StatusFailed, steps.StatusSkipped, steps.StatusSkipped}},
		{true, 0, []string{"a", "b", "d"}, []steps.Status{steps.StatusOK, steps.StatusFailed, steps.StatusFailed, steps.StatusOK}},
		{true, 3, []string{"a", "b", "d"}, []steps.Status{steps.StatusOK, steps.StatusFailed, steps.StatusFailed, steps.StatusOK}},
	}
	for _, c := range cases {
		var mu sync.Mutex
		var opened, done []string
		running, most := 0, 0
		a := fleet.Applier{KeepGoing: c.keepGoing, Parallel: c.parallel,
			Open: func(_ context.Context, in fleet.Instance) (*steps.Engine, func(), error) {
				mu.Lock()
				opened = append(opened, in.Name)
				running++
				most = max(most, running)
				mu.Unlock()
				closeFn := func() { mu.Lock(); running--; mu.Unlock() }
				if in.Name == "b" {
					closeFn()
					return nil, nil, refused
				}
				// No steps: checked, nothing to change.
				return &steps.Engine{Env: &steps.Env{Instance: in.Name}}, closeFn, nil
			},
			Done: func(r fleet.Result) { done = append(done, r.Name) }}
		results := a.Run(context.Background(), instances)
		slices.Sort(opened)
		if !slices.Equal(opened, c.opened) {
			t.Errorf("keep-going %v: opened %v, want %v", c.keepGoing, opened, c.opened)
		}
		if len(done) != len(instances) {
			t.Errorf("keep-going %v: Done saw %v, want every instance", c.keepGoing, done)
		}
		if c.parallel == 0 && (most != 1 || !slices.Equal(done, []string{"a", "b", "c", "d"})) {
			t.Errorf("one at a time: %d at once, finished in order %v", most, done)
		}
		for i, r := range results {
			if r.Name != instances[i].Name || r.Applied() != c.applied[i] {
				t.Errorf("keep-going %v: %s applied %s, want %s (%v)", c.keepGoing, r.Name, r.Applied(), c.applied[i], r.Err)
			}
		}
		if !errors.Is(results[1].Err, refused) || (!c.keepGoing && !errors.Is(results[3].Err, fleet.ErrStopped)) {
			t.Errorf("keep-going %v: errors %v, %v", c.keepGoing, results[1].Err, results[3].Err)
		}
	}
}

// TestFleetAppliedAndChanged: what an instance's apply comes to, from its outcomes.
func TestFleetAppliedAndChanged(t *testing.T) {
	changed := fleet.Result{Outcomes: []steps.Outcome{{Step: "snapshot", Status: steps.StatusChanged}, {Step: "sshd", Status: steps.StatusChanged}, {Step: "https", Status: steps.StatusSkipped}}}
	failed := fleet.Result{Outcomes: []steps.Outcome{{Step: "snapshot", Status: steps.StatusChanged}, {Step: "sshd", Status: steps.StatusFailed}}}
	for _, c := range []struct {
		r    fleet.Result
		want steps.Status
		ids  []string
	}{
		{changed, steps.StatusChanged, []string{"snapshot", "sshd"}},
		{failed, steps.StatusFailed, []string{"snapshot"}},
		{fleet.Result{}, steps.StatusOK, nil},
		{fleet.Result{Err: fleet.ErrStopped}, steps.StatusSkipped, nil},
	} {
		if c.r.Applied() != c.want || !slices.Equal(c.r.Changed(), c.ids) {
			t.Errorf("%+v: applied %s changed %v, want %s %v", c.r, c.r.Applied(), c.r.Changed(), c.want, c.ids)
		}
	}
}

package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/hardsail/hardsail/steps"
)

// Open opens one instance's engine for apply: its own saved settings, its own journal (and its
// snapshot offer as the engine's Prepare), its own SSH connection. close ends the session.
type Open func(ctx context.Context, in Instance) (eng *steps.Engine, close func(), err error)

// Applier applies the same steps to many instances, one after the other by default. A failed
// instance stops the instances not yet started unless KeepGoing. Undo stays per instance: each
// instance's changes are in its own journal.
type Applier struct {
	Open Open
	// Parallel is how many instances are applied at once (0 or 1: one at a time).
	Parallel  int
	KeepGoing bool
	// Done, if set, is called (from one goroutine at a time) as each instance finishes, skipped
	// ones included, in the order they finish.
	Done func(Result)
}

// ErrStopped is the Err of an instance not applied because one before it failed (no --keep-going).
var ErrStopped = errors.New("not applied: an instance before it failed, and the rest stop (--keep-going goes on)")

// NotCheckedError is an instance not applied because a step could not be checked: applying around
// it would leave the instance half hardened.
type NotCheckedError struct{ Result steps.Result }

func (e *NotCheckedError) Error() string {
	return fmt.Sprintf("not applied, %s: %s", e.Result.Step, e.Result.Detail)
}

func (e *NotCheckedError) HintText() string { return e.Result.Fix }

// Run applies to every instance and returns one Result each, in the order given. An instance that
// is not running is not applied (NotRunningError) and counts as failed.
func (a Applier) Run(ctx context.Context, instances []Instance) []Result {
	out := make([]Result, len(instances))
	sem := make(chan struct{}, max(a.Parallel, 1))
	var mu sync.Mutex
	stopped := false
	finish := func(i int) {
		mu.Lock()
		defer mu.Unlock()
		stopped = stopped || (!a.KeepGoing && out[i].Failed())
		if a.Done != nil {
			a.Done(out[i])
		}
	}
	var wg sync.WaitGroup
	for i, in := range instances {
		out[i].Instance = in
		acquired := false
		select {
		case sem <- struct{}{}:
			acquired = true
		case <-ctx.Done():
		}
		mu.Lock()
		stop := stopped
		mu.Unlock()
		switch {
		case ctx.Err() != nil:
			out[i].Err = context.Cause(ctx)
		case stop:
			out[i].Err = ErrStopped
		case in.State != "running":
			out[i].Err = &NotRunningError{Instance: in}
		default:
			wg.Go(func() {
				defer func() { <-sem }()
				out[i].Results, out[i].Outcomes, out[i].Err = a.one(ctx, in)
				finish(i)
			})
			continue
		}
		if acquired {
			<-sem
		}
		finish(i)
	}
	wg.Wait()
	return out
}

// one applies to one instance as a single `apply --yes` does: check, refuse if a step could not be
// checked, then apply what needs it (the engine journals each change and offers the snapshot).
func (a Applier) one(ctx context.Context, in Instance) ([]steps.Result, []steps.Outcome, error) {
	eng, closeFn, err := a.Open(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	defer closeFn()
	results := eng.Verify(ctx)
	todo, bad := steps.ToApply(results)
	if bad {
		i := slices.IndexFunc(results, func(r steps.Result) bool { return r.Status.Bad() })
		return results, nil, &NotCheckedError{Result: results[i]}
	}
	if len(todo) == 0 {
		return results, nil, nil
	}
	return results, eng.Apply(ctx, todo), nil
}

// Failed reports whether an applied instance failed: not applied at all, or a step's change failed.
func (r Result) Failed() bool {
	return r.Err != nil || slices.ContainsFunc(r.Outcomes, func(o steps.Outcome) bool { return o.Status.Bad() })
}

// Changed are the steps an apply changed on the instance, in order (the snapshot included).
func (r Result) Changed() []string {
	var ids []string
	for _, o := range r.Outcomes {
		if o.Status == steps.StatusChanged {
			ids = append(ids, o.Step)
		}
	}
	return ids
}

// Applied is the instance's apply in one word: failed, skipped (stopped before it), changed, or ok
// (nothing to change).
func (r Result) Applied() steps.Status {
	switch {
	case errors.Is(r.Err, ErrStopped):
		return steps.StatusSkipped
	case r.Failed():
		return steps.StatusFailed
	case len(r.Changed()) > 0:
		return steps.StatusChanged
	}
	return steps.StatusOK
}

package fleet

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/hardsail/hardsail/steps"
)

// Check opens one instance's session (its own settings, journal key and SSH connection), checks
// it and closes it. An error means the instance could not be checked at all.
type Check func(ctx context.Context, in Instance) ([]steps.Result, error)

// Result is one instance's check.
type Result struct {
	Instance
	Results []steps.Result
	// Outcomes are what an apply did on the instance (none for verify and plan).
	Outcomes []steps.Outcome
	// Err is why the instance could not be checked at all (stopped, credentials refused…).
	Err error
}

// Progress is how far a run is: instances done of Total, and the ones being checked now.
type Progress struct {
	Done, Total int
	Running     []string // "region/name", in the order they started
}

// Runner checks instances side by side, at most Parallel at once.
type Runner struct {
	Parallel int
	Check    Check
	// Progress, if set, is called (from one goroutine at a time) whenever an instance starts or ends.
	Progress func(Progress)
}

// DefaultParallel is how many instances are checked at once unless told otherwise.
const DefaultParallel = 8

// NotRunningError is an instance that was not checked because it is not running.
type NotRunningError struct{ Instance Instance }

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("%s is %s, not running: nothing on it can be checked", e.Instance.Name, cmp.Or(e.Instance.State, "in an unknown state"))
}

func (e *NotRunningError) HintText() string {
	return "Start it in the Lightsail console (or `aws lightsail start-instance --instance-name " + e.Instance.Name +
		" --region " + e.Instance.Region + "`), or delete it if it is no longer needed."
}

// Run checks every instance and returns one Result each, in the order given. An instance that is
// not running is not checked (NotRunningError); one whose check fails does not stop the others.
func (r Runner) Run(ctx context.Context, instances []Instance) []Result {
	out := make([]Result, len(instances))
	sem := make(chan struct{}, max(r.Parallel, 1))
	var mu sync.Mutex
	var running []string
	done := 0
	report := func(start bool, name string) {
		mu.Lock()
		defer mu.Unlock()
		if start {
			running = append(running, name)
		} else {
			running = slices.DeleteFunc(running, func(n string) bool { return n == name })
			done++
		}
		if r.Progress != nil {
			r.Progress(Progress{Done: done, Total: len(instances), Running: slices.Clone(running)})
		}
	}
	var wg sync.WaitGroup
	for i, in := range instances {
		out[i].Instance = in
		if in.State != "running" {
			out[i].Err = &NotRunningError{Instance: in}
			report(false, "")
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			out[i].Err = context.Cause(ctx)
			report(false, "")
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			name := in.Region + "/" + in.Name
			report(true, name)
			out[i].Results, out[i].Err = r.Check(ctx, in)
			report(false, name)
		})
	}
	wg.Wait()
	return out
}

package snapshot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// snapshotTimeout bounds the wait for a snapshot: a large disk takes a while.
const snapshotTimeout = 30 * time.Minute

// Prepare offers a snapshot before the first change of a run (default yes) and waits until it is
// available; the journaled change is done only then, so a cancel or time-out while Lightsail copies
// the disk leaves it unknown. With no one to ask it takes it: a snapshot is the safe default. A
// declined snapshot is reported as Manual.
func (s *Step) Prepare(ctx context.Context, env *steps.Env, rec *steps.Recorder) (steps.Report, error) {
	name := Name(env.Instance, env.Clock())
	asked := env.Ask != nil
	if asked {
		q := fmt.Sprintf("Take a snapshot of %s (%s) before changing anything? %s", env.Instance, name, costNote())
		yes, err := env.Ask.Confirm(ctx, q, true)
		if err != nil {
			return steps.Report{}, err
		}
		if !yes {
			return steps.Report{Manual: "no snapshot taken: you chose to go on without one"}, nil
		}
	}
	c := steps.Change{Action: steps.Create, Address: snapshotAddress(env.Instance, name), After: name,
		Why: "A restore point taken before hardsail changes anything."}
	what := "snapshot " + env.Instance + " as " + name
	err := rec.Do(ctx, c, record{Snapshot: name}, func(ctx context.Context) error {
		out, err := env.AWS.Lightsail.CreateInstanceSnapshot(ctx, &lightsail.CreateInstanceSnapshotInput{
			InstanceName: new(env.Instance), InstanceSnapshotName: new(name)})
		if err != nil {
			return awsapi.Classify(what, err)
		}
		if err := env.WaitLightsail(ctx, ID, c.Address, what, out.Operations, snapshotTimeout); err != nil {
			return err
		}
		return waitAvailable(ctx, env, name, c.Address)
	})
	if err != nil {
		return steps.Report{}, err
	}
	rep := steps.Report{Detail: "snapshot " + name + " is available"}
	if !asked {
		rep.Detail += " (taken without asking: no one to ask, and a snapshot is the safe default)"
	}
	return rep, nil
}

// waitAvailable polls the snapshot until Lightsail reports it available: its operation can finish
// while the copy is still being made.
func waitAvailable(ctx context.Context, env *steps.Env, name, addr string) error {
	b := env.AWS.Poll
	if b.Initial <= 0 {
		b = awsapi.DefaultBackoff
	}
	b.Max = max(b.Max, b.Initial)
	wctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	start, delay := time.Now(), b.Initial
	timedOut := func() error {
		if ctx.Err() != nil {
			return ctx.Err() // the run was cancelled: not a time-out
		}
		return &awsapi.TimeoutError{Op: "wait for snapshot " + name, Type: "CreateInstanceSnapshot", Elapsed: time.Since(start)}
	}
	for {
		out, err := env.AWS.Lightsail.GetInstanceSnapshot(wctx, &lightsail.GetInstanceSnapshotInput{InstanceSnapshotName: new(name)})
		if err != nil {
			if wctx.Err() != nil && errors.Is(err, wctx.Err()) {
				return timedOut()
			}
			return awsapi.Classify("read snapshot "+name, err)
		}
		switch out.InstanceSnapshot.State {
		case types.InstanceSnapshotStateAvailable:
			return nil
		case types.InstanceSnapshotStateError:
			return &awsapi.OperationError{Op: "snapshot " + name, Type: "CreateInstanceSnapshot", Details: "Lightsail reports the snapshot in state error"}
		}
		env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Address: addr,
			Message: fmt.Sprintf("waiting for snapshot %s (%s)… %s", name, aws.ToString(out.InstanceSnapshot.Progress), time.Since(start).Round(time.Second))})
		select {
		case <-wctx.Done():
			return timedOut()
		case <-time.After(delay):
		}
		delay = min(delay+delay/2, b.Max)
	}
}

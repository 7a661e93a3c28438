package awsapi_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/remote/awsapi"
)

// progressLog records every progress report of a wait.
type progressLog struct {
	mu      sync.Mutex
	status  []types.OperationStatus
	elapsed []time.Duration
}

func (p *progressLog) report(op types.Operation, elapsed time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status = append(p.status, op.Status)
	p.elapsed = append(p.elapsed, elapsed)
}

func TestWaitForEmulatedSnapshot(t *testing.T) {
	em := emulator.Start(t, emulator.Options{OperationDelay: 60 * time.Millisecond})
	c := awsapi.New(em.AWSConfig())
	c.Poll = awsapi.Backoff{Initial: 10 * time.Millisecond, Max: 20 * time.Millisecond}
	out, err := c.Lightsail.CreateInstanceSnapshot(t.Context(), &lightsail.CreateInstanceSnapshotInput{
		InstanceName: aws.String("WordPress-1"), InstanceSnapshotName: aws.String("before")})
	if err != nil {
		t.Fatal(err)
	}
	var p progressLog
	if err := c.Wait(t.Context(), "snapshot WordPress-1", out.Operations, awsapi.WaitOptions{Progress: p.report}); err != nil {
		t.Fatalf("wait: %v", err)
	}
	if st := em.State().Snapshots; len(st) != 1 || st[0].State != "available" {
		t.Errorf("after the wait the snapshot is %+v, want available", st)
	}
	polls := 0
	for _, call := range em.Calls() {
		if call.Action == "GetOperation" {
			polls++
		}
	}
	if polls == 0 || len(p.status) != polls {
		t.Errorf("%d GetOperation calls and %d progress reports; want one report per poll", polls, len(p.status))
	}
	if last := p.status[len(p.status)-1]; last != types.OperationStatusSucceeded {
		t.Errorf("last progress %s, want Succeeded", last)
	}
	for i := 1; i < len(p.elapsed); i++ {
		if p.elapsed[i] < p.elapsed[i-1] {
			t.Errorf("elapsed went backwards: %v", p.elapsed)
		}
	}
}

// fakeOps answers GetOperation with a scripted sequence of statuses (the last repeats).
type fakeOps struct {
	awsapi.LightsailAPI // every other call panics: the waiter must not make them
	statuses            []types.OperationStatus
	err                 error
	mu                  sync.Mutex
	calls               int
}

func (f *fakeOps) GetOperation(ctx context.Context, in *lightsail.GetOperationInput, _ ...func(*lightsail.Options)) (*lightsail.GetOperationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.err != nil {
		return nil, f.err
	}
	st := f.statuses[min(f.calls, len(f.statuses)-1)]
	f.calls++
	op := types.Operation{Id: in.OperationId, Status: st, OperationType: types.OperationTypeCreateInstanceSnapshot}
	if st == types.OperationStatusFailed {
		op.ErrorCode, op.ErrorDetails = aws.String("InsufficientCapacity"), aws.String("no room for the snapshot")
	}
	return &lightsail.GetOperationOutput{Operation: &op}, nil
}

func started(id string) types.Operation {
	return types.Operation{Id: aws.String(id), Status: types.OperationStatusStarted, OperationType: types.OperationTypeCreateInstanceSnapshot}
}

func TestWait(t *testing.T) {
	fast := awsapi.Backoff{Initial: time.Millisecond, Max: 2 * time.Millisecond}
	cases := []struct {
		name     string
		ops      []types.Operation
		statuses []types.OperationStatus
		getErr   error
		poll     awsapi.Backoff
		timeout  time.Duration
		check    func(t *testing.T, err error)
		polls    func(n int) bool
		reports  int // progress reports expected, -1 to skip
	}{
		{
			name: "every operation succeeds", ops: []types.Operation{started("a"), started("b")},
			statuses: []types.OperationStatus{types.OperationStatusStarted, types.OperationStatusSucceeded},
			poll:     fast, check: func(t *testing.T, err error) {
				if err != nil {
					t.Fatal(err)
				}
			},
			polls: func(n int) bool { return n == 3 }, reports: 3,
		},
		{
			name: "an operation already over is not polled, and reported once",
			ops:  []types.Operation{{Id: aws.String("done"), Status: types.OperationStatusCompleted}},
			poll: fast, check: func(t *testing.T, err error) {
				if err != nil {
					t.Fatal(err)
				}
			},
			polls: func(n int) bool { return n == 0 }, reports: 1,
		},
		{
			name: "a failed operation is an OperationError with its code and details", ops: []types.Operation{started("a")},
			statuses: []types.OperationStatus{types.OperationStatusStarted, types.OperationStatusFailed},
			poll:     fast, check: func(t *testing.T, err error) {
				var oe *awsapi.OperationError
				if !errors.As(err, &oe) {
					t.Fatalf("want an OperationError, got %v", err)
				}
				for _, want := range []string{"snapshot WordPress-1", "CreateInstanceSnapshot", "InsufficientCapacity", "no room for the snapshot"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%q does not say %q", err, want)
					}
				}
			},
			polls: func(n int) bool { return n == 2 }, reports: 2,
		},
		{
			name: "past the deadline is a TimeoutError with a hint", ops: []types.Operation{started("a")},
			statuses: []types.OperationStatus{types.OperationStatusStarted}, poll: fast, timeout: 40 * time.Millisecond,
			check: func(t *testing.T, err error) {
				var te *awsapi.TimeoutError
				if !errors.As(err, &te) || te.Elapsed < 40*time.Millisecond {
					t.Fatalf("want a TimeoutError after at least 40ms, got %v", err)
				}
				if !strings.Contains(te.HintText(), "hardsail verify") {
					t.Errorf("hint %q", te.HintText())
				}
			},
			polls: func(n int) bool { return n > 0 }, reports: -1,
		},
		{
			name: "an unset Max does not poll in a hot loop", ops: []types.Operation{started("a")},
			statuses: []types.OperationStatus{types.OperationStatusStarted}, poll: awsapi.Backoff{Initial: 10 * time.Millisecond},
			timeout: 100 * time.Millisecond,
			check: func(t *testing.T, err error) {
				var te *awsapi.TimeoutError
				if !errors.As(err, &te) {
					t.Fatalf("want a TimeoutError, got %v", err)
				}
			},
			// At 10 ms apart, 100 ms holds about ten polls; a hot loop makes thousands.
			polls: func(n int) bool { return n > 0 && n <= 12 }, reports: -1,
		},
		{
			name: "a failing GetOperation is classified with what was being waited for", ops: []types.Operation{started("a")},
			getErr: errors.New("connection reset"), poll: fast,
			check: func(t *testing.T, err error) {
				var ae *awsapi.Error
				if !errors.As(err, &ae) || !strings.HasPrefix(err.Error(), "snapshot WordPress-1: ") {
					t.Fatalf("want an *awsapi.Error about the snapshot, got %v", err)
				}
			},
			polls: func(n int) bool { return n == 0 }, reports: 0,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeOps{statuses: tc.statuses, err: tc.getErr}
			c := &awsapi.Clients{Lightsail: fake, Poll: tc.poll}
			var p progressLog
			err := c.Wait(t.Context(), "snapshot WordPress-1", tc.ops, awsapi.WaitOptions{Timeout: tc.timeout, Progress: p.report})
			tc.check(t, err)
			if !tc.polls(fake.calls) {
				t.Errorf("%d GetOperation calls", fake.calls)
			}
			if tc.reports >= 0 && len(p.status) != tc.reports {
				t.Errorf("%d progress reports (%v), want %d", len(p.status), p.status, tc.reports)
			}
		})
	}
}

func TestWaitCancelled(t *testing.T) {
	fake := &fakeOps{statuses: []types.OperationStatus{types.OperationStatusStarted}}
	c := &awsapi.Clients{Lightsail: fake, Poll: awsapi.Backoff{Initial: time.Millisecond, Max: time.Millisecond}}
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	err := c.Wait(ctx, "snapshot WordPress-1", []types.Operation{started("a")}, awsapi.WaitOptions{})
	var te *awsapi.TimeoutError
	if !errors.Is(err, context.Canceled) || errors.As(err, &te) {
		t.Fatalf("a cancelled wait gave %v, want context.Canceled and no timeout", err)
	}
}

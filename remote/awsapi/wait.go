package awsapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"
)

// Backoff is how the waiter polls: Initial, growing by half each time, never above Max.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
}

// DefaultBackoff suits Lightsail: most operations finish in seconds, a load balancer in a minute or
// two; polling at 1 s → 10 s keeps a five-minute wait to about 40 GetOperation calls.
var DefaultBackoff = Backoff{Initial: time.Second, Max: 10 * time.Second}

// WaitOptions bound one wait.
type WaitOptions struct {
	// Timeout is the deadline for all operations together (default 10 minutes).
	Timeout time.Duration
	// Progress is told each poll's result, e.g. for "waiting for CreateInstanceSnapshot… 12s".
	Progress func(op types.Operation, elapsed time.Duration)
}

// OperationError is a Lightsail operation that finished in failure.
type OperationError struct {
	Op      string // what hardsail was doing
	Type    string // the operation type, e.g. CreateInstanceSnapshot
	Code    string
	Details string
}

func (e *OperationError) Error() string {
	msg := fmt.Sprintf("%s: Lightsail operation %s failed", e.Op, e.Type)
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Details != "" {
		msg += ": " + e.Details
	}
	return msg
}

// TimeoutError is a wait that ran past its deadline; the operation may still finish.
type TimeoutError struct {
	Op      string
	Type    string
	Elapsed time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s: Lightsail operation %s still not finished after %s", e.Op, e.Type, e.Elapsed.Round(time.Second))
}

// HintText says what to do about a wait that timed out.
func (e *TimeoutError) HintText() string {
	return "Lightsail is still working on it: run `hardsail verify` in a few minutes to see where it ended."
}

// Wait polls GetOperation until every operation in ops has succeeded (nil), one has failed
// (*OperationError), or the deadline passes (*TimeoutError). what names the work for messages.
func (c *Clients) Wait(ctx context.Context, what string, ops []types.Operation, o WaitOptions) error {
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Minute
	}
	b := c.Poll
	if b.Initial <= 0 {
		b = DefaultBackoff
	}
	// A Max below Initial (or unset) would shrink the delay to nothing and poll in a hot loop.
	b.Max = max(b.Max, b.Initial)
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	for _, op := range ops {
		delay, polled := b.Initial, false
		for {
			if done, err := finished(op, what); done {
				// A polled result was reported already; report one that was over on arrival once.
				if err == nil && !polled && o.Progress != nil {
					o.Progress(op, time.Since(start))
				}
				if err != nil {
					return err
				}
				break
			}
			select {
			case <-ctx.Done():
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					return &TimeoutError{Op: what, Type: string(op.OperationType), Elapsed: time.Since(start)}
				}
				return ctx.Err()
			case <-time.After(delay):
			}
			delay = min(delay+delay/2, b.Max)
			out, err := c.Lightsail.GetOperation(ctx, &lightsail.GetOperationInput{OperationId: op.Id})
			if err != nil {
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					return &TimeoutError{Op: what, Type: string(op.OperationType), Elapsed: time.Since(start)}
				}
				return Classify(what, err)
			}
			if out.Operation != nil {
				op = *out.Operation
			}
			polled = true
			if o.Progress != nil {
				o.Progress(op, time.Since(start))
			}
		}
	}
	return nil
}

// finished says whether op is over, and how it ended.
func finished(op types.Operation, what string) (bool, error) {
	switch op.Status {
	case types.OperationStatusSucceeded, types.OperationStatusCompleted:
		return true, nil
	case types.OperationStatusFailed:
		return true, &OperationError{Op: what, Type: string(op.OperationType),
			Code: aws.ToString(op.ErrorCode), Details: aws.ToString(op.ErrorDetails)}
	}
	return false, nil
}

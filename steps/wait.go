package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
)

// WaitLightsail says that step waits for Lightsail to do what, then waits for ops to finish,
// telling the observer each poll ("waiting for PutInstancePublicPorts (Started)… 4s"): one wording
// for every step that waits on a Lightsail operation. timeout 0 is awsapi's default.
func (e *Env) WaitLightsail(ctx context.Context, step, address, what string, ops []types.Operation, timeout time.Duration) error {
	e.Emit(Event{Kind: EventWait, Step: step, Address: address, Message: "waiting for Lightsail to " + what + "…"})
	return e.AWS.Wait(ctx, what, ops, awsapi.WaitOptions{Timeout: timeout, Progress: func(op types.Operation, elapsed time.Duration) {
		e.Emit(Event{Kind: EventWait, Step: step, Address: address,
			Message: fmt.Sprintf("waiting for %s (%s)… %s", op.OperationType, op.Status, elapsed.Round(time.Second))})
	}})
}

package imds

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// record is what the journal keeps for one change: the options before and the options hardsail
// wrote, so undo can put the first back and tell whether someone changed the second since.
type record struct {
	Prior Options `json:"prior"`
	Put   Options `json:"put"`
}

// Apply requires tokens with one UpdateInstanceMetadataOptions and waits for Lightsail to apply it,
// inside the journaled change: a cancel or time-out during the wait leaves the entry unknown, and
// undo then compares the live options first.
func (s *Step) Apply(ctx context.Context, env *steps.Env, live steps.State, plan steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	f, done, err := steps.ApplyFacts[Facts](live, plan)
	if done {
		return steps.Done(err)
	}
	if len(plan.Changes) != 1 || plan.Changes[0].Address != address(env.Instance) {
		return steps.Report{}, fmt.Errorf("%s: the plan has changes this step does not make: %+v", ID, plan.Changes)
	}
	put := f.Options
	put.Tokens = TokensRequired
	err = rec.Do(ctx, plan.Changes[0], record{Prior: f.Options, Put: put}, func(ctx context.Context) error {
		return update(ctx, env, f.Options, put)
	})
	if err != nil {
		return steps.Report{}, err
	}
	return steps.Report{Detail: "the metadata service of " + env.Instance + " now requires tokens (IMDSv2)"}, nil
}

// update sends the members of to that differ from live in one UpdateInstanceMetadataOptions
// (httpTokens always: left out, Lightsail sets it to optional), then waits for the operation.
func update(ctx context.Context, env *steps.Env, live, to Options) error {
	in := &lightsail.UpdateInstanceMetadataOptionsInput{InstanceName: new(env.Instance), HttpTokens: types.HttpTokens(to.Tokens)}
	if to.Endpoint != live.Endpoint {
		in.HttpEndpoint = types.HttpEndpoint(to.Endpoint)
	}
	if to.HopLimit != live.HopLimit && to.HopLimit != 0 {
		in.HttpPutResponseHopLimit = new(to.HopLimit)
	}
	if to.IPv6 != live.IPv6 && to.IPv6 != "" {
		in.HttpProtocolIpv6 = types.HttpProtocolIpv6(to.IPv6)
	}
	what := fmt.Sprintf("set the metadata options of %s (httpTokens %s)", env.Instance, to.Tokens)
	out, err := env.AWS.Lightsail.UpdateInstanceMetadataOptions(ctx, in)
	if err != nil {
		return awsapi.Classify(what, err)
	}
	var ops []types.Operation
	if out.Operation != nil {
		ops = append(ops, *out.Operation)
	}
	return env.WaitLightsail(ctx, ID, address(env.Instance), what, ops, 0)
}

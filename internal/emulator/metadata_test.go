package emulator_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/internal/emulator"
)

func metadataOf(t *testing.T, c *lightsail.Client) types.InstanceMetadataOptions {
	t.Helper()
	out, err := c.GetInstance(ctxT(t), &lightsail.GetInstanceInput{InstanceName: aws.String("WordPress-1")})
	checkErr(t, err, noErr)
	if out.Instance.MetadataOptions == nil {
		t.Fatal("GetInstance reports no metadataOptions")
	}
	return *out.Instance.MetadataOptions
}

func TestMetadataOptionsByScenario(t *testing.T) {
	for scenario, want := range map[string]types.HttpTokens{
		"wordpress-fresh":               types.HttpTokensOptional,
		emulator.ScenarioLightsailFresh: types.HttpTokensRequired,
		"wordpress-hardened":            types.HttpTokensRequired,
	} {
		t.Run(scenario, func(t *testing.T) {
			_, c := startFast(t, func(o *emulator.Options) { o.Scenario = scenario })
			m := metadataOf(t, c)
			if m.HttpTokens != want || m.HttpEndpoint != types.HttpEndpointEnabled || m.State != types.InstanceMetadataStateApplied ||
				aws.ToInt32(m.HttpPutResponseHopLimit) != 1 || m.HttpProtocolIpv6 != types.HttpProtocolIpv6Disabled {
				t.Errorf("metadata options %+v, want httpTokens %s, endpoint enabled, hop limit 1, applied", m, want)
			}
		})
	}
}

func TestUpdateInstanceMetadataOptions(t *testing.T) {
	_, c := startFast(t, nil)
	ctx := ctxT(t)
	out, err := c.UpdateInstanceMetadataOptions(ctx, &lightsail.UpdateInstanceMetadataOptionsInput{
		InstanceName: aws.String("WordPress-1"), HttpTokens: types.HttpTokensRequired})
	checkErr(t, err, noErr)
	if out.Operation == nil || out.Operation.OperationType != types.OperationTypeUpdateInstanceMetadataOptions || out.Operation.Status != types.OperationStatusStarted {
		t.Fatalf("operation %+v, want a started UpdateInstanceMetadataOptions", out.Operation)
	}
	m := metadataOf(t, c)
	if m.HttpTokens != types.HttpTokensRequired || m.State != types.InstanceMetadataStatePending || m.HttpEndpoint != types.HttpEndpointEnabled || aws.ToInt32(m.HttpPutResponseHopLimit) != 1 {
		t.Errorf("right after the update: %+v, want required and pending, the rest kept", m)
	}
	time.Sleep(testOpDelay + 10*time.Millisecond)
	if m := metadataOf(t, c); m.State != types.InstanceMetadataStateApplied {
		t.Errorf("after the operation: state %s, want applied", m.State)
	}
	// Left out, httpTokens goes back to its default (optional); the other members keep their value.
	_, err = c.UpdateInstanceMetadataOptions(ctx, &lightsail.UpdateInstanceMetadataOptionsInput{
		InstanceName: aws.String("WordPress-1"), HttpPutResponseHopLimit: aws.Int32(2)})
	checkErr(t, err, noErr)
	if m := metadataOf(t, c); m.HttpTokens != types.HttpTokensOptional || aws.ToInt32(m.HttpPutResponseHopLimit) != 2 || m.HttpEndpoint != types.HttpEndpointEnabled {
		t.Errorf("after a hop limit update: %+v, want optional, 2, enabled", m)
	}
}

func TestUpdateInstanceMetadataOptionsRefusesBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		in   lightsail.UpdateInstanceMetadataOptionsInput
		want errKind
	}{
		"unknown tokens":          {lightsail.UpdateInstanceMetadataOptionsInput{HttpTokens: "sometimes"}, invalidErr},
		"unknown endpoint":        {lightsail.UpdateInstanceMetadataOptionsInput{HttpTokens: "required", HttpEndpoint: "on"}, invalidErr},
		"hop limit 0":             {lightsail.UpdateInstanceMetadataOptionsInput{HttpPutResponseHopLimit: aws.Int32(0)}, invalidErr},
		"hop limit 65":            {lightsail.UpdateInstanceMetadataOptionsInput{HttpPutResponseHopLimit: aws.Int32(65)}, invalidErr},
		"IPv6 outside eu-north-1": {lightsail.UpdateInstanceMetadataOptionsInput{HttpProtocolIpv6: types.HttpProtocolIpv6Enabled}, invalidErr},
		"no such instance":        {lightsail.UpdateInstanceMetadataOptionsInput{InstanceName: aws.String("WordPress-9"), HttpTokens: "required"}, notFoundErr},
	} {
		t.Run(name, func(t *testing.T) {
			e, c := startFast(t, nil)
			before := e.State()
			in := tc.in
			if in.InstanceName == nil {
				in.InstanceName = aws.String("WordPress-1")
			}
			_, err := c.UpdateInstanceMetadataOptions(ctxT(t), &in)
			checkErr(t, err, tc.want)
			after := e.State()
			if *after.Instances[0].MetadataOptions != *before.Instances[0].MetadataOptions || len(after.Operations) != 0 {
				t.Errorf("a refused update changed the options to %+v (operations %d)", *after.Instances[0].MetadataOptions, len(after.Operations))
			}
		})
	}
}

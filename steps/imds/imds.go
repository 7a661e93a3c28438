// Package imds is the step that makes the instance metadata service answer only requests with a
// session token (IMDSv2): with tokens optional (IMDSv1), one plain web request to the metadata
// address, which a vulnerable plugin can be tricked into making (SSRF), reads the instance's
// credentials. The endpoint itself, the hop limit and IPv6 are left as they are.
package imds

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// ID is the step's stable name.
const ID = "imds"

// The values Lightsail takes for the options (service/lightsail types: HttpTokens, HttpEndpoint,
// HttpProtocolIpv6).
const (
	TokensOptional = "optional"
	TokensRequired = "required"
	enabled        = "enabled"
	disabled       = "disabled"
	// maxHopLimit bounds httpPutResponseHopLimit (EC2's documented range 1–64; 0 = not reported).
	maxHopLimit = 64
)

// Step is the step.
type Step struct{ steps.Identity }

// New returns the step.
func New() *Step { return &Step{steps.Named(ID, "Instance metadata: tokens required (IMDSv2)")} }

// Options are the metadata service's settings, as GetInstance reports them and as the journal
// keeps them.
type Options struct {
	Tokens   string `json:"http_tokens"`
	Endpoint string `json:"http_endpoint"`
	HopLimit int32  `json:"hop_limit,omitempty"`
	IPv6     string `json:"http_protocol_ipv6,omitempty"`
}

// Facts is what Check read.
type Facts struct {
	Instance string  `json:"instance"`
	Options  Options `json:"options"`
	// Applying is Lightsail's state "pending": a change of the options is still being applied.
	Applying bool `json:"applying,omitempty"`
}

// Check reads the instance's metadata options. An instance that reports none, or values hardsail
// does not know, is skipped with the reason: nothing is planned from what hardsail cannot read.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st := steps.State{Step: ID}
	o, applying, err := read(ctx, env)
	if err != nil {
		return st, err
	}
	if o == nil {
		st.Skip = "Lightsail reports no instance metadata options for " + env.Instance
		return st, nil
	}
	f := Facts{Instance: env.Instance, Options: *o, Applying: applying}
	st.Facts = f
	if why := invalid(*o); why != "" {
		st.Skip = "Lightsail reports instance metadata options hardsail does not know (" + why + "); nothing is changed"
		return st, nil
	}
	if applying && o.Tokens == TokensRequired {
		st.Pending = "Lightsail is still applying the instance metadata options of " + env.Instance
	}
	return st, nil
}

// read returns the live options (nil when GetInstance reports none) and whether Lightsail is still
// applying a change of them.
func read(ctx context.Context, env *steps.Env) (*Options, bool, error) {
	out, err := env.AWS.Lightsail.GetInstance(ctx, &lightsail.GetInstanceInput{InstanceName: new(env.Instance)})
	if err != nil {
		return nil, false, awsapi.Classify("read the metadata options of "+env.Instance, err)
	}
	if out.Instance == nil || out.Instance.MetadataOptions == nil {
		return nil, false, nil
	}
	m := out.Instance.MetadataOptions
	o := Options{Tokens: string(m.HttpTokens), Endpoint: string(m.HttpEndpoint),
		HopLimit: aws.ToInt32(m.HttpPutResponseHopLimit), IPv6: string(m.HttpProtocolIpv6)}
	return &o, m.State == "pending", nil
}

// invalid says which value of o Lightsail does not take, or "".
func invalid(o Options) string {
	switch {
	case !slices.Contains([]string{TokensOptional, TokensRequired}, o.Tokens):
		return fmt.Sprintf("httpTokens %q", o.Tokens)
	case !slices.Contains([]string{enabled, disabled}, o.Endpoint):
		return fmt.Sprintf("httpEndpoint %q", o.Endpoint)
	case o.HopLimit < 0 || o.HopLimit > maxHopLimit:
		return fmt.Sprintf("httpPutResponseHopLimit %d", o.HopLimit)
	case !slices.Contains([]string{"", enabled, disabled}, o.IPv6):
		return fmt.Sprintf("httpProtocolIpv6 %q", o.IPv6)
	}
	return ""
}

// address is the plan's address of the instance's metadata options.
func address(instance string) string { return "lightsail:" + instance + "/metadata-options" }

// describe is how a preview shows the tokens setting.
func describe(tokens string) string { return "httpTokens " + tokens }

// Plan requires tokens when they are optional; the endpoint, the hop limit and IPv6 stay as they are.
func (s *Step) Plan(st steps.State, _ steps.Settings) (steps.Plan, error) {
	p, f, skip, err := steps.PlanFacts[Facts](ID, st)
	if skip || err != nil {
		return p, err
	}
	if f.Options.Tokens == TokensRequired {
		return p, nil
	}
	why := "With tokens optional (IMDSv1), a plugin with a flaw that lets an attacker make it fetch a web address " +
		"(server-side request forgery) can read the instance's credentials from the metadata service in one plain request. " +
		"Requiring tokens (IMDSv2) stops that: such a request cannot first ask for a token."
	if f.Options.Endpoint == disabled {
		why = "The metadata service is turned off now; requiring tokens keeps the old, forgeable way (IMDSv1) closed if it is turned back on."
	}
	p.Changes = []steps.Change{{Action: steps.Update, Address: address(f.Instance),
		Before: describe(f.Options.Tokens), After: describe(TokensRequired), Why: why}}
	p.Notes = []string{"Software on the instance that still reads the metadata without a token gets no answer afterwards " +
		"(current AWS tools use tokens); `hardsail undo " + ID + "` puts the old setting back."}
	return p, nil
}

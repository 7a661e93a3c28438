package staticip

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/dnszone"
)

// record is what the journal keeps for one change.
type record struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`     // the static IP
	Instance string `json:"instance"` // the instance it is (or was) attached to
	// Prior is the dynamic address the instance had before the static IP (attach).
	Prior  string          `json:"prior,omitempty"`
	Zone   string          `json:"zone,omitempty"`
	Record *dnszone.Record `json:"record,omitempty"` // the record created, or deleted (dns-*)
}

// Apply makes the plan's changes in order, each journaled: allocate, attach, then the DNS records.
func (s *Step) Apply(ctx context.Context, env *steps.Env, live steps.State, p steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	f, done, err := steps.ApplyFacts[Facts](live, p)
	if done {
		return steps.Done(err)
	}
	ops := plan(f, env.Settings)
	if len(ops) != len(p.Changes) {
		return steps.Report{}, fmt.Errorf("%s: the plan has changes this step does not make: %+v", ID, p.Changes)
	}
	for i, x := range ops {
		if c := p.Changes[i]; c.Address != x.Change.Address || c.Action != x.Change.Action {
			return steps.Report{}, fmt.Errorf("%s: the plan has changes this step does not make: %+v", ID, c)
		}
	}
	name := StaticIPName(env.Instance)
	addr := ""
	if f.Own != nil {
		addr = f.Own.Address
	}
	moved := 0
	for _, x := range ops {
		d := record{Kind: x.Kind, Name: name, Instance: env.Instance, Zone: x.Zone}
		c := x.Change
		var fn func(context.Context) error
		switch x.Kind {
		case kindAllocate:
			fn = func(ctx context.Context) error {
				a, err := allocate(ctx, env, name)
				addr = a
				return err
			}
		case kindAttach:
			d.Prior = f.Address
			fn = func(ctx context.Context) error { return attach(ctx, env, name) }
		case kindDNSCreate:
			r := dnszone.Record{Name: x.Record.Name, Type: "A", Target: addr}
			d.Record, c.After = &r, addr
			fn = func(ctx context.Context) error { return dnszone.Create(ctx, env, x.Zone, r) }
		case kindDNSDelete:
			r := x.Record
			d.Record = &r
			fn = func(ctx context.Context) error { return dnszone.Delete(ctx, env, x.Zone, r) }
			moved++
		}
		if err := rec.Do(ctx, c, d, fn); err != nil {
			return steps.Report{}, err
		}
	}
	return steps.Report{Detail: fmt.Sprintf("static IP %s (%s) attached to %s; %d DNS record(s) re-pointed from %s", name, addr, env.Instance, moved, f.Address)}, nil
}

// allocate creates the static IP and returns its address.
func allocate(ctx context.Context, env *steps.Env, name string) (string, error) {
	err := dnszone.CallAndWait(ctx, env.AWS, "allocate static IP "+name, func() ([]types.Operation, error) {
		out, err := env.AWS.Lightsail.AllocateStaticIp(ctx, &lightsail.AllocateStaticIpInput{StaticIpName: new(name)})
		return dnszone.OpsOf(out, err, func(o *lightsail.AllocateStaticIpOutput) []types.Operation { return o.Operations })
	})
	if err != nil {
		return "", err
	}
	ip, err := readStaticIP(ctx, env, name)
	if err == nil && ip == nil {
		err = fmt.Errorf("allocate static IP %s: Lightsail does not list it afterwards", name)
	}
	if err != nil {
		return "", err
	}
	return aws.ToString(ip.IpAddress), nil
}

func attach(ctx context.Context, env *steps.Env, name string) error {
	return dnszone.CallAndWait(ctx, env.AWS, "attach static IP "+name+" to "+env.Instance, func() ([]types.Operation, error) {
		out, err := env.AWS.Lightsail.AttachStaticIp(ctx, &lightsail.AttachStaticIpInput{StaticIpName: new(name), InstanceName: new(env.Instance)})
		return dnszone.OpsOf(out, err, func(o *lightsail.AttachStaticIpOutput) []types.Operation { return o.Operations })
	})
}

// readStaticIP returns the static IP, or nil when there is none of that name.
func readStaticIP(ctx context.Context, env *steps.Env, name string) (*types.StaticIp, error) {
	out, err := env.AWS.Lightsail.GetStaticIp(ctx, &lightsail.GetStaticIpInput{StaticIpName: new(name)})
	if err != nil {
		if err = awsapi.Classify("read static IP "+name, err); awsapi.IsKind(err, awsapi.KindNotFound) {
			return nil, nil
		}
		return nil, err
	}
	return out.StaticIp, nil
}

package fleet

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/hardsail/hardsail/remote/awsapi"
)

// RegionReads are the Lightsail reads of a read-only run, batched per region: a region's listings
// (its instances, snapshots, static IPs, load balancers and their certificates, the TLS policies)
// are read once and every instance's check is answered from them; GetInstance and the firewall's
// port states come out of the region's instance listing (the one discovery made) instead of a call
// per instance. The other reads that name one instance (its SSH access details, setup history) and
// every write go straight through. Use it for verify and plan only: nothing may change during the run.
type RegionReads struct {
	mu      sync.Mutex
	regions map[string]*answers
	// account are the account's reads: who the caller is (STS), the DNS zones (Lightsail's
	// Domains, in us-east-1 whatever the region) and IAM's (shared once the first is made).
	account *answers
	iam     *SharedIAM
}

// NewRegionReads starts a run's shared reads.
func NewRegionReads() *RegionReads {
	return &RegionReads{regions: map[string]*answers{}, account: newAnswers()}
}

// Share makes c (one instance's clients, in region) read through the run's shared reads: its
// region's Lightsail listings, the account's identity, DNS zones and IAM.
func (r *RegionReads) Share(c *awsapi.Clients, region string) {
	r.mu.Lock()
	if r.iam == nil {
		r.iam = ShareIAM(c.IAM)
	}
	c.IAM = r.iam
	r.mu.Unlock()
	c.Lightsail = r.For(region, c.Lightsail)
	c.Domains = &sharedLightsail{LightsailAPI: c.Domains, answers: r.account}
	c.STS = sharedSTS{STSAPI: c.STS, answers: r.account}
}

type sharedSTS struct {
	awsapi.STSAPI
	answers *answers
}

func (s sharedSTS) GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return once(s.answers, ctx, "GetCallerIdentity", in, s.STSAPI.GetCallerIdentity, opts)
}

// For is region's Lightsail for one instance: api (the instance's own client) makes the calls no
// instance made before it.
func (r *RegionReads) For(region string, api awsapi.LightsailAPI) awsapi.LightsailAPI {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.regions[region]
	if a == nil {
		a = newAnswers()
		r.regions[region] = a
	}
	return &sharedLightsail{LightsailAPI: api, answers: a}
}

type sharedLightsail struct {
	awsapi.LightsailAPI
	answers *answers
}

// GetInstance is the instance from the region's listing; one the listing does not hold is asked
// for, so a missing instance gets Lightsail's own answer.
func (s *sharedLightsail) GetInstance(ctx context.Context, in *lightsail.GetInstanceInput, opts ...func(*lightsail.Options)) (*lightsail.GetInstanceOutput, error) {
	inst, err := s.listed(ctx, aws.ToString(in.InstanceName), opts)
	if err != nil || inst == nil {
		return s.LightsailAPI.GetInstance(ctx, in, opts...)
	}
	return &lightsail.GetInstanceOutput{Instance: inst}, nil
}

// GetInstancePortStates are the instance's firewall rules from the region's listing (its
// networking's ports, every one of them open), or asked for when the listing has none.
func (s *sharedLightsail) GetInstancePortStates(ctx context.Context, in *lightsail.GetInstancePortStatesInput, opts ...func(*lightsail.Options)) (*lightsail.GetInstancePortStatesOutput, error) {
	inst, err := s.listed(ctx, aws.ToString(in.InstanceName), opts)
	if err != nil || inst == nil || inst.Networking == nil {
		return s.LightsailAPI.GetInstancePortStates(ctx, in, opts...)
	}
	out := &lightsail.GetInstancePortStatesOutput{PortStates: []types.InstancePortState{}}
	for _, p := range inst.Networking.Ports {
		out.PortStates = append(out.PortStates, types.InstancePortState{FromPort: p.FromPort, ToPort: p.ToPort, Protocol: p.Protocol,
			State: types.PortStateOpen, Cidrs: p.Cidrs, Ipv6Cidrs: p.Ipv6Cidrs, CidrListAliases: p.CidrListAliases})
	}
	return out, nil
}

// listed is a copy of the named instance from the region's listing (every page, each read once),
// nil when the listing does not hold it.
func (s *sharedLightsail) listed(ctx context.Context, name string, opts []func(*lightsail.Options)) (*types.Instance, error) {
	var token *string
	for {
		page, err := s.GetInstances(ctx, &lightsail.GetInstancesInput{PageToken: token}, opts...)
		if err != nil {
			return nil, err
		}
		for i := range page.Instances {
			if aws.ToString(page.Instances[i].Name) == name {
				inst := page.Instances[i]
				return &inst, nil
			}
		}
		if token = page.NextPageToken; aws.ToString(token) == "" {
			return nil, nil
		}
	}
}

func (s *sharedLightsail) GetDomains(ctx context.Context, in *lightsail.GetDomainsInput, opts ...func(*lightsail.Options)) (*lightsail.GetDomainsOutput, error) {
	return once(s.answers, ctx, "GetDomains", in, s.LightsailAPI.GetDomains, opts)
}

func (s *sharedLightsail) GetInstances(ctx context.Context, in *lightsail.GetInstancesInput, opts ...func(*lightsail.Options)) (*lightsail.GetInstancesOutput, error) {
	return once(s.answers, ctx, "GetInstances", in, s.LightsailAPI.GetInstances, opts)
}

func (s *sharedLightsail) GetInstanceSnapshots(ctx context.Context, in *lightsail.GetInstanceSnapshotsInput, opts ...func(*lightsail.Options)) (*lightsail.GetInstanceSnapshotsOutput, error) {
	return once(s.answers, ctx, "GetInstanceSnapshots", in, s.LightsailAPI.GetInstanceSnapshots, opts)
}

func (s *sharedLightsail) GetStaticIps(ctx context.Context, in *lightsail.GetStaticIpsInput, opts ...func(*lightsail.Options)) (*lightsail.GetStaticIpsOutput, error) {
	return once(s.answers, ctx, "GetStaticIps", in, s.LightsailAPI.GetStaticIps, opts)
}

func (s *sharedLightsail) GetLoadBalancers(ctx context.Context, in *lightsail.GetLoadBalancersInput, opts ...func(*lightsail.Options)) (*lightsail.GetLoadBalancersOutput, error) {
	return once(s.answers, ctx, "GetLoadBalancers", in, s.LightsailAPI.GetLoadBalancers, opts)
}

func (s *sharedLightsail) GetLoadBalancerTlsCertificates(ctx context.Context, in *lightsail.GetLoadBalancerTlsCertificatesInput, opts ...func(*lightsail.Options)) (*lightsail.GetLoadBalancerTlsCertificatesOutput, error) {
	return once(s.answers, ctx, "GetLoadBalancerTlsCertificates", in, s.LightsailAPI.GetLoadBalancerTlsCertificates, opts)
}

func (s *sharedLightsail) GetLoadBalancerTlsPolicies(ctx context.Context, in *lightsail.GetLoadBalancerTlsPoliciesInput, opts ...func(*lightsail.Options)) (*lightsail.GetLoadBalancerTlsPoliciesOutput, error) {
	return once(s.answers, ctx, "GetLoadBalancerTlsPolicies", in, s.LightsailAPI.GetLoadBalancerTlsPolicies, opts)
}

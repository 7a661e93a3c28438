// Package staticip is the step that gives the instance a static IP. A Lightsail instance's public
// IPv4 address is dynamic: a stop and start gives it a new one, and DNS records that point at the
// old address then point at nothing (or at someone else's server). Attaching a static IP changes
// the address once, so the step does it only when the user agrees (--static-ip), and re-points
// the A records of Lightsail DNS zones in the same plan.
package staticip

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/dnszone"
)

// ID is the step's stable name.
const ID = "static-ip"

// FindingDynamic is the finding's stable id: the instance's public address is dynamic.
const FindingDynamic = "static-ip.dynamic_ip"

// Step is the step.
type Step struct{ steps.Identity }

// New returns the step.
func New() *Step {
	return &Step{steps.Named(ID, "Static IP: a public address that survives a restart")}
}

var _ steps.Optioner = (*Step)(nil)

// Own is hardsail's static IP, when one is allocated.
type Own struct {
	Address    string `json:"address"`
	AttachedTo string `json:"attached_to,omitempty"`
}

// Facts is what Check read.
type Facts struct {
	Instance string `json:"instance"`
	// Address is the instance's public IPv4 address now.
	Address string `json:"address"`
	Static  bool   `json:"static"`
	// StaticName is the static IP attached to the instance, when it has one.
	StaticName string `json:"static_name,omitempty"`
	// Own is hardsail's static IP (StaticIPName), if it is allocated.
	Own *Own `json:"own,omitempty"`
	// Zones are the Lightsail DNS zones with A records pointing at Address (only those records).
	Zones []dnszone.Zone `json:"zones,omitempty"`
}

var nameCleanRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9_-]+`) })

// StaticIPName is the name hardsail gives the static IP it allocates for instance.
func StaticIPName(instance string) string {
	return strings.Trim(nameCleanRE().ReplaceAllString("hardsail-"+instance, "-"), "-_")
}

// Check reads the instance's public address, the account's static IPs and, when the address is
// dynamic, the Lightsail DNS records that point at it.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st := steps.State{Step: ID}
	if env.AWS == nil {
		return st, steps.NoAWS(ID)
	}
	out, err := env.AWS.Lightsail.GetInstance(ctx, &lightsail.GetInstanceInput{InstanceName: new(env.Instance)})
	if err != nil {
		return st, awsapi.Classify("read instance "+env.Instance, err)
	}
	in := out.Instance
	if in == nil || aws.ToString(in.PublicIpAddress) == "" {
		st.Skip = env.Instance + " has no public IPv4 address (an IPv6-only instance, or a stopped one): there is nothing to keep"
		return st, nil
	}
	f := Facts{Instance: env.Instance, Address: aws.ToString(in.PublicIpAddress), Static: aws.ToBool(in.IsStaticIp)}
	if err := readStaticIPs(ctx, env, &f); err != nil {
		return st, err
	}
	if f.Own != nil && f.Own.AttachedTo != "" && f.Own.AttachedTo != env.Instance {
		st.Facts = f
		st.Skip = fmt.Sprintf("the static IP %s is attached to %s, not %s; nothing is changed", StaticIPName(env.Instance), f.Own.AttachedTo, env.Instance)
		return st, nil
	}
	if !f.Static {
		if f.Zones, err = readZones(ctx, env, f.Address, balancerNames(env.Settings)); err != nil {
			return st, err
		}
		st.Findings = []steps.Finding{finding(f)}
	}
	st.Facts = f
	return st, nil
}

// readStaticIPs finds the static IP attached to the instance and hardsail's own.
func readStaticIPs(ctx context.Context, env *steps.Env, f *Facts) error {
	own := StaticIPName(env.Instance)
	var token *string
	for {
		out, err := env.AWS.Lightsail.GetStaticIps(ctx, &lightsail.GetStaticIpsInput{PageToken: token})
		if err != nil {
			return awsapi.Classify("list static IPs in "+env.Region, err)
		}
		for _, ip := range out.StaticIps {
			if aws.ToString(ip.AttachedTo) == env.Instance && aws.ToBool(ip.IsAttached) {
				f.StaticName = aws.ToString(ip.Name)
			}
			if aws.ToString(ip.Name) == own {
				f.Own = &Own{Address: aws.ToString(ip.IpAddress), AttachedTo: attachedTo(ip)}
			}
		}
		if aws.ToString(out.NextPageToken) == "" {
			return nil
		}
		token = out.NextPageToken
	}
}

func attachedTo(ip types.StaticIp) string {
	if !aws.ToBool(ip.IsAttached) {
		return ""
	}
	return aws.ToString(ip.AttachedTo)
}

// balancerNames are the names HTTPS through a load balancer (--domain with --https-mode lb, the
// default) points at the balancer: this step leaves their records to that, or a run applying both
// would re-point them twice (and find its own plan stale).
func balancerNames(set steps.Settings) []string {
	if set.Domain == "" || (set.HTTPSMode != "" && set.HTTPSMode != "lb") {
		return nil
	}
	out := []string{dnszone.Name(set.Domain)}
	for _, a := range set.AltDomains {
		out = append(out, dnszone.Name(a))
	}
	return out
}

// readZones keeps, of every Lightsail DNS zone, the plain A records that point at address, except
// those of the names in leave.
func readZones(ctx context.Context, env *steps.Env, address string, leave []string) ([]dnszone.Zone, error) {
	if env.AWS.Domains == nil {
		return nil, nil
	}
	all, err := dnszone.List(ctx, env)
	if err != nil {
		return nil, err
	}
	var zones []dnszone.Zone
	for _, d := range all {
		z := dnszone.Zone{Name: dnszone.Name(aws.ToString(d.Name))}
		for _, e := range d.DomainEntries {
			if r := dnszone.RecordOf(e); r.Type == "A" && !r.Alias && r.Target == address && !slices.Contains(leave, r.Name) {
				z.Entries = append(z.Entries, r)
			}
		}
		if len(z.Entries) > 0 {
			slices.SortFunc(z.Entries, func(a, b dnszone.Record) int { return strings.Compare(a.Name, b.Name) })
			zones = append(zones, z)
		}
	}
	slices.SortFunc(zones, func(a, b dnszone.Zone) int { return strings.Compare(a.Name, b.Name) })
	return zones, nil
}

// names are the DNS names of the records in zones.
func names(zones []dnszone.Zone) []string {
	var out []string
	for _, z := range zones {
		for _, r := range z.Entries {
			out = append(out, r.Name)
		}
	}
	return out
}

// finding says what a dynamic address means for this instance.
func finding(f Facts) steps.Finding {
	msg := fmt.Sprintf("The public address of %s (%s) is dynamic: the next time the instance is stopped and started, Lightsail gives it a new one", f.Instance, f.Address)
	if n := names(f.Zones); len(n) > 0 {
		msg += fmt.Sprintf(", and the DNS records of %s, which point at %s, then point at an address that is no longer yours", strings.Join(n, ", "), f.Address)
	} else {
		msg += ", and any DNS record that points at " + f.Address + " then points at an address that is no longer yours"
	}
	return steps.Finding{ID: FindingDynamic, Severity: "warning", Message: msg + ".",
		Fix: "`hardsail apply " + ID + " --static-ip` attaches a static IP (free while attached); the public address changes once, when it is attached."}
}

package https

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// domainsClients are the clients with Lightsail pointed at us-east-1, so Wait polls the DNS
// operations where they were made.
func domainsClients(env *steps.Env) *awsapi.Clients {
	c := *env.AWS
	c.Lightsail = env.AWS.Domains
	return &c
}

func createEntry(ctx context.Context, env *steps.Env, zone string, e entry) error {
	what := fmt.Sprintf("create DNS record %s %s in zone %s", e.Type, e.Name, zone)
	return callAndWait(ctx, domainsClients(env), what, func() ([]types.Operation, error) {
		out, err := env.AWS.Domains.CreateDomainEntry(ctx, &lightsail.CreateDomainEntryInput{DomainName: &zone, DomainEntry: domainEntry(e)})
		return opsOf(out, err, func(o *lightsail.CreateDomainEntryOutput) []types.Operation { return operation(o.Operation) })
	})
}

func deleteEntry(ctx context.Context, env *steps.Env, zone string, e entry) error {
	what := fmt.Sprintf("delete DNS record %s %s from zone %s", e.Type, e.Name, zone)
	return callAndWait(ctx, domainsClients(env), what, func() ([]types.Operation, error) {
		out, err := env.AWS.Domains.DeleteDomainEntry(ctx, &lightsail.DeleteDomainEntryInput{DomainName: &zone, DomainEntry: domainEntry(e)})
		return opsOf(out, err, func(o *lightsail.DeleteDomainEntryOutput) []types.Operation { return operation(o.Operation) })
	})
}

func domainEntry(e entry) *types.DomainEntry {
	return &types.DomainEntry{Name: &e.Name, Type: &e.Type, Target: &e.Target, IsAlias: aws.Bool(e.Alias)}
}

func operation(op *types.Operation) []types.Operation {
	if op == nil {
		return nil
	}
	return []types.Operation{*op}
}

// listZones reads every Lightsail DNS zone (in us-east-1), following pagination.
func listZones(ctx context.Context, env *steps.Env) ([]types.Domain, error) {
	var all []types.Domain
	var token *string
	for {
		out, err := env.AWS.Domains.GetDomains(ctx, &lightsail.GetDomainsInput{PageToken: token})
		if err != nil {
			return nil, awsapi.Classify("list Lightsail DNS zones (us-east-1)", err)
		}
		all = append(all, out.Domains...)
		if aws.ToString(out.NextPageToken) == "" {
			return all, nil
		}
		token = out.NextPageToken
	}
}

// entryExists reads zone and reports whether it holds e (undo compares the live zone first).
func entryExists(ctx context.Context, env *steps.Env, zone string, e entry) (bool, error) {
	zones, err := listZones(ctx, env)
	if err != nil {
		return false, err
	}
	for _, d := range zones {
		if dnsName(aws.ToString(d.Name)) != zone {
			continue
		}
		return slices.ContainsFunc(d.DomainEntries, func(x types.DomainEntry) bool {
			return dnsName(aws.ToString(x.Name)) == e.Name && aws.ToString(x.Type) == e.Type &&
				dnsName(aws.ToString(x.Target)) == dnsName(e.Target) && aws.ToBool(x.IsAlias) == e.Alias
		}), nil
	}
	return false, nil
}

func (f *facts) addEntry(zone string, e entry) {
	for i := range f.Zones {
		if f.Zones[i].Name == zone {
			f.Zones[i].Entries = append(f.Zones[i].Entries, e)
		}
	}
}

func (f *facts) removeEntry(zone string, e entry) {
	for i := range f.Zones {
		if f.Zones[i].Name == zone {
			f.Zones[i].Entries = slices.DeleteFunc(f.Zones[i].Entries, func(x entry) bool { return x == e })
		}
	}
}

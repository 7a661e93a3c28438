// Package dnszone reads and changes records in Lightsail DNS zones (which answer only in
// us-east-1), for every step that points a name somewhere: https points names at its load
// balancer, the static IP step re-points A records at the new address. Each create or delete is
// one call waited on, so a step journals each record as its own change.
package dnszone

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// Record is one DNS record; names are fully qualified, lower case, without the final dot.
type Record struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Target string `json:"target"`
	Alias  bool   `json:"alias,omitempty"`
}

// Zone is a Lightsail DNS zone with the records a step keeps of it.
type Zone struct {
	Name    string   `json:"name"`
	Entries []Record `json:"entries,omitempty"`
}

// Name normalises a DNS name: lower case, no surrounding space, no final dot.
func Name(s string) string { return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), ".")) }

// Address is the plan address of a record in a Lightsail DNS zone.
func Address(zone, typ, name string) string {
	return fmt.Sprintf("lightsail:dns/%s/%s/%s", zone, typ, name)
}

// For is the longest zone of zones that contains name, or "".
func For(zones []Zone, name string) string {
	best := ""
	for _, z := range zones {
		if (name == z.Name || strings.HasSuffix(name, "."+z.Name)) && len(z.Name) > len(best) {
			best = z.Name
		}
	}
	return best
}

// RecordOf is a Lightsail domain entry as a Record.
func RecordOf(e types.DomainEntry) Record {
	return Record{Name: Name(aws.ToString(e.Name)), Type: aws.ToString(e.Type), Target: aws.ToString(e.Target), Alias: aws.ToBool(e.IsAlias)}
}

// clients are the clients with Lightsail pointed at us-east-1, so Wait polls the DNS operations
// where they were made.
func clients(env *steps.Env) *awsapi.Clients {
	c := *env.AWS
	c.Lightsail = env.AWS.Domains
	return &c
}

// CallAndWait makes one mutating Lightsail call through c and waits for its operations. A cancel
// or time-out during the wait is returned as it is: the recorder journals it unknown.
func CallAndWait(ctx context.Context, c *awsapi.Clients, what string, call func() ([]types.Operation, error)) error {
	ops, err := call()
	if err != nil {
		return awsapi.Classify(what, err)
	}
	return c.Wait(ctx, what, ops, awsapi.WaitOptions{})
}

// OpsOf returns an output's operations, or err.
func OpsOf[T any](out *T, err error, ops func(*T) []types.Operation) ([]types.Operation, error) {
	if err != nil || out == nil {
		return nil, err
	}
	return ops(out), nil
}

// Operation is op as a list (none when nil).
func Operation(op *types.Operation) []types.Operation {
	if op == nil {
		return nil
	}
	return []types.Operation{*op}
}

// Create adds r to zone and waits for Lightsail.
func Create(ctx context.Context, env *steps.Env, zone string, r Record) error {
	what := fmt.Sprintf("create DNS record %s %s in zone %s", r.Type, r.Name, zone)
	return CallAndWait(ctx, clients(env), what, func() ([]types.Operation, error) {
		out, err := env.AWS.Domains.CreateDomainEntry(ctx, &lightsail.CreateDomainEntryInput{DomainName: &zone, DomainEntry: domainEntry(r)})
		return OpsOf(out, err, func(o *lightsail.CreateDomainEntryOutput) []types.Operation { return Operation(o.Operation) })
	})
}

// Delete removes r from zone and waits for Lightsail.
func Delete(ctx context.Context, env *steps.Env, zone string, r Record) error {
	what := fmt.Sprintf("delete DNS record %s %s from zone %s", r.Type, r.Name, zone)
	return CallAndWait(ctx, clients(env), what, func() ([]types.Operation, error) {
		out, err := env.AWS.Domains.DeleteDomainEntry(ctx, &lightsail.DeleteDomainEntryInput{DomainName: &zone, DomainEntry: domainEntry(r)})
		return OpsOf(out, err, func(o *lightsail.DeleteDomainEntryOutput) []types.Operation { return Operation(o.Operation) })
	})
}

func domainEntry(r Record) *types.DomainEntry {
	return &types.DomainEntry{Name: &r.Name, Type: &r.Type, Target: &r.Target, IsAlias: new(r.Alias)}
}

// List reads every Lightsail DNS zone (in us-east-1), following pagination.
func List(ctx context.Context, env *steps.Env) ([]types.Domain, error) {
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

// Exists reads zone and reports whether it holds r (undo compares the live zone first).
func Exists(ctx context.Context, env *steps.Env, zone string, r Record) (bool, error) {
	zones, err := List(ctx, env)
	if err != nil {
		return false, err
	}
	for _, d := range zones {
		if Name(aws.ToString(d.Name)) != zone {
			continue
		}
		return slices.ContainsFunc(d.DomainEntries, func(x types.DomainEntry) bool {
			got := RecordOf(x)
			return got.Name == r.Name && got.Type == r.Type && Name(got.Target) == Name(r.Target) && got.Alias == r.Alias
		}), nil
	}
	return false, nil
}

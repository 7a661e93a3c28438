// Package fleet checks many Lightsail instances in one run: it finds every WordPress instance in
// every region (or the regions and names asked for) and runs one check per instance, in parallel
// with a bound, each with its own session. It is no step: it names none and runs what it is given.
package fleet

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
)

// Instance is one WordPress instance found in the account.
type Instance struct {
	Region string `json:"region"`
	Name   string `json:"instance"`
	// Flavour is the blueprint's hint (bitnami, lightsail), "" when its names do not say.
	Flavour string `json:"flavour,omitempty"`
	// State is Lightsail's instance state: running, stopped, pending…
	State string `json:"state"`
}

// Lister is the part of the Lightsail API discovery calls (*lightsail.Client has it).
type Lister interface {
	GetRegions(ctx context.Context, in *lightsail.GetRegionsInput, opts ...func(*lightsail.Options)) (*lightsail.GetRegionsOutput, error)
	GetInstances(ctx context.Context, in *lightsail.GetInstancesInput, opts ...func(*lightsail.Options)) (*lightsail.GetInstancesOutput, error)
}

// Selection is what to look for: no regions means every region Lightsail offers, no patterns every
// WordPress instance.
type Selection struct {
	Regions  []string
	Patterns Patterns
}

// Patterns are instance names or globs (path.Match syntax), as --instance gives them.
type Patterns []string

// ParsePatterns reads "a,b,shop-*" (several names or globs, comma separated). An empty value
// selects every instance.
func ParsePatterns(v string) (Patterns, error) {
	var out Patterns
	for p := range strings.SplitSeq(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, err := path.Match(p, ""); err != nil || strings.ContainsAny(p, "/\\") || !printable(p) {
			return nil, &steps.UsageError{Msg: fmt.Sprintf("--instance %q: %q is not an instance name or glob", v, p),
				Hint: "Give names or globs separated by commas, e.g. --instance 'shop-*,blog' (letters, digits, . _ - and * ? [ ])."}
		}
		out = append(out, p)
	}
	return out, nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	return true
}

// Match reports whether name is selected.
func (p Patterns) Match(name string) bool {
	if len(p) == 0 {
		return true
	}
	return slices.ContainsFunc(p, func(g string) bool { ok, _ := path.Match(g, name); return ok })
}

// unmatched are the patterns no instance matched: a typo is refused, not silently checked as nothing.
func (p Patterns) unmatched(found []Instance) []string {
	var out []string
	for _, g := range p {
		if !slices.ContainsFunc(found, func(in Instance) bool { ok, _ := path.Match(g, in.Name); return ok }) {
			out = append(out, g)
		}
	}
	return out
}

// Discover lists the WordPress instances of sel: the regions from home's GetRegions (unless sel
// names them), then every instance of each region (GetInstances, every page), regions side by side.
// in returns the Lister of a region. Instances come sorted by region, then name.
func Discover(ctx context.Context, home Lister, in func(region string) Lister, sel Selection) ([]Instance, error) {
	regions := sel.Regions
	if len(regions) == 0 {
		out, err := home.GetRegions(ctx, &lightsail.GetRegionsInput{})
		if err != nil {
			return nil, awsapi.Classify("list the Lightsail regions", err)
		}
		for _, r := range out.Regions {
			regions = append(regions, string(r.Name))
		}
	}
	found := make([][]Instance, len(regions))
	errs := make([]error, len(regions))
	var wg sync.WaitGroup
	for i, r := range regions {
		wg.Go(func() { found[i], errs[i] = listRegion(ctx, in(r), r, sel.Patterns) })
	}
	wg.Wait()
	var all []Instance
	for i := range regions {
		if errs[i] != nil {
			return nil, errs[i]
		}
		all = append(all, found[i]...)
	}
	if miss := sel.Patterns.unmatched(all); len(miss) > 0 {
		return nil, &steps.UsageError{Msg: fmt.Sprintf("no WordPress instance matches %s in %s", strings.Join(miss, ", "), strings.Join(regions, ", ")),
			Hint: "Check the names with `aws lightsail get-instances`, or leave --instance out to check every instance."}
	}
	return all, nil
}

// listRegion is one region's WordPress instances matching patterns, following nextPageToken.
func listRegion(ctx context.Context, c Lister, region string, patterns Patterns) ([]Instance, error) {
	var out []Instance
	var token *string
	for {
		page, err := c.GetInstances(ctx, &lightsail.GetInstancesInput{PageToken: token})
		if err != nil {
			return nil, awsapi.Classify("list Lightsail instances in "+region, err)
		}
		for _, li := range page.Instances {
			hint := blueprint.HintOf(aws.ToString(li.BlueprintId), aws.ToString(li.BlueprintName))
			name := aws.ToString(li.Name)
			if !hint.WordPress() || !patterns.Match(name) {
				continue
			}
			state := ""
			if li.State != nil {
				state = aws.ToString(li.State.Name)
			}
			out = append(out, Instance{Region: region, Name: name, Flavour: string(hint.Flavour), State: state})
		}
		if aws.ToString(page.NextPageToken) == "" {
			break
		}
		token = page.NextPageToken
	}
	slices.SortFunc(out, func(a, b Instance) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

package staticip

import (
	"fmt"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/dnszone"
)

// Kinds of change, as the journal keeps them.
const (
	kindAllocate  = "allocate"
	kindAttach    = "attach"
	kindDNSCreate = "dns-create"
	kindDNSDelete = "dns-delete"
)

// op is one planned change with what Apply needs to make it.
type op struct {
	Kind   string
	Zone   string
	Record dnszone.Record // dns-delete: the record pointing at the old address; dns-create: its name
	Change steps.Change
}

// Options are the step's settings: --static-ip, the user's agreement to the address change.
func (s *Step) Options() []steps.Option {
	return []steps.Option{steps.Switch(steps.Option{
		Flag:     "static-ip",
		Usage:    "attach a static IP to the instance (free while attached); its public address changes once, when it is attached",
		Question: "Give the instance a static IP? Its public address changes once, now.",
		Note: "Without one, a stop and start gives the instance a new public address and DNS pointing at the old one breaks. " +
			"Records in Lightsail DNS are re-pointed in the same change; records kept elsewhere you re-point by hand.",
	}, func(set *steps.Settings) *bool { return &set.StaticIP },
		"Use --static-ip to attach a static IP, or leave it out.")}
}

// Plan attaches a static IP, when the address is dynamic and the user agreed (--static-ip):
// allocate hardsail's static IP (unless it is there already), attach it, then for every A record
// in Lightsail DNS that points at the old address, one change creating the record at the new
// address and one deleting the old (created first, so the name never goes without a record).
func (s *Step) Plan(st steps.State, set steps.Settings) (steps.Plan, error) {
	p, f, skip, err := steps.PlanFacts[Facts](ID, st)
	if skip || err != nil {
		return p, err
	}
	ops := plan(f, set)
	for _, x := range ops {
		p.Changes = append(p.Changes, x.Change)
	}
	if len(ops) > 0 {
		p.Notes = notes(f)
	}
	return p, nil
}

func plan(f Facts, set steps.Settings) []op {
	if f.Static || !set.StaticIP {
		return nil
	}
	name := StaticIPName(f.Instance)
	newAddr := "the static IP's address"
	var ops []op
	if f.Own == nil {
		ops = append(ops, op{Kind: kindAllocate, Change: steps.Change{Action: steps.Create, Address: staticAddress(name),
			After: "static IP " + name, Why: "a public address that stays the instance's until you release it; free while attached"}})
	} else {
		newAddr = f.Own.Address
	}
	ops = append(ops, op{Kind: kindAttach, Change: steps.Change{Action: steps.Update, Address: publicAddress(f.Instance),
		Before: f.Address + " (dynamic)", After: newAddr + " (static IP " + name + ")",
		Why: "keeps the address across a stop and start. The public address changes now, from " + f.Address +
			"; undo detaches and releases the static IP, and the instance then gets yet another new address"}})
	for _, z := range f.Zones {
		for _, r := range z.Entries {
			ops = append(ops, op{Kind: kindDNSCreate, Zone: z.Name, Record: dnszone.Record{Name: r.Name, Type: "A"},
				Change: steps.Change{Action: steps.Create, Address: dnszone.Address(z.Name, "A", r.Name), After: newAddr,
					Why: r.Name + " follows the instance to its static address"}})
		}
	}
	for _, z := range f.Zones {
		for _, r := range z.Entries {
			ops = append(ops, op{Kind: kindDNSDelete, Zone: z.Name, Record: r,
				Change: steps.Change{Action: steps.Delete, Address: dnszone.Address(z.Name, "A", r.Name), Before: r.Target,
					Why: f.Address + " is no longer the instance's address once the static IP is attached"}})
		}
	}
	return ops
}

// notes are the plain warning the preview shows.
func notes(f Facts) []string {
	n := []string{fmt.Sprintf("Warning: the public address of %s changes from %s to the static IP's address when it is attached. "+
		"An SSH session to the old address ends, and DNS records outside Lightsail that point at %s must be changed by hand.", f.Instance, f.Address, f.Address)}
	if len(f.Zones) == 0 {
		n = append(n, "No record in a Lightsail DNS zone points at "+f.Address+"; if your domain's DNS is elsewhere, point it at the new address after apply.")
	}
	return append(n, "`hardsail undo "+ID+"` detaches and releases the static IP; the instance then gets yet another new address, "+
		"and hardsail points the Lightsail DNS records it changed at that one.")
}

// staticAddress is the plan's address of hardsail's static IP.
func staticAddress(name string) string { return "lightsail:static-ip/" + name }

// publicAddress is the plan's address of the instance's public IPv4 address.
func publicAddress(instance string) string { return "lightsail:" + instance + "/public-ip" }

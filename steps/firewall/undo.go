package firewall

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/hardsail/hardsail/steps"
)

// Undo puts back the rules from before each journaled change, newest first. An entry whose
// firewall is still (or again) the one from before closes with nothing to do — also an unknown or
// interrupted one that never took. It refuses when the firewall is neither what hardsail wrote nor
// what was there before, unless env.Force, and refuses to act at all on journal data that is not
// a firewall hardsail could have written.
func (fw *Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	decode := func(e steps.Entry) (record, error) { return decodeRecord(e, env.Instance) }
	return steps.UndoEach(entries, decode, func(e steps.Entry, d record) (string, error) {
		live, err := readRules(ctx, env)
		if err != nil {
			return "", err
		}
		c := steps.Change{Action: steps.Update, Address: address(env.Instance), Before: describeSet(live), After: describeSet(d.Prior)}
		var what string
		switch {
		case sameSet(live, d.Prior):
			c.Why, what = "The firewall is already as it was before hardsail changed it.", "already as before"
			err = rec.Reverse(ctx, e, c, nil, nil)
		case sameSet(live, d.Put) || env.Force:
			c.Why, what = "Undo: put back the firewall rules from before hardsail changed them.", "previous rules put back"
			err = replace(ctx, env, rec, c, live, d.Prior, &e)
		default:
			err = &ThreeWayError{Instance: env.Instance, Prior: d.Prior, Put: d.Put, Live: live}
		}
		return what, err
	})
}

// decodeRecord reads an entry's data and refuses anything hardsail could not have written: another
// instance's firewall, a protocol Lightsail does not have, a port out of range, a source that is
// not an address range or the browser console's alias.
func decodeRecord(e steps.Entry, instance string) (record, error) {
	var d record
	if e.Change.Address != address(instance) {
		return d, &steps.TamperedError{Entry: e.ID, Why: fmt.Sprintf("it changes %s, not the firewall of %s", e.Change.Address, instance)}
	}
	if err := e.Decode(&d); err != nil {
		return d, &steps.TamperedError{Entry: e.ID, Why: "its data is not a firewall: " + err.Error()}
	}
	if len(d.Put) == 0 {
		return d, &steps.TamperedError{Entry: e.ID, Why: "it records no rules written"}
	}
	for _, set := range []struct {
		name  string
		rules []Rule
	}{{"before", d.Prior}, {"written", d.Put}} {
		for _, r := range set.rules {
			if why := invalidRule(r); why != "" {
				return d, &steps.TamperedError{Entry: e.ID, Why: fmt.Sprintf("a rule it records as %s is not one Lightsail has: %s", set.name, why)}
			}
		}
	}
	return d, nil
}

// invalidRule says what makes r impossible as a Lightsail firewall rule, or "".
func invalidRule(r Rule) string {
	switch r.Protocol {
	case "tcp", "udp", "all":
		if r.FromPort < 0 || r.ToPort > 65535 || r.FromPort > r.ToPort {
			return fmt.Sprintf("ports %d-%d/%s", r.FromPort, r.ToPort, r.Protocol)
		}
	case "icmp", "icmpv6":
		if r.FromPort < -1 || r.FromPort > 255 || r.ToPort < -1 || r.ToPort > 255 {
			return fmt.Sprintf("ICMP type %d code %d", r.FromPort, r.ToPort)
		}
	default:
		return fmt.Sprintf("protocol %q", r.Protocol)
	}
	for _, src := range []struct {
		list []string
		v6   bool
	}{{r.CIDRs, false}, {r.IPv6CIDRs, true}} {
		for _, c := range src.list {
			if !sourceOf(c, src.v6) {
				return fmt.Sprintf("source %q of %s", c, r.Key())
			}
		}
	}
	for _, a := range r.Aliases {
		if a != ConnectAlias {
			return fmt.Sprintf("source alias %q of %s", a, r.Key())
		}
	}
	return ""
}

// sourceOf reports whether c is an address range (or a bare address) of the given family, as
// Lightsail may hold it (host bits set included).
func sourceOf(c string, v6 bool) bool {
	a, err := netip.ParseAddr(c)
	if p, perr := netip.ParsePrefix(c); perr == nil {
		a, err = p.Addr(), nil
	}
	return err == nil && a.Zone() == "" && a.Is4() != v6 && !a.Is4In6()
}

package staticip

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/dnszone"
)

// undoOrder is the order undo reverses the kinds in: detach first, because the records go back to
// whatever address the instance has after it (never the old one, which is gone); the deleted
// records are put back before the static ones are removed, so a name never lacks a record; the
// static IP is released last.
var undoOrder = []string{kindAttach, kindDNSDelete, kindDNSCreate, kindAllocate}

// Undo detaches and releases hardsail's static IP and points the Lightsail DNS records it
// re-pointed at the address the instance has after the detach. Journal data that is not a change
// hardsail could have made is refused before anything runs (*steps.TamperedError).
func (s *Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	data, err := steps.DecodeAll(entries, func(e steps.Entry) (record, error) { return decode(e, env.Instance) })
	if err != nil {
		return steps.Report{}, err
	}
	u := &undoRun{env: env, rec: rec}
	for _, kind := range undoOrder {
		for i, e := range entries {
			if data[i].Kind != kind {
				continue
			}
			if err := u.reverse(ctx, e, data[i]); err != nil {
				return steps.Report{Detail: strings.Join(u.did, "; ")}, err
			}
		}
	}
	return steps.Report{Detail: strings.Join(u.did, "; ")}, nil
}

type undoRun struct {
	env *steps.Env
	rec *steps.Recorder
	did []string
	// now is the instance's public address after the detach, read once it is needed.
	now string
}

func (u *undoRun) reverse(ctx context.Context, e steps.Entry, d record) error {
	switch d.Kind {
	case kindAttach:
		return u.detach(ctx, e, d)
	case kindAllocate:
		return u.release(ctx, e, d)
	case kindDNSDelete:
		return u.restoreRecord(ctx, e, d)
	default:
		return u.removeRecord(ctx, e, d)
	}
}

func (u *undoRun) detach(ctx context.Context, e steps.Entry, d record) error {
	ip, err := readStaticIP(ctx, u.env, d.Name)
	if err != nil {
		return err
	}
	c := steps.Change{Action: steps.Update, Address: publicAddress(d.Instance), Before: "static IP " + d.Name, After: "a new dynamic address"}
	if ip == nil || attachedTo(*ip) != d.Instance {
		c.Why = "The static IP is no longer attached to " + d.Instance + "."
		u.did = append(u.did, "static IP "+d.Name+" already detached")
		return u.rec.Reverse(ctx, e, c, nil, nil)
	}
	c.Before = aws.ToString(ip.IpAddress) + " (static IP " + d.Name + ")"
	c.Why = "Undo: detach the static IP. The instance gets a new dynamic address, not " + d.Prior + " again (that one went back to AWS)."
	err = u.rec.Reverse(ctx, e, c, d, func(ctx context.Context) error {
		return dnszone.CallAndWait(ctx, u.env.AWS, "detach static IP "+d.Name, func() ([]types.Operation, error) {
			out, err := u.env.AWS.Lightsail.DetachStaticIp(ctx, &lightsail.DetachStaticIpInput{StaticIpName: new(d.Name)})
			return dnszone.OpsOf(out, err, func(o *lightsail.DetachStaticIpOutput) []types.Operation { return o.Operations })
		})
	})
	if err != nil {
		return err
	}
	now, err := u.address(ctx)
	if err == nil {
		u.did = append(u.did, fmt.Sprintf("static IP %s detached: %s's public address is now %s (it was %s before hardsail); point DNS kept outside Lightsail at it",
			d.Name, d.Instance, now, d.Prior))
	}
	return err
}

// address reads the instance's public address (once).
func (u *undoRun) address(ctx context.Context) (string, error) {
	if u.now != "" {
		return u.now, nil
	}
	out, err := u.env.AWS.Lightsail.GetInstance(ctx, &lightsail.GetInstanceInput{InstanceName: new(u.env.Instance)})
	if err != nil {
		return "", awsapi.Classify("read instance "+u.env.Instance, err)
	}
	if out.Instance == nil || aws.ToString(out.Instance.PublicIpAddress) == "" {
		return "", fmt.Errorf("%s: %s has no public address after the static IP was detached; nothing to point DNS at", ID, u.env.Instance)
	}
	u.now = aws.ToString(out.Instance.PublicIpAddress)
	return u.now, nil
}

// restoreRecord puts back a record the apply deleted, pointing at the instance's address now.
func (u *undoRun) restoreRecord(ctx context.Context, e steps.Entry, d record) error {
	now, err := u.address(ctx)
	if err != nil {
		return err
	}
	r := *d.Record
	r.Target = now
	c := steps.Change{Action: steps.Create, Address: dnszone.Address(d.Zone, "A", r.Name), After: now,
		Why: "Undo: " + r.Name + " points at the instance again"}
	if now != d.Record.Target {
		c.Why += fmt.Sprintf(" (at %s, its address now; %s, its address before hardsail, is no longer the instance's)", now, d.Record.Target)
	}
	ok, err := dnszone.Exists(ctx, u.env, d.Zone, r)
	if err != nil {
		return err
	}
	if ok {
		c.Why = r.Name + " already points at " + now + "."
		return u.rec.Reverse(ctx, e, c, nil, nil)
	}
	u.did = append(u.did, fmt.Sprintf("%s → %s", r.Name, now))
	return u.rec.Reverse(ctx, e, c, d, func(ctx context.Context) error { return dnszone.Create(ctx, u.env, d.Zone, r) })
}

// removeRecord deletes a record the apply created at the static address, if it is still there.
func (u *undoRun) removeRecord(ctx context.Context, e steps.Entry, d record) error {
	r := *d.Record
	c := steps.Change{Action: steps.Delete, Address: dnszone.Address(d.Zone, "A", r.Name), Before: r.Target,
		Why: "Undo: the static IP's address is released"}
	ok, err := dnszone.Exists(ctx, u.env, d.Zone, r)
	if err != nil {
		return err
	}
	if !ok {
		c.Why = "The record is gone already."
		return u.rec.Reverse(ctx, e, c, nil, nil)
	}
	return u.rec.Reverse(ctx, e, c, d, func(ctx context.Context) error { return dnszone.Delete(ctx, u.env, d.Zone, r) })
}

// release deletes hardsail's static IP, unless someone attached it to another instance since.
func (u *undoRun) release(ctx context.Context, e steps.Entry, d record) error {
	ip, err := readStaticIP(ctx, u.env, d.Name)
	if err != nil {
		return err
	}
	c := steps.Change{Action: steps.Delete, Address: staticAddress(d.Name), Before: "static IP " + d.Name}
	if ip == nil {
		c.Why = "The static IP is released already."
		return u.rec.Reverse(ctx, e, c, nil, nil)
	}
	if to := attachedTo(*ip); to != "" && !u.env.Force {
		return &InUseError{Name: d.Name, Instance: to}
	}
	c.Before += " (" + aws.ToString(ip.IpAddress) + ")"
	c.Why = "Undo: release the static IP hardsail allocated."
	u.did = append(u.did, "static IP "+d.Name+" released")
	return u.rec.Reverse(ctx, e, c, d, func(ctx context.Context) error {
		return dnszone.CallAndWait(ctx, u.env.AWS, "release static IP "+d.Name, func() ([]types.Operation, error) {
			out, err := u.env.AWS.Lightsail.ReleaseStaticIp(ctx, &lightsail.ReleaseStaticIpInput{StaticIpName: new(d.Name)})
			return dnszone.OpsOf(out, err, func(o *lightsail.ReleaseStaticIpOutput) []types.Operation { return o.Operations })
		})
	})
}

// InUseError refuses to release a static IP that was attached to an instance after hardsail
// detached it from this one.
type InUseError struct{ Name, Instance string }

func (e *InUseError) Error() string {
	return fmt.Sprintf("the static IP %s is attached to %s now; it was not released", e.Name, e.Instance)
}

// HintText names the fix.
func (e *InUseError) HintText() string {
	return "Keep it (it is free while attached), or `hardsail undo " + ID + " --force` to release it anyway: " + e.Instance + " then gets a new address."
}

// decode reads an entry's data and refuses what hardsail could not have written.
func decode(e steps.Entry, instance string) (record, error) {
	var d record
	bad := func(why string) (record, error) { return d, &steps.TamperedError{Entry: e.ID, Why: why} }
	if err := e.Decode(&d); err != nil {
		return bad("its data is not a static IP change: " + err.Error())
	}
	if d.Instance != instance || d.Name != StaticIPName(instance) {
		return bad(fmt.Sprintf("it names static IP %q of %q, not hardsail's %s of %s", d.Name, d.Instance, StaticIPName(instance), instance))
	}
	switch d.Kind {
	case kindAllocate, kindAttach:
		if d.Kind == kindAttach && !isIPv4(d.Prior) {
			return bad(fmt.Sprintf("the address before, %q, is not an IPv4 address", d.Prior))
		}
		return d, nil
	case kindDNSCreate, kindDNSDelete:
		if why := badRecord(d); why != "" {
			return bad(why)
		}
		return d, nil
	}
	return bad(fmt.Sprintf("%q is not a change the static IP step makes", d.Kind))
}

// badRecord says why a journaled DNS record is not one the step changes, or "".
func badRecord(d record) string {
	r := d.Record
	zoneOK := d.Zone != "" && dnszone.Name(d.Zone) == d.Zone && !strings.ContainsAny(d.Zone, " /\\\n")
	if r == nil || !zoneOK {
		return fmt.Sprintf("%q is not a DNS zone with a record", d.Zone)
	}
	inZone := r.Name == d.Zone || strings.HasSuffix(r.Name, "."+d.Zone)
	if r.Type != "A" || r.Alias || !inZone || !isIPv4(r.Target) || strings.ContainsAny(r.Name, " /\\\n") {
		return fmt.Sprintf("record %s %s → %s is not an A record the static IP step changes in zone %s", r.Type, r.Name, r.Target, d.Zone)
	}
	return ""
}

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

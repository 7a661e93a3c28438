// Package firewall is the step that restricts the Lightsail firewall: SSH only from the user's
// address (plus Lightsail's browser SSH), the website open to everyone, other open ports reported
// and closed on request. The whole rule set is replaced in one call, and a fresh SSH connection
// after the change proves the user can still get in; if not, the previous rules go back.
package firewall

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

// ID is the step's stable name.
const ID = "firewall"

// Firewall is the step. The zero value uses the documented guard limits.
type Firewall struct {
	// GuardTimeout is how long the lockout guard keeps trying a new SSH connection (60 s when zero):
	// on AWS a firewall change takes a moment to reach the instance.
	GuardTimeout time.Duration
	// GuardBackoff is the first pause between tries (1 s when zero); it doubles up to 10 s.
	GuardBackoff time.Duration
}

// New returns the step with the default guard limits.
func New() *Firewall { return &Firewall{} }

var _ steps.Step = (*Firewall)(nil)

func (fw *Firewall) ID() string    { return ID }
func (fw *Firewall) Title() string { return "Firewall: SSH only from you" }

// HostQuery asks for nothing beyond what every gathering reports (the session's address).
func (fw *Firewall) HostQuery() sshhost.Query { return sshhost.Query{} }

// Check reads the open ports and, when it decides the plan, the address of this SSH session.
func (fw *Firewall) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	f, _, err := fw.look(ctx, env)
	if err != nil {
		return steps.State{Step: ID}, err
	}
	return steps.State{Step: ID, Facts: f}, nil
}

// readRules returns the open ports in Lightsail's order, merged per port range.
func readRules(ctx context.Context, env *steps.Env) ([]Rule, error) {
	out, err := env.AWS.Lightsail.GetInstancePortStates(ctx, &lightsail.GetInstancePortStatesInput{InstanceName: aws.String(env.Instance)})
	if err != nil {
		return nil, awsapi.Classify("read the firewall of "+env.Instance, err)
	}
	var rules []Rule
	for _, ps := range out.PortStates {
		if ps.State == types.PortStateClosed {
			continue
		}
		rules = append(rules, Rule{FromPort: ps.FromPort, ToPort: ps.ToPort, Protocol: string(ps.Protocol),
			CIDRs: ps.Cidrs, IPv6CIDRs: ps.Ipv6Cidrs, Aliases: ps.CidrListAliases})
	}
	return mergeRules(rules), nil
}

// look is Check's reading, also returning the rules in Lightsail's own order (what undo restores).
func (fw *Firewall) look(ctx context.Context, env *steps.Env) (Facts, []Rule, error) {
	live, err := readRules(ctx, env)
	if err != nil {
		return Facts{}, nil, err
	}
	f := Facts{Instance: env.Instance, Rules: sortedRules(live)}
	seen, err := sessionSource(ctx, env)
	if len(env.Settings.SSHCIDRs) == 0 {
		if err != nil {
			return Facts{}, nil, &SourceError{Instance: env.Instance, Err: err}
		}
		f.Source = seen
	} else {
		f.Seen = seen
	}
	return f, live, nil
}

// sessionSource is this run's SSH client address as the instance sees it, as a /32 or /128.
func sessionSource(ctx context.Context, env *steps.Env) (string, error) {
	if env.SSH == nil {
		return "", errors.New("this run has no SSH access to the instance")
	}
	facts, err := env.HostFacts(ctx, sshhost.Query{})
	if err != nil {
		return "", err
	}
	p, err := sourcePrefix(facts.SSHClient)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

// record is what the journal keeps for one PutInstancePublicPorts: the whole set before and the
// whole set written, so undo can put the first back and tell whether someone changed the second.
type record struct {
	Prior []Rule `json:"prior"`
	Put   []Rule `json:"put"`
}

// Apply replaces the firewall with the target in one call, then checks that a new SSH connection
// still gets in; if not, it puts the previous rules back and fails.
func (fw *Firewall) Apply(ctx context.Context, env *steps.Env, plan steps.Plan, j *steps.Journal) (steps.Outcome, error) {
	o := steps.Outcome{Step: ID}
	if plan.Empty() {
		o.Status, o.Detail = steps.StatusOK, "nothing to change"
		return o, nil
	}
	f, live, err := fw.look(ctx, env)
	if err != nil {
		return o, err
	}
	if (steps.State{Step: ID, Facts: f}).Fingerprint() != plan.Fingerprint {
		return o, &steps.StalePlanError{Step: ID}
	}
	want, err := target(f, env.Settings)
	if err != nil {
		return o, err
	}
	change := steps.Change{Action: steps.Update, Address: address(env.Instance), Before: describeSet(live), After: describeSet(want),
		Why: "Replace the whole firewall in one call: " + summary(plan)}
	id, err := j.Begin(ID, change, record{Prior: live, Put: want})
	if err != nil {
		return o, err
	}
	if err := fw.put(ctx, env, want, j, id, live); err != nil {
		return o, err
	}

	seen := cmp.Or(f.Source, f.Seen)
	if closesNone(env.Settings) {
		o.Status, o.Detail = steps.StatusChanged, "SSH is closed except for Lightsail's browser SSH; no SSH check afterwards (--ssh-cidr none)"
		return o, nil
	}
	if seen == "" {
		o.Status, o.Detail = steps.StatusChanged, "firewall replaced; SSH could not be checked afterwards: this run has no SSH connection to the instance"
		return o, nil
	}
	probeErr := fw.probe(ctx, env)
	if probeErr == nil {
		o.Status, o.Detail = steps.StatusChanged, "firewall replaced; a new SSH connection from "+seen+" still gets in"
		return o, nil
	}
	// Locked out: put the previous rules back even if the run is being cancelled.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	lock := &LockoutError{Instance: env.Instance, Seen: seen, Probe: probeErr}
	lock.RollbackErr = fw.restore(rctx, env, j, steps.Entry{ID: id, Step: ID, Change: change}, want, live,
		"Lockout guard: a new SSH connection failed after the change, so the previous rules go back.")
	o.Status, o.Detail = steps.StatusFailed, lock.Error()
	return o, lock
}

// put writes rules, journaled by entry id (already begun), and waits for Lightsail to finish.
// When the call fails without saying whether it took effect, the firewall is read again to
// settle the entry as done or failed, so undo later knows what to reverse.
func (fw *Firewall) put(ctx context.Context, env *steps.Env, rules []Rule, j *steps.Journal, id string, prior []Rule) error {
	what := "put the firewall rules of " + env.Instance
	env.Emit(steps.Event{Kind: steps.EventCommand, Step: ID, Address: address(env.Instance), Message: "lightsail PutInstancePublicPorts " + env.Instance, At: env.Clock()})
	out, err := env.AWS.Lightsail.PutInstancePublicPorts(ctx, &lightsail.PutInstancePublicPortsInput{
		InstanceName: aws.String(env.Instance), PortInfos: portInfos(rules)})
	if err != nil {
		err = awsapi.Classify(what, err)
		now, rerr := readRules(ctx, env)
		switch {
		case rerr == nil && sameSet(now, rules) && !sameSet(now, prior):
			// The change went through although the answer was lost.
			if derr := j.Done(id); derr != nil {
				return derr
			}
			return nil
		case rerr == nil && sameSet(now, prior):
			return errors.Join(err, j.Fail(id, err))
		default:
			// Unknown outcome: the entry stays open (interrupted) and undo compares before acting.
			return fmt.Errorf("%w (the firewall may or may not have changed; `hardsail undo firewall` puts the previous rules back if it did)", err)
		}
	}
	if err := j.Done(id); err != nil {
		return err
	}
	if out.Operation == nil {
		return nil
	}
	return env.AWS.Wait(ctx, what, []types.Operation{*out.Operation}, awsapi.WaitOptions{
		Progress: func(op types.Operation, elapsed time.Duration) {
			env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Address: address(env.Instance),
				Message: fmt.Sprintf("waiting for %s %s… %s", op.OperationType, op.Status, elapsed.Round(time.Second)), At: env.Clock()})
		}})
}

// restore puts rules back as the undo of entry orig, journaled.
func (fw *Firewall) restore(ctx context.Context, env *steps.Env, j *steps.Journal, orig steps.Entry, from, to []Rule, why string) error {
	c := steps.Change{Action: steps.Update, Address: address(env.Instance), Before: describeSet(from), After: describeSet(to), Why: why}
	id, err := j.BeginUndo(orig, c, record{Prior: from, Put: to})
	if err != nil {
		return err
	}
	return fw.put(ctx, env, to, j, id, from)
}

// probe opens fresh SSH connections until one gets in or the guard's time is up.
func (fw *Firewall) probe(ctx context.Context, env *steps.Env) error {
	c, err := env.SSH(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(fw.GuardTimeout, 60*time.Second))
	defer cancel()
	delay := cmp.Or(fw.GuardBackoff, time.Second)
	for {
		env.Emit(steps.Event{Kind: steps.EventCommand, Step: ID, Message: "ssh: new connection to check SSH still gets in", At: env.Clock()})
		err := c.Probe(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(delay*2, 10*time.Second)
	}
}

func portInfos(rules []Rule) []types.PortInfo {
	out := make([]types.PortInfo, len(rules))
	for i, r := range rules {
		out[i] = types.PortInfo{FromPort: r.FromPort, ToPort: r.ToPort, Protocol: types.NetworkProtocol(r.Protocol),
			Cidrs: r.CIDRs, Ipv6Cidrs: r.IPv6CIDRs, CidrListAliases: r.Aliases}
	}
	return out
}

// summary is a plan's changes in one line, for the journal entry's why.
func summary(p steps.Plan) string {
	parts := make([]string, len(p.Changes))
	for i, c := range p.Changes {
		parts[i] = string(c.Action) + " " + c.Address[strings.LastIndex(c.Address, "/")+1:]
	}
	return strings.Join(parts, ", ")
}

// Undo puts back the rules from before each journaled change, newest first. It refuses when the
// firewall is neither what hardsail wrote nor what was there before, unless env.Force.
func (fw *Firewall) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, j *steps.Journal) (steps.Outcome, error) {
	o := steps.Outcome{Step: ID, Status: steps.StatusChanged}
	var did []string
	for _, e := range entries {
		var d record
		if err := e.Decode(&d); err != nil {
			return o, err
		}
		live, err := readRules(ctx, env)
		if err != nil {
			return o, err
		}
		switch {
		case sameSet(live, d.Prior):
			// Nothing to put back (the change never took, or someone restored it); mark it undone.
			id, err := j.BeginUndo(e, steps.Change{Action: steps.Update, Address: address(env.Instance),
				Before: describeSet(live), After: describeSet(d.Prior), Why: "The firewall is already as it was before hardsail changed it."}, d)
			if err != nil {
				return o, err
			}
			if err := j.Done(id); err != nil {
				return o, err
			}
			did = append(did, "already as before")
		case sameSet(live, d.Put) || env.Force:
			if err := fw.restore(ctx, env, j, e, live, d.Prior, "Undo: put back the firewall rules from before hardsail changed them."); err != nil {
				return o, err
			}
			did = append(did, "previous rules put back")
		default:
			return o, &ThreeWayError{Instance: env.Instance, Prior: d.Prior, Put: d.Put, Live: live}
		}
	}
	o.Detail = strings.Join(did, "; ")
	return o, nil
}

// SourceError is a check that cannot tell which address SSH should stay open to.
type SourceError struct {
	Instance string
	Err      error
}

func (e *SourceError) Error() string {
	msg := "firewall of " + e.Instance + ": cannot tell which address to keep SSH open to without --ssh-cidr"
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	return msg
}

func (e *SourceError) Unwrap() error { return e.Err }

// HintText is the flag that answers the question.
func (e *SourceError) HintText() string {
	return "Pass --ssh-cidr YOUR.IP/32 (your public address), or --ssh-cidr none to allow only Lightsail's browser SSH."
}

// LockoutError is a firewall change after which a new SSH connection failed.
type LockoutError struct {
	Instance    string
	Seen        string // this run's address as the instance saw it, e.g. 127.0.0.1/32
	Probe       error
	RollbackErr error // nil when the previous rules went back
}

func (e *LockoutError) Error() string {
	msg := fmt.Sprintf("a new SSH connection to %s failed after the firewall change (%v)", e.Instance, e.Probe)
	if e.RollbackErr != nil {
		return msg + "; putting the previous rules back failed too: " + e.RollbackErr.Error()
	}
	return msg + "; the previous rules were put back"
}

func (e *LockoutError) Unwrap() []error { return []error{e.Probe, e.RollbackErr} }

// HintText says what most likely went wrong and how to get back in.
func (e *LockoutError) HintText() string {
	addr := strings.TrimSuffix(strings.TrimSuffix(e.Seen, "/32"), "/128")
	h := fmt.Sprintf("Wrong --ssh-cidr? VPN? Your address as the instance sees it is %s: pass --ssh-cidr %s, or leave --ssh-cidr out to use it.", addr, e.Seen)
	if e.RollbackErr != nil {
		h += " Lightsail's browser SSH still gets in; run `hardsail undo firewall`, or restore the rules in the Lightsail console (Networking tab)."
	}
	return h
}

// ThreeWayError refuses an undo over a firewall someone changed after hardsail wrote it.
type ThreeWayError struct {
	Instance         string
	Prior, Put, Live []Rule
}

func (e *ThreeWayError) Error() string {
	index := func(rules []Rule) map[string]Rule {
		m := map[string]Rule{}
		for _, r := range mergeRules(rules) {
			m[r.Key()] = r
		}
		return m
	}
	prior, put, live := index(e.Prior), index(e.Put), index(e.Live)
	var keys []Rule
	for _, set := range []map[string]Rule{prior, put, live} {
		for _, r := range set {
			if !slices.ContainsFunc(keys, func(k Rule) bool { return k.Key() == r.Key() }) {
				keys = append(keys, r)
			}
		}
	}
	keys = sortedRules(keys)
	show := func(m map[string]Rule, k string) string {
		if r, ok := m[k]; ok {
			return r.Sources()
		}
		return "closed"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the firewall of %s changed since hardsail set it; nothing was undone", e.Instance)
	for _, r := range keys {
		k := r.Key()
		a, w, l := show(prior, k), show(put, k), show(live, k)
		if a == w && w == l {
			continue
		}
		fmt.Fprintf(&b, "\n  %s: before hardsail %s · hardsail set %s · now %s", k, a, w, l)
	}
	return b.String()
}

// HintText says how to undo anyway.
func (e *ThreeWayError) HintText() string {
	return "Review the rules above; `hardsail undo firewall --force` puts back the rules from before hardsail anyway."
}

package firewall

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

// record is what the journal keeps for one PutInstancePublicPorts: the whole set before and the
// whole set written, so undo can put the first back and tell whether someone changed the second.
type record struct {
	Prior []Rule `json:"prior"`
	Put   []Rule `json:"put"`
}

// Apply replaces the firewall with the target in one call, then checks that a new SSH connection
// still gets in; if not, it puts the previous rules back and fails. live is the state the engine
// checked and found matching the plan.
func (fw *Step) Apply(ctx context.Context, env *steps.Env, live steps.State, plan steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	f, done, err := steps.ApplyFacts[Facts](live, plan)
	if done {
		return steps.Done(err)
	}
	want, err := target(f, env.Settings)
	if err != nil {
		return steps.Report{}, err
	}
	prior := f.listed()
	change := steps.Change{Action: steps.Update, Address: address(env.Instance), Before: describeSet(prior), After: describeSet(want),
		Why: "Replace the whole firewall in one call: " + summary(plan)}
	seen := cmp.Or(f.Source, f.Seen)
	guarded := !closesNone(env.Settings) && seen != ""
	if err := replace(ctx, env, rec, change, prior, want, nil); err != nil {
		if guarded && ctx.Err() != nil {
			// Cancelled during the put or the wait: the guard never saw SSH work, so the old rules go back.
			return steps.Report{}, putBack(ctx, env, rec, change, want, prior, seen, err)
		}
		return steps.Report{}, err
	}

	var rep steps.Report
	if len(env.Settings.SSHCIDRs) == 0 {
		// "My address" became this one: the engine saves it, so later runs compare with it.
		rep.Resolved = map[string]string{flagSSHCIDR: f.Source}
	}
	switch {
	case closesNone(env.Settings):
		rep.Detail = "SSH is closed except for Lightsail's browser SSH; no SSH check afterwards (--ssh-cidr none)"
		return rep, nil
	case seen == "":
		rep.Detail = "firewall replaced; SSH could not be checked afterwards: this run has no SSH connection to the instance"
		return rep, nil
	}
	probeErr := fw.probe(ctx, env)
	if probeErr == nil {
		rep.Detail = "firewall replaced; a new SSH connection from " + seen + " still gets in"
		return rep, nil
	}
	return steps.Report{}, putBack(ctx, env, rec, change, want, prior, seen, probeErr)
}

// rollbackTimeout bounds the lockout guard's way back. It runs when the run's context may be done
// (Ctrl-C, SIGTERM, SIGHUP, a deadline), so it has a context and a deadline of its own.
const rollbackTimeout = 30 * time.Second

// putBack is the lockout guard's way back after a failed SSH check (probeErr) or a cancel of any
// kind: the previous rules go back and the journal says why. The error says what happened and
// whether the rules are back: a *CancelledError when the run was cancelled, else a *LockoutError.
func putBack(ctx context.Context, env *steps.Env, rec *steps.Recorder, change steps.Change, want, prior []Rule, seen string, probeErr error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	if ctx.Err() != nil {
		cause := context.Cause(ctx)
		why := fmt.Sprintf("Lockout guard: the run was cancelled (%v) before a new SSH connection was confirmed, so the previous rules go back.", cause)
		return &CancelledError{Instance: env.Instance, Cause: cause, RollbackErr: rollback(rctx, env, rec, change, want, prior, why)}
	}
	why := "Lockout guard: a new SSH connection failed after the change, so the previous rules go back."
	return &LockoutError{Instance: env.Instance, Seen: seen, Probe: probeErr, RollbackErr: rollback(rctx, env, rec, change, want, prior, why)}
}

// rollback is the lockout guard's way back: the reversal of the change just made, journaled as
// its undo (with why) so that undo later has nothing left to reverse.
func rollback(ctx context.Context, env *steps.Env, rec *steps.Recorder, change steps.Change, from, to []Rule, why string) error {
	orig, err := entryOf(rec, change)
	if err != nil {
		return err
	}
	back := steps.Change{Action: steps.Update, Address: change.Address, Before: describeSet(from), After: describeSet(to), Why: why}
	return replace(ctx, env, rec, back, from, to, &orig)
}

// entryOf finds the journal entry this run's recorder just wrote for change (rec.Do does not
// return it; the journal is locked by this run, so the newest such entry is it).
func entryOf(rec *steps.Recorder, change steps.Change) (steps.Entry, error) {
	j := rec.Journal()
	entries, err := j.Entries()
	if err != nil {
		return steps.Entry{}, err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Run == j.Run() && e.Step == rec.Step() && e.Undoes == "" && e.Change.Address == change.Address {
			return e, nil
		}
	}
	return steps.Entry{}, fmt.Errorf("the journal has no entry for %s of this run", change.Address)
}

// replace puts the rules to in place of from with one call, journaled through rec as change
// (as the undo of orig when set), then waits for Lightsail to finish. The wait is outside the
// journaled call: once the put is answered the change is done, whatever the wait says.
func replace(ctx context.Context, env *steps.Env, rec *steps.Recorder, change steps.Change, from, to []Rule, orig *steps.Entry) error {
	var op *types.Operation
	put := func(ctx context.Context) error {
		var err error
		op, err = putRules(ctx, env, to, from)
		return err
	}
	data := record{Prior: from, Put: to}
	var err error
	if orig == nil {
		err = rec.Do(ctx, change, data, put)
	} else {
		err = rec.Reverse(ctx, *orig, change, data, put)
	}
	if err != nil || op == nil {
		return err
	}
	return env.WaitLightsail(ctx, ID, address(env.Instance), "put the firewall rules of "+env.Instance, []types.Operation{*op}, 0)
}

// putRules writes rules in one PutInstancePublicPorts. When the call fails without saying whether
// it took effect, the firewall is read again to tell: still prior is a definite failure, already
// rules is success; otherwise the outcome stays unknown and undo compares before acting.
func putRules(ctx context.Context, env *steps.Env, rules, prior []Rule) (*types.Operation, error) {
	out, err := env.AWS.Lightsail.PutInstancePublicPorts(ctx, &lightsail.PutInstancePublicPortsInput{
		InstanceName: new(env.Instance), PortInfos: portInfos(rules)})
	if err == nil {
		return out.Operation, nil
	}
	err = awsapi.Classify("put the firewall rules of "+env.Instance, err)
	if !steps.Unknown(ctx, err) {
		return nil, err
	}
	now, rerr := readRules(ctx, env)
	switch {
	case rerr == nil && sameSet(now, rules) && !sameSet(now, prior):
		// The change went through although the answer was lost.
		return nil, nil
	case rerr == nil && sameSet(now, prior):
		return nil, steps.Definite(err)
	}
	return nil, fmt.Errorf("%w (the firewall may or may not have changed; `hardsail undo firewall` puts the previous rules back if it did)", err)
}

// probe opens fresh SSH connections until one gets in or the guard's time is up.
func (fw *Step) probe(ctx context.Context, env *steps.Env) error {
	if env.SSH == nil {
		return steps.NoSSH("checking that SSH still gets in")
	}
	limit := cmp.Or(fw.GuardTimeout, 60*time.Second)
	env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Address: address(env.Instance),
		Message: fmt.Sprintf("checking that a new SSH connection still gets in (up to %s)", limit)})
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	delay := cmp.Or(fw.GuardBackoff, time.Second)
	for {
		// A host that was unreachable before the change is dialled again until it lets us in.
		c, err := env.SSH(ctx)
		if err == nil {
			err = c.Probe(ctx)
		} else if sshhost.Unreachable(err) == nil {
			return err
		}
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

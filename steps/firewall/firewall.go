// Package firewall is the step that restricts the Lightsail firewall: SSH only from the user's
// address (plus Lightsail's browser SSH), the website open to everyone, other open ports reported
// and closed on request. The whole rule set is replaced in one call, and a fresh SSH connection
// after the change proves the user can still get in; if not, the previous rules go back.
package firewall

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
)

// ID is the step's stable name.
const ID = "firewall"

// Step is the firewall step. Zero guard limits take the documented defaults.
type Step struct {
	steps.Identity
	// GuardTimeout is how long the lockout guard keeps trying a new SSH connection (60 s when zero):
	// on AWS a firewall change takes a moment to reach the instance.
	GuardTimeout time.Duration
	// GuardBackoff is the first pause between tries (1 s when zero); it doubles up to 10 s.
	GuardBackoff time.Duration
}

// New returns the step with the default guard limits.
func New() *Step { return &Step{Identity: steps.Named(ID, "Firewall: SSH only from you")} }

var _ steps.Optioner = (*Step)(nil)

// HostQuery asks for the session's address (every gathering reports it) and what tells whether a
// Let's Encrypt renewal needs port 80 (steps/blueprint).
func (fw *Step) HostQuery() sshhost.Query { return blueprint.RenewalQuery() }

// Check reads the open ports and the address of this SSH session: it decides the plan when no
// --ssh-cidr is set, and otherwise only feeds notes and the finding that SSH from here is not
// allowed.
func (fw *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	listed, err := readRules(ctx, env)
	if err != nil {
		return steps.State{Step: ID}, err
	}
	f := Facts{Instance: env.Instance, Rules: sortedRules(listed), Listed: listed}
	seen, err := sessionSource(ctx, env, &f)
	if ce := sshhost.Unreachable(err); ce != nil {
		// SSH does not get through (closed at launch): the address this computer dials from is the
		// one to open it to, when the instance would see it as such (not behind NAT).
		f.Unreached = true
		if p, perr := callerPrefix(ce.Local); perr == nil {
			seen, err = p, nil
		}
	}
	if busy := (*sshhost.BusyError)(nil); errors.As(err, &busy) {
		// Another run is changing the firewall or the host, and may still roll back: not compliant.
		return steps.State{Step: ID}, err
	}
	if len(env.Settings.SSHCIDRs) == 0 {
		if err != nil {
			return steps.State{Step: ID}, &SourceError{Instance: env.Instance, Err: err}
		}
		f.Source = seen
	} else {
		f.Seen = seen
	}
	return steps.State{Step: ID, Facts: f, Findings: findings(f, env.Settings)}, nil
}

// readRules returns the open ports in Lightsail's order, merged per port range.
func readRules(ctx context.Context, env *steps.Env) ([]Rule, error) {
	out, err := env.AWS.Lightsail.GetInstancePortStates(ctx, &lightsail.GetInstancePortStatesInput{InstanceName: new(env.Instance)})
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

// sessionSource is this run's SSH client address as the instance sees it, as a /32 or /128.
// It also notes in f which Let's Encrypt renewal needs port 80.
func sessionSource(ctx context.Context, env *steps.Env, f *Facts) (string, error) {
	facts, err := env.HostFacts(ctx, blueprint.RenewalQuery())
	if err != nil {
		return "", err
	}
	if r := blueprint.RenewalOf(facts); r.HTTP01 {
		f.Port80For = r.Active
	}
	p, err := sourcePrefix(facts.SSHClient)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

// callerPrefix is local as the source address the instance sees, or an error when it cannot be
// (a private or shared address: NAT in between hides the public one).
func callerPrefix(local string) (string, error) {
	a, err := netip.ParseAddr(local)
	if err != nil {
		return "", errors.New("this computer's address is unknown")
	}
	a = a.Unmap()
	if !a.IsLoopback() && (!a.IsGlobalUnicast() || a.IsPrivate() || cgnat.Contains(a)) {
		return "", fmt.Errorf("this computer connects from %s, a private address: the instance sees another one", a)
	}
	return netip.PrefixFrom(a, a.BitLen()).String(), nil
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// ExplainUnreachable says why the host steps could not reach the host when the firewall is the
// cause: port 22 does not admit this computer's address (or admits no address at all).
func (fw *Step) ExplainUnreachable(st steps.State, _ *sshhost.ConnectError) (string, bool) {
	f, err := steps.FactsOf[Facts](st)
	if err != nil || !f.Unreached {
		return "", false
	}
	here := f.here()
	for _, r := range f.Rules {
		if r.covers(22) && (here == "" && (len(r.CIDRs) > 0 || len(r.IPv6CIDRs) > 0) || here != "" && admits(r, here)) {
			return "", false
		}
	}
	who := "this computer"
	if here != "" {
		who += " (" + bareAddr(here) + ")"
	}
	return fmt.Sprintf("SSH is closed to %s: the firewall of %s admits SSH from %s only. The %s step opens it to this address; then this step is checked.",
		who, f.Instance, sshSources(f.Rules), ID), true
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
	return withRollback(msg, "; putting the previous rules back failed too: ", e.RollbackErr)
}

// withRollback ends msg with what became of the previous rules: put back, or failed (failed, then
// the rollback's error).
func withRollback(msg, failed string, rollbackErr error) string {
	if rollbackErr != nil {
		return msg + failed + rollbackErr.Error()
	}
	return msg + "; the previous rules were put back"
}

func (e *LockoutError) Unwrap() []error { return []error{e.Probe, e.RollbackErr} }

// HintText says what most likely went wrong and how to get back in.
func (e *LockoutError) HintText() string {
	addr := strings.TrimSuffix(strings.TrimSuffix(e.Seen, "/32"), "/128")
	h := fmt.Sprintf("Wrong --ssh-cidr? VPN? Your address as the instance sees it is %s: pass --ssh-cidr %s, or --ssh-cidr auto to use it.", addr, e.Seen)
	if e.RollbackErr != nil {
		h += " Lightsail's browser SSH still gets in; run `hardsail undo firewall`, or restore the rules in the Lightsail console (Networking tab)."
	}
	return h
}

// CancelledError is a run cancelled (Ctrl-C, SIGTERM, SIGHUP, a deadline) between the firewall
// change and the SSH check that confirms it: the previous rules were put back (unless RollbackErr).
type CancelledError struct {
	Instance    string
	Cause       error // why the run was cancelled: context.Canceled, or the signal
	RollbackErr error // nil when the previous rules went back
}

func (e *CancelledError) Error() string {
	msg := fmt.Sprintf("firewall of %s: the run was cancelled (%v) before a new SSH connection was confirmed", e.Instance, e.Cause)
	return withRollback(msg, "; putting the previous rules back failed: ", e.RollbackErr)
}

func (e *CancelledError) Unwrap() []error { return []error{context.Canceled, e.Cause, e.RollbackErr} }

// HintText says how to get the rules back when the rollback failed, and how to try again otherwise.
func (e *CancelledError) HintText() string {
	if e.RollbackErr != nil {
		return "Run `hardsail undo firewall` to put the previous rules back; Lightsail's browser SSH still gets in."
	}
	return "Nothing is left changed; run `hardsail apply firewall` again to make the change."
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

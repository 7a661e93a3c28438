package https

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// errWaitLeft is a wait the user left (esc, quitting the wizard, Ctrl-C): what was made stays
// journaled, the step is pending, and the next apply carries on.
var errWaitLeft = errors.New("https: the wait was left")

// waitLeft reports whether the user left the run's waits or cancelled the run.
func waitLeft(ctx context.Context, env *steps.Env) bool {
	select {
	case <-env.WaitLeft():
		return true
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

// waitActive waits for a load balancer to finish provisioning; errWaitLeft when the wait is left.
func (s *Step) waitActive(ctx context.Context, env *steps.Env, f *facts, name string) error {
	if f.LB != nil && f.LB.Name == name && f.LB.State == string(types.LoadBalancerStateActive) {
		return nil
	}
	var lb *types.LoadBalancer
	err := s.pollUntil(ctx, env, orDefault(s.LBWait, defaultLBWait), "load balancer "+name, func() (bool, error) {
		out, err := env.AWS.Lightsail.GetLoadBalancer(ctx, &lightsail.GetLoadBalancerInput{LoadBalancerName: &name})
		if err != nil {
			return false, awsapi.Classify("read load balancer "+name, err)
		}
		lb = out.LoadBalancer
		if lb != nil && lb.State == types.LoadBalancerStateFailed {
			return false, fmt.Errorf("load balancer %s: provisioning failed", name)
		}
		return lb != nil && lb.State == types.LoadBalancerStateActive, nil
	})
	if err != nil {
		return err
	}
	if lb == nil || lb.State != types.LoadBalancerStateActive {
		if waitLeft(ctx, env) {
			return errWaitLeft
		}
		return &awsapi.TimeoutError{Op: "wait for load balancer " + name, Type: "CreateLoadBalancer", Elapsed: orDefault(s.LBWait, defaultLBWait)}
	}
	prev := f.LB
	f.LB = &lbFacts{Name: name, State: string(lb.State), DNSName: aws.ToString(lb.DnsName), Policy: aws.ToString(lb.TlsPolicyName)}
	if prev != nil && prev.Name == name {
		f.LB.Attached, f.LB.Cert, f.LB.Redirect = prev.Attached, prev.Cert, prev.Redirect
	}
	return nil
}

// showValidation tells the user, once, the records to add outside Lightsail.
func (s *Step) showValidation(env *steps.Env, f *facts) {
	c := f.LB.Cert
	if c == nil || c.Status == "ISSUED" {
		return
	}
	for _, r := range c.Records {
		if f.zoneFor(r.Domain) == "" {
			env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Message: validationText(f, c)})
			return
		}
	}
}

// waitIssued polls the certificate until ISSUED (true), a dead status (error), or CertWait passes
// (false: pending). Records outside Lightsail are looked up locally to say whether they are visible.
func (s *Step) waitIssued(ctx context.Context, env *steps.Env, f *facts) (bool, error) {
	if f.LB == nil || f.LB.Cert == nil {
		return false, errors.New("https: no certificate to wait for")
	}
	lb, cert := f.LB.Name, f.LB.Cert.Name
	issued := false
	err := s.pollUntil(ctx, env, orDefault(s.CertWait, defaultCertWait), "validation of certificate "+cert, func() (bool, error) {
		if err := s.readCerts(ctx, env, f.Names, f.LB); err != nil {
			return false, err
		}
		c := f.LB.Cert
		if c == nil || c.Name != cert {
			for _, failed := range f.LB.FailedCerts {
				if strings.HasPrefix(failed, cert+" ") {
					return false, &steps.UsageError{Msg: "certificate " + failed + " cannot be issued",
						Hint: "Check that the validation CNAMEs and any CAA records allow Amazon, then run `hardsail undo https` and apply again."}
				}
			}
			return false, fmt.Errorf("certificate %s on load balancer %s: no longer listed", cert, lb)
		}
		if c.Status == "ISSUED" {
			issued = true
			return true, nil
		}
		s.lookupValidation(ctx, env, f, c)
		return false, nil
	})
	return issued, err
}

// lookupValidation reports which outside records the local resolver already sees.
func (s *Step) lookupValidation(ctx context.Context, env *steps.Env, f *facts, c *certFacts) {
	for _, r := range c.Records {
		if f.zoneFor(r.Domain) != "" {
			continue
		}
		got, err := s.resolver().LookupCNAME(ctx, r.Name+".")
		msg := fmt.Sprintf("DNS check: %s CNAME %s: ", r.Name, r.Value)
		switch {
		case err != nil:
			msg += "not visible yet (" + err.Error() + ")"
		case dnsName(got) == r.Value:
			msg += "visible; waiting for Amazon to check it"
		default:
			msg += "resolves to " + dnsName(got) + " instead"
		}
		env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Address: "dns:" + r.Name + "/CNAME", Message: msg})
	}
}

// pollUntil calls done with the step's backoff until it reports true, fails, or limit passes or
// the wait is left: the user leaves it, or cancels the run (Ctrl-C, SIGTERM). No error then, a
// read the cancel cut short included: polling changes nothing, so the caller reports pending.
func (s *Step) pollUntil(ctx context.Context, env *steps.Env, limit time.Duration, what string, done func() (bool, error)) error {
	b := s.poll(env)
	deadline := time.Now().Add(limit)
	delay := b.Initial
	for {
		ok, err := done()
		if err != nil && ctx.Err() != nil {
			return nil
		}
		if err != nil || ok {
			return err
		}
		if time.Now().Add(delay).After(deadline) {
			return nil
		}
		env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Message: "waiting for " + what})
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-env.WaitLeft():
			t.Stop()
			return nil
		case <-t.C:
		}
		delay = min(delay+delay/2, b.Max)
	}
}

package https

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/dnszone"
	"github.com/hardsail/hardsail/steps/hostfile"
)

// undoData is journaled with each Lightsail change: what undo needs to reverse it. (The
// wp-config.php edit journals a hostfile.Record instead: checksums and a root-only backup.)
type undoData struct {
	Kind     opKind   `json:"kind"`
	Instance string   `json:"instance,omitempty"`
	LB       string   `json:"lb,omitempty"`
	Cert     string   `json:"cert,omitempty"`
	Zone     string   `json:"zone,omitempty"`
	Entry    *entry   `json:"entry,omitempty"` // the DNS record created, or deleted (undo recreates it)
	Before   string   `json:"before,omitempty"`
	Names    []string `json:"names,omitempty"`
}

// Apply carries out the plan, which the engine made from live. A plan with nothing to change but a
// certificate awaiting validation resumes the wait, then makes what the pending text announced.
func (s *Step) Apply(ctx context.Context, env *steps.Env, live steps.State, plan steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	if live.Skip != "" || (plan.Empty() && live.Pending == "") {
		return steps.Report{}, nil
	}
	f, err := steps.FactsOf[facts](live)
	if err != nil {
		return steps.Report{}, err
	}
	if f.Mode == "instance" {
		return s.applyInstance(ctx, env, &f, rec)
	}
	return s.applyLB(ctx, env, &f, rec)
}

// Preflight refuses, before anything in the run changes (the snapshot included), a load balancer
// nobody agreed to pay for: at a terminal it asks; elsewhere --accept-cost is the agreement.
func (s *Step) Preflight(ctx context.Context, env *steps.Env, plan steps.Plan) error {
	if !slices.ContainsFunc(plan.Changes, func(c steps.Change) bool { return c.Action == steps.Create && isLBAddress(c.Address) }) {
		return nil
	}
	price := assets.LoadBalancerPrice()
	if env.Ask == nil {
		if env.AcceptCost {
			return nil
		}
		return &steps.UsageError{
			Msg:  fmt.Sprintf("a Lightsail load balancer costs %s and the cost was not accepted; nothing was created", price.Monthly()),
			Hint: fmt.Sprintf("pass --accept-cost to agree to %s, or run at a terminal", price.Monthly()),
		}
	}
	names, _ := Names(env.Settings.Domain, env.Settings.AltDomains)
	q := fmt.Sprintf("Create a Lightsail load balancer for %s? It costs %s (Lightsail price as of %s); the certificate is free.",
		strings.Join(names, ", "), price.Monthly(), price.AsOf)
	yes, err := env.Ask.Confirm(ctx, q, false)
	if err != nil {
		return err
	}
	if !yes {
		return &steps.UsageError{
			Msg:  fmt.Sprintf("the load balancer (%s) was declined; nothing was created", price.Monthly()),
			Hint: "Run `hardsail apply https` again and agree, or use --https-mode instance (Let's Encrypt on the instance, free).",
		}
	}
	return nil
}

// lbRun is one apply in mode lb: the facts as the run changes them.
type lbRun struct {
	s      *Step
	env    *steps.Env
	f      *facts
	rec    *steps.Recorder
	issued bool
}

// lbRunners carry out each kind of change.
var lbRunners = map[opKind]func(*lbRun, context.Context, op) error{
	opCreateLB:       (*lbRun).createLB,
	opAttachInstance: (*lbRun).attachInstance,
	opCreateCert:     (*lbRun).createCert,
	opValidationFor:  (*lbRun).validationFor,
	opValidation: func(r *lbRun, ctx context.Context, x op) error {
		return r.createValidation(ctx, x.Zone, x.LB, x.Cert, x.Rec)
	},
	opWPConfig:   (*lbRun).wpConfig,
	opAttachCert: (*lbRun).attachCert,
	opRedirect: func(r *lbRun, ctx context.Context, x op) error {
		return r.setAttribute(ctx, x, types.LoadBalancerAttributeNameHttpsRedirectionEnabled, "true")
	},
	opPolicy: func(r *lbRun, ctx context.Context, x op) error {
		return r.setAttribute(ctx, x, types.LoadBalancerAttributeNameTlsPolicyName, x.Value)
	},
	opDNSDelete: (*lbRun).dnsDelete,
	opDNSCreate: (*lbRun).dnsCreate,
}

func (s *Step) applyLB(ctx context.Context, env *steps.Env, f *facts, rec *steps.Recorder) (steps.Report, error) {
	rep, err := s.carryOutLB(ctx, env, f, rec)
	if errors.Is(err, errWaitLeft) && f.LB != nil {
		// The user left the load balancer's provisioning wait: it is made and journaled; the
		// check after says what is awaited, and the next apply carries on.
		return steps.Report{Detail: provisioningText(f.LB.Name)}, nil
	}
	return rep, err
}

func (s *Step) carryOutLB(ctx context.Context, env *steps.Env, f *facts, rec *steps.Recorder) (steps.Report, error) {
	r := &lbRun{s: s, env: env, f: f, rec: rec, issued: f.LB != nil && f.LB.Cert != nil && f.LB.Cert.Status == "ISSUED"}
	if f.provisioning() {
		// A balancer a run left while it was being set up: wait for it, then plan the rest.
		if err := s.waitActive(ctx, env, f, f.LB.Name); err != nil {
			return steps.Report{}, err
		}
	}
	ops, _ := planOps(f)
	if len(ops) == 0 {
		// Nothing planned but a certificate awaiting validation: wait, then make what was announced.
		if ok, err := r.awaitCert(ctx); err != nil || !ok {
			return steps.Report{Detail: validationText(f, f.LB.Cert)}, err
		}
		ops, _ = planOps(f)
	}
	for _, x := range ops {
		if x.Kind.tail() && !r.issued {
			ok, err := r.awaitCert(ctx)
			if err != nil {
				return steps.Report{}, err
			}
			if !ok {
				return steps.Report{Detail: validationText(f, f.LB.Cert)}, nil
			}
		}
		run, known := lbRunners[x.Kind]
		if !known {
			return steps.Report{}, fmt.Errorf("https: no way to carry out %s (%s)", x.Change.Address, x.Kind)
		}
		if err := run(r, ctx, x); err != nil {
			return steps.Report{}, err
		}
	}
	return steps.Report{Detail: "https://" + f.Names[0] + " is served by load balancer " + f.LB.Name}, nil
}

// awaitCert waits for the certificate to be issued (true) or for CertWait to pass (false: pending).
func (r *lbRun) awaitCert(ctx context.Context) (bool, error) {
	ok, err := r.s.waitIssued(ctx, r.env, r.f)
	r.issued = ok && err == nil
	return r.issued, err
}

var callAndWait = dnszone.CallAndWait

func (r *lbRun) createLB(ctx context.Context, x op) error {
	err := r.rec.Do(ctx, x.Change, undoData{Kind: x.Kind, LB: x.LB}, func(ctx context.Context) error {
		return callAndWait(ctx, r.env.AWS, "create load balancer "+x.LB, func() ([]types.Operation, error) {
			out, err := r.env.AWS.Lightsail.CreateLoadBalancer(ctx, &lightsail.CreateLoadBalancerInput{
				LoadBalancerName: &x.LB, InstancePort: 80, HealthCheckPath: new("/"),
			})
			return dnszone.OpsOf(out, err, func(o *lightsail.CreateLoadBalancerOutput) []types.Operation { return o.Operations })
		})
	})
	if err != nil {
		return err
	}
	// Provisioning takes minutes: the wait is outside the change, so leaving it leaves the
	// balancer journaled as made.
	r.f.LB = &lbFacts{Name: x.LB, State: string(types.LoadBalancerStateProvisioning)}
	return r.s.waitActive(ctx, r.env, r.f, x.LB)
}

func (r *lbRun) attachInstance(ctx context.Context, x op) error {
	if err := r.s.waitActive(ctx, r.env, r.f, x.LB); err != nil {
		return err
	}
	inst := r.env.Instance
	return r.rec.Do(ctx, x.Change, undoData{Kind: x.Kind, LB: x.LB, Instance: inst}, func(ctx context.Context) error {
		return callAndWait(ctx, r.env.AWS, "attach "+inst+" to load balancer "+x.LB, func() ([]types.Operation, error) {
			out, err := r.env.AWS.Lightsail.AttachInstancesToLoadBalancer(ctx, &lightsail.AttachInstancesToLoadBalancerInput{
				LoadBalancerName: &x.LB, InstanceNames: []string{inst},
			})
			return dnszone.OpsOf(out, err, func(o *lightsail.AttachInstancesToLoadBalancerOutput) []types.Operation { return o.Operations })
		})
	})
}

func (r *lbRun) createCert(ctx context.Context, x op) error {
	f := r.f
	err := r.rec.Do(ctx, x.Change, undoData{Kind: x.Kind, LB: x.LB, Cert: x.Cert}, func(ctx context.Context) error {
		return callAndWait(ctx, r.env.AWS, "create certificate "+x.Cert+" on load balancer "+x.LB, func() ([]types.Operation, error) {
			out, err := r.env.AWS.Lightsail.CreateLoadBalancerTlsCertificate(ctx, &lightsail.CreateLoadBalancerTlsCertificateInput{
				LoadBalancerName: &x.LB, CertificateName: &x.Cert,
				CertificateDomainName: &f.Names[0], CertificateAlternativeNames: f.Names[1:],
			})
			return dnszone.OpsOf(out, err, func(o *lightsail.CreateLoadBalancerTlsCertificateOutput) []types.Operation { return o.Operations })
		})
	})
	if err != nil {
		return err
	}
	if err := r.s.readCerts(ctx, r.env, f.Names, f.LB); err != nil {
		return err
	}
	if f.LB.Cert == nil || f.LB.Cert.Name != x.Cert {
		return fmt.Errorf("certificate %s on load balancer %s: not listed after it was created", x.Cert, x.LB)
	}
	r.issued = f.LB.Cert.Status == "ISSUED"
	r.s.showValidation(r.env, f)
	return nil
}

// validationFor creates the validation records of one name, now that the certificate shows them.
func (r *lbRun) validationFor(ctx context.Context, x op) error {
	for _, rc := range r.f.LB.Cert.Records {
		if rc.Domain != x.Name || r.f.hasEntry(x.Zone, entry{Name: rc.Name, Type: "CNAME", Target: rc.Value}) {
			continue
		}
		if err := r.createValidation(ctx, x.Zone, x.LB, x.Cert, rc); err != nil {
			return err
		}
	}
	return nil
}

func (r *lbRun) createValidation(ctx context.Context, zone, lb, cert string, rc record) error {
	e := entry{Name: rc.Name, Type: "CNAME", Target: rc.Value}
	err := r.rec.Do(ctx, validationChange(zone, cert, rc), undoData{Kind: opValidation, Zone: zone, Entry: &e, LB: lb, Cert: cert},
		func(ctx context.Context) error { return createEntry(ctx, r.env, zone, e) })
	if err == nil {
		r.f.addEntry(zone, e)
	}
	return err
}

// wpConfig puts the marked block into wp-config.php: a guarded edit (the file holds the database
// password), journaled by checksums with a root-only copy of the prior file on the host.
func (r *lbRun) wpConfig(ctx context.Context, x op) error {
	if r.env.SSH == nil {
		return steps.NoSSH("editing " + r.f.WP.Path)
	}
	cl, err := r.env.SSH(ctx)
	if err != nil {
		return err
	}
	if p := hostfile.PathOf(x.Change); p != r.f.WP.Path || !ownsFile(p) {
		return fmt.Errorf("%s: the plan names %s, not the host's wp-config.php %s", ID, x.Change.Address, r.f.WP.Path)
	}
	return hostfile.Edit(ctx, r.rec, cl, x.Change, r.f.WP.Path, r.f.WP.Sum, insertBlock)
}

func (r *lbRun) attachCert(ctx context.Context, x op) error {
	return r.rec.Do(ctx, x.Change, undoData{Kind: x.Kind, LB: x.LB, Cert: x.Cert}, func(ctx context.Context) error {
		return callAndWait(ctx, r.env.AWS, "attach certificate "+x.Cert+" to load balancer "+x.LB, func() ([]types.Operation, error) {
			out, err := r.env.AWS.Lightsail.AttachLoadBalancerTlsCertificate(ctx, &lightsail.AttachLoadBalancerTlsCertificateInput{
				LoadBalancerName: &x.LB, CertificateName: &x.Cert,
			})
			return dnszone.OpsOf(out, err, func(o *lightsail.AttachLoadBalancerTlsCertificateOutput) []types.Operation { return o.Operations })
		})
	})
}

func (r *lbRun) setAttribute(ctx context.Context, x op, name types.LoadBalancerAttributeName, value string) error {
	return r.rec.Do(ctx, x.Change, undoData{Kind: x.Kind, LB: x.LB, Before: x.Change.Before}, func(ctx context.Context) error {
		return updateAttribute(ctx, r.env, x.LB, name, value)
	})
}

func updateAttribute(ctx context.Context, env *steps.Env, lb string, name types.LoadBalancerAttributeName, value string) error {
	return callAndWait(ctx, env.AWS, fmt.Sprintf("set %s=%s on load balancer %s", name, value, lb), func() ([]types.Operation, error) {
		out, err := env.AWS.Lightsail.UpdateLoadBalancerAttribute(ctx, &lightsail.UpdateLoadBalancerAttributeInput{
			LoadBalancerName: &lb, AttributeName: name, AttributeValue: &value,
		})
		return dnszone.OpsOf(out, err, func(o *lightsail.UpdateLoadBalancerAttributeOutput) []types.Operation { return o.Operations })
	})
}

// dnsDelete removes one record of a name; the journal keeps the record, so undo recreates it.
func (r *lbRun) dnsDelete(ctx context.Context, x op) error {
	e := x.Entry
	err := r.rec.Do(ctx, x.Change, undoData{Kind: x.Kind, Zone: x.Zone, Entry: &e, LB: x.LB},
		func(ctx context.Context) error { return deleteEntry(ctx, r.env, x.Zone, e) })
	if err == nil {
		r.f.removeEntry(x.Zone, e)
	}
	return err
}

// dnsCreate adds the alias of a name to the balancer.
func (r *lbRun) dnsCreate(ctx context.Context, x op) error {
	if r.f.LB == nil || r.f.LB.DNSName == "" {
		return fmt.Errorf("point %s at load balancer %s: its DNS name is not known", x.Name, x.LB)
	}
	alias := entry{Name: x.Name, Type: "A", Target: r.f.LB.DNSName, Alias: true}
	err := r.rec.Do(ctx, x.Change, undoData{Kind: x.Kind, Zone: x.Zone, Entry: &alias, LB: x.LB},
		func(ctx context.Context) error { return createEntry(ctx, r.env, x.Zone, alias) })
	if err == nil {
		r.f.addEntry(x.Zone, alias)
	}
	return err
}

package https

import (
	"context"
	"errors"
	"fmt"
	"github.com/hardsail/hardsail/assets"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// undoData is journaled with each change: what undo needs to reverse it.
type undoData struct {
	Kind     opKind   `json:"kind"`
	Instance string   `json:"instance,omitempty"`
	LB       string   `json:"lb,omitempty"`
	Cert     string   `json:"cert,omitempty"`
	Zone     string   `json:"zone,omitempty"`
	Entry    *entry   `json:"entry,omitempty"`
	Prior    []entry  `json:"prior,omitempty"` // opPointDNS: the entries the alias replaced
	Before   string   `json:"before,omitempty"`
	Names    []string `json:"names,omitempty"`
	WP       *wpUndo  `json:"wp,omitempty"`
}

// wpUndo identifies the prior wp-config.php by checksum: its body holds the database password and
// salts, which never go into the journal.
type wpUndo struct {
	Path     string `json:"path"`
	PriorSum string `json:"prior_sum"`
	Block    string `json:"block"`
	Replaced string `json:"replaced,omitempty"` // an older hardsail block this one replaced
}

// mutate journals c, runs fn, and marks the entry done or failed.
func (s *Step) mutate(ctx context.Context, env *steps.Env, j *steps.Journal, c steps.Change, data undoData, fn func() error) error {
	id, err := j.Begin(ID, c, data)
	if err != nil {
		return err
	}
	env.Emit(steps.Event{Kind: steps.EventChangeStart, Step: ID, Address: c.Address, At: env.Clock()})
	if err := fn(); err != nil {
		if jerr := j.Fail(id, err); jerr != nil {
			return errors.Join(err, jerr)
		}
		return err
	}
	env.Emit(steps.Event{Kind: steps.EventChangeDone, Step: ID, Address: c.Address, At: env.Clock()})
	return j.Done(id)
}

// Apply carries out the plan. It reads the live state again to have the details the preview does
// not show (DNS names, file metadata) and refuses if its plan would differ from the one shown.
func (s *Step) Apply(ctx context.Context, env *steps.Env, plan steps.Plan, j *steps.Journal) (steps.Outcome, error) {
	o := steps.Outcome{Step: ID, Status: steps.StatusOK}
	if plan.Empty() && plan.Pending == "" {
		return o, nil
	}
	st, err := s.Check(ctx, env)
	if err != nil {
		return o, err
	}
	f, _ := st.Facts.(*facts)
	if st.Skip != "" || f == nil {
		return o, &steps.StalePlanError{Step: ID}
	}
	ops, _ := planOps(f)
	if !sameChanges(ops, plan) {
		return o, &steps.StalePlanError{Step: ID}
	}
	if f.Mode == "instance" {
		return s.applyInstance(ctx, env, f, ops, j)
	}
	return s.applyLB(ctx, env, f, ops, j, plan.Pending != "")
}

// sameChanges reports whether ops are the plan's changes. A pending plan (nothing to change, a
// certificate awaiting validation) may since have become the certificate's tail: that is what it
// announced.
func sameChanges(ops []op, plan steps.Plan) bool {
	if plan.Empty() && plan.Pending != "" {
		return !slices.ContainsFunc(ops, func(o op) bool { return !o.Kind.tail() })
	}
	if len(ops) != len(plan.Changes) {
		return false
	}
	for i, o := range ops {
		c := plan.Changes[i]
		if o.Change.Action != c.Action || o.Change.Address != c.Address || o.Change.After != c.After {
			return false
		}
	}
	return true
}

// Preflight refuses, before anything in the run changes (the snapshot included), a load balancer
// nobody agreed to pay for: off a terminal without --accept-cost. At a terminal Apply asks.
func (s *Step) Preflight(ctx context.Context, env *steps.Env, plan steps.Plan) error {
	if env.Ask != nil {
		return nil
	}
	for _, c := range plan.Changes {
		if c.Action == steps.Create && isLBAddress(c.Address) {
			return agreeCost(ctx, env, nil)
		}
	}
	return nil
}

// agreeCost asks for (or finds) the user's agreement to the load balancer's monthly price.
func agreeCost(ctx context.Context, env *steps.Env, f *facts) error {
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
	q := fmt.Sprintf("Create a Lightsail load balancer for %s? It costs %s (Lightsail price as of %s); the certificate is free.",
		strings.Join(f.Names, ", "), price.Monthly(), price.AsOf)
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

func (s *Step) applyLB(ctx context.Context, env *steps.Env, f *facts, ops []op, j *steps.Journal, pending bool) (steps.Outcome, error) {
	o := steps.Outcome{Step: ID, Status: steps.StatusChanged}
	if slices.ContainsFunc(ops, func(x op) bool { return x.Kind == opCreateLB }) {
		if err := agreeCost(ctx, env, f); err != nil {
			return o, err
		}
	}
	ls := env.AWS.Lightsail
	waitFor := func(what string, out []types.Operation) error {
		return env.AWS.Wait(ctx, what, out, awsapi.WaitOptions{})
	}
	issued := f.LB != nil && f.LB.Cert != nil && f.LB.Cert.Status == "ISSUED"
	if pending && len(ops) == 0 {
		// A pending plan: poll for the certificate, then do what the pending text announced.
		ok, err := s.waitIssued(ctx, env, f)
		if err != nil || !ok {
			o.Status, o.Detail = steps.StatusPending, validationText(f, f.LB.Cert)
			return o, err
		}
		issued = true
		ops, _ = planOps(f)
	}
	for _, x := range ops {
		if x.Kind.tail() && !issued {
			ok, err := s.waitIssued(ctx, env, f)
			if err != nil {
				return o, err
			}
			if !ok {
				o.Status, o.Detail = steps.StatusPending, validationText(f, f.LB.Cert)
				return o, nil
			}
			issued = true
		}
		var err error
		switch x.Kind {
		case opCreateLB:
			err = s.mutate(ctx, env, j, x.Change, undoData{Kind: x.Kind, LB: x.LB}, func() error {
				what := "create load balancer " + x.LB
				out, err := ls.CreateLoadBalancer(ctx, &lightsail.CreateLoadBalancerInput{
					LoadBalancerName: &x.LB, InstancePort: 80, HealthCheckPath: aws.String("/"),
				})
				if err != nil {
					return awsapi.Classify(what, err)
				}
				return waitFor(what, out.Operations)
			})
			if err == nil {
				err = s.waitActive(ctx, env, f, x.LB)
			}
		case opAttachInstance:
			if err = s.waitActive(ctx, env, f, x.LB); err != nil {
				break
			}
			err = s.mutate(ctx, env, j, x.Change, undoData{Kind: x.Kind, LB: x.LB, Instance: env.Instance}, func() error {
				what := "attach " + env.Instance + " to load balancer " + x.LB
				out, err := ls.AttachInstancesToLoadBalancer(ctx, &lightsail.AttachInstancesToLoadBalancerInput{
					LoadBalancerName: &x.LB, InstanceNames: []string{env.Instance},
				})
				if err != nil {
					return awsapi.Classify(what, err)
				}
				return waitFor(what, out.Operations)
			})
		case opCreateCert:
			err = s.mutate(ctx, env, j, x.Change, undoData{Kind: x.Kind, LB: x.LB, Cert: x.Cert}, func() error {
				what := "create certificate " + x.Cert + " on load balancer " + x.LB
				out, err := ls.CreateLoadBalancerTlsCertificate(ctx, &lightsail.CreateLoadBalancerTlsCertificateInput{
					LoadBalancerName: &x.LB, CertificateName: &x.Cert,
					CertificateDomainName: &f.Names[0], CertificateAlternativeNames: f.Names[1:],
				})
				if err != nil {
					return awsapi.Classify(what, err)
				}
				return waitFor(what, out.Operations)
			})
			if err == nil {
				err = s.readCerts(ctx, env, f.Names, f.LB)
			}
			if err == nil && (f.LB.Cert == nil || f.LB.Cert.Name != x.Cert) {
				err = fmt.Errorf("certificate %s on load balancer %s: not listed after it was created", x.Cert, x.LB)
			}
			if err == nil {
				issued = f.LB.Cert.Status == "ISSUED"
				s.showValidation(env, f)
			}
		case opValidationFor:
			for _, r := range f.LB.Cert.Records {
				if r.Domain != x.Name || f.hasEntry(x.Zone, entry{Name: r.Name, Type: "CNAME", Target: r.Value}) {
					continue
				}
				if err = s.createValidation(ctx, env, j, f, x.Zone, x.LB, x.Cert, r); err != nil {
					break
				}
			}
		case opValidation:
			err = s.createValidation(ctx, env, j, f, x.Zone, x.LB, x.Cert, x.Rec)
		case opWPConfig:
			err = s.writeWPConfig(ctx, env, j, x.Change)
		case opAttachCert:
			err = s.mutate(ctx, env, j, x.Change, undoData{Kind: x.Kind, LB: x.LB, Cert: x.Cert}, func() error {
				what := "attach certificate " + x.Cert + " to load balancer " + x.LB
				out, err := ls.AttachLoadBalancerTlsCertificate(ctx, &lightsail.AttachLoadBalancerTlsCertificateInput{
					LoadBalancerName: &x.LB, CertificateName: &x.Cert,
				})
				if err != nil {
					return awsapi.Classify(what, err)
				}
				return waitFor(what, out.Operations)
			})
		case opRedirect:
			err = s.setAttribute(ctx, env, j, x, types.LoadBalancerAttributeNameHttpsRedirectionEnabled, "true", "false")
		case opPolicy:
			err = s.setAttribute(ctx, env, j, x, types.LoadBalancerAttributeNameTlsPolicyName, x.Value, x.Change.Before)
		}
		if err != nil {
			return o, err
		}
	}
	o.Detail = "https://" + f.Names[0] + " is served by load balancer " + f.LB.Name
	if err := s.pointDNS(ctx, env, j, f); err != nil {
		return o, err
	}
	return o, nil
}

func (s *Step) setAttribute(ctx context.Context, env *steps.Env, j *steps.Journal, x op, name types.LoadBalancerAttributeName, value, before string) error {
	return s.mutate(ctx, env, j, x.Change, undoData{Kind: x.Kind, LB: x.LB, Before: before}, func() error {
		what := fmt.Sprintf("set %s=%s on load balancer %s", name, value, x.LB)
		out, err := env.AWS.Lightsail.UpdateLoadBalancerAttribute(ctx, &lightsail.UpdateLoadBalancerAttributeInput{
			LoadBalancerName: &x.LB, AttributeName: name, AttributeValue: &value,
		})
		if err != nil {
			return awsapi.Classify(what, err)
		}
		return env.AWS.Wait(ctx, what, out.Operations, awsapi.WaitOptions{})
	})
}

// domainsClients are the clients with Lightsail pointed at us-east-1, so Wait polls the DNS
// operations where they were made.
func domainsClients(env *steps.Env) *awsapi.Clients {
	c := *env.AWS
	c.Lightsail = env.AWS.Domains
	return &c
}

func (s *Step) createValidation(ctx context.Context, env *steps.Env, j *steps.Journal, f *facts, zone, lb, cert string, r record) error {
	e := entry{Name: r.Name, Type: "CNAME", Target: r.Value}
	c := steps.Change{Action: steps.Create, Address: dnsAddress(zone, r.Name, "CNAME"), After: r.Value + ".",
		Why: "validates certificate " + cert + " for " + r.Domain}
	err := s.mutate(ctx, env, j, c, undoData{Kind: opValidation, Zone: zone, Entry: &e, LB: lb, Cert: cert}, func() error {
		return createEntry(ctx, env, zone, e)
	})
	if err == nil {
		f.addEntry(zone, e)
	}
	return err
}

func createEntry(ctx context.Context, env *steps.Env, zone string, e entry) error {
	what := fmt.Sprintf("create DNS record %s %s in zone %s", e.Type, e.Name, zone)
	return changeEntry(ctx, env, what, func(de *types.DomainEntry) (*types.Operation, error) {
		out, err := env.AWS.Domains.CreateDomainEntry(ctx, &lightsail.CreateDomainEntryInput{DomainName: &zone, DomainEntry: de})
		if err != nil {
			return nil, err
		}
		return out.Operation, nil
	}, e)
}

func deleteEntry(ctx context.Context, env *steps.Env, zone string, e entry) error {
	what := fmt.Sprintf("delete DNS record %s %s from zone %s", e.Type, e.Name, zone)
	return changeEntry(ctx, env, what, func(de *types.DomainEntry) (*types.Operation, error) {
		out, err := env.AWS.Domains.DeleteDomainEntry(ctx, &lightsail.DeleteDomainEntryInput{DomainName: &zone, DomainEntry: de})
		if err != nil {
			return nil, err
		}
		return out.Operation, nil
	}, e)
}

// changeEntry makes one DNS call for e and waits for its operation (in us-east-1, where zones live).
func changeEntry(ctx context.Context, env *steps.Env, what string, call func(*types.DomainEntry) (*types.Operation, error), e entry) error {
	op, err := call(&types.DomainEntry{Name: &e.Name, Type: &e.Type, Target: &e.Target, IsAlias: aws.Bool(e.Alias)})
	if err != nil {
		return awsapi.Classify(what, err)
	}
	if op == nil {
		return nil
	}
	return domainsClients(env).Wait(ctx, what, []types.Operation{*op}, awsapi.WaitOptions{})
}

func (f *facts) addEntry(zone string, e entry) {
	for i := range f.Zones {
		if f.Zones[i].Name == zone {
			f.Zones[i].Entries = append(f.Zones[i].Entries, e)
		}
	}
}

func (f *facts) removeEntry(zone string, e entry) {
	for i := range f.Zones {
		if f.Zones[i].Name == zone {
			f.Zones[i].Entries = slices.DeleteFunc(f.Zones[i].Entries, func(x entry) bool { return x == e })
		}
	}
}

// waitActive waits for a new load balancer to finish provisioning.
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
			env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Message: validationText(f, c), At: env.Clock()})
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
		env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Address: dnsAddress("", r.Name, "CNAME"), Message: msg, At: env.Clock()})
	}
}

// pointDNS offers to point the names in Lightsail DNS at the load balancer (an alias A record in
// place of their A/CNAME records). Without someone to ask it changes nothing: Check reports it.
func (s *Step) pointDNS(ctx context.Context, env *steps.Env, j *steps.Journal, f *facts) error {
	if env.Ask == nil || f.LB == nil || f.LB.DNSName == "" {
		return nil
	}
	type target struct {
		zone, name string
		prior      []entry
	}
	var todo []target
	var lines []string
	for _, n := range f.Names {
		z := f.zoneFor(n)
		if z == "" || f.pointsAtLB(z, n) {
			continue
		}
		t := target{zone: z, name: n, prior: f.entriesFor(z, n)}
		todo = append(todo, t)
		was := "no record"
		if len(t.prior) > 0 {
			var p []string
			for _, e := range t.prior {
				p = append(p, e.Type+" "+e.Target)
			}
			was = strings.Join(p, ", ")
		}
		lines = append(lines, n+" ("+was+")")
	}
	if len(todo) == 0 {
		return nil
	}
	q := "Point " + strings.Join(lines, "; ") + " at the load balancer " + f.LB.DNSName + " in Lightsail DNS? Undo puts the old records back."
	yes, err := env.Ask.Confirm(ctx, q, true)
	if err != nil || !yes {
		return err
	}
	for _, t := range todo {
		alias := entry{Name: t.name, Type: "A", Target: f.LB.DNSName, Alias: true}
		before := "none"
		if len(t.prior) > 0 {
			before = t.prior[0].Type + " " + t.prior[0].Target
		}
		c := steps.Change{Action: steps.Update, Address: dnsAddress(t.zone, t.name, "A"), Before: before, After: "alias " + f.LB.DNSName,
			Why: "sends visitors of " + t.name + " to the load balancer"}
		err := s.mutate(ctx, env, j, c, undoData{Kind: opPointDNS, Zone: t.zone, Entry: &alias, Prior: t.prior, LB: f.LB.Name}, func() error {
			for _, e := range t.prior {
				if err := deleteEntry(ctx, env, t.zone, e); err != nil {
					return err
				}
				f.removeEntry(t.zone, e)
			}
			if err := createEntry(ctx, env, t.zone, alias); err != nil {
				return err
			}
			f.addEntry(t.zone, alias)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

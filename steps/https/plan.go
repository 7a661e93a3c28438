package https

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/dnszone"
	"github.com/hardsail/hardsail/steps/hostfile"
)

// opKind is what carrying out one change means.
type opKind string

const (
	opCreateLB       opKind = "load-balancer"
	opAttachInstance opKind = "attach-instance"
	opCreateCert     opKind = "certificate"
	// opValidationFor creates the validation CNAMEs of one name once the new certificate shows them.
	opValidationFor opKind = "validation-for"
	opValidation    opKind = "validation-entry"
	opWPConfig      opKind = "wp-config"
	opAttachCert    opKind = "attach-certificate"
	opRedirect      opKind = "https-redirection"
	opPolicy        opKind = "tls-policy"
	opSetup         opKind = "setup-instance-https"
	// opDNSDelete removes one A or CNAME record of a name; opDNSCreate adds the alias to the balancer.
	opDNSDelete opKind = "dns-delete"
	opDNSCreate opKind = "dns-create"
)

// tail are the changes that need an ISSUED certificate.
func (k opKind) tail() bool {
	return slices.Contains([]opKind{opAttachCert, opRedirect, opPolicy, opDNSDelete, opDNSCreate}, k)
}

type op struct {
	Kind   opKind
	Change steps.Change
	LB     string
	Cert   string
	Zone   string
	Name   string // opValidationFor: the name whose records to create
	Rec    record // opValidation
	Entry  entry  // opDNSDelete: the record removed
	Value  string // opPolicy: the policy to set
}

// Plan is pure: it turns the checked facts into the ordered changes.
func (s *Step) Plan(state steps.State, set steps.Settings) (steps.Plan, error) {
	p := steps.Plan{Step: ID}
	if state.Skip != "" {
		return p, nil
	}
	if state.Facts == nil {
		return p, errors.New("https: plan needs the facts from Check")
	}
	f, err := steps.FactsOf[facts](state)
	if err != nil {
		return p, err
	}
	names, err := Names(set.Domain, set.AltDomains)
	if err != nil {
		return p, err
	}
	mode, err := modeOf(set)
	if err != nil {
		return p, err
	}
	if !slices.Equal(names, f.Names) || mode != f.Mode {
		return p, fmt.Errorf("https: the state was checked for %s (%s), the settings ask for %s (%s)",
			strings.Join(f.Names, ", "), f.Mode, strings.Join(names, ", "), mode)
	}
	ops, notes := planOps(&f)
	for _, o := range ops {
		p.Changes = append(p.Changes, o.Change)
	}
	p.Notes = notes
	return p, nil
}

func lbAddress(region, lb string) string {
	return fmt.Sprintf("lightsail:%s/load-balancer/%s", region, lb)
}

// isLBAddress reports whether address names a load balancer itself (not its certificate or DNS).
func isLBAddress(address string) bool {
	_, rest, ok := strings.Cut(address, "/load-balancer/")
	return strings.HasPrefix(address, "lightsail:") && ok && !strings.Contains(rest, "/")
}

// dnsAddress is the plan address of a record in a Lightsail DNS zone.
func dnsAddress(zone, typ, name string) string { return dnszone.Address(zone, typ, name) }

// planOps is the plan as operations to carry out, with the notes the preview shows.
func planOps(f *facts) ([]op, []string) {
	if f.Mode == "instance" {
		return planInstance(f)
	}
	return planLB(f)
}

func planInstance(f *facts) ([]op, []string) {
	if f.Setup != nil && (f.Setup.Status == "succeeded" || f.Setup.Status == "inProgress") {
		return nil, nil
	}
	return []op{{Kind: opSetup, Change: steps.Change{
			Action:  steps.Create,
			Address: fmt.Sprintf("lightsail:%s/instance/%s/https", f.Region, f.Instance),
			After:   "Let's Encrypt certificate for " + strings.Join(f.Names, ", ") + ", renewed on the instance",
			Why:     "free HTTPS on the instance itself (Lightsail SetupInstanceHttps)",
		}}}, []string{
			"Let's Encrypt checks the names over HTTP: " + strings.Join(f.Names, ", ") + " must already point at the instance's public IP.",
			"Lightsail has no API to reverse this setup; undo lists the commands that restore the instance's files.",
		}
}

// lbPlan is planLB's work in progress.
type lbPlan struct {
	f        *facts
	lbName   string
	lbAddr   string
	cert     *certFacts
	certName string
	ops      []op
	notes    []string
}

func (p *lbPlan) add(o op) { p.ops = append(p.ops, o) }

func planLB(f *facts) ([]op, []string) {
	if f.provisioning() {
		// A run left the balancer's provisioning wait: nothing changes until it is active.
		active, lb := *f, *f.LB
		lb.State = string(types.LoadBalancerStateActive)
		active.LB = &lb
		ops, notes := planLB(&active)
		if n := once("load balancer "+lb.Name+" is active", ops); n != "" {
			notes = append(notes, n)
		}
		return nil, notes
	}
	p := &lbPlan{f: f, lbName: LoadBalancerName(f.Instance), certName: certificateName(f.Names)}
	if f.LB != nil {
		p.lbName, p.cert = f.LB.Name, f.LB.Cert
	}
	if p.cert != nil {
		p.certName = p.cert.Name
	}
	p.lbAddr = lbAddress(f.Region, p.lbName)
	p.balancer()
	tail := p.certificate()
	p.wpConfig()
	if tail {
		p.tail()
	} else if pending := p.deferred(); pending != "" {
		p.notes = append(p.notes, pending)
	}
	return p.ops, p.notes
}

// balancer plans the load balancer and the instance behind it.
func (p *lbPlan) balancer() {
	f := p.f
	if f.LB == nil {
		price := assets.LoadBalancerPrice()
		p.add(op{Kind: opCreateLB, LB: p.lbName, Change: steps.Change{
			Action: steps.Create, Address: p.lbAddr,
			After: "HTTP to instance port 80, health check /",
			Why:   fmt.Sprintf("terminates HTTPS in front of %s; costs %s", f.Instance, price.Monthly()),
		}})
		p.notes = append(p.notes, fmt.Sprintf("The load balancer costs %s (Lightsail price as of %s); its certificate is free. Undo deletes both.", price.Monthly(), price.AsOf))
	}
	if f.LB == nil || !f.LB.Attached {
		p.add(op{Kind: opAttachInstance, LB: p.lbName, Change: steps.Change{
			Action: steps.Create, Address: p.lbAddr + "/instance/" + f.Instance,
			After: "target of " + p.lbName, Why: "sends the site's traffic through the load balancer",
		}})
	}
}

// certificate plans the certificate and its validation records; it reports whether the changes
// that need an issued certificate belong in this plan.
func (p *lbPlan) certificate() bool {
	f, cert := p.f, p.cert
	certAddr := p.lbAddr + "/certificate/" + p.certName
	switch {
	case cert == nil:
		p.add(op{Kind: opCreateCert, LB: p.lbName, Cert: p.certName, Change: steps.Change{
			Action: steps.Create, Address: certAddr, After: strings.Join(f.Names, ", "),
			Why: "free Lightsail certificate for the site's names",
		}})
		for _, n := range f.Names {
			if z := f.zoneFor(n); z != "" {
				p.add(op{Kind: opValidationFor, LB: p.lbName, Cert: p.certName, Zone: z, Name: n, Change: steps.Change{
					Action: steps.Create, Address: dnsAddress(z, "CNAME", "(validation of "+n+")"),
					After: "the certificate's validation record", Why: n + " is in Lightsail DNS, so hardsail proves ownership itself",
				}})
			} else {
				p.notes = append(p.notes, n+" is not in a Lightsail DNS zone: apply shows the CNAME record to add at your DNS provider, and HTTPS stays pending until Amazon sees it.")
			}
		}
		return true
	case cert.Status == "PENDING_VALIDATION":
		tail := false
		var seen []string
		for _, r := range cert.Records {
			z := f.zoneFor(r.Domain)
			if z == "" || slices.Contains(seen, r.Name) || f.hasEntry(z, entry{Name: r.Name, Type: "CNAME", Target: r.Value}) {
				continue
			}
			seen = append(seen, r.Name)
			p.add(op{Kind: opValidation, LB: p.lbName, Cert: p.certName, Zone: z, Rec: r, Change: validationChange(z, p.certName, r)})
			tail = true
		}
		return tail
	}
	return cert.Status == "ISSUED"
}

func validationChange(zone, cert string, r record) steps.Change {
	return steps.Change{Action: steps.Create, Address: dnsAddress(zone, "CNAME", r.Name), After: r.Value + ".",
		Why: "validates certificate " + cert + " for " + r.Domain}
}

// wpConfig plans the X-Forwarded-Proto block in wp-config.php.
func (p *lbPlan) wpConfig() {
	w := p.f.WP
	if w == nil || !w.Exists || w.Block == "current" || !(w.Anchor || w.Block == "other") {
		return
	}
	c := steps.Change{Action: steps.Create, Address: hostfile.Address(w.Path), After: wpBlock, File: true,
		Why: "WordPress behind the load balancer must treat X-Forwarded-Proto: https as HTTPS, or it redirects in a loop"}
	if w.Block == "other" {
		c.Action, c.Why = steps.Update, "the hardsail https block differs from this version's; "+c.Why
	}
	p.add(op{Kind: opWPConfig, Change: c})
}

// tail plans what needs an issued certificate: attach it, redirect, the TLS policy, and the DNS
// records of the names pointed at the balancer.
func (p *lbPlan) tail() {
	f, lbAddr := p.f, p.lbAddr
	if p.cert == nil || !p.cert.Attached {
		p.add(op{Kind: opAttachCert, LB: p.lbName, Cert: p.certName, Change: steps.Change{
			Action: steps.Update, Address: lbAddr + "/https-certificate", Before: "none", After: p.certName,
			Why: "serves HTTPS on port 443 once the certificate is issued",
		}})
	}
	if f.LB == nil || !f.LB.Redirect {
		p.add(op{Kind: opRedirect, LB: p.lbName, Change: steps.Change{
			Action: steps.Update, Address: lbAddr + "/https-redirection", Before: "false", After: "true",
			Why: "sends http:// visitors to https://",
		}})
	}
	if cur := f.currentPolicy(); f.TLS12Policy != "" && cur != f.TLS12Policy {
		p.add(op{Kind: opPolicy, LB: p.lbName, Value: f.TLS12Policy, Change: steps.Change{
			Action: steps.Update, Address: lbAddr + "/tls-policy", Before: cur, After: f.TLS12Policy,
			Why: "refuses TLS 1.0 and 1.1",
		}})
	}
	p.ops = append(p.ops, planDNS(f, p.lbName)...)
}

func (f *facts) currentPolicy() string {
	if f.LB != nil && f.LB.Policy != "" {
		return f.LB.Policy
	}
	return f.DefaultPolicy
}

// deferred is the note of a plan that waits for the certificate: what apply does once it is issued.
func (p *lbPlan) deferred() string {
	if p.cert == nil || p.cert.Status != "PENDING_VALIDATION" {
		return ""
	}
	then := &lbPlan{f: p.f, lbName: p.lbName, lbAddr: p.lbAddr, cert: p.cert, certName: p.certName}
	then.tail()
	return once("certificate "+p.certName+" is issued", then.ops)
}

// once is the note of changes a plan defers until what it waits for has happened.
func once(what string, ops []op) string {
	var list []string
	for _, o := range ops {
		list = append(list, string(o.Change.Action)+" "+o.Change.Address)
	}
	if len(list) == 0 {
		return ""
	}
	return "Once " + what + ", apply makes: " + strings.Join(list, "; ") + "."
}

// ownBalancer reports whether the balancer is the one hardsail creates (or will create): only then
// does hardsail point the names at it. A balancer someone else set up is used as it is, DNS included.
func (f *facts) ownBalancer(lb string) bool { return lb == LoadBalancerName(f.Instance) }

// planDNS replaces each name's A and CNAME records in Lightsail DNS with an alias to the balancer:
// one change per record deleted and one per alias created, so undo restores each exactly.
func planDNS(f *facts, lb string) []op {
	if !f.ownBalancer(lb) {
		return nil
	}
	target := "load balancer " + lb
	if f.LB != nil && f.LB.DNSName != "" {
		target = f.LB.DNSName
	}
	var ops []op
	for _, n := range f.Names {
		z := f.zoneFor(n)
		if z == "" || f.pointsAtLB(z, n) {
			continue
		}
		for _, e := range f.entriesFor(z, n) {
			ops = append(ops, op{Kind: opDNSDelete, Zone: z, Entry: e, LB: lb, Change: steps.Change{
				Action: steps.Delete, Address: dnsAddress(z, e.Type, n), Before: describeEntry(e),
				Why: "replaced by an alias to the load balancer; undo puts it back",
			}})
		}
		ops = append(ops, op{Kind: opDNSCreate, Zone: z, Name: n, LB: lb, Change: steps.Change{
			Action: steps.Create, Address: dnsAddress(z, "A", n), After: "alias to " + target,
			Why: "sends visitors of " + n + " to the load balancer",
		}})
	}
	return ops
}

func describeEntry(e entry) string {
	if e.Alias {
		return "alias to " + e.Target
	}
	return e.Target
}

package https

import (
	"errors"
	"fmt"
	"github.com/hardsail/hardsail/assets"
	"slices"
	"strings"

	"github.com/hardsail/hardsail/steps"
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
	opPointDNS      opKind = "point-dns"
)

// tail are the changes that need an ISSUED certificate.
func (k opKind) tail() bool { return k == opAttachCert || k == opRedirect || k == opPolicy }

type op struct {
	Kind   opKind
	Change steps.Change
	LB     string
	Cert   string
	Zone   string
	Name   string // opValidationFor: the certificate name whose records to create
	Rec    record // opValidation
	Value  string // opPolicy: the policy to set
}

// Plan is pure: it turns the checked facts into the ordered changes.
func (s *Step) Plan(state steps.State, set steps.Settings) (steps.Plan, error) {
	p := steps.Plan{Step: ID}
	if state.Skip != "" {
		return p, nil
	}
	f, ok := state.Facts.(*facts)
	if !ok || f == nil {
		return p, errors.New("https: plan needs the facts from Check")
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
	ops, notes := planOps(f)
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

func dnsAddress(zone, name, typ string) string {
	return fmt.Sprintf("lightsail-dns:%s/%s/%s", zone, name, typ)
}

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

func planLB(f *facts) ([]op, []string) {
	var ops []op
	var notes []string
	price := assets.LoadBalancerPrice()
	lbName := LoadBalancerName(f.Instance)
	if f.LB != nil {
		lbName = f.LB.Name
	}
	lbAddr := lbAddress(f.Region, lbName)
	if f.LB == nil {
		ops = append(ops, op{Kind: opCreateLB, LB: lbName, Change: steps.Change{
			Action: steps.Create, Address: lbAddr,
			After: "HTTP to instance port 80, health check /",
			Why:   fmt.Sprintf("terminates HTTPS in front of %s; costs %s", f.Instance, price.Monthly()),
		}})
		notes = append(notes, fmt.Sprintf("The load balancer costs %s (Lightsail price as of %s); its certificate is free. Undo deletes both.", price.Monthly(), price.AsOf))
	}
	if f.LB == nil || !f.LB.Attached {
		ops = append(ops, op{Kind: opAttachInstance, LB: lbName, Change: steps.Change{
			Action: steps.Create, Address: lbAddr + "/instance/" + f.Instance,
			After: "target of " + lbName, Why: "sends the site's traffic through the load balancer",
		}})
	}
	var cert *certFacts
	if f.LB != nil {
		cert = f.LB.Cert
	}
	certName := certificateName(f.Names)
	if cert != nil {
		certName = cert.Name
	}
	certAddr := lbAddr + "/certificate/" + certName
	tail := false
	switch {
	case cert == nil:
		ops = append(ops, op{Kind: opCreateCert, LB: lbName, Cert: certName, Change: steps.Change{
			Action: steps.Create, Address: certAddr, After: strings.Join(f.Names, ", "),
			Why: "free Lightsail certificate for the site's names",
		}})
		for _, n := range f.Names {
			if z := f.zoneFor(n); z != "" {
				ops = append(ops, op{Kind: opValidationFor, LB: lbName, Cert: certName, Zone: z, Name: n, Change: steps.Change{
					Action: steps.Create, Address: dnsAddress(z, "(validation of "+n+")", "CNAME"),
					After: "the certificate's validation record", Why: n + " is in Lightsail DNS, so hardsail proves ownership itself",
				}})
			} else {
				notes = append(notes, n+" is not in a Lightsail DNS zone: apply shows the CNAME record to add at your DNS provider, and HTTPS stays pending until Amazon sees it.")
			}
		}
		tail = true
	case cert.Status == "PENDING_VALIDATION":
		var seen []string
		for _, r := range cert.Records {
			z := f.zoneFor(r.Domain)
			if z == "" || slices.Contains(seen, r.Name) || f.hasEntry(z, entry{Name: r.Name, Type: "CNAME", Target: r.Value}) {
				continue
			}
			seen = append(seen, r.Name)
			ops = append(ops, op{Kind: opValidation, LB: lbName, Cert: certName, Zone: z, Rec: r, Change: steps.Change{
				Action: steps.Create, Address: dnsAddress(z, r.Name, "CNAME"), After: r.Value + ".",
				Why: "validates certificate " + certName + " for " + r.Domain,
			}})
			tail = true
		}
	case cert.Status == "ISSUED":
		tail = true
	}
	if w := f.WP; w != nil && w.Exists && w.Block != "current" && (w.Anchor || w.Block == "other") {
		c := steps.Change{Action: steps.Create, Address: "host:" + WPConfigPath, After: wpBlock, File: true,
			Why: "WordPress behind the load balancer must treat X-Forwarded-Proto: https as HTTPS, or it redirects in a loop"}
		if w.Block == "other" {
			c.Action, c.Why = steps.Update, "the hardsail https block differs from this version's; "+c.Why
		}
		ops = append(ops, op{Kind: opWPConfig, Change: c})
	}
	if !tail {
		return ops, notes
	}
	if cert == nil || !cert.Attached {
		ops = append(ops, op{Kind: opAttachCert, LB: lbName, Cert: certName, Change: steps.Change{
			Action: steps.Update, Address: lbAddr + "/https-certificate", Before: "none", After: certName,
			Why: "serves HTTPS on port 443 once the certificate is issued",
		}})
	}
	if f.LB == nil || !f.LB.Redirect {
		ops = append(ops, op{Kind: opRedirect, LB: lbName, Change: steps.Change{
			Action: steps.Update, Address: lbAddr + "/https-redirection", Before: "false", After: "true",
			Why: "sends http:// visitors to https://",
		}})
	}
	if f.TLS12Policy != "" {
		cur := f.DefaultPolicy
		if f.LB != nil && f.LB.Policy != "" {
			cur = f.LB.Policy
		}
		if cur != f.TLS12Policy {
			ops = append(ops, op{Kind: opPolicy, LB: lbName, Value: f.TLS12Policy, Change: steps.Change{
				Action: steps.Update, Address: lbAddr + "/tls-policy", Before: cur, After: f.TLS12Policy,
				Why: "refuses TLS 1.0 and 1.1",
			}})
		}
	}
	return ops, notes
}

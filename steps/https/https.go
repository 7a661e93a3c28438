// Package https is the step that puts the site behind HTTPS: a Lightsail load balancer with a free
// Lightsail certificate (mode lb), or Let's Encrypt on the instance through SetupInstanceHttps
// (mode instance).
package https

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
	"github.com/hardsail/hardsail/steps/dnszone"
)

// ID is the step's stable identifier.
const ID = "https"

// defaultMode is the mode when none is chosen: a load balancer with a Lightsail certificate.
const defaultMode = "lb"

// Resolver looks up CNAME records; *net.Resolver is one. Tests give one that reads the emulator's
// outside-world DNS.
type Resolver interface {
	LookupCNAME(ctx context.Context, host string) (string, error)
}

// Step is the https step. The zero durations take the defaults below.
type Step struct {
	steps.Identity
	// Resolver checks validation records the user adds outside Lightsail (nil: the system resolver).
	Resolver Resolver
	// CertWait bounds how long one apply polls for certificate validation before reporting pending.
	CertWait time.Duration
	// LBWait bounds the wait for a new load balancer to become active.
	LBWait time.Duration
	// SetupWait bounds how long one apply follows SetupInstanceHttps before reporting pending.
	SetupWait time.Duration
	// Poll is how certificate, load balancer and setup states are polled.
	Poll awsapi.Backoff
}

// Defaults. ACM validates a visible CNAME in one to a few minutes, so five minutes of polling
// covers the usual case in one run; longer is left to a re-run (pending, never a hang).
const (
	defaultCertWait  = 5 * time.Minute
	defaultLBWait    = 10 * time.Minute
	defaultSetupWait = 10 * time.Minute
)

// defaultPoll polls state reads every 5 s growing to 30 s: validation and provisioning take minutes,
// so faster polling only spends API calls (a five-minute wait costs about 14 reads).
var defaultPoll = awsapi.Backoff{Initial: 5 * time.Second, Max: 30 * time.Second}

// New returns the step with its defaults.
func New() *Step { return &Step{Identity: steps.Named(ID, "HTTPS for the site")} }

// HostQuery names what the step reads on the host: every layout's wp-config.php (only one exists
// on a host hardsail serves) and what tells the layouts apart.
func (s *Step) HostQuery() sshhost.Query {
	return blueprint.QueryWith(sshhost.Query{Files: blueprint.WPConfigPaths()})
}

func (s *Step) resolver() Resolver {
	if s.Resolver != nil {
		return s.Resolver
	}
	return net.DefaultResolver
}

func (s *Step) poll(env *steps.Env) awsapi.Backoff {
	if s.Poll.Initial > 0 {
		return s.Poll
	}
	if env.AWS != nil && env.AWS.Poll.Initial > 0 {
		return env.AWS.Poll
	}
	return defaultPoll
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// ----- facts -----

type facts struct {
	Mode      string   `json:"mode"`
	Names     []string `json:"names"`
	Region    string   `json:"region"`
	Instance  string   `json:"instance"`
	Blueprint string   `json:"blueprint"`
	Username  string   `json:"username,omitempty"`
	// lb mode
	LB            *lbFacts    `json:"lb,omitempty"`
	DefaultPolicy string      `json:"default_policy,omitempty"`
	TLS12Policy   string      `json:"tls12_policy,omitempty"`
	Zones         []zoneFacts `json:"zones,omitempty"`
	WP            *wpFacts    `json:"wp,omitempty"`
	// NoLayout says why the WordPress part is left out: the host's layout is not one hardsail knows.
	NoLayout string `json:"no_layout,omitempty"`
	// instance mode
	Setup *setupFacts `json:"setup,omitempty"`
}

type lbFacts struct {
	Name     string     `json:"name"`
	State    string     `json:"state"`
	DNSName  string     `json:"dns_name"`
	Attached bool       `json:"attached"` // the instance is a target
	Redirect bool       `json:"redirect"`
	Policy   string     `json:"policy"`
	Cert     *certFacts `json:"cert,omitempty"` // the certificate covering the names, if any
	// FailedCerts are hardsail's certificates for these names that can no longer be issued.
	FailedCerts []string `json:"failed_certs,omitempty"`
}

type certFacts struct {
	Name     string   `json:"name"`
	Status   string   `json:"status"`
	Attached bool     `json:"attached"`
	Records  []record `json:"records,omitempty"`
}

// record is one validation CNAME; names and values are fully qualified without the final dot.
type record struct {
	Domain string `json:"domain"`
	Name   string `json:"name"`
	Value  string `json:"value"`
}

type (
	zoneFacts = dnszone.Zone
	entry     = dnszone.Record
)

type wpFacts struct {
	// Path is the layout's wp-config.php (steps/blueprint).
	Path   string `json:"path"`
	Exists bool   `json:"exists"`
	Block  string `json:"block"` // "" none, "current", "other" (an older or edited block)
	Anchor bool   `json:"anchor"`
	Sum    string `json:"sum"` // of the whole body: the body itself holds database secrets
	Mode   uint32 `json:"mode"`
	Owner  string `json:"owner"`
	Group  string `json:"group"`
}

type setupFacts struct {
	Status string `json:"status"` // succeeded | inProgress | failed | "" (never run for these names)
	Error  string `json:"error,omitempty"`
}

func dnsName(s string) string { return dnszone.Name(s) }

// zoneFor is the longest Lightsail DNS zone that contains name, or "".
func (f *facts) zoneFor(name string) string { return dnszone.For(f.Zones, name) }

func (f *facts) hasEntry(zone string, e entry) bool {
	for _, z := range f.Zones {
		if z.Name != zone {
			continue
		}
		for _, x := range z.Entries {
			if x.Name == e.Name && x.Type == e.Type && dnsName(x.Target) == dnsName(e.Target) {
				return true
			}
		}
	}
	return false
}

var nameCleanRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9_-]+`) })

// LoadBalancerName is the name hardsail gives the load balancer it creates for instance.
func LoadBalancerName(instance string) string {
	return strings.Trim(nameCleanRE().ReplaceAllString("hardsail-"+instance, "-"), "-_")
}

// certificateName names the certificate after its primary name and a digest of all names, so a
// changed list of names gets a new certificate instead of clashing with the old one.
func certificateName(names []string) string {
	sorted := slices.Clone(names[1:])
	slices.Sort(sorted)
	d := sum([]byte(names[0] + " " + strings.Join(sorted, " ")))[:6]
	base := strings.Trim(nameCleanRE().ReplaceAllString(strings.ReplaceAll(names[0], ".", "-"), "-"), "-_")
	if len(base) > 40 {
		base = strings.Trim(base[:40], "-_")
	}
	return "hardsail-" + base + "-" + d
}

// ----- Check -----

// Check reads the instance, and for mode lb the load balancers, certificates, TLS policies, the
// Lightsail DNS zones and wp-config.php; for mode instance the SetupInstanceHttps history.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st := steps.State{Step: ID}
	names, err := Names(env.Settings.Domain, env.Settings.AltDomains)
	if err != nil {
		return st, err
	}
	if names == nil {
		st.Skip = "no domain given: pass --domain example.com"
		return st, nil
	}
	mode, err := modeOf(env.Settings)
	if err != nil {
		return st, err
	}
	if env.AWS == nil {
		return st, steps.NoAWS(ID)
	}
	f := &facts{Mode: mode, Names: names, Region: env.Region, Instance: env.Instance}
	inst, err := env.AWS.Lightsail.GetInstance(ctx, &lightsail.GetInstanceInput{InstanceName: &env.Instance})
	if err != nil {
		return st, awsapi.Classify("read instance "+env.Instance, err)
	}
	if inst.Instance != nil {
		f.Blueprint = aws.ToString(inst.Instance.BlueprintId)
		f.Username = aws.ToString(inst.Instance.Username)
	}
	if mode == "instance" {
		return s.checkInstanceMode(ctx, env, st, f)
	}
	return s.checkLB(ctx, env, st, f)
}

func modeOf(set steps.Settings) (string, error) {
	switch cmp.Or(set.HTTPSMode, defaultMode) {
	case "lb":
		return "lb", nil
	case "instance":
		if set.Mail == "" {
			return "", &steps.UsageError{Msg: "--https-mode instance needs an email address for Let's Encrypt notices",
				Hint: "Pass --mail you@example.com, or use --https-mode lb."}
		}
		return "instance", nil
	}
	return "", &steps.UsageError{Msg: fmt.Sprintf("--https-mode %q is not a mode", set.HTTPSMode),
		Hint: modeHint()}
}

// isWordPress reads Lightsail's blueprint id as a hint: a WordPress blueprint has a wp-config.php
// to look for; which layout, and so where, the host says (steps/blueprint).
func isWordPress(id string) bool { return blueprint.HintOf(id, "").WordPress() }

func (s *Step) checkLB(ctx context.Context, env *steps.Env, st steps.State, f *facts) (steps.State, error) {
	ls := env.AWS.Lightsail
	lbName := LoadBalancerName(env.Instance)
	var chosen *types.LoadBalancer
	var token *string
	for {
		out, err := ls.GetLoadBalancers(ctx, &lightsail.GetLoadBalancersInput{PageToken: token})
		if err != nil {
			return st, awsapi.Classify("list load balancers in "+env.Region, err)
		}
		for i := range out.LoadBalancers {
			lb := &out.LoadBalancers[i]
			attached := slices.ContainsFunc(lb.InstanceHealthSummary, func(h types.InstanceHealthSummary) bool {
				return aws.ToString(h.InstanceName) == env.Instance
			})
			ours := aws.ToString(lb.Name) == lbName
			// An existing balancer in front of the instance is used as it is; ours wins a tie.
			if (attached && (chosen == nil || ours)) || (ours && chosen == nil) {
				chosen = lb
			}
		}
		if aws.ToString(out.NextPageToken) == "" {
			break
		}
		token = out.NextPageToken
	}
	if chosen != nil {
		lf := &lbFacts{
			Name: aws.ToString(chosen.Name), State: string(chosen.State), DNSName: aws.ToString(chosen.DnsName),
			Redirect: aws.ToBool(chosen.HttpsRedirectionEnabled), Policy: aws.ToString(chosen.TlsPolicyName),
			Attached: slices.ContainsFunc(chosen.InstanceHealthSummary, func(h types.InstanceHealthSummary) bool {
				return aws.ToString(h.InstanceName) == env.Instance
			}),
		}
		if err := s.readCerts(ctx, env, f.Names, lf); err != nil {
			return st, err
		}
		f.LB = lf
	}
	pol, err := ls.GetLoadBalancerTlsPolicies(ctx, &lightsail.GetLoadBalancerTlsPoliciesInput{})
	if err != nil {
		return st, awsapi.Classify("list load balancer TLS policies in "+env.Region, err)
	}
	f.DefaultPolicy, f.TLS12Policy = choosePolicies(pol.TlsPolicies)
	if err := s.readZones(ctx, env, f); err != nil {
		return st, err
	}
	if isWordPress(f.Blueprint) {
		hf, err := env.HostFacts(ctx, s.HostQuery())
		if err != nil {
			return st, fmt.Errorf("read wp-config.php: %w", err)
		}
		if l, ok := blueprint.Detect(hf).Layout(); ok {
			f.WP = wpFactsOf(l.WPConfig, hf.Files[l.WPConfig])
		} else {
			f.NoLayout = blueprint.Detect(hf).Problem
		}
	}
	st.Facts = f
	st.Findings = findingsLB(f)
	st.Pending = pendingLB(f)
	return st, nil
}

func wpFactsOf(p string, file sshhost.File) *wpFacts {
	w := &wpFacts{Path: p, Exists: file.Exists, Mode: uint32(file.Mode.Perm()), Owner: file.Owner, Group: file.Group}
	if !file.Exists {
		return w
	}
	w.Sum = sum(file.Body)
	if st, e, ok := findBlock(file.Body); ok {
		w.Block = "other"
		if string(file.Body[st:e]) == wpBlock {
			w.Block = "current"
		}
	}
	_, err := insertBlock(file.Body)
	w.Anchor = err == nil
	return w
}

// choosePolicies returns the region's default policy and the first one that allows only TLS 1.2
// and newer (read, not hard-coded: the name differs between documents and may change).
func choosePolicies(ps []types.LoadBalancerTlsPolicy) (def, tls12 string) {
	for _, p := range ps {
		name := aws.ToString(p.Name)
		if aws.ToBool(p.IsDefault) {
			def = name
		}
		if tls12 != "" || len(p.Protocols) == 0 {
			continue
		}
		ok := true
		for _, proto := range p.Protocols {
			if proto != "TLSv1.2" && proto != "TLSv1.3" {
				ok = false
			}
		}
		if ok {
			tls12 = name
		}
	}
	return def, tls12
}

// Certificate statuses that can never become ISSUED.
var deadCert = []string{"FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED", "INACTIVE"}

func (s *Step) readCerts(ctx context.Context, env *steps.Env, names []string, lf *lbFacts) error {
	out, err := env.AWS.Lightsail.GetLoadBalancerTlsCertificates(ctx, &lightsail.GetLoadBalancerTlsCertificatesInput{LoadBalancerName: &lf.Name})
	if err != nil {
		return awsapi.Classify("list certificates of load balancer "+lf.Name, err)
	}
	lf.Cert, lf.FailedCerts = nil, nil
	ours := certificateName(names)
	rank := func(c *certFacts) int {
		switch {
		case c.Status == "ISSUED" && c.Attached:
			return 3
		case c.Status == "ISSUED":
			return 2
		}
		return 1
	}
	for _, c := range out.TlsCertificates {
		name, status := aws.ToString(c.Name), string(c.Status)
		var sans []string
		for _, n := range c.SubjectAlternativeNames {
			sans = append(sans, dnsName(n))
		}
		sans = append(sans, dnsName(aws.ToString(c.DomainName)))
		covers := !slices.ContainsFunc(names, func(n string) bool { return !slices.Contains(sans, n) })
		if slices.Contains(deadCert, status) {
			if name == ours {
				lf.FailedCerts = append(lf.FailedCerts, name+" ("+status+")")
			}
			continue
		}
		if !covers {
			continue
		}
		cf := &certFacts{Name: name, Status: status, Attached: aws.ToBool(c.IsAttached)}
		for _, r := range c.DomainValidationRecords {
			cf.Records = append(cf.Records, record{Domain: dnsName(aws.ToString(r.DomainName)), Name: dnsName(aws.ToString(r.Name)), Value: dnsName(aws.ToString(r.Value))})
		}
		slices.SortFunc(cf.Records, func(a, b record) int { return strings.Compare(a.Name, b.Name) })
		cf.Records = slices.Compact(cf.Records)
		if lf.Cert == nil || rank(cf) > rank(lf.Cert) || (rank(cf) == rank(lf.Cert) && cf.Name == ours) {
			lf.Cert = cf
		}
	}
	return nil
}

// readZones keeps the Lightsail DNS zones that hold any of the names, with the entries the step
// cares about (the names' A/AAAA/CNAME records and the validation CNAMEs).
func (s *Step) readZones(ctx context.Context, env *steps.Env, f *facts) error {
	if env.AWS.Domains == nil {
		return nil
	}
	all, err := listZones(ctx, env)
	if err != nil {
		return err
	}
	want := slices.Clone(f.Names)
	if f.LB != nil && f.LB.Cert != nil {
		for _, r := range f.LB.Cert.Records {
			want = append(want, r.Name)
		}
	}
	for _, d := range all {
		z := zoneFacts{Name: dnsName(aws.ToString(d.Name))}
		covers := slices.ContainsFunc(f.Names, func(n string) bool { return n == z.Name || strings.HasSuffix(n, "."+z.Name) })
		if !covers {
			continue
		}
		for _, e := range d.DomainEntries {
			x := entry{Name: dnsName(aws.ToString(e.Name)), Type: aws.ToString(e.Type), Target: aws.ToString(e.Target), Alias: aws.ToBool(e.IsAlias)}
			if slices.Contains(want, x.Name) && (x.Type == "A" || x.Type == "AAAA" || x.Type == "CNAME") {
				z.Entries = append(z.Entries, x)
			}
		}
		slices.SortFunc(z.Entries, func(a, b entry) int {
			return strings.Compare(a.Name+" "+a.Type+" "+a.Target, b.Name+" "+b.Type+" "+b.Target)
		})
		f.Zones = append(f.Zones, z)
	}
	slices.SortFunc(f.Zones, func(a, b zoneFacts) int { return strings.Compare(a.Name, b.Name) })
	return nil
}

// pointsAtLB reports whether name's A record in its Lightsail zone is an alias to the balancer.
func (f *facts) pointsAtLB(zone, name string) bool {
	if f.LB == nil || f.LB.DNSName == "" {
		return false
	}
	for _, z := range f.Zones {
		if z.Name != zone {
			continue
		}
		for _, e := range z.Entries {
			if e.Name == name && (e.Type == "A" || e.Type == "CNAME") && dnsName(e.Target) == dnsName(f.LB.DNSName) {
				return true
			}
		}
	}
	return false
}

// entriesFor lists name's A and CNAME entries in zone (what an alias to the balancer replaces).
func (f *facts) entriesFor(zone, name string) []entry {
	var out []entry
	for _, z := range f.Zones {
		if z.Name != zone {
			continue
		}
		for _, e := range z.Entries {
			if e.Name == name && (e.Type == "A" || e.Type == "CNAME") {
				out = append(out, e)
			}
		}
	}
	return out
}

func findingsLB(f *facts) []steps.Finding {
	var out []steps.Finding
	if f.LB != nil {
		for _, c := range f.LB.FailedCerts {
			out = append(out, steps.Finding{ID: ID + ".certificate_failed", Severity: "warning", Message: "certificate " + c + " can no longer be issued",
				Fix: "Check the validation records and CAA records of the domain, then run `hardsail undo https` and apply again."})
		}
		if f.LB.DNSName != "" {
			for _, n := range f.Names {
				zone := f.zoneFor(n)
				switch {
				case zone != "" && f.pointsAtLB(zone, n):
				case zone != "" && f.ownBalancer(f.LB.Name):
					out = append(out, steps.Finding{ID: ID + ".domain_not_at_load_balancer", Severity: "warning",
						Message: n + " does not point at the load balancer yet",
						Fix:     "Apply replaces its A record in Lightsail DNS with an alias to " + f.LB.DNSName + " (see `hardsail plan https`)."})
				case zone != "":
					out = append(out, steps.Finding{ID: ID + ".domain_not_at_load_balancer", Severity: "warning",
						Message: n + " does not point at the load balancer yet",
						Fix:     "Replace its A record with an alias to " + f.LB.DNSName + " in the Lightsail console (hardsail leaves a balancer it did not create as it is)."})
				default:
					out = append(out, steps.Finding{ID: ID + ".domain_dns_elsewhere", Severity: "info",
						Message: n + " is not in a Lightsail DNS zone: point it at the load balancer at your DNS provider",
						Fix:     "Add a CNAME (or ALIAS/ANAME for the bare domain) record " + n + " → " + f.LB.DNSName + "."})
				}
			}
		}
	}
	if f.NoLayout != "" {
		out = append(out, steps.Finding{ID: ID + ".wp_config_block_left_out", Severity: "warning", Message: "the X-Forwarded-Proto block for WordPress is left out: " + f.NoLayout,
			Fix: "Add it to the site's wp-config.php by hand (assets/https/wp-config-block.php shows it), or make the host one layout hardsail knows."})
	}
	if f.WP != nil && f.WP.Exists && !f.WP.Anchor && f.WP.Block == "" {
		out = append(out, steps.Finding{ID: ID + ".wp_config_no_anchor", Severity: "warning", Message: f.WP.Path + ": " + errNoAnchor.Error() + "; the HTTPS fix for WordPress was not added",
			Fix: "Add the X-Forwarded-Proto block by hand (see `hardsail plan https`)."})
	}
	if f.WP != nil && !f.WP.Exists {
		out = append(out, steps.Finding{ID: ID + ".wp_config_missing", Severity: "warning", Message: f.WP.Path + " is missing; WordPress behind the load balancer may loop between http and https",
			Fix: "Check the WordPress installation on the instance."})
	}
	return out
}

// pendingLB says what the step waits for: a load balancer being set up, or a certificate awaiting
// DNS validation.
func pendingLB(f *facts) string {
	if f.provisioning() {
		return provisioningText(f.LB.Name)
	}
	if f.LB == nil || f.LB.Cert == nil || f.LB.Cert.Status != "PENDING_VALIDATION" {
		return ""
	}
	return validationText(f, f.LB.Cert)
}

// provisioning reports whether the balancer is still being set up (a run left its wait).
func (f *facts) provisioning() bool {
	return f.LB != nil && f.LB.State == string(types.LoadBalancerStateProvisioning)
}

func provisioningText(lb string) string {
	return "load balancer " + lb + " is still being set up (Lightsail takes a few minutes). Run `hardsail apply https` again to finish."
}

// validationText lists the validation records: those hardsail created in Lightsail DNS, and the
// exact ones the user must add elsewhere.
func validationText(f *facts, c *certFacts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "certificate %s awaits DNS validation", c.Name)
	var outside []record
	for _, r := range c.Records {
		if f.zoneFor(r.Domain) == "" {
			outside = append(outside, r)
		}
	}
	if len(outside) == 0 {
		b.WriteString("; its CNAME records are in Lightsail DNS and Amazon checks them within minutes. Run `hardsail apply https` again to finish.")
		return b.String()
	}
	b.WriteString(". Add these records at your DNS provider (name, type, value):\n")
	for _, r := range outside {
		fmt.Fprintf(&b, "  %s.  CNAME  %s.\n", r.Name, r.Value)
	}
	b.WriteString("Some providers append the zone name to what you type: there, enter the name without the zone (e.g. \"" +
		leftOfZone(outside[0]) + "\"), or the record becomes " + outside[0].Name + "." + registrable(outside[0].Domain) + ".\n")
	b.WriteString("Then run `hardsail apply https` again; it finishes once Amazon sees the records.")
	return b.String()
}

// registrable guesses the zone a provider would append: the last two labels of the domain.
func registrable(domain string) string {
	labels := strings.Split(domain, ".")
	if len(labels) <= 2 {
		return domain
	}
	return strings.Join(labels[len(labels)-2:], ".")
}

func leftOfZone(r record) string {
	return strings.TrimSuffix(r.Name, "."+registrable(r.Domain))
}

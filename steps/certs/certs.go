// Package certs is the certificate audit: how many days the site's certificates have left (the
// Lightsail load balancer's, and a Let's Encrypt certificate on the instance), which renewal is
// set up on the instance and whether its last run failed. It reports findings only: renewing is
// the renewal's job, and no change hardsail could make here is safe without the user.
package certs

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
)

// ID is the step's stable name.
const ID = "certificates"

// Stable ids of the findings.
const (
	FindingLBExpiry      = "certificates.load_balancer_expiry"
	FindingHostExpiry    = "certificates.instance_expiry"
	FindingNoRenewal     = "certificates.no_renewal"
	FindingRenewalFailed = "certificates.renewal_failed"
	FindingRenewal       = "certificates.renewal"
)

// Thresholds: a warning under 14 days left, a note under 30.
const (
	warnDays = 14
	infoDays = 30
)

// Step is the step.
type Step struct{ steps.Identity }

// New returns the step.
func New() *Step { return &Step{steps.Named(ID, "Certificates: days left and renewal")} }

var _ steps.HostQuery = (*Step)(nil)

// HostQuery is the first of the two readings: what renews, and which certificate files exist.
func (s *Step) HostQuery() sshhost.Query { return blueprint.RenewalQuery() }

// Cert is one certificate and where it was found.
type Cert struct {
	Where    string    `json:"where"` // "load balancer LB-1", or the file on the instance
	Name     string    `json:"name"`  // the load balancer certificate's name, or the subject's common name
	Domains  []string  `json:"domains,omitempty"`
	NotAfter time.Time `json:"not_after"`
}

// Facts is what Check read.
type Facts struct {
	LB      []Cert            `json:"lb,omitempty"`
	Host    []Cert            `json:"host,omitempty"`
	Renewal blueprint.Renewal `json:"renewal"`
	// Unreadable are certificate files that could not be parsed, with why.
	Unreadable []string `json:"unreadable,omitempty"`
}

// Check reads the certificates of the load balancers in front of the instance and, over SSH, the
// Let's Encrypt certificates on the instance and their renewal.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st := steps.State{Step: ID}
	var f Facts
	if env.AWS != nil {
		lb, err := lbCerts(ctx, env)
		if err != nil {
			return st, err
		}
		f.LB = lb
	}
	if env.SSH != nil {
		if err := hostCerts(ctx, env, &f); err != nil {
			return st, fmt.Errorf("read the certificates on %s: %w", env.Instance, err)
		}
	}
	st.Facts = f
	if len(f.LB) == 0 && len(f.Host) == 0 && len(f.Renewal.Active) == 0 && len(f.Unreadable) == 0 {
		st.Skip = "no load balancer certificate in front of " + env.Instance + " and no Let's Encrypt certificate on it"
		return st, nil
	}
	st.Findings = findings(f, env.Clock())
	return st, nil
}

// lbCerts reads the issued, attached certificates of every load balancer the instance is behind.
func lbCerts(ctx context.Context, env *steps.Env) ([]Cert, error) {
	var out []Cert
	var token *string
	for {
		page, err := env.AWS.Lightsail.GetLoadBalancers(ctx, &lightsail.GetLoadBalancersInput{PageToken: token})
		if err != nil {
			return nil, awsapi.Classify("list load balancers in "+env.Region, err)
		}
		for _, lb := range page.LoadBalancers {
			if !slices.ContainsFunc(lb.InstanceHealthSummary, func(h types.InstanceHealthSummary) bool { return aws.ToString(h.InstanceName) == env.Instance }) {
				continue
			}
			name := aws.ToString(lb.Name)
			certs, err := env.AWS.Lightsail.GetLoadBalancerTlsCertificates(ctx, &lightsail.GetLoadBalancerTlsCertificatesInput{LoadBalancerName: &name})
			if err != nil {
				return nil, awsapi.Classify("read the certificates of load balancer "+name, err)
			}
			for _, c := range certs.TlsCertificates {
				if aws.ToBool(c.IsAttached) && c.Status == types.LoadBalancerTlsCertificateStatusIssued && c.NotAfter != nil {
					out = append(out, Cert{Where: "load balancer " + name, Name: aws.ToString(c.Name), Domains: c.SubjectAlternativeNames, NotAfter: c.NotAfter.UTC()})
				}
			}
		}
		if aws.ToString(page.NextPageToken) == "" {
			return out, nil
		}
		token = page.NextPageToken
	}
}

// hostCerts reads the renewal set-up, then the certificate files it points to (a second reading:
// their names are only known from the first).
func hostCerts(ctx context.Context, env *steps.Env, f *Facts) error {
	first, err := env.HostFacts(ctx, blueprint.RenewalQuery())
	if err != nil {
		return err
	}
	q := blueprint.CertificateQuery(first)
	hf, err := env.HostFacts(ctx, q)
	if err != nil {
		return err
	}
	f.Renewal = blueprint.RenewalOf(hf)
	for _, p := range q.Files {
		file := hf.Files[p]
		if !file.Exists || !isCertFile(p) {
			continue
		}
		c, err := parse(p, file.Body)
		if err != nil {
			f.Unreadable = append(f.Unreadable, p+": "+err.Error())
			continue
		}
		f.Host = append(f.Host, c)
	}
	return nil
}

func isCertFile(p string) bool {
	return path.Base(p) == "cert.pem" || strings.HasSuffix(p, ".crt")
}

// parse reads the first certificate of a PEM file (lego's .crt holds the chain, leaf first).
func parse(p string, body []byte) (Cert, error) {
	b, _ := pem.Decode(body)
	if b == nil || b.Type != "CERTIFICATE" {
		return Cert{}, fmt.Errorf("no PEM certificate in it")
	}
	x, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return Cert{}, err
	}
	return Cert{Where: p, Name: x.Subject.CommonName, Domains: x.DNSNames, NotAfter: x.NotAfter.UTC()}, nil
}

// Plan is always empty: the audit changes nothing.
func (s *Step) Plan(st steps.State, _ steps.Settings) (steps.Plan, error) {
	return steps.Plan{Step: ID}, nil
}

// Apply has nothing to do: the plan is always empty.
func (s *Step) Apply(context.Context, *steps.Env, steps.State, steps.Plan, *steps.Recorder) (steps.Report, error) {
	return steps.Report{Detail: "nothing to change"}, nil
}

// Undo has nothing to reverse: the step journals no change.
func (s *Step) Undo(context.Context, *steps.Env, []steps.Entry, *steps.Recorder) (steps.Report, error) {
	return steps.Report{Detail: "nothing to undo"}, nil
}

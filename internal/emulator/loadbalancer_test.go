package emulator_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/internal/emulator"
)

func getLB(t *testing.T, c *lightsail.Client, name string) types.LoadBalancer {
	t.Helper()
	out, err := c.GetLoadBalancer(ctxT(t), &lightsail.GetLoadBalancerInput{LoadBalancerName: aws.String(name)})
	checkErr(t, err, noErr)
	return *out.LoadBalancer
}

func getCert(t *testing.T, c *lightsail.Client, lb, name string) types.LoadBalancerTlsCertificate {
	t.Helper()
	out, err := c.GetLoadBalancerTlsCertificates(ctxT(t), &lightsail.GetLoadBalancerTlsCertificatesInput{LoadBalancerName: aws.String(lb)})
	checkErr(t, err, noErr)
	for _, cert := range out.TlsCertificates {
		if aws.ToString(cert.Name) == name {
			return cert
		}
	}
	t.Fatalf("certificate %s not on %s", name, lb)
	return types.LoadBalancerTlsCertificate{}
}

func createLB(t *testing.T, c *lightsail.Client, name string) {
	t.Helper()
	_, err := c.CreateLoadBalancer(ctxT(t), &lightsail.CreateLoadBalancerInput{LoadBalancerName: aws.String(name), InstancePort: 80})
	checkErr(t, err, noErr)
}

func createCert(t *testing.T, c *lightsail.Client, lb, name, domain string, alts ...string) types.LoadBalancerTlsCertificate {
	t.Helper()
	_, err := c.CreateLoadBalancerTlsCertificate(ctxT(t), &lightsail.CreateLoadBalancerTlsCertificateInput{
		LoadBalancerName: aws.String(lb), CertificateName: aws.String(name),
		CertificateDomainName: aws.String(domain), CertificateAlternativeNames: alts,
	})
	checkErr(t, err, noErr)
	return getCert(t, c, lb, name)
}

func addCNAME(t *testing.T, c *lightsail.Client, name, target string) {
	t.Helper()
	_, err := c.CreateDomainEntry(ctxT(t), &lightsail.CreateDomainEntryInput{DomainName: aws.String("example.com"),
		DomainEntry: &types.DomainEntry{Name: aws.String(name), Target: aws.String(target), Type: aws.String("CNAME")}})
	checkErr(t, err, noErr)
}

// TestLoadBalancerHTTPSJourney walks the path hardsail takes to put HTTPS in
// front of WordPress and checks what the user would see at each step.
func TestLoadBalancerHTTPSJourney(t *testing.T) {
	_, c := startFast(t, nil)
	ctx := ctxT(t)

	createLB(t, c, "wp-lb")
	lb := getLB(t, c, "wp-lb")
	if lb.State != types.LoadBalancerStateProvisioning || !strings.HasSuffix(aws.ToString(lb.DnsName), ".us-east-1.elb.amazonaws.com") ||
		!reflect.DeepEqual(lb.PublicPorts, []int32{80}) || aws.ToString(lb.TlsPolicyName) != "TLS-2016-08" {
		t.Fatalf("new LB state=%s dns=%s ports=%v policy=%s", lb.State, aws.ToString(lb.DnsName), lb.PublicPorts, aws.ToString(lb.TlsPolicyName))
	}
	_, err := c.AttachInstancesToLoadBalancer(ctx, &lightsail.AttachInstancesToLoadBalancerInput{LoadBalancerName: aws.String("wp-lb"), InstanceNames: []string{"WordPress-1"}})
	checkErr(t, err, noErr)
	time.Sleep(testLBDelay + 10*time.Millisecond)
	lb = getLB(t, c, "wp-lb")
	if lb.State != types.LoadBalancerStateActive || len(lb.InstanceHealthSummary) != 1 ||
		lb.InstanceHealthSummary[0].InstanceHealth != types.InstanceHealthStateHealthy {
		t.Fatalf("after delay LB state=%s health=%+v, want active with WordPress-1 healthy", lb.State, lb.InstanceHealthSummary)
	}

	cert := createCert(t, c, "wp-lb", "wp-cert", "example.com", "www.example.com")
	if cert.Status != types.LoadBalancerTlsCertificateStatusPendingValidation || len(cert.DomainValidationRecords) != 2 ||
		!reflect.DeepEqual(cert.SubjectAlternativeNames, []string{"example.com", "www.example.com"}) {
		t.Fatalf("new cert status=%s records=%d SANs=%v", cert.Status, len(cert.DomainValidationRecords), cert.SubjectAlternativeNames)
	}
	for _, r := range cert.DomainValidationRecords {
		if aws.ToString(r.Type) != "CNAME" || !strings.HasPrefix(aws.ToString(r.Name), "_") || !strings.HasSuffix(aws.ToString(r.Name), aws.ToString(r.DomainName)+".") ||
			!strings.HasSuffix(aws.ToString(r.Value), ".acm-validations.aws.") {
			t.Errorf("validation record %+v has the wrong shape", r)
		}
	}

	refused := []struct {
		name string
		call func() error
	}{
		{"attach a pending certificate", func() error {
			_, err := c.AttachLoadBalancerTlsCertificate(ctx, &lightsail.AttachLoadBalancerTlsCertificateInput{LoadBalancerName: aws.String("wp-lb"), CertificateName: aws.String("wp-cert")})
			return err
		}},
		{"redirect without https", func() error {
			_, err := c.UpdateLoadBalancerAttribute(ctx, &lightsail.UpdateLoadBalancerAttributeInput{LoadBalancerName: aws.String("wp-lb"),
				AttributeName: types.LoadBalancerAttributeNameHttpsRedirectionEnabled, AttributeValue: aws.String("true")})
			return err
		}},
		{"tls policy without https", func() error {
			_, err := c.UpdateLoadBalancerAttribute(ctx, &lightsail.UpdateLoadBalancerAttributeInput{LoadBalancerName: aws.String("wp-lb"),
				AttributeName: types.LoadBalancerAttributeNameTlsPolicyName, AttributeValue: aws.String("TLS-FS-Res-1-2-2019-08")})
			return err
		}},
	}
	for _, r := range refused {
		t.Run("refuses "+r.name, func(t *testing.T) { checkErr(t, r.call(), invalidErr) })
	}

	for _, r := range cert.DomainValidationRecords {
		addCNAME(t, c, aws.ToString(r.Name), aws.ToString(r.Value))
	}
	if got := getCert(t, c, "wp-lb", "wp-cert"); got.Status != types.LoadBalancerTlsCertificateStatusIssued ||
		got.DomainValidationRecords[0].ValidationStatus != types.LoadBalancerTlsCertificateDomainStatusSuccess {
		t.Fatalf("after CNAMEs cert status=%s record=%s, want ISSUED/SUCCESS", got.Status, got.DomainValidationRecords[0].ValidationStatus)
	}
	_, err = c.AttachLoadBalancerTlsCertificate(ctx, &lightsail.AttachLoadBalancerTlsCertificateInput{LoadBalancerName: aws.String("wp-lb"), CertificateName: aws.String("wp-cert")})
	checkErr(t, err, noErr)
	for _, attr := range []struct {
		name  types.LoadBalancerAttributeName
		value string
	}{{types.LoadBalancerAttributeNameHttpsRedirectionEnabled, "true"}, {types.LoadBalancerAttributeNameTlsPolicyName, "TLS-FS-Res-1-2-2019-08"}} {
		_, err = c.UpdateLoadBalancerAttribute(ctx, &lightsail.UpdateLoadBalancerAttributeInput{LoadBalancerName: aws.String("wp-lb"), AttributeName: attr.name, AttributeValue: aws.String(attr.value)})
		checkErr(t, err, noErr)
	}
	lb = getLB(t, c, "wp-lb")
	if !reflect.DeepEqual(lb.PublicPorts, []int32{80, 443}) || lb.Protocol != types.LoadBalancerProtocolHttpHttps || !aws.ToBool(lb.HttpsRedirectionEnabled) ||
		aws.ToString(lb.TlsPolicyName) != "TLS-FS-Res-1-2-2019-08" || len(lb.TlsCertificateSummaries) != 1 || !aws.ToBool(lb.TlsCertificateSummaries[0].IsAttached) {
		t.Fatalf("HTTPS LB ports=%v protocol=%s redirect=%v policy=%s certs=%+v", lb.PublicPorts, lb.Protocol, aws.ToBool(lb.HttpsRedirectionEnabled), aws.ToString(lb.TlsPolicyName), lb.TlsCertificateSummaries)
	}

	// Undo, in the order hardsail's rollback would.
	_, err = c.DeleteLoadBalancerTlsCertificate(ctx, &lightsail.DeleteLoadBalancerTlsCertificateInput{LoadBalancerName: aws.String("wp-lb"), CertificateName: aws.String("wp-cert")})
	checkErr(t, err, invalidErr) // attached: needs force
	_, err = c.DeleteLoadBalancerTlsCertificate(ctx, &lightsail.DeleteLoadBalancerTlsCertificateInput{LoadBalancerName: aws.String("wp-lb"), CertificateName: aws.String("wp-cert"), Force: aws.Bool(true)})
	checkErr(t, err, noErr)
	lb = getLB(t, c, "wp-lb")
	if !reflect.DeepEqual(lb.PublicPorts, []int32{80}) || aws.ToBool(lb.HttpsRedirectionEnabled) || len(lb.TlsCertificateSummaries) != 0 {
		t.Errorf("after deleting the cert ports=%v redirect=%v certs=%v", lb.PublicPorts, aws.ToBool(lb.HttpsRedirectionEnabled), lb.TlsCertificateSummaries)
	}
	_, err = c.DetachInstancesFromLoadBalancer(ctx, &lightsail.DetachInstancesFromLoadBalancerInput{LoadBalancerName: aws.String("wp-lb"), InstanceNames: []string{"WordPress-1"}})
	checkErr(t, err, noErr)
	_, err = c.DetachInstancesFromLoadBalancer(ctx, &lightsail.DetachInstancesFromLoadBalancerInput{LoadBalancerName: aws.String("wp-lb"), InstanceNames: []string{"WordPress-1"}})
	checkErr(t, err, invalidErr)
	_, err = c.DeleteLoadBalancer(ctx, &lightsail.DeleteLoadBalancerInput{LoadBalancerName: aws.String("wp-lb")})
	checkErr(t, err, noErr)
	_, err = c.GetLoadBalancer(ctx, &lightsail.GetLoadBalancerInput{LoadBalancerName: aws.String("wp-lb")})
	checkErr(t, err, notFoundErr)
	list, err := c.GetLoadBalancers(ctx, &lightsail.GetLoadBalancersInput{})
	checkErr(t, err, noErr)
	if len(list.LoadBalancers) != 0 {
		t.Errorf("GetLoadBalancers after delete = %d", len(list.LoadBalancers))
	}
}

func TestCertificateValidation(t *testing.T) {
	tests := []struct {
		name     string
		validate func(e *emulator.Emulator, c *lightsail.Client, recs []types.LoadBalancerTlsCertificateDomainValidationRecord)
		want     types.LoadBalancerTlsCertificateStatus
	}{
		{"no DNS stays pending", func(*emulator.Emulator, *lightsail.Client, []types.LoadBalancerTlsCertificateDomainValidationRecord) {
		},
			types.LoadBalancerTlsCertificateStatusPendingValidation},
		{"Lightsail domain entries issue it", func(_ *emulator.Emulator, c *lightsail.Client, recs []types.LoadBalancerTlsCertificateDomainValidationRecord) {
			for _, r := range recs {
				addCNAME(t, c, strings.TrimSuffix(aws.ToString(r.Name), "."), aws.ToString(r.Value))
			}
		}, types.LoadBalancerTlsCertificateStatusIssued},
		{"external DNS issues it", func(e *emulator.Emulator, _ *lightsail.Client, recs []types.LoadBalancerTlsCertificateDomainValidationRecord) {
			for _, r := range recs {
				e.SetExternalDNS(aws.ToString(r.Name), "CNAME", aws.ToString(r.Value))
			}
		}, types.LoadBalancerTlsCertificateStatusIssued},
		{"one of two records is not enough", func(e *emulator.Emulator, _ *lightsail.Client, recs []types.LoadBalancerTlsCertificateDomainValidationRecord) {
			e.SetExternalDNS(aws.ToString(recs[0].Name), "CNAME", aws.ToString(recs[0].Value))
		}, types.LoadBalancerTlsCertificateStatusPendingValidation},
		{"CNAME with the wrong value does not count", func(e *emulator.Emulator, _ *lightsail.Client, recs []types.LoadBalancerTlsCertificateDomainValidationRecord) {
			for _, r := range recs {
				e.SetExternalDNS(aws.ToString(r.Name), "CNAME", "_wrong.acm-validations.aws.")
			}
		}, types.LoadBalancerTlsCertificateStatusPendingValidation},
		{"marked validated", func(e *emulator.Emulator, _ *lightsail.Client, _ []types.LoadBalancerTlsCertificateDomainValidationRecord) {
			e.MarkCertificateValidated("wp-lb", "wp-cert")
		}, types.LoadBalancerTlsCertificateStatusIssued},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c := startFast(t, nil)
			createLB(t, c, "wp-lb")
			cert := createCert(t, c, "wp-lb", "wp-cert", "example.com", "www.example.com")
			tt.validate(e, c, cert.DomainValidationRecords)
			if got := getCert(t, c, "wp-lb", "wp-cert").Status; got != tt.want {
				t.Errorf("status = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCertificateInputValidation(t *testing.T) {
	tenAlts := []string{"a.example.com", "b.example.com", "c.example.com", "d.example.com", "e.example.com",
		"f.example.com", "g.example.com", "h.example.com", "i.example.com", "j.example.com"}
	tests := []struct {
		name, lb, cert, domain string
		alts                   []string
		wantErr                errKind
	}{
		{name: "nine alternative names are allowed", lb: "wp-lb", cert: "c9", domain: "example.com", alts: tenAlts[:9]},
		{name: "ten alternative names", lb: "wp-lb", cert: "c10", domain: "example.com", alts: tenAlts, wantErr: invalidErr},
		{name: "wildcard domain", lb: "wp-lb", cert: "wild", domain: "*.example.com", wantErr: invalidErr},
		{name: "wildcard alternative", lb: "wp-lb", cert: "wild", domain: "example.com", alts: []string{"*.example.com"}, wantErr: invalidErr},
		{name: "not a domain", lb: "wp-lb", cert: "bad", domain: "localhost", wantErr: invalidErr},
		{name: "bad certificate name", lb: "wp-lb", cert: "my cert!", domain: "example.com", wantErr: invalidErr},
		{name: "third certificate on one LB", lb: "wp-lb", cert: "third", domain: "example.com", wantErr: invalidErr},
		{name: "duplicate certificate name", lb: "wp-lb", cert: "first", domain: "example.com", wantErr: invalidErr},
		{name: "unknown load balancer", lb: "nope", cert: "x", domain: "example.com", wantErr: notFoundErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := startFast(t, nil)
			createLB(t, c, "wp-lb")
			createCert(t, c, "wp-lb", "first", "example.com")
			if tt.cert == "third" {
				createCert(t, c, "wp-lb", "second", "example.com")
			}
			_, err := c.CreateLoadBalancerTlsCertificate(ctxT(t), &lightsail.CreateLoadBalancerTlsCertificateInput{
				LoadBalancerName: aws.String(tt.lb), CertificateName: aws.String(tt.cert),
				CertificateDomainName: aws.String(tt.domain), CertificateAlternativeNames: tt.alts,
			})
			checkErr(t, err, tt.wantErr)
		})
	}
}

func TestCreateLoadBalancerValidation(t *testing.T) {
	tests := []struct {
		name    string
		in      lightsail.CreateLoadBalancerInput
		wantErr errKind
		check   func(t *testing.T, c *lightsail.Client)
	}{
		{name: "with certificate creates both", in: lightsail.CreateLoadBalancerInput{LoadBalancerName: aws.String("lb2"), InstancePort: 80,
			CertificateName: aws.String("c1"), CertificateDomainName: aws.String("example.com")},
			check: func(t *testing.T, c *lightsail.Client) {
				if cert := getCert(t, c, "lb2", "c1"); cert.Status != types.LoadBalancerTlsCertificateStatusPendingValidation {
					t.Errorf("cert status %s", cert.Status)
				}
			}},
		{name: "duplicate name", in: lightsail.CreateLoadBalancerInput{LoadBalancerName: aws.String("existing"), InstancePort: 80}, wantErr: invalidErr},
		{name: "instance port out of range", in: lightsail.CreateLoadBalancerInput{LoadBalancerName: aws.String("lb2"), InstancePort: 70000}, wantErr: invalidErr},
		{name: "certificate name without domain", in: lightsail.CreateLoadBalancerInput{LoadBalancerName: aws.String("lb2"), InstancePort: 80, CertificateName: aws.String("c")}, wantErr: invalidErr},
		{name: "unknown TLS policy", in: lightsail.CreateLoadBalancerInput{LoadBalancerName: aws.String("lb2"), InstancePort: 80, TlsPolicyName: aws.String("TLS-1999")}, wantErr: invalidErr},
		{name: "bad ip address type", in: lightsail.CreateLoadBalancerInput{LoadBalancerName: aws.String("lb2"), InstancePort: 80, IpAddressType: "ipv5"}, wantErr: invalidErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := startFast(t, nil)
			createLB(t, c, "existing")
			_, err := c.CreateLoadBalancer(ctxT(t), &tt.in)
			checkErr(t, err, tt.wantErr)
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
	t.Run("eleventh LB in a region", func(t *testing.T) {
		_, c := startFast(t, nil)
		for i := range 10 {
			createLB(t, c, "lb-"+string(rune('a'+i)))
		}
		_, err := c.CreateLoadBalancer(ctxT(t), &lightsail.CreateLoadBalancerInput{LoadBalancerName: aws.String("lb-k"), InstancePort: 80})
		checkErr(t, err, invalidErr)
	})
}

func TestUpdateLoadBalancerAttribute(t *testing.T) {
	tests := []struct {
		name    string
		attr    types.LoadBalancerAttributeName
		value   string
		wantErr errKind
		check   func(lb types.LoadBalancer) bool
	}{
		{name: "health check path", attr: types.LoadBalancerAttributeNameHealthCheckPath, value: "/wp-login.php",
			check: func(lb types.LoadBalancer) bool { return aws.ToString(lb.HealthCheckPath) == "/wp-login.php" }},
		{name: "health check path needs a slash", attr: types.LoadBalancerAttributeNameHealthCheckPath, value: "wp", wantErr: invalidErr},
		{name: "stickiness", attr: types.LoadBalancerAttributeNameSessionStickinessEnabled, value: "true",
			check: func(lb types.LoadBalancer) bool { return lb.ConfigurationOptions["SessionStickinessEnabled"] == "true" }},
		{name: "redirect not a bool", attr: types.LoadBalancerAttributeNameHttpsRedirectionEnabled, value: "yes", wantErr: invalidErr},
		{name: "unknown TLS policy", attr: types.LoadBalancerAttributeNameTlsPolicyName, value: "TLS-1999", wantErr: invalidErr},
		{name: "redirect on", attr: types.LoadBalancerAttributeNameHttpsRedirectionEnabled, value: "true",
			check: func(lb types.LoadBalancer) bool { return aws.ToBool(lb.HttpsRedirectionEnabled) }},
		{name: "unknown attribute", attr: "Colour", value: "blue", wantErr: invalidErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c := startFast(t, nil)
			createLB(t, c, "wp-lb")
			createCert(t, c, "wp-lb", "wp-cert", "example.com")
			e.MarkCertificateValidated("wp-lb", "wp-cert")
			_, err := c.AttachLoadBalancerTlsCertificate(ctxT(t), &lightsail.AttachLoadBalancerTlsCertificateInput{LoadBalancerName: aws.String("wp-lb"), CertificateName: aws.String("wp-cert")})
			checkErr(t, err, noErr)
			out, err := c.UpdateLoadBalancerAttribute(ctxT(t), &lightsail.UpdateLoadBalancerAttributeInput{LoadBalancerName: aws.String("wp-lb"), AttributeName: tt.attr, AttributeValue: aws.String(tt.value)})
			checkErr(t, err, tt.wantErr)
			if err == nil {
				if len(out.Operations) != 1 || out.Operations[0].OperationType != types.OperationTypeUpdateLoadBalancerAttribute {
					t.Errorf("operations = %+v", out.Operations)
				}
				if !tt.check(getLB(t, c, "wp-lb")) {
					t.Errorf("attribute %s=%s not reflected in GetLoadBalancer", tt.attr, tt.value)
				}
			}
		})
	}
}

func TestGetLoadBalancerTLSPolicies(t *testing.T) {
	_, c := startFast(t, nil)
	out, err := c.GetLoadBalancerTlsPolicies(ctxT(t), &lightsail.GetLoadBalancerTlsPoliciesInput{})
	checkErr(t, err, noErr)
	got := map[string][]string{}
	var def string
	for _, p := range out.TlsPolicies {
		got[aws.ToString(p.Name)] = p.Protocols
		if aws.ToBool(p.IsDefault) {
			def = aws.ToString(p.Name)
		}
	}
	if def != "TLS-2016-08" || !reflect.DeepEqual(got["TLS-FS-Res-1-2-2019-08"], []string{"TLSv1.2"}) {
		t.Errorf("policies = %v default %q, want TLS-2016-08 default and a TLSv1.2-only FS policy", got, def)
	}
}

func TestDomainEntries(t *testing.T) {
	_, c := startFast(t, nil)
	ctx := ctxT(t)
	doms, err := c.GetDomains(ctx, &lightsail.GetDomainsInput{})
	checkErr(t, err, noErr)
	if len(doms.Domains) != 1 || aws.ToString(doms.Domains[0].Name) != "example.com" {
		t.Fatalf("domains = %+v, want example.com", doms.Domains)
	}
	create := func(name, typ, target string) error {
		_, err := c.CreateDomainEntry(ctx, &lightsail.CreateDomainEntryInput{DomainName: aws.String("example.com"),
			DomainEntry: &types.DomainEntry{Name: aws.String(name), Type: aws.String(typ), Target: aws.String(target)}})
		return err
	}
	tests := []struct {
		name    string
		err     error
		wantErr errKind
	}{
		{"CNAME by full name", create("_abc.example.com", "CNAME", "_def.acm-validations.aws."), noErr},
		{"name outside the zone", create("_abc.example.org", "CNAME", "x."), invalidErr},
		{"bad record type", create("x.example.com", "PTR", "x."), invalidErr},
		{"duplicate CNAME", create("_abc.example.com", "CNAME", "_other."), invalidErr},
		{"unknown domain", func() error {
			_, err := c.CreateDomainEntry(ctx, &lightsail.CreateDomainEntryInput{DomainName: aws.String("example.net"),
				DomainEntry: &types.DomainEntry{Name: aws.String("a.example.net"), Type: aws.String("A"), Target: aws.String("192.0.2.1")}})
			return err
		}(), notFoundErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, tt.err, tt.wantErr) })
	}
	dom, err := c.GetDomain(ctx, &lightsail.GetDomainInput{DomainName: aws.String("example.com")})
	checkErr(t, err, noErr)
	var entry *types.DomainEntry
	for i, e := range dom.Domain.DomainEntries {
		if aws.ToString(e.Name) == "_abc.example.com" {
			entry = &dom.Domain.DomainEntries[i]
		}
	}
	if entry == nil || aws.ToString(entry.Target) != "_def.acm-validations.aws." || aws.ToString(entry.Id) == "" {
		t.Fatalf("GetDomain entries %+v lack the new CNAME", dom.Domain.DomainEntries)
	}
	_, err = c.DeleteDomainEntry(ctx, &lightsail.DeleteDomainEntryInput{DomainName: aws.String("example.com"), DomainEntry: entry})
	checkErr(t, err, noErr)
	_, err = c.DeleteDomainEntry(ctx, &lightsail.DeleteDomainEntryInput{DomainName: aws.String("example.com"), DomainEntry: entry})
	checkErr(t, err, notFoundErr)
	_, err = c.GetDomain(ctx, &lightsail.GetDomainInput{DomainName: aws.String("example.net")})
	checkErr(t, err, notFoundErr)
}

func TestDomainOpsOnlyInUSEast1(t *testing.T) {
	_, c := startFast(t, nil)
	euWest := func(o *lightsail.Options) { o.Region = "eu-west-1" }
	entry := &types.DomainEntry{Name: aws.String("x.example.com"), Type: aws.String("A"), Target: aws.String("192.0.2.1")}
	tests := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"GetDomains", func(ctx context.Context) error {
			_, err := c.GetDomains(ctx, &lightsail.GetDomainsInput{}, euWest)
			return err
		}},
		{"GetDomain", func(ctx context.Context) error {
			_, err := c.GetDomain(ctx, &lightsail.GetDomainInput{DomainName: aws.String("example.com")}, euWest)
			return err
		}},
		{"CreateDomainEntry", func(ctx context.Context) error {
			_, err := c.CreateDomainEntry(ctx, &lightsail.CreateDomainEntryInput{DomainName: aws.String("example.com"), DomainEntry: entry}, euWest)
			return err
		}},
		{"DeleteDomainEntry", func(ctx context.Context) error {
			_, err := c.DeleteDomainEntry(ctx, &lightsail.DeleteDomainEntryInput{DomainName: aws.String("example.com"), DomainEntry: entry}, euWest)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(ctxT(t))
			checkErr(t, err, invalidErr)
			if !strings.Contains(err.Error(), "us-east-1") {
				t.Errorf("error %q does not tell the user to use us-east-1", err)
			}
		})
	}
}

func TestSetupInstanceHTTPS(t *testing.T) {
	tests := []struct {
		name     string
		domains  []string
		email    string
		provider types.CertificateProvider
		wantErr  errKind
	}{
		{name: "lets encrypt for two names", domains: []string{"example.com", "www.example.com"}, email: "admin@example.com", provider: types.CertificateProviderLetsEncrypt},
		{name: "no domains", domains: []string{}, email: "admin@example.com", provider: types.CertificateProviderLetsEncrypt, wantErr: invalidErr},
		{name: "bad email", domains: []string{"example.com"}, email: "admin", provider: types.CertificateProviderLetsEncrypt, wantErr: invalidErr},
		{name: "unknown provider", domains: []string{"example.com"}, email: "admin@example.com", provider: "ZeroSSL", wantErr: invalidErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := startFast(t, nil)
			ctx := ctxT(t)
			out, err := c.SetupInstanceHttps(ctx, &lightsail.SetupInstanceHttpsInput{InstanceName: aws.String("WordPress-1"),
				DomainNames: tt.domains, EmailAddress: aws.String(tt.email), CertificateProvider: tt.provider})
			checkErr(t, err, tt.wantErr)
			hist, herr := c.GetSetupHistory(ctx, &lightsail.GetSetupHistoryInput{ResourceName: aws.String("WordPress-1")})
			checkErr(t, herr, noErr)
			if err != nil {
				if len(hist.SetupHistory) != 0 {
					t.Errorf("refused setup left history %+v", hist.SetupHistory)
				}
				return
			}
			if len(hist.SetupHistory) != 1 || hist.SetupHistory[0].Status != types.SetupStatusInProgress ||
				aws.ToString(hist.SetupHistory[0].OperationId) != aws.ToString(out.Operations[0].Id) ||
				!reflect.DeepEqual(hist.SetupHistory[0].Request.DomainNames, tt.domains) {
				t.Fatalf("history right after = %+v", hist.SetupHistory)
			}
			time.Sleep(testOpDelay + 10*time.Millisecond)
			hist, _ = c.GetSetupHistory(ctx, &lightsail.GetSetupHistoryInput{ResourceName: aws.String("WordPress-1")})
			if hist.SetupHistory[0].Status != types.SetupStatusSucceeded || len(hist.SetupHistory[0].ExecutionDetails) == 0 {
				t.Errorf("history after delay = %+v, want succeeded with steps", hist.SetupHistory[0])
			}
		})
	}
	_, c := startFast(t, nil)
	_, err := c.GetSetupHistory(ctxT(t), &lightsail.GetSetupHistoryInput{ResourceName: aws.String("nope")})
	checkErr(t, err, notFoundErr)
}

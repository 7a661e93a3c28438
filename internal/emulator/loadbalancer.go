package emulator

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	maxLoadBalancersPerRegion = 10
	maxCertsPerLoadBalancer   = 2
	maxCertsPerRegion         = 10
	maxAlternativeNames       = 9
	defaultTLSPolicy          = "TLS-2016-08"
)

type tlsPolicy struct {
	Name        string   `json:"name"`
	IsDefault   bool     `json:"isDefault"`
	Description string   `json:"description"`
	Protocols   []string `json:"protocols"`
	Ciphers     []string `json:"ciphers"`
}

var tlsPolicies = []tlsPolicy{
	{
		Name: "TLS-2016-08", IsDefault: true,
		Description: "The default TLS security policy, compatible with older clients.",
		Protocols:   []string{"TLSv1", "TLSv1.1", "TLSv1.2"},
		Ciphers: []string{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256",
			"ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256", "AES128-SHA256", "AES128-SHA"},
	},
	{
		Name: "TLS-FS-Res-1-2-2019-08", IsDefault: false,
		Description: "TLS 1.2 only, forward-secret ciphers.",
		Protocols:   []string{"TLSv1.2"},
		Ciphers: []string{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
			"ECDHE-RSA-AES256-GCM-SHA384"},
	},
}

func (l *lightsail) lb(region, name string) (*lbState, *apiError) {
	if name == "" {
		return nil, invalid("The loadBalancerName parameter is required.")
	}
	for _, lb := range l.lbs {
		if lb.Name == name && lb.Location.RegionName == region {
			return lb, nil
		}
	}
	return nil, notFound("LoadBalancer", name)
}

func (l *lightsail) lbCerts(lb *lbState) []*certState {
	var out []*certState
	for _, c := range l.certs {
		if c.LoadBalancerName == lb.Name && c.Location.RegionName == lb.Location.RegionName {
			out = append(out, c)
		}
	}
	return out
}

// refreshLB derives the LB fields that follow from its certificates and
// targets, so they can never disagree with them.
func (l *lightsail) refreshLB(lb *lbState) {
	lb.TLSCertificateSummaries = []LoadBalancerTLSCertificateSummary{}
	https := false
	for _, c := range l.lbCerts(lb) {
		lb.TLSCertificateSummaries = append(lb.TLSCertificateSummaries, LoadBalancerTLSCertificateSummary{Name: c.Name, IsAttached: c.IsAttached})
		https = https || c.IsAttached
	}
	if https {
		lb.PublicPorts, lb.Protocol = []int32{80, 443}, "HTTP_HTTPS"
	} else {
		lb.PublicPorts, lb.Protocol = []int32{80}, "HTTP"
		lb.HTTPSRedirectionEnabled = false
	}
	lb.ConfigurationOptions["HttpsRedirectionEnabled"] = strconv.FormatBool(lb.HTTPSRedirectionEnabled)
	lb.InstanceHealthSummary = []InstanceHealthSummary{}
	for _, name := range lb.attached {
		h := InstanceHealthSummary{InstanceName: name, InstanceHealth: "healthy"}
		if lb.State != "active" {
			h.InstanceHealth, h.InstanceHealthReason = "initial", "Lb.RegistrationInProgress"
		}
		lb.InstanceHealthSummary = append(lb.InstanceHealthSummary, h)
	}
}

// createLBInput is CreateLoadBalancer's request.
type createLBInput struct {
	LoadBalancerName            string   `json:"loadBalancerName"`
	InstancePort                *int32   `json:"instancePort"`
	HealthCheckPath             string   `json:"healthCheckPath"`
	CertificateName             string   `json:"certificateName"`
	CertificateDomainName       string   `json:"certificateDomainName"`
	CertificateAlternativeNames []string `json:"certificateAlternativeNames"`
	IPAddressType               string   `json:"ipAddressType"`
	TLSPolicyName               string   `json:"tlsPolicyName"`
}

// check refuses what Lightsail refuses in a CreateLoadBalancer request and fills in its defaults.
func (in *createLBInput) check() *apiError {
	if err := checkResourceName("loadBalancerName", in.LoadBalancerName); err != nil {
		return err
	}
	if in.InstancePort == nil {
		return invalid("The instancePort parameter is required.")
	}
	if p := *in.InstancePort; p < 0 || p > 65535 {
		return invalid("The instancePort %d is not valid. Ports must be between 0 and 65535.", p)
	}
	if (in.CertificateName == "") != (in.CertificateDomainName == "") {
		return invalid("The certificateName and certificateDomainName parameters must be specified together.")
	}
	switch in.IPAddressType {
	case "":
		in.IPAddressType = "dualstack"
	case "ipv4", "ipv6", "dualstack":
	default:
		return invalid("The ipAddressType %q is not valid. Valid values are ipv4, ipv6 and dualstack.", in.IPAddressType)
	}
	if in.TLSPolicyName == "" {
		in.TLSPolicyName = defaultTLSPolicy
	} else if !knownTLSPolicy(in.TLSPolicyName) {
		return invalid("The TLS security policy %q does not exist. Use GetLoadBalancerTlsPolicies to list valid names.", in.TLSPolicyName)
	}
	if in.HealthCheckPath == "" {
		in.HealthCheckPath = "/"
	}
	return nil
}

func createLoadBalancer(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in createLBInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	n := 0
	for _, lb := range l.lbs {
		if lb.Location.RegionName != c.region {
			continue
		}
		n++
		if lb.Name == in.LoadBalancerName {
			return nil, invalid("The load balancer %s already exists.", in.LoadBalancerName)
		}
	}
	if n >= maxLoadBalancersPerRegion {
		return nil, invalid("You have reached the maximum of %d load balancers in %s.", maxLoadBalancersPerRegion, c.region)
	}
	lb := &lbState{
		LoadBalancer: LoadBalancer{
			Name: in.LoadBalancerName, Arn: l.arn(c.region, "LoadBalancer"), CreatedAt: ts(c.now),
			Location: ResourceLocation{RegionName: c.region, AvailabilityZone: "all"}, ResourceType: "LoadBalancer",
			DNSName:         fmt.Sprintf("%s-%s.%s.elb.amazonaws.com", randHex(32), randHex(9), c.region),
			State:           "provisioning",
			HealthCheckPath: in.HealthCheckPath, InstancePort: *in.InstancePort,
			ConfigurationOptions: map[string]string{
				"SessionStickinessEnabled":                   "false",
				"SessionStickiness_LB_CookieDurationSeconds": "86400",
			},
			IPAddressType: in.IPAddressType, TLSPolicyName: in.TLSPolicyName,
		},
		readyAt: c.now.Add(l.opts.LoadBalancerDelay),
	}
	ops := []Operation{l.newOp(c, lb.Name, "LoadBalancer", "CreateLoadBalancer", "")}
	if in.CertificateName != "" {
		cert, err := l.newCert(c, lb, in.CertificateName, in.CertificateDomainName, in.CertificateAlternativeNames)
		if err != nil {
			return nil, err
		}
		l.certs = append(l.certs, cert)
		ops = append(ops, l.newOp(c, cert.Name, "LoadBalancerTlsCertificate", "CreateLoadBalancerTlsCertificate", lb.Name))
	}
	l.lbs = append(l.lbs, lb)
	l.refreshLB(lb)
	return map[string]any{"operations": ops}, nil
}

func knownTLSPolicy(name string) bool {
	return slices.ContainsFunc(tlsPolicies, func(p tlsPolicy) bool { return p.Name == name })
}

func getLoadBalancer(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in struct {
		LoadBalancerName string `json:"loadBalancerName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	lb, err := l.lb(c.region, in.LoadBalancerName)
	if err != nil {
		return nil, err
	}
	return map[string]any{"loadBalancer": lb.LoadBalancer}, nil
}

func getLoadBalancers(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	all := []LoadBalancer{}
	for _, lb := range l.lbs {
		if lb.Location.RegionName == c.region {
			all = append(all, lb.LoadBalancer)
		}
	}
	return listPage(l, body, "loadBalancers", all)
}

func deleteLoadBalancer(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in struct {
		LoadBalancerName string `json:"loadBalancerName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	lb, err := l.lb(c.region, in.LoadBalancerName)
	if err != nil {
		return nil, err
	}
	// Deleting an LB deletes its certificates with it.
	l.certs = slices.DeleteFunc(l.certs, func(cs *certState) bool {
		return cs.LoadBalancerName == lb.Name && cs.Location.RegionName == c.region
	})
	l.lbs = slices.DeleteFunc(l.lbs, func(x *lbState) bool { return x == lb })
	return map[string]any{"operations": []Operation{l.newOp(c, lb.Name, "LoadBalancer", "DeleteLoadBalancer", "")}}, nil
}

type lbInstancesInput struct {
	LoadBalancerName string   `json:"loadBalancerName"`
	InstanceNames    []string `json:"instanceNames"`
}

// lbInstancesRequest decodes an attach or detach call, finds the load
// balancer it names and checks that it names at least one instance.
func (l *lightsail) lbInstancesRequest(c *reqCtx, body []byte) (lbInstancesInput, *lbState, *apiError) {
	var in lbInstancesInput
	if err := decode(body, &in); err != nil {
		return in, nil, err
	}
	lb, err := l.lb(c.region, in.LoadBalancerName)
	if err != nil {
		return in, nil, err
	}
	if len(in.InstanceNames) == 0 {
		return in, nil, invalid("The instanceNames parameter must name at least one instance.")
	}
	return in, lb, nil
}

func attachInstancesToLoadBalancer(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	in, lb, err := l.lbInstancesRequest(c, body)
	if err != nil {
		return nil, err
	}
	for _, name := range in.InstanceNames {
		inst, err := l.instance(c.region, name)
		if err != nil {
			return nil, err
		}
		if inst.State.Name != "running" {
			return nil, invalid("The instance %s must be running to be attached to a load balancer; it is %s.", name, inst.State.Name)
		}
	}
	ops := []Operation{l.newOp(c, lb.Name, "LoadBalancer", "AttachInstancesToLoadBalancer", strings.Join(in.InstanceNames, ","))}
	for _, name := range in.InstanceNames {
		if !slices.Contains(lb.attached, name) {
			lb.attached = append(lb.attached, name)
		}
		ops = append(ops, l.newOp(c, name, "Instance", "AttachInstancesToLoadBalancer", lb.Name))
	}
	return map[string]any{"operations": ops}, nil
}

func detachInstancesFromLoadBalancer(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	in, lb, err := l.lbInstancesRequest(c, body)
	if err != nil {
		return nil, err
	}
	for _, name := range in.InstanceNames {
		if !slices.Contains(lb.attached, name) {
			return nil, invalid("The instance %s is not attached to the load balancer %s.", name, lb.Name)
		}
	}
	ops := []Operation{l.newOp(c, lb.Name, "LoadBalancer", "DetachInstancesFromLoadBalancer", strings.Join(in.InstanceNames, ","))}
	for _, name := range in.InstanceNames {
		lb.attached = slices.DeleteFunc(lb.attached, func(n string) bool { return n == name })
		ops = append(ops, l.newOp(c, name, "Instance", "DetachInstancesFromLoadBalancer", lb.Name))
	}
	return map[string]any{"operations": ops}, nil
}

// ----- certificates -----

func (l *lightsail) newCert(c *reqCtx, lb *lbState, name, domain string, alts []string) (*certState, *apiError) {
	if err := checkResourceName("certificateName", name); err != nil {
		return nil, err
	}
	if err := checkCertDomain(domain); err != nil {
		return nil, err
	}
	if len(alts) > maxAlternativeNames {
		return nil, invalid("A certificate can have at most %d alternative names; %d were given.", maxAlternativeNames, len(alts))
	}
	for _, a := range alts {
		if err := checkCertDomain(a); err != nil {
			return nil, err
		}
	}
	existing := l.lbCerts(lb)
	for _, cs := range existing {
		if cs.Name == name {
			return nil, invalid("The certificate %s already exists on load balancer %s.", name, lb.Name)
		}
	}
	if len(existing) >= maxCertsPerLoadBalancer {
		return nil, invalid("The load balancer %s already has %d certificates, the maximum.", lb.Name, maxCertsPerLoadBalancer)
	}
	inRegion := 0
	for _, cs := range l.certs {
		if cs.Location.RegionName == c.region {
			inRegion++
		}
	}
	if inRegion >= maxCertsPerRegion {
		return nil, invalid("You have reached the maximum of %d load balancer certificates.", maxCertsPerRegion)
	}
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	// Lightsail puts the primary domain into the SAN list itself.
	sans := []string{domain}
	for _, a := range alts {
		sans = appendUnique(sans, strings.ToLower(strings.TrimSuffix(a, ".")))
	}
	cert := &certState{LoadBalancerTLSCertificate: LoadBalancerTLSCertificate{
		Name: name, Arn: l.arn(c.region, "LoadBalancerTlsCertificate"), CreatedAt: ts(c.now),
		Location: ResourceLocation{RegionName: c.region, AvailabilityZone: "all"}, ResourceType: "LoadBalancerTlsCertificate",
		LoadBalancerName: lb.Name, Status: "PENDING_VALIDATION", DomainName: domain,
		SubjectAlternativeNames: sans,
	}}
	for _, d := range sans {
		cert.DomainValidationRecords = append(cert.DomainValidationRecords, DomainValidationRecord{
			Name: "_" + randHex(32) + "." + d + ".", Type: "CNAME",
			Value:            "_" + randHex(32) + "." + randHex(10) + ".acm-validations.aws.",
			ValidationStatus: "PENDING_VALIDATION", DomainName: d,
		})
	}
	return cert, nil
}

func dnsName(s string) string { return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), ".")) }

// certValidated reports whether every validation CNAME resolves, either via a
// Lightsail DNS zone entry or via the outside world's DNS.
func (l *lightsail) certValidated(c *certState) bool {
	for _, r := range c.DomainValidationRecords {
		if !l.cnameExists(dnsName(r.Name), dnsName(r.Value)) {
			return false
		}
	}
	return len(c.DomainValidationRecords) > 0
}

func (l *lightsail) cnameExists(name, value string) bool {
	for _, rec := range l.externalDNS {
		if rec.Type == "CNAME" && dnsName(rec.Name) == name && dnsName(rec.Value) == value {
			return true
		}
	}
	for _, d := range l.domains {
		for _, e := range d.DomainEntries {
			if e.Type == "CNAME" && dnsName(e.Name) == name && dnsName(e.Target) == value {
				return true
			}
		}
	}
	return false
}

func (l *lightsail) issue(c *certState, now time.Time) {
	c.Status = "ISSUED"
	c.IssuedAt, c.NotBefore, c.NotAfter = ts(now), ts(now), ts(now.Add(395*24*time.Hour))
	c.Issuer, c.KeyAlgorithm, c.SignatureAlgorithm = "Amazon", "RSA-2048", "SHA256WITHRSA"
	c.Serial = strings.ToLower(randHex(2) + ":" + randHex(2) + ":" + randHex(2) + ":" + randHex(2))
	c.Subject = "CN=" + c.DomainName
	for i := range c.DomainValidationRecords {
		c.DomainValidationRecords[i].ValidationStatus = "SUCCESS"
	}
}

func createLoadBalancerTLSCertificate(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in struct {
		LoadBalancerName            string   `json:"loadBalancerName"`
		CertificateName             string   `json:"certificateName"`
		CertificateDomainName       string   `json:"certificateDomainName"`
		CertificateAlternativeNames []string `json:"certificateAlternativeNames"`
		Tags                        []any    `json:"tags"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		return nil, invalid("The resource type, LoadBalancerTlsCertificate, is not taggable.")
	}
	lb, err := l.lb(c.region, in.LoadBalancerName)
	if err != nil {
		return nil, err
	}
	if in.CertificateDomainName == "" {
		return nil, invalid("The certificateDomainName parameter is required.")
	}
	cert, err := l.newCert(c, lb, in.CertificateName, in.CertificateDomainName, in.CertificateAlternativeNames)
	if err != nil {
		return nil, err
	}
	l.certs = append(l.certs, cert)
	return map[string]any{"operations": []Operation{
		l.newOp(c, cert.Name, "LoadBalancerTlsCertificate", "CreateLoadBalancerTlsCertificate", lb.Name),
		l.newOp(c, lb.Name, "LoadBalancer", "CreateLoadBalancerTlsCertificate", cert.Name),
	}}, nil
}

func getLoadBalancerTLSCertificates(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in struct {
		LoadBalancerName string `json:"loadBalancerName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	lb, err := l.lb(c.region, in.LoadBalancerName)
	if err != nil {
		return nil, err
	}
	out := []LoadBalancerTLSCertificate{}
	for _, cs := range l.lbCerts(lb) {
		out = append(out, cs.LoadBalancerTLSCertificate)
	}
	return map[string]any{"tlsCertificates": out}, nil
}

type lbCertInput struct {
	LoadBalancerName string `json:"loadBalancerName"`
	CertificateName  string `json:"certificateName"`
	Force            bool   `json:"force"`
}

func (l *lightsail) lbCert(c *reqCtx, body []byte) (*lbState, *certState, lbCertInput, *apiError) {
	var in lbCertInput
	if err := decode(body, &in); err != nil {
		return nil, nil, in, err
	}
	lb, err := l.lb(c.region, in.LoadBalancerName)
	if err != nil {
		return nil, nil, in, err
	}
	if in.CertificateName == "" {
		return nil, nil, in, invalid("The certificateName parameter is required.")
	}
	for _, cs := range l.lbCerts(lb) {
		if cs.Name == in.CertificateName {
			return lb, cs, in, nil
		}
	}
	return nil, nil, in, notFound("LoadBalancerTlsCertificate", in.CertificateName)
}

func deleteLoadBalancerTLSCertificate(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	lb, cert, in, err := l.lbCert(c, body)
	if err != nil {
		return nil, err
	}
	if cert.IsAttached && !in.Force {
		return nil, invalid("The certificate %s is attached to load balancer %s and in use. Use force to delete it anyway.", cert.Name, lb.Name)
	}
	l.certs = slices.DeleteFunc(l.certs, func(x *certState) bool { return x == cert })
	l.refreshLB(lb)
	return map[string]any{"operations": []Operation{
		l.newOp(c, cert.Name, "LoadBalancerTlsCertificate", "DeleteLoadBalancerTlsCertificate", lb.Name),
	}}, nil
}

func attachLoadBalancerTLSCertificate(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	lb, cert, _, err := l.lbCert(c, body)
	if err != nil {
		return nil, err
	}
	if cert.Status != "ISSUED" {
		return nil, invalid("The certificate %s cannot be attached because its status is %s; it must be ISSUED.", cert.Name, cert.Status)
	}
	// Only one certificate serves port 443 at a time.
	for _, other := range l.lbCerts(lb) {
		other.IsAttached = other == cert
	}
	l.refreshLB(lb)
	return map[string]any{"operations": []Operation{
		l.newOp(c, cert.Name, "LoadBalancerTlsCertificate", "AttachLoadBalancerTlsCertificate", lb.Name),
		l.newOp(c, lb.Name, "LoadBalancer", "AttachLoadBalancerTlsCertificate", cert.Name),
	}}, nil
}

func updateLoadBalancerAttribute(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in struct {
		LoadBalancerName string `json:"loadBalancerName"`
		AttributeName    string `json:"attributeName"`
		AttributeValue   string `json:"attributeValue"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	lb, err := l.lb(c.region, in.LoadBalancerName)
	if err != nil {
		return nil, err
	}
	if in.AttributeValue == "" {
		return nil, invalid("The attributeValue parameter is required.")
	}
	httpsOn := slices.ContainsFunc(l.lbCerts(lb), func(cs *certState) bool { return cs.IsAttached })
	switch in.AttributeName {
	case "HealthCheckPath":
		if !strings.HasPrefix(in.AttributeValue, "/") {
			return nil, invalid("The HealthCheckPath %q must start with a slash.", in.AttributeValue)
		}
		lb.HealthCheckPath = in.AttributeValue
	case "SessionStickinessEnabled":
		b, perr := strconv.ParseBool(in.AttributeValue)
		if perr != nil {
			return nil, invalid("The SessionStickinessEnabled value %q must be true or false.", in.AttributeValue)
		}
		lb.ConfigurationOptions[in.AttributeName] = strconv.FormatBool(b)
	case "SessionStickiness_LB_CookieDurationSeconds":
		n, perr := strconv.Atoi(in.AttributeValue)
		if perr != nil || n < 1 || n > 604800 {
			return nil, invalid("The cookie duration %q must be a number of seconds from 1 to 604800.", in.AttributeValue)
		}
		lb.ConfigurationOptions[in.AttributeName] = strconv.Itoa(n)
	case "HttpsRedirectionEnabled":
		b, perr := strconv.ParseBool(in.AttributeValue)
		if perr != nil {
			return nil, invalid("The HttpsRedirectionEnabled value %q must be true or false.", in.AttributeValue)
		}
		if !httpsOn {
			return nil, invalid("HTTPS redirection cannot be enabled on load balancer %s because it has no attached, valid TLS certificate.", lb.Name)
		}
		lb.HTTPSRedirectionEnabled = b
	case "TlsPolicyName":
		if !knownTLSPolicy(in.AttributeValue) {
			return nil, invalid("The TLS security policy %q does not exist. Use GetLoadBalancerTlsPolicies to list valid names.", in.AttributeValue)
		}
		if !httpsOn {
			return nil, invalid("A TLS security policy cannot be set on load balancer %s because it has no attached, valid TLS certificate.", lb.Name)
		}
		lb.TLSPolicyName = in.AttributeValue
	default:
		return nil, invalid("The attributeName %q is not valid.", in.AttributeName)
	}
	l.refreshLB(lb)
	return map[string]any{"operations": []Operation{
		l.newOp(c, lb.Name, "LoadBalancer", "UpdateLoadBalancerAttribute", in.AttributeName+"="+in.AttributeValue),
	}}, nil
}

func getLoadBalancerTLSPolicies(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	return map[string]any{"tlsPolicies": tlsPolicies}, nil
}

// ----- domains -----

// domainRegionCheck mirrors AWS: the DNS zone APIs exist only in us-east-1.
func domainRegionCheck(c *reqCtx) *apiError {
	if c.region != "us-east-1" {
		return invalid("Domain-related APIs are only available in the N. Virginia (us-east-1) Region. Please set your AWS Region configuration to us-east-1 to create, view, or edit these resources.")
	}
	return nil
}

func (l *lightsail) domain(name string) (*Domain, *apiError) {
	if name == "" {
		return nil, invalid("The domainName parameter is required.")
	}
	for _, d := range l.domains {
		if d.Name == dnsName(name) {
			return d, nil
		}
	}
	return nil, notFound("Domain", name)
}

func getDomains(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	if err := domainRegionCheck(c); err != nil {
		return nil, err
	}
	all := []Domain{}
	for _, d := range l.domains {
		all = append(all, *d)
	}
	return listPage(l, body, "domains", all)
}

func getDomain(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	if err := domainRegionCheck(c); err != nil {
		return nil, err
	}
	var in struct {
		DomainName string `json:"domainName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	d, err := l.domain(in.DomainName)
	if err != nil {
		return nil, err
	}
	return map[string]any{"domain": *d}, nil
}

type domainEntryInput struct {
	DomainName  string          `json:"domainName"`
	DomainEntry *domainEntryArg `json:"domainEntry"`
}

type domainEntryArg struct {
	ID      string            `json:"id"`
	Name    string            `json:"name"`
	Target  string            `json:"target"`
	IsAlias bool              `json:"isAlias"`
	Type    string            `json:"type"`
	Options map[string]string `json:"options"`
}

var domainEntryTypes = []string{"A", "AAAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT"}

// domainEntryRequest reads a Create/DeleteDomainEntry request: us-east-1 only, and the zone must exist.
func domainEntryRequest(l *lightsail, c *reqCtx, body []byte) (*Domain, *domainEntryArg, *apiError) {
	if err := domainRegionCheck(c); err != nil {
		return nil, nil, err
	}
	var in domainEntryInput
	if err := decode(body, &in); err != nil {
		return nil, nil, err
	}
	d, err := l.domain(in.DomainName)
	if err != nil {
		return nil, nil, err
	}
	return d, in.DomainEntry, nil
}

func createDomainEntry(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	d, de, err := domainEntryRequest(l, c, body)
	if err != nil {
		return nil, err
	}
	if de == nil || de.Name == "" || de.Target == "" || de.Type == "" {
		return nil, invalid("The domainEntry parameter needs name, target and type.")
	}
	if !slices.Contains(domainEntryTypes, de.Type) {
		return nil, invalid("The domain entry type %q is not valid. Valid values are %s.", de.Type, strings.Join(domainEntryTypes, ", "))
	}
	// Entry names are fully qualified: a name outside the zone means the
	// caller mixed up zones (or passed a bare label).
	name := dnsName(de.Name)
	if name != d.Name && !strings.HasSuffix(name, "."+d.Name) {
		return nil, invalid("The domain entry name %q is not in the domain %s; use the fully qualified name.", de.Name, d.Name)
	}
	for _, e := range d.DomainEntries {
		if dnsName(e.Name) == name && e.Type == de.Type && (de.Type == "CNAME" || e.Target == de.Target) {
			return nil, invalid("The domain entry %s %s already exists in %s.", de.Type, de.Name, d.Name)
		}
	}
	entry := DomainEntry{ID: "-" + randHex(12), Name: name, Target: de.Target, IsAlias: de.IsAlias, Type: de.Type}
	d.DomainEntries = append(d.DomainEntries, entry)
	return map[string]any{"operation": l.newOp(c, d.Name, "Domain", "CreateDomainEntry", entry.Type+" "+entry.Name)}, nil
}

func deleteDomainEntry(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	d, de, err := domainEntryRequest(l, c, body)
	if err != nil {
		return nil, err
	}
	if de == nil {
		return nil, invalid("The domainEntry parameter is required.")
	}
	i := slices.IndexFunc(d.DomainEntries, func(e DomainEntry) bool {
		if de.ID != "" {
			return e.ID == de.ID
		}
		return dnsName(e.Name) == dnsName(de.Name) && e.Type == de.Type && (de.Target == "" || e.Target == de.Target)
	})
	if i < 0 {
		return nil, notFound("DomainEntry", de.Type+" "+de.Name)
	}
	entry := d.DomainEntries[i]
	d.DomainEntries = slices.Delete(d.DomainEntries, i, i+1)
	return map[string]any{"operation": l.newOp(c, d.Name, "Domain", "DeleteDomainEntry", entry.Type+" "+entry.Name)}, nil
}

// ----- instance HTTPS setup -----

func setupInstanceHTTPS(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in struct {
		InstanceName        string   `json:"instanceName"`
		EmailAddress        string   `json:"emailAddress"`
		DomainNames         []string `json:"domainNames"`
		CertificateProvider string   `json:"certificateProvider"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	inst, err := l.instance(c.region, in.InstanceName)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(in.EmailAddress, "@") {
		return nil, invalid("The emailAddress %q is not a valid email address.", in.EmailAddress)
	}
	if len(in.DomainNames) < 1 || len(in.DomainNames) > 10 {
		return nil, invalid("Specify from 1 to 10 domainNames; %d were given.", len(in.DomainNames))
	}
	for _, d := range in.DomainNames {
		if err := checkCertDomain(d); err != nil {
			return nil, err
		}
	}
	if in.CertificateProvider != "LetsEncrypt" {
		return nil, invalid("The certificateProvider %q is not valid. The only valid value is LetsEncrypt.", in.CertificateProvider)
	}
	op := l.newOp(c, inst.Name, "Instance", "SetupInstanceHttps", strings.Join(in.DomainNames, ","))
	step := func(name, cmd string) SetupExecutionDetails {
		return SetupExecutionDetails{Command: cmd, DateTime: ts(c.now), Name: name, Status: "inProgress", Version: "1"}
	}
	l.setups = append(l.setups, &setupState{
		SetupHistory: SetupHistory{
			OperationID: op.ID,
			Request:     SetupRequest{InstanceName: inst.Name, DomainNames: slices.Clone(in.DomainNames), CertificateProvider: in.CertificateProvider},
			Resource: SetupHistoryResource{Name: inst.Name, Arn: inst.Arn, CreatedAt: inst.CreatedAt,
				Location: inst.Location, ResourceType: "Instance"},
			ExecutionDetails: []SetupExecutionDetails{
				step("certbot", "certbot certonly --webroot -d "+strings.Join(in.DomainNames, " -d ")),
				step("configure-web-server", "/opt/bitnami/lightsail/scripts/https-rewrite.py"),
			},
			Status: "inProgress",
		},
		doneAt: c.now.Add(l.opts.OperationDelay),
	})
	return map[string]any{"operations": []Operation{op}}, nil
}

func getSetupHistory(l *lightsail, c *reqCtx, body []byte) (any, *apiError) {
	var in struct {
		ResourceName string `json:"resourceName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	inst, err := l.instance(c.region, in.ResourceName)
	if err != nil {
		return nil, err
	}
	out := []SetupHistory{}
	for i := len(l.setups) - 1; i >= 0 && len(out) < 5; i-- { // the last five runs, newest first
		if s := l.setups[i]; s.Resource.Name == inst.Name {
			out = append(out, s.SetupHistory)
		}
	}
	return map[string]any{"setupHistory": out}, nil
}

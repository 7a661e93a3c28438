package emulator

import (
	"fmt"
	"time"
)

// scenarioEpoch is when scenario resources were "created"; fixed so State()
// snapshots of two emulators in the same scenario compare equal.
var scenarioEpoch = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func (l *lightsail) loadScenario(name string) error {
	switch name {
	case "empty":
		return nil
	case "wordpress-fresh":
		l.instances = []*instanceState{l.wordpressInstance(openRules())}
		l.domains = []*Domain{l.exampleDomain()}
		return nil
	case "wordpress-hardened":
		l.loadHardened()
		return nil
	case ScenarioLightsailFresh:
		l.instances = []*instanceState{l.lightsailInstance()}
		l.domains = []*Domain{l.exampleDomain()}
		return nil
	case ScenarioUbuntuFresh:
		l.instances = []*instanceState{l.ubuntuInstance()}
		return nil
	case ScenarioFleet:
		l.loadFleet()
		return nil
	default:
		return fmt.Errorf("unknown scenario %q (want wordpress-fresh, wordpress-hardened, %s, %s, %s or empty)", name, ScenarioLightsailFresh, ScenarioUbuntuFresh, ScenarioFleet)
	}
}

// Scenarios by blueprint flavour: "wordpress-fresh" is a new instance of the WordPress blueprint
// packaged by Bitnami (user bitnami, 22/80/443 open to all); ScenarioLightsailFresh is one of the
// WordPress blueprint packaged by Lightsail (user admin, port 22 restricted at launch).
const ScenarioLightsailFresh = "wordpress-lightsail-fresh"

// Blueprint fields GetInstance reports for the WordPress blueprint packaged by Lightsail.
// UNVERIFIED upstream (lightsail-notes §G): no AWS document shows them; plausible values, so that
// hardsail treats them only as the hint shown before SSH is up and detects the flavour on the host.
const (
	LightsailBlueprintID   = "wordpress_lightsail"
	LightsailBlueprintName = "WordPress"
)

// lightsailInstance is a fresh instance of the Lightsail-packaged blueprint: SSH user admin and
// "port 22 restricted on launch" (the migration guide's words) to the browser client's ranges
// (the lightsail-connect alias; UNVERIFIED which ranges exactly), so SSH from the caller's own
// address is refused until the firewall allows it; 80 and 443 open to all.
func (l *lightsail) lightsailInstance() *instanceState {
	rules := openRules()
	ssh, _ := normalizeRule(PortInfo{FromPort: 22, ToPort: 22, Protocol: "tcp", CidrListAliases: []string{"lightsail-connect"}})
	rules[0] = ssh
	inst := l.wordpressInstance(rules)
	inst.BlueprintID = LightsailBlueprintID
	inst.BlueprintName = LightsailBlueprintName
	inst.Username = "admin"
	inst.MetadataOptions.HTTPTokens = "required" // IMDSv2 only (lightsail-notes §H: Bitnami shows optional)
	return inst
}

// ScenarioUbuntuFresh is a new instance of Lightsail's OS-only Ubuntu 24.04 blueprint (user
// ubuntu, no WordPress), for the steps that configure the operating system.
const ScenarioUbuntuFresh = "ubuntu-24.04-fresh"

// ubuntuInstance has the blueprint fields of Lightsail's Ubuntu 24.04 LTS and the OS-only
// blueprints' default firewall (22 and 80 open to all).
func (l *lightsail) ubuntuInstance() *instanceState {
	inst := l.wordpressInstance(openRules()[:2])
	inst.Name = "Ubuntu-1"
	inst.Arn = fmt.Sprintf("arn:aws:lightsail:%s:%s:Instance/1a3c7d2e-6b8f-4d9a-8e2b-4c9f3a5b7d02", l.opts.Region, AccountID)
	inst.BlueprintID = "ubuntu_24_04"
	inst.BlueprintName = "Ubuntu"
	inst.Username = "ubuntu"
	return inst
}

// openRules is the WordPress blueprint's default firewall: 22/80/443 from anywhere.
func openRules() []InstancePortInfo {
	var rules []InstancePortInfo
	for _, p := range []int32{22, 80, 443} {
		r, _ := normalizeRule(PortInfo{FromPort: p, ToPort: p, Protocol: "tcp", Cidrs: []string{"0.0.0.0/0"}, Ipv6Cidrs: []string{"::/0"}})
		rules = append(rules, r)
	}
	return rules
}

func (l *lightsail) wordpressInstance(rules []InstancePortInfo) *instanceState {
	region := l.opts.Region
	return &instanceState{Instance: Instance{
		Name:             "WordPress-1",
		Arn:              fmt.Sprintf("arn:aws:lightsail:%s:%s:Instance/0f2b6c1e-5a7d-4c7e-9d1a-3b8e2f4a6c01", region, AccountID),
		SupportCode:      "123456789012/i-0abc1234def567890",
		CreatedAt:        ts(scenarioEpoch),
		Location:         l.location(region),
		ResourceType:     "Instance",
		BlueprintID:      "wordpress",
		BlueprintName:    "WordPress",
		BundleID:         "small_3_0",
		AddOns:           []AddOn{},
		PrivateIPAddress: "172.26.5.10",
		PublicIPAddress:  "192.0.2.10",
		Ipv6Addresses:    []string{"2001:db8:1000::10"},
		IPAddressType:    "dualstack",
		Hardware:         &InstanceHardware{CPUCount: 2, RAMSizeInGb: 2},
		Networking:       InstanceNetworking{MonthlyTransfer: &MonthlyTransfer{GbPerMonthAllocated: 3072}, Ports: rules},
		State:            InstanceState{Code: 16, Name: "running"},
		Username:         "bitnami",
		SSHKeyName:       "LightsailDefaultKeyPair",
		// Bitnami WordPress instances report httpTokens optional (lightsail-notes §H); the hop limit
		// and IPv6 endpoint are EC2's defaults, UNVERIFIED for Lightsail.
		MetadataOptions: &MetadataOptions{State: "applied", HTTPTokens: "optional", HTTPEndpoint: "enabled",
			HTTPPutResponseHopLimit: 1, HTTPProtocolIpv6: "disabled"},
	}}
}

func (l *lightsail) exampleDomain() *Domain {
	return &Domain{
		Name:         "example.com",
		Arn:          "arn:aws:lightsail:global:" + AccountID + ":Domain/7e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
		CreatedAt:    ts(scenarioEpoch),
		Location:     ResourceLocation{AvailabilityZone: "all", RegionName: "global"},
		ResourceType: "Domain",
		DomainEntries: []DomainEntry{
			{ID: "-1001", Name: "example.com", Target: "192.0.2.10", Type: "A"},
			{ID: "-1002", Name: "www.example.com", Target: "192.0.2.10", Type: "A"},
			{ID: "-1003", Name: "example.com", Target: "ns-1.awsdns-01.org", Type: "NS"},
		},
	}
}

// loadHardened is the state hardsail should leave behind: SSH only from the
// admin's address and the browser client, automatic snapshots, and HTTPS via
// a load balancer with a validated certificate, redirect and a TLS1.2 policy.
func (l *lightsail) loadHardened() {
	rules := openRules()
	ssh, _ := normalizeRule(PortInfo{FromPort: 22, ToPort: 22, Protocol: "tcp",
		Cidrs: []string{"198.51.100.4/32"}, CidrListAliases: []string{"lightsail-connect"}})
	rules[0] = ssh
	inst := l.wordpressInstance(rules)
	inst.AddOns = []AddOn{{Name: "AutoSnapshot", Status: "Enabled", SnapshotTimeOfDay: "06:00", NextSnapshotTimeOfDay: "06:00"}}
	inst.MetadataOptions.HTTPTokens = "required"
	l.instances = []*instanceState{inst}
	dom := l.exampleDomain()
	l.domains = []*Domain{dom}

	region := l.opts.Region
	lb := &lbState{
		LoadBalancer: LoadBalancer{
			Name: "WordPress-LB", Arn: fmt.Sprintf("arn:aws:lightsail:%s:%s:LoadBalancer/5d8c0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f", region, AccountID),
			CreatedAt: ts(scenarioEpoch), Location: ResourceLocation{RegionName: region, AvailabilityZone: "all"},
			ResourceType: "LoadBalancer", DNSName: "0123456789abcdef0123456789abcdef-123456789." + region + ".elb.amazonaws.com",
			State: "active", HealthCheckPath: "/", InstancePort: 80,
			ConfigurationOptions: map[string]string{
				"SessionStickinessEnabled":                   "false",
				"SessionStickiness_LB_CookieDurationSeconds": "86400",
			},
			IPAddressType: "dualstack", HTTPSRedirectionEnabled: true, TLSPolicyName: "TLS-FS-Res-1-2-2019-08",
		},
		attached: []string{inst.Name},
	}
	cert := &certState{LoadBalancerTLSCertificate: LoadBalancerTLSCertificate{
		Name: "example-com", Arn: fmt.Sprintf("arn:aws:lightsail:%s:%s:LoadBalancerTlsCertificate/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", region, AccountID),
		CreatedAt: ts(scenarioEpoch), Location: ResourceLocation{RegionName: region, AvailabilityZone: "all"},
		ResourceType: "LoadBalancerTlsCertificate", LoadBalancerName: lb.Name, IsAttached: true,
		Status: "PENDING_VALIDATION", DomainName: "example.com", SubjectAlternativeNames: []string{"example.com", "www.example.com"},
	}}
	for i, d := range cert.SubjectAlternativeNames {
		rec := DomainValidationRecord{
			Name: fmt.Sprintf("_%032x.%s.", i+1, d), Type: "CNAME",
			Value: fmt.Sprintf("_%032x.validation.acm-validations.aws.", i+101), ValidationStatus: "PENDING_VALIDATION", DomainName: d,
		}
		cert.DomainValidationRecords = append(cert.DomainValidationRecords, rec)
		dom.DomainEntries = append(dom.DomainEntries, DomainEntry{ID: fmt.Sprintf("-%d", 2001+i), Name: dnsName(rec.Name), Target: rec.Value, Type: "CNAME"})
	}
	l.issue(cert, scenarioEpoch)
	cert.Serial = "0a:1b:2c:3d"
	l.certs = []*certState{cert}
	l.lbs = []*lbState{lb}
	l.refreshLB(lb)
}

// ScenarioFleet is an agency's account: Options.FleetSize WordPress instances (default 100) spread
// over FleetRegions, both blueprint flavours in turn, plus one instance that is not WordPress
// (Node-1 in the first region). Every twentieth instance from the 8th is stopped, from the 14th has
// SSH closed (port 22 admits only lightsail-connect), and from the 18th has a login user no host
// has, so its temporary key is refused. The others admit SSH from anywhere. Instance i is named
// wp-NNN (NNN = i+1, three digits) and is Bitnami-packaged when i is even. Options.FleetNoFaults
// leaves out the faults: every instance running and reachable.
const ScenarioFleet = "fleet"

// FleetRegions are the regions of the fleet scenario, in the order instances are dealt to them.
var FleetRegions = []string{"us-east-1", "eu-west-1", "eu-central-1", "ap-northeast-1"}

// Fleet faults, by an instance's index modulo 20.
const (
	FleetStopped     = 7
	FleetSSHClosed   = 13
	FleetKeyRefused  = 17
	fleetFaultPeriod = 20
)

func (l *lightsail) loadFleet() {
	n := l.opts.FleetSize
	if n <= 0 {
		n = 100
	}
	for i := range n {
		region := FleetRegions[i%len(FleetRegions)]
		var inst *instanceState
		if i%2 == 0 {
			inst = l.wordpressInstance(openRules())
		} else {
			inst = l.lightsailInstance()
			inst.Networking.Ports = openRules()
		}
		inst.Name = fmt.Sprintf("wp-%03d", i+1)
		inst.Arn = fmt.Sprintf("arn:aws:lightsail:%s:%s:Instance/0f2b6c1e-5a7d-4c7e-9d1a-%012x", region, AccountID, i+1)
		inst.SupportCode = fmt.Sprintf("%s/i-%017x", AccountID, i+1)
		inst.Location = l.location(region)
		inst.PublicIPAddress = fmt.Sprintf("203.0.%d.%d", 113+i/250, 1+i%250)
		inst.Ipv6Addresses = []string{fmt.Sprintf("2001:db8:%x::10", 0x2000+i)}
		fault := i % fleetFaultPeriod
		if l.opts.FleetNoFaults {
			fault = -1
		}
		switch fault {
		case FleetStopped:
			inst.State = InstanceState{Code: 80, Name: "stopped"}
			inst.PublicIPAddress = ""
		case FleetSSHClosed:
			ssh, _ := normalizeRule(PortInfo{FromPort: 22, ToPort: 22, Protocol: "tcp", CidrListAliases: []string{"lightsail-connect"}})
			inst.Networking.Ports[0] = ssh
		case FleetKeyRefused:
			inst.Username = "wp-deploy"
		}
		l.instances = append(l.instances, inst)
	}
	node := l.ubuntuInstance()
	node.Name, node.BlueprintID, node.BlueprintName = "Node-1", "nodejs", "Node.js"
	node.Location = l.location(FleetRegions[0])
	l.instances = append(l.instances, node)
}

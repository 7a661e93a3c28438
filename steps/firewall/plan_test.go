package firewall

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/steps"
)

func open(port int32) Rule { return webRule(port) }

func stock() []Rule { return []Rule{open(22), open(80), open(443)} }

func rule(from, to int32, proto string, cidrs ...string) Rule {
	r := Rule{FromPort: from, ToPort: to, Protocol: proto}
	for _, c := range cidrs {
		if strings.Contains(c, ":") {
			r.IPv6CIDRs = append(r.IPv6CIDRs, c)
		} else {
			r.CIDRs = append(r.CIDRs, c)
		}
	}
	return r
}

func facts(source string, rules ...Rule) Facts {
	return Facts{Instance: "WordPress-1", Rules: sortedRules(mergeRules(rules)), Source: source}
}

// line renders a change the way a preview shows it.
func line(c steps.Change) string {
	return string(c.Action) + " " + c.Address + ": " + c.Before + " -> " + c.After
}

func TestPlan(t *testing.T) {
	hardened := Rule{FromPort: 22, ToPort: 22, Protocol: "tcp", CIDRs: []string{"198.51.100.4/32"}, Aliases: []string{ConnectAlias}}
	cases := []struct {
		name     string
		facts    Facts
		settings steps.Settings
		changes  []string
		findings []string // substrings, one per finding
		notes    []string // substrings, one per note
	}{
		{
			name:  "stock firewall, SSH narrowed to this session's address",
			facts: facts("198.51.100.4/32", stock()...),
			changes: []string{
				"~ lightsail:WordPress-1/firewall/22-tcp: 0.0.0.0/0, ::/0 -> 198.51.100.4/32 + lightsail-connect",
			},
		},
		{
			name:    "an IPv6 session gets a /128 in the IPv6 list",
			facts:   facts("2001:db8::7/128", stock()...),
			changes: []string{"~ lightsail:WordPress-1/firewall/22-tcp: 0.0.0.0/0, ::/0 -> 2001:db8::7/128 + lightsail-connect"},
		},
		{
			name:     "--ssh-cidr with both families, bare addresses taken as single hosts",
			facts:    facts("", stock()...),
			settings: steps.Settings{SSHCIDRs: []string{"2001:db8::1", "203.0.113.0/24", "198.51.100.4"}},
			changes:  []string{"~ lightsail:WordPress-1/firewall/22-tcp: 0.0.0.0/0, ::/0 -> 198.51.100.4/32, 203.0.113.0/24, 2001:db8::1/128 + lightsail-connect"},
		},
		{
			name:     "--ssh-cidr none keeps only the browser console",
			facts:    facts("", stock()...),
			settings: steps.Settings{SSHCIDRs: []string{"none"}},
			changes:  []string{"~ lightsail:WordPress-1/firewall/22-tcp: 0.0.0.0/0, ::/0 -> lightsail-connect"},
		},
		{
			name:  "hardened firewall is compliant",
			facts: facts("198.51.100.4/32", hardened, open(80), open(443)),
		},
		{
			name: "read-back spellings (bare address, unsorted, duplicate rule) still compare equal",
			facts: facts("198.51.100.4/32",
				Rule{FromPort: 22, ToPort: 22, Protocol: "tcp", CIDRs: []string{"198.51.100.4"}},
				Rule{FromPort: 22, ToPort: 22, Protocol: "tcp", Aliases: []string{ConnectAlias}},
				Rule{FromPort: 443, ToPort: 443, Protocol: "tcp", IPv6CIDRs: []string{"::/0"}, CIDRs: []string{"0.0.0.0/0"}},
				open(80)),
		},
		{
			name:  "web ports missing or narrowed are opened to everyone on both families",
			facts: facts("198.51.100.4/32", hardened, rule(80, 80, "tcp", "0.0.0.0/0")),
			changes: []string{
				"~ lightsail:WordPress-1/firewall/80-tcp: 0.0.0.0/0 -> 0.0.0.0/0, ::/0",
				"+ lightsail:WordPress-1/firewall/443-tcp:  -> 0.0.0.0/0, ::/0",
			},
		},
		{
			name:     "3306 open is a finding, not a change",
			facts:    facts("198.51.100.4/32", hardened, open(80), open(443), rule(3306, 3306, "tcp", "0.0.0.0/0")),
			findings: []string{"Port 3306/tcp is open to 0.0.0.0/0 (usually MySQL/MariaDB)."},
		},
		{
			name:     "--close-port 3306/tcp closes it and leaves 8080 reported",
			facts:    facts("198.51.100.4/32", hardened, open(80), open(443), rule(3306, 3306, "tcp", "0.0.0.0/0"), rule(8080, 8080, "tcp", "0.0.0.0/0", "::/0")),
			settings: steps.Settings{ClosePorts: []string{"3306/tcp"}},
			changes:  []string{"- lightsail:WordPress-1/firewall/3306-tcp: 0.0.0.0/0 -> "},
			findings: []string{"Port 8080/tcp is open to 0.0.0.0/0, ::/0"},
		},
		{
			name:     "--close-port all closes every other port, ICMP included",
			facts:    facts("198.51.100.4/32", hardened, open(80), open(443), rule(3306, 3306, "tcp", "0.0.0.0/0"), rule(8, -1, "icmp", "0.0.0.0/0")),
			settings: steps.Settings{ClosePorts: []string{"all"}},
			changes: []string{
				"- lightsail:WordPress-1/firewall/8-icmp: 0.0.0.0/0 -> ",
				"- lightsail:WordPress-1/firewall/3306-tcp: 0.0.0.0/0 -> ",
			},
		},
		{
			name:     "a rule for every port is flagged as defeating the SSH restriction",
			facts:    facts("198.51.100.4/32", hardened, open(80), open(443), rule(0, 65535, "-1", "0.0.0.0/0")),
			findings: []string{"Port 0-65535/all is open to 0.0.0.0/0; it also lets those addresses reach SSH"},
		},
		{
			name:     "ping is reported as information",
			facts:    facts("198.51.100.4/32", hardened, open(80), open(443), rule(8, -1, "icmp", "0.0.0.0/0")),
			findings: []string{"Port 8/icmp is open to 0.0.0.0/0."},
		},
		{
			name:     "close requests that match nothing or a managed port are explained",
			facts:    facts("198.51.100.4/32", hardened, open(80), open(443)),
			settings: steps.Settings{ClosePorts: []string{"5432", "22/tcp"}},
			notes:    []string{"--close-port 5432/tcp: no such port is open.", "--close-port 22/tcp: hardsail manages 22, 80 and 443"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := steps.State{Step: ID, Facts: tc.facts}
			p, err := New().Plan(st, tc.settings)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range p.Changes {
				got = append(got, line(c))
				if c.Why == "" {
					t.Errorf("%s has no why", c.Address)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.changes, "\n") {
				t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.changes, "\n"))
			}
			found := findings(tc.facts, tc.settings)
			if len(found) != len(tc.findings) {
				t.Fatalf("findings %+v, want %d", found, len(tc.findings))
			}
			for i, f := range found {
				if !strings.Contains(f.Message, tc.findings[i]) || !strings.HasPrefix(f.Fix, "hardsail apply firewall --close-port ") {
					t.Errorf("finding %+v, want it to say %q with a --close-port fix", f, tc.findings[i])
				}
			}
			if len(p.Notes) != len(tc.notes) {
				t.Fatalf("notes %q, want %d", p.Notes, len(tc.notes))
			}
			for i, n := range p.Notes {
				if !strings.Contains(n, tc.notes[i]) {
					t.Errorf("note %q, want it to say %q", n, tc.notes[i])
				}
			}
			again, _ := New().Plan(st, tc.settings)
			if a, b := mustJSON(t, p), mustJSON(t, again); a != b {
				t.Errorf("the same facts and settings gave another plan:\n%s\n%s", a, b)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPlanSeverities(t *testing.T) {
	p, err := New().Plan(steps.State{Facts: facts("198.51.100.4/32", stock()[1:]...)}, steps.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Action != steps.Create {
		t.Fatalf("with 22 closed, want it created; got %+v", p.Changes)
	}
	sev := map[string]string{}
	for _, f := range findings(facts("198.51.100.4/32", append(stock(), rule(8, -1, "icmp", "0.0.0.0/0"), rule(3306, 3306, "tcp", "0.0.0.0/0"))...), steps.Settings{}) {
		sev[strings.Fields(f.Message)[1]] = f.Severity
	}
	if sev["8/icmp"] != "info" || sev["3306/tcp"] != "warning" {
		t.Errorf("severities %v, want ping info and 3306 warning", sev)
	}
}

func TestPlanWithoutSource(t *testing.T) {
	_, err := New().Plan(steps.State{Facts: facts("", stock()...)}, steps.Settings{})
	var se *SourceError
	if !errors.As(err, &se) {
		t.Fatalf("want a SourceError, got %v", err)
	}
	if h := steps.HintOf(err); !strings.Contains(h, "--ssh-cidr YOUR.IP/32") {
		t.Errorf("hint %q does not say to pass --ssh-cidr YOUR.IP/32", h)
	}
}

func TestPlanNotesAnAddressLeftOut(t *testing.T) {
	f := facts("", stock()...)
	f.Seen = "127.0.0.1/32"
	p, err := New().Plan(steps.State{Facts: f}, steps.Settings{SSHCIDRs: []string{"203.0.113.7/32"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "127.0.0.1/32, which --ssh-cidr leaves out") {
		t.Errorf("notes %q, want a warning that 127.0.0.1 is left out", p.Notes)
	}
	// Seen is not part of the fingerprint: the same firewall seen from elsewhere is the same state.
	g := f
	g.Seen = "192.0.2.99/32"
	if (steps.State{Facts: f}).Fingerprint() != (steps.State{Facts: g}).Fingerprint() {
		t.Error("the seen address changed the fingerprint although --ssh-cidr decides the plan")
	}
	h := f
	h.Source = "192.0.2.99/32"
	if (steps.State{Facts: f}).Fingerprint() == (steps.State{Facts: h}).Fingerprint() {
		t.Error("another source address gave the same fingerprint")
	}
}

func TestKeysAndSources(t *testing.T) {
	cases := []struct {
		rule    Rule
		key     string
		sources string
	}{
		{open(22), "22/tcp", "0.0.0.0/0, ::/0"},
		{rule(8000, 8100, "udp", "10.0.0.0/8"), "8000-8100/udp", "10.0.0.0/8"},
		{rule(8, -1, "icmp"), "8/icmp", ""},
		{rule(-1, -1, "icmpv6"), "any/icmpv6", ""},
		{rule(3, 4, "icmp"), "3:4/icmp", ""},
		{Rule{FromPort: 22, ToPort: 22, Protocol: "tcp", Aliases: []string{ConnectAlias}}, "22/tcp", "lightsail-connect"},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			if got := tc.rule.Key(); got != tc.key {
				t.Errorf("key %q, want %q", got, tc.key)
			}
			if got := tc.rule.Sources(); got != tc.sources {
				t.Errorf("sources %q, want %q", got, tc.sources)
			}
		})
	}
}

func TestSourcePrefix(t *testing.T) {
	cases := []struct{ in, want string }{
		{"127.0.0.1 40022 22", "127.0.0.1/32"},
		{"198.51.100.4", "198.51.100.4/32"},
		{"::ffff:198.51.100.4 5 22", "198.51.100.4/32"},
		{"2001:db8::5 40022 22", "2001:db8::5/128"},
		{"", ""},
		{"not-an-address 1 22", ""},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			p, err := sourcePrefix(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("want an error, got %s", p)
				}
				return
			}
			if err != nil || p.String() != tc.want {
				t.Fatalf("got %v, %v; want %s", p, err, tc.want)
			}
		})
	}
}

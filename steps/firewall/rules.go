package firewall

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/hardsail/hardsail/steps"
)

// ConnectAlias is Lightsail's name for the browser SSH console's address ranges: the way back in
// that hardsail never closes.
const ConnectAlias = "lightsail-connect"

// Rule is one firewall rule: a port range and protocol open to some sources. IPv4 and IPv6 sources
// are separate lists because Lightsail keeps two independent firewalls.
type Rule struct {
	FromPort  int32    `json:"from_port"`
	ToPort    int32    `json:"to_port"`
	Protocol  string   `json:"protocol"`
	CIDRs     []string `json:"cidrs,omitempty"`
	IPv6CIDRs []string `json:"ipv6_cidrs,omitempty"`
	Aliases   []string `json:"aliases,omitempty"`
}

// Key names the rule's ports the way --close-port takes them: "3306/tcp", "8000-8100/tcp", "8/icmp".
func (r Rule) Key() string {
	if isICMP(r.Protocol) {
		t := "any"
		if r.FromPort >= 0 {
			t = strconv.Itoa(int(r.FromPort))
		}
		if r.ToPort == -1 || r.ToPort == r.FromPort {
			return t + "/" + r.Protocol
		}
		return fmt.Sprintf("%s:%d/%s", t, r.ToPort, r.Protocol)
	}
	if r.FromPort == r.ToPort {
		return fmt.Sprintf("%d/%s", r.FromPort, r.Protocol)
	}
	return fmt.Sprintf("%d-%d/%s", r.FromPort, r.ToPort, r.Protocol)
}

// pathKey is Key as the last element of an address: "22-tcp".
func (r Rule) pathKey() string {
	return strings.NewReplacer("/", "-", ":", "-").Replace(r.Key())
}

// Sources renders who may connect: "0.0.0.0/0, ::/0", "198.51.100.4/32 + lightsail-connect".
func (r Rule) Sources() string {
	addrs := strings.Join(slices.Concat(r.CIDRs, r.IPv6CIDRs), ", ")
	if len(r.Aliases) == 0 {
		return addrs
	}
	aliases := strings.Join(r.Aliases, " + ")
	if addrs == "" {
		return aliases
	}
	return addrs + " + " + aliases
}

func (r Rule) equal(o Rule) bool {
	return r.FromPort == o.FromPort && r.ToPort == o.ToPort && r.Protocol == o.Protocol &&
		slices.Equal(r.CIDRs, o.CIDRs) && slices.Equal(r.IPv6CIDRs, o.IPv6CIDRs) && slices.Equal(r.Aliases, o.Aliases)
}

// covers reports whether a TCP connection to port passes through this rule's port range.
func (r Rule) covers(port int32) bool {
	return (r.Protocol == "tcp" || r.Protocol == "all") && r.FromPort <= port && port <= r.ToPort
}

func isICMP(p string) bool { return p == "icmp" || p == "icmpv6" }

// canonical returns r with its protocol spelled as Put takes it, bare addresses as /32 or /128, and
// each source list sorted without duplicates, so rules read back compare equal to rules written.
func (r Rule) canonical() Rule {
	if r.Protocol == "-1" {
		// GetInstancePortStates has been seen to report "all" as -1 (terraform-provider-aws#36091).
		r.Protocol = "all"
	}
	r.Protocol = strings.ToLower(r.Protocol)
	norm := func(list []string) []string {
		out := make([]string, 0, len(list))
		for _, c := range list {
			if p, err := steps.ParseCIDR(c); err == nil {
				c = p.String()
			}
			out = append(out, c)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	r.CIDRs, r.IPv6CIDRs, r.Aliases = norm(r.CIDRs), norm(r.IPv6CIDRs), norm(r.Aliases)
	slices.Sort(r.Aliases)
	return r
}

// mergeRules canonicalises rules and folds rules for the same ports into one (their sources
// joined), keeping the order in which each key first appears.
func mergeRules(rules []Rule) []Rule {
	var out []Rule
	at := map[string]int{}
	for _, r := range rules {
		r = r.canonical()
		if i, ok := at[r.Key()]; ok {
			o := out[i]
			o.CIDRs = slices.Concat(o.CIDRs, r.CIDRs)
			o.IPv6CIDRs = slices.Concat(o.IPv6CIDRs, r.IPv6CIDRs)
			o.Aliases = slices.Concat(o.Aliases, r.Aliases)
			out[i] = o.canonical()
			continue
		}
		at[r.Key()] = len(out)
		out = append(out, r)
	}
	return out
}

// sortedRules orders rules by protocol and ports, for fingerprints and comparisons that must not
// depend on the order Lightsail lists them in.
func sortedRules(rules []Rule) []Rule {
	out := slices.Clone(rules)
	slices.SortFunc(out, func(a, b Rule) int {
		return cmp.Or(cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.FromPort, b.FromPort), cmp.Compare(a.ToPort, b.ToPort))
	})
	return out
}

// sameSet reports whether two firewalls admit the same traffic rule for rule, whatever their order.
func sameSet(a, b []Rule) bool {
	a, b = sortedRules(mergeRules(a)), sortedRules(mergeRules(b))
	return slices.EqualFunc(a, b, Rule.equal)
}

// describeSet renders a whole firewall, one rule per line, for the journal and three-way messages.
func describeSet(rules []Rule) string {
	if len(rules) == 0 {
		return "(no open ports)"
	}
	lines := make([]string, len(rules))
	for i, r := range rules {
		lines[i] = r.Key() + " from " + r.Sources()
	}
	return strings.Join(lines, "\n")
}

// sourcePrefix turns the host's view of this session's client (SSH_CLIENT: "ADDR PORT PORT", or a
// bare address) into the /32 or /128 the firewall should admit.
func sourcePrefix(sshClient string) (netip.Prefix, error) {
	f := strings.Fields(sshClient)
	if len(f) == 0 {
		return netip.Prefix{}, fmt.Errorf("the host did not report the address of this SSH session")
	}
	a, err := netip.ParseAddr(strings.Trim(f[0], "[]"))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("the host reported the SSH session's address as %q: %w", f[0], err)
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

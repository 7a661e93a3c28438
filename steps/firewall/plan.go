package firewall

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/hardsail/hardsail/steps"
)

// Facts is what Check read: the instance's firewall and, when no --ssh-cidr is set, the address
// SSH should stay open to.
type Facts struct {
	Instance string `json:"instance"`
	// Rules are the open ports, merged per port range and sorted.
	Rules []Rule `json:"rules"`
	// Source is this SSH session's address as the instance sees it (/32 or /128), recorded only when
	// it decides the plan (no --ssh-cidr): from another network the same firewall is a new plan.
	Source string `json:"source,omitempty"`
	// Seen is the same address when --ssh-cidr decides instead: it only feeds notes, hints and the
	// finding that SSH from here is not allowed, so it stays out of the fingerprint.
	Seen string `json:"-"`
	// Listed are Rules in Lightsail's own order, which is what undo puts back; out of the fingerprint
	// so that the order Lightsail lists them in never makes a plan stale.
	Listed []Rule `json:"-"`
	// Unreached is SSH that did not get through when Check ran (the firewall closed to this
	// computer): apply's guard then waits for the first connection instead of a second one.
	Unreached bool `json:"-"`
	// Port80For names the Let's Encrypt renewals on the host that prove the domain over port 80
	// (HTTP-01): port 80 is never closed, and a request to close it says why. Only feeds notes.
	Port80For []string `json:"-"`
}

// listed is the firewall in Lightsail's order when Check saw it, else sorted.
func (f Facts) listed() []Rule {
	if len(f.Listed) > 0 {
		return f.Listed
	}
	return f.Rules
}

// here is the session's address as Check found it, "" when it found none.
func (f Facts) here() string { return cmp.Or(f.Source, f.Seen) }

// webPorts are opened to everyone: the site must answer on both address families.
var webPorts = []int32{80, 443}

// commonNames say what usually listens on a port, so a finding means something to a site owner.
var commonNames = map[string]string{
	"21/tcp": "FTP", "23/tcp": "Telnet", "25/tcp": "SMTP", "110/tcp": "POP3", "143/tcp": "IMAP",
	"3306/tcp": "MySQL/MariaDB", "3389/tcp": "Remote Desktop", "5432/tcp": "PostgreSQL",
	"6379/tcp": "Redis", "8080/tcp": "an alternate web server", "8443/tcp": "an alternate HTTPS server",
	"9000/tcp": "PHP-FPM", "11211/tcp": "Memcached", "27017/tcp": "MongoDB",
}

func webRule(port int32) Rule {
	return Rule{FromPort: port, ToPort: port, Protocol: "tcp", CIDRs: []string{"0.0.0.0/0"}, IPv6CIDRs: []string{"::/0"}}
}

func managed(key string) bool { return key == "22/tcp" || key == "80/tcp" || key == "443/tcp" }

// closesNone reports whether the settings close SSH to everything but the browser console.
func closesNone(s steps.Settings) bool { return len(s.SSHCIDRs) == 1 && s.SSHCIDRs[0] == "none" }

// sshRule is the target for 22/tcp: the chosen sources (or this session's address) plus the
// browser console, which is always kept as the way back in.
func sshRule(s steps.Settings, f Facts) (Rule, error) {
	r := Rule{FromPort: 22, ToPort: 22, Protocol: "tcp", Aliases: []string{ConnectAlias}}
	list := s.SSHCIDRs
	switch {
	case closesNone(s):
		list = nil
	case len(list) == 0:
		if f.Source == "" {
			return r, &SourceError{Instance: f.Instance}
		}
		list = []string{f.Source}
	}
	for _, c := range list {
		p, err := parseSSHCIDR(c)
		if err != nil {
			return r, err
		}
		if p.Addr().Is4() {
			r.CIDRs = append(r.CIDRs, p.String())
		} else {
			r.IPv6CIDRs = append(r.IPv6CIDRs, p.String())
		}
	}
	return r.canonical(), nil
}

// closeRequests reads --close-port values: "all", or keys like "3306/tcp" ("3306" means tcp).
func closeRequests(s steps.Settings) (all bool, keys []string) {
	for _, c := range s.ClosePorts {
		c = strings.ToLower(strings.TrimSpace(c))
		switch {
		case c == "all":
			all = true
		case !strings.Contains(c, "/"):
			keys = append(keys, c+"/tcp")
		default:
			keys = append(keys, c)
		}
	}
	return all, keys
}

// target is the whole firewall hardsail wants: 22 for SSH, 80 and 443 for everyone, then every
// other open rule unless the user asked to close it.
func target(f Facts, s steps.Settings) ([]Rule, error) {
	ssh, err := sshRule(s, f)
	if err != nil {
		return nil, err
	}
	want := []Rule{ssh}
	for _, p := range webPorts {
		want = append(want, webRule(p))
	}
	return append(want, others(f, s)...), nil
}

// others are the open rules hardsail does not manage and leaves open: all but those the user asked
// to close.
func others(f Facts, s steps.Settings) []Rule {
	var out []Rule
	all, keys := closeRequests(s)
	for _, r := range f.Rules {
		if managed(r.Key()) || all || slices.Contains(keys, r.Key()) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// Plan compares the firewall with the target, one change per port rule.
func (fw *Step) Plan(st steps.State, s steps.Settings) (steps.Plan, error) {
	f, err := steps.FactsOf[Facts](st)
	if err != nil {
		return steps.Plan{}, err
	}
	want, err := target(f, s)
	if err != nil {
		return steps.Plan{}, err
	}
	p := steps.Plan{Step: ID}
	live := map[string]Rule{}
	for _, r := range f.Rules {
		live[r.Key()] = r
	}
	kept := map[string]bool{}
	for _, r := range want {
		kept[r.Key()] = true
		old, had := live[r.Key()]
		switch {
		case !had:
			p.Changes = append(p.Changes, fw.change(f, s, steps.Create, Rule{}, r))
		case !old.equal(r):
			p.Changes = append(p.Changes, fw.change(f, s, steps.Update, old, r))
		}
	}
	for _, r := range f.Rules {
		if !kept[r.Key()] {
			p.Changes = append(p.Changes, fw.change(f, s, steps.Delete, r, Rule{}))
		}
	}
	p.Notes = notes(f, s, want)
	return p, nil
}

func (fw *Step) change(f Facts, s steps.Settings, a steps.Action, before, after Rule) steps.Change {
	r := after
	if a == steps.Delete {
		r = before
	}
	c := steps.Change{Action: a, Address: address(f.Instance) + "/" + r.pathKey(),
		Before: before.Sources(), After: after.Sources()}
	switch {
	case a == steps.Delete:
		c.Why = fmt.Sprintf("You asked to close %s (--"+flagClosePort+"); nothing on the internet can reach it afterwards.", r.Key())
	case r.Key() == "22/tcp" && closesNone(s):
		c.Why = "SSH is closed to the internet (--ssh-cidr none); Lightsail's browser SSH still gets in."
	case r.Key() == "22/tcp" && len(s.SSHCIDRs) == 0:
		c.Why = "Only your address (as the instance sees it) and Lightsail's browser SSH may try to log in, not the whole internet."
	case r.Key() == "22/tcp":
		c.Why = "Only the addresses you chose (--ssh-cidr) and Lightsail's browser SSH may try to log in, not the whole internet."
	default:
		c.Why = "Visitors must reach the website over both IPv4 and IPv6."
	}
	return c
}

func address(instance string) string { return "lightsail:" + instance + "/firewall" }

// findings are what Check reports but the plan does not change: open ports hardsail leaves alone
// unless asked (each could expose a service), and SSH that no longer admits this session's address.
func findings(f Facts, s steps.Settings) []steps.Finding {
	var out []steps.Finding
	for _, r := range others(f, s) {
		msg := fmt.Sprintf("Port %s is open to %s", r.Key(), r.Sources())
		if name := commonNames[r.Key()]; name != "" {
			msg += " (usually " + name + ")"
		}
		sev := "warning"
		if isICMP(r.Protocol) {
			sev = "info"
		}
		if r.covers(22) && (len(r.CIDRs) > 0 || len(r.IPv6CIDRs) > 0) {
			msg += "; it also lets those addresses reach SSH, so the SSH restriction has no effect while it stays open"
			sev = "warning"
		}
		out = append(out, steps.Finding{ID: ID + ".port_open", Severity: sev, Message: msg + ".",
			Fix: "hardsail apply firewall --" + flagClosePort + " " + r.Key()})
	}
	if hf, ok := notFromHere(f, s); ok {
		out = append(out, hf)
	}
	return out
}

// notFromHere is the finding that the saved --ssh-cidr no longer admits the address this run
// connects from (a new network since): SSH is never moved without being asked, so verify reports
// the firewall as it is and names the command that moves it.
func notFromHere(f Facts, s steps.Settings) (steps.Finding, bool) {
	if f.Seen == "" || len(s.SSHCIDRs) == 0 || closesNone(s) {
		return steps.Finding{}, false
	}
	for _, r := range f.Rules {
		if r.covers(22) && admits(r, f.Seen) {
			return steps.Finding{}, false
		}
	}
	return steps.Finding{ID: ID + ".ssh_not_from_here", Severity: "warning",
		Message: fmt.Sprintf("SSH from here (%s) is not allowed: the firewall admits SSH from %s only. `hardsail apply firewall --%s %s` moves it to this address.",
			bareAddr(f.Seen), sshSources(f.Rules), flagSSHCIDR, sshAuto),
		Fix: "hardsail apply firewall --" + flagSSHCIDR + " " + sshAuto}, true
}

// sshSources are who may reach SSH now, for the finding.
func sshSources(rules []Rule) string {
	for _, r := range rules {
		if r.Key() == "22/tcp" {
			return r.Sources()
		}
	}
	return "nowhere"
}

// bareAddr is a /32 or /128 source as the address alone.
func bareAddr(prefix string) string {
	if p, err := netip.ParsePrefix(prefix); err == nil && p.IsSingleIP() {
		return p.Addr().String()
	}
	return prefix
}

// notes tell the user what the preview alone would not: close requests that match nothing, and an
// --ssh-cidr that leaves out the address this run connects from.
func notes(f Facts, s steps.Settings, want []Rule) []string {
	var out []string
	_, keys := closeRequests(s)
	for _, k := range keys {
		switch {
		case managed(k) && k == "80/tcp" && len(f.Port80For) > 0:
			out = append(out, fmt.Sprintf("--"+flagClosePort+" %s: port 80 stays open: the Let's Encrypt renewal on the instance (%s) proves the domain over it (HTTP-01).", k, strings.Join(f.Port80For, ", ")))
		case managed(k):
			out = append(out, fmt.Sprintf("--"+flagClosePort+" %s: hardsail manages 22, 80 and 443 itself (--ssh-cidr sets who reaches SSH); not closed.", k))
		case !slices.ContainsFunc(f.Rules, func(r Rule) bool { return r.Key() == k }):
			out = append(out, fmt.Sprintf("--"+flagClosePort+" %s: no such port is open.", k))
		}
	}
	if f.Seen != "" && len(s.SSHCIDRs) > 0 && !closesNone(s) && !admits(want[0], f.Seen) {
		out = append(out, fmt.Sprintf("Your address as the instance sees it is %s, which --ssh-cidr leaves out: if SSH stops working after the change, hardsail puts the previous rules back.", f.Seen))
	}
	return out
}

// admits reports whether rule r lets the address in prefix src (a /32 or /128) connect.
func admits(r Rule, src string) bool {
	p, err := netip.ParsePrefix(src)
	if err != nil {
		return false
	}
	for _, c := range slices.Concat(r.CIDRs, r.IPv6CIDRs) {
		if q, err := netip.ParsePrefix(c); err == nil && q.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

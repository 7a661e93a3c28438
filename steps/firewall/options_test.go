package firewall

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/steps"
)

func option(t *testing.T, flag string) steps.Option {
	t.Helper()
	for _, o := range New().Options() {
		if o.Flag == flag {
			return o
		}
	}
	t.Fatalf("no option --%s", flag)
	return steps.Option{}
}

func TestOptionSet(t *testing.T) {
	const cidrHint = "Use an address range like 198.51.100.4/32 or 2001:db8::1/128, or none."
	const portHint = "Use --close-port 3306/tcp (`hardsail plan firewall` lists the open ports), or --close-port all."
	cases := []struct {
		flag, in string
		want     []string // stored, when the value is good
		msg      string   // the usage error, when it is bad
		hint     string
	}{
		{flag: "ssh-cidr", in: "198.51.100.4/32,2001:db8::1", want: []string{"198.51.100.4/32", "2001:db8::1"}},
		{flag: "ssh-cidr", in: "203.0.113.0/24 198.51.100.4", want: []string{"203.0.113.0/24", "198.51.100.4"}},
		{flag: "ssh-cidr", in: "none", want: []string{"none"}},
		{flag: "ssh-cidr", in: "auto", want: nil},
		{flag: "ssh-cidr", in: "", want: nil},
		{flag: "ssh-cidr", in: "none,198.51.100.4/32", msg: `--ssh-cidr "none" cannot be combined with addresses`, hint: "Give either --ssh-cidr none or one or more CIDRs."},
		{flag: "ssh-cidr", in: "198.51.100.4/32,auto", msg: `--ssh-cidr "auto" cannot be combined with addresses`, hint: "Give either --ssh-cidr auto or one or more CIDRs."},
		{flag: "ssh-cidr", in: "198.51.100.4/33", msg: `--ssh-cidr "198.51.100.4/33": not an IPv4 or IPv6 address range`, hint: cidrHint},
		{flag: "ssh-cidr", in: "198.51.100.0/32,198.51.100.4/24", msg: `--ssh-cidr "198.51.100.4/24": host bits are set (did you mean 198.51.100.0/24?)`, hint: cidrHint},
		{flag: "ssh-cidr", in: "my-laptop", msg: `--ssh-cidr "my-laptop": not an IPv4 or IPv6 address range`, hint: cidrHint},
		// SSH open to the world, by any name, is refused: never saved, never reported ok.
		{flag: "ssh-cidr", in: "0.0.0.0/0", msg: `--ssh-cidr "0.0.0.0/0": opens SSH to the whole internet`, hint: wideHint},
		{flag: "ssh-cidr", in: "::/0", msg: `--ssh-cidr "::/0": opens SSH to the whole internet`, hint: wideHint},
		{flag: "ssh-cidr", in: "198.51.100.4/32,0.0.0.0/1", msg: `--ssh-cidr "0.0.0.0/1": opens SSH to a range wider than /8, nearly the whole internet; hardsail takes /8 or narrower`, hint: wideHint},
		{flag: "ssh-cidr", in: "10.0.0.0/7", msg: `--ssh-cidr "10.0.0.0/7": opens SSH to a range wider than /8, nearly the whole internet; hardsail takes /8 or narrower`, hint: wideHint},
		{flag: "ssh-cidr", in: "10.0.0.0/8", want: []string{"10.0.0.0/8"}},
		{flag: "ssh-cidr", in: "2000::/3", msg: `--ssh-cidr "2000::/3": opens SSH to a range wider than /16, nearly the whole internet; hardsail takes /16 or narrower`, hint: wideHint},
		{flag: "ssh-cidr", in: "2001:db8::/16", msg: `--ssh-cidr "2001:db8::/16": host bits are set (did you mean 2001::/16?)`, hint: cidrHint},
		{flag: "ssh-cidr", in: "2001::/16", want: []string{"2001::/16"}},
		// What would be changed on the way to Lightsail is refused instead.
		{flag: "ssh-cidr", in: "fe80::1%eth0", msg: `--ssh-cidr "fe80::1%eth0": an address with a zone (%…) names a network interface of one machine, not a source on the internet`, hint: cidrHint},
		{flag: "ssh-cidr", in: "fe80::1%eth0/128", msg: `--ssh-cidr "fe80::1%eth0/128": an address with a zone (%…) names a network interface of one machine, not a source on the internet`, hint: cidrHint},
		{flag: "ssh-cidr", in: "fe80::1/128", msg: `--ssh-cidr "fe80::1/128": a link-local address is only seen on the local network, never by the instance's firewall`, hint: cidrHint},
		{flag: "ssh-cidr", in: "169.254.1.1", msg: `--ssh-cidr "169.254.1.1": a link-local address is only seen on the local network, never by the instance's firewall`, hint: cidrHint},
		{flag: "ssh-cidr", in: "::ffff:1.2.3.4/128", msg: `--ssh-cidr "::ffff:1.2.3.4/128": an IPv4-mapped IPv6 address (did you mean 1.2.3.4/32?)`, hint: cidrHint},
		{flag: "ssh-cidr", in: "::ffff:0:0/96", msg: `--ssh-cidr "::ffff:0:0/96": an IPv4-mapped IPv6 range; give IPv4 ranges in IPv4 form (198.51.100.0/24)`, hint: cidrHint},
		{flag: "ssh-cidr", in: "224.0.0.1", msg: `--ssh-cidr "224.0.0.1": not an address a connection comes from`, hint: cidrHint},
		{flag: "ssh-cidr", in: "0.0.0.0", msg: `--ssh-cidr "0.0.0.0": not an address a connection comes from`, hint: cidrHint},
		{flag: "ssh-cidr", in: "198.51.100.4/32\u202e", msg: `--ssh-cidr "198.51.100.4/32\u202e": contains the control or invisible character U+202E`,
			hint: "Type the value again without it (paste into a plain-text editor first), e.g. --ssh-cidr 198.51.100.4/32."},
		{flag: "close-port", in: "3306/tcp\x1b[2J", msg: `--close-port "3306/tcp\x1b[2J": contains the control or invisible character U+001B`,
			hint: "Type the value again without it (paste into a plain-text editor first), e.g. --close-port 3306/tcp."},
		{flag: "close-port", in: "3306", want: []string{"3306/tcp"}},
		{flag: "close-port", in: "3306/TCP, 8000-8100/udp,3306/tcp", want: []string{"3306/tcp", "8000-8100/udp"}},
		{flag: "close-port", in: "22-22/tcp,0-65535/all", want: []string{"22/tcp", "0-65535/all"}},
		{flag: "close-port", in: "8/icmp,3:4/icmp,any/icmpv6", want: []string{"8/icmp", "3:4/icmp", "any/icmpv6"}},
		{flag: "close-port", in: "all", want: []string{"all"}},
		{flag: "close-port", in: "", want: nil},
		{flag: "close-port", in: "70000/tcp", msg: `--close-port "70000/tcp": "70000" is not a number from 0 to 65535`, hint: portHint},
		{flag: "close-port", in: "8100-8000/udp", msg: `--close-port "8100-8000/udp": "8000" is not a number from 8100 to 65535`, hint: portHint},
		{flag: "close-port", in: "3306/gre", msg: `--close-port "3306/gre": protocol "gre" is not one of tcp, udp, all, icmp, icmpv6`, hint: portHint},
		{flag: "close-port", in: "mysql", msg: `--close-port "mysql": "mysql" is not a number from 0 to 65535`, hint: portHint},
		{flag: "close-port", in: "300/icmp", msg: `--close-port "300/icmp": "300" is not a number from 0 to 255`, hint: portHint},
	}
	for _, tc := range cases {
		t.Run(tc.flag+" "+tc.in, func(t *testing.T) {
			o := option(t, tc.flag)
			// A saved value is there first: a good value replaces it, auto and "" clear it.
			s := steps.Settings{SSHCIDRs: []string{"192.0.2.1/32"}, ClosePorts: []string{"5432/tcp"}}
			err := o.Set(&s, tc.in)
			if tc.msg != "" {
				var ue *steps.UsageError
				if !errors.As(err, &ue) || ue.Msg != tc.msg || ue.Hint != tc.hint {
					t.Fatalf("Set(%q) = %#v, want usage error %q hint %q", tc.in, err, tc.msg, tc.hint)
				}
				return
			}
			if err != nil {
				t.Fatalf("Set(%q): %v", tc.in, err)
			}
			got := s.SSHCIDRs
			if tc.flag == "close-port" {
				got = s.ClosePorts
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Set(%q) stored %q, want %q", tc.in, got, tc.want)
			}
			// What Get gives back is accepted again, as the saved file and ValidateSettings need.
			var again steps.Settings
			if err := o.Set(&again, o.Get(s)); err != nil || o.Get(again) != o.Get(s) {
				t.Errorf("Set(Get()) = %q, %v; want %q", o.Get(again), err, o.Get(s))
			}
		})
	}
}

func TestValidateSettingsRefusesABadSavedValue(t *testing.T) {
	err := steps.ValidateSettings(steps.Settings{SSHCIDRs: []string{"none", "198.51.100.4/32"}}, New().Options())
	if err == nil || err.Error() != `--ssh-cidr "none" cannot be combined with addresses` {
		t.Errorf("ValidateSettings = %v", err)
	}
	if err := steps.ValidateSettings(steps.Settings{SSHCIDRs: []string{"198.51.100.4"}, ClosePorts: []string{"all"}}, New().Options()); err != nil {
		t.Errorf("ValidateSettings of good values = %v", err)
	}
}

// A range saved before it was refused (an older hardsail, a hand-edited file) is never reported ok,
// even when the live firewall matches it: the plan fails with the fix, so verify exits 1 and apply
// changes nothing.
func TestSavedWideRangeIsNotOK(t *testing.T) {
	world := rule(22, 22, "tcp", "0.0.0.0/0")
	world.Aliases = []string{ConnectAlias}
	for _, saved := range []string{"0.0.0.0/0", "0.0.0.0/1", "::/0"} {
		t.Run(saved, func(t *testing.T) {
			set := steps.Settings{SSHCIDRs: []string{saved}}
			f := facts("", world, open(80), open(443))
			f.Seen = "198.51.100.4/32"
			_, err := New().Plan(steps.State{Step: ID, Facts: f}, set)
			var ue *steps.UsageError
			if !errors.As(err, &ue) || !strings.Contains(ue.Msg, "opens SSH to") || ue.Hint != wideHint {
				t.Fatalf("Plan = %v, want the usage error for a wide range", err)
			}
			eng := &steps.Engine{Steps: []steps.Step{fixedCheck{New(), steps.State{Step: ID, Facts: f}}}, Env: &steps.Env{Settings: set}}
			r := eng.Verify(t.Context())[0]
			if r.Status == steps.StatusOK || !r.Status.Bad() || r.Fix != wideHint {
				t.Fatalf("verify: %s (%s), fix %q; want failed with the fix", r.Status, r.Detail, r.Fix)
			}
		})
	}
}

// fixedCheck is the step with a Check that returns a given state, without AWS or a host.
type fixedCheck struct {
	*Step
	st steps.State
}

func (f fixedCheck) Check(context.Context, *steps.Env) (steps.State, error) { return f.st, nil }

func TestSuggestIsTheSessionAddress(t *testing.T) {
	suggest := option(t, "ssh-cidr").Suggest
	fromJSON := func(st steps.State) steps.State {
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		var back steps.State
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		return back
	}
	cases := []struct {
		name string
		st   steps.State
		want string
	}{
		{"no --ssh-cidr: the source that decides the plan", steps.State{Step: ID, Facts: facts("198.51.100.4/32", stock()...)}, "198.51.100.4/32"},
		{"the same read back from JSON", fromJSON(steps.State{Step: ID, Facts: facts("198.51.100.4/32", stock()...)}), "198.51.100.4/32"},
		{"--ssh-cidr set: the address seen", steps.State{Step: ID, Facts: Facts{Instance: "WordPress-1", Seen: "2001:db8::7/128"}}, "2001:db8::7/128"},
		{"no SSH session", steps.State{Step: ID, Facts: facts("", stock()...)}, ""},
		{"no facts (check failed)", steps.State{Step: ID}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := suggest(tc.st); got != tc.want {
				t.Errorf("Suggest = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFindingSSHNotFromHere(t *testing.T) {
	hardened := Rule{FromPort: 22, ToPort: 22, Protocol: "tcp", CIDRs: []string{"198.51.100.4/32"}, IPv6CIDRs: []string{"2001:db8::/64"}, Aliases: []string{ConnectAlias}}
	cases := []struct {
		name     string
		seen     string
		settings steps.Settings
		rules    []Rule
		want     string // the address the finding names, "" for no finding
	}{
		{name: "saved address still admits this session", seen: "198.51.100.4/32", settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}}, rules: []Rule{hardened}},
		{name: "IPv6 session inside the saved range", seen: "2001:db8::7/128", settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32", "2001:db8::/64"}}, rules: []Rule{hardened}},
		{name: "another address", seen: "203.0.113.9/32", settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}}, rules: []Rule{hardened}, want: "203.0.113.9"},
		{name: "another IPv6 address", seen: "2001:db8:1::7/128", settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}}, rules: []Rule{hardened}, want: "2001:db8:1::7"},
		{name: "a wider rule that covers 22 admits it", seen: "203.0.113.9/32", settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}}, rules: []Rule{hardened, rule(0, 65535, "tcp", "0.0.0.0/0")}},
		{name: "--ssh-cidr none closes SSH on purpose", seen: "203.0.113.9/32", settings: steps.Settings{SSHCIDRs: []string{"none"}}, rules: []Rule{hardened}},
		{name: "the session could not be seen", settings: steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}}, rules: []Rule{hardened}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := facts("", append(tc.rules, open(80), open(443))...)
			f.Seen = tc.seen
			var got []steps.Finding
			for _, fd := range findings(f, tc.settings) {
				if fd.Fix == "hardsail apply firewall --ssh-cidr auto" {
					got = append(got, fd)
				}
			}
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("finding %+v, want none", got)
			case tc.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0].Message, "SSH from here ("+tc.want+") is not allowed")):
				t.Errorf("findings %+v, want SSH from here (%s) is not allowed", got, tc.want)
			}
		})
	}
}

// The wizard asks which other open ports to close only when there are some: each is a finding whose
// fix names the question.
func TestClosePortAskedWhenOtherPortsAreOpen(t *testing.T) {
	o := option(t, "close-port")
	if o.Question == "" || o.AskIf == nil {
		t.Fatal("--close-port is not a question the wizard asks")
	}
	web := []Rule{rule(22, 22, "tcp", "0.0.0.0/0"), rule(80, 80, "tcp", "0.0.0.0/0"), rule(443, 443, "tcp", "0.0.0.0/0")}
	if o.AskIf(steps.State{Step: ID, Facts: facts("198.51.100.4/32", web...)}) {
		t.Error("asked with only SSH and the web open")
	}
	if !o.AskIf(steps.State{Step: ID, Facts: facts("198.51.100.4/32", append(web, rule(3306, 3306, "tcp", "0.0.0.0/0"))...)}) {
		t.Error("not asked with 3306/tcp open")
	}
}

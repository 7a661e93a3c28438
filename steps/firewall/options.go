package firewall

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/hardsail/hardsail/steps"
)

const (
	flagSSHCIDR   = "ssh-cidr"
	flagClosePort = "close-port"
	// sshAuto asks for the address the instance sees for this SSH session: it clears a saved
	// --ssh-cidr, and apply saves the address it used.
	sshAuto = "auto"
	// sshNone closes 22 to everything but Lightsail's browser SSH.
	sshNone  = "none"
	cidrHint = "Use an address range like 198.51.100.4/32 or 2001:db8::1/128, or none."
	wideHint = "Allow only your own address or network, e.g. --ssh-cidr 198.51.100.4/32, or --ssh-cidr auto for the address you connect from now."
	// minBits4 and minBits6 are the widest ranges --ssh-cidr takes: a /8 is sixteen million IPv4
	// addresses and a /16 more IPv6 networks than any one provider holds; anything wider is SSH
	// open to the world by another name (0.0.0.0/1 plus 128.0.0.0/1), so it is refused, never saved.
	minBits4 = 8
	minBits6 = 16
)

// Options are the step's settings: who may reach SSH, and which other open ports to close.
func (fw *Step) Options() []steps.Option {
	return []steps.Option{
		{
			Flag: flagSSHCIDR, Arg: "CIDR", Kind: steps.OptionList,
			Usage:        "sources allowed to reach SSH (22/tcp), IPv4 and/or IPv6 CIDRs; none (only Lightsail's browser SSH); or auto (your address as the instance sees it, /32: the default, and what clears a saved value)",
			Question:     "Who may connect with SSH?",
			Note:         "Addresses or ranges, comma-separated (IPv4 and IPv6), auto for your address, or none. Browser SSH from the Lightsail console keeps working.",
			SuggestLabel: "Your address as the instance sees it",
			Suggest:      suggestSource,
			Get:          func(s steps.Settings) string { return strings.Join(s.SSHCIDRs, ",") },
			Set:          setSSHCIDRs,
		},
		{
			Flag: flagClosePort, Arg: "PORT/PROTO", Kind: steps.OptionList,
			Usage:    "also close these open PORT/PROTOs (e.g. 3306/tcp), or all; otherwise other open ports are only reported",
			Question: "Other open ports to close?",
			Note: "Besides SSH and the web (22, 80, 443), as PORT/PROTO, comma-separated (e.g. 3306/tcp), or all. " +
				"Leave it empty to keep them open: they stay reported.",
			// Asked only when other ports are open (each is a finding, with this question as its fix).
			AskIf: func(st steps.State) bool {
				f, err := steps.FactsOf[Facts](st)
				return err == nil && len(others(f, steps.Settings{})) > 0
			},
			Get: func(s steps.Settings) string { return strings.Join(s.ClosePorts, ",") },
			Set: setClosePorts,
		},
	}
}

// suggestSource offers the address this SSH session comes from, as Check found it.
func suggestSource(st steps.State) string {
	f, err := steps.FactsOf[Facts](st)
	if err != nil {
		return ""
	}
	return f.here()
}

// setSSHCIDRs stores address ranges, ["none"], or nothing for auto (and for an empty value).
func setSSHCIDRs(s *steps.Settings, v string) error {
	if err := (steps.Option{Flag: flagSSHCIDR, Arg: "198.51.100.4/32"}).CheckText(v); err != nil {
		return err
	}
	list := steps.SplitList(v)
	for _, word := range []string{sshNone, sshAuto} {
		if slices.Contains(list, word) && len(list) > 1 {
			return &steps.UsageError{Msg: fmt.Sprintf("--%s %q cannot be combined with addresses", flagSSHCIDR, word),
				Hint: fmt.Sprintf("Give either --%s %s or one or more CIDRs.", flagSSHCIDR, word)}
		}
	}
	switch {
	case len(list) == 0 || list[0] == sshAuto:
		s.SSHCIDRs = nil
		return nil
	case list[0] == sshNone:
		s.SSHCIDRs = []string{sshNone}
		return nil
	}
	for _, c := range list {
		if _, err := parseSSHCIDR(c); err != nil {
			return err
		}
	}
	s.SSHCIDRs = list
	return nil
}

// parseSSHCIDR reads one --ssh-cidr source; a bad one is the usage error naming the flag. Ranges
// that open SSH to the world (or nearly) are refused, and so are addresses no connection from the
// internet comes from (link-local, multicast, unspecified).
func parseSSHCIDR(c string) (netip.Prefix, error) {
	bad := steps.Option{Flag: flagSSHCIDR}.Bad
	p, err := steps.ParseCIDR(c)
	if err != nil {
		return p, bad(c, err.Error(), cidrHint)
	}
	a, widest := p.Addr(), minBits6
	if a.Is4() {
		widest = minBits4
	}
	switch {
	case p.Bits() == 0:
		return p, bad(c, "opens SSH to the whole internet", wideHint)
	case p.Bits() < widest:
		return p, bad(c, fmt.Sprintf("opens SSH to a range wider than /%d, nearly the whole internet; hardsail takes /%d or narrower", widest, widest), wideHint)
	case a.IsLinkLocalUnicast():
		return p, bad(c, "a link-local address is only seen on the local network, never by the instance's firewall", cidrHint)
	case a.IsMulticast(), a.IsUnspecified():
		return p, bad(c, "not an address a connection comes from", cidrHint)
	}
	return p, nil
}

// setClosePorts stores each port as its key ("3306" becomes "3306/tcp"), or "all".
func setClosePorts(s *steps.Settings, v string) error {
	if err := (steps.Option{Flag: flagClosePort, Arg: "3306/tcp"}).CheckText(v); err != nil {
		return err
	}
	var keys []string
	for _, item := range steps.SplitList(v) {
		k, err := closeKey(item)
		if err != nil {
			return steps.Option{Flag: flagClosePort}.Bad(item, err.Error(),
				"Use --"+flagClosePort+" 3306/tcp (`hardsail plan firewall` lists the open ports), or --"+flagClosePort+" all.")
		}
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	s.ClosePorts = keys
	return nil
}

// closeKey reads one --close-port value as the key of the rule it closes: "all", "3306/tcp",
// "8000-8100/udp", "0-65535/all", "8/icmp", "3:4/icmp", "any/icmpv6".
func closeKey(v string) (string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "all" {
		return v, nil
	}
	ports, proto, ok := strings.Cut(v, "/")
	if !ok {
		proto = "tcp"
	}
	r := Rule{Protocol: proto}
	var err error
	switch proto {
	case "tcp", "udp", "all":
		lo, hi, isRange := strings.Cut(ports, "-")
		r.FromPort, err = portNumber(lo, 0, 65535)
		r.ToPort = r.FromPort
		if err == nil && isRange {
			r.ToPort, err = portNumber(hi, r.FromPort, 65535)
		}
	case "icmp", "icmpv6":
		typ, code, hasCode := strings.Cut(ports, ":")
		r.FromPort, r.ToPort = -1, -1
		if typ != "any" {
			r.FromPort, err = portNumber(typ, 0, 255)
		}
		if err == nil && hasCode {
			r.ToPort, err = portNumber(code, 0, 255)
		}
	default:
		return "", fmt.Errorf("protocol %q is not one of tcp, udp, all, icmp, icmpv6", proto)
	}
	if err != nil {
		return "", err
	}
	return r.Key(), nil
}

func portNumber(s string, lo, hi int32) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || int32(n) < lo || int32(n) > hi {
		return 0, fmt.Errorf("%q is not a number from %d to %d", s, lo, hi)
	}
	return int32(n), nil
}

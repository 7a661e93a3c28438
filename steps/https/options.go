package https

import (
	"fmt"
	"strings"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/steps"
)

// Options are the step's settings: the names the site is served under and how HTTPS is provided.
// The email address for Let's Encrypt (--mail) is shared with auto-upgrades and declared there.
func (s *Step) Options() []steps.Option {
	price := assets.LoadBalancerPrice().Monthly()
	domain := steps.Option{
		Flag: "domain", Arg: "NAME", Kind: steps.OptionText,
		Usage:    "the site's domain name, served over HTTPS (e.g. example.com)",
		Question: "Which domain name serves the site?",
		Note:     "Leave it empty to skip HTTPS.",
		Needed:   true,
		Get:      func(st steps.Settings) string { return st.Domain },
	}
	domain.Set = steps.Setter(&domain, func(v string) (string, error) { return checkName("--domain", v) },
		func(st *steps.Settings, n string) { st.Domain = n })
	alt := steps.Option{
		Flag: "alt-domain", Arg: "NAME", Kind: steps.OptionList,
		Usage:    "another name on the same certificate (e.g. www.example.com); repeat or comma-separate",
		Question: "Other names for the site (comma-separated)?",
		Note:     fmt.Sprintf("At most %d, e.g. www.example.com.", maxAlternativeNames),
		Get:      func(st steps.Settings) string { return strings.Join(st.AltDomains, ",") },
	}
	alt.Set = steps.Setter(&alt, func(v string) ([]string, error) { return altNames(steps.SplitList(v)) },
		func(st *steps.Settings, names []string) { st.AltDomains = names })
	mode := steps.Option{
		Flag: "https-mode", Arg: "MODE", Kind: steps.OptionText,
		Usage:    "how HTTPS is provided: lb (load balancer, " + price + ") or instance (Let's Encrypt, free)",
		Question: "How should the site get HTTPS?",
		Choices: []steps.Choice{
			{Value: "instance", Label: "Free: a Let's Encrypt certificate on the instance itself (asks for your email address)"},
			{Value: "lb", Label: "A Lightsail load balancer in front of the instance, with a free Amazon certificate (" + price + ")"},
		},
		Default: defaultMode,
		Get:     func(st steps.Settings) string { return st.HTTPSMode },
	}
	mode.Set = steps.Setter(&mode, func(v string) (string, error) {
		if v != "lb" && v != "instance" {
			return "", mode.Bad(v, "not a mode", modeHint())
		}
		return v, nil
	}, func(st *steps.Settings, v string) { st.HTTPSMode = v })
	return []steps.Option{domain, alt, mode, mailOption()}
}

// mailOption asks, where the user chooses HTTPS, for the address Let's Encrypt needs. It is the
// setting auto-upgrades mails its reports to (one --mail flag: each step checks it its own way).
func mailOption() steps.Option {
	o := steps.Option{
		Flag: "mail", Arg: "ADDRESS", Kind: steps.OptionText,
		Usage:    "email address for Let's Encrypt's notices (free HTTPS on the instance)",
		Question: "Your email address, for Let's Encrypt's notices",
		Note:     "Needed for free HTTPS on the instance (expiry warnings); not used with a load balancer. May be empty then.",
		Get:      func(st steps.Settings) string { return st.Mail },
	}
	o.Set = steps.Setter(&o, o.CheckMail, func(st *steps.Settings, v string) { st.Mail = v })
	return o
}

// altNames checks the alternative names on their own (Names also checks them against --domain).
func altNames(alts []string) ([]string, error) {
	if len(alts) > maxAlternativeNames {
		return nil, tooManyNames(len(alts), "example.com")
	}
	var out []string
	for _, a := range alts {
		n, err := checkName("--alt-domain", a)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func tooManyNames(n int, domain string) error {
	return &steps.UsageError{
		Msg:  fmt.Sprintf("%d alternative names were given; a Lightsail certificate takes at most %d", n, maxAlternativeNames),
		Hint: fmt.Sprintf("Keep at most %d --alt-domain names (e.g. only www.%s).", maxAlternativeNames, domain),
	}
}

// modeHint names the two modes and what each costs.
func modeHint() string {
	return "Use --https-mode lb (load balancer, " + assets.LoadBalancerPrice().Monthly() + ") or --https-mode instance (Let's Encrypt, free)."
}

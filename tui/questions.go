package tui

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"charm.land/huh/v2"

	"github.com/hardsail/hardsail/steps"
)

// question is one thing a step needs to know. Its answer goes into steps.Settings before the step
// is planned again.
type question struct {
	title string
	// describe is the line under the title; it may name what hardsail found (the address the
	// instance sees).
	describe func(r steps.Result) string
	// options, when set, make the question a choice instead of a line of text.
	options []string
	get     func(s steps.Settings, r steps.Result) string
	set     func(s *steps.Settings, v string)
	check   func(v string) error
}

// questionsFor are the questions of each step, in the order they are asked.
func questionsFor(step string) []question {
	switch step {
	case "firewall":
		return []question{sshSource}
	case "https":
		return []question{domain, altDomains, httpsMode}
	case "auto-upgrades":
		return []question{mail, rebootTime}
	case "log-cleanup":
		return []question{keepLogs, cronSchedule}
	case "iam-admin":
		return []question{adminUser}
	}
	return nil
}

func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}

// validated checks one answer the way the command-line flag is checked.
func validated(s steps.Settings) error { return s.Validate() }

var (
	sshSource = question{
		title: "Who may connect with SSH?",
		describe: func(r steps.Result) string {
			d := "Addresses or ranges, comma-separated (IPv4 and IPv6), or none. Browser SSH from the Lightsail console keeps working."
			if a := seenAddress(r); a != "" {
				d = "Your address as the instance sees it: " + a + ". " + d
			}
			return d
		},
		get: func(s steps.Settings, r steps.Result) string {
			if len(s.SSHCIDRs) > 0 {
				return strings.Join(s.SSHCIDRs, ", ")
			}
			if a := seenAddress(r); a != "" {
				return a + "/32"
			}
			return ""
		},
		set: func(s *steps.Settings, v string) {
			s.SSHCIDRs = nil
			for _, c := range splitList(v) {
				if p, err := steps.ParseCIDR(c); err == nil {
					c = p.String()
				}
				s.SSHCIDRs = append(s.SSHCIDRs, c)
			}
		},
		check: func(v string) error {
			if len(splitList(v)) == 0 {
				return fmt.Errorf("give at least one address, or none")
			}
			return validated(steps.Settings{SSHCIDRs: splitList(v)})
		},
	}
	domain = question{
		title: "Your site's domain",
		describe: func(steps.Result) string {
			return "The name on the HTTPS certificate, e.g. example.com. Leave empty to skip HTTPS."
		},
		get:   func(s steps.Settings, _ steps.Result) string { return s.Domain },
		set:   func(s *steps.Settings, v string) { s.Domain = strings.TrimSpace(v) },
		check: func(string) error { return nil },
	}
	altDomains = question{
		title:    "Other names on the certificate",
		describe: func(steps.Result) string { return "Comma-separated, e.g. www.example.com (up to 9). May be empty." },
		get:      func(s steps.Settings, _ steps.Result) string { return strings.Join(s.AltDomains, ", ") },
		set:      func(s *steps.Settings, v string) { s.AltDomains = splitList(v) },
		check: func(v string) error {
			if n := len(splitList(v)); n > 9 {
				return fmt.Errorf("%d names; a certificate takes up to 9 others", n)
			}
			return nil
		},
	}
	httpsMode = question{
		title: "How to serve HTTPS",
		describe: func(steps.Result) string {
			return "lb: a Lightsail load balancer with a managed certificate ($18/month). instance: Let's Encrypt on the instance (free)."
		},
		options: []string{"lb", "instance"},
		get: func(s steps.Settings, _ steps.Result) string {
			if s.HTTPSMode == "" {
				return "lb"
			}
			return s.HTTPSMode
		},
		set:   func(s *steps.Settings, v string) { s.HTTPSMode = v },
		check: func(v string) error { return validated(steps.Settings{HTTPSMode: v}) },
	}
	mail = question{
		title: "Mail update reports to",
		describe: func(steps.Result) string {
			return "An email address for what was upgraded and any problem. May be empty."
		},
		get:   func(s steps.Settings, _ steps.Result) string { return s.Mail },
		set:   func(s *steps.Settings, v string) { s.Mail = strings.TrimSpace(v) },
		check: func(v string) error { return validated(steps.Settings{Mail: strings.TrimSpace(v)}) },
	}
	rebootTime = question{
		title: "Reboot time",
		describe: func(steps.Result) string {
			return "When an update that needs it may reboot the instance (24-hour HH:MM, a quiet hour)."
		},
		get:   func(s steps.Settings, _ steps.Result) string { return s.RebootTime },
		set:   func(s *steps.Settings, v string) { s.RebootTime = cmp.Or(strings.TrimSpace(v), s.RebootTime) },
		check: func(v string) error { return validated(steps.Settings{RebootTime: strings.TrimSpace(v)}) },
	}
	keepLogs = question{
		title: "Rotated logs to keep",
		describe: func(steps.Result) string {
			return "How many of the newest rotated logs to keep per log family; older ones are deleted."
		},
		get: func(s steps.Settings, _ steps.Result) string {
			if s.KeepLogs == 0 {
				return ""
			}
			return strconv.Itoa(s.KeepLogs)
		},
		set: func(s *steps.Settings, v string) { s.KeepLogs, _ = strconv.Atoi(strings.TrimSpace(v)) },
		check: func(v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 {
				return fmt.Errorf("a number from 1 to 1000")
			}
			return validated(steps.Settings{KeepLogs: n})
		},
	}
	cronSchedule = question{
		title:    "Clean-up schedule",
		describe: func(steps.Result) string { return `In cron's five fields; "0 3 * * 0" is Sundays at 03:00.` },
		get:      func(s steps.Settings, _ steps.Result) string { return s.Cron },
		set:      func(s *steps.Settings, v string) { s.Cron = cmp.Or(strings.TrimSpace(v), s.Cron) },
		check:    func(v string) error { return validated(steps.Settings{Cron: strings.TrimSpace(v)}) },
	}
	adminUser = question{
		title:    "Administrator user name",
		describe: func(steps.Result) string { return "The IAM user to sign in as instead of the root user." },
		get:      func(s steps.Settings, _ steps.Result) string { return s.AdminUser },
		set:      func(s *steps.Settings, v string) { s.AdminUser = cmp.Or(strings.TrimSpace(v), s.AdminUser) },
		check:    func(v string) error { return validated(steps.Settings{AdminUser: strings.TrimSpace(v)}) },
	}
)

// seenAddress is the caller's address as the instance sees it, read generically from what the
// step reported: a single-address SSH source in its plan, or an address-valued fact.
func seenAddress(r steps.Result) string {
	for _, c := range r.Plan.Changes {
		if !strings.Contains(c.Address, "22") {
			continue
		}
		for _, f := range strings.FieldsFunc(c.After, func(r rune) bool { return strings.ContainsRune(" ,;\n\t[]\"", r) }) {
			if p, err := netip.ParsePrefix(f); err == nil && p.IsSingleIP() && !p.Addr().IsUnspecified() {
				return p.Addr().String()
			}
		}
	}
	if r.State.Facts == nil {
		return ""
	}
	b, err := json.Marshal(r.State.Facts)
	if err != nil {
		return ""
	}
	var facts map[string]any
	if json.Unmarshal(b, &facts) != nil {
		return ""
	}
	keys := make([]string, 0, len(facts))
	for k := range facts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		lk := strings.ToLower(k)
		if !strings.Contains(lk, "client") && !strings.Contains(lk, "caller") && !strings.Contains(lk, "seen") {
			continue
		}
		if s, ok := facts[k].(string); ok {
			if a, err := netip.ParseAddr(s); err == nil {
				return a.String()
			}
		}
	}
	return ""
}

// answers holds a step's answers while its form is open.
type answers struct {
	qs     []question
	values []string
}

func newAnswers(step string, s steps.Settings, r steps.Result) *answers {
	a := &answers{qs: questionsFor(step)}
	a.values = make([]string, len(a.qs))
	for i, q := range a.qs {
		a.values[i] = q.get(s, r)
	}
	return a
}

// fields are huh fields bound to the answers. In plain mode the description is printed as a note
// and the current value is the default an empty line keeps.
func (a *answers) fields(r steps.Result, plain bool) []huh.Field {
	var out []huh.Field
	for i, q := range a.qs {
		title := q.title
		if plain {
			out = append(out, huh.NewNote().Description(q.describe(r)))
			if a.values[i] != "" {
				title += " [" + a.values[i] + "]"
			}
		}
		if q.options != nil {
			out = append(out, huh.NewSelect[string]().Title(title).Description(q.describe(r)).
				Options(huh.NewOptions(q.options...)...).Value(&a.values[i]))
			continue
		}
		check, def := q.check, a.values[i]
		if plain {
			check = func(v string) error {
				if strings.TrimSpace(v) == "" && def != "" {
					return nil
				}
				return q.check(v)
			}
		}
		out = append(out, huh.NewInput().Title(title).Description(q.describe(r)).
			Value(&a.values[i]).Validate(check))
	}
	return out
}

// settings returns s with the answers in it.
func (a *answers) settings(s steps.Settings) steps.Settings {
	for i, q := range a.qs {
		q.set(&s, a.values[i])
	}
	return s
}

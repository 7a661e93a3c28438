// Package sshd is the sshd step (beyond the guide; issue "Beyond the guide"): it reads what the
// running configuration says with `sshd -T` and wants password logins, keyboard-interactive logins
// and root logins off. The fix is one drop-in hardsail owns, read before every other file that could
// set the same keys (sshd keeps the first value it reads), validated with `sshd -t`, and applied
// like Junos' "commit confirmed": before sshd reloads, a timer on the host is armed that puts the
// previous drop-in back and reloads sshd again unless hardsail, over a new SSH connection, disarms
// it. A laptop that dies mid-change leaves a host that lets its owner back in.
//
// PermitRootLogin's target is `no`, not `prohibit-password`: on both WordPress blueprints one logs
// in as bitnami or admin and uses sudo, so root needs no SSH login at all.
//
// TrustedUserCAKeys (the Lightsail CA line browser SSH needs) lives in /etc/ssh/sshd_config and is
// never written; Apply refuses a drop-in after which sshd would read another value for it.
package sshd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/hostfile"
)

// ID is the step's stable id.
const ID = "sshd"

// Where sshd's configuration lives (Debian and Ubuntu).
const (
	ConfigPath = "/etc/ssh/sshd_config"
	DropInDir  = "/etc/ssh/sshd_config.d"
	// DropInPath is the file hardsail owns. "00-" sorts it before the drop-ins others ship
	// (cloud-init's 50-cloud-init.conf); Check names any file that still sorts earlier and sets
	// one of the keys.
	DropInPath = DropInDir + "/00-hardsail.conf"
)

// DefaultConfirmWithin is how long the host waits for hardsail to confirm, over a new SSH
// connection, that a login still works before it puts the previous configuration back.
const DefaultConfirmWithin = 3 * time.Minute

// Step is the sshd step.
type Step struct {
	steps.Identity
	// ConfirmWithin is the host-side timer's delay (DefaultConfirmWithin when zero; tests shorten it).
	ConfirmWithin time.Duration
	// hooks are the test's ways in (a drop-in that breaks login, a process killed after the reload).
	hooks hooks
}

type hooks struct {
	body        func([]byte) []byte // rewrites the drop-in before it is written
	afterReload func()              // runs after the reload, before the new login
}

// New returns the sshd step.
func New() *Step { return &Step{Identity: steps.Named(ID, "Turn off password and root logins to SSH")} }

// Why is the wizard's paragraph.
func (*Step) Why() string {
	return "SSH is how you (and hardsail) administer the server. With passwords allowed, anyone on the " +
		"internet can keep guessing one; with root allowed, a guess wins everything. Lightsail logs you in with " +
		"a key (the browser SSH uses a certificate) as bitnami or admin, so both can be turned off. hardsail " +
		"checks a new login works after the change and the server puts the old setting back by itself if not."
}

func (s *Step) confirmWithin() time.Duration {
	if s.ConfirmWithin > 0 {
		return s.ConfirmWithin
	}
	return DefaultConfirmWithin
}

// target is one setting the step wants.
type target struct {
	key  string // as sshd -T prints it
	name string // as sshd_config spells it
	want string
	id   string // the finding's stable id
	risk string
}

var targets = []target{
	{"passwordauthentication", "PasswordAuthentication", "no", "sshd.password_authentication",
		"sshd accepts passwords: anyone on the internet can keep guessing the login password"},
	{"kbdinteractiveauthentication", "KbdInteractiveAuthentication", "no", "sshd.kbd_interactive_authentication",
		"sshd accepts keyboard-interactive logins, another way to guess a password"},
	{"permitrootlogin", "PermitRootLogin", "no", "sshd.permit_root_login",
		"root may log in over SSH; on Lightsail you log in as bitnami or admin and use sudo"},
}

// caKey is the TrustedUserCAKeys setting as sshd -T prints it: Lightsail's browser SSH needs it.
const caKey = "trustedusercakeys"

// aliases are older spellings sshd reads as one of the targets.
var aliases = map[string]string{"challengeresponseauthentication": "kbdinteractiveauthentication"}

// Facts is what Check found; its JSON is the plan's fingerprint.
type Facts struct {
	// Effective are the values `sshd -T` prints for the targets and TrustedUserCAKeys.
	Effective map[string]string `json:"effective"`
	// PidFile is where sshd writes its pid (reloaded with HUP where there is no systemd).
	PidFile string       `json:"pid_file"`
	DropIn  sshhost.File `json:"drop_in"`
	// Includes says sshd_config reads DropInDir's *.conf before any setting of its own that matters.
	Includes bool `json:"includes"`
	// Earlier are the non-compliant settings sshd reads before the drop-in, which it cannot override.
	Earlier []string `json:"earlier,omitempty"`
}

// HostQuery is what Check reads in the shared gathering.
func (*Step) HostQuery() sshhost.Query {
	return sshhost.Query{Files: []string{ConfigPath, DropInPath}, Dirs: []string{DropInDir}, Scripts: []string{effectiveScript}}
}

// effectiveScript prints what sshd makes of its configuration (root: it reads the host keys).
const effectiveScript = "sshd -T"

// Check reads the configuration files and what sshd makes of them with `sshd -T` (root,
// read-only), both in the shared gathering. It changes nothing.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st := steps.State{Step: ID}
	f, err := env.HostFacts(ctx, s.HostQuery())
	if err != nil {
		return st, fmt.Errorf("read %s: %w", ConfigPath, err)
	}
	c, err := env.SSH(ctx)
	if err != nil {
		return st, err
	}
	res, err := f.Script(effectiveScript)
	if err != nil {
		return st, fmt.Errorf("read sshd's configuration with sshd -T: %w", err)
	}
	facts := Facts{Effective: map[string]string{}, DropIn: fileOf(f, DropInPath)}
	all := parseEffective(res.Stdout)
	for _, t := range targets {
		facts.Effective[t.key] = all[t.key]
	}
	facts.Effective[caKey], facts.PidFile = all[caKey], all["pidfile"]
	cfg := fileOf(f, ConfigPath)
	sets, includes := scan(ConfigPath, cfg.Body, true)
	facts.Includes = includes
	earlier, err := earlierFiles(ctx, c, f)
	if err != nil {
		return st, err
	}
	for _, e := range earlier {
		more, _ := scan(e.Path, e.Body, false)
		sets = append(sets, more...)
	}
	facts.Earlier = conflicts(sets)
	st.Facts, st.Findings = facts, findings(facts)
	switch {
	case !compliant(facts.Effective) && !facts.Includes:
		st.Skip = fmt.Sprintf("%s does not include %s/*.conf before its own settings, so a drop-in there would not be read first; hardsail does not edit %s itself",
			ConfigPath, DropInDir, ConfigPath)
	case !compliant(facts.Effective) && len(facts.Earlier) > 0:
		st.Skip = "sshd reads " + strings.Join(facts.Earlier, "; ") + " before hardsail's drop-in and keeps the first value it reads"
	}
	return st, nil
}

func fileOf(f *sshhost.Facts, p string) sshhost.File {
	if file, ok := f.Files[p]; ok {
		file.Path = p
		return file
	}
	return sshhost.File{Path: p}
}

// earlierFiles reads the *.conf files sshd reads before the drop-in (rare: most hosts have none).
func earlierFiles(ctx context.Context, c *sshhost.Client, f *sshhost.Facts) ([]sshhost.File, error) {
	var out []sshhost.File
	for _, e := range f.Listing {
		name := path.Base(e.Path)
		if path.Dir(e.Path) != DropInDir || !strings.HasSuffix(name, ".conf") || name >= path.Base(DropInPath) {
			continue
		}
		file, err := c.ReadFile(ctx, e.Path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", e.Path, err)
		}
		file.Path = e.Path
		out = append(out, file)
	}
	return out, nil
}

// parseEffective reads `sshd -T`: one "key value" line per setting, keys in lower case. A key
// printed more than once (a list) keeps its first line.
func parseEffective(out []byte) map[string]string {
	m := map[string]string{}
	for line := range strings.Lines(string(out)) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		if _, seen := m[k]; k != "" && !seen {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// setting is one line of a configuration file that sets a target.
type setting struct {
	where string // "/etc/ssh/sshd_config:12"
	key   string
	name  string
	value string
}

// scan returns the target settings body sets before its first Match block (the rest is
// conditional). With toInclude it stops at the Include of DropInDir and reports whether it saw one.
func scan(file string, body []byte, toInclude bool) (sets []setting, includes bool) {
	sc := bufio.NewScanner(bytes.NewReader(body))
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(strings.Replace(strings.TrimSpace(sc.Text()), "=", " ", 1))
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		key := strings.ToLower(fields[0])
		switch {
		case key == "match":
			return sets, false
		case key == "include" && toInclude:
			if slices.ContainsFunc(fields[1:], func(a string) bool {
				return a == DropInDir+"/*.conf" || a == "sshd_config.d/*.conf"
			}) {
				return sets, true
			}
		}
		if a, ok := aliases[key]; ok {
			key = a
		}
		if len(fields) > 1 && slices.ContainsFunc(targets, func(t target) bool { return t.key == key }) {
			sets = append(sets, setting{where: fmt.Sprintf("%s:%d", file, n), key: key, name: fields[0], value: fields[1]})
		}
	}
	return sets, false
}

// conflicts are the first settings of each target, in sshd's reading order, whose value is not
// the target's.
func conflicts(sets []setting) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range sets {
		if seen[s.key] {
			continue
		}
		seen[s.key] = true
		if !strings.EqualFold(s.value, wantOf(s.key)) {
			out = append(out, fmt.Sprintf("%s %s at %s", s.name, s.value, s.where))
		}
	}
	return out
}

func wantOf(key string) string {
	for _, t := range targets {
		if t.key == key {
			return t.want
		}
	}
	return ""
}

func compliant(eff map[string]string) bool {
	for _, t := range targets {
		if eff[t.key] != t.want {
			return false
		}
	}
	return true
}

// findings are one per target sshd does not have at its target value, plus why a fix cannot be
// made when it cannot.
func findings(f Facts) []steps.Finding {
	var out []steps.Finding
	for _, t := range targets {
		got := f.Effective[t.key]
		if got == t.want {
			continue
		}
		sev := "warning"
		if t.key == "permitrootlogin" && got != "yes" {
			sev = "info" // prohibit-password (printed without-password): root with a key only
		}
		out = append(out, steps.Finding{ID: t.id, Severity: sev,
			Message: fmt.Sprintf("%s (sshd -T: %s %s; want %s)", t.risk, t.key, got, t.want),
			Fix:     "hardsail apply " + ID})
	}
	if len(out) == 0 {
		return nil
	}
	if !f.Includes {
		out = append(out, steps.Finding{ID: "sshd.include_missing", Severity: "warning",
			Message: ConfigPath + " has no `Include " + DropInDir + "/*.conf` before its own settings, so hardsail cannot fix sshd with a drop-in",
			Fix:     "set " + wantedLines() + " in " + ConfigPath + " by hand (keep its TrustedUserCAKeys line), check with sudo sshd -t, then reload sshd"})
	}
	for _, e := range f.Earlier {
		out = append(out, steps.Finding{ID: "sshd.set_earlier", Severity: "warning",
			Message: "sshd reads " + e + " before hardsail's drop-in and keeps that value",
			Fix:     "change that line by hand (sudo sshd -t, then reload sshd), or remove it and run `hardsail apply " + ID + "`"})
	}
	return out
}

func wantedLines() string {
	var w []string
	for _, t := range targets {
		w = append(w, t.name+" "+t.want)
	}
	return strings.Join(w, ", ")
}

// dropIn is the file hardsail writes.
func dropIn() hostfile.Desired {
	var b strings.Builder
	b.WriteString("# Written by hardsail (the sshd step); `hardsail undo sshd` removes it.\n")
	b.WriteString("# Named to be read before the other files here: sshd keeps the first value it reads.\n")
	b.WriteString("# TrustedUserCAKeys (Lightsail's browser SSH) stays as " + ConfigPath + " sets it.\n")
	for _, t := range targets {
		b.WriteString(t.name + " " + t.want + "\n")
	}
	return hostfile.Desired{Path: DropInPath, Body: []byte(b.String()), Mode: 0o644, Owner: "root", Group: "root"}
}

// Plan is pure: the drop-in, when sshd is not at its targets and a drop-in can fix it.
func (s *Step) Plan(st steps.State, _ steps.Settings) (steps.Plan, error) {
	plan, f, skip, err := steps.PlanFacts[Facts](ID, st)
	if skip || err != nil || compliant(f.Effective) {
		return plan, err
	}
	ch, ok, err := hostfile.Change(f.DropIn, dropIn(), fmt.Sprintf(
		"set %s; validated with sshd -t, then sshd reloads; a timer on the host puts the previous file back within %s unless a new SSH login confirms",
		wantedLines(), s.confirmWithin()))
	switch {
	case err != nil:
		return plan, err
	case !ok:
		return plan, fmt.Errorf("%s is in place, yet sshd -T does not show %s: something hardsail does not see overrides it", DropInPath, wantedLines())
	}
	plan.Changes = []steps.Change{ch}
	plan.Notes = []string{"Existing SSH sessions stay open; new logins use your key (or Lightsail's browser SSH) as before."}
	return plan, nil
}

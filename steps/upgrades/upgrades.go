// Package upgrades is the auto-upgrades step: unattended-upgrades installed and configured as the
// guide says (the -updates origin, mail reports, old kernels and dependencies removed, automatic
// reboot at a set time), the four periodic apt settings on, and both files proven by apt itself
// before the step counts as done.
//
// Undo puts back the files as they were, byte for byte, and purges a package only when hardsail
// installed it (it was absent before): unattended-upgrades, or mailutils for mail reports.
package upgrades

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
	"github.com/hardsail/hardsail/steps/hostfile"
)

// ID is the step's stable name.
const ID = "auto-upgrades"

// The files and packages the step manages.
const (
	UnattendedPath = "/etc/apt/apt.conf.d/50unattended-upgrades"
	PeriodicPath   = "/etc/apt/apt.conf.d/20auto-upgrades"
	Package        = "unattended-upgrades"
	// MailPackage provides mailx, as the guide installs it.
	MailPackage = "mailutils"
	// DefaultRebootTime is used when the settings name none.
	DefaultRebootTime = "02:00"

	packagePrefix = "host:package/"
)

// Step is the auto-upgrades step.
type Step struct{ steps.Identity }

// New returns the step.
func New() *Step { return &Step{steps.Named(ID, "Automatic security updates")} }

// HostQuery names every host fact Check reads, so the engine gathers them with the other steps':
// apt's, and what tells the WordPress layouts apart (for what apt patches there).
func (*Step) HostQuery() sshhost.Query {
	return blueprint.QueryWith(sshhost.Query{
		Files:     []string{PeriodicPath, UnattendedPath, timezonePath, localtimePath},
		Packages:  []string{Package},
		AptConfig: []string{"APT::Periodic::", "Unattended-Upgrade::"},
		Commands:  []string{"mailx"},
	})
}

// osInfo is the part of /etc/os-release the step decides on.
type osInfo struct {
	ID        string `json:"id"`
	VersionID string `json:"version_id,omitempty"`
	Codename  string `json:"codename,omitempty"`
	Pretty    string `json:"pretty,omitempty"`
}

// facts is State.Facts: plain JSON, and so the fingerprint of a plan.
type facts struct {
	OS         osInfo             `json:"os"`
	Installed  bool               `json:"installed"`
	Version    string             `json:"version,omitempty"`
	Mailx      string             `json:"mailx,omitempty"` // path of mailx on PATH, "" when absent
	Unattended sshhost.File       `json:"unattended"`
	Periodic   sshhost.File       `json:"periodic"`
	AptConfig  []sshhost.AptValue `json:"apt_config,omitempty"`
	AptError   string             `json:"apt_error,omitempty"`
	// TimeZone is the zone the instance's clock keeps (the reboot time is on it), "" when unknown.
	TimeZone string `json:"time_zone,omitempty"`
}

// Where Debian and Ubuntu say which time zone the clock keeps: /etc/timezone names it, and
// /etc/localtime links to its file under the zone database.
const (
	timezonePath  = "/etc/timezone"
	localtimePath = "/etc/localtime"
)

// timeZoneOf is the instance's time zone as the host says it, "" when it does not.
func timeZoneOf(hf *sshhost.Facts) string {
	if name := strings.TrimSpace(string(hf.Files[timezonePath].Body)); name != "" && !strings.ContainsAny(name, " \n") {
		return name
	}
	if _, name, ok := strings.Cut(hf.Files[localtimePath].Link, "zoneinfo/"); ok {
		return name
	}
	return ""
}

// zoneIn is the time zone of the instance in a state this step's Check returned, "" when unknown.
func zoneIn(st steps.State) string {
	f, err := steps.FactsOf[facts](st)
	if err != nil {
		return ""
	}
	return f.TimeZone
}

func (f facts) family() string {
	if f.OS.ID == "ubuntu" {
		return familyUbuntu
	}
	return familyDebian
}

// file is the managed file at p as Check read it.
func (f facts) file(p string) sshhost.File {
	if p == PeriodicPath {
		return f.Periodic
	}
	return f.Unattended
}

// fileFrom is the gathered file at p, with nothing but its path (and a link's target) when absent.
func fileFrom(hf *sshhost.Facts, p string) sshhost.File {
	f := hf.Files[p]
	if !f.Exists {
		return sshhost.File{Path: p, Link: f.Link}
	}
	f.Path = p
	return f
}

// Check reads the host in the engine's one gathering command. It changes nothing.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	hf, err := env.HostFacts(ctx, s.HostQuery())
	if err != nil {
		return steps.State{}, fmt.Errorf("read the host's apt configuration: %w", err)
	}
	st := stateFrom(hf)
	if st.Skip != "" {
		return st, nil
	}
	hint, err := blueprint.ReadHint(ctx, env)
	if err != nil {
		return st, err
	}
	st.Findings = append(st.Findings, stackFindings(hint, blueprint.Detect(hf))...)
	return st, nil
}

// stateFrom is Check's reading of the gathered host facts.
func stateFrom(hf *sshhost.Facts) steps.State {
	f := facts{
		OS: osInfo{ID: hf.OS["ID"], VersionID: hf.OS["VERSION_ID"], Codename: hf.OS["VERSION_CODENAME"],
			Pretty: hf.OS["PRETTY_NAME"]},
		Installed:  hf.Packages[Package].Installed,
		Version:    hf.Packages[Package].Version,
		Mailx:      hf.Commands["mailx"],
		Unattended: fileFrom(hf, UnattendedPath),
		Periodic:   fileFrom(hf, PeriodicPath),
		AptError:   hf.AptError,
		TimeZone:   timeZoneOf(hf),
	}
	// The engine's gathering may hold other steps' apt keys; only ours belong in this fingerprint.
	for _, v := range hf.AptConfig {
		if strings.HasPrefix(v.Key, "APT::Periodic::") || strings.HasPrefix(v.Key, "Unattended-Upgrade::") {
			f.AptConfig = append(f.AptConfig, v)
		}
	}
	st := steps.State{Step: ID, Facts: f}
	if why := unsupported(f.OS); why != "" {
		st.Skip = why
		return st
	}
	st.Findings = findings(f)
	return st
}

// unsupported says why the step does not apply to this OS, or "" when it does.
func unsupported(o osInfo) string {
	name := o.Pretty
	if name == "" {
		name = "this OS (ID=" + o.ID + ")"
	}
	switch o.ID {
	case "debian":
		switch o.VersionID {
		case "11", "12", "13":
			return ""
		}
		return name + " is not a Debian release hardsail configures (11, 12 and 13 are)"
	case "ubuntu":
		major, _, _ := strings.Cut(o.VersionID, ".")
		if n, err := strconv.Atoi(major); err == nil && n >= 20 {
			return ""
		}
		return name + " is older than the Ubuntu releases hardsail configures (20.04 and later)"
	case "":
		return "the host has no /etc/os-release, so its distribution is unknown"
	}
	return name + " is not Debian or Ubuntu: unattended-upgrades is apt's, and hardsail configures automatic updates only there"
}

// findings reports what apt reads differently from our two files: a later file overriding them.
func findings(f facts) []steps.Finding {
	var out []steps.Finding
	if f.AptError != "" {
		out = append(out, steps.Finding{ID: ID + ".apt_config_error", Severity: "warning",
			Message: "apt-config dump fails on the host: " + firstLine(f.AptError),
			Fix:     "Fix the file apt names; until then apt, and unattended-upgrades, read no configuration."})
		return out
	}
	// "-" stands for the mail and reboot time, which the settings choose: any value is ours.
	for _, ff := range fileSpecs(f, "-", "-") {
		file := f.file(ff.path)
		cfg, err := ParseConfig(file.Body)
		if !file.Exists || err != nil {
			continue
		}
		for _, s := range ff.want {
			ours, ok := cfg.Get(s.key)
			if s.list || !ok {
				continue
			}
			if apt, seen := lastApt(f.AptConfig, s.key); seen && apt != ours {
				out = append(out, steps.Finding{ID: ID + ".setting_overridden", Severity: "warning",
					Message: fmt.Sprintf("apt reads %s as %q, not %q as %s says: a later file in /etc/apt/apt.conf.d overrides it",
						s.label(), apt, ours, ff.path),
					Fix: "Find it with `grep -ri " + s.label() + " /etc/apt/apt.conf.d` and remove it, unless it is there on purpose."})
			}
		}
	}
	return out
}

func lastApt(vals []sshhost.AptValue, key string) (string, bool) {
	for i := len(vals) - 1; i >= 0; i-- {
		if strings.EqualFold(vals[i].Key, key) {
			return vals[i].Value, true
		}
	}
	return "", false
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// SyntaxError is a managed file the editor cannot read safely; hardsail leaves it alone.
type SyntaxError struct {
	Path string
	Err  error
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("read %s: %v", e.Path, e.Err) }
func (e *SyntaxError) Unwrap() error { return e.Err }

// HintText names the fix.
func (e *SyntaxError) HintText() string {
	return "Fix or simplify that line of " + e.Path + " (`sudo apt-config dump` shows whether apt reads it), then run hardsail again."
}

// Plan is pure: the changes that bring the facts to the settings' target.
func (s *Step) Plan(st steps.State, set steps.Settings) (steps.Plan, error) {
	p, f, skip, err := steps.PlanFacts[facts](ID, st)
	if skip || err != nil {
		return p, err
	}
	if err := steps.ValidateSettings(set, s.Options()); err != nil {
		return p, err
	}
	if !f.Installed {
		p.Changes = append(p.Changes, steps.Change{Action: steps.Create, Address: packagePrefix + Package,
			Why: Package + " is not installed"})
		p.Notes = append(p.Notes, "Undo purges "+Package+" again, since hardsail installs it.")
	}
	if set.Mail != "" && f.Mailx == "" {
		p.Changes = append(p.Changes, steps.Change{Action: steps.Create, Address: packagePrefix + MailPackage,
			Why: "mail reports to " + set.Mail + " need mailx, and none is installed"})
		p.Notes = append(p.Notes,
			"Undo purges "+MailPackage+" again. It is installed without a mail server: mail leaves the host only once one (postfix, msmtp-mta…) is set up.")
	}
	for _, spec := range fileSpecs(f, set.Mail, rebootTime(set)) {
		c, _, ok, err := spec.change(f.file(spec.path))
		if err != nil {
			return p, err
		}
		if ok {
			p.Changes = append(p.Changes, c)
		}
	}
	if !p.Empty() {
		p.Notes = append(p.Notes, "apt checks the new files (apt-config dump, unattended-upgrades --dry-run) before they count; if it refuses them, the previous files go back.",
			"Undo puts the previous files back byte for byte.")
	}
	return p, nil
}

// rebootTime is the settings' reboot time, or the default when they name none.
func rebootTime(set steps.Settings) string { return cmp.Or(set.RebootTime, DefaultRebootTime) }

// fileSpec is one managed file: what it is edited from when missing, and what it must say.
type fileSpec struct {
	path string
	base []byte
	want []setting
}

// fileSpecs are the step's two files, in the order they are written.
func fileSpecs(f facts, mail, reboot string) []fileSpec {
	return []fileSpec{
		{UnattendedPath, shipped(f), unattendedSettings(f.family(), mail, reboot)},
		{PeriodicPath, assets.AutoUpgrades, periodicSettings()},
	}
}

// shipped is the distribution's own 50unattended-upgrades: the base when the file is missing.
func shipped(f facts) []byte {
	if f.family() == familyUbuntu {
		return assets.UbuntuUnattendedUpgrades
	}
	return assets.DebianUnattendedUpgrades
}

// change is the change that makes have say what the spec wants, and the file it writes (false when
// have already says it). A symbolic link is refused with *hostfile.LinkError.
func (sp fileSpec) change(have sshhost.File) (steps.Change, hostfile.Desired, bool, error) {
	before := sp.base
	if have.Exists {
		before = have.Body
	}
	after, drifts, err := edit(before, sp.want)
	if err != nil {
		return steps.Change{}, hostfile.Desired{}, false, &SyntaxError{Path: sp.path, Err: err}
	}
	why := "the file is missing"
	if have.Exists {
		why = strings.Join(drifts, "; ")
	}
	want := desired(sp.path, after, have)
	c, ok, err := hostfile.Change(have, want, why)
	return c, want, ok, err
}

// desired is body at p, keeping the mode and owner of the file it replaces (0644 root:root for a new one).
func desired(p string, body []byte, have sshhost.File) hostfile.Desired {
	d := hostfile.Desired{Path: p, Body: body, Mode: 0o644, Owner: "root", Group: "root"}
	if have.Exists {
		d.Mode, d.Owner, d.Group = have.Mode.Perm(), have.Owner, have.Group
	}
	return d
}

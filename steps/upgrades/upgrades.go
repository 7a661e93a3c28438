// Package upgrades is the auto-upgrades step: unattended-upgrades installed and configured as the
// guide says (the -updates origin, mail reports, old kernels and dependencies removed, automatic
// reboot at a set time), the four periodic apt settings on, and both files proven by apt itself
// before the step counts as done.
//
// Undo puts back the files as they were, byte for byte, and purges a package only when hardsail
// installed it (it was absent before): unattended-upgrades, or mailutils for mail reports.
package upgrades

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
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
type Step struct{}

// New returns the step.
func New() *Step { return &Step{} }

func (*Step) ID() string    { return ID }
func (*Step) Title() string { return "Automatic security updates" }

// HostQuery names every host fact Check reads, so the engine gathers them with the other steps'.
func (*Step) HostQuery() sshhost.Query {
	return sshhost.Query{
		Files:     []string{PeriodicPath, UnattendedPath},
		Packages:  []string{Package},
		AptConfig: []string{"APT::Periodic::", "Unattended-Upgrade::"},
		Commands:  []string{"mailx"},
	}
}

// osInfo is the part of /etc/os-release the step decides on.
type osInfo struct {
	ID        string `json:"id"`
	VersionID string `json:"version_id,omitempty"`
	Codename  string `json:"codename,omitempty"`
	Pretty    string `json:"pretty,omitempty"`
}

// fileFact is one managed file as Check read it.
type fileFact struct {
	Exists bool   `json:"exists"`
	Body   []byte `json:"body,omitempty"`
	Mode   uint32 `json:"mode,omitempty"`
	Owner  string `json:"owner,omitempty"`
	Group  string `json:"group,omitempty"`
}

// facts is State.Facts: plain JSON, and so the fingerprint of a plan.
type facts struct {
	OS         osInfo             `json:"os"`
	Installed  bool               `json:"installed"`
	Version    string             `json:"version,omitempty"`
	Mailx      string             `json:"mailx,omitempty"` // path of mailx on PATH, "" when absent
	Unattended fileFact           `json:"unattended"`
	Periodic   fileFact           `json:"periodic"`
	AptConfig  []sshhost.AptValue `json:"apt_config,omitempty"`
	AptError   string             `json:"apt_error,omitempty"`
}

func (f facts) family() string {
	if f.OS.ID == "ubuntu" {
		return familyUbuntu
	}
	return familyDebian
}

func fileFrom(f sshhost.File) fileFact {
	if !f.Exists {
		return fileFact{}
	}
	return fileFact{Exists: true, Body: f.Body, Mode: uint32(f.Mode.Perm()), Owner: f.Owner, Group: f.Group}
}

// Check reads the host in the engine's one gathering command. It changes nothing.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	hf, err := env.HostFacts(ctx, s.HostQuery())
	if err != nil {
		return steps.State{}, fmt.Errorf("read the host's apt configuration: %w", err)
	}
	return stateFrom(hf), nil
}

// stateFrom is Check's reading of the gathered host facts.
func stateFrom(hf *sshhost.Facts) steps.State {
	f := facts{
		OS: osInfo{ID: hf.OS["ID"], VersionID: hf.OS["VERSION_ID"], Codename: hf.OS["VERSION_CODENAME"],
			Pretty: hf.OS["PRETTY_NAME"]},
		Installed:  hf.Packages[Package].Installed,
		Version:    hf.Packages[Package].Version,
		Mailx:      hf.Commands["mailx"],
		Unattended: fileFrom(hf.Files[UnattendedPath]),
		Periodic:   fileFrom(hf.Files[PeriodicPath]),
		AptError:   hf.AptError,
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
		out = append(out, steps.Finding{Severity: "warning",
			Message: "apt-config dump fails on the host: " + firstLine(f.AptError),
			Fix:     "Fix the file apt names; until then apt, and unattended-upgrades, read no configuration."})
		return out
	}
	for _, ff := range []struct {
		path string
		file fileFact
		want []setting
	}{
		{UnattendedPath, f.Unattended, unattendedSettings(f.family(), "-", "-")},
		{PeriodicPath, f.Periodic, periodicSettings()},
	} {
		cfg, err := ParseConfig(ff.file.Body)
		if !ff.file.Exists || err != nil {
			continue
		}
		for _, s := range ff.want {
			ours, ok := cfg.Get(s.key)
			if s.list || !ok {
				continue
			}
			if apt, seen := lastApt(f.AptConfig, s.key); seen && apt != ours {
				out = append(out, steps.Finding{Severity: "warning",
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
	p := steps.Plan{Step: ID}
	if st.Skip != "" {
		return p, nil
	}
	f, ok := st.Facts.(facts)
	if !ok {
		return p, fmt.Errorf("%s: state holds %T, not this step's facts", ID, st.Facts)
	}
	reboot := set.RebootTime
	if reboot == "" {
		reboot = DefaultRebootTime
	}
	if set.Mail != "" {
		if _, err := quote(set.Mail); err != nil {
			return p, &steps.UsageError{Msg: fmt.Sprintf("--mail %q cannot be written to apt's configuration: %v", set.Mail, err),
				Hint: "Use a plain address such as --mail you@example.com."}
		}
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
	files := []struct {
		path string
		file fileFact
		base []byte
		want []setting
	}{
		{UnattendedPath, f.Unattended, shipped(f), unattendedSettings(f.family(), set.Mail, reboot)},
		{PeriodicPath, f.Periodic, assets.AutoUpgrades, periodicSettings()},
	}
	for _, ff := range files {
		c, err := fileChange(ff.path, ff.file, ff.base, ff.want)
		if err != nil {
			return p, err
		}
		if c != nil {
			p.Changes = append(p.Changes, *c)
		}
	}
	if !p.Empty() {
		p.Notes = append(p.Notes, "apt checks the new files (apt-config dump, unattended-upgrades --dry-run) before they count; if it refuses them, the previous files go back.",
			"Undo puts the previous files back byte for byte.")
	}
	return p, nil
}

// shipped is the distribution's own 50unattended-upgrades: the base when the file is missing.
func shipped(f facts) []byte {
	if f.family() == familyUbuntu {
		return assets.UbuntuUnattendedUpgrades
	}
	return assets.DebianUnattendedUpgrades
}

// fileChange is the change that makes the file say want, or nil when it does.
func fileChange(path string, file fileFact, base []byte, want []setting) (*steps.Change, error) {
	before := base
	if file.Exists {
		before = file.Body
	}
	after, why, err := edit(before, want)
	if err != nil {
		return nil, &SyntaxError{Path: path, Err: err}
	}
	c := &steps.Change{Action: steps.Update, Address: "host:" + path, File: true,
		Before: string(file.Body), After: string(after), Why: strings.Join(why, "; ")}
	if !file.Exists {
		c.Action, c.Why = steps.Create, "the file is missing"
		return c, nil
	}
	if string(after) == string(file.Body) {
		return nil, nil
	}
	return c, nil
}

// undoData is journaled with each change: what undo needs to put the host back.
type undoData struct {
	Path    string `json:"path,omitempty"`
	Existed bool   `json:"existed,omitempty"`
	Body    []byte `json:"body,omitempty"` // the prior body, byte for byte
	Mode    uint32 `json:"mode,omitempty"`
	Owner   string `json:"owner,omitempty"`
	Group   string `json:"group,omitempty"`
	Wrote   []byte `json:"wrote,omitempty"` // what hardsail wrote, to notice later edits
	// Package was installed by hardsail (it was absent before).
	Package string `json:"package,omitempty"`
}

// ValidationError is apt refusing the new files; they have been put back.
type ValidationError struct {
	What   string // the command that refused
	Output string // apt's own message
	// Restore is set when putting the previous files back failed too.
	Restore error
}

func (e *ValidationError) Error() string {
	msg := fmt.Sprintf("%s refused the new configuration: %s", e.What, e.Output)
	if e.Restore != nil {
		return msg + "; putting the previous files back failed too: " + e.Restore.Error()
	}
	return msg + "; the previous files were put back"
}

func (e *ValidationError) HintText() string {
	if e.Restore != nil {
		return "Run `hardsail undo auto-upgrades` to put the journaled files back, then fix what apt reports."
	}
	return "Fix what apt reports (often another file in /etc/apt/apt.conf.d), then run `hardsail apply auto-upgrades` again."
}

// openWrite is a file written whose journal entry stays open until apt has accepted it.
type openWrite struct {
	id   string
	path string
	data undoData
}

// Apply installs what is missing, writes the files, has apt check them, and puts the previous
// files back if apt refuses them. A file entry is marked done only once apt accepted it.
func (s *Step) Apply(ctx context.Context, env *steps.Env, plan steps.Plan, j *steps.Journal) (steps.Outcome, error) {
	out := steps.Outcome{Step: ID, Status: steps.StatusOK}
	if plan.Empty() {
		return out, nil
	}
	c, release, err := lockedHost(ctx, env)
	if err != nil {
		return out, err
	}
	defer release()
	var did []string
	installed := false
	for _, ch := range plan.Changes {
		pkg, ok := strings.CutPrefix(ch.Address, packagePrefix)
		if !ok {
			continue
		}
		if err := s.install(ctx, env, c, j, ch, pkg); err != nil {
			return out, err
		}
		installed = true
		did = append(did, "installed "+pkg)
	}
	fileChanges := plan.Changes
	if installed {
		// The package brought its own files: plan their edit from what is there now.
		env.ForgetHostFacts()
		st, err := s.Check(ctx, env)
		if err != nil {
			return out, err
		}
		fresh, err := s.Plan(st, env.Settings)
		if err != nil {
			return out, err
		}
		fileChanges = fresh.Changes
	}
	var open []openWrite
	// fail ends the apply after an error: the files written so far go back first. An entry is marked
	// failed only when its file is known to hold its prior body again; after a dropped connection
	// (a rename may or may not have happened) or a failed restore, entries stay open (interrupted)
	// and undo looks at which body is live.
	fail := func(err error) (steps.Outcome, error) {
		if sshhost.Dropped(err) {
			return out, err
		}
		if rerr := restore(ctx, c, open); rerr != nil {
			return out, errors.Join(err, rerr)
		}
		for _, w := range open {
			_ = j.Fail(w.id, err)
		}
		return out, err
	}
	for _, ch := range fileChanges {
		if !ch.File {
			continue
		}
		path := strings.TrimPrefix(ch.Address, "host:")
		live, err := c.ReadFile(ctx, path)
		if err != nil {
			return fail(err)
		}
		if string(live.Body) != ch.Before || live.Exists != (ch.Action != steps.Create) {
			return fail(&steps.StalePlanError{Step: ID})
		}
		w, err := write(ctx, c, j, ch, path, live)
		if w.id != "" {
			open = append(open, w)
		}
		if err != nil {
			return fail(err)
		}
		did = append(did, "wrote "+path)
	}
	if len(open) > 0 {
		if verr := validate(ctx, c, env.Settings, open); verr != nil {
			if verr.Restore = restore(ctx, c, open); verr.Restore != nil {
				return out, verr
			}
			for _, w := range open {
				_ = j.Fail(w.id, verr)
			}
			return out, verr
		}
	}
	for i := len(open) - 1; i >= 0; i-- {
		if err := j.Done(open[i].id); err != nil {
			return out, err
		}
	}
	out.Status, out.Detail = steps.StatusChanged, strings.Join(did, ", ")
	return out, nil
}

func write(ctx context.Context, c *sshhost.Client, j *steps.Journal, ch steps.Change, path string, live sshhost.File) (openWrite, error) {
	d := undoData{Path: path, Existed: live.Exists, Body: live.Body, Mode: uint32(live.Mode.Perm()),
		Owner: live.Owner, Group: live.Group, Wrote: []byte(ch.After)}
	mode, owner, group := fs.FileMode(0o644), "root", "root"
	if live.Exists {
		mode, owner, group = live.Mode.Perm(), live.Owner, live.Group
	}
	id, err := j.Begin(ID, ch, d)
	if err != nil {
		return openWrite{}, err
	}
	w := openWrite{id: id, path: path, data: d}
	if err := c.WriteFileAtomic(ctx, path, []byte(ch.After), mode, owner, group); err != nil {
		return w, err
	}
	return w, nil
}

// restore puts the previous files back, newest first.
func restore(ctx context.Context, c *sshhost.Client, open []openWrite) error {
	var errs []error
	for i := len(open) - 1; i >= 0; i-- {
		errs = append(errs, putBack(ctx, c, open[i].data))
	}
	return errors.Join(errs...)
}

func putBack(ctx context.Context, c *sshhost.Client, d undoData) error {
	if !d.Existed {
		return c.RemoveFile(ctx, d.Path)
	}
	return c.WriteFileAtomic(ctx, d.Path, d.Body, fs.FileMode(d.Mode).Perm(), d.Owner, d.Group)
}

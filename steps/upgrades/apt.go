package upgrades

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/hostfile"
)

// BusyMessage is the event shown while apt's lock is held by someone else.
const BusyMessage = "apt is busy (unattended-upgrades running?), waiting…"

// lockWait is how long apt-get waits for the dpkg lock once we know it is held (seconds).
const lockWait = 300

// InstallError is apt-get failing to install a package; Output is apt's own message.
type InstallError struct {
	Package string
	Output  string
}

func (e *InstallError) Error() string {
	return fmt.Sprintf("install %s: %s", e.Package, e.Output)
}

func (e *InstallError) HintText() string {
	return "Fix what apt reports (`sudo apt-get install " + e.Package + "` on the instance shows it too), then run `hardsail apply auto-upgrades` again."
}

func aptGet(ctx context.Context, c *sshhost.Client, timeout int, args string) (sshhost.Result, error) {
	return c.Sudo(ctx, fmt.Sprintf("DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=%d %s", timeout, args), nil)
}

func aptOutput(res sshhost.Result, err error) string {
	var lines []string
	for _, l := range strings.Split(string(res.Stderr)+"\n"+string(res.Stdout), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "E:") {
			lines = append(lines, l)
		}
	}
	// A failed download repeats one cause per package: the first and the conclusion say it.
	if n := len(lines); n > 3 {
		lines = append(lines[:1:1], fmt.Sprintf("(%d more like it)", n-2), lines[n-1])
	}
	if len(lines) > 0 {
		return strings.Join(lines, "; ")
	}
	if t := lastLines(res.Stderr, 3); t != "" {
		return t
	}
	return err.Error()
}

func lastLines(b []byte, n int) string {
	var lines []string
	for _, l := range strings.Split(string(bytes.TrimSpace(b)), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "; ")
}

// install installs pkg, journaled with its name so undo purges it again. It tries once without
// waiting for the dpkg lock so it can say why it waits, and refreshes stale package lists once.
func install(ctx context.Context, env *steps.Env, rec *steps.Recorder, c *sshhost.Client, ch steps.Change, pkg string) error {
	if !installable(pkg) {
		return fmt.Errorf("install %q: not a package this step installs", pkg)
	}
	args := "install -y --no-install-recommends " + shellQuote(pkg)
	return rec.Do(ctx, ch, pkgData{Package: pkg}, func(ctx context.Context) error {
		res, err := aptGet(ctx, c, 0, args)
		if err != nil && aptBusy(res) {
			env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Address: ch.Address, Message: BusyMessage})
			res, err = aptGet(ctx, c, lockWait, args)
		}
		if err != nil && staleLists(res) {
			env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Address: ch.Address, Message: "apt's package lists are out of date; updating them…"})
			if _, uerr := aptGet(ctx, c, lockWait, "update"); uerr == nil {
				res, err = aptGet(ctx, c, lockWait, args)
			}
		}
		if err == nil {
			return nil
		}
		ierr := &InstallError{Package: pkg, Output: aptOutput(res, err)}
		if beforeDpkg(res) {
			// apt gave up before dpkg ran (no lock, no package, a download failed): nothing changed.
			return steps.Definite(ierr)
		}
		return ierr
	})
}

// beforeDpkg reports whether apt-get failed before it handed anything to dpkg.
func beforeDpkg(res sshhost.Result) bool {
	return aptBusy(res) || staleLists(res) || strings.Contains(string(res.Stderr), "Unable to fetch some archives")
}

func aptBusy(res sshhost.Result) bool {
	e := string(res.Stderr)
	return strings.Contains(e, "Could not get lock") || strings.Contains(e, "Unable to acquire the dpkg frontend lock") ||
		strings.Contains(e, "is held by process")
}

func staleLists(res sshhost.Result) bool {
	e := string(res.Stderr)
	return strings.Contains(e, "Unable to locate package") || strings.Contains(e, "404  Not Found") ||
		strings.Contains(e, "has no installation candidate")
}

// pkgData is journaled with a package install: the name undo purges.
type pkgData struct {
	Package string `json:"package"`
}

// packageName is Debian's syntax for a package name (Policy §5.6.1).
var packageName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`) })

// installable reports whether pkg is a package this step installs (and so may purge).
func installable(pkg string) bool {
	return packageName().MatchString(pkg) && (pkg == Package || pkg == MailPackage)
}

// shellQuote makes s one word of a shell command line.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Undo puts back, newest first, the files as they were and purges the packages hardsail installed.
// Every entry is checked before anything runs: a path this step does not write, or a package it
// does not install, is a journal edited by hand (*steps.TamperedError), and nothing is undone.
func (s *Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	pkgs, err := steps.DecodeAll(entries, checkEntry)
	if err != nil {
		return steps.Report{}, err
	}
	c, release, err := env.LockedSSH(ctx)
	if err != nil {
		return steps.Report{}, err
	}
	defer release()
	var did []string
	report := func(err error) (steps.Report, error) {
		if len(did) == 0 && err == nil {
			return steps.Report{Detail: "the host was already as before"}, nil
		}
		return steps.Report{Detail: strings.Join(did, ", ")}, err
	}
	for i, e := range entries {
		if pkgs[i] == "" {
			d, err := hostfile.Undo(ctx, rec, c, entries[i:i+1], owns)
			did = append(did, d...)
			if err != nil {
				return report(err)
			}
			continue
		}
		purged, err := purge(ctx, rec, c, e, pkgs[i])
		if err != nil {
			return report(err)
		}
		if purged {
			did = append(did, "purged "+pkgs[i])
		}
	}
	return report(nil)
}

// checkEntry refuses an entry that is not one this step could have written; it returns the
// package the entry installed, or "" for a file entry (whose record hostfile.Undo reads).
func checkEntry(e steps.Entry) (string, error) {
	var d struct {
		Package string `json:"package"`
		Path    string `json:"path"`
	}
	if err := e.Decode(&d); err != nil {
		return "", &steps.TamperedError{Entry: e.ID, Why: err.Error()}
	}
	switch p := hostfile.PathOf(e.Change); {
	case d.Package == "" && (d.Path != p || !owns(p)):
		return "", &steps.TamperedError{Entry: e.ID, Why: fmt.Sprintf("its file %q (change %s) is not one this step writes", d.Path, e.Change.Address)}
	case d.Package == "":
		return "", nil
	case d.Path != "" || !installable(d.Package) || e.Change.Address != packagePrefix+d.Package:
		return "", &steps.TamperedError{Entry: e.ID, Why: fmt.Sprintf("its package %q (change %s) is not one this step installs", d.Package, e.Change.Address)}
	}
	return d.Package, nil
}

// purge reverses the install of pkg, when pkg is still installed (an interrupted or unknown
// install may never have happened); it reports whether it purged.
func purge(ctx context.Context, rec *steps.Recorder, c *sshhost.Client, e steps.Entry, pkg string) (bool, error) {
	hf, err := c.Gather(ctx, sshhost.Query{Packages: []string{pkg}})
	if err != nil {
		return false, fmt.Errorf("look up %s: %w", pkg, err)
	}
	ch := steps.Change{Action: steps.Delete, Address: e.Change.Address, Why: "undo: hardsail installed " + pkg}
	if !hf.Packages[pkg].Installed {
		ch.Why = "undo: " + pkg + " is not installed; nothing to purge"
		return false, rec.Reverse(ctx, e, ch, nil, nil)
	}
	return true, rec.Reverse(ctx, e, ch, nil, func(ctx context.Context) error {
		res, err := aptGet(ctx, c, lockWait, "purge -y "+shellQuote(pkg))
		if err != nil {
			return fmt.Errorf("purge %s: %s", pkg, aptOutput(res, err))
		}
		return nil
	})
}

package upgrades

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/hostfile"
)

// owns reports whether p is a file this step writes: undo restores no other path.
func owns(p string) bool { return p == UnattendedPath || p == PeriodicPath }

// fileWrite is one planned file: the change, the file as it is, and the file as it will be.
type fileWrite struct {
	change steps.Change
	have   sshhost.File
	want   hostfile.Desired
}

// Apply installs what is missing, writes the files, has apt check them, and puts the previous
// files back (journaled, as the undo of their writes) if apt refuses them.
func (s *Step) Apply(ctx context.Context, env *steps.Env, live steps.State, plan steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	f, done, err := steps.ApplyFacts[facts](live, plan)
	if done {
		return steps.Done(err)
	}
	c, release, err := env.LockedSSH(ctx)
	if err != nil {
		return steps.Report{}, err
	}
	defer release()
	var did []string
	report := func(err error) (steps.Report, error) { return steps.Report{Detail: strings.Join(did, ", ")}, err }
	reread := false
	for _, ch := range plan.Changes {
		pkg, ok := strings.CutPrefix(ch.Address, packagePrefix)
		if !ok {
			continue
		}
		if err := install(ctx, env, rec, c, ch, pkg); err != nil {
			return report(err)
		}
		did = append(did, "installed "+pkg)
		reread = reread || pkg == Package
	}
	writes, err := fileWrites(ctx, c, f, plan, env.Settings, reread)
	if err != nil {
		return report(err)
	}
	if err := writeChecked(ctx, rec, c, env.Settings, writes); err != nil {
		return report(err)
	}
	for _, w := range writes {
		did = append(did, "wrote "+w.want.Path)
	}
	return report(nil)
}

// fileWrites are the plan's file changes, made against the files as Check found them. Once
// unattended-upgrades was installed by this apply, its package brought its own files: then the
// edit is made again from what it installed (the package's file, not the one hardsail ships).
func fileWrites(ctx context.Context, c *sshhost.Client, f facts, plan steps.Plan, set steps.Settings, reread bool) ([]fileWrite, error) {
	var out []fileWrite
	if reread {
		for _, spec := range fileSpecs(f, set.Mail, rebootTime(set)) {
			have, err := c.ReadFile(ctx, spec.path)
			if err != nil {
				return nil, fmt.Errorf("read %s after installing %s: %w", spec.path, Package, err)
			}
			ch, want, ok, err := spec.change(have)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, fileWrite{change: ch, have: have, want: want})
			}
		}
		return out, nil
	}
	for _, ch := range plan.Changes {
		p := hostfile.PathOf(ch)
		if !ch.File || !owns(p) {
			continue
		}
		have := f.file(p)
		out = append(out, fileWrite{change: ch, have: have, want: desired(p, []byte(ch.After), have)})
	}
	return out, nil
}

// writeChecked writes the files through hostfile and has apt check them inside the last write's
// journal entry (the dry run runs as root: it is part of that change, never outside one). If a
// write fails or apt refuses the files, the ones written go back as the undo of their entries.
func writeChecked(ctx context.Context, rec *steps.Recorder, c *sshhost.Client, set steps.Settings, writes []fileWrite) error {
	var verr *ValidationError
	for i, w := range writes {
		var err error
		if i < len(writes)-1 {
			err = hostfile.Write(ctx, rec, c, w.change, w.have, w.want)
		} else {
			err = hostfile.WriteThen(ctx, rec, c, w.change, w.have, w.want, func(ctx context.Context) { verr = validate(ctx, c, set, writes) })
		}
		if err == nil && verr != nil {
			err = verr
		}
		if err != nil {
			return putBack(ctx, rec, c, err)
		}
	}
	return nil
}

// putBack undoes this run's file writes after err, journaled as their undo. A cancelled run still
// does, with a fresh short deadline; after a dropped connection nothing can reach the host, and
// the entries stay for `hardsail undo`, which compares the live files first.
func putBack(ctx context.Context, rec *steps.Recorder, c *sshhost.Client, err error) error {
	if sshhost.Dropped(err) {
		return err // nothing reaches the host now: the entries stay for `hardsail undo`
	}
	if ctx.Err() != nil {
		// A cancelled run (Ctrl-C, SIGTERM) still puts back what it wrote, on a short deadline of
		// its own: leaving apt half-configured is worse than finishing the rollback.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
	}
	var rerr error
	if entries, jerr := runFileEntries(rec); jerr != nil {
		rerr = jerr
	} else if len(entries) > 0 {
		_, rerr = hostfile.Undo(ctx, rec, c, entries, owns)
	}
	var verr *ValidationError
	if errors.As(err, &verr) {
		verr.Restore = rerr
		return verr
	}
	if rerr != nil {
		return errors.Join(err, fmt.Errorf("putting the previous files back failed too: %w", rerr))
	}
	return err
}

// rollbackTimeout bounds the rollback of a cancelled run.
const rollbackTimeout = 30 * time.Second

// runFileEntries are the file writes of this run still to undo, newest first.
func runFileEntries(rec *steps.Recorder) ([]steps.Entry, error) {
	all, err := rec.Journal().Entries()
	if err != nil {
		return nil, err
	}
	run := rec.Journal().Run()
	return slices.DeleteFunc(steps.Undoable(all, ID), func(e steps.Entry) bool {
		return e.Run != run || !owns(hostfile.PathOf(e.Change))
	}), nil
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

// dumpLine is one line of `apt-config dump`.
var dumpLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\S+) "(.*)";$`) })

// validate has apt read the new files: apt-config dump must show what they say, and
// unattended-upgrades must accept them in a dry run.
func validate(ctx context.Context, c *sshhost.Client, set steps.Settings, writes []fileWrite) *ValidationError {
	res, err := c.Run(ctx, "apt-config dump")
	if err != nil {
		return &ValidationError{What: "apt-config dump", Output: aptOutput(res, err)}
	}
	var dump []sshhost.AptValue
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if m := dumpLine().FindStringSubmatch(l); m != nil {
			dump = append(dump, sshhost.AptValue{Key: m[1], Value: m[2]})
		}
	}
	want := append(append(unattendedSettings(familyDebian, set.Mail, "-"), unattendedSettings(familyUbuntu, "", "-")...), periodicSettings()...)
	for _, w := range writes {
		cfg, err := ParseConfig(w.want.Body)
		if err != nil {
			return &ValidationError{What: "hardsail", Output: err.Error()}
		}
		if out := unread(cfg, dump, want, w.want.Path); out != "" {
			return &ValidationError{What: "apt-config dump", Output: out}
		}
	}
	res, err = c.Sudo(ctx, "unattended-upgrades --dry-run --debug", nil)
	if err != nil {
		return &ValidationError{What: "unattended-upgrades --dry-run", Output: aptOutput(res, err)}
	}
	return nil
}

// unread says which setting of the file at p apt does not read as the file says, or "".
func unread(cfg *Config, dump []sshhost.AptValue, want []setting, p string) string {
	for _, s := range want {
		if s.list {
			if slices.Contains(cfg.List(s.key), s.value) && !hasApt(dump, s.key+"::", s.value) {
				return fmt.Sprintf("apt does not list %q in %s", s.value, s.key)
			}
			continue
		}
		v, ok := cfg.Get(s.key)
		if !ok {
			continue
		}
		if got, seen := lastApt(dump, s.key); !seen || got != v {
			return fmt.Sprintf("apt reads %s as %q, not %q as %s says (a later file in /etc/apt/apt.conf.d overrides it)", s.key, got, v, p)
		}
	}
	return ""
}

func hasApt(vals []sshhost.AptValue, key, v string) bool {
	return slices.ContainsFunc(vals, func(a sshhost.AptValue) bool { return strings.EqualFold(a.Key, key) && a.Value == v })
}

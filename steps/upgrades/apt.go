package upgrades

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aymanbagabas/go-udiff"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
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

// install installs pkg, journaled so undo purges it again. It tries once without waiting for the
// dpkg lock so it can say why it waits, and refreshes stale package lists once.
func (s *Step) install(ctx context.Context, env *steps.Env, c *sshhost.Client, j *steps.Journal, ch steps.Change, pkg string) error {
	id, err := j.Begin(ID, ch, undoData{Package: pkg})
	if err != nil {
		return err
	}
	args := "install -y --no-install-recommends " + pkg
	res, err := aptGet(ctx, c, 0, args)
	if err != nil && aptBusy(res) {
		env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Address: ch.Address, Message: BusyMessage, At: env.Clock()})
		res, err = aptGet(ctx, c, lockWait, args)
	}
	if err != nil && staleLists(res) {
		env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Address: ch.Address, Message: "apt's package lists are out of date; updating them…", At: env.Clock()})
		if _, uerr := aptGet(ctx, c, lockWait, "update"); uerr == nil {
			res, err = aptGet(ctx, c, lockWait, args)
		}
	}
	if err != nil {
		ierr := &InstallError{Package: pkg, Output: aptOutput(res, err)}
		_ = j.Fail(id, ierr)
		return ierr
	}
	return j.Done(id)
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

// dumpLine is one line of `apt-config dump`.
var dumpLine = regexp.MustCompile(`^(\S+) "(.*)";$`)

// validate has apt read the new files: apt-config dump must show what they say, and
// unattended-upgrades must accept them in a dry run.
func validate(ctx context.Context, c *sshhost.Client, set steps.Settings, open []openWrite) *ValidationError {
	res, err := c.Run(ctx, "apt-config dump")
	if err != nil {
		return &ValidationError{What: "apt-config dump", Output: aptOutput(res, err)}
	}
	var dump []sshhost.AptValue
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if m := dumpLine.FindStringSubmatch(l); m != nil {
			dump = append(dump, sshhost.AptValue{Key: m[1], Value: m[2]})
		}
	}
	want := append(append(unattendedSettings(familyDebian, set.Mail, "-"), unattendedSettings(familyUbuntu, "", "-")...), periodicSettings()...)
	for _, w := range open {
		cfg, err := ParseConfig(w.data.Wrote)
		if err != nil {
			return &ValidationError{What: "hardsail", Output: err.Error()}
		}
		for _, s := range want {
			if s.list {
				if has(cfg.List(s.key), s.value) && !hasApt(dump, s.key+"::", s.value) {
					return &ValidationError{What: "apt-config dump", Output: fmt.Sprintf("apt does not list %q in %s", s.value, s.key)}
				}
				continue
			}
			v, ok := cfg.Get(s.key)
			if !ok {
				continue
			}
			if got, seen := lastApt(dump, s.key); !seen || got != v {
				return &ValidationError{What: "apt-config dump",
					Output: fmt.Sprintf("apt reads %s as %q, not %q as %s says (a later file in /etc/apt/apt.conf.d overrides it)", s.key, got, v, w.path)}
			}
		}
	}
	res, err = c.Sudo(ctx, "unattended-upgrades --dry-run --debug", nil)
	if err != nil {
		return &ValidationError{What: "unattended-upgrades --dry-run", Output: aptOutput(res, err)}
	}
	return nil
}

func has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func hasApt(vals []sshhost.AptValue, key, v string) bool {
	for _, a := range vals {
		if strings.EqualFold(a.Key, key) && a.Value == v {
			return true
		}
	}
	return false
}

// ChangedError refuses to undo over a file edited since hardsail wrote it; it shows the three versions.
type ChangedError struct {
	Path                string
	Prior, Wrote, Live  []byte
	PriorGone, LiveGone bool
}

func (e *ChangedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s changed since hardsail wrote it; undo left it as it is.\n", e.Path)
	b.WriteString("What hardsail wrote → what is there now:\n")
	b.WriteString(udiff.Unified(e.Path+" (hardsail wrote)", e.Path+" (now)", string(e.Wrote), string(e.Live)))
	if e.PriorGone {
		b.WriteString("Undo would remove the file: it did not exist before hardsail.\n")
	} else {
		b.WriteString("What is there now → what undo would put back:\n")
		b.WriteString(udiff.Unified(e.Path+" (now)", e.Path+" (before hardsail)", string(e.Live), string(e.Prior)))
	}
	return strings.TrimRight(b.String(), "\n")
}

func (e *ChangedError) HintText() string {
	return "Keep the edits (nothing to do), or run `hardsail undo auto-upgrades --force` to put back the file as it was before hardsail."
}

// lockedHost is the run's connection with the remote lock held, so another hardsail run on this host
// cannot interleave its edits with ours (re-entrant when the run already holds it).
func lockedHost(ctx context.Context, env *steps.Env) (*sshhost.Client, func() error, error) {
	c, err := env.SSH(ctx)
	if err != nil {
		return nil, nil, err
	}
	release, err := c.Lock(ctx)
	if err != nil {
		return nil, nil, err
	}
	return c, release, nil
}

// Undo puts back, newest first, the files as they were and purges the packages hardsail installed.
func (s *Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, j *steps.Journal) (steps.Outcome, error) {
	out := steps.Outcome{Step: ID, Status: steps.StatusChanged}
	c, release, err := lockedHost(ctx, env)
	if err != nil {
		return out, err
	}
	defer release()
	var did []string
	for _, e := range entries {
		var d undoData
		if err := e.Decode(&d); err != nil {
			return out, err
		}
		if d.Package != "" {
			if err := purge(ctx, c, j, e, d.Package); err != nil {
				return out, err
			}
			did = append(did, "purged "+d.Package)
			continue
		}
		live, err := c.ReadFile(ctx, d.Path)
		if err != nil {
			return out, err
		}
		atPrior := live.Exists == d.Existed && bytes.Equal(live.Body, d.Body)
		atWrote := live.Exists && bytes.Equal(live.Body, d.Wrote)
		if !atPrior && !atWrote && !env.Force {
			return out, &ChangedError{Path: d.Path, Prior: d.Body, Wrote: d.Wrote, Live: live.Body, PriorGone: !d.Existed, LiveGone: !live.Exists}
		}
		rev := steps.Change{Action: steps.Update, Address: e.Change.Address, File: true,
			Before: string(live.Body), After: string(d.Body), Why: "undo: put back the file as it was before hardsail"}
		if !d.Existed {
			rev.Action, rev.After, rev.Why = steps.Delete, "", "undo: the file did not exist before hardsail"
		}
		id, err := j.BeginUndo(e, rev, nil)
		if err != nil {
			return out, err
		}
		if !atPrior {
			if err := putBack(ctx, c, d); err != nil {
				_ = j.Fail(id, err)
				return out, err
			}
			did = append(did, "restored "+d.Path)
		}
		if err := j.Done(id); err != nil {
			return out, err
		}
	}
	out.Detail = strings.Join(did, ", ")
	if len(did) == 0 {
		out.Detail = "the host was already as before"
	}
	return out, nil
}

func purge(ctx context.Context, c *sshhost.Client, j *steps.Journal, e steps.Entry, pkg string) error {
	id, err := j.BeginUndo(e, steps.Change{Action: steps.Delete, Address: e.Change.Address,
		Why: "undo: hardsail installed " + pkg}, nil)
	if err != nil {
		return err
	}
	res, err := aptGet(ctx, c, lockWait, "purge -y "+pkg)
	if err != nil {
		perr := fmt.Errorf("purge %s: %s", pkg, aptOutput(res, err))
		_ = j.Fail(id, perr)
		return perr
	}
	return j.Done(id)
}

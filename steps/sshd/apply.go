package sshd

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/hostfile"
)

// owns reports whether p is the file this step writes: undo restores no other path.
func owns(p string) bool { return p == DropInPath }

// Apply writes the drop-in and, inside the same journal entry, commits it like "commit confirmed":
// sshd -t, sshd -T must show the targets (and the CA line unchanged), a timer armed on the host,
// sshd reloaded, a new SSH login, the timer disarmed over that login. If any of it fails the
// previous drop-in is put back (journaled as the undo of the write) and sshd reloaded; if hardsail
// itself is gone, the timer on the host does it.
func (s *Step) Apply(ctx context.Context, env *steps.Env, live steps.State, plan steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	f, done, err := steps.ApplyFacts[Facts](live, plan)
	if done {
		return steps.Done(err)
	}
	want := dropIn()
	ch := plan.Changes[0]
	if len(plan.Changes) != 1 || hostfile.PathOf(ch) != DropInPath || ch.After != string(want.Body) ||
		(ch.Action != steps.Create && ch.Action != steps.Update) {
		return steps.Report{}, fmt.Errorf("%s: the plan is not one write of %s as hardsail makes it", ID, DropInPath)
	}
	if s.hooks.body != nil {
		want.Body = s.hooks.body(want.Body)
	}
	c, release, err := env.LockedSSH(ctx)
	if err != nil {
		return steps.Report{}, err
	}
	defer release()
	cm := &commit{step: s, c: c, facts: f}
	var cerr error
	err = hostfile.WriteThen(ctx, rec, c, ch, f.DropIn, want, func(ctx context.Context) { cerr = cm.run(ctx) })
	if err == nil {
		err = cerr
	}
	if err != nil {
		return steps.Report{}, cm.putBack(ctx, rec, err)
	}
	return steps.Report{Detail: "wrote " + DropInPath + ", reloaded sshd, and a new SSH login confirmed it"}, nil
}

// commit is one confirmed reload of the drop-in just written.
type commit struct {
	step  *Step
	c     *sshhost.Client
	facts Facts
	token string // set once the timer is armed
}

func (cm *commit) run(ctx context.Context) error {
	c := cm.c
	if res, err := c.Sudo(ctx, "sshd -t", nil); err != nil {
		return &ValidationError{What: "sshd -t", Output: output(res, err)}
	}
	res, err := c.SudoRead(ctx, "sshd -T")
	if err != nil {
		return &ValidationError{What: "sshd -T", Output: output(res, err)}
	}
	eff := parseEffective(res.Stdout)
	if !compliant(eff) {
		return &ValidationError{What: "sshd -T", Output: "with the drop-in sshd still reads " + effectiveLine(eff) + ": a setting read earlier wins"}
	}
	if eff[caKey] != cm.facts.Effective[caKey] {
		return &ValidationError{What: "sshd -T", Output: fmt.Sprintf("TrustedUserCAKeys would change from %q to %q", cm.facts.Effective[caKey], eff[caKey])}
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	wait := cm.step.confirmWithin()
	if res, err := c.Sudo(ctx, armScript(token, cm.facts.DropIn, wait), nil); err != nil {
		return fmt.Errorf("arm the timer that puts %s back: %s", DropInPath, output(res, err))
	}
	cm.token = token
	if res, err := c.Sudo(ctx, ReloadScript(), nil); err != nil {
		return fmt.Errorf("reload sshd: %s", output(res, err))
	}
	if h := cm.step.hooks.afterReload; h != nil {
		h()
	}
	return confirm(ctx, c, token)
}

// confirm logs in again over a new connection (sshd's listener may be back a moment after the
// reload) and disarms the timer through it.
func confirm(ctx context.Context, c *sshhost.Client, token string) error {
	var n *sshhost.Client
	var err error
	for try := 0; ; try++ {
		n, err = c.Redial(ctx)
		if err == nil || sshhost.Unreachable(err) == nil || try == 20 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("log in again to confirm: %w", context.Cause(ctx))
	case err != nil:
		return &LoginError{Cause: err.Error()}
	}
	defer n.Close()
	res, err := n.Sudo(ctx, disarmScript(token), nil)
	if err != nil {
		return fmt.Errorf("disarm the timer over the new login: %s", output(res, err))
	}
	return nil
}

// putBack undoes this run's write after err and reloads sshd, journaled as the undo of the write.
// A cancelled run still does, on a short deadline of its own; after a dropped connection nothing
// reaches the host, and the armed timer puts the previous drop-in back by itself.
func (cm *commit) putBack(ctx context.Context, rec *steps.Recorder, err error) error {
	if sshhost.Dropped(err) {
		if cm.token != "" {
			return fmt.Errorf("%w; the host puts %s back by itself within %s", err, DropInPath, cm.step.confirmWithin())
		}
		return err
	}
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
	}
	if cm.token != "" {
		// Claim the rollback from the timer; if it fired already it put the file back itself.
		_, _ = cm.c.Sudo(ctx, disarmScript(cm.token), nil)
	}
	var rerr error
	if entries, jerr := rec.Journal().Entries(); jerr != nil {
		rerr = jerr
	} else if mine := thisRun(rec, entries); len(mine) > 0 {
		_, rerr = restore(ctx, rec, cm.c, mine)
	}
	if rerr != nil {
		return errors.Join(err, fmt.Errorf("putting %s back failed too (the timer on the host still may): %w", DropInPath, rerr))
	}
	return fmt.Errorf("%w; %s was put back as it was and sshd reloaded", err, DropInPath)
}

// rollbackTimeout bounds the rollback of a cancelled run.
const rollbackTimeout = 30 * time.Second

// thisRun are this run's writes of the drop-in still to undo, newest first.
func thisRun(rec *steps.Recorder, all []steps.Entry) []steps.Entry {
	run := rec.Journal().Run()
	return slices.DeleteFunc(steps.Undoable(all, ID), func(e steps.Entry) bool { return e.Run != run || !owns(hostfile.PathOf(e.Change)) })
}

// restore puts the drop-in of entries back (three-way checked by hostfile) and, when a file
// changed, checks the configuration with sshd -t and reloads sshd, journaled as one more undo of
// the newest entry.
func restore(ctx context.Context, rec *steps.Recorder, c *sshhost.Client, entries []steps.Entry) ([]string, error) {
	did, err := hostfile.Undo(ctx, rec, c, entries, owns)
	if err != nil || len(did) == 0 {
		return did, err
	}
	ch := steps.Change{Action: steps.Update, Address: "host:sshd",
		Why: "undo: check the configuration with sshd -t and reload sshd, so it no longer reads hardsail's drop-in"}
	err = rec.Reverse(ctx, entries[0], ch, nil, func(ctx context.Context) error {
		if res, err := c.Sudo(ctx, ReloadScript(), nil); err != nil {
			return fmt.Errorf("reload sshd: %s", output(res, err))
		}
		return nil
	})
	if err != nil {
		return did, err
	}
	return append(did, "reloaded sshd"), nil
}

// Undo puts the drop-in back as it was before hardsail (removing it when hardsail created it),
// refusing a file changed since unless --force, then reloads sshd after sshd -t.
func (s *Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	if len(entries) == 0 {
		return steps.Report{}, nil
	}
	c, release, err := env.LockedSSH(ctx)
	if err != nil {
		return steps.Report{}, err
	}
	defer release()
	did, err := restore(ctx, rec, c, entries)
	return steps.Report{Detail: strings.Join(did, ", ")}, err
}

// ValidationError is sshd refusing the new configuration, or reading other values than the
// drop-in sets; nothing was reloaded.
type ValidationError struct {
	What   string
	Output string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("%s refused the new configuration: %s", e.What, e.Output)
}

func (e *ValidationError) HintText() string {
	return "Look at " + ConfigPath + " and the files in " + DropInDir + " (sudo sshd -T shows what sshd reads), fix what is reported, then run `hardsail apply " + ID + "` again."
}

// LoginError is a new SSH login refused after the reload: the change would lock you out.
type LoginError struct{ Cause string }

func (e *LoginError) Error() string {
	return "after sshd reloaded, a new SSH login failed (" + e.Cause + ")"
}

func (e *LoginError) HintText() string {
	return "hardsail put the previous configuration back. Check what else in " + DropInDir + " or " + ConfigPath + " limits logins (AuthenticationMethods, AllowUsers), then try again."
}

// output is a failed command's own message.
func output(res sshhost.Result, err error) string {
	if msg := strings.TrimSpace(string(bytes.TrimSpace(res.Stderr))); msg != "" {
		return msg
	}
	return err.Error()
}

func effectiveLine(eff map[string]string) string {
	var w []string
	for _, t := range targets {
		w = append(w, t.name+" "+eff[t.key])
	}
	return strings.Join(w, ", ")
}

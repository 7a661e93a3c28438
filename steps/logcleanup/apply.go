package logcleanup

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/aymanbagabas/go-udiff"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

// fileRecord is the journal data of one write: the file before it and what hardsail wrote, so
// undo can put the prior file back byte for byte and notice if someone changed ours since.
type fileRecord struct {
	Path  string       `json:"path"`
	Prior sshhost.File `json:"prior"`
	Wrote sshhost.File `json:"wrote"` // Exists false: hardsail removed the file
}

// Apply writes the plan's files in order (the script before the cron line that runs it), each
// journaled first. It does not run the cleanup (see the package comment).
func (s *Step) Apply(ctx context.Context, env *steps.Env, plan steps.Plan, j *steps.Journal) (steps.Outcome, error) {
	out := steps.Outcome{Step: ID}
	if plan.Empty() {
		out.Status = steps.StatusOK
		return out, nil
	}
	// The engine's check before apply has just gathered these, under the plan's fingerprint.
	facts, err := env.HostFacts(ctx, s.HostQuery())
	if err != nil {
		return out, fmt.Errorf("read %s and %s: %w", ScriptPath, CronPath, err)
	}
	c, err := env.SSH(ctx)
	if err != nil {
		return out, err
	}
	var done []string
	for _, ch := range plan.Changes {
		want, err := wanted(ch)
		if err != nil {
			return out, err
		}
		prior := fileOf(facts, want.Path)
		if string(prior.Body) != ch.Before || prior.Exists != (ch.Action != steps.Create) {
			return out, &steps.StalePlanError{Step: ID}
		}
		rec := fileRecord{Path: want.Path, Prior: prior,
			Wrote: sshhost.File{Path: want.Path, Exists: true, Body: want.Body, Mode: want.Mode, Owner: want.Owner, Group: want.Group}}
		id, err := j.Begin(ID, ch, rec)
		if err != nil {
			return out, err
		}
		env.Emit(steps.Event{Kind: steps.EventChangeStart, Step: ID, Address: ch.Address, At: env.Clock()})
		if err := c.WriteFileAtomic(ctx, want.Path, want.Body, want.Mode, want.Owner, want.Group); err != nil {
			err = fmt.Errorf("write %s: %w", want.Path, err)
			// A dropped connection may have come after the rename: the entry stays open (interrupted),
			// and undo looks at which body is live.
			if !sshhost.Dropped(err) {
				_ = j.Fail(id, err)
			}
			return out, err
		}
		if err := j.Done(id); err != nil {
			return out, err
		}
		env.Emit(steps.Event{Kind: steps.EventChangeDone, Step: ID, Address: ch.Address, Status: steps.StatusChanged, At: env.Clock()})
		done = append(done, want.Path)
	}
	out.Status = steps.StatusChanged
	out.Detail = "wrote " + strings.Join(done, ", ") + "; the cleanup first runs at its scheduled time"
	return out, nil
}

// wanted is the file a change of this step writes; the body is the plan's, as previewed.
func wanted(ch steps.Change) (desired, error) {
	path := strings.TrimPrefix(ch.Address, "host:")
	d := desired{Path: path, Body: []byte(ch.After), Owner: "root", Group: "root"}
	switch path {
	case ScriptPath:
		d.Mode = 0o755
	case CronPath:
		d.Mode = 0o644
	default:
		return d, fmt.Errorf("%s: the plan names %s, which this step does not write", ID, ch.Address)
	}
	if ch.Action != steps.Create && ch.Action != steps.Update {
		return d, fmt.Errorf("%s: the plan would %s %s, which this step never does", ID, ch.Action.Word(), path)
	}
	return d, nil
}

// ChangedSinceError refuses to undo over a file that is no longer what hardsail wrote.
type ChangedSinceError struct {
	Path               string
	Prior, Wrote, Live sshhost.File
}

func (e *ChangedSinceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "undo %s: the file changed since hardsail wrote it; nothing was restored\n", e.Path)
	fmt.Fprintf(&b, "  before hardsail: %s\n  hardsail wrote:   %s\n  now:              %s\n", describe(e.Prior), describe(e.Wrote), describe(e.Live))
	if d := bodyDiff("hardsail wrote", "now", e.Wrote, e.Live); d != "" {
		b.WriteString(d)
	}
	if d := bodyDiff("now", "undo would restore", e.Live, e.Prior); d != "" {
		b.WriteString(d)
	}
	return strings.TrimRight(b.String(), "\n")
}

// HintText names the fix.
func (e *ChangedSinceError) HintText() string {
	return "Check who changed " + e.Path + "; run `hardsail undo log-cleanup --force` to restore the prior version anyway."
}

func describe(f sshhost.File) string {
	if !f.Exists {
		return "absent"
	}
	return fmt.Sprintf("%d bytes, %04o %s:%s", len(f.Body), f.Mode.Perm(), f.Owner, f.Group)
}

func bodyDiff(from, to string, a, b sshhost.File) string {
	if bytes.Equal(a.Body, b.Body) {
		return ""
	}
	return udiff.Unified(from, to, string(a.Body), string(b.Body))
}

// same reports whether two files are the same bytes, mode and owner (or both absent).
func same(a, b sshhost.File) bool {
	if !a.Exists || !b.Exists {
		return a.Exists == b.Exists
	}
	return bytes.Equal(a.Body, b.Body) && a.Mode.Perm() == b.Mode.Perm() && a.Owner == b.Owner && a.Group == b.Group
}

// Undo puts back each file as it was before hardsail wrote it, newest write first, refusing a file
// someone changed since unless env.Force. Logs the cleanup already deleted stay deleted.
func (s *Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, j *steps.Journal) (steps.Outcome, error) {
	out := steps.Outcome{Step: ID}
	if len(entries) == 0 {
		out.Status = steps.StatusOK
		return out, nil
	}
	facts, err := env.HostFacts(ctx, s.HostQuery())
	if err != nil {
		return out, fmt.Errorf("read %s and %s: %w", ScriptPath, CronPath, err)
	}
	c, err := env.SSH(ctx)
	if err != nil {
		return out, err
	}
	// live tracks each file through this undo, so undoing two writes of one file chains correctly.
	live := map[string]sshhost.File{}
	var did []string
	for _, e := range entries {
		var rec fileRecord
		if err := e.Decode(&rec); err != nil {
			return out, err
		}
		cur, ok := live[rec.Path]
		if !ok {
			cur = fileOf(facts, rec.Path)
		}
		// A file already back as it was (an interrupted write that never happened, or someone undid
		// it by hand) overwrites nothing, so it is no conflict.
		if !same(cur, rec.Wrote) && !same(cur, rec.Prior) && !env.Force {
			return out, &ChangedSinceError{Path: rec.Path, Prior: rec.Prior, Wrote: rec.Wrote, Live: cur}
		}
		ch := steps.Change{Address: e.Change.Address, Before: string(cur.Body), After: string(rec.Prior.Body), File: true,
			Why: "undo: put back " + rec.Path + " as it was before hardsail"}
		switch {
		case !rec.Prior.Exists:
			ch.Action, ch.Why = steps.Delete, "undo: remove "+rec.Path+", which hardsail created"
		case !cur.Exists:
			ch.Action = steps.Create
		default:
			ch.Action = steps.Update
		}
		back := rec.Prior
		back.Path = rec.Path
		id, err := j.BeginUndo(e, ch, fileRecord{Path: rec.Path, Prior: cur, Wrote: back})
		if err != nil {
			return out, err
		}
		if !same(cur, rec.Prior) {
			if err := restore(ctx, c, back); err != nil {
				_ = j.Fail(id, err)
				return out, err
			}
			did = append(did, verbFor(back)+" "+rec.Path)
		}
		if err := j.Done(id); err != nil {
			return out, err
		}
		live[rec.Path] = back
	}
	out.Status = steps.StatusChanged
	out.Detail = "logs already deleted by the cleanup are not restored"
	if len(did) > 0 {
		out.Detail = strings.Join(did, ", ") + "; " + out.Detail
	}
	return out, nil
}

func restore(ctx context.Context, c *sshhost.Client, f sshhost.File) error {
	if !f.Exists {
		if err := c.RemoveFile(ctx, f.Path); err != nil {
			return fmt.Errorf("remove %s: %w", f.Path, err)
		}
		return nil
	}
	if err := c.WriteFileAtomic(ctx, f.Path, f.Body, f.Mode.Perm(), f.Owner, f.Group); err != nil {
		return fmt.Errorf("restore %s: %w", f.Path, err)
	}
	return nil
}

func verbFor(f sshhost.File) string {
	if f.Exists {
		return "restored"
	}
	return "removed"
}

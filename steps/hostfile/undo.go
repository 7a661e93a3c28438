package hostfile

import (
	"context"
	"fmt"
	"path"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

// Undo puts back each file of entries (a step's, newest first) as it was before hardsail wrote it,
// refusing a file someone changed since unless env.Force, and any path owns does not accept (a
// journal edited by hand). It returns what it did, one phrase per file ("restored /etc/x").
func Undo(ctx context.Context, rec *steps.Recorder, c *sshhost.Client, entries []steps.Entry, owns func(path string) bool) ([]string, error) {
	records := make([]Record, len(entries))
	for i, e := range entries {
		r, err := decode(e, owns)
		if err != nil {
			return nil, err
		}
		records[i] = r
	}
	// live tracks each file through this undo, so undoing two writes of one file chains correctly.
	live := map[string]sshhost.File{}
	var did []string
	for i, e := range entries {
		r := records[i]
		cur, ok := live[r.Path]
		if !ok {
			f, err := c.ReadFile(ctx, r.Path)
			if err != nil {
				return did, fmt.Errorf("read %s: %w", r.Path, err)
			}
			cur = f
		}
		if cur.Link != "" {
			return did, &LinkError{Path: r.Path, Target: cur.Link}
		}
		back, what, err := undoOne(ctx, rec, c, e, r, cur)
		if err != nil {
			return did, err
		}
		if what != "" {
			did = append(did, what)
		}
		live[r.Path] = back
	}
	return did, nil
}

// decode reads an entry's record and refuses one that names a path the step does not own.
func decode(e steps.Entry, owns func(string) bool) (Record, error) {
	var r Record
	if err := e.Decode(&r); err != nil {
		return r, &steps.TamperedError{Entry: e.ID, Why: err.Error()}
	}
	switch p := PathOf(e.Change); {
	case p == "" || p != r.Path || r.Prior.Path != "" && r.Prior.Path != p:
		return r, &steps.TamperedError{Entry: e.ID, Why: fmt.Sprintf("it names %q but its change is %s", r.Path, e.Change.Address)}
	case !owns(p):
		return r, &steps.TamperedError{Entry: e.ID, Why: fmt.Sprintf("%s is not a file this step writes", p)}
	case r.Backup != "" && (path.Dir(r.Backup) != BackupDir || path.Clean(r.Backup) != r.Backup):
		return r, &steps.TamperedError{Entry: e.ID, Why: fmt.Sprintf("its backup %s is outside %s", r.Backup, BackupDir)}
	}
	return r, nil
}

// undoOne reverses one record over cur (the file as it is now) and returns the file as it leaves it.
func undoOne(ctx context.Context, rec *steps.Recorder, c *sshhost.Client, e steps.Entry, r Record, cur sshhost.File) (sshhost.File, string, error) {
	wroteNow, priorNow := matches(r, cur)
	if !wroteNow && !priorNow && !rec.Env().Force {
		return cur, "", &ChangedError{Step: rec.Step(), Path: r.Path, Prior: r.Prior, Wrote: r.Wrote, Live: cur, Guarded: r.Guarded()}
	}
	back := r.Prior
	back.Path = r.Path
	ch := steps.Change{Address: e.Change.Address, File: true, Sensitive: r.Guarded(),
		Why: "undo: put back " + r.Path + " as it was before hardsail"}
	if !r.Guarded() {
		ch.Before, ch.After = string(cur.Body), string(r.Prior.Body)
	}
	switch {
	case !r.Prior.Exists:
		ch.Action, ch.Why = steps.Delete, "undo: remove "+r.Path+", which hardsail created"
	case !cur.Exists:
		ch.Action = steps.Create
	default:
		ch.Action = steps.Update
	}
	data := Record{Path: r.Path, Prior: cur, Wrote: back}
	if r.Guarded() {
		data = Record{Path: r.Path, Prior: meta(cur), Wrote: meta(back), PriorSum: Sum(cur.Body), WroteSum: r.PriorSum}
	}
	if priorNow {
		// Already as it was (a write that never happened, or undone by hand): nothing to overwrite.
		err := rec.Reverse(ctx, e, ch, data, func(ctx context.Context) error { return dropBackup(ctx, c, r) })
		return cur, "", err
	}
	restore := func(ctx context.Context) error {
		if !r.Guarded() {
			return write(ctx, c, back)
		}
		saved, err := c.ReadFile(ctx, r.Backup)
		if err != nil {
			return steps.Definite(fmt.Errorf("read the copy %s: %w", r.Backup, err))
		}
		if !saved.Exists || Sum(saved.Body) != r.PriorSum {
			return steps.Definite(fmt.Errorf("the copy of %s in %s is missing or not the one hardsail made", r.Path, r.Backup))
		}
		back.Body = saved.Body
		if err := write(ctx, c, back); err != nil {
			return err
		}
		return dropBackup(ctx, c, r)
	}
	if err := rec.Reverse(ctx, e, ch, data, restore); err != nil {
		return cur, "", err
	}
	verb := "restored "
	if !back.Exists {
		verb = "removed "
	}
	return back, verb + r.Path, nil
}

// matches reports whether cur is what hardsail wrote, or what was there before it.
func matches(r Record, cur sshhost.File) (wrote, prior bool) {
	if !r.Guarded() {
		return Same(cur, r.Wrote), Same(cur, r.Prior)
	}
	sameMeta := func(f sshhost.File) bool {
		return cur.Exists == f.Exists && (!cur.Exists || cur.Mode.Perm() == f.Mode.Perm() && cur.Owner == f.Owner && cur.Group == f.Group)
	}
	return sameMeta(r.Wrote) && Sum(cur.Body) == r.WroteSum, sameMeta(r.Prior) && Sum(cur.Body) == r.PriorSum
}

// meta is f without its body, for records of guarded files.
func meta(f sshhost.File) sshhost.File {
	f.Body = nil
	return f
}

// dropBackup removes a guarded record's copy, and the backup directory when hardsail made it and
// it is empty.
func dropBackup(ctx context.Context, c *sshhost.Client, r Record) error {
	if r.Backup == "" {
		return nil
	}
	if err := c.RemoveFile(ctx, r.Backup); err != nil {
		return err
	}
	if r.MadeBackupDir {
		if _, err := c.Sudo(ctx, "rmdir --ignore-fail-on-non-empty "+shellWord(BackupDir), nil); err != nil {
			return fmt.Errorf("remove %s: %w", BackupDir, err)
		}
	}
	return nil
}

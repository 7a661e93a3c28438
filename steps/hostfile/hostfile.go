// Package hostfile is the one way a step writes, removes and undoes a file on the instance: every
// write journaled with what undo needs (the prior body, or for a file that holds secrets its checksum
// and a root-only backup on the host), every undo checked three ways (before hardsail, what hardsail
// wrote, what is there now) and refused with one error type when someone changed the file since,
// unless forced. A symbolic link at a managed path is refused, never replaced by a regular file.
package hostfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/aymanbagabas/go-udiff"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

// Desired is a file as a step wants it.
type Desired struct {
	Path  string
	Body  []byte
	Mode  fs.FileMode
	Owner string
	Group string
}

// File returns d as the host would report it.
func (d Desired) File() sshhost.File {
	return sshhost.File{Path: d.Path, Exists: true, Body: d.Body, Mode: d.Mode.Perm(), Owner: d.Owner, Group: d.Group}
}

// Address is the plan address of a host file.
func Address(p string) string { return "host:" + p }

// PathOf is the host path a change's address names, or "" when it names none.
func PathOf(c steps.Change) string {
	p, ok := strings.CutPrefix(c.Address, "host:")
	if !ok || !path.IsAbs(p) || path.Clean(p) != p {
		return ""
	}
	return p
}

// LinkError refuses a managed path that is a symbolic link: writing over it would replace the link
// with a regular file and leave its target with the old body, and undo could not bring the link back.
type LinkError struct {
	Path, Target string
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("%s is a symbolic link to %s; hardsail changes only regular files and changed nothing", e.Path, e.Target)
}

// HintText names the fix.
func (e *LinkError) HintText() string {
	return fmt.Sprintf("Replace the link with a copy of its target (sudo cp --remove-destination %s %s), then run hardsail again.", shellWord(e.Target), shellWord(e.Path))
}

// Change is the plan change that makes have into want (false when they are the same). It refuses a
// symbolic link at the path.
func Change(have sshhost.File, want Desired, why string) (steps.Change, bool, error) {
	if have.Link != "" {
		return steps.Change{}, false, &LinkError{Path: want.Path, Target: have.Link}
	}
	c := steps.Change{Address: Address(want.Path), After: string(want.Body), File: true, Why: why}
	switch {
	case !have.Exists:
		c.Action = steps.Create
		return c, true, nil
	case Same(have, want.File()):
		return c, false, nil
	}
	c.Action, c.Before = steps.Update, string(have.Body)
	if m := metaDiff(have, want.File()); m != "" {
		c.Why += " (" + m + ")"
	}
	return c, true, nil
}

// RemoveChange is the plan change that removes have (false when it is already absent).
func RemoveChange(have sshhost.File, why string) (steps.Change, bool, error) {
	if have.Link != "" {
		return steps.Change{}, false, &LinkError{Path: have.Path, Target: have.Link}
	}
	if !have.Exists {
		return steps.Change{}, false, nil
	}
	return steps.Change{Action: steps.Delete, Address: Address(have.Path), Before: string(have.Body), File: true, Why: why}, true, nil
}

// Record is the journal data of one write: the file before and what hardsail left, so undo can
// put the prior file back byte for byte and notice a change made since. For a guarded file (one
// that holds secrets) the bodies are left out: their checksums stand in, and Backup is the
// root-only copy of the prior file on the host.
type Record struct {
	Path  string       `json:"path"`
	Prior sshhost.File `json:"prior"`
	Wrote sshhost.File `json:"wrote"` // Exists false: hardsail removed the file
	// PriorSum and WroteSum are the bodies' SHA-256 (guarded files only).
	PriorSum string `json:"prior_sum,omitempty"`
	WroteSum string `json:"wrote_sum,omitempty"`
	Backup   string `json:"backup,omitempty"`
	// MadeBackupDir says hardsail created BackupDir for this write (undo removes it when empty).
	MadeBackupDir bool `json:"made_backup_dir,omitempty"`
}

// Guarded reports whether the record keeps checksums instead of bodies.
func (r Record) Guarded() bool { return r.PriorSum != "" || r.WroteSum != "" }

// Write journals and makes ch, which writes want over have (as the step's Check found it).
func Write(ctx context.Context, rec *steps.Recorder, c *sshhost.Client, ch steps.Change, have sshhost.File, want Desired) error {
	return WriteThen(ctx, rec, c, ch, have, want, nil)
}

// WriteThen is Write with then run after the write, inside the same journal entry (a check that
// runs as root, like apt's dry run, is part of the change). The write stands when then fails; the
// step decides whether to put it back.
func WriteThen(ctx context.Context, rec *steps.Recorder, c *sshhost.Client, ch steps.Change, have sshhost.File, want Desired, then func(context.Context)) error {
	if have.Link != "" {
		return &LinkError{Path: want.Path, Target: have.Link}
	}
	have.Path = want.Path
	r := Record{Path: want.Path, Prior: have, Wrote: want.File()}
	return rec.Do(ctx, ch, r, func(ctx context.Context) error {
		if err := write(ctx, c, want.File()); err != nil {
			return err
		}
		if then != nil {
			then(ctx)
		}
		return nil
	})
}

// Remove journals and makes ch, which removes have.
func Remove(ctx context.Context, rec *steps.Recorder, c *sshhost.Client, ch steps.Change, have sshhost.File) error {
	if have.Link != "" {
		return &LinkError{Path: have.Path, Target: have.Link}
	}
	r := Record{Path: have.Path, Prior: have, Wrote: sshhost.File{Path: have.Path}}
	return rec.Do(ctx, ch, r, func(ctx context.Context) error { return write(ctx, c, r.Wrote) })
}

// BackupDir holds the prior copies of guarded files, root-only.
const BackupDir = "/var/backups/hardsail"

// Edit journals and makes ch on a guarded file (one whose body must not reach the journal, like
// wp-config.php): it reads the file, refuses if it no longer has the checksum the plan was made
// from, applies edit, keeps a root-only copy of the prior file under BackupDir, and writes the new
// body with the same mode and owner.
func Edit(ctx context.Context, rec *steps.Recorder, c *sshhost.Client, ch steps.Change, p, planSum string, edit func([]byte) ([]byte, error)) error {
	return EditFile(ctx, rec, c, ch, p, planSum, func(f sshhost.File) (sshhost.File, error) {
		body, err := edit(f.Body)
		f.Body = body
		return f, err
	})
}

// EditFile is Edit whose edit gets the whole file and may also change its mode, owner and group,
// or remove it (Exists false). Undo puts back the body from the copy and the prior attributes.
func EditFile(ctx context.Context, rec *steps.Recorder, c *sshhost.Client, ch steps.Change, p, planSum string, edit func(sshhost.File) (sshhost.File, error)) error {
	have, err := c.ReadFile(ctx, p)
	if err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	switch {
	case have.Link != "":
		return &LinkError{Path: p, Target: have.Link}
	case !have.Exists:
		return fmt.Errorf("edit %s: the file is gone", p)
	case Sum(have.Body) != planSum:
		return &steps.StalePlanError{Step: rec.Step()}
	}
	have.Path = p
	want, err := edit(have)
	if err != nil {
		return fmt.Errorf("edit %s: %w", p, err)
	}
	want.Path, want.Link = p, ""
	if !want.Exists {
		want = sshhost.File{Path: p}
	}
	made, err := dirMissing(ctx, c)
	if err != nil {
		return err
	}
	r := Record{Path: p, Prior: meta(have), Wrote: meta(want), PriorSum: Sum(have.Body), WroteSum: Sum(want.Body),
		Backup:        backupPath(p, have, want),
		MadeBackupDir: made}
	return rec.Do(ctx, ch, r, func(ctx context.Context) error {
		if err := backup(ctx, c, r.Backup, have.Body); err != nil {
			return steps.Definite(err)
		}
		return write(ctx, c, want)
	})
}

// backupPath names the copy by the file and both versions, so two changes of one file in a run
// (its mode, then its body) keep two copies.
func backupPath(p string, have, want sshhost.File) string {
	to := fmt.Sprintf("%t %o %s:%s %s", want.Exists, want.Mode.Perm(), want.Owner, want.Group, Sum(want.Body))
	return path.Join(BackupDir, strings.ReplaceAll(strings.TrimPrefix(p, "/"), "/", "_")+"."+Sum(have.Body)[:12]+"."+Sum([]byte(to))[:8])
}

func dirMissing(ctx context.Context, c *sshhost.Client) (bool, error) {
	res, err := c.Run(ctx, "test -d "+shellWord(BackupDir)+" && echo yes || echo no")
	if err != nil {
		return false, fmt.Errorf("look for %s: %w", BackupDir, err)
	}
	return strings.TrimSpace(string(res.Stdout)) == "no", nil
}

func backup(ctx context.Context, c *sshhost.Client, p string, body []byte) error {
	if _, err := c.Sudo(ctx, "install -d -m 0700 -o root -g root "+shellWord(BackupDir), nil); err != nil {
		return fmt.Errorf("create %s: %w", BackupDir, err)
	}
	if err := c.WriteFileAtomic(ctx, p, body, 0o600, "root", "root"); err != nil {
		return fmt.Errorf("keep a copy of the file in %s: %w", p, err)
	}
	return nil
}

// write makes the host file f (or removes it when !f.Exists).
func write(ctx context.Context, c *sshhost.Client, f sshhost.File) error {
	if !f.Exists {
		return c.RemoveFile(ctx, f.Path)
	}
	return c.WriteFileAtomic(ctx, f.Path, f.Body, f.Mode.Perm(), f.Owner, f.Group)
}

// Sum is the SHA-256 of a body, in hex.
func Sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Same reports whether two files are the same bytes, mode and owner (or both absent).
func Same(a, b sshhost.File) bool {
	if !a.Exists || !b.Exists {
		return a.Exists == b.Exists
	}
	return bytes.Equal(a.Body, b.Body) && a.Mode.Perm() == b.Mode.Perm() && a.Owner == b.Owner && a.Group == b.Group
}

func metaDiff(have, want sshhost.File) string {
	var d []string
	if have.Mode.Perm() != want.Mode.Perm() {
		d = append(d, fmt.Sprintf("mode %04o → %04o", have.Mode.Perm(), want.Mode.Perm()))
	}
	if have.Owner != want.Owner || have.Group != want.Group {
		d = append(d, fmt.Sprintf("owner %s:%s → %s:%s", have.Owner, have.Group, want.Owner, want.Group))
	}
	return strings.Join(d, ", ")
}

// ChangedError refuses to undo over a file that is no longer what hardsail left there.
type ChangedError struct {
	Step               string
	Path               string
	Prior, Wrote, Live sshhost.File
	// Guarded: the bodies are not shown (they hold secrets); only whether they match.
	Guarded bool
}

func (e *ChangedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "undo %s: the file changed since hardsail wrote it; nothing was restored\n", e.Path)
	fmt.Fprintf(&b, "  before hardsail: %s\n  hardsail wrote:   %s\n  now:              %s\n", describe(e.Prior), describe(e.Wrote), describe(e.Live))
	if !e.Guarded {
		if d := bodyDiff("hardsail wrote", "now", e.Wrote, e.Live); d != "" {
			b.WriteString(d)
		}
		if d := bodyDiff("now", "undo would restore", e.Live, e.Prior); d != "" {
			b.WriteString(d)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// HintText names the fix.
func (e *ChangedError) HintText() string {
	return "Check who changed " + e.Path + "; run `hardsail undo " + e.Step + " --force` to restore the prior version anyway."
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

func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

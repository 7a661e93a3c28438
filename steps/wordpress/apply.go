package wordpress

import (
	"context"
	"fmt"
	"strings"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/hostfile"
)

// Options are the step's settings: --admin-password-saved.
func (*Step) Options() []steps.Option {
	return []steps.Option{steps.Switch(steps.Option{
		Flag:     "admin-password-saved",
		Usage:    "the first WordPress admin password is saved elsewhere: remove its file from the login's home",
		Question: "Have you saved the first WordPress admin password somewhere else (a password manager)?",
		Note:     "Then hardsail removes the file the image left it in; undo puts the file back.",
	}, func(set *steps.Settings) *bool { return &set.AdminPasswordSaved },
		"Use --admin-password-saved once the password is saved elsewhere, or leave it out.")}
}

// Apply makes the plan's changes in its order (the mode first: the body, and so the checksum the
// block's edit checks, is still the one Check read). Every change is a guarded edit: the journal
// keeps checksums and a root-only copy's path, never the database or admin password.
func (*Step) Apply(ctx context.Context, env *steps.Env, live steps.State, plan steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	f, err := steps.FactsOf[Facts](live)
	if err != nil {
		return steps.Report{}, err
	}
	c, err := env.SSH(ctx)
	if err != nil {
		return steps.Report{}, err
	}
	var did []string
	for _, ch := range plan.Changes {
		p := hostfile.PathOf(ch)
		edit, planSum, what := editFor(f, ch)
		if edit == nil || !owns(p) {
			return steps.Report{}, fmt.Errorf("%s: the plan names %s, which is not a change this step makes here", ID, ch.Address)
		}
		if err := hostfile.EditFile(ctx, rec, c, ch, p, planSum, edit); err != nil {
			return steps.Report{}, err
		}
		did = append(did, what)
	}
	return steps.Report{Detail: strings.Join(did, "; ")}, nil
}

// editFor returns the edit a change of the plan makes, the checksum its file must still have, and
// what it did in a few words.
func editFor(f Facts, ch steps.Change) (func(sshhost.File) (sshhost.File, error), string, string) {
	switch p := hostfile.PathOf(ch); {
	case p == f.Config.Path && ch.File:
		return func(file sshhost.File) (sshhost.File, error) {
			body, err := fileEditBlock.Insert(file.Body)
			file.Body = body
			return file, err
		}, f.Config.Sum, "turned off the file editor in " + p
	case p == f.Config.Path && ch.Action == steps.Update:
		return func(file sshhost.File) (sshhost.File, error) {
			file.Mode, file.Group = configMode, f.WebGroup
			return file, nil
		}, f.Config.Sum, fmt.Sprintf("made %s mode %04o, group %s", p, configMode, f.WebGroup)
	case p == f.Password.Path && ch.Action == steps.Delete:
		return func(file sshhost.File) (sshhost.File, error) {
			return sshhost.File{Path: file.Path}, nil
		}, f.Password.Sum, "removed " + p + " (a root-only copy is kept for undo)"
	}
	return nil, "", ""
}

// Undo puts each file back from its root-only copy, with its prior mode, owner and group.
func (*Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	for _, e := range entries {
		var r hostfile.Record
		if err := e.Decode(&r); err != nil || !r.Guarded() {
			return steps.Report{}, &steps.TamperedError{Entry: e.ID, Why: "the step keeps only checksums and a copy's path for its files"}
		}
	}
	c, err := env.SSH(ctx)
	if err != nil {
		return steps.Report{}, err
	}
	did, err := hostfile.Undo(ctx, rec, c, entries, owns)
	if err != nil {
		return steps.Report{}, err
	}
	return steps.Report{Detail: strings.Join(did, "; ")}, nil
}

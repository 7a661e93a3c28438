package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

// UndoOptions are undo's inputs: the steps named, or --all; --force and --yes. Undo reads the
// saved settings as they are: it takes no step flags.
type UndoOptions struct {
	sessionOptions
	ids        []string
	all, force bool
}

func newUndoCmd(f *Factory, runF func(*UndoOptions) error) *cobra.Command {
	opts := &UndoOptions{}
	cmd := &cobra.Command{
		Use:   "undo [STEP...|--all]",
		Short: "Reverse journaled changes, newest first",
		Long: `Reverse what hardsail changed, from the journal, newest first. It lists exactly what it
will restore before it asks. A value that changed since hardsail wrote it is not overwritten
unless --force is given. Undo is itself journaled.`,
		Example: "  hardsail undo STEP...\n  hardsail undo --all --yes\n" + stepsLine(),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.load(f)
			opts.ids = args
			if len(args) == 0 && !opts.all {
				return &steps.UsageError{Msg: "name the steps to undo, or --all",
					Hint: "Run `hardsail history` to see what was changed, then name the steps to undo (`hardsail undo STEP`).\n" + stepsLine()}
			}
			if len(args) > 0 && opts.all {
				return &steps.UsageError{Msg: "--all cannot be combined with step names", Hint: "Give either step names or --all."}
			}
			if err := opts.requireYes(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return undoRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "undo without asking (required when not running interactively)")
	cmd.Flags().BoolVar(&opts.all, "all", false, "undo every step hardsail changed")
	cmd.Flags().BoolVar(&opts.force, "force", false, "restore even values that changed since hardsail wrote them")
	return cmd
}

func undoRun(ctx context.Context, opts *UndoOptions) error {
	o := &opts.sessionOptions
	s, err := o.openJournaled(ctx, opts.ids)
	if err != nil {
		return err
	}
	defer s.Close()
	s.engine.Env.Force = opts.force
	if _, damage, err := steps.ScanJournal(s.paths.Journal); err == nil {
		warnDamage(o.io, s.paths.Journal, damage)
	}
	entries, err := s.engine.UndoPlan()
	if err != nil {
		return err
	}
	if !o.json {
		fmt.Fprint(o.io.Out, render.UndoList(o.io.Theme(), entries))
	}
	if len(entries) == 0 {
		if o.json {
			o.io.Out.Write(s.report("undo", nil).JSON()) // nothing to undo is a document too
		}
		return nil
	}
	if err := confirm(o, "\nUndo these changes on "+s.key.Instance+"?", "Undo"); err != nil {
		return err
	}
	return s.finish(o, "undo", nil, s.engine.Undo(ctx, entries))
}

package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

func newUndoCmd(o *options) *cobra.Command {
	var yes, all, force bool
	cmd := &cobra.Command{
		Use:   "undo [STEP...|--all]",
		Short: "Reverse journaled changes, newest first",
		Long: `Reverse what hardsail changed, from the journal, newest first. It lists exactly what it
will restore before it asks. A value that changed since hardsail wrote it is not overwritten
unless --force is given. Undo is itself journaled.`,
		Example: "  hardsail undo STEP...\n  hardsail undo --all --yes\n" + stepsLine(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !all {
				return &steps.UsageError{Msg: "name the steps to undo, or --all",
					Hint: "Run `hardsail history` to see what was changed, then name the steps to undo (`hardsail undo STEP`).\n" + stepsLine()}
			}
			if len(args) > 0 && all {
				return &steps.UsageError{Msg: "--all cannot be combined with step names", Hint: "Give either step names or --all."}
			}
			if err := requireYes(o, yes); err != nil {
				return err
			}
			o.yes = yes
			return runUndo(cmd.Context(), o, args, yes, force)
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "undo without asking (required when not running interactively)")
	cmd.Flags().BoolVar(&all, "all", false, "undo every step hardsail changed")
	cmd.Flags().BoolVar(&force, "force", false, "restore even values that changed since hardsail wrote them")
	return cmd
}

func runUndo(ctx context.Context, o *options, ids []string, yes, force bool) error {
	s, err := openSession(ctx, o, ids, true)
	if err != nil {
		return err
	}
	defer s.Close()
	s.warnRepaired(o)
	s.engine.Env.Force = force
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
	if err := confirm(o, yes, "\nUndo these changes on "+s.key.Instance+"?", "Undo"); err != nil {
		return err
	}
	return s.finish(o, "undo", nil, s.engine.Undo(ctx, entries))
}

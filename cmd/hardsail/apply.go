package main

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

// ApplyOptions are apply's inputs: the steps named (none: every step), its step flags and --yes.
type ApplyOptions struct {
	sessionOptions
	ids []string
	// fleet is --all, --keep-going and their limits: the named steps on every instance (runFleetApply).
	fleet fleetFlags
}

func newApplyCmd(f *Factory, runF func(*ApplyOptions) error) *cobra.Command {
	opts := &ApplyOptions{}
	cmd := &cobra.Command{
		Use:   "apply [STEP...]",
		Short: "Preview, confirm, and apply the changes",
		Long: `Show the preview, ask for confirmation, then apply each step in order. Every change is
journaled before it is made, so ` + "`hardsail undo`" + ` can reverse it, even after a crash.
A step whose live state changed since the preview is refused.

Off a terminal, --yes is required; changes that cost money also need --accept-cost.`,
		Example: "  hardsail apply\n  hardsail apply STEP... --yes\n  hardsail apply --all STEP... --yes [--keep-going]\n" + stepsLine(),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.load(f)
			opts.ids = args
			check := opts.requireYes
			if opts.fleet.all {
				check = opts.checkAll
			}
			if err := check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return applyRun(cmd.Context(), opts)
		},
	}
	addStepFlags(f, cmd, &opts.settings)
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "apply without asking (required when not running interactively)")
	withFleetApply(f, cmd, &opts.fleet)
	return cmd
}

func applyRun(ctx context.Context, opts *ApplyOptions) error {
	if opts.fleet.all {
		return runFleetApply(ctx, opts)
	}
	o := &opts.sessionOptions
	s, err := o.openJournaled(ctx, opts.ids)
	if err != nil {
		return err
	}
	defer s.Close()
	results := s.engine.Verify(ctx)
	t := o.io.Theme()
	if !o.json {
		fmt.Fprint(o.io.Out, s.header(t))
		fmt.Fprint(o.io.Out, render.Plan(t, results))
	}
	todo, bad := steps.ToApply(results)
	if bad || len(todo) == 0 {
		if o.json {
			o.io.Out.Write(s.report("apply", results).JSON())
		}
		if bad {
			// Applying around a step that could not be checked would leave a half-hardened instance.
			return &statusError{code: exitError}
		}
		return nil
	}
	// A refused precondition (a cost not agreed to) stops the run before the question and any change.
	if err := s.engine.Preflight(ctx, todo); err != nil {
		return err
	}
	if err := confirm(o, "\nDo you want to apply these changes to "+s.key.Instance+"?", "Apply"); err != nil {
		return err
	}
	outs := s.engine.Apply(ctx, todo)
	defer printSecrets(o, outs)
	return s.finish(o, "apply", results, outs)
}

// confirm asks before anything changes, unless --yes; "no" is exit 130 with nothing changed.
func confirm(o *sessionOptions, question, what string) error {
	if o.yes {
		return nil
	}
	ok, err := o.io.Confirm(question)
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintln(o.io.ErrOut, what+" cancelled; nothing was changed.")
		return &statusError{code: exitCancelled}
	}
	return nil
}

// finish prints what apply or undo did (or the JSON report) and returns its exit status.
func (s *session) finish(o *sessionOptions, command string, results []steps.Result, outs []steps.Outcome) error {
	statuses := make([]steps.Status, len(outs))
	for i, out := range outs {
		statuses[i] = out.Status
	}
	if o.json {
		rep := s.report(command, results)
		rep.AddOutcomes(outs)
		o.io.Out.Write(rep.JSON())
	} else {
		fmt.Fprint(o.io.Out, "\n"+render.Outcomes(o.io.Theme(), outs))
	}
	if code := exitCodeOfStatuses(statuses); code != exitOK {
		return &statusError{code: code}
	}
	return nil
}

// printSecrets shows generated secrets once: never in --json, a log or the journal. With --json
// they go to stderr, so a password hardsail created is not lost.
func printSecrets(o *sessionOptions, outs []steps.Outcome) {
	w := o.io.Out
	if o.json {
		w = o.io.ErrOut
	}
	for _, out := range outs {
		for _, k := range slices.Sorted(maps.Keys(out.Secrets)) {
			fmt.Fprintf(w, "\n%s %s: %s\n", o.io.Theme().Warning.Render("Shown once, save it now —"), k, out.Secrets[k])
		}
	}
}

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/iostreams"
	"github.com/hardsail/hardsail/tui/render"
)

// HistoryOptions are history's inputs: the journals of which instance and region (none: all),
// where they are, --json. No AWS credentials are read.
type HistoryOptions struct {
	localOptions
	instance string
}

func newHistoryCmd(f *Factory, runF func(*HistoryOptions) error) *cobra.Command {
	opts := &HistoryOptions{}
	return &cobra.Command{
		Use:   "history",
		Short: "Show the journal of changes for this instance",
		Long: `Show every change hardsail made, oldest first, with its state: done, failed, undone, or
interrupted (the run stopped between starting a change and finishing it; undo can still reverse it).
Reads the local journal only: no AWS credentials are needed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.localOptions, opts.instance = f.local(), f.instance
			if runF != nil {
				return runF(opts)
			}
			return historyRun(opts)
		},
	}
}

// historyRun prints every journal found (steps.ReadJournals): one unreadable or damaged journal is
// warned about on stderr and exits 1, and does not hide the others.
func historyRun(o *HistoryOptions) error {
	journals, err := steps.ReadJournals(o.stateDir(), o.instance, o.region)
	if err != nil {
		return err
	}
	t := o.io.Theme()
	var all []steps.Entry
	shown, damaged := 0, false
	for _, j := range journals {
		if j.Err != nil {
			fmt.Fprintf(o.io.ErrOut, "warning: %s: %v\n", j.Path, j.Err)
			damaged = true
			continue
		}
		damaged = warnDamage(o.io, j.Path, j.Damage) || damaged
		shown++
		all = append(all, j.Entries...)
		if !o.json {
			fmt.Fprintf(o.io.Out, "%s\n%s\n", t.Title.Render("# "+j.Name), render.History(t, j.Entries))
		}
	}
	if o.json {
		rep := render.NewHistoryReport(all)
		rep.Instance, rep.Demo = o.instance, o.demo
		o.io.Out.Write(rep.JSON())
	} else if shown == 0 && !damaged {
		fmt.Fprintf(o.io.Out, "No journal in %s: hardsail has not changed anything from this machine.\n", o.stateDir())
	}
	if damaged {
		return &statusError{code: exitError}
	}
	return nil
}

// warnDamage says on stderr which lines of the journal at path could not be read (they are
// skipped; the rest is shown and undone as usual) and reports whether there were any.
func warnDamage(io *iostreams.IOStreams, path string, damage []steps.Damage) bool {
	for _, d := range damage {
		fmt.Fprintf(io.ErrOut, "warning: %s: line %d skipped: %s\n", path, d.Line, d.Why)
	}
	if len(damage) > 0 {
		fmt.Fprintln(io.ErrOut, "Hint: the journal was edited or damaged; hardsail skipped those lines. Keep a copy of the file before changing it.")
	}
	return len(damage) > 0
}

package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

func newHistoryCmd(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "history",
		Short: "Show the journal of changes for this instance",
		Long: `Show every change hardsail made, oldest first, with its state: done, failed, undone, or
interrupted (the run stopped between starting a change and finishing it; undo can still reverse it).
Reads the local journal only: no AWS credentials are needed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := filepath.Glob(filepath.Join(steps.StateDir(), "*.journal.jsonl"))
			if err != nil {
				return err
			}
			t := o.io.Theme()
			var all []steps.Entry
			shown := 0
			for _, f := range files {
				name := strings.TrimSuffix(filepath.Base(f), ".journal.jsonl")
				if o.instance != "" && !strings.HasSuffix(name, "_"+o.instance) {
					continue
				}
				if o.region != "" && !strings.Contains(name, "_"+o.region+"_") {
					continue
				}
				entries, err := steps.ReadJournal(f)
				if err != nil {
					return err
				}
				shown++
				all = append(all, entries...)
				if !o.json {
					fmt.Fprintf(o.io.Out, "%s\n%s\n", t.Title.Render("# "+strings.ReplaceAll(name, "_", " / ")), render.History(t, entries))
				}
			}
			if o.json {
				rep := render.Report{SchemaVersion: render.SchemaVersion, Command: "history", Instance: o.instance,
					Journal: all, Summary: map[string]int{}}
				for _, e := range all {
					rep.Summary[string(e.State)]++
				}
				o.io.Out.Write(rep.JSON())
			} else if shown == 0 {
				fmt.Fprintf(o.io.Out, "No journal in %s: hardsail has not changed anything from this machine.\n", steps.StateDir())
			}
			return nil
		},
	}
}

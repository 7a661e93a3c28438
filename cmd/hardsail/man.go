package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

type manOptions struct {
	dir string
}

func newManCmd(o *options) *cobra.Command {
	opts := &manOptions{}
	cmd := &cobra.Command{
		Use:   "man",
		Short: "Write the manual page",
		Long: `Write the hardsail(1) manual page in roff on stdout, or with --dir one page per command
(hardsail.1, hardsail-verify.1, …) into a directory, for man to find:

  hardsail man --dir ~/.local/share/man/man1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMan(o, opts, cmd.Root())
		},
	}
	cmd.Flags().StringVar(&opts.dir, "dir", "", "write one page per command into `DIR` (created if missing)")
	return cmd
}

func runMan(o *options, opts *manOptions, root *cobra.Command) error {
	// The pages must be the same for the same release, so no "generated on <today>" footer.
	root.DisableAutoGenTag = true
	v, _, d := buildVersion()
	header := &doc.GenManHeader{Title: "HARDSAIL", Section: "1", Source: "hardsail " + v, Manual: "hardsail manual"}
	// The release date, not today's, so a rebuilt page is byte-identical; cobra falls back to
	// SOURCE_DATE_EPOCH, then the clock, when the build has no date.
	if t, err := time.Parse(time.RFC3339, d); err == nil {
		header.Date = &t
	}
	if opts.dir == "" {
		if err := doc.GenMan(root, header, o.io.Out); err != nil {
			return fmt.Errorf("write the manual page: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(opts.dir, 0o755); err != nil {
		return fmt.Errorf("create manual directory %s: %w", opts.dir, err)
	}
	if err := doc.GenManTree(root, header, opts.dir); err != nil {
		return fmt.Errorf("write manual pages into %s: %w", opts.dir, err)
	}
	return nil
}

package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/tui/iostreams"
	"github.com/hardsail/hardsail/tui/manpage"
)

// ManOptions are man's inputs: where it writes (--dir, else stdout) and the commands it documents.
type ManOptions struct {
	io   *iostreams.IOStreams
	dir  string
	root *cobra.Command
}

func newManCmd(f *Factory, runF func(*ManOptions) error) *cobra.Command {
	opts := &ManOptions{}
	cmd := &cobra.Command{
		Use:   "man",
		Short: "Write the manual page",
		Long: `Write the hardsail(1) manual page in roff on stdout, or with --dir one page per command
(hardsail.1, hardsail-verify.1, …) into a directory, for man to find:

  hardsail man --dir ~/.local/share/man/man1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.root = f.io, cmd.Root()
			if runF != nil {
				return runF(opts)
			}
			return manRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.dir, "dir", "", "write one page per command into `DIR` (created if missing)")
	return cmd
}

func manRun(opts *ManOptions) error {
	v, _, d := buildVersion()
	// The pages must be the same for the same release: dated by the build, never by today, unless
	// the build has no date (then SOURCE_DATE_EPOCH, then the clock).
	h := manpage.Header{Title: "HARDSAIL", Section: "1", Source: "hardsail " + v, Manual: "hardsail manual", Date: manDate(d)}
	if opts.dir == "" {
		if err := manpage.Write(opts.io.Out, opts.root, h); err != nil {
			return fmt.Errorf("write the manual page: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(opts.dir, 0o755); err != nil {
		return fmt.Errorf("create manual directory %s: %w", opts.dir, err)
	}
	if err := manpage.WriteTree(opts.root, h, opts.dir); err != nil {
		return fmt.Errorf("write manual pages into %s: %w", opts.dir, err)
	}
	return nil
}

func manDate(build string) time.Time {
	if t, err := time.Parse(time.RFC3339, build); err == nil {
		return t
	}
	if sec, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		return time.Unix(sec, 0).UTC()
	}
	return time.Now()
}

package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/tui/iostreams"
	"github.com/hardsail/hardsail/tui/render"
)

// buildVersion is the version, commit and date: GoReleaser's ldflags, else the module's build info.
func buildVersion() (v, c, d string) {
	v, c, d = version, commit, date
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return orDefault(v, "dev"), orDefault(c, "unknown"), d
	}
	if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if c == "" && len(s.Value) >= 12 {
				c = s.Value[:12]
			}
		case "vcs.time":
			if d == "" {
				d = s.Value
			}
		}
	}
	return orDefault(v, "dev"), orDefault(c, "unknown"), d
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// VersionOptions are version's inputs: where it writes, and --json.
type VersionOptions struct {
	io         *iostreams.IOStreams
	json, demo bool
}

func newVersionCmd(f *Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.json, opts.demo = f.io, f.json, f.demo != ""
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
}

func versionRun(o *VersionOptions) error {
	v, c, d := buildVersion()
	if o.json {
		o.io.Out.Write(render.Document("version", o.demo, map[string]any{"version": v, "commit": c, "date": d,
			"go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}))
		return nil
	}
	built := ""
	if d != "" {
		built = ", built " + d
	}
	fmt.Fprintf(o.io.Out, "hardsail %s (commit %s%s, %s %s/%s)\n", v, c, built, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

// InfoOptions are info's inputs: the AWS profile and region to resolve, where it writes, --json.
type InfoOptions struct {
	localOptions
	profile string
}

func newInfoCmd(f *Factory, runF func(*InfoOptions) error) *cobra.Command {
	opts := &InfoOptions{}
	return &cobra.Command{
		Use:   "info",
		Short: "Show the version, paths, and the AWS identity and region in use",
		Long: `Show what hardsail would use: its version, the state dir (journal, settings, log), and the
AWS identity and region the SDK configuration resolves to. It changes nothing; without AWS
credentials it still prints the rest and says why the identity is missing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.localOptions, opts.profile = f.local(), f.profile
			if runF != nil {
				return runF(opts)
			}
			return infoRun(cmd.Context(), opts)
		},
	}
}

func infoRun(ctx context.Context, o *InfoOptions) error {
	v, c, _ := buildVersion()
	dir := o.stateDir()
	info := map[string]string{"version": v, "commit": c, "go": runtime.Version(), "state_dir": dir}
	info["log"] = steps.PathsFor(dir, steps.Key{}).Log
	clients, err := awsapi.Load(ctx, awsapi.Options{Profile: o.profile, Region: o.region})
	if err == nil {
		info["region"] = clients.Config.Region
		var id awsapi.Identity
		if id, err = clients.Identity(ctx); err == nil {
			info["account"], info["arn"] = id.Account, id.ARN
		}
	}
	if err != nil {
		info["aws_error"] = err.Error()
	}
	if o.json {
		o.io.Out.Write(render.Document("info", o.demo, info))
		return nil
	}
	for _, k := range []string{"version", "commit", "go", "state_dir", "log", "region", "account", "arn", "aws_error"} {
		if info[k] != "" {
			fmt.Fprintf(o.io.Out, "%-10s %s\n", k+":", info[k])
		}
	}
	return nil
}

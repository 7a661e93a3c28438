package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

func newInfoCmd(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "info",
		Short: "Show the version, paths, and the AWS identity and region in use",
		Long: `Show what hardsail would use: its version, the state dir (journal, settings, log), and the
AWS identity and region the SDK configuration resolves to. It changes nothing; without AWS
credentials it still prints the rest and says why the identity is missing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, c, _ := buildVersion()
			info := map[string]string{"version": v, "commit": c, "go": runtime.Version(), "state_dir": steps.StateDir()}
			info["log"] = steps.PathsFor(steps.StateDir(), steps.Key{}).Log
			clients, err := awsapi.Load(cmd.Context(), awsapi.Options{Profile: o.profile, Region: o.region})
			if err == nil {
				info["region"] = clients.Config.Region
				var id awsapi.Identity
				if id, err = clients.Identity(cmd.Context()); err == nil {
					info["account"], info["arn"] = id.Account, id.ARN
				}
			}
			if err != nil {
				info["aws_error"] = err.Error()
			}
			if o.json {
				o.io.Out.Write(render.Document("info", o.demo != "", info))
				return nil
			}
			for _, k := range []string{"version", "commit", "go", "state_dir", "log", "region", "account", "arn", "aws_error"} {
				if info[k] != "" {
					fmt.Fprintf(o.io.Out, "%-10s %s\n", k+":", info[k])
				}
			}
			return nil
		},
	}
}

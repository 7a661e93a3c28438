package main

import (
	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/tui/iostreams"
)

// PolicyOptions are policy's inputs: where it writes.
type PolicyOptions struct {
	io *iostreams.IOStreams
}

func newPolicyCmd(f *Factory, runF func(*PolicyOptions) error) *cobra.Command {
	opts := &PolicyOptions{}
	return &cobra.Command{
		Use:   "policy",
		Short: "Print the least-privilege IAM policy hardsail needs",
		Long: `Print the IAM policy document with every permission hardsail uses, and no more. Attach it to
the user or role you run hardsail as:

  hardsail policy > hardsail-policy.json
  aws iam put-user-policy --user-name administrator --policy-name hardsail \
      --policy-document file://hardsail-policy.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io = f.io
			if runF != nil {
				return runF(opts)
			}
			return policyRun(opts)
		},
	}
}

func policyRun(opts *PolicyOptions) error {
	_, err := opts.io.Out.Write(assets.IAMPolicy)
	return err
}

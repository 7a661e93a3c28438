package main

import (
	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/assets"
)

func newPolicyCmd(o *options) *cobra.Command {
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
			_, err := o.io.Out.Write(assets.IAMPolicy)
			return err
		},
	}
}

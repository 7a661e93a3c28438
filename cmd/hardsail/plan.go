package main

import "github.com/spf13/cobra"

func newPlanCmd(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "plan [STEP...]",
		Short: "Print the preview of what apply would change",
		Long: `Print what apply would change, as a diff: + create, ~ update in-place, - destroy.
Nothing is changed. Exit status 2 when there are changes, 0 when there are none.`,
		Example: "  hardsail plan\n  hardsail plan STEP...\n" + stepsLine(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd.Context(), o, "plan", args)
		},
	}
}

package main

import "github.com/spf13/cobra"

// newPlanCmd is verify printed as the preview: its options are VerifyOptions (command "plan").
func newPlanCmd(f *Factory, runF func(*VerifyOptions) error) *cobra.Command {
	return checkCmd(f, &cobra.Command{
		Use:   "plan [STEP...]",
		Short: "Print the preview of what apply would change",
		Long: `Print what apply would change, as a diff: + create, ~ update in-place, - destroy.
Nothing is changed. Exit status 2 when there are changes, 0 when there are none.`,
		Example: "  hardsail plan\n  hardsail plan STEP...\n" + stepsLine(),
	}, &VerifyOptions{command: "plan"}, runF)
}

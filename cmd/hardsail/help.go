package main

import (
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func init() {
	cobra.AddTemplateFunc("ownFlags", func(c *cobra.Command) string {
		return c.LocalNonPersistentFlags().FlagUsagesWrapped(helpWidth(c))
	})
	cobra.AddTemplateFunc("globalFlags", func(c *cobra.Command) string {
		return visible(c.Root().PersistentFlags()).FlagUsagesWrapped(helpWidth(c))
	})
}

// helpWidth is the width help wraps at: the terminal's, or 0 (no wrapping) off a terminal.
func helpWidth(c *cobra.Command) int {
	f, ok := c.OutOrStdout().(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return 0
	}
	if w, _, err := term.GetSize(f.Fd()); err == nil && w > 40 {
		return w
	}
	return 80
}

// setHelp makes every command's help list its own flags, then the global flags once under their
// own heading (plain `hardsail` too), wrapped at the terminal's width; a mistyped command is
// matched to the one meant (unknownCommand).
func setHelp(root *cobra.Command) {
	root.SuggestionsMinimumDistance = 2
	t := root.UsageTemplate()
	for old, repl := range map[string]string{
		"{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}":     "{{ownFlags . | trimTrailingWhitespaces}}",
		"{{if .HasAvailableInheritedFlags}}":                       "{{if .Root.HasAvailablePersistentFlags}}",
		"{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}": "{{globalFlags . | trimTrailingWhitespaces}}",
	} {
		if !strings.Contains(t, old) {
			panic("hardsail: cobra's usage template changed; update setHelp (" + old + ")")
		}
		t = strings.ReplaceAll(t, old, repl)
	}
	root.SetUsageTemplate(t)
}

// visible is fs without its hidden flags.
func visible(fs *pflag.FlagSet) *pflag.FlagSet {
	out := pflag.NewFlagSet("global", pflag.ContinueOnError)
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			out.AddFlag(f)
		}
	})
	return out
}

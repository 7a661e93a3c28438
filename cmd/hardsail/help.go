package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

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
// matched to the one meant (unknownCommand). The usage is a function, not a cobra template: executing
// a text/template keeps every exported method of every type in the binary (12 MB more here).
func setHelp(root *cobra.Command) {
	root.SuggestionsMinimumDistance = 2
	root.SetUsageFunc(usage)
}

// usage is cobra's default usage with hardsail's two flag sections.
func usage(c *cobra.Command) error {
	var b strings.Builder
	b.WriteString("Usage:")
	if c.Runnable() {
		b.WriteString("\n  " + c.UseLine())
	}
	if c.HasAvailableSubCommands() {
		b.WriteString("\n  " + c.CommandPath() + " [command]")
	}
	if len(c.Aliases) > 0 {
		b.WriteString("\n\nAliases:\n  " + c.NameAndAliases())
	}
	if c.HasExample() {
		b.WriteString("\n\nExamples:\n" + c.Example)
	}
	if c.HasAvailableSubCommands() {
		commands := func(title, group string) {
			b.WriteString("\n\n" + title)
			for _, sub := range c.Commands() {
				if sub.GroupID == group && (sub.IsAvailableCommand() || sub.Name() == "help") {
					fmt.Fprintf(&b, "\n  %-*s %s", sub.NamePadding(), sub.Name(), sub.Short)
				}
			}
		}
		if len(c.Groups()) == 0 {
			commands("Available Commands:", "")
		}
		for _, g := range c.Groups() {
			commands(g.Title, g.ID)
		}
		if len(c.Groups()) > 0 && !c.AllChildCommandsHaveGroup() {
			commands("Additional Commands:", "")
		}
	}
	w := helpWidth(c)
	if own := visible(c.LocalNonPersistentFlags()); own.HasAvailableFlags() {
		b.WriteString("\n\nFlags:\n" + strings.TrimRight(own.FlagUsagesWrapped(w), " \t\n"))
	}
	if global := visible(c.Root().PersistentFlags()); global.HasAvailableFlags() {
		b.WriteString("\n\nGlobal Flags:\n" + strings.TrimRight(global.FlagUsagesWrapped(w), " \t\n"))
	}
	if c.HasAvailableSubCommands() {
		b.WriteString("\n\nUse \"" + c.CommandPath() + " [command] --help\" for more information about a command.")
	}
	b.WriteString("\n")
	_, err := io.WriteString(c.OutOrStderr(), b.String())
	return err
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

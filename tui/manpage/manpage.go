// Package manpage writes a cobra command tree as roff manual pages, one per command, the way man(1)
// expects them: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXAMPLE, SEE ALSO.
package manpage

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Header is what the .TH line says of every page.
type Header struct {
	Title   string // "HARDSAIL"
	Section string // "1"
	Date    time.Time
	Source  string // "hardsail v1.2.3"
	Manual  string // "hardsail manual"
}

// Write writes the page of cmd to w.
func Write(w io.Writer, cmd *cobra.Command, h Header) error {
	var b strings.Builder
	fmt.Fprintf(&b, ".nh\n.TH %q %q %q %q %q\n\n", h.Title, h.Section, h.Date.Format("Jan 2006"), h.Source, h.Manual)
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n\n", dashed(cmd), text(cmd.Short))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n\\fB%s\\fP\n\n", text(cmd.UseLine()))
	desc := cmd.Long
	if desc == "" {
		desc = cmd.Short
	}
	fmt.Fprintf(&b, ".SH DESCRIPTION\n%s\n\n", paragraphs(desc))
	flags(&b, "OPTIONS", cmd.NonInheritedFlags())
	flags(&b, "OPTIONS INHERITED FROM PARENT COMMANDS", cmd.InheritedFlags())
	if cmd.Example != "" {
		fmt.Fprintf(&b, ".SH EXAMPLE\n.PP\n.RS\n\n.nf\n%s\n.fi\n.RE\n\n", text(cmd.Example))
	}
	seeAlso(&b, cmd, h.Section)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteTree writes one page per available command of the tree rooted at cmd into dir, named
// after its command path (hardsail-verify.1); cobra's help command has none.
func WriteTree(cmd *cobra.Command, h Header, dir string) error {
	for _, c := range cmd.Commands() {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			continue
		}
		if err := WriteTree(c, h, dir); err != nil {
			return err
		}
	}
	f, err := os.Create(filepath.Join(dir, dashed(cmd)+"."+h.Section))
	if err != nil {
		return err
	}
	if err := Write(f, cmd, h); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func dashed(cmd *cobra.Command) string { return strings.ReplaceAll(cmd.CommandPath(), " ", "-") }

func flags(b *strings.Builder, title string, set *pflag.FlagSet) {
	var lines []string
	set.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" {
			return
		}
		var l strings.Builder
		l.WriteString(".PP\n")
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			fmt.Fprintf(&l, "\\fB-%s\\fP, ", f.Shorthand)
		}
		fmt.Fprintf(&l, "\\fB--%s\\fP", f.Name)
		name, usage := pflag.UnquoteUsage(f)
		if name != "" && f.NoOptDefVal == "" {
			fmt.Fprintf(&l, " %s", text(name))
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" && f.DefValue != "0" {
			fmt.Fprintf(&l, "[=%s]", text(f.DefValue))
		}
		fmt.Fprintf(&l, "\n\t%s\n", text(usage))
		lines = append(lines, l.String())
	})
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(b, ".SH %s\n%s\n", title, strings.Join(lines, "\n"))
}

func seeAlso(b *strings.Builder, cmd *cobra.Command, section string) {
	var refs []string
	if cmd.HasParent() {
		refs = append(refs, dashed(cmd.Parent()))
	}
	var subs []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() && !c.IsAdditionalHelpTopicCommand() {
			subs = append(subs, dashed(c))
		}
	}
	sort.Strings(subs)
	refs = append(refs, subs...)
	if len(refs) == 0 {
		return
	}
	for i, r := range refs {
		refs[i] = fmt.Sprintf("\\fB%s(%s)\\fP", r, section)
	}
	fmt.Fprintf(b, ".SH SEE ALSO\n%s\n", strings.Join(refs, ", "))
}

// paragraphs is text with blank lines as paragraph breaks and indented lines kept as they are.
func paragraphs(s string) string {
	var out []string
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if strings.HasPrefix(p, "  ") {
			out = append(out, ".PP\n.RS\n.nf\n"+text(p)+"\n.fi\n.RE")
			continue
		}
		out = append(out, ".PP\n"+text(p))
	}
	return strings.Join(out, "\n\n")
}

// text escapes s for roff: backslashes, and a line that would start with a control character.
func text(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}

package steps

import (
	"regexp"
	"strings"
	"sync"
)

// CommandLine builds the hardsail command lines shown to the user (a Fix, a hint), so that a line
// copied from the screen reaches the same account: the demo's carry --demo. The zero value is plain
// "hardsail".
type CommandLine struct {
	// Flags go after every suggested command, e.g. "--demo=bitnami".
	Flags string
}

// Line is the command line for args, e.g. Line("apply", "firewall") = "hardsail apply firewall --demo".
func (c CommandLine) Line(args ...string) string {
	return strings.Join(append([]string{"hardsail"}, args...), " ") + c.suffix()
}

func (c CommandLine) suffix() string {
	if c.Flags == "" {
		return ""
	}
	return " " + c.Flags
}

// suggested is a hardsail command in a text: "hardsail" and one of its commands.
var suggested = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\bhardsail (verify|plan|apply|undo|history|policy|info)\b`)
})

// InText adds the flags to every hardsail command a text suggests: one quoted in backticks or
// parentheses, or one that runs to the end of its line (a Fix that is a command line). Prose that
// merely names a command ("hardsail apply is refused") is left alone, and so is a command that
// already has the flags.
func (c CommandLine) InText(s string) string {
	if c.Flags == "" || !strings.Contains(s, "hardsail ") {
		return s
	}
	var b strings.Builder
	rest := s
	for {
		loc := suggested().FindStringIndex(rest)
		if loc == nil {
			b.WriteString(rest)
			return b.String()
		}
		end := loc[1] + strings.IndexAny(rest[loc[1]:]+"\n", "`)\n")
		cmd := rest[loc[0]:end]
		b.WriteString(rest[:loc[0]])
		b.WriteString(cmd)
		if closes := end < len(rest) && rest[end] != '\n'; (closes || !strings.Contains(cmd, ". ")) && !strings.Contains(cmd, c.Flags) {
			b.WriteString(c.suffix())
		}
		rest = rest[end:]
	}
}

package logcleanup

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/hardsail/hardsail/steps/blueprint"
)

// plainName is what a log directory or log name in the script may hold: it is written between
// single quotes, and a log name is also a find(1) pattern.
var plainName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._/-]+$`) })

// familiesScript is the script's part that names the layout's log families: one loop per group
// that cleans the first of its directories that exists.
func familiesScript(l blueprint.Layout) (string, error) {
	var b strings.Builder
	for _, g := range l.Logs {
		var dirs []string
		for _, d := range g.Dirs {
			if !plainName().MatchString(d) {
				return "", fmt.Errorf("render %s: log directory %q of %s is not a plain path", ScriptPath, d, l.Name)
			}
			dirs = append(dirs, "'"+d+"'")
		}
		fmt.Fprintf(&b, "for d in %s; do\n\tif [ -d \"$d\" ]; then\n", strings.Join(dirs, " "))
		for _, f := range g.Families {
			if !plainName().MatchString(f.Log) || strings.Contains(f.Log, "/") {
				return "", fmt.Errorf("render %s: log name %q of %s is not a plain file name", ScriptPath, f.Log, l.Name)
			}
			fmt.Fprintf(&b, "\t\tselect_family \"$d\" '%s' '%s'\n", f.Log, strings.ReplaceAll(f.Log, ".", `\.`))
		}
		b.WriteString("\t\tbreak\n\tfi\ndone\n")
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

package steps

import (
	"strings"

	"github.com/hardsail/hardsail/remote/sshhost"
)

// Printable is text from the outside world (a file name on the instance, remote stderr, an AWS
// message) made safe to show: control characters, bidi overrides and other non-printing runes are
// written as escapes (\x1b, \u202e) so they cannot move the cursor, recolour the screen or reorder
// what the user reads. Line breaks and tabs are kept.
func Printable(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		cells := strings.Split(l, "\t")
		for j, c := range cells {
			cells[j] = sshhost.Escape(c)
		}
		lines[i] = strings.Join(cells, "\t")
	}
	return strings.Join(lines, "\n")
}

// printableResult is r as it may be shown: every text that can carry remote text escaped.
func printableResult(r Result) Result { return mapResultText(r, Printable) }

// mapResultText is r with f applied to every text in it that is shown to the user.
func mapResultText(r Result, f func(string) string) Result {
	r.Detail, r.Fix = f(r.Detail), f(r.Fix)
	fs := make([]Finding, len(r.Findings))
	for i, fd := range r.Findings {
		fd.Message, fd.Fix = f(fd.Message), f(fd.Fix)
		fs[i] = fd
	}
	r.Findings = fs
	notes := make([]string, len(r.Plan.Notes))
	for i, n := range r.Plan.Notes {
		notes[i] = f(n)
	}
	r.Plan.Notes = notes
	return r
}

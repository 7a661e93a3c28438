// Package render turns plans, verify results, outcomes and the journal into text. Pure functions:
// the plain-text commands and the wizard print the same words. The JSON form reads the same data.
package render

import (
	"fmt"
	"slices"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/theme"
)

// Summary is Terraform's one summary line: "Plan: 1 to add, 2 to change, 0 to destroy." or "No changes.".
func Summary(results []steps.Result) string {
	add, change, destroy := 0, 0, 0
	for _, r := range results {
		a, c, d := r.Plan.Counts()
		add, change, destroy = add+a, change+c, destroy+d
	}
	if add+change+destroy == 0 {
		return "No changes."
	}
	return fmt.Sprintf("Plan: %d to add, %d to change, %d to destroy.", add, change, destroy)
}

func actionStyle(t theme.Theme, a steps.Action) func(...string) string {
	switch a {
	case steps.Create:
		return t.Create.Render
	case steps.Delete:
		return t.Delete.Render
	}
	return t.Update.Render
}

// Plan renders the preview of results in Terraform's shape: a legend of the symbols used, one
// block per step with its changes (unified diffs for files), findings and notes, then the summary.
func Plan(t theme.Theme, results []steps.Result) string {
	return plan(t, results, steps.Action.Word, Summary(results))
}

func plan(t theme.Theme, results []steps.Result, word func(steps.Action) string, summary string) string {
	var b strings.Builder
	var used []steps.Action
	for _, r := range results {
		for _, c := range r.Plan.Changes {
			if !slices.Contains(used, c.Action) {
				used = append(used, c.Action)
			}
		}
	}
	if len(used) > 0 {
		b.WriteString("hardsail will make these changes. Actions are shown with these symbols:\n")
		for _, a := range []steps.Action{steps.Create, steps.Update, steps.Delete} {
			if slices.Contains(used, a) {
				fmt.Fprintf(&b, "  %s %s\n", actionStyle(t, a)(string(a)), word(a))
			}
		}
		b.WriteString("\n")
	}
	for _, r := range results {
		writeStepPlan(&b, t, r)
	}
	b.WriteString(t.Bold.Render(summary))
	b.WriteString("\n")
	return b.String()
}

func writeStepPlan(b *strings.Builder, t theme.Theme, r steps.Result) {
	fmt.Fprintf(b, "%s\n", t.Title.Render("# "+r.Step+": "+r.Title))
	switch {
	case r.Status == steps.StatusUnknown || r.Status == steps.StatusFailed:
		fmt.Fprintf(b, "  %s %s\n", t.Failed.Render(r.Status.Symbol()), under(r.Detail))
		if r.Fix != "" {
			fmt.Fprintf(b, "    %s\n", t.Hint.Render("Hint: "+under(r.Fix)))
		}
	case r.State.Skip != "":
		fmt.Fprintf(b, "  %s skipped: %s\n", t.Skipped.Render(steps.StatusSkipped.Symbol()), under(r.State.Skip))
	case r.Plan.Empty() && r.State.Pending != "":
		fmt.Fprintf(b, "  %s pending: %s\n", t.Pending.Render(steps.StatusPending.Symbol()), under(r.State.Pending))
	case r.Plan.Empty():
		fmt.Fprintf(b, "  %s no changes: compliant\n", t.OK.Render(steps.StatusOK.Symbol()))
	}
	for _, c := range r.Plan.Changes {
		writeChange(b, t, c.Redacted())
	}
	writeFindings(b, t, r.Findings, "  ")
	for _, n := range r.Plan.Notes {
		fmt.Fprintf(b, "  %s\n", t.Subtle.Render("note: "+under(n)))
	}
	b.WriteString("\n")
}

// writeFindings lists findings at indent, each with its severity and, under it, its one fix.
func writeFindings(b *strings.Builder, t theme.Theme, fs []steps.Finding, indent string) {
	for _, f := range fs {
		mark, style := "!", t.Warning.Render
		if f.Severity == "info" {
			mark, style = "i", t.Subtle.Render
		}
		fmt.Fprintf(b, "%s%s %s\n", indent, style(mark+" "+f.Severity+":"), under(f.Message))
		if f.Fix != "" {
			fmt.Fprintf(b, "%s  %s\n", indent, t.Hint.Render("Fix: "+under(f.Fix)))
		}
	}
}

// under indents the lines after the first of a text of several lines (records to add, commands to
// run), so they continue under the line they belong to rather than at the margin.
func under(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

func writeChange(b *strings.Builder, t theme.Theme, c steps.Change) {
	st := actionStyle(t, c.Action)
	fmt.Fprintf(b, "  %s %s\n", st(string(c.Action)), t.Bold.Render(steps.Printable(c.Address)))
	if c.Why != "" {
		fmt.Fprintf(b, "      %s\n", t.Subtle.Render("# "+c.Why))
	}
	switch {
	case c.File && !c.Sensitive:
		writeDiff(b, t, strings.TrimPrefix(c.Address, "host:"), c.Before, c.After)
	case c.Action == steps.Create:
		writeValue(b, c.After)
	case c.Action == steps.Delete:
		writeValue(b, c.Before)
	default:
		if !strings.Contains(c.Before, "\n") && !strings.Contains(c.After, "\n") {
			fmt.Fprintf(b, "      %s %s %s\n", c.Before, st("→"), c.After)
		} else {
			writeDiff(b, t, c.Address, c.Before, c.After)
		}
	}
}

func writeValue(b *strings.Builder, v string) {
	for _, line := range strings.Split(strings.TrimRight(v, "\n"), "\n") {
		if line == "" && v == "" {
			return
		}
		fmt.Fprintf(b, "      %s\n", line)
	}
}

// writeDiff renders a unified diff of two file bodies, indented, with before/after headers.
func writeDiff(b *strings.Builder, t theme.Theme, name, before, after string) {
	d := udiff.Unified(name+" (before)", name+" (after)", before, after)
	for _, line := range strings.Split(strings.TrimRight(d, "\n"), "\n") {
		line = steps.Printable(line) // file bodies come from the instance
		switch {
		case strings.HasPrefix(line, "---"), strings.HasPrefix(line, "+++"):
			line = t.Bold.Render(line)
		case strings.HasPrefix(line, "@@"):
			line = t.Subtle.Render(line)
		case strings.HasPrefix(line, "+"):
			line = t.Create.Render(line)
		case strings.HasPrefix(line, "-"):
			line = t.Delete.Render(line)
		}
		fmt.Fprintf(b, "      %s\n", line)
	}
}

// StatusStyle is the colour of a status (its symbol and word), the same on every screen.
func StatusStyle(t theme.Theme, s steps.Status) func(...string) string {
	switch s {
	case steps.StatusOK, steps.StatusChanged:
		return t.OK.Render
	case steps.StatusDrift:
		return t.Drift.Render
	case steps.StatusPending:
		return t.Pending.Render
	case steps.StatusSkipped:
		return t.Skipped.Render
	}
	return t.Failed.Render
}

// StatusLine is one recap line: symbol, status word, step, detail, and the fix.
func StatusLine(t theme.Theme, s steps.Status, step, detail, fix string) string {
	return statusRow(t, s, string(s), step, detail, fix)
}

// statusRow is a recap line with the status said in word.
func statusRow(t theme.Theme, s steps.Status, label, step, detail, fix string) string {
	word := fmt.Sprintf("%-8s", label)
	detail = under(detail)
	line := fmt.Sprintf("%s %s %-14s %s", StatusStyle(t, s)(s.Symbol()), StatusStyle(t, s)(word), step, detail)
	if fix != "" {
		line += "  " + t.Hint.Render("→ "+fix)
	}
	return line
}

// counted is the order statuses appear in a count line.
var counted = []steps.Status{steps.StatusOK, steps.StatusChanged, steps.StatusDrift, steps.StatusPending,
	steps.StatusSkipped, steps.StatusFailed, steps.StatusUnknown}

// CountLine is the recap's last line, e.g. "5 steps: 3 ok, 1 drift, 1 pending, 0 failed.".
func CountLine(statuses []steps.Status) string {
	labels := make([]string, len(statuses))
	for i, s := range statuses {
		labels[i] = string(s)
	}
	return countLabels(labels, string(steps.StatusDrift))
}

// countLabels counts statuses said in words; ok, failed and the word for "needs applying" are
// always shown so a reader never wonders whether they were counted.
func countLabels(labels []string, todo string) string {
	n := map[string]int{}
	for _, l := range labels {
		n[l]++
	}
	var parts []string
	for _, s := range counted {
		l := string(s)
		if s == steps.StatusDrift {
			if todo != "" && todo != l {
				parts = append(parts, fmt.Sprintf("%d %s", n[todo], todo))
			}
		}
		if n[l] > 0 || s == steps.StatusOK || l == todo || s == steps.StatusFailed {
			parts = append(parts, fmt.Sprintf("%d %s", n[l], l))
		}
	}
	noun := "steps"
	if len(labels) == 1 {
		noun = "step"
	}
	return fmt.Sprintf("%d %s: %s.", len(labels), noun, strings.Join(parts, ", "))
}

// Recap renders verify results: one line per step, findings under it, then the count line.
func Recap(t theme.Theme, results []steps.Result) string {
	return recap(t, results, func(r steps.Result) (string, string) { return string(r.Status), r.Detail }, string(steps.StatusDrift))
}

// recap renders results with each status and detail said by say; todo is the word counted always.
func recap(t theme.Theme, results []steps.Result, say func(steps.Result) (string, string), todo string) string {
	var b strings.Builder
	labels := make([]string, len(results))
	for i, r := range results {
		label, detail := say(r)
		labels[i] = label
		b.WriteString(statusRow(t, r.Status, label, r.Step, detail, r.Fix))
		b.WriteString("\n")
		writeFindings(&b, t, r.Findings, "    ")
	}
	b.WriteString("\n")
	b.WriteString(t.Bold.Render(countLabels(labels, todo)))
	b.WriteString("\n")
	return b.String()
}

// Outcomes renders what apply or undo did, in the same shape as the recap.
func Outcomes(t theme.Theme, outs []steps.Outcome) string {
	return outcomes(t, outs, string(steps.StatusDrift))
}

// WizardOutcomes is Outcomes in the wizard's words: nothing an apply did is counted as drift.
func WizardOutcomes(t theme.Theme, outs []steps.Outcome) string { return outcomes(t, outs, "") }

func outcomes(t theme.Theme, outs []steps.Outcome, todo string) string {
	var b strings.Builder
	labels := make([]string, len(outs))
	for i, o := range outs {
		labels[i] = string(o.Status)
		b.WriteString(StatusLine(t, o.Status, o.Step, o.Detail, o.Fix))
		b.WriteString("\n")
	}
	if len(outs) == 0 {
		b.WriteString("Nothing to do.\n")
		return b.String()
	}
	b.WriteString("\n")
	b.WriteString(t.Bold.Render(countLabels(labels, todo)))
	b.WriteString("\n")
	return b.String()
}

// UndoList names exactly what undo will restore, newest first, before it asks.
func UndoList(t theme.Theme, entries []steps.Entry) string {
	if len(entries) == 0 {
		return "Nothing to undo: the journal has no changes that are not already undone.\n"
	}
	var b strings.Builder
	b.WriteString("Undo will reverse these changes, newest first:\n")
	for _, e := range entries {
		c := e.Change.Redacted()
		what := "restore the prior value"
		switch c.Action {
		case steps.Create:
			what = "remove what hardsail created"
		case steps.Delete:
			what = "put back what hardsail removed"
		}
		note := ""
		if e.State == steps.EntryInterrupted {
			note = " " + t.Warning.Render("(interrupted: may be partly applied)")
		}
		fmt.Fprintf(&b, "  %s %-13s %s — %s%s\n", actionStyle(t, c.Action)(string(c.Action)), e.Step, c.Address, what, note)
	}
	return b.String()
}

// History renders the journal, oldest first, one line per change.
func History(t theme.Theme, entries []steps.Entry) string {
	if len(entries) == 0 {
		return "The journal is empty: hardsail has not changed this instance.\n"
	}
	var b strings.Builder
	for _, e := range entries {
		c := e.Change.Redacted()
		state := string(e.State)
		style := t.OK.Render
		switch e.State {
		case steps.EntryInterrupted, steps.EntryFailed:
			style = t.Failed.Render
		case steps.EntryUndone:
			style = t.Skipped.Render
		}
		verb := ""
		if e.Undoes != "" {
			verb = "undo "
		}
		fmt.Fprintf(&b, "%s  %s %s %s%-13s %s", e.Began.UTC().Format("2006-01-02 15:04:05Z"), style(fmt.Sprintf("%-11s", state)),
			actionStyle(t, c.Action)(string(c.Action)), verb, e.Step, c.Address)
		if e.Error != "" {
			fmt.Fprintf(&b, "  (%s)", e.Error)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Progress renders a progress event as one line for the plain printer; "" for events it does not show.
func Progress(t theme.Theme, ev steps.Event) string {
	switch ev.Kind {
	case steps.EventApplyStart:
		return t.Bold.Render(ev.Step + ": applying…")
	case steps.EventUndoStart:
		return t.Bold.Render(ev.Step + ": undoing…")
	case steps.EventWait:
		return t.Subtle.Render("  " + ev.Step + ": " + ev.Message)
	case steps.EventCommand:
		// Every AWS operation and remote command goes to the command log; on screen they would bury
		// the changes.
		return ""
	case steps.EventChangeDone:
		return "  " + ev.Step + ": " + ev.Address + " " + string(ev.Status)
	}
	return ""
}

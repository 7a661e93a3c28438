package render

import (
	"fmt"
	"strings"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/theme"
)

// The wizard speaks to a site owner: a step hardsail has never applied is "to do", not drift (drift
// is a change made since hardsail applied it), and a plan removes rather than destroys. The plain
// commands and --json keep the status values and Terraform's words: they are a stable contract.

// ToDo is the wizard's word for a step that needs applying and that hardsail never applied.
const ToDo = "to do"

// Label is the wizard's word for a status; applied says the journal holds changes hardsail made
// for the step.
func Label(s steps.Status, applied bool) string {
	if s == steps.StatusDrift && !applied {
		return ToDo
	}
	return string(s)
}

// WizardWord is an action as the wizard says it.
func WizardWord(a steps.Action) string {
	if a == steps.Delete {
		return "remove"
	}
	return a.Word()
}

// ChangeCount says what a plan would do, naming only the kinds it has: "2 to add, 1 to remove".
func ChangeCount(p steps.Plan) string {
	add, change, remove := p.Counts()
	var parts []string
	for _, c := range []struct {
		n    int
		verb string
	}{{add, "add"}, {change, "change"}, {remove, "remove"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", c.n, c.verb))
		}
	}
	return strings.Join(parts, ", ")
}

// WizardSummary is the plan's summary line in the wizard: "Plan: 1 to change." or "No changes.".
func WizardSummary(results []steps.Result) string {
	var all steps.Plan
	for _, r := range results {
		all.Changes = append(all.Changes, r.Plan.Changes...)
	}
	if all.Empty() {
		return "No changes."
	}
	return "Plan: " + ChangeCount(all) + "."
}

// WizardPlan is Plan in the wizard's words.
func WizardPlan(t theme.Theme, results []steps.Result) string {
	return plan(t, results, WizardWord, WizardSummary(results))
}

// WizardSay is how the wizard says a result: its word and its detail (what a step to do needs).
func WizardSay(r steps.Result, applied bool) (string, string) {
	label := Label(r.Status, applied)
	if r.Status == steps.StatusDrift && len(r.Plan.Changes) > 0 {
		return label, ChangeCount(r.Plan)
	}
	return label, r.Detail
}

// WizardRow is one dashboard line in the wizard's words.
func WizardRow(t theme.Theme, r steps.Result, applied bool) string {
	label, detail := WizardSay(r, applied)
	return statusRow(t, r.Status, label, r.Step, detail, "")
}

// WizardCount is the count line in the wizard's words.
func WizardCount(labels []string) string { return countLabels(labels, ToDo) }

// WizardRecap is Recap in the wizard's words; applied says which steps hardsail has applied.
func WizardRecap(t theme.Theme, results []steps.Result, applied func(step string) bool) string {
	return recap(t, results, func(r steps.Result) (string, string) { return WizardSay(r, applied(r.Step)) }, ToDo)
}

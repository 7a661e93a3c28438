package render

import (
	"encoding/json"

	"github.com/hardsail/hardsail/steps"
)

// SchemaVersion is the version of the --json output. Bump it on any incompatible change.
const SchemaVersion = 1

// Report is the --json document of every command that reports on steps.
type Report struct {
	SchemaVersion int           `json:"schema_version"`
	Command       string        `json:"command"`
	Account       string        `json:"account,omitempty"`
	Region        string        `json:"region,omitempty"`
	Instance      string        `json:"instance,omitempty"`
	Demo          bool          `json:"demo,omitempty"`
	Steps         []StepReport  `json:"steps,omitempty"`
	Outcomes      []OutcomeJSON `json:"outcomes,omitempty"`
	Journal       []steps.Entry `json:"journal,omitempty"`
	// Findings and Unchecked are verify --only-findings' audit: every finding with its step, and
	// the steps that could not be checked. Summary then counts findings by severity.
	// A pointer, so the audit says "findings": [] when there are none.
	Findings  *[]FindingJSON `json:"findings,omitempty"`
	Unchecked []OutcomeJSON  `json:"unchecked,omitempty"`
	Summary   map[string]int `json:"summary"`
	// Plan is Terraform's summary line, so scripts and people read the same words.
	Plan string `json:"plan,omitempty"`
}

// StepReport is one step in a report.
type StepReport struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Status   steps.Status    `json:"status"`
	Detail   string          `json:"detail,omitempty"`
	Fix      string          `json:"fix,omitempty"`
	Changes  []steps.Change  `json:"changes"`
	Findings []steps.Finding `json:"findings,omitempty"`
	Notes    []string        `json:"notes,omitempty"`
	Pending  string          `json:"pending,omitempty"`
	Skip     string          `json:"skip,omitempty"`
}

// OutcomeJSON is what apply or undo did to one step. Secrets are never part of it.
type OutcomeJSON struct {
	Step   string       `json:"step"`
	Status steps.Status `json:"status"`
	Detail string       `json:"detail,omitempty"`
}

// NewReport builds the report of results; sensitive values are redacted.
func NewReport(command string, results []steps.Result) Report {
	r := Report{SchemaVersion: SchemaVersion, Command: command, Summary: map[string]int{}}
	for _, res := range results {
		sr := StepReport{ID: res.Step, Title: res.Title, Status: res.Status, Detail: res.Detail, Fix: res.Fix,
			Changes: []steps.Change{}, Findings: res.Findings, Notes: res.Plan.Notes,
			Pending: res.State.Pending, Skip: res.State.Skip}
		for _, c := range res.Plan.Changes {
			sr.Changes = append(sr.Changes, c.Redacted())
		}
		r.Steps = append(r.Steps, sr)
		r.Summary[string(res.Status)]++
	}
	if command == "plan" {
		r.Plan = Summary(results)
	}
	return r
}

// AddOutcomes adds what apply or undo did.
func (r *Report) AddOutcomes(outs []steps.Outcome) {
	r.Summary = map[string]int{}
	for _, o := range outs {
		r.Outcomes = append(r.Outcomes, OutcomeJSON{Step: o.Step, Status: o.Status, Detail: o.Detail})
		r.Summary[string(o.Status)]++
	}
}

// JSON encodes the report, indented, with a trailing newline.
func (r Report) JSON() []byte {
	r.Journal = append([]steps.Entry(nil), r.Journal...)
	for i := range r.Journal {
		r.Journal[i].Change = r.Journal[i].Change.Redacted()
		// Step data can hold prior file bodies: useful for undo, noise for a script.
		r.Journal[i].Data = nil
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		panic("render: encode report: " + err.Error())
	}
	return append(b, '\n')
}

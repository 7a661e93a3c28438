package render

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/hardsail/hardsail/steps"
)

// SchemaVersion is the version of every --json document (assets/schema/). An additive change (a
// new field, a new count) keeps it; removing or renaming a field, or changing its type or meaning,
// bumps it.
const SchemaVersion = 1

// Report is the --json document of every command that reports on steps: verify, plan, apply,
// undo, history and verify --only-findings.
type Report struct {
	SchemaVersion int    `json:"schema_version"`
	Command       string `json:"command"`
	// Demo is true when the document is about the built-in emulated account (--demo).
	Demo     bool          `json:"demo"`
	Account  string        `json:"account,omitempty"`
	Region   string        `json:"region,omitempty"`
	Instance string        `json:"instance,omitempty"`
	Steps    []StepReport  `json:"steps,omitempty"`
	Outcomes []OutcomeJSON `json:"outcomes,omitempty"`
	// Journal is history's (or a test's): encoded as EntryJSON (redacted, without step data).
	Journal []steps.Entry `json:"-"`
	// Findings and Unchecked are verify --only-findings' audit: every finding with its step, and
	// the steps that could not be checked. Summary then counts findings by severity.
	// A pointer, so the audit says "findings": [] when there are none.
	Findings  *[]FindingJSON `json:"findings,omitempty"`
	Unchecked []OutcomeJSON  `json:"unchecked,omitempty"`
	// Summary counts steps (or outcomes) by status, journal entries by state, or findings by
	// severity; every count is present, zero included.
	Summary map[string]int `json:"summary"`
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
	Changes  []ChangeJSON    `json:"changes"`
	Findings []steps.Finding `json:"findings,omitempty"`
	Notes    []string        `json:"notes,omitempty"`
	Pending  string          `json:"pending,omitempty"`
	Skip     string          `json:"skip,omitempty"`
}

// ChangeJSON is a change as --json prints it: redacted, its action as a symbol and as a word.
type ChangeJSON struct {
	steps.Change
	ActionWord string `json:"action_word"`
}

// NewChangeJSON is c redacted, with its action's word.
func NewChangeJSON(c steps.Change) ChangeJSON {
	return ChangeJSON{Change: c.Redacted(), ActionWord: ActionWord(c.Action)}
}

// actionWords are the actions' words in --json. They are part of the schema, so they stay put when
// the screen's words (steps.Action.Word) change.
var actionWords = map[steps.Action]string{steps.Create: "create", steps.Update: "update", steps.Delete: "delete"}

// ActionWord is the action's word in --json: create, update or delete.
func ActionWord(a steps.Action) string {
	if w, ok := actionWords[a]; ok {
		return w
	}
	return string(a)
}

// EntryJSON is a journal entry as history --json prints it: its change redacted and with its
// action's word, without the step's own data (prior file bodies: useful for undo, noise for a script).
type EntryJSON struct {
	ID     string           `json:"id"`
	Run    string           `json:"run"`
	Step   string           `json:"step"`
	Change ChangeJSON       `json:"change"`
	Undoes string           `json:"undoes,omitempty"`
	Began  time.Time        `json:"began"`
	Ended  time.Time        `json:"ended,omitzero"`
	State  steps.EntryState `json:"state"`
	Error  string           `json:"error,omitempty"`
}

// OutcomeJSON is what apply or undo did to one step. Secrets are never part of it.
type OutcomeJSON struct {
	Step   string       `json:"step"`
	Status steps.Status `json:"status"`
	Detail string       `json:"detail,omitempty"`
}

// statuses are the keys of a summary by status, all present even when zero.
var statuses = []steps.Status{steps.StatusOK, steps.StatusChanged, steps.StatusDrift, steps.StatusPending,
	steps.StatusSkipped, steps.StatusFailed, steps.StatusUnknown}

// zeroCounts is a summary with every key at zero.
func zeroCounts[K ~string](keys ...K) map[string]int {
	m := make(map[string]int, len(keys))
	for _, k := range keys {
		m[string(k)] = 0
	}
	return m
}

// NewReport builds the report of results; sensitive values are redacted.
func NewReport(command string, results []steps.Result) Report {
	r := Report{SchemaVersion: SchemaVersion, Command: command, Summary: zeroCounts(statuses...)}
	for _, res := range results {
		sr := StepReport{ID: res.Step, Title: res.Title, Status: res.Status, Detail: res.Detail, Fix: res.Fix,
			Changes: []ChangeJSON{}, Findings: res.Findings, Notes: res.Plan.Notes,
			Pending: res.State.Pending, Skip: res.State.Skip}
		for _, c := range res.Plan.Changes {
			sr.Changes = append(sr.Changes, NewChangeJSON(c))
		}
		r.Steps = append(r.Steps, sr)
		r.Summary[string(res.Status)]++
	}
	if command == "plan" {
		r.Plan = Summary(results)
	}
	return r
}

// NewHistoryReport is history's document: the journal's entries, oldest first, and their count
// by state.
func NewHistoryReport(entries []steps.Entry) Report {
	r := Report{SchemaVersion: SchemaVersion, Command: "history", Journal: entries,
		Summary: zeroCounts(steps.EntryDone, steps.EntryFailed, steps.EntryInterrupted, steps.EntryUnknown, steps.EntryUndone)}
	for _, e := range entries {
		r.Summary[string(e.State)]++
	}
	return r
}

// AddOutcomes adds what apply or undo did; the summary then counts the outcomes.
func (r *Report) AddOutcomes(outs []steps.Outcome) {
	r.Summary = zeroCounts(statuses...)
	for _, o := range outs {
		r.Outcomes = append(r.Outcomes, OutcomeJSON{Step: o.Step, Status: o.Status, Detail: o.Detail})
		r.Summary[string(o.Status)]++
	}
}

// JSON encodes the report, indented, with a trailing newline.
func (r Report) JSON() []byte {
	var journal []EntryJSON
	for _, e := range r.Journal {
		journal = append(journal, EntryJSON{ID: e.ID, Run: e.Run, Step: e.Step, Change: NewChangeJSON(e.Change),
			Undoes: e.Undoes, Began: e.Began, Ended: e.Ended, State: e.State, Error: e.Error})
	}
	doc := struct {
		Report
		// A pointer, so history says "journal": [] when there is none.
		Journal *[]EntryJSON `json:"journal,omitempty"`
	}{Report: r}
	if r.Journal != nil || r.Command == "history" {
		journal = append([]EntryJSON{}, journal...)
		doc.Journal = &journal
	}
	return encode(doc)
}

// encode is a document indented, with a trailing newline.
func encode(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic("render: encode JSON: " + err.Error())
	}
	return append(b, '\n')
}

// Document is a --json document that is not a report (version, info): schema_version, command
// and demo first, as in every document, then fields by name.
func Document[V any](command string, demo bool, fields map[string]V) []byte {
	head := encode(struct {
		SchemaVersion int    `json:"schema_version"`
		Command       string `json:"command"`
		Demo          bool   `json:"demo"`
	}{SchemaVersion, command, demo})
	if len(fields) == 0 {
		return head
	}
	// Both are indented objects: head without its closing brace, a comma, fields without their opening one.
	head = bytes.TrimSuffix(head, []byte("\n}\n"))
	return append(append(head, ','), bytes.TrimPrefix(encode(fields), []byte("{"))...)
}

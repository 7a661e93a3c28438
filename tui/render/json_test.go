package render_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

// Every change carries its action as a word beside its symbol; every count is there, zero
// included; history's entries are redacted and without step data.
func TestJSONWordsAndZeroCounts(t *testing.T) {
	var plan struct {
		Demo    *bool          `json:"demo"`
		Summary map[string]int `json:"summary"`
		Steps   []struct {
			Changes []struct {
				Action     string `json:"action"`
				ActionWord string `json:"action_word"`
			} `json:"changes"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(render.NewReport("plan", sampleResults(t)).JSON(), &plan); err != nil {
		t.Fatal(err)
	}
	words := map[string]string{"+": "create", "~": "update", "-": "delete"}
	n := 0
	for _, s := range plan.Steps {
		for _, c := range s.Changes {
			if words[c.Action] == "" || c.ActionWord != words[c.Action] {
				t.Errorf("action %q has word %q", c.Action, c.ActionWord)
			}
			n++
		}
	}
	if n == 0 || plan.Demo == nil {
		t.Fatalf("no change, or no demo field: %+v", plan)
	}
	for _, k := range []string{"ok", "changed", "drift", "pending", "skipped", "failed", "unknown"} {
		if _, ok := plan.Summary[k]; !ok {
			t.Errorf("summary lacks %q: %v", k, plan.Summary)
		}
	}

	at := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	h := render.NewHistoryReport([]steps.Entry{{ID: "r-1", Step: "iam-admin", Began: at, State: steps.EntryDone, Data: []byte(`{"prior":"body"}`),
		Change: steps.Change{Action: steps.Delete, Address: "iam:user/administrator/login-profile", Before: secret, Sensitive: true}}}).JSON()
	for _, bad := range []string{secret, "prior", `"data"`} {
		if strings.Contains(string(h), bad) {
			t.Errorf("history --json shows %q:\n%s", bad, h)
		}
	}
	for _, want := range []string{`"action_word": "delete"`, `"done": 1`, `"undone": 0`, `"interrupted": 0`} {
		if !strings.Contains(string(h), want) {
			t.Errorf("history --json lacks %s:\n%s", want, h)
		}
	}
	if empty := string(render.NewHistoryReport(nil).JSON()); !strings.Contains(empty, `"journal": []`) {
		t.Errorf("an empty history has no journal list:\n%s", empty)
	}
}

// A document that is not a report starts like every one: schema_version, command, demo.
func TestDocumentHeader(t *testing.T) {
	got := string(render.Document("version", true, map[string]string{"version": "dev"}))
	want := "{\n  \"schema_version\": 1,\n  \"command\": \"version\",\n  \"demo\": true,\n  \"version\": \"dev\"\n}\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := string(render.Document[string]("info", false, nil)); !json.Valid([]byte(got)) || !strings.Contains(got, `"demo": false`) {
		t.Errorf("no fields: %s", got)
	}
}

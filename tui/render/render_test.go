package render_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/steptest"
	"github.com/hardsail/hardsail/tui/render"
	"github.com/hardsail/hardsail/tui/theme"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui/render -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got ---\n%s--- want ---\n%s", name, got, want)
	}
}

const secret = "Xy7!generated-password"

func sampleResults(t *testing.T) []steps.Result {
	t.Helper()
	drift := &steptest.MapStep{
		Name:   "firewall",
		Want:   map[string]string{"22-tcp": "198.51.100.4/32", "cron": "0 3 * * 0 root /usr/local/sbin/hardsail-logcleanup\n", "password": secret},
		Files:  []string{"cron"},
		Secret: []string{"password"},
		Live:   map[string]string{"22-tcp": "0.0.0.0/0", "cron": "0 4 * * * root /bin/true\n", "reboot-time": "02:00"},
	}
	ok := &steptest.MapStep{Name: "auto-upgrades", Live: map[string]string{"reboot-time": "02:00"}}
	e := &steps.Engine{Steps: []steps.Step{drift, ok}, Env: &steps.Env{Settings: steps.Settings{}}}
	return e.Verify(context.Background())
}

func TestPlanGolden(t *testing.T) {
	got := render.Plan(theme.Plain(), sampleResults(t))
	golden(t, "plan.txt", got)
	if strings.Contains(got, secret) {
		t.Fatal("the preview shows a secret")
	}
}

func TestPlanNoChanges(t *testing.T) {
	ok := &steptest.MapStep{Name: "log-cleanup", Live: map[string]string{"reboot-time": "02:00"}}
	e := &steps.Engine{Steps: []steps.Step{ok}, Env: &steps.Env{Settings: steps.Settings{}}}
	got := render.Plan(theme.Plain(), e.Verify(context.Background()))
	want := "# log-cleanup: Map log-cleanup\n  ✓ no changes: compliant\n\nNo changes.\n"
	if got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}

func TestRecapGolden(t *testing.T) {
	results := sampleResults(t)
	results = append(results,
		steps.Result{Step: "https", Status: steps.StatusPending, Detail: "certificate awaits DNS validation", Fix: "add CNAME _a1.example.com → _b2.acm-validations.aws."},
		steps.Result{Step: "snapshot", Status: steps.StatusSkipped, Detail: "no changes to protect"},
		steps.Result{Step: "iam-admin", Status: steps.StatusUnknown, Detail: "could not check: AccessDenied", Fix: "run hardsail policy"},
	)
	golden(t, "recap.txt", render.Recap(theme.Plain(), results))
}

func TestColouredPlanKeepsWords(t *testing.T) {
	got := render.Plan(theme.New(true), sampleResults(t))
	if !strings.Contains(got, "\x1b[") {
		t.Fatal("the coloured theme printed no colour")
	}
	for _, w := range []string{"~", "+", "Plan: 1 to add, 2 to change, 0 to destroy.", "(sensitive value)"} {
		if !strings.Contains(got, w) {
			t.Errorf("coloured preview lost %q", w)
		}
	}
}

func TestJSONReport(t *testing.T) {
	rep := render.NewReport("plan", sampleResults(t))
	b := rep.JSON()
	if strings.Contains(string(b), secret) {
		t.Fatal("--json shows a secret")
	}
	var back struct {
		SchemaVersion int            `json:"schema_version"`
		Plan          string         `json:"plan"`
		Summary       map[string]int `json:"summary"`
		Steps         []struct {
			ID      string `json:"id"`
			Status  string `json:"status"`
			Changes []struct {
				Action, Address string
			} `json:"changes"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.SchemaVersion != render.SchemaVersion || back.Plan != "Plan: 1 to add, 2 to change, 0 to destroy." {
		t.Fatalf("report header %+v", back)
	}
	if back.Summary["drift"] != 1 || back.Summary["ok"] != 1 {
		t.Fatalf("summary %v", back.Summary)
	}
	if back.Steps[0].Changes[2].Action != "+" || back.Steps[1].Changes == nil {
		t.Fatalf("steps %+v", back.Steps)
	}
}

func TestHistoryShowsInterrupted(t *testing.T) {
	at := time.Date(2026, 11, 21, 6, 4, 0, 0, time.UTC)
	entries := []steps.Entry{
		{ID: "r-001", Step: "firewall", Began: at, State: steps.EntryDone, Change: steps.Change{Action: steps.Update, Address: "lightsail:WordPress-1/firewall"}},
		{ID: "r-002", Step: "auto-upgrades", Began: at, State: steps.EntryInterrupted, Change: steps.Change{Action: steps.Update, Address: "host:/etc/apt/apt.conf.d/20auto-upgrades"}},
	}
	golden(t, "history.txt", render.History(theme.Plain(), entries))
	if !strings.Contains(render.UndoList(theme.Plain(), entries), "(interrupted: may be partly applied)") {
		t.Fatal("undo list does not warn about the interrupted entry")
	}
}

func TestProgressLines(t *testing.T) {
	cases := []struct {
		ev   steps.Event
		want string
	}{
		{steps.Event{Kind: steps.EventApplyStart, Step: "firewall"}, "firewall: applying…"},
		{steps.Event{Kind: steps.EventCommand, Step: "firewall", Message: "lightsail:PutInstancePublicPorts WordPress-1"}, ""}, // the command log only
		{steps.Event{Kind: steps.EventCheckStart, Step: "firewall"}, ""},
	}
	for _, tc := range cases {
		if got := render.Progress(theme.Plain(), tc.ev); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.ev.Kind, got, tc.want)
		}
	}
}

func TestAuditListsFindingsWithSeverityAndFix(t *testing.T) {
	results := []steps.Result{
		{Step: "snapshot", Title: "Snapshots", Status: steps.StatusOK, Findings: []steps.Finding{
			{ID: "snapshot.auto_snapshot_off", Severity: "warning", Message: "No automatic snapshots.", Fix: "hardsail apply snapshot --auto-snapshot"}}},
		{Step: "log-cleanup", Title: "Old logs", Status: steps.StatusOK, Findings: []steps.Finding{
			{ID: "log-cleanup.rotated_logs", Severity: "info", Message: "3 logs would go."}}},
		{Step: "imds", Title: "IMDS", Status: steps.StatusOK},
		{Step: "auto-upgrades", Status: steps.StatusUnknown, Detail: "SSH closed", Fix: "hardsail apply firewall"},
	}
	want := "# snapshot: Snapshots\n  ! warning: No automatic snapshots.\n    Fix: hardsail apply snapshot --auto-snapshot\n\n" +
		"# log-cleanup: Old logs\n  i info: 3 logs would go.\n\n" +
		"✗ unknown  auto-upgrades  could not check: SSH closed  → hardsail apply firewall\n\n" +
		"2 findings: 1 warning, 1 info.\n"
	if got := render.Audit(theme.Plain(), results); got != want {
		t.Errorf("audit:\n%s\nwant:\n%s", got, want)
	}
	if !render.Warned(results) || render.Warned(results[1:]) {
		t.Error("Warned counts only warnings")
	}
	if got := render.Audit(theme.Plain(), results[2:3]); got != "No findings.\n" {
		t.Errorf("audit without findings: %q", got)
	}
}

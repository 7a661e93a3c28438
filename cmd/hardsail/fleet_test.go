package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/tui/iostreams"
)

// fleetSize is the fleet TestVerifyAllChecksEveryInstance checks. In CI (CI=true, as .ci/run sets
// it) it is the scale: 100 instances in 4 regions, both flavours, 5 of each fault. Elsewhere
// (a newcomer's `make test`) it is the smallest fleet with the same shape: 20 instances, 5 a region,
// both flavours, each fault once. Each of the 85 reachable instances costs its test host about a
// second of CPU, so the 100 take minutes of a 2-core machine; the behaviour under test is the same
// at 20. bench/fleet measures the scale.
func fleetSize() int {
	if os.Getenv("CI") == "true" {
		return 100
	}
	return 20
}

// fleetPageSize makes every region's listing take several pages at either size (5 or 25 instances a
// region), so the paging of the region reads is part of the test.
const fleetPageSize = 4

// fleetJSON is the part of the --json document the test reads.
type fleetJSON struct {
	SchemaVersion int    `json:"schema_version"`
	Command       string `json:"command"`
	Account       string `json:"account"`
	Instances     []struct {
		Region, Instance, Flavour, Status, Error, Hint string
		FirstFix                                       string `json:"first_fix"`
		Steps                                          []struct{ ID, Status string }
		Counts                                         struct{ OK, Drift, Pending, Failed int }
	} `json:"instances"`
	Summary map[string]int `json:"summary"`
}

// startFleet points the SDK at the fleet scenario, every running instance bound to a real host.
func startFleet(t *testing.T, size int) *world.Fleet {
	t.Helper()
	isolate(t)
	f := world.NewFleet(t, size, false, func(o *emulator.Options) { o.PageSize = fleetPageSize })
	for _, kv := range f.Em.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return f
}

// fault is what the fleet scenario made of instance wp-NNN.
func fault(name string) int {
	var n int
	fmt.Sscanf(name, "wp-%d", &n)
	return (n - 1) % 20
}

// TestVerifyAllChecksEveryInstance runs verify --all --json against fleetSize instances in 4 regions
// on two real hosts: every WordPress instance is reported once, each unreachable one as one failed
// entry with its reason, the rest are checked on their host, and the exit code is the worst.
func TestVerifyAllChecksEveryInstance(t *testing.T) {
	size := fleetSize()
	f := startFleet(t, size)
	// Lightsail throttles one call in ten: the SDK's retries absorb it, no instance is lost.
	f.Em.ThrottleEvery(10)
	r := runCLI(t, false, "verify", "--all", "--json", "--aws-rate", "500")
	if f.Em.Throttled() == 0 {
		t.Error("the emulator throttled no call: the test proves nothing about throttling")
	}
	if r.code != exitError {
		t.Errorf("exit %d, want %d (the worst: some instances failed)\nstderr: %s", r.code, exitError, r.stderr)
	}
	if r.stderr != "" {
		t.Errorf("off a terminal stderr has %q, want nothing", r.stderr)
	}
	var doc fleetJSON
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("--json does not parse: %v\n%s", err, r.stdout)
	}
	if doc.SchemaVersion != 1 || doc.Command != "verify" || doc.Account != emulator.AccountID || doc.Summary["instances"] != size {
		t.Errorf("document header: %d %q %q %v", doc.SchemaVersion, doc.Command, doc.Account, doc.Summary)
	}
	seen := map[string]bool{}
	worst := 2
	for _, in := range doc.Instances {
		if seen[in.Instance] || in.Instance == "Node-1" || !slices.Contains(emulator.FleetRegions, in.Region) {
			t.Errorf("instance %s/%s reported twice, or not a WordPress instance of the fleet", in.Region, in.Instance)
		}
		seen[in.Instance] = true
		sev := map[string]int{"failed": 2, "drift": 1, "pending": 1, "ok": 0}[in.Status]
		if sev > worst {
			t.Errorf("%s (%s) listed after a better instance: not worst first", in.Instance, in.Status)
		}
		worst = sev
		checkFleetInstance(t, in.Instance, in.Status, in.Error, in.FirstFix, len(in.Steps))
	}
	if len(seen) != size {
		t.Errorf("%d instances reported, want %d", len(seen), size)
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", r.stdout)
	}
}

// checkFleetInstance holds one entry to what the scenario made of the instance.
func checkFleetInstance(t *testing.T, name, status, errText, firstFix string, nSteps int) {
	t.Helper()
	switch fault(name) {
	case emulator.FleetStopped:
		if status != "failed" || !strings.Contains(errText, "stopped") || nSteps != 0 || !strings.Contains(firstFix, "start-instance") {
			t.Errorf("stopped %s: status %s, error %q, %d steps, first fix %q", name, status, errText, nSteps, firstFix)
		}
	case emulator.FleetSSHClosed:
		if status != "failed" || !strings.Contains(firstFix, "SSH is closed") {
			t.Errorf("SSH-closed %s: status %s, first fix %q", name, status, firstFix)
		}
	case emulator.FleetKeyRefused:
		if status != "failed" || !strings.Contains(firstFix, "unable to authenticate") {
			t.Errorf("key-refused %s: status %s, first fix %q", name, status, firstFix)
		}
	default:
		// Reached and checked on the host: a fresh instance has work to do, nothing failed.
		if status != "drift" || errText != "" || nSteps == 0 {
			t.Errorf("reachable %s: status %s, error %q, %d steps, first fix %q", name, status, errText, nSteps, firstFix)
		}
	}
}

// TestVerifyAllNarrowsAndPrintsLines: --region and --instance globs narrow the run; the text output
// is one line per instance, worst first, and a summary; on a terminal progress goes to stderr.
func TestVerifyAllNarrowsAndPrintsLines(t *testing.T) {
	startFleet(t, 24)
	// eu-west-1 holds wp-002, wp-006, … wp-022; wp-014 has SSH closed, wp-018 a refused key.
	io, out, errOut := iostreams.Test("")
	io.ErrTTY = true
	code := run([]string{"verify", "--all", "--region", "eu-west-1", "--instance", "wp-00[26],wp-01*", "--parallel", "3"}, io)
	if code != exitError {
		t.Errorf("exit %d, want %d", code, exitError)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	// The two failed ones first (the one with more failed steps first), then the drifted by name.
	want := []string{"wp-01[48]", "wp-01[48]", "wp-002", "wp-006", "wp-010"}
	if len(lines) != len(want)+2 || lines[0] == lines[1] {
		t.Fatalf("got %d lines, want %d instances, a blank line and the summary:\n%s", len(lines), len(want), out)
	}
	for i, glob := range want {
		fields := strings.Fields(lines[i])
		if ok, _ := filepath.Match(glob, fields[3]); !ok || fields[2] != "eu-west-1" {
			t.Errorf("line %d is %q, want eu-west-1 %s (worst first)", i, lines[i], glob)
		}
	}
	if s := lines[len(lines)-1]; s != "5 instances: 0 ok, 3 drift, 0 pending, 2 failed." {
		t.Errorf("summary %q", s)
	}
	if !strings.Contains(errOut.String(), "checking 5/5 instances") {
		t.Errorf("on a terminal stderr shows no progress: %q", errOut.String())
	}

	// Only drift left: the exit code is drift's.
	r := runCLI(t, false, "verify", "--all", "--instance", "wp-001,wp-002")
	if r.code != exitDrift {
		t.Errorf("two fresh instances: exit %d, want %d\n%s%s", r.code, exitDrift, r.stdout, r.stderr)
	}
	r = runCLI(t, false, "plan", "--all", "--instance", "wp-001", "--json")
	if r.code != exitDrift || !strings.Contains(r.stdout, `"command": "plan"`) || !strings.Contains(r.stdout, `"plan": "Plan: `) {
		t.Errorf("plan --all: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestVerifyAllRefusesBadInput: exit 3 with a hint, nothing written.
func TestVerifyAllRefusesBadInput(t *testing.T) {
	stateDir := isolate(t)
	withEmulator(t, emulator.ScenarioFleet)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--ssh-host", "example.com"}, "--ssh-host cannot be used with --all"},
		{[]string{"--ssh-port", "2222"}, "--ssh-port cannot be used with --all"},
		{[]string{"--parallel", "0"}, "--parallel 0"},
		{[]string{"--aws-rate", "5000"}, "--aws-rate 5000"},
		{[]string{"--instance", "wp-[0"}, "not an instance name or glob"},
		{[]string{"--instance", "wp-001,nope-*"}, "no WordPress instance matches nope-*"},
		{[]string{"--instance", "Node-1"}, "no WordPress instance matches Node-1"},
	}
	for _, c := range cases {
		r := runCLI(t, false, append([]string{"verify", "--all"}, c.args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || !strings.Contains(r.stderr, "Hint:") || r.stdout != "" {
			t.Errorf("verify --all %v: exit %d, stderr %q; want exit 3 with %q and a hint", c.args, r.code, r.stderr, c.want)
		}
	}
	if entries, _ := filepath.Glob(filepath.Join(stateDir, "*")); len(entries) != 0 {
		t.Errorf("bad input wrote %v", entries)
	}
}

// TestVerifyAllUnderThePolicy: the printed policy grants what --all's discovery calls (the regions,
// every region's instances), and without lightsail:GetRegions it is refused naming the action.
func TestVerifyAllUnderThePolicy(t *testing.T) {
	isolate(t)
	em := withEmulator(t, emulator.ScenarioFleet)
	// wp-008 is stopped: discovery only, no SSH.
	args := []string{"verify", "--all", "--instance", "wp-008", "--json"}
	if err := em.EnforcePolicy(assets.IAMPolicy); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, false, args...)
	if r.code != exitError || strings.Contains(r.stdout+r.stderr, "AccessDenied") || !strings.Contains(r.stdout, `"instance": "wp-008"`) {
		t.Errorf("under the policy: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var called []string
	for _, c := range em.Calls() {
		called = append(called, c.Service+":"+c.Action)
	}
	if !slices.Contains(called, "lightsail:GetRegions") || !slices.Contains(called, "lightsail:GetInstances") {
		t.Errorf("discovery called %v", called)
	}
	var doc map[string]any
	if err := json.Unmarshal(assets.IAMPolicy, &doc); err != nil {
		t.Fatal(err)
	}
	for _, st := range doc["Statement"].([]any) {
		m := st.(map[string]any)
		m["Action"] = slices.DeleteFunc(m["Action"].([]any), func(a any) bool { return a == "lightsail:GetRegions" })
	}
	less, _ := json.Marshal(doc)
	if err := em.EnforcePolicy(less); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, false, args...)
	if r.code != exitAuth || !strings.Contains(r.stderr, "lightsail:GetRegions") || !strings.Contains(r.stderr, "Hint:") {
		t.Errorf("without lightsail:GetRegions: exit %d, stderr %q; want exit 4 naming it", r.code, r.stderr)
	}
}

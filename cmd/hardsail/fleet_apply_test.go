package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/internal/world"
)

// fleetApplyJSON is the part of apply --all's --json document the tests read.
type fleetApplyJSON struct {
	Command   string `json:"command"`
	Instances []struct {
		Region, Instance, Status string
		Changed                  []string
		FirstFix                 string `json:"first_fix"`
		Outcomes                 []struct{ Step, Status string }
	} `json:"instances"`
	Summary map[string]int `json:"summary"`
}

// ownHosts binds each named instance to a real host of its own (the fleet scenario shares one host
// per flavour), so a host step changes each instance's host, not one host for all.
func ownHosts(t *testing.T, f *world.Fleet, names ...string) map[string]*testhost.Host {
	t.Helper()
	ca := ssh.MarshalAuthorizedKey(f.Em.CAPublicKey())
	hosts := map[string]*testhost.Host{}
	for _, name := range names {
		// eu-west-1 holds the odd indexes: every instance there is of the Lightsail flavour.
		hosts[name] = testhost.Start(t, testhost.Options{Flavour: world.Lightsail, TrustedUserCAKeys: ca})
		if err := f.Em.BindSSH(name, hosts[name].Addr); err != nil {
			t.Fatal(err)
		}
	}
	return hosts
}

// TestApplyAllChangesEachInstanceWithItsOwnJournal applies a cloud step (firewall) and a host step
// (log-cleanup) to three instances picked by --region and a glob: every one is changed on its own
// host and in its own journal (history per instance), and undo --instance undoes one alone.
func TestApplyAllChangesEachInstanceWithItsOwnJournal(t *testing.T) {
	f := startFleet(t, 24)
	names := []string{"wp-002", "wp-006", "wp-010"}
	hosts := ownHosts(t, f, names...)
	sel := []string{"--region", "eu-west-1", "--instance", "wp-00[26],wp-010"}
	r := runCLI(t, false, append([]string{"apply", "--all", "firewall", "log-cleanup", "--yes", "--json"}, sel...)...)
	if r.code != exitOK {
		t.Fatalf("apply --all: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var doc fleetApplyJSON
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("--json does not parse: %v\n%s", err, r.stdout)
	}
	if doc.Command != "apply" || doc.Summary["instances"] != 3 || doc.Summary["changed"] != 3 || len(doc.Instances) != 3 {
		t.Fatalf("document: %q %v\n%s", doc.Command, doc.Summary, r.stdout)
	}
	for i, in := range doc.Instances {
		if in.Instance != names[i] || in.Status != "changed" || !slices.Contains(in.Changed, "firewall") || !slices.Contains(in.Changed, "log-cleanup") {
			t.Errorf("%s: status %s, changed %v (want firewall and log-cleanup, in name order)", in.Instance, in.Status, in.Changed)
		}
		if !slices.Contains(in.Changed, "snapshot") {
			t.Errorf("%s: no snapshot before its changes (--yes takes the offer's safe default): %v", in.Instance, in.Changed)
		}
	}
	for _, name := range names {
		if _, _, code := hosts[name].Run(t, "test -f /etc/cron.d/hardsail-logcleanup"); code != 0 {
			t.Errorf("%s's host has no /etc/cron.d/hardsail-logcleanup after apply --all", name)
		}
		h := runCLI(t, false, "history", "--region", "eu-west-1", "--instance", name, "--json")
		var hist struct {
			Journal []struct{ Step, State string }
		}
		if err := json.Unmarshal([]byte(h.stdout), &hist); err != nil || h.code != exitOK {
			t.Fatalf("history %s: exit %d, %v\n%s", name, h.code, err, h.stderr)
		}
		var steps []string
		for _, e := range hist.Journal {
			steps = append(steps, e.Step)
		}
		if !slices.Contains(steps, "firewall") || !slices.Contains(steps, "log-cleanup") {
			t.Errorf("history of %s: steps %v, want firewall and log-cleanup in its own journal\n%s", name, steps, h.stdout)
		}
	}

	// Undo stays per instance: one instance's firewall back, the others untouched.
	u := runCLI(t, false, "undo", "--region", "eu-west-1", "--instance", "wp-006", "firewall", "--yes")
	if u.code != exitOK {
		t.Fatalf("undo --instance wp-006 firewall: exit %d\n%s%s", u.code, u.stdout, u.stderr)
	}
	v := runCLI(t, false, append([]string{"verify", "--all", "firewall", "--json"}, sel...)...)
	var after fleetJSON
	if err := json.Unmarshal([]byte(v.stdout), &after); err != nil {
		t.Fatalf("verify --all: %v\n%s", err, v.stdout)
	}
	for _, in := range after.Instances {
		want := map[bool]string{true: "drift", false: "ok"}[in.Instance == "wp-006"]
		if in.Status != want {
			t.Errorf("after undo of wp-006's firewall: %s is %s, want %s", in.Instance, in.Status, want)
		}
	}
}

// TestApplyAllStopsAtAFailureUnlessKeepGoing: wp-014's SSH is closed, so a host step fails there;
// without --keep-going the instance after it is not applied, with it it is. Lines come per
// instance in order, then the summary; exit 1 (the worst).
func TestApplyAllStopsAtAFailureUnlessKeepGoing(t *testing.T) {
	f := startFleet(t, 24)
	ownHosts(t, f, "wp-010", "wp-022")
	args := []string{"apply", "--all", "--region", "eu-west-1", "--instance", "wp-01[04],wp-022", "log-cleanup", "--yes"}
	r := runCLI(t, false, args...)
	if r.code != exitError {
		t.Errorf("exit %d, want %d\n%s%s", r.code, exitError, r.stdout, r.stderr)
	}
	want := []string{"changed eu-west-1 wp-010", "failed eu-west-1 wp-014", "skipped eu-west-1 wp-022"}
	checkApplyLines(t, r.stdout, want, "3 instances: 1 changed, 0 ok, 1 failed, 1 skipped.")
	if !strings.Contains(r.stdout, "port 22") || !strings.Contains(r.stdout, "--keep-going") {
		t.Errorf("the failed line has no reason, or the skipped one no word of --keep-going:\n%s", r.stdout)
	}

	r = runCLI(t, false, append(args, "--keep-going")...)
	if r.code != exitError {
		t.Errorf("--keep-going: exit %d, want %d\n%s%s", r.code, exitError, r.stdout, r.stderr)
	}
	// wp-010 was changed by the first run: nothing left to change.
	want = []string{"ok eu-west-1 wp-010", "failed eu-west-1 wp-014", "changed eu-west-1 wp-022"}
	checkApplyLines(t, r.stdout, want, "3 instances: 1 changed, 1 ok, 1 failed, 0 skipped.")
}

func checkApplyLines(t *testing.T, stdout string, want []string, summary string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != len(want)+2 {
		t.Fatalf("got %d lines, want %d instances, a blank line and the summary:\n%s", len(lines), len(want), stdout)
	}
	for i, w := range want {
		if got := strings.Join(strings.Fields(lines[i])[1:4], " "); got != w {
			t.Errorf("line %d: %q, want %q", i, lines[i], w)
		}
	}
	if lines[len(lines)-1] != summary {
		t.Errorf("summary %q, want %q", lines[len(lines)-1], summary)
	}
}

// TestApplyAllRefusesBadInput: apply --all without step names or --yes, and undo over several
// instances, are refused with exit 3 and a hint, nothing written.
func TestApplyAllRefusesBadInput(t *testing.T) {
	stateDir := isolate(t)
	withEmulator(t, emulator.ScenarioFleet)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"apply", "--all", "--yes"}, "apply --all needs the steps to apply"},
		{[]string{"apply", "--all", "imds"}, "apply --all needs --yes"},
		{[]string{"apply", "--all", "imdz", "--yes"}, `unknown step "imdz"`},
		{[]string{"apply", "--all", "imds", "--yes", "--ssh-host", "example.com"}, "--ssh-host cannot be used with --all"},
		// undo stays per instance: its --all is every step of one instance, and --instance takes one name.
		{[]string{"undo", "--all", "--yes"}, "Lightsail instances in us-east-1; which one?"},
		{[]string{"undo", "--all", "--yes", "--instance", "wp-*"}, "not a Lightsail instance name"},
		{[]string{"undo", "imds", "--yes", "--instance", "wp-001,wp-002"}, "not a Lightsail instance name"},
	}
	for _, c := range cases {
		for _, tty := range []bool{false, true} {
			r := runCLI(t, tty, c.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || !strings.Contains(r.stderr, "Hint:") || r.stdout != "" {
				t.Errorf("%v (terminal %v): exit %d, stderr %q; want exit 3 with %q and a hint", c.args, tty, r.code, r.stderr, c.want)
			}
		}
	}
	if entries, _ := filepath.Glob(filepath.Join(stateDir, "*")); len(entries) != 0 {
		t.Errorf("bad input wrote %v", entries)
	}
}

package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/registry"
	"github.com/hardsail/hardsail/tui/iostreams"
)

// parseCLI runs argv through the whole root, as `hardsail` would, with the command build makes in
// place of the real one: its runF records the options instead of running (cli/cli's test seam).
// got is nil when the command did not run (a usage error, or help).
func parseCLI[T any](t *testing.T, tty bool, build func(*Factory, func(*T) error) *cobra.Command, argv ...string) (got *T, r result) {
	t.Helper()
	isolate(t)
	io, out, errOut := iostreams.Test("")
	io.InTTY, io.OutTTY = tty, tty
	f := newFactory(io)
	capture := func(o *T) error { got = o; return nil }
	root := newRootCmd(f, nil)
	if sub := build(f, capture); sub.Name() == root.Name() {
		root = newRootCmd(f, func(o *DashboardOptions) error { return capture(any(o).(*T)) })
	} else {
		for _, c := range root.Commands() {
			if c.Name() == sub.Name() {
				root.RemoveCommand(c)
			}
		}
		root.AddCommand(sub)
	}
	code := runRoot(f, root, argv)
	return got, result{out.String(), errOut.String(), code}
}

// argvCase is one row of a command's table: the command line, and either the exit code and a
// piece of stderr (the command did not run), or what its options must hold.
type argvCase[T any] struct {
	argv   string
	tty    bool
	code   int    // exit code when the command must not run
	stderr string // a piece of the error then
	want   func(t *testing.T, o *T)
}

func runTable[T any](t *testing.T, build func(*Factory, func(*T) error) *cobra.Command, cases []argvCase[T]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.argv, func(t *testing.T) {
			got, r := parseCLI(t, tc.tty, build, strings.Fields(tc.argv)...)
			if tc.want == nil {
				if got != nil || r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
					t.Fatalf("ran: %v, exit %d, want not run, exit %d with %q\n%s", got != nil, r.code, tc.code, tc.stderr, r.stderr)
				}
				return
			}
			if got == nil || r.code != exitOK {
				t.Fatalf("not run: exit %d\n%s", r.code, r.stderr)
			}
			tc.want(t, got)
		})
	}
}

// step returns the i-th registered step's ID (cmd/ names no step itself).
func step(i int) string { return registry.All()[i].ID() }

// settingsOf is what o's step flags set over empty saved settings.
func settingsOf(t *testing.T, o *sessionOptions) steps.Settings {
	t.Helper()
	s, err := o.settings.over(steps.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func equal[V any](t *testing.T, what string, got, want V) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func TestApplyOptions(t *testing.T) {
	runTable(t, newApplyCmd, []argvCase[ApplyOptions]{
		{argv: "apply --yes", want: func(t *testing.T, o *ApplyOptions) {
			equal(t, "steps named", len(o.ids), 0)
			equal(t, "yes", o.yes, true)
		}},
		{argv: "apply " + step(0) + " " + step(1) + " -y --reboot-time 03:30 --accept-cost --no-snapshot --instance WordPress-2",
			want: func(t *testing.T, o *ApplyOptions) {
				equal(t, "ids", o.ids, []string{step(0), step(1)})
				equal(t, "reboot time", settingsOf(t, &o.sessionOptions).RebootTime, "03:30")
				equal(t, "accept cost, no snapshot", [2]bool{o.acceptCost, o.noSnapshot}, [2]bool{true, true})
				equal(t, "instance", o.instance, "WordPress-2")
			}},
		{argv: "apply", tty: true, want: func(t *testing.T, o *ApplyOptions) { equal(t, "yes", o.yes, false) }},
		{argv: "apply", code: exitUsage, stderr: "--yes required when not running interactively"},
		{argv: "apply --yes --reboot-time 25:00", code: exitUsage, stderr: `--reboot-time "25:00"`},
		{argv: "apply --yes --strict", code: exitUsage, stderr: "unknown flag: --strict"},
		{argv: "apply --yes --force", code: exitUsage, stderr: "unknown flag: --force"},
	})
}

func TestVerifyAndPlanOptions(t *testing.T) {
	cases := []argvCase[VerifyOptions]{
		{argv: "verify", want: func(t *testing.T, o *VerifyOptions) {
			equal(t, "command", o.command, "verify")
			equal(t, "strict, only findings, json, all", [4]bool{o.strict, o.onlyFindings, o.json, o.fleet.all}, [4]bool{})
		}},
		{argv: "verify " + step(0) + " --strict --only-findings --json --mail ops@example.com", want: func(t *testing.T, o *VerifyOptions) {
			equal(t, "ids", o.ids, []string{step(0)})
			equal(t, "strict, only findings, json", [3]bool{o.strict, o.onlyFindings, o.json}, [3]bool{true, true, true})
			equal(t, "mail", settingsOf(t, &o.sessionOptions).Mail, "ops@example.com")
		}},
		// With --all, --instance takes names or globs.
		{argv: "verify --all --parallel 4 --aws-rate 5 --instance Word*,shop", want: func(t *testing.T, o *VerifyOptions) {
			equal(t, "fleet", o.fleet, fleetFlags{all: true, parallel: 4, awsRate: 5})
			equal(t, "instance", o.instance, "Word*,shop")
		}},
		{argv: "verify --instance Word*", code: exitUsage, stderr: "not a Lightsail instance name"},
		{argv: "verify --all --ssh-host 203.0.113.10", code: exitUsage, stderr: "--ssh-host cannot be used with --all"},
		{argv: "verify --all --parallel 0", code: exitUsage, stderr: "--parallel 0: not between 1 and 64"},
		{argv: "verify --cron", code: exitUsage, stderr: "flag needs an argument"},
		{argv: "verify --yes", code: exitUsage, stderr: "unknown flag: --yes"},
	}
	runTable(t, newVerifyCmd, cases)
	runTable(t, newPlanCmd, []argvCase[VerifyOptions]{
		{argv: "plan " + step(1), want: func(t *testing.T, o *VerifyOptions) {
			equal(t, "command", o.command, "plan")
			equal(t, "ids", o.ids, []string{step(1)})
		}},
		{argv: "plan --all --region eu-west-2", want: func(t *testing.T, o *VerifyOptions) {
			equal(t, "all, region", [2]any{o.fleet.all, o.region}, [2]any{true, "eu-west-2"})
		}},
		{argv: "plan --strict", code: exitUsage, stderr: "unknown flag: --strict"},
		{argv: "plan --ssh-cidr 198.51.100.4/33", code: exitUsage, stderr: "--ssh-cidr"},
	})
}

func TestUndoOptions(t *testing.T) {
	runTable(t, newUndoCmd, []argvCase[UndoOptions]{
		{argv: "undo --all --yes --force", want: func(t *testing.T, o *UndoOptions) {
			equal(t, "all, yes, force", [3]bool{o.all, o.yes, o.force}, [3]bool{true, true, true})
			equal(t, "steps named", len(o.ids), 0)
		}},
		{argv: "undo " + step(0) + " -y", want: func(t *testing.T, o *UndoOptions) {
			equal(t, "ids", o.ids, []string{step(0)})
			equal(t, "all, force", [2]bool{o.all, o.force}, [2]bool{})
		}},
		{argv: "undo --yes", code: exitUsage, stderr: "name the steps to undo, or --all"},
		{argv: "undo " + step(0) + " --all --yes", code: exitUsage, stderr: "--all cannot be combined with step names"},
		{argv: "undo " + step(0), code: exitUsage, stderr: "--yes required"},
		// Undo reads the saved settings as they are: it takes no step flag.
		{argv: "undo --all --yes --reboot-time 02:00", code: exitUsage, stderr: "unknown flag: --reboot-time"},
	})
}

// The commands that open no session take no step flag and no step flag's value is read.
func TestOtherCommandsOptions(t *testing.T) {
	runTable(t, newHistoryCmd, []argvCase[HistoryOptions]{
		{argv: "history --instance WordPress-1 --region eu-west-2 --json", want: func(t *testing.T, o *HistoryOptions) {
			equal(t, "instance, region, json", [3]any{o.instance, o.region, o.json}, [3]any{"WordPress-1", "eu-west-2", true})
			equal(t, "state dir", o.stateDir(), os.Getenv("HARDSAIL_STATE_DIR"))
		}},
		{argv: "history --reboot-time 02:00", code: exitUsage, stderr: "unknown flag: --reboot-time"},
		{argv: "history --domain example.com", code: exitUsage, stderr: "unknown flag: --domain"},
	})
	runTable(t, newVersionCmd, []argvCase[VersionOptions]{
		{argv: "version --json", want: func(t *testing.T, o *VersionOptions) { equal(t, "json", o.json, true) }},
		{argv: "version --mail ops@example.com", code: exitUsage, stderr: "unknown flag: --mail"},
	})
	runTable(t, newPolicyCmd, []argvCase[PolicyOptions]{
		{argv: "policy", want: func(t *testing.T, o *PolicyOptions) {
			if o.io == nil {
				t.Error("no streams")
			}
		}},
		{argv: "policy --ssh-cidr none", code: exitUsage, stderr: "unknown flag: --ssh-cidr"},
	})
	runTable(t, newManCmd, []argvCase[ManOptions]{
		{argv: "man --dir /tmp/man1", want: func(t *testing.T, o *ManOptions) {
			equal(t, "dir", o.dir, "/tmp/man1")
			equal(t, "root", o.root.Name(), "hardsail")
		}},
		{argv: "man --cron x", code: exitUsage, stderr: "unknown flag: --cron"},
	})
	runTable(t, newInfoCmd, []argvCase[InfoOptions]{
		{argv: "info --profile work --region eu-west-2", want: func(t *testing.T, o *InfoOptions) {
			equal(t, "profile, region", [2]string{o.profile, o.region}, [2]string{"work", "eu-west-2"})
		}},
		{argv: "info --profile", code: exitUsage, stderr: "flag needs an argument"},
	})
}

// Plain `hardsail` at a terminal runs the wizard with its step flags; off a terminal it prints the
// help and runs nothing.
func TestDashboardOptions(t *testing.T) {
	root := func(f *Factory, runF func(*DashboardOptions) error) *cobra.Command { return newRootCmd(f, runF) }
	runTable(t, root, []argvCase[DashboardOptions]{
		{argv: "--domain example.com --accessible", tty: true, want: func(t *testing.T, o *DashboardOptions) {
			equal(t, "domain", settingsOf(t, &o.sessionOptions).Domain, "example.com")
			equal(t, "accessible", o.accessible, true)
		}},
		{argv: "--reboot-time 9", tty: true, code: exitUsage, stderr: "--reboot-time"},
		{argv: "--yes", tty: true, code: exitUsage, stderr: "unknown flag: --yes"},
	})
	got, r := parseCLI(t, false, root)
	if got != nil || r.code != exitOK || !strings.Contains(r.stdout, "Usage:") {
		t.Errorf("off a terminal: ran %v, exit %d, want the help\n%s", got != nil, r.code, r.stdout)
	}
}

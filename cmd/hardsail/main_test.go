package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/tui/iostreams"
)

// isolate gives the test an environment with no AWS configuration and its own state dir.
func isolate(t *testing.T) (stateDir string) {
	t.Helper()
	home := t.TempDir()
	stateDir = filepath.Join(home, "state")
	// The test host's rootfs cache lives under the real HOME; moving HOME must not rebuild it.
	if d, err := testhost.CacheDir(); err == nil {
		t.Setenv("HARDSAIL_TESTHOST_CACHE", d)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "NO_COLOR", "CLICOLOR_FORCE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "no-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("HARDSAIL_STATE_DIR", stateDir)
	return stateDir
}

// withEmulator points the SDK at a fresh emulator through its own environment variables.
func withEmulator(t *testing.T, scenario string) *emulator.Emulator {
	t.Helper()
	em := emulator.Start(t, emulator.Options{Scenario: scenario})
	for _, kv := range em.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return em
}

type result struct {
	stdout, stderr string
	code           int
}

func runCLI(t *testing.T, tty bool, args ...string) result {
	t.Helper()
	io, out, errOut := iostreams.Test("")
	io.InTTY, io.OutTTY = tty, tty
	code := run(args, io)
	return result{out.String(), errOut.String(), code}
}

func TestExitCodesAndErrors(t *testing.T) {
	cases := []struct {
		name     string
		emulated bool
		args     []string
		code     int
		stderr   []string
	}{
		{"no credentials", false, []string{"verify"}, exitAuth, []string{"Error: find AWS credentials", "Hint:", "aws configure", "--profile"}},
		{"unknown flag", false, []string{"verify", "--frobnicate"}, exitUsage, []string{"unknown flag: --frobnicate", "hardsail verify --help"}},
		{"bad reboot time", true, []string{"verify", "--reboot-time", "25:00"}, exitUsage, []string{"--reboot-time \"25:00\"", "HH:MM"}},
		{"bad cron", true, []string{"plan", "--cron", "0 3 * *"}, exitUsage, []string{"want 5 fields"}},
		{"bad ssh cidr", true, []string{"plan", "--ssh-cidr", "198.51.100.4/33"}, exitUsage, []string{"--ssh-cidr", "198.51.100.4/32"}},
		{"apply off a terminal needs --yes", true, []string{"apply"}, exitUsage, []string{"--yes required when not running interactively"}},
		{"undo off a terminal needs --yes", true, []string{"undo", "--all"}, exitUsage, []string{"--yes required when not running interactively"}},
		{"undo needs steps or --all", true, []string{"undo", "--yes"}, exitUsage, []string{"name the steps to undo, or --all"}},
		{"unknown step", true, []string{"verify", "firewal"}, exitUsage, []string{`unknown step "firewal"`}},
		{"unknown instance", true, []string{"verify", "--instance", "nope"}, exitUsage, []string{`no Lightsail instance "nope"`, "WordPress-1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state := isolate(t)
			if tc.emulated {
				withEmulator(t, "wordpress-fresh")
			}
			r := runCLI(t, false, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			for _, w := range tc.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if r.stdout != "" {
				t.Errorf("an error printed to stdout: %q", r.stdout)
			}
			if _, err := os.Stat(state); !os.IsNotExist(err) {
				t.Errorf("a failed command wrote to the state dir (%v)", err)
			}
		})
	}
}

func TestVerifyAgainstEmulator(t *testing.T) {
	isolate(t)
	em := withEmulator(t, "wordpress-fresh")
	bindHost(t, em)
	r := runCLI(t, false, "verify", "--json")
	if r.code != exitDrift {
		t.Fatalf("exit %d; stderr %s", r.code, r.stderr)
	}
	var rep struct {
		SchemaVersion int    `json:"schema_version"`
		Command       string `json:"command"`
		Instance      string `json:"instance"`
		Account       string `json:"account"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, r.stdout)
	}
	if rep.SchemaVersion != 1 || rep.Command != "verify" || rep.Instance != "WordPress-1" || rep.Account != emulator.AccountID {
		t.Fatalf("report %+v", rep)
	}
	plain := runCLI(t, false, "verify")
	if !strings.Contains(plain.stdout, "you are using the root user") {
		t.Errorf("verify as root does not warn:\n%s", plain.stdout)
	}
	if strings.Contains(plain.stdout, "\x1b[") {
		t.Error("output off a terminal carries colour")
	}
}

func TestVersion(t *testing.T) {
	r := runCLI(t, false, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "hardsail ") || !strings.Contains(r.stdout, runtime.Version()) || !strings.Contains(r.stdout, "commit ") {
		t.Fatalf("version printed %q (exit %d)", r.stdout, r.code)
	}
	old := version
	version, commit = "1.2.3", "abc1234"
	defer func() { version, commit = old, "" }()
	if r := runCLI(t, false, "version"); !strings.HasPrefix(r.stdout, "hardsail 1.2.3 (commit abc1234") {
		t.Fatalf("ldflags version not shown: %q", r.stdout)
	}
}

func TestHelpReadsWell(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"hardsail --demo", "Hardening:", "verify", "plan", "apply", "undo", "history", "policy", "info"}},
		{[]string{"verify", "--help"}, []string{"Exit status: 0 all ok, 2 drift or pending", "--json", "--instance"}},
		{[]string{"apply", "--help"}, []string{"--yes", "journaled", "--accept-cost"}},
		{[]string{"undo", "--help"}, []string{"--all", "--force", "newest first"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCLI(t, false, tc.args...)
			if r.code != 0 {
				t.Fatalf("exit %d", r.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("help lacks %q", w)
				}
			}
		})
	}
}

func TestNoArgsOffTerminalPrintsHelp(t *testing.T) {
	isolate(t)
	r := runCLI(t, false)
	if r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
		t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestPolicyIsJSONWithActions(t *testing.T) {
	r := runCLI(t, false, "policy")
	var doc struct {
		Version   string
		Statement []struct{ Action []string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Version != "2012-10-17" || len(doc.Statement) == 0 {
		t.Fatalf("policy output: %v\n%s", err, r.stdout)
	}
}

func TestHistoryWithoutJournal(t *testing.T) {
	isolate(t)
	r := runCLI(t, false, "history")
	if r.code != 0 || !strings.Contains(r.stdout, "No journal") {
		t.Fatalf("exit %d: %q", r.code, r.stdout)
	}
}

// buildBinary builds hardsail once per test binary, keeping the real Go caches: isolate moves HOME,
// and a cold cache costs a minute.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		goenv, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
		if err != nil {
			binErr = err
			return
		}
		dirs := strings.Fields(string(goenv))
		dir, err := os.MkdirTemp("", "hardsail-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "hardsail")
		build := exec.Command("go", "build", "-o", binPath, ".")
		build.Env = append(os.Environ(), "GOCACHE="+dirs[0], "GOMODCACHE="+dirs[1], "GOPATH="+dirs[2])
		if out, err := build.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// exitOf is a finished command's exit code.
func exitOf(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestDemoBinary runs the README's first command the way a newcomer does: the built binary with
// --demo, no AWS configuration at all, and no network beyond loopback.
func TestDemoBinary(t *testing.T) {
	bin := buildBinary(t)
	isolate(t)
	cmd := exec.Command(bin, "--demo=bitnami", "verify")
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	// A fresh emulated instance is out of compliance: verify says so with exit 2, and nothing is unknown.
	if err := cmd.Run(); exitOf(err) != exitDrift {
		t.Fatalf("hardsail --demo verify: %v, want exit %d\nstdout:\n%s\nstderr:\n%s", err, exitDrift, out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "DEMO — nothing real is changed") {
		t.Errorf("no demo banner on stderr:\n%s", errOut.String())
	}
	if !strings.Contains(out.String(), "WordPress-1 in us-east-1 (account 123456789012)") {
		t.Errorf("demo did not reach the emulated instance:\n%s", out.String())
	}
	// The state path the banner prints is there after exit, holding the demo's world for the next run.
	dir := filepath.Join(os.Getenv("HARDSAIL_STATE_DIR"), "demo", "bitnami")
	if !strings.Contains(errOut.String(), "kept in "+dir) {
		t.Errorf("the banner does not name the demo's state dir %s:\n%s", dir, errOut.String())
	}
	if _, err := os.Stat(filepath.Join(dir, demoWorldFile)); err != nil {
		t.Errorf("the demo's saved world is not in its state dir after exit: %v", err)
	}
}

// --demo is a new instance of the Lightsail-packaged blueprint (SSH closed to this computer at
// launch); --demo=bitnami the Bitnami one; any other value is refused before anything starts.
func TestDemoBlueprints(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"lightsail by default", []string{"--demo", "verify"}, exitError, "SSH is closed to this computer (127.0.0.1)"},
		{"bitnami", []string{"--demo=bitnami", "verify"}, exitDrift, "! drift    firewall"},
		{"unknown", []string{"--demo=ubuntu", "verify"}, exitUsage, `--demo="ubuntu": no such demo instance`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			r := runCLI(t, false, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.want) {
				t.Fatalf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, tc.want, r.stdout, r.stderr)
			}
		})
	}
}

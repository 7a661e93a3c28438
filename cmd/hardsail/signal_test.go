package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// lockoutCheck is the progress line the firewall prints while its lockout guard tries SSH.
const lockoutCheck = "checking that a new SSH connection still gets in"

// signalWhen runs the built binary with args, sends it sig once its stderr shows line (and a moment
// into what that line announces), and returns what it printed and its exit code.
func signalWhen(t *testing.T, bin, line string, sig syscall.Signal, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out strings.Builder
	cmd.Stdout = &out
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	var mu sync.Mutex
	seen := make(chan struct{})
	read := make(chan struct{})
	go func() {
		defer close(read)
		var once sync.Once
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			mu.Lock()
			errOut.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), line) {
				once.Do(func() { close(seen) })
			}
		}
	}()
	select {
	case <-seen:
	case <-read:
		cmd.Wait()
		t.Fatalf("hardsail %s ended before %q\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), line, out.String(), errOut.String())
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("no %q within 90 s", line)
	}
	time.Sleep(time.Second) // inside what the line announced: a first SSH try has failed
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { <-read; exited <- cmd.Wait() }()
	select {
	case err = <-exited:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("hardsail did not exit within 60 s of %s", sig)
	}
	mu.Lock()
	defer mu.Unlock()
	return out.String(), errOut.String(), exitOf(err)
}

// SIGTERM (a CI job cancelled, `timeout`) and SIGHUP (the terminal closed) during the firewall's
// lockout check end the run like Ctrl-C: the previous rules go back, the journal says so, exit 130.
func TestSignalDuringTheLockoutCheckPutsTheRulesBack(t *testing.T) {
	bin := buildBinary(t)
	for _, tc := range []struct {
		sig  syscall.Signal
		name string
	}{{syscall.SIGTERM, "SIGTERM"}, {syscall.SIGHUP, "SIGHUP"}} {
		t.Run(tc.name, func(t *testing.T) {
			state := isolate(t)
			em := withEmulator(t, "wordpress-fresh")
			bindHost(t, em)
			before := em.State().Instances[0].Networking.Ports
			stdout, stderr, code := signalWhen(t, bin, lockoutCheck, tc.sig,
				"apply", "firewall", "--yes", "--no-snapshot", "--ssh-cidr", "198.51.100.4/32")
			if code != exitCancelled {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitCancelled, stdout, stderr)
			}
			if !strings.Contains(stderr, tc.name+": cancelling") || !strings.Contains(stdout, "the previous rules were put back") {
				t.Errorf("the run does not say it was cancelled and rolled back\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
			if got := em.State().Instances[0].Networking.Ports; !reflect.DeepEqual(got, before) {
				t.Errorf("firewall after %s:\n%+v\nwant the rules from before:\n%+v", tc.name, got, before)
			}
			j, err := steps.OpenJournal(steps.PathsFor(state, steps.Key{Account: emulator.AccountID, Region: "us-east-1", Instance: "WordPress-1"}))
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			entries, err := j.Entries()
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 2 || entries[0].State != steps.EntryUndone || entries[1].Undoes != entries[0].ID ||
				entries[1].State != steps.EntryDone || !strings.Contains(entries[1].Change.Why, "cancelled ("+tc.name+" received)") {
				t.Errorf("journal %+v, want the change undone by a rollback that names %s", entries, tc.name)
			}
		})
	}
}

// A demo run ended by SIGTERM mid-apply leaves nothing in TMPDIR and saves the world as the
// rollback left it: the next run finds the firewall as it was.
func TestDemoLeavesNothingBehindOnSIGTERM(t *testing.T) {
	bin := buildBinary(t)
	state := isolate(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	stdout, stderr, code := signalWhen(t, bin, lockoutCheck, syscall.SIGTERM,
		"--demo=bitnami", "apply", "firewall", "--yes", "--no-snapshot", "--ssh-cidr", "198.51.100.4/32")
	if code != exitCancelled || !strings.Contains(stdout, "the previous rules were put back") {
		t.Errorf("exit %d, want %d with the rules put back\nstdout:\n%s\nstderr:\n%s", code, exitCancelled, stdout, stderr)
	}
	left, err := filepath.Glob(filepath.Join(tmp, "hardsail-demo-*"))
	if err != nil || len(left) != 0 {
		t.Errorf("the demo left %q in TMPDIR (%v)", left, err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("TMPDIR holds %d entries after the demo", len(entries))
	}
	if r := runCLI(t, false, "--demo=bitnami", "verify", "firewall", "--ssh-cidr", "198.51.100.4/32"); r.code != exitDrift || !strings.Contains(r.stdout, "! drift    firewall") {
		t.Errorf("the next run after SIGTERM: exit %d, want the firewall as before (drift)\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(state, "demo", "bitnami", demoWorldFile)); err != nil {
		t.Errorf("the demo was not saved on SIGTERM: %v", err)
	}
}

// verify from a second machine while another run holds the instance's remote lock says that run is
// changing the instance, who and since when, and exits 1: never "compliant".
func TestVerifyWhileAnotherRunChangesTheInstance(t *testing.T) {
	isolate(t)
	em := withEmulator(t, "wordpress-fresh")
	bindHost(t, em)
	other, err := world.Dial(t.Context(), awsapi.New(em.AWSConfig()), "WordPress-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	release, err := other.Lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, false, "verify", "log-cleanup", "firewall", "--ssh-cidr", "198.51.100.4/32")
	if r.code != exitError || !strings.Contains(r.stdout, "another hardsail run is changing") ||
		!strings.Contains(r.stdout, "hardsail over SSH from 127.0.0.1") || !strings.Contains(r.stdout, "Wait for the other run to finish") ||
		strings.Contains(r.stdout, "✓ ok") {
		t.Errorf("verify during another run: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	release()
	if r := runCLI(t, false, "verify", "log-cleanup"); strings.Contains(r.stdout, "another hardsail run") {
		t.Errorf("verify after the other run still reports it:\n%s", r.stdout)
	}
}

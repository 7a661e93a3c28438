package main

import (
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/steps"
)

// hostFiles are the directories the host steps auto-upgrades and log-cleanup write to.
var hostFiles = []string{"/etc/apt/apt.conf.d", "/etc/cron.d", "/usr/local/sbin"}

// onlyJournal is the one journal under the state dir.
func onlyJournal(t *testing.T, stateDir string) string {
	t.Helper()
	files, err := steps.FindJournals(stateDir, "", "")
	if err != nil || len(files) != 1 {
		t.Fatalf("journals under %s: %+v (err %v), want one", stateDir, files, err)
	}
	return files[0].Path
}

// mustCLI runs hardsail in-process and fails t unless it exits with want.
func mustCLI(t *testing.T, want int, args ...string) result {
	t.Helper()
	r := runCLI(t, false, args...)
	if r.code != want {
		t.Fatalf("hardsail %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
	}
	return r
}

// A torn last line (a crash or a full disk mid-write) is reported by history, cut off by the next
// apply (which says so), and from then on history and undo work for every entry, undo exactly.
func TestTornJournalThenApplyHistoryUndo(t *testing.T) {
	state := isolate(t)
	em := withEmulator(t, "wordpress-fresh")
	host := bindHost(t, em)
	before := host.TreeHash(t, hostFiles...)

	mustCLI(t, exitOK, "apply", "--yes", "--no-snapshot", "auto-upgrades")
	path := onlyJournal(t, state)
	torn := `{"v":1,"type":"begin","id":"20250101T000000Z-abcdef-001","step":"log-cleanup","address":"host:/etc/cr`
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(torn)
	f.Close()

	r := mustCLI(t, exitError, "history")
	if !strings.Contains(r.stderr, "skipped") || !strings.Contains(r.stdout, "auto-upgrades") {
		t.Errorf("history of a torn journal: want the good entries shown and the torn line reported\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}

	r = mustCLI(t, exitOK, "apply", "--yes", "--no-snapshot", "log-cleanup")
	if !strings.Contains(r.stderr, "torn last line") {
		t.Errorf("apply did not report the torn line it cut:\n%s", r.stderr)
	}
	r = mustCLI(t, exitOK, "history")
	for _, want := range []string{"auto-upgrades", "log-cleanup"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("history after the repair lacks %s:\n%s", want, r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("history after the repair still warns:\n%s", r.stderr)
	}
	mustCLI(t, exitOK, "undo", "--yes", "--all")
	if !maps.Equal(host.TreeHash(t, hostFiles...), before) {
		t.Fatal("undo after the repair did not restore the host byte for byte")
	}
}

// One unreadable journal (here a link, which hardsail does not follow) must not hide the others.
func TestHistoryReadsTheOtherJournalsWhenOneIsUnreadable(t *testing.T) {
	state := isolate(t)
	good := steps.PathsFor(state, steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "Good-1"})
	j, err := steps.OpenJournal(good)
	if err != nil {
		t.Fatal(err)
	}
	id, err := j.Begin("firewall", steps.Change{Action: steps.Update, Address: "aws:firewall/Good-1", Why: "test"}, nil)
	if err == nil {
		err = j.Done(id)
	}
	j.Close()
	if err != nil {
		t.Fatal(err)
	}
	bad := steps.PathsFor(state, steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "Bad-1"})
	if err := os.Symlink(filepath.Join(t.TempDir(), "elsewhere"), bad.Journal); err != nil {
		t.Fatal(err)
	}
	r := mustCLI(t, exitError, "history")
	if !strings.Contains(r.stdout, "Good-1") || !strings.Contains(r.stdout, "aws:firewall/Good-1") {
		t.Errorf("history hid the readable journal:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, bad.Journal) {
		t.Errorf("history does not name the unreadable journal:\n%s", r.stderr)
	}
	if strings.Contains(r.stdout, "No journal") {
		t.Errorf("history says there is no journal:\n%s", r.stdout)
	}
}

// fillDisk fills the filesystem holding dir and returns the filler file.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			break
		}
	}
	for _, n := range []int{4096, 512, 1} { // the odd bytes left
		for {
			if _, err := f.Write(chunk[:n]); err != nil {
				break
			}
		}
	}
	return filler
}

// With the state dir full, apply stops before changing anything it cannot journal, and leaves no
// partial line; once space is freed, history and undo work and undo is exact (seen: a 12 KiB
// partial line made every later history and undo fail).
func TestApplyOnAFullStateDir(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("HARDSAIL_REQUIRE_TESTHOST") == "1" {
			t.Fatal("this test needs root to mount a small tmpfs as the state dir (HARDSAIL_REQUIRE_TESTHOST=1)")
		}
		t.Skip("needs root to mount a small tmpfs as the state dir; CI runs it as root")
	}
	state := isolate(t)
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", state).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", state).Run() })
	em := withEmulator(t, "wordpress-fresh")
	host := bindHost(t, em)
	before := host.TreeHash(t, hostFiles...)

	mustCLI(t, exitOK, "apply", "--yes", "--no-snapshot", "auto-upgrades")
	applied := host.TreeHash(t, hostFiles...)
	path := onlyJournal(t, state)
	journaled, _ := os.ReadFile(path)

	filler := fillDisk(t, state)
	r := runCLI(t, false, "apply", "--yes", "--no-snapshot", "log-cleanup")
	if r.code == exitOK {
		t.Fatalf("apply on a full state dir succeeded\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout+r.stderr, "no space left") {
		t.Errorf("apply on a full state dir does not say why:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	if !maps.Equal(host.TreeHash(t, hostFiles...), applied) {
		t.Fatal("apply changed the host although it could not journal the change")
	}
	if now, _ := os.ReadFile(path); string(now) != string(journaled) {
		t.Fatalf("the failed apply left bytes in the journal:\n%q", strings.TrimPrefix(string(now), string(journaled)))
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	r = mustCLI(t, exitOK, "history")
	if !strings.Contains(r.stdout, "auto-upgrades") || r.stderr != "" {
		t.Errorf("history after freeing space:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	mustCLI(t, exitOK, "undo", "--yes", "--all")
	if !maps.Equal(host.TreeHash(t, hostFiles...), before) {
		t.Fatal("undo after freeing space did not restore the host byte for byte")
	}
}

// pauseHostWrites makes the host hold every file write after its rename, before its command ends:
// sudo finds this sync before /usr/bin/sync, and the write script's last step is `sync -- DIR`.
// While held, hardsail is between a change's journal "begin" and its "done". The returned wait
// blocks until a write is held; release lets every held write finish.
func pauseHostWrites(t *testing.T, h *testhost.Host) (wait func(), release func()) {
	t.Helper()
	hold, paused := "/run/hardsail-test-hold", "/run/hardsail-test-paused"
	script := "#!/bin/sh\n# test hook (journal_fault_test.go): hold a managed-file write after its rename\n" +
		"if [ \"$1\" = -- ] && [ -d \"$2\" ]; then\n" +
		"  touch " + paused + "\n" +
		"  while [ -e " + hold + " ]; do sleep 0.1; done\n" +
		"fi\nexec /usr/bin/sync \"$@\"\n"
	wrapper := filepath.Join(h.Root, "usr/local/bin/sync")
	if err := os.WriteFile(filepath.Join(h.Root, hold), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	release = func() {
		os.Remove(filepath.Join(h.Root, hold))
		os.Remove(wrapper)
	}
	t.Cleanup(release)
	wait = func() {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(filepath.Join(h.Root, paused)); err == nil {
				os.Remove(filepath.Join(h.Root, paused))
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatal("no host write reached the pause in 2 minutes")
	}
	return wait, release
}

// binaryRun is the built hardsail running as a user would start it, with its own state dir.
type binaryRun struct {
	cmd            *exec.Cmd
	stdout, stderr *syncText
	done           chan struct{}
	err            error
}

func startBinary(t *testing.T, bin, stateDir string, args ...string) *binaryRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	r := &binaryRun{cmd: exec.CommandContext(ctx, bin, args...), stdout: &syncText{}, stderr: &syncText{}, done: make(chan struct{})}
	r.cmd.Env = append(os.Environ(), "HARDSAIL_STATE_DIR="+stateDir)
	r.cmd.Stdout, r.cmd.Stderr = r.stdout, r.stderr
	if err := r.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { r.err = r.cmd.Wait(); cancel(); close(r.done) }()
	t.Cleanup(func() { r.cmd.Process.Kill(); <-r.done })
	return r
}

// finish waits for the run and fails t unless it exits with want.
func (r *binaryRun) finish(t *testing.T, want int) {
	t.Helper()
	<-r.done
	if code := exitOf(r.err); code != want {
		t.Fatalf("hardsail %s: exit %d (%v), want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.cmd.Args[1:], " "),
			code, r.err, want, r.stdout, r.stderr)
	}
}

// kill -9 between a change's journal begin and done: the change is interrupted, and undo restores
// the host byte for byte.
func TestKillMidApplyThenUndoIsExact(t *testing.T) {
	bin := buildBinary(t)
	state := isolate(t)
	em := withEmulator(t, "wordpress-fresh")
	host := bindHost(t, em)
	before := host.TreeHash(t, hostFiles...)

	wait, release := pauseHostWrites(t, host)
	run := startBinary(t, bin, state, "apply", "--yes", "--no-snapshot", "auto-upgrades", "log-cleanup")
	wait()
	entries, err := steps.ReadJournal(onlyJournal(t, state))
	if err != nil || len(entries) == 0 || entries[len(entries)-1].State != steps.EntryInterrupted {
		t.Fatalf("at the pause the last entry is not begun-but-not-done: %+v (err %v)", entries, err)
	}
	if maps.Equal(host.TreeHash(t, hostFiles...), before) {
		t.Fatal("at the pause the host is unchanged; the kill would not land after a change")
	}
	if err := run.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-run.done
	release()

	r := mustCLI(t, exitOK, "history")
	if !strings.Contains(r.stdout, "interrupted") {
		t.Errorf("history does not show the interrupted change:\n%s", r.stdout)
	}
	undo := startBinary(t, bin, state, "undo", "--yes", "--all")
	undo.finish(t, exitOK)
	if got := host.TreeHash(t, hostFiles...); !maps.Equal(got, before) {
		t.Fatalf("undo after kill -9 did not restore the host byte for byte\nbefore: %v\nafter:  %v", before, got)
	}
}

// Two machines (two state dirs) applying to one instance at once: the second waits with a message
// or is refused while the first is mid-change, and never changes the host under it.
func TestTwoStateDirsOneInstance(t *testing.T) {
	bin := buildBinary(t)
	state := isolate(t)
	other := filepath.Join(t.TempDir(), "other-machine")
	em := withEmulator(t, "wordpress-fresh")
	host := bindHost(t, em)
	before := host.TreeHash(t, hostFiles...)

	wait, release := pauseHostWrites(t, host)
	first := startBinary(t, bin, state, "apply", "--yes", "--no-snapshot", "auto-upgrades")
	wait()
	held := host.TreeHash(t, hostFiles...)
	second := startBinary(t, bin, other, "apply", "--yes", "--no-snapshot", "log-cleanup")
	told := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !told; {
		select {
		case <-second.done:
			told = true
		case <-time.After(100 * time.Millisecond):
			told = namesTheOtherRun(second.stderr.String())
		}
	}
	if !told {
		t.Errorf("the second run neither waited with a message nor was refused in 30s\nstderr:\n%s", second.stderr)
	}
	if !maps.Equal(host.TreeHash(t, hostFiles...), held) {
		t.Error("the second run changed the host while the first held it")
	}
	release()
	first.finish(t, exitOK)
	<-second.done
	if code := exitOf(second.err); code != exitOK && !namesTheOtherRun(second.stderr.String()) {
		t.Errorf("the second run failed without naming the other run (exit %d):\n%s", code, second.stderr)
	}
	if maps.Equal(host.TreeHash(t, hostFiles...), before) {
		t.Error("the first run's change is not on the host")
	}
	if exitOf(second.err) == exitOK && maps.Equal(host.TreeHash(t, hostFiles...), held) {
		t.Errorf("the second run waited and succeeded, but its change is not on the host:\n%s", second.stderr)
	}
	t.Logf("the second run's stderr:\n%s", second.stderr)
}

// namesTheOtherRun reports whether stderr says another run holds the instance (waiting or refused).
func namesTheOtherRun(stderr string) bool {
	return strings.Contains(stderr, "another hardsail run") || strings.Contains(stderr, "waiting for the lock")
}

// syncText collects a subprocess's output while the test reads it.
type syncText struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncText) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncText) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

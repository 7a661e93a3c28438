package sshhost_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/remote/sshhost"
)

// holdInBackground starts cmd on the host detached from the test's session (it dies with the host).
func holdInBackground(t *testing.T, h *testhost.Host, cmd string) {
	t.Helper()
	rootRun(t, h, "setsid sh -c "+quote(cmd)+" </dev/null >/dev/null 2>&1 &")
}

// waitHeld waits until flock on p is held by someone.
func waitHeld(t *testing.T, h *testhost.Host, p string) {
	t.Helper()
	waitFor(t, p+" held", func() bool {
		_, _, exit := h.Run(t, "sudo -n flock -n -E 75 "+p+" true")
		return exit == 75
	})
}

// A local user who is not root (a compromised web user) can hold the old world-writable lock path
// and cannot make the new directory: a run is neither stalled nor fooled.
func TestLockIgnoresAHostileLocalUser(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	rootRun(t, h, "mkdir -p -m 1777 /run/lock")
	holdInBackground(t, h, "exec sudo -n -u daemon flock /run/lock/hardsail.lock sleep 600")
	waitHeld(t, h, "/run/lock/hardsail.lock")
	if _, _, exit := h.Run(t, "sudo -n -u daemon mkdir "+sshhost.LockDir); exit == 0 {
		t.Fatalf("user daemon could create %s", sshhost.LockDir)
	}

	cfg := pinnedConfig(h, nil)
	waited := false
	cfg.LockWaiting = func(string) { waited = true }
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	release, err := dial(t, cfg).Lock(ctx)
	if err != nil {
		t.Fatalf("lock while another user holds %s: %v", "/run/lock/hardsail.lock", err)
	}
	defer release()
	if waited {
		t.Error("the run waited for a lock held by another user on the old path")
	}
	if got := rootRun(t, h, "stat -c '%F %U:%G %a' "+sshhost.LockDir); strings.TrimSpace(got) != "directory root:root 700" {
		t.Errorf("%s is %q, want a directory root:root 700", sshhost.LockDir, got)
	}
}

// A second run is told at once that it waits, and for whom; past its deadline it gives up with an
// error that names the holder. A note with terminal escapes reaches neither of them raw.
func TestLockWaitsWithAMessageThenGivesUp(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	first := dial(t, pinnedConfig(h, nil))
	release, err := first.Lock(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := pinnedConfig(h, nil)
	cfg.LockTimeout = 2 * time.Second
	var mu sync.Mutex
	var heard []string
	cfg.LockWaiting = func(holder string) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, holder)
	}
	second := dial(t, cfg)
	start := time.Now()
	_, err = second.Lock(context.Background()) // no deadline of its own: LockTimeout bounds it
	var le *sshhost.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second run: %v (%T), want a LockedError", err, err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("gave up after %s, want about the 2 s LockTimeout", took)
	}
	mu.Lock()
	if len(heard) != 1 || !strings.Contains(heard[0], "hardsail over SSH from 127.0.0.1") || !strings.Contains(heard[0], "since ") {
		t.Errorf("LockWaiting heard %q, want once the holder's note (address, since when)", heard)
	}
	mu.Unlock()
	if !strings.Contains(err.Error(), "hardsail over SSH from 127.0.0.1") || !strings.Contains(err.Error(), "gave up after waiting") ||
		!strings.Contains(le.HintText(), "Wait for the other run") {
		t.Errorf("error %q / hint %q do not name the holder and the wait", err, le.HintText())
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}

	// A holder's note with a screen-clearing escape and a bidi override is shown escaped.
	holdInBackground(t, h, `exec 9>>`+sshhost.LockPath+`; flock 9; printf 'evil\033[2J\342\200\256gnp.exe\n' > `+sshhost.LockPath+`; exec sleep 600`)
	waitHeld(t, h, sshhost.LockPath)
	heard = nil
	_, err = second.Lock(context.Background())
	if !errors.As(err, &le) {
		t.Fatalf("lock under the hostile note: %v", err)
	}
	for _, s := range append([]string{err.Error()}, heard...) {
		if strings.ContainsAny(s, "\x1b\u202e") || !strings.Contains(s, `evil\x1b[2J\u202egnp.exe`) {
			t.Errorf("holder note shown as %q, want the escapes written out", s)
		}
	}
}

// The lock directory is used only when it is root's own: another owner, a wider mode or a link
// is refused before anything is locked.
func TestLockRefusesADirectoryNotRootsOwn(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	c := dial(t, pinnedConfig(h, nil))
	cases := []struct{ name, setup, found string }{
		{"owned by daemon", "mkdir -m 0700 " + sshhost.LockDir + " && chown daemon: " + sshhost.LockDir, "directory 1 1 700"},
		{"open to all", "mkdir -m 0777 " + sshhost.LockDir, "directory 0 0 777"},
		{"a link", "mkdir -p -m 0700 /tmp/elsewhere && ln -s /tmp/elsewhere " + sshhost.LockDir, "symbolic link"},
	}
	for _, tc := range cases {
		rootRun(t, h, "rm -rf "+sshhost.LockDir+" && "+tc.setup)
		_, err := c.Lock(ctxT(t))
		var de *sshhost.LockDirError
		if !errors.As(err, &de) || !strings.Contains(de.Found, tc.found) || !strings.Contains(de.HintText(), "remove it as root") {
			t.Errorf("%s: %v (%T), want a LockDirError finding %q", tc.name, err, err, tc.found)
		}
	}
	rootRun(t, h, "rm -rf "+sshhost.LockDir)
	release, err := c.Lock(ctxT(t))
	if err != nil {
		t.Fatalf("lock once the directory is gone: %v", err)
	}
	release()
}

// Gathering while another run holds the lock says that run is changing the host (one remote
// command still); the run that holds the lock reads its own host as usual.
func TestGatherSeesAnotherRunChangingTheHost(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	log := &commandLog{}
	holder, reader := dial(t, pinnedConfig(h, nil)), dial(t, pinnedConfig(h, log))
	if _, err := reader.Gather(ctxT(t), sshhost.Query{}); err != nil {
		t.Fatalf("gather with no lock: %v", err)
	}
	release, err := holder.Lock(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	before := len(log.all())
	_, err = reader.Gather(ctxT(t), sshhost.Query{})
	var be *sshhost.BusyError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "another hardsail run is changing") ||
		!strings.Contains(be.Holder, "hardsail over SSH from 127.0.0.1") || !strings.Contains(be.Holder, "since ") || be.HintText() == "" {
		t.Fatalf("gather while another run holds the lock: %v (%T), want a BusyError naming it", err, err)
	}
	if n := len(log.all()) - before; n != 1 {
		t.Errorf("the busy gather ran %d remote commands, want 1", n)
	}
	if f, err := holder.Gather(ctxT(t), sshhost.Query{}); err != nil || f.LockHolder == "" {
		t.Errorf("the holder's own gather: %v (lock holder %q), want its own lock seen and no error", err, f.LockHolder)
	}
	release()
	if _, err := reader.Gather(ctxT(t), sshhost.Query{}); err != nil {
		t.Errorf("gather after the release: %v", err)
	}
}

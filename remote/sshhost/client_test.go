package sshhost_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/remote/sshhost"
)

// commandLog collects what a Config's Observer hears.
type commandLog struct {
	mu   sync.Mutex
	cmds []sshhost.Command
}

func (l *commandLog) observe(c sshhost.Command) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cmds = append(l.cmds, c)
}

func (l *commandLog) all() []sshhost.Command {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.cmds)
}

// pinnedConfig logs in as bitnami with the host's test key, trusting only its host key.
func pinnedConfig(h *testhost.Host, log *commandLog) sshhost.Config {
	cfg := sshhost.Config{Addr: h.Addr, User: h.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(h.Signer)},
		HostKeys: sshhost.HostKeys{Pinned: []ssh.PublicKey{h.HostKey}}, Timeout: 10 * time.Second}
	if log != nil {
		cfg.Observer = log.observe
	}
	return cfg
}

func dial(t testing.TB, cfg sshhost.Config) *sshhost.Client {
	t.Helper()
	c, err := sshhost.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatalf("dial %s: %v", cfg.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// rootRun runs cmd as root on the host (through the test's own connection, not the client under test).
func rootRun(t testing.TB, h *testhost.Host, cmd string) string {
	t.Helper()
	out, errOut, exit := h.Run(t, "sudo -n sh -c "+quote(cmd))
	if exit != 0 {
		t.Fatalf("as root on host: %s: exit %d: %s", cmd, exit, errOut)
	}
	return out
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// stat reads a host file's mode and numeric owner from outside, through the host's root.
func stat(t *testing.T, h *testhost.Host, p string) (os.FileMode, uint32, uint32, []byte) {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(h.Root, p))
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(filepath.Join(h.Root, p))
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return fi.Mode(), st.Uid, st.Gid, body
}

func TestRunAndSudo(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	var log commandLog
	c := dial(t, pinnedConfig(h, &log))
	ctx := ctxT(t)

	res, err := c.Run(ctx, "id -un")
	if err != nil || string(res.Stdout) != "bitnami\n" {
		t.Fatalf("Run(id -un) = %q, %v; want bitnami", res.Stdout, err)
	}
	res, err = c.Sudo(ctx, "id -un; cat", []byte("from stdin"))
	if err != nil || string(res.Stdout) != "root\nfrom stdin" {
		t.Fatalf("Sudo(id -un; cat) = %q, %v; want root and the stdin echoed", res.Stdout, err)
	}
	res, err = c.Run(ctx, "echo out; echo err >&2; exit 3")
	var ee *sshhost.ExitError
	if !errors.As(err, &ee) || ee.Exit != 3 || ee.Stderr != "err" || res.Exit != 3 || string(res.Stdout) != "out\n" {
		t.Fatalf("failing command: res %+v, err %v; want exit 3 with its stderr", res, err)
	}
	if got := c.Mutations(); got != 1 {
		t.Errorf("Mutations = %d after one Sudo and two Runs, want 1", got)
	}
	cmds := log.all()
	if len(cmds) != 3 || cmds[0].Mutating || !cmds[1].Mutating || cmds[2].Exit != 3 {
		t.Errorf("observer heard %+v; want Run (read-only), Sudo (mutating), Run exiting 3", cmds)
	}
	if !strings.HasPrefix(cmds[1].Line, "sudo -n sh -c ") {
		t.Errorf("sudo command logged as %q, want it to show sudo -n sh -c", cmds[1].Line)
	}
}

func TestSudoWithoutPasswordlessSudoFailsFast(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	// The last matching sudoers rule wins: bitnami now needs its password.
	rootRun(t, h, "echo 'bitnami ALL=(ALL) ALL' > /etc/sudoers.d/zz-password && chmod 0440 /etc/sudoers.d/zz-password")
	c := dial(t, pinnedConfig(h, nil))
	ctx := ctxT(t)
	for name, call := range map[string]func() error{
		"Sudo":   func() error { _, err := c.Sudo(ctx, "true", nil); return err },
		"Gather": func() error { _, err := c.Gather(ctx, sshhost.Query{}); return err },
		"Write":  func() error { return c.WriteFileAtomic(ctx, "/etc/x", []byte("x"), 0o644, "root", "root") },
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			var hinted interface{ HintText() string }
			if err == nil || !errors.As(err, &hinted) || !strings.Contains(hinted.HintText(), "passwordless sudo") {
				t.Fatalf("err = %v; want a failure whose hint says the user needs passwordless sudo", err)
			}
			if !strings.Contains(err.Error(), "password is required") {
				t.Errorf("err = %v; want sudo's own message", err)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	rootRun(t, h, "printf 'secret\\0bytes' > /root/only-root && chmod 0600 /root/only-root && echo present > /etc/hardsail-present && chmod 0644 /etc/hardsail-present")
	c := dial(t, pinnedConfig(h, nil))
	cases := []struct {
		name string
		path string
		want sshhost.File
	}{
		{"missing", "/etc/hardsail-none", sshhost.File{Path: "/etc/hardsail-none"}},
		{"present", "/etc/hardsail-present", sshhost.File{Path: "/etc/hardsail-present", Exists: true, Body: []byte("present\n"), Mode: 0o644, Owner: "root", Group: "root"}},
		{"root only", "/root/only-root", sshhost.File{Path: "/root/only-root", Exists: true, Body: []byte("secret\x00bytes"), Mode: 0o600, Owner: "root", Group: "root"}},
		{"wp-config", testhost.WPConfig.Path, sshhost.File{Path: testhost.WPConfig.Path, Exists: true, Mode: 0o640, Owner: "bitnami", Group: "daemon"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.ReadFile(ctxT(t), tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want.Body == nil && tc.want.Exists {
				_, _, _, tc.want.Body = stat(t, h, tc.path)
			}
			if got.Path != tc.want.Path || got.Exists != tc.want.Exists || !bytes.Equal(got.Body, tc.want.Body) ||
				got.Mode != tc.want.Mode || got.Owner != tc.want.Owner || got.Group != tc.want.Group {
				t.Errorf("ReadFile(%s) = %+v\nwant %+v", tc.path, got, tc.want)
			}
		})
	}
	if c.Mutations() != 0 {
		t.Errorf("reading files counted %d mutations, want 0", c.Mutations())
	}
}

func TestWriteFileAtomic(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	var log commandLog
	c := dial(t, pinnedConfig(h, &log))
	rootRun(t, h, "printf old > /etc/cron.d/replace-me && chmod 0600 /etc/cron.d/replace-me")
	cases := []struct {
		name         string
		path         string
		body         []byte
		mode         os.FileMode
		owner, group string
		wantUID      uint32
		wantGID      uint32
	}{
		{"new file", "/etc/cron.d/hardsail-new", []byte("0 3 * * 0 root /usr/local/sbin/x\n"), 0o644, "root", "root", 0, 0},
		{"replace, new mode and owner", "/etc/cron.d/replace-me", []byte("new body"), 0o640, "bitnami", "daemon", testhost.BitnamiUID, testhost.DaemonGID},
		{"binary without newline", "/etc/hardsail-binary", []byte{0, 1, 2, '\'', '\n', 0xff, '$', '(', ')'}, 0o600, "root", "root", 0, 0},
		{"empty", "/etc/hardsail-empty", []byte{}, 0o644, "root", "", 0, 0},
		{"odd name", "/etc/hardsail it's \"odd\" $(x)", []byte("odd\n"), 0o644, "root", "root", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.WriteFileAtomic(ctxT(t), tc.path, tc.body, tc.mode, tc.owner, tc.group); err != nil {
				t.Fatal(err)
			}
			mode, uid, gid, body := stat(t, h, tc.path)
			if mode != tc.mode || uid != tc.wantUID || gid != tc.wantGID || !bytes.Equal(body, tc.body) {
				t.Errorf("%s is %v %d:%d %q; want %v %d:%d %q", tc.path, mode, uid, gid, body, tc.mode, tc.wantUID, tc.wantGID, tc.body)
			}
			assertNoTempFiles(t, h, filepath.Dir(tc.path))
		})
	}
	if got := c.Mutations(); got != len(cases) {
		t.Errorf("Mutations = %d after %d writes", got, len(cases))
	}
	for _, cmd := range log.all() {
		if strings.Contains(cmd.Line, "new body") || strings.Contains(cmd.Line, "/usr/local/sbin/x") {
			t.Errorf("command log shows a file body: %q", cmd.Line)
		}
		if !cmd.Mutating {
			t.Errorf("write logged as read-only: %q", cmd.Line)
		}
	}
}

func TestWriteFileAtomicRefusesBadInput(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	c := dial(t, pinnedConfig(h, nil))
	for _, tc := range []struct{ name, path, owner string }{
		{"relative", "etc/x", "root"},
		{"unclean", "/etc/../etc/x", "root"},
		{"root dir", "/", "root"},
		{"owner with colon", "/etc/x", "root:root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.WriteFileAtomic(ctxT(t), tc.path, []byte("x"), 0o644, tc.owner, ""); err == nil {
				t.Fatalf("WriteFileAtomic(%q, owner %q) succeeded", tc.path, tc.owner)
			}
		})
	}
	if c.Mutations() != 0 {
		t.Errorf("refused writes counted %d mutations", c.Mutations())
	}
}

func assertNoTempFiles(t *testing.T, h *testhost.Host, dir string) {
	t.Helper()
	if left := tempFiles(t, h, dir); len(left) > 0 {
		t.Errorf("temp files left in %s: %q", dir, left)
	}
}

func tempFiles(t *testing.T, h *testhost.Host, dir string) []string {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(h.Root, dir, ".hardsail-tmp.*"))
	if err != nil {
		t.Fatal(err)
	}
	return left
}

func TestRemoveFile(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	rootRun(t, h, "touch /etc/cron.d/hardsail-gone")
	c := dial(t, pinnedConfig(h, nil))
	for _, p := range []string{"/etc/cron.d/hardsail-gone", "/etc/cron.d/never-was"} {
		if err := c.RemoveFile(ctxT(t), p); err != nil {
			t.Fatalf("RemoveFile(%s): %v", p, err)
		}
		if _, err := os.Lstat(filepath.Join(h.Root, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there after RemoveFile: %v", p, err)
		}
	}
	if c.Mutations() != 2 {
		t.Errorf("Mutations = %d after two removals", c.Mutations())
	}
}

func TestRunHonoursContext(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	c := dial(t, pinnedConfig(h, nil))
	// 1ms: the cancel comes before sshd has started the command (its signal finds no process).
	for _, d := range []time.Duration{300 * time.Millisecond, time.Millisecond} {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		start := time.Now()
		_, err := c.Run(ctx, "sleep 30")
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
			t.Fatalf("Run(sleep 30) under a %s deadline: %v after %s", d, err, time.Since(start))
		}
	}
	// The connection is still usable.
	if _, err := c.Run(ctxT(t), "true"); err != nil {
		t.Fatalf("after a cancelled command: %v", err)
	}
}

func TestProbe(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	var log commandLog
	c := dial(t, pinnedConfig(h, &log))
	if err := c.Probe(ctxT(t)); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if cmds := log.all(); len(cmds) != 1 || cmds[0].Line != "true" {
		t.Errorf("Probe ran %+v, want one `true`", cmds)
	}
	// A server that no longer lets this key in fails the probe; the open connection is unaffected.
	rootRun(t, h, ": > /home/bitnami/.ssh/authorized_keys")
	err := c.Probe(ctxT(t))
	var ce *sshhost.ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("Probe after the key was removed: %v, want a ConnectError", err)
	}
	if sshhost.Unreachable(err) != nil {
		t.Errorf("a refused key counted as unreachable: %v", err)
	}
	if _, err := c.Run(ctxT(t), "true"); err != nil {
		t.Fatalf("existing connection after a failed probe: %v", err)
	}
}

// Redial is a second login whose mutations count as the first connection's; SudoRead runs as root
// without counting as one.
func TestRedialAndSudoRead(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	var log commandLog
	c := dial(t, pinnedConfig(h, &log))
	ctx := ctxT(t)
	res, err := c.SudoRead(ctx, "id -un")
	if err != nil || string(res.Stdout) != "root\n" || c.Mutations() != 0 {
		t.Fatalf("SudoRead(id -un) = %q, %v, %d mutations; want root and none", res.Stdout, err, c.Mutations())
	}
	n, err := c.Redial(ctx)
	if err != nil {
		t.Fatalf("Redial: %v", err)
	}
	defer n.Close()
	if _, err := n.Sudo(ctx, "true", nil); err != nil {
		t.Fatal(err)
	}
	if c.Mutations() != 1 || n.Mutations() != 0 {
		t.Errorf("after a Sudo on the redialled connection: %d mutations on the first, %d on the second; want 1 and 0", c.Mutations(), n.Mutations())
	}
	if cmds := log.all(); len(cmds) != 2 || cmds[0].Mutating || !cmds[1].Mutating {
		t.Errorf("observer heard %+v; want SudoRead (read-only), then the redialled Sudo (mutating)", cmds)
	}
	n.Close()
	if _, err := c.Run(ctx, "true"); err != nil {
		t.Errorf("the first connection after the second closed: %v", err)
	}
}

func TestDialGivesUpOnASilentServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var held []net.Conn // accepted, never spoken to
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	for _, tc := range []struct {
		name    string
		ctx     time.Duration
		timeout time.Duration
	}{
		{"context deadline", 300 * time.Millisecond, time.Minute},
		{"config timeout", time.Minute, 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tc.ctx)
			defer cancel()
			start := time.Now()
			_, err := sshhost.Dial(ctx, sshhost.Config{Addr: ln.Addr().String(), User: "bitnami", Timeout: tc.timeout,
				HostKeys: sshhost.HostKeys{Pinned: []ssh.PublicKey{mustKey(t)}}})
			var ce *sshhost.ConnectError
			if !errors.As(err, &ce) || time.Since(start) > 10*time.Second {
				t.Fatalf("dial a silent server: %v after %s; want a ConnectError soon after the deadline", err, time.Since(start))
			}
		})
	}
}

// TestUnreachable: a port nobody listens on and a connection cut before the greeting (a firewall's
// drop, as the emulator's proxy does it) are unreachable, with the local address on the route.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := closed.Addr().String()
	closed.Close()
	cut, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer cut.Close()
	go func() {
		for {
			c, err := cut.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	for name, addr := range map[string]string{"refused": refused, "cut off": cut.Addr().String()} {
		t.Run(name, func(t *testing.T) {
			_, err := sshhost.Dial(ctxT(t), sshhost.Config{Addr: addr, User: "admin", Timeout: 5 * time.Second,
				HostKeys: sshhost.HostKeys{Pinned: []ssh.PublicKey{mustKey(t)}}})
			ce := sshhost.Unreachable(err)
			if ce == nil || ce.Local != "127.0.0.1" {
				t.Fatalf("dial: %v (unreachable %+v), want unreachable from 127.0.0.1", err, ce)
			}
		})
	}
}

func mustKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	s, _ := newKey(t)
	return s.PublicKey()
}

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// tmuxSession runs the built binary in a real pseudo-terminal (tmux), so the wizard meets a real
// terminal: raw mode, alternate screen, resize and all.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

func startTmux(t *testing.T, w, h int, command string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("HARDSAIL_REQUIRE_TESTHOST") != "" {
			t.Fatal("tmux is not installed (scripts/testhost-deps installs it)")
		}
		t.Skip("tmux is not installed (with HARDSAIL_REQUIRE_TESTHOST=1, as in CI, this is a failure)")
	}
	s := &tmuxSession{t: t, socket: "hardsail-smoke-" + fmt.Sprint(time.Now().UnixNano()), name: "demo"}
	s.tmux("new-session", "-d", "-s", s.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), command)
	s.tmux("set-option", "-t", s.name, "remain-on-exit", "on")
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", s.name) }

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	s.tmux(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

// waitFor polls the screen until it shows every text, or fails with the last screen.
func (s *tmuxSession) waitFor(texts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		scr := s.screen()
		ok := true
		for _, text := range texts {
			ok = ok && strings.Contains(scr, text)
		}
		if ok {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q; last screen:\n%s", texts, scr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitExit waits for the program to end and returns what it left on the normal screen, with the
// lines scrolled above it (a recap with findings is longer than the window).
func (s *tmuxSession) waitExit() string {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, "#{pane_dead}")) != "1" {
		if time.Now().After(deadline) {
			s.t.Fatalf("hardsail did not exit after q; last screen:\n%s", s.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s.tmux("capture-pane", "-p", "-S", "-", "-t", s.name)
}

// The newcomer's journey through `hardsail --demo` in a real terminal: the dashboard, the firewall
// step's question and preview, the snapshot offer, apply, continue to the dashboard again, a too-small window,
// and the recap left on the normal screen after quitting.
func TestTUISmokeInTmux(t *testing.T) {
	bin := buildBinary(t)
	isolate(t)
	s := startTmux(t, 100, 30, bin+" --demo=bitnami")

	// The cursor starts on the first step that needs something.
	s.waitFor("DEMO — nothing real is changed", "11 steps:", "› ! to do    iam-admin", "! to do    firewall")
	s.keys("Down", "Enter")
	s.waitFor("Who may connect with SSH?", "Your address as the instance sees it: 127.0.0.1")
	s.keys("Enter")
	s.waitFor("0.0.0.0/0, ::/0 → 127.0.0.1/32 + lightsail-connect", "Plan: 1 to change.")
	s.keys("a")
	s.waitFor("Take a snapshot of WordPress-1")
	s.keys("y")
	s.waitFor("changed  firewall", "2 steps: 0 ok, 2 changed")
	s.keys("Enter") // continue: back to the list of steps, checked again
	s.waitFor("✓ ok       firewall", "✓ ok       snapshot")

	s.tmux("resize-window", "-t", s.name, "-x", "60", "-y", "15")
	s.waitFor("terminal too small (need 70×20)")
	s.tmux("resize-window", "-t", s.name, "-x", "100", "-y", "30")
	s.waitFor("✓ ok       firewall")

	s.keys("q")
	scr := s.waitExit()
	for _, want := range []string{"✓ ok       firewall", "! to do    auto-upgrades"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the recap left on the screen lacks %q:\n%s", want, scr)
		}
	}
}

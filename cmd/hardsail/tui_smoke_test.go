package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hardsail/hardsail/steps/registry"
)

// tmuxSession runs the built binary in a real pseudo-terminal (tmux), so the wizard meets a real
// terminal: raw mode, alternate screen, resize and all.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
	// patience is how long waitFor waits for a screen: generous, so a loaded machine is slow, not failing.
	patience time.Duration
}

func startTmux(t *testing.T, w, h int, command string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("HARDSAIL_REQUIRE_TESTHOST") != "" {
			t.Fatal("tmux is not installed (scripts/testhost-deps installs it)")
		}
		t.Skip("tmux is not installed (with HARDSAIL_REQUIRE_TESTHOST=1, as in CI, this is a failure)")
	}
	s := &tmuxSession{t: t, socket: "hardsail-smoke-" + fmt.Sprint(time.Now().UnixNano()), name: "demo", patience: 60 * time.Second}
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
	return s.waitUntil(fmt.Sprintf("showed %q", texts), func(scr string) bool {
		for _, text := range texts {
			if !strings.Contains(scr, text) {
				return false
			}
		}
		return true
	})
}

// waitUntil polls the screen until ok says yes, or fails with the last screen and what it never did.
func (s *tmuxSession) waitUntil(what string, ok func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(s.patience)
	for {
		scr := s.screen()
		if ok(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never %s; last screen:\n%s", what, scr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitExit waits for the program to end and returns what it left on the normal screen, with the
// lines scrolled above it (a recap with findings is longer than the window).
func (s *tmuxSession) waitExit() string {
	s.t.Helper()
	deadline := time.Now().Add(s.patience)
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
	s.waitFor("DEMO — nothing real is changed", "13 steps:", "› ! to do    iam-admin", "! to do    firewall")
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

// waitMatch polls the screen until re matches it, and returns the submatches.
func (s *tmuxSession) waitMatch(re *regexp.Regexp) []string {
	s.t.Helper()
	return re.FindStringSubmatch(s.waitUntil("matched "+re.String(), re.MatchString))
}

// cursorRow is the step the dashboard's cursor is on: "› ", the status mark and its 8-column
// label, then the step.
var cursorRow = regexp.MustCompile(`(?m)^› \S ([a-z ]{8}) (\S+)`)

// openStep waits for step's screen: "continue" opens the next step that needs something once the
// check after an apply is in, else it returns to the dashboard; there the cursor is moved to the
// step (ids in the dashboard's order) and it is opened.
func (s *tmuxSession) openStep(step string, ids []string) {
	s.t.Helper()
	onScreen := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(step) + `: `)
	deadline := time.Now().Add(s.patience)
	for {
		scr := s.screen()
		if onScreen.MatchString(scr) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s never opened; last screen:\n%s", step, scr)
		}
		// "enter open step" is in the keys' help only once every check is done.
		if m := cursorRow.FindStringSubmatch(scr); m != nil && strings.Contains(scr, "enter open step") {
			key, n := "Down", slices.Index(ids, step)-slices.Index(ids, m[2])
			if n < 0 {
				key, n = "Up", -n
			}
			if n == 0 {
				key = "Enter"
			}
			s.keys(key)
			for time.Now().Before(deadline) && s.screen() == scr {
				time.Sleep(50 * time.Millisecond)
			}
			continue
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// focusedQuestion is the title of the question that has the focus: the first line after its bar.
var focusedQuestion = regexp.MustCompile(`(?m)^ *┃ (.+)$`)

// answer answers a step's questions until its preview shows: the focused question with the keys
// given for the key of answers its title contains, else with enter (its default). A question that
// is asked again after its answer (refused) fails the test.
func (s *tmuxSession) answer(answers map[string][]string) {
	s.t.Helper()
	deadline := time.Now().Add(s.patience)
	asked := map[string]bool{}
	for {
		scr := s.screen()
		if strings.Contains(scr, "a apply • s skip") {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the preview never showed; last screen:\n%s", scr)
		}
		m := focusedQuestion.FindStringSubmatch(scr)
		if m == nil || !strings.Contains(scr, "enter ") {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		title := strings.TrimSpace(m[1])
		if asked[title] {
			s.t.Fatalf("%q was asked again after its answer; screen:\n%s", title, scr)
		}
		asked[title] = true
		keys := []string{"Enter"}
		for q, k := range answers {
			if strings.Contains(title, q) {
				keys = k
			}
		}
		s.keys(keys...)
		// Typing shows on the screen before enter moves on: wait for another question, or the preview.
		for time.Now().Before(deadline) {
			now := s.screen()
			if m := focusedQuestion.FindStringSubmatch(now); m == nil || strings.TrimSpace(m[1]) != title ||
				strings.Contains(now, "a apply • s skip") {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// hardsail runs the binary in a new process and returns its exit code and output.
func runBinary(t *testing.T, bin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("hardsail %s: %v", strings.Join(args, " "), err)
	}
	return code, out.String(), errOut.String()
}

// demoStatuses is each step's status in `hardsail verify --demo --json`, run in a new process.
func demoStatuses(t *testing.T, bin string) (code int, statuses map[string]string) {
	t.Helper()
	code, out, errOut := runBinary(t, bin, "verify", "--demo", "--json")
	var rep struct {
		Steps []struct{ ID, Status string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Steps) == 0 {
		t.Fatalf("verify --demo --json: exit %d, %v\n%s\n%s", code, err, out, errOut)
	}
	statuses = map[string]string{}
	for _, s := range rep.Steps {
		statuses[s.ID] = s.Status
	}
	return code, statuses
}

// The whole demo in a real terminal at 80×24 (macOS Terminal's default), as a new user walks it:
// every step applied with its questions answered (the defaults, or what the demo suggests), MFA
// finished with the codes the demo shows, HTTPS with a load balancer through to its certificate
// issued and served; then, in new processes, verify says all is ok, undo --all reverses
// everything, and verify shows the instance as it was before.
func TestTUIDemoJourneyInTmux(t *testing.T) {
	bin := buildBinary(t)
	isolate(t)
	beforeCode, before := demoStatuses(t, bin) // a fresh demo, in the state dir the wizard then uses
	s := startTmux(t, 80, 24, bin+" --demo")
	s.patience = 3 * time.Minute

	ids := make([]string, 0, len(registry.All()))
	for _, st := range registry.All() {
		ids = append(ids, st.ID())
	}
	s.waitFor("DEMO — nothing real is changed", "› ! to do    iam-admin")
	s.openStep("iam-admin", ids)
	s.answer(nil)
	s.keys("a")
	s.waitFor("Take a snapshot of WordPress-1")
	s.keys("y")
	s.waitFor("Enrol a virtual MFA device for administrator")
	s.keys("y")
	s.waitFor("with this secret key:", "enter continue")
	s.keys("Enter")
	codes := s.waitMatch(regexp.MustCompile(`demo: type (\d{6}), then (\d{6})`))
	s.keys(codes[1], "Enter")
	s.waitFor("Next code", "demo: "+codes[2])
	s.keys(codes[2], "Enter")
	s.waitFor("2 steps: 0 ok, 2 changed, 0 failed.", "enter continue")
	s.keys("Enter")

	// Every other step that needs something, in order: answer its questions (the defaults, or what
	// the demo needs), apply, continue. HTTPS is skipped until it has a domain: it is opened from the
	// dashboard with the demo's zone, a load balancer (the default) and no mail (not needed then).
	for _, st := range []struct {
		step    string
		answers map[string][]string // by the question's title
	}{
		{"firewall", nil},
		{"sshd", nil},
		{"auto-upgrades", nil},
		{"log-cleanup", nil},
		{"wordpress", map[string][]string{"Have you saved the first WordPress admin password": {"true", "Enter"}}},
		{"https", map[string][]string{"Which domain name serves the site?": {"example.com", "Enter"}}},
	} {
		s.openStep(st.step, ids)
		s.answer(st.answers)
		s.keys("a")
		if st.step == "https" {
			break
		}
		s.waitFor("~ changed  "+st.step, "1 step: 0 ok, 1 changed, 0 failed.", "enter continue")
		s.keys("Enter")
	}
	s.waitFor("Create a Lightsail load balancer for example.com?")
	s.keys("y")
	// The certificate validates once its CNAME exists in the demo's zone; only then is it attached.
	s.waitFor("~ changed  https          https://example.com is served by load balancer", "enter continue")
	s.keys("Enter")
	s.waitFor("✓ ok       https", "enter open step")
	s.keys("r") // the certificates step now finds the load balancer's certificate
	allOK := regexp.MustCompile(`(\d+) steps: (\d+) ok, 0 to do, 0 failed\.`)
	if m := s.waitMatch(allOK); m[1] != m[2] || m[1] != fmt.Sprint(len(ids)) {
		t.Fatalf("not every step is ok: %s\n%s", m[0], s.screen())
	}
	s.keys("q")
	if m := allOK.FindStringSubmatch(s.waitExit()); m == nil || m[1] != m[2] {
		t.Errorf("the recap left on the screen is not all ok:\n%s", s.tmux("capture-pane", "-p", "-S", "-", "-t", s.name))
	}

	// A new process finds it all as the wizard left it.
	code, out, errOut := runBinary(t, bin, "verify", "--demo")
	if code != exitOK || !strings.Contains(out, fmt.Sprintf("%d steps: %[1]d ok, 0 drift, 0 failed.", len(ids))) {
		t.Fatalf("verify --demo after the wizard: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runBinary(t, bin, "undo", "--demo", "--all", "--yes")
	if code != exitOK || !strings.Contains(out, "0 failed.") || strings.Contains(out, "✗") {
		t.Fatalf("undo --demo --all --yes: exit %d\n%s\n%s", code, out, errOut)
	}
	// Back as it was: every step as before the wizard, but https, which now remembers the domain
	// (settings are kept after undo) and so is checked on the host that SSH is closed to again.
	afterCode, after := demoStatuses(t, bin)
	if afterCode != beforeCode {
		t.Errorf("verify after undo exits %d, before the wizard %d", afterCode, beforeCode)
	}
	for id, was := range before {
		if now := after[id]; now != was && !(id == "https" && was == "skipped" && now == "unknown") {
			t.Errorf("%s is %s after undo, was %s before the wizard", id, now, was)
		}
	}
}

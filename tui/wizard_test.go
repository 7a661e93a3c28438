package tui

import (
	"context"
	"github.com/hardsail/hardsail/remote/sshhost"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/steptest"
	"github.com/hardsail/hardsail/tui/iostreams"
	"github.com/hardsail/hardsail/tui/theme"
)

// fixture is an engine over two in-memory steps: a "firewall" whose SSH rule is open to the world
// (drift) and an "auto-upgrades" that is already compliant.
type fixture struct {
	engine   *steps.Engine
	firewall *steptest.MapStep
	upgrades *steptest.MapStep
	// asker is Options.Asker.
	asker func(steps.Asker) steps.Asker
	// now and local, when set, are the user's clock and time zone.
	now   func() time.Time
	local *time.Location
}

// askingStep is a map step with one option the wizard asks about, suggested from what Check found.
type askingStep struct{ *steptest.MapStep }

func (askingStep) Why() string {
	return "The Lightsail firewall decides who may connect to the instance's public address, and every open " +
		"rule is a door an attacker can try. Rather than leaving SSH open to the world, allow it only from your " +
		"own address; the browser-based SSH in the Lightsail console stays a way back in."
}

func (askingStep) Options() []steps.Option {
	return []steps.Option{{Flag: "ssh-cidr", Kind: steps.OptionList, Question: "Who may connect with SSH?",
		Note:         "Addresses or ranges, comma-separated, or none.",
		SuggestLabel: "Your address as the instance sees it",
		Suggest:      func(steps.State) string { return "198.51.100.4/32" },
		Get:          func(s steps.Settings) string { return strings.Join(s.SSHCIDRs, ",") },
		Set: func(s *steps.Settings, v string) error {
			for _, c := range steps.SplitList(v) {
				if _, err := steps.ParseCIDR(c); err != nil && c != "none" {
					return &steps.UsageError{Msg: "--ssh-cidr " + c + ": " + err.Error()}
				}
			}
			s.SSHCIDRs = steps.SplitList(v)
			return nil
		}}}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	paths := steps.PathsFor(t.TempDir(), steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "WordPress-1"})
	j, err := steps.OpenJournal(paths)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	f := &fixture{
		firewall: &steptest.MapStep{Name: "firewall",
			Want: map[string]string{"22-tcp": "198.51.100.4/32"},
			Live: map[string]string{"22-tcp": "0.0.0.0/0"}},
		upgrades: &steptest.MapStep{Name: "auto-upgrades",
			Want: map[string]string{"updates-origin": "enabled"},
			Live: map[string]string{"updates-origin": "enabled"}},
	}
	f.engine = &steps.Engine{Steps: []steps.Step{askingStep{f.firewall}, f.upgrades}, Journal: j, SettingsPath: paths.Settings,
		Env: &steps.Env{Instance: "WordPress-1", Region: "us-east-1", Account: "123456789012"}}
	return f
}

func (f *fixture) options(io *iostreams.IOStreams) Options {
	return Options{IO: io, Identity: Identity{Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/alice"},
		Region: "us-east-1", Instance: "WordPress-1", Engine: f.engine, SSH: "keyless: a temporary key from Lightsail", Asker: f.asker,
		now: f.now, local: f.local}
}

// journey drives the whole program through teatest and reads each frame the model renders: the
// terminal byte stream holds only the cells that changed, so it cannot be searched for a line.
type journey struct {
	t     *testing.T
	tm    *teatest.TestModel
	frame atomic.Value
}

func startJourney(t *testing.T, f *fixture, w, h int) *journey {
	t.Helper()
	io, _, _ := iostreams.Test("")
	return startJourneyWith(t, f.options(io), w, h)
}

// startJourneyWith is startJourney with the wizard's options as given.
func startJourneyWith(t *testing.T, o Options, w, h int) *journey {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m := newModel(o, newRunner(ctx), theme.Plain())
	j := &journey{t: t}
	j.frame.Store("")
	m.viewHook = func(s string) { j.frame.Store(ansi.Strip(s)) }
	j.tm = teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	return j
}

// see waits until the screen shows every one of want.
func (j *journey) see(want ...string) {
	j.t.Helper()
	j.waitFor(func(s string) bool {
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}, want)
}

// waitFor waits until ok holds of the screen, else fails showing the last frame.
func (j *journey) waitFor(ok func(frame string) bool, want []string) {
	j.t.Helper()
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		s := j.frame.Load().(string)
		if ok(s) {
			return
		}
		if time.Now().After(end) {
			j.t.Fatalf("after 10s the screen lacks one of %q:\n%s", want, s)
		}
	}
}

func (j *journey) key(k string) {
	switch k {
	case "enter":
		j.tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	case "esc":
		j.tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	case "backspace":
		j.tm.Send(tea.KeyPressMsg{Code: tea.KeyBackspace})
	default:
		j.tm.Type(k)
	}
}

func TestJourneyWalkApplyUndo(t *testing.T) {
	f := newFixture(t)
	j := startJourney(t, f, 100, 30)

	j.see("You are", "arn:aws:iam::123456789012:user/alice", "WordPress-1 in us-east-1",
		"! to do    firewall", "✓ ok       auto-upgrades", "2 steps: 1 ok, 1 to do, 0 failed.")

	j.key("enter") // the cursor starts on firewall
	j.see("firewall: Map firewall", "Who may connect with SSH?", "Your address as the instance sees it: 198.51.100.4")
	j.key("enter") // accept the address the instance sees
	j.see("0.0.0.0/0 → 198.51.100.4/32", "Plan: 1 to change.", "a apply")
	if got := f.engine.Env.Settings.SSHCIDRs; len(got) != 1 || got[0] != "198.51.100.4/32" {
		t.Errorf("the answer did not reach the settings: SSHCIDRs = %v", got)
	}

	j.key("a")
	j.see("Applying firewall", "✓ changed map:firewall/22-tcp", "~ changed  firewall", "1 step: 0 ok, 1 changed, 0 failed.", "enter continue")
	if v, _ := f.firewall.Get("22-tcp"); v != "198.51.100.4/32" {
		t.Fatalf("after apply 22-tcp = %q", v)
	}
	j.key("enter") // no other step needs attention: back to the dashboard
	j.see("✓ ok       firewall", "2 steps: 2 ok, 0 to do, 0 failed.", "(1 change can be undone)", hardenedText[:40])

	j.key("u")
	j.see("Undo firewall", "Undo will reverse these changes, newest first:", "map:firewall/22-tcp — restore the prior value")
	j.key("y")
	j.see("Undoing firewall", "✓ restored map:firewall/22-tcp", "~ changed  firewall")
	if v, _ := f.firewall.Get("22-tcp"); v != "0.0.0.0/0" {
		t.Fatalf("after undo 22-tcp = %q", v)
	}
	j.key("esc")
	j.key("enter")
	j.see("! to do    firewall", "1 to do")

	j.key("q")
	j.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestJourneyQuitGuardFinishesTheChange(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	f.firewall.BeforeMutate = func(string) { <-release }
	j := startJourney(t, f, 100, 30)
	j.see("! to do    firewall", " steps: ") // the summary: every check is done, enter opens
	j.key("enter")
	j.see("Who may connect with SSH?")
	j.key("enter")
	j.see("a apply")
	j.key("a")
	j.see("Applying firewall", "firewall: applying…")

	j.key("q")
	j.see("A change is being applied. Quit once it has finished?")
	j.key("y")
	j.see("Quitting once this change has finished…", "quitting after this change")
	if v, _ := f.firewall.Get("22-tcp"); v != "0.0.0.0/0" {
		t.Fatalf("the change went ahead before it was released: %q", v)
	}
	close(release)
	j.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if v, _ := f.firewall.Get("22-tcp"); v != "198.51.100.4/32" {
		t.Errorf("quitting cut the change short: 22-tcp = %q", v)
	}
	entries, err := f.engine.Journal.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].State != steps.EntryDone {
		t.Errorf("journal after quit: %+v, want one done entry", entries)
	}
}

func TestJourneyTooSmall(t *testing.T) {
	cases := []struct {
		name string
		w, h int
		want string
	}{
		{"narrow and short", 60, 15, "terminal too small (need 70×20)"},
		{"wide but short", 120, 19, "terminal too small (need 70×20)"},
		{"smallest that fits", 70, 20, "! to do    firewall"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := startJourney(t, newFixture(t), 100, 30)
			j.see("! to do    firewall", " steps: ") // the summary: every check is done, enter opens
			j.tm.Send(tea.WindowSizeMsg{Width: tc.w, Height: tc.h})
			j.see(tc.want)
			j.tm.Send(tea.WindowSizeMsg{Width: 100, Height: 30})
			j.see("! to do    firewall", "q quit")
			j.key("q")
			j.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		})
	}
}

// gatedFirewall explains an unreachable host while its SSH rule is not the one it wants.
type gatedFirewall struct{ askingStep }

func (g gatedFirewall) ExplainUnreachable(steps.State, *sshhost.ConnectError) (string, bool) {
	if v, _ := g.Get("22-tcp"); v != g.Want["22-tcp"] {
		return "SSH is closed to this computer", true
	}
	return "", false
}

// behindFirewall is a host step that cannot be reached until the firewall lets this computer in.
type behindFirewall struct {
	*steptest.MapStep
	fw *steptest.MapStep
}

func (b behindFirewall) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	if v, _ := b.fw.Get("22-tcp"); v != b.fw.Want["22-tcp"] {
		return steps.State{}, &sshhost.ConnectError{Addr: "192.0.2.1:22", Err: io.EOF, Unreached: true}
	}
	return b.MapStep.Check(ctx, env)
}

// A host step that could not be checked until the firewall opened SSH is checked again once the
// firewall is applied in the wizard: it shows what it needs, not "unknown".
func TestJourneyHostStepsCheckedAgainOnceTheFirewallOpens(t *testing.T) {
	f := newFixture(t)
	f.upgrades.Live["updates-origin"] = "disabled"
	f.engine.Steps = []steps.Step{gatedFirewall{askingStep{f.firewall}}, behindFirewall{MapStep: f.upgrades, fw: f.firewall}}
	j := startJourney(t, f, 120, 36)
	j.see("! to do    firewall", "✗ unknown  auto-upgrades", "SSH is closed to this computer", " steps: ")
	j.key("enter")
	j.see("Who may connect with SSH?")
	j.key("enter")
	j.see("a apply")
	j.key("a")
	j.see("~ changed  firewall", "enter continue")
	// Continue goes back to the list of steps, where the host step is no longer "unknown".
	j.key("enter")
	j.see("✓ ok       firewall", "! to do    auto-upgrades  1 to change")
	j.key("q")
	j.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// seeWords waits until the screen shows every one of want, read as words: a sentence the screen
// wrapped (and the form's bar "┃" at the start of its lines) does not hide it.
func (j *journey) seeWords(want ...string) {
	j.t.Helper()
	j.waitFor(func(s string) bool {
		s = flat(s)
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}, want)
}

func flat(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "┃", " ")), " ")
}

func (j *journey) quit() {
	j.key("q")
	j.tm.WaitFinished(j.t, teatest.WithFinalTimeout(5*time.Second))
}

var sizes2 = [][2]int{{80, 24}, {120, 36}}

// After an apply, enter goes back to the list of steps (freshly checked), not into the next step;
// after an undo too.
func TestJourneyContinueReturnsToTheSteps(t *testing.T) {
	for _, size := range sizes2 {
		f := newFixture(t)
		f.upgrades.Live["updates-origin"] = "disabled"
		j := startJourney(t, f, size[0], size[1])
		j.see("! to do    firewall", "! to do    auto-upgrades", " steps: ")
		j.key("enter")
		j.see("Who may connect with SSH?")
		j.key("enter")
		j.see("a apply")
		j.key("a")
		j.see("~ changed  firewall", "enter continue")
		j.key("enter")
		j.see("Steps", "› ✓ ok       firewall", "! to do    auto-upgrades", "2 steps: 1 ok, 1 to do, 0 failed.")
		if s := j.frame.Load().(string); strings.Contains(s, "auto-upgrades: Map auto-upgrades") {
			t.Fatalf("continue opened the next step instead of the list of steps:\n%s", s)
		}
		j.key("u")
		j.see("Undo firewall", "y undo these changes")
		j.key("y")
		j.see("Undoing firewall", "~ changed  firewall", "enter continue")
		j.key("enter")
		j.see("Steps", "› ! to do    firewall", "2 steps: 0 ok, 2 to do, 0 failed.")
		j.quit()
	}
}

// The list of steps offers "apply all that is left", the history and "undo all".
func TestJourneyApplyAllHistoryUndoAll(t *testing.T) {
	for _, size := range sizes2 {
		f := newFixture(t)
		f.upgrades.Live["updates-origin"] = "disabled"
		j := startJourney(t, f, size[0], size[1])
		j.see("2 steps: 0 ok, 2 to do, 0 failed.")
		j.seeWords("a apply all that is left", "h history")
		j.key("a") // every plan first, nothing changed until y
		j.see("Apply all that is left", "0.0.0.0/0 → 198.51.100.4/32", "disabled → enabled", "y apply all of these")
		j.key("esc")
		j.see("2 steps: 0 ok, 2 to do, 0 failed.")
		if v, _ := f.firewall.Get("22-tcp"); v != "0.0.0.0/0" {
			t.Fatalf("esc on apply all changed 22-tcp to %q", v)
		}
		j.key("a")
		j.see("y apply all of these")
		j.key("y")
		j.see("Applying all that is left", "~ changed  firewall", "~ changed  auto-upgrades", "enter continue")
		j.key("enter")
		j.see("2 steps: 2 ok, 0 to do, 0 failed.")
		j.seeWords("U undo all")
		for k, want := range map[string]string{"22-tcp": "198.51.100.4/32"} {
			if v, _ := f.firewall.Get(k); v != want {
				t.Fatalf("after apply all %s = %q", k, v)
			}
		}
		if v, _ := f.upgrades.Get("updates-origin"); v != "enabled" {
			t.Fatalf("after apply all updates-origin = %q", v)
		}
		j.key("h")
		j.see("History: every change hardsail made here", "map:firewall/22-tcp", "map:auto-upgrades/updates-origin")
		j.key("esc")
		j.see("Steps")
		j.key("U")
		j.see("Undo every change hardsail made", "map:firewall/22-tcp", "map:auto-upgrades/updates-origin", "y undo these changes")
		j.key("y")
		j.see("Undoing every change", "enter continue")
		j.key("enter")
		j.see("2 steps: 0 ok, 2 to do, 0 failed.")
		if v, _ := f.firewall.Get("22-tcp"); v != "0.0.0.0/0" {
			t.Errorf("after undo all 22-tcp = %q", v)
		}
		if v, _ := f.upgrades.Get("updates-origin"); v != "disabled" {
			t.Errorf("after undo all updates-origin = %q", v)
		}
		j.quit()
	}
}

// domainStep does nothing until it is given a domain: it is skipped, and its check says which
// flag the command line needs.
type domainStep struct{ *steptest.MapStep }

func (domainStep) Options() []steps.Option {
	return []steps.Option{{Flag: "domain", Kind: steps.OptionText, Needed: true,
		Question: "Which domain name serves the site?", Note: "Leave it empty to skip HTTPS.",
		Get: func(s steps.Settings) string { return s.Domain },
		Set: func(s *steps.Settings, v string) error { s.Domain = v; return nil }}}
}

func (d domainStep) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st, err := d.MapStep.Check(ctx, env)
	if env.Settings.Domain == "" {
		st.Skip = "no domain given: pass --domain example.com"
	}
	return st, err
}

func withDomainStep(f *fixture) *steptest.MapStep {
	site := &steptest.MapStep{Name: "site-https", Want: map[string]string{"https": "on"}, Live: map[string]string{"https": "off"}}
	f.engine.Steps = append(f.engine.Steps, domainStep{site})
	return site
}

// A step skipped until a question is answered (HTTPS without a domain) is on the walk: it says
// which question it waits for, never the flag to pass, and skipping the step before leads to it.
func TestJourneyWalkReachesAStepWaitingForAnAnswer(t *testing.T) {
	for _, size := range sizes2 {
		f := newFixture(t)
		site := withDomainStep(f)
		j := startJourney(t, f, size[0], size[1])
		j.see("! to do    firewall", " steps: ")
		j.seeWords("skipped site-https waiting for your answer to “Which domain name serves the site?”")
		if s := j.frame.Load().(string); strings.Contains(s, "--domain") {
			t.Fatalf("the list of steps tells the user to pass a flag:\n%s", s)
		}
		j.key("enter")
		j.see("Who may connect with SSH?")
		j.key("enter")
		j.see("s skip")
		j.key("s")
		j.see("site-https: Map site-https", "Which domain name serves the site?")
		j.key("example.com")
		j.key("enter")
		j.see("off → on", "a apply")
		j.key("a")
		j.see("~ changed  site-https", "enter continue")
		if v, _ := site.Get("https"); v != "on" {
			t.Fatalf("https = %q after apply", v)
		}
		j.quit()
	}
}

// A fix that names a flag of a question the step asks is said as that question; a hardsail
// command line as the wizard's action.
func TestJourneyFixesAreActionsNotFlags(t *testing.T) {
	for _, size := range sizes2 {
		f := newFixture(t)
		f.engine.Steps[0] = fixStep{askingStep{f.firewall}}
		j := startJourney(t, f, size[0], size[1])
		j.see("! to do    firewall", " steps: ")
		j.key("enter")
		j.see("Who may connect with SSH?")
		j.key("enter")
		j.seeWords("Fix: Answer “Who may connect with SSH?” in this step's questions.", "note: Then check again")
		s := j.frame.Load().(string)
		for _, no := range []string{"--ssh-cidr", "hardsail verify"} {
			if strings.Contains(s, no) {
				t.Errorf("the step screen says %q:\n%s", no, s)
			}
		}
		j.quit()
	}
}

// fixStep's finding and note say what to do on the command line.
type fixStep struct{ askingStep }

func (s fixStep) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st, err := s.MapStep.Check(ctx, env)
	st.Findings = []steps.Finding{{ID: "firewall.wide", Severity: "warning", Message: "SSH is open to the world",
		Fix: "Pass --ssh-cidr YOUR.IP/32 (your public address), or --ssh-cidr none to allow only Lightsail's browser SSH."}}
	return st, err
}

func (s fixStep) Plan(st steps.State, set steps.Settings) (steps.Plan, error) {
	p, err := s.MapStep.Plan(st, set)
	p.Notes = append(p.Notes, "Then run `hardsail verify` to see it closed.")
	return p, err
}

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
		Region: "us-east-1", Instance: "WordPress-1", Engine: f.engine, SSH: "keyless: a temporary key from Lightsail", Asker: f.asker}
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
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m := newModel(f.options(io), newRunner(ctx), theme.Plain())
	j := &journey{t: t}
	j.frame.Store("")
	m.viewHook = func(s string) { j.frame.Store(ansi.Strip(s)) }
	j.tm = teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	return j
}

// see waits until the screen shows every one of want.
func (j *journey) see(want ...string) {
	j.t.Helper()
	teatest.WaitFor(j.t, j.tm.Output(), func([]byte) bool {
		s := j.frame.Load().(string)
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

func (j *journey) key(k string) {
	switch k {
	case "enter":
		j.tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	case "esc":
		j.tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
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
	// Continue goes to the host step when its new check is in, else to the dashboard: either way the
	// host step is no longer "unknown".
	j.key("enter")
	teatest.WaitFor(t, j.tm.Output(), func([]byte) bool {
		s := j.frame.Load().(string)
		return strings.Contains(s, "# auto-upgrades: Map auto-upgrades") || strings.Contains(s, "! to do    auto-upgrades  1 to change")
	}, teatest.WithDuration(10*time.Second))
	if strings.Contains(j.frame.Load().(string), "# auto-upgrades") {
		j.key("esc")
	}
	j.see("✓ ok       firewall", "! to do    auto-upgrades  1 to change")
	j.key("q")
	j.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

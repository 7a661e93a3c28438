package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/logcleanup"
	"github.com/hardsail/hardsail/steps/steptest"
	"github.com/hardsail/hardsail/steps/upgrades"

	"github.com/hardsail/hardsail/tui/iostreams"
)

// TestAccessibleJourney walks the same journey as the full-screen one through plain stdin/stdout.
func TestAccessibleJourney(t *testing.T) {
	cases := []struct {
		name  string
		input string
		// want appear in the transcript, in this order.
		want []string
		live string
	}{
		{
			name:  "walk firewall and apply",
			input: "1\n\n1\n",
			want: []string{
				"hardsail: you are arn:aws:iam::123456789012:user/alice (account 123456789012)",
				"! to do    firewall", "✓ ok       auto-upgrades",
				"Walk the 1 step(s) that need attention",
				"# firewall: Map firewall", "Rather than leaving SSH open to the world",
				"Your address as the instance sees it: 198.51.100.4",
				"0.0.0.0/0 → 198.51.100.4/32", "Apply this step?",
				"firewall: applying…", "~ changed  firewall",
				"✓ ok       firewall",
				// input ends: the menu's default is Quit, and the recap stays on the screen.
				"hardsail: WordPress-1 in us-east-1 (account 123456789012)", "2 steps: 2 ok, 0 to do, 0 failed.",
			},
			live: "198.51.100.4/32",
		},
		{
			name:  "skip is the default: an empty answer changes nothing",
			input: "1\n\n\n",
			want:  []string{"Apply this step?", "firewall skipped: nothing was changed.", "2 steps: 1 ok, 1 to do, 0 failed."},
			live:  "0.0.0.0/0",
		},
		{
			name:  "closed input quits without changing anything",
			input: "",
			want:  []string{"! to do    firewall", "What next?", "2 steps: 1 ok, 1 to do, 0 failed."},
			live:  "0.0.0.0/0",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			io, out, _ := iostreams.Test(tc.input)
			o := f.options(io)
			o.Accessible = true
			if err := Run(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			rest := got
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("transcript lacks %q (in order); transcript:\n%s", w, got)
				}
				rest = rest[i+len(w):]
			}
			if strings.Contains(got, "\x1b[") {
				t.Errorf("plain mode printed escape sequences:\n%q", got)
			}
			if v, _ := f.firewall.Get("22-tcp"); v != tc.live {
				t.Errorf("22-tcp = %q, want %q", v, tc.live)
			}
		})
	}
}

// stalledInput is a terminal nobody types at: the first read says so, then blocks for good.
type stalledInput struct{ reading chan struct{} }

func (s stalledInput) Read([]byte) (int, error) {
	close(s.reading)
	select {}
}

// TestAccessibleCtrlCExitsAtOnce: Ctrl+C (the context cancelled) while a prompt waits on the
// terminal ends the session at once with context.Canceled (exit 130), nothing changed.
func TestAccessibleCtrlCExitsAtOnce(t *testing.T) {
	f := newFixture(t)
	io, out, _ := iostreams.Test("")
	in := stalledInput{reading: make(chan struct{})}
	io.In = in
	o := f.options(io)
	o.Accessible = true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	<-in.reading
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Ctrl+C did not end the session while a prompt waited")
	}
	if !strings.Contains(out.String(), "What next?") {
		t.Errorf("the session never reached its menu:\n%s", out)
	}
	if v, _ := f.firewall.Get("22-tcp"); v != "0.0.0.0/0" {
		t.Errorf("22-tcp = %q: something changed", v)
	}
}

// TestAccessibleWords: a step never applied is "to do"; "hardened" is never said while a step is
// skipped.
func TestAccessibleWords(t *testing.T) {
	f := newFixture(t)
	f.engine.Steps[1] = skippedStep{f.upgrades}
	f.firewall.Live["22-tcp"] = "198.51.100.4/32"
	io, out, _ := iostreams.Test("")
	o := f.options(io)
	o.Accessible = true
	o.Engine.Env.Settings.SSHCIDRs = []string{"198.51.100.4/32"}
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.Contains(got, "hardened.") && !strings.Contains(got, "not fully hardened") {
		t.Errorf("said hardened while a step is skipped:\n%s", got)
	}
	if !strings.Contains(got, "auto-upgrades skipped: "+notHardenedText) {
		t.Errorf("did not say the skipped step keeps it from being hardened:\n%s", got)
	}
}

// skippedStep is a map step its check finds does not apply here.
type skippedStep struct{ *steptest.MapStep }

func (s skippedStep) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st, err := s.MapStep.Check(ctx, env)
	st.Skip = "this host has no updates origin"
	return st, err
}

// plainRun runs the accessible wizard over f with input, and returns the transcript up to the
// recap printed on the way out (what the wizard itself said).
func plainRun(t *testing.T, f *fixture, input string) string {
	t.Helper()
	io, out, _ := iostreams.Test(input)
	o := f.options(io)
	o.Accessible = true
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	got, _, _ := strings.Cut(out.String(), "hardsail: WordPress-1 in us-east-1 (account")
	return got
}

// inOrder fails unless got holds every one of want, in this order.
func inOrder(t *testing.T, got string, want ...string) {
	t.Helper()
	rest := got
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("transcript lacks %q (in order); transcript:\n%s", w, got)
		}
		rest = rest[i+len(w):]
	}
}

// The menu offers "apply all that is left", the history and "undo all".
func TestAccessibleApplyAllHistoryUndoAll(t *testing.T) {
	f := newFixture(t)
	f.upgrades.Live["updates-origin"] = "disabled"
	// Menu: walk, apply all, undo, undo all, history, check, quit; once all is applied: undo, undo
	// all, history, check, quit.
	got := plainRun(t, f, "2\ny\n3\n2\ny\n")
	inOrder(t, got, "Apply all that is left (2 step(s))", "Undo all of hardsail's changes", "Show the history",
		"Apply these 2 step(s)?", "~ changed  firewall", "~ changed  auto-upgrades",
		"2 steps: 2 ok, 0 to do, 0 failed.",
		"done", "map:firewall/22-tcp", "done", "map:auto-upgrades/updates-origin",
		"Undo these changes?", "2 steps: 0 ok, 2 to do, 0 failed.")
	if v, _ := f.firewall.Get("22-tcp"); v != "0.0.0.0/0" {
		t.Errorf("after undo all 22-tcp = %q", v)
	}
	if v, _ := f.upgrades.Get("updates-origin"); v != "disabled" {
		t.Errorf("after undo all updates-origin = %q", v)
	}
}

// The walk reaches a step skipped until a question is answered (HTTPS without a domain), and the
// wizard never says which flag to pass or which command to run.
func TestAccessibleWalkAsksWhatASkippedStepWaitsFor(t *testing.T) {
	f := newFixture(t)
	site := withDomainStep(f)
	// Walk; keep the suggested address; skip the firewall; answer the domain; apply.
	got := plainRun(t, f, "1\n\n\nexample.com\n1\n")
	inOrder(t, got, "skipped  site-https     waiting for your answer to “Which domain name serves the site?”",
		"Walk the 2 step(s) that need attention", "firewall skipped: nothing was changed.",
		"# site-https: Map site-https", "Which domain name serves the site?", "off → on", "Apply this step?",
		"~ changed  site-https")
	if v, _ := site.Get("https"); v != "on" {
		t.Errorf("https = %q after the walk", v)
	}
	for _, no := range []string{"--domain", "→ hardsail", "pass --"} {
		if strings.Contains(got, no) {
			t.Errorf("the wizard said %q:\n%s", no, got)
		}
	}
}

// Questions a site owner can answer, asked line by line: the reboot time on both clocks, the
// mail relay, the schedule in words with cron's fields as another choice.
func TestAccessibleQuestionsInWords(t *testing.T) {
	f := asking(t, upgrades.New().Options(), "Asia/Tokyo")
	got := plainRun(t, f, "1\n\n\n")
	inOrder(t, got, "Mails need a mail relay", "this instance has none", "Amazon SES",
		"On the instance's clock (Asia/Tokyo). 02:00 there is 18:00 the day before where you are (CET).",
		"Reboot time (24-hour HH:MM) [02:00]")

	f = asking(t, logcleanup.New().Options(), "")
	got = plainRun(t, f, "1\n\n5\n30 4 * * 1\n")
	inOrder(t, got, "When should the clean-up run? [Weekly, on Sunday at 03:00]", "Weekly, on Wednesday at 03:00",
		"Daily, at 03:00", "Another schedule, in cron's five fields")
	if got := f.engine.Env.Settings.Cron; got != "30 4 * * 1" {
		t.Errorf("cron %q, want the schedule typed", got)
	}
}

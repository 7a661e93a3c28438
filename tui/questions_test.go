package tui

import (
	"context"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones the tests name, whatever the machine has

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/logcleanup"
	"github.com/hardsail/hardsail/steps/snapshot"
	"github.com/hardsail/hardsail/steps/steptest"
	"github.com/hardsail/hardsail/steps/upgrades"
)

// optionsStep is a map step that asks what a real step asks.
type optionsStep struct {
	*steptest.MapStep
	opts []steps.Option
	// zone is the instance's time zone its check finds.
	zone string
}

func (o optionsStep) Options() []steps.Option { return o.opts }

// zoneFacts are a map step's facts with the instance's time zone, as auto-upgrades reports it.
type zoneFacts struct {
	Live     map[string]string `json:"live"`
	TimeZone string            `json:"time_zone"`
}

func (o optionsStep) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st, err := o.MapStep.Check(ctx, env)
	if err != nil || o.zone == "" {
		return st, err
	}
	f, err := steps.FactsOf[zoneFacts](st)
	f.TimeZone = o.zone
	st.Facts = f
	return st, err
}

// asking puts a step asking opts first in the fixture.
func asking(t *testing.T, opts []steps.Option, zone string) *fixture {
	f := newFixture(t)
	f.engine.Steps[0] = optionsStep{MapStep: f.firewall, opts: opts, zone: zone}
	f.now = func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	f.local = paris
	return f
}

// The reboot time is asked on the instance's clock, with the same time where the user is beside
// it (following what is typed); the mail question says mails need a relay the instance lacks.
func TestJourneyRebootTimeOnBothClocks(t *testing.T) {
	for _, size := range sizes2 {
		f := asking(t, upgrades.New().Options(), "Asia/Tokyo")
		j := startJourney(t, f, size[0], size[1])
		j.see("! to do    firewall", " steps: ")
		j.key("enter")
		j.seeWords("Mail update reports to", "Mails need a mail relay", "this instance has none", "Amazon SES")
		j.fits(size[0], size[1])
		j.key("enter")
		j.see("┃ Reboot time")
		j.seeWords("On the instance's clock (Asia/Tokyo). 02:00 there is 18:00 the day before where you are (CET).")
		j.fits(size[0], size[1])
		for range 5 {
			j.key("backspace")
		}
		j.key("10:30")
		j.seeWords("10:30 there is 02:30 where you are (CET).")
		j.key("enter")
		j.see("a apply")
		if got := f.engine.Env.Settings.RebootTime; got != "10:30" {
			t.Errorf("reboot time %q, want 10:30", got)
		}
		j.quit()
	}
}

// The clean-up schedule is chosen in words; cron's five fields are one more choice.
func TestJourneyScheduleInPlainChoices(t *testing.T) {
	cases := []struct {
		name  string
		keys  []string
		typed string
		want  string
	}{
		{"daily", []string{"j", "j"}, "", "0 3 * * *"},
		{"in cron's fields", []string{"j", "j", "j", "j"}, "30 4 * * 1", "30 4 * * 1"},
	}
	for _, tc := range cases {
		for _, size := range sizes2 {
			t.Run(tc.name, func(t *testing.T) {
				f := asking(t, logcleanup.New().Options(), "")
				j := startJourney(t, f, size[0], size[1])
				j.see("! to do    firewall", " steps: ")
				j.key("enter")
				j.see("Rotated logs to keep")
				j.key("enter")
				j.see("┃ When should the clean-up run?")
				j.seeWords("Weekly, on Sunday at 03:00", "Daily, at 03:00",
					"Monthly, on the 1st at 03:00", "Another schedule, in cron's five fields")
				j.fits(size[0], size[1])
				for _, k := range tc.keys {
					j.key(k)
				}
				j.key("enter")
				if tc.typed != "" {
					j.see("┃ Another schedule")
					j.key(tc.typed)
					j.key("enter")
				}
				j.see("a apply")
				if got := f.engine.Env.Settings.Cron; got != tc.want {
					t.Errorf("cron %q, want %q", got, tc.want)
				}
				j.quit()
			})
		}
	}
}

// An on/off setting (automatic snapshots) is a yes-or-no question, not a flag to pass.
func TestJourneySwitchIsAskedYesOrNo(t *testing.T) {
	for _, size := range sizes2 {
		f := asking(t, snapshot.New().Options(), "")
		j := startJourney(t, f, size[0], size[1])
		j.see("! to do    firewall", " steps: ")
		j.key("enter")
		j.see("┃ Turn on Lightsail's automatic daily snapshots?", "┃ > no")
		j.key("k") // from "no" (unset) up to "yes"
		j.key("enter")
		j.see("a apply")
		if !f.engine.Env.Settings.AutoSnapshot {
			t.Error("answering yes did not turn automatic snapshots on")
		}
		j.key("e")
		j.see("┃ Turn on Lightsail's automatic daily snapshots?")
		j.key("j")
		j.key("enter")
		j.see("a apply")
		if f.engine.Env.Settings.AutoSnapshot {
			t.Error("answering no left automatic snapshots on")
		}
		j.quit()
	}
}

// The words of a shown result: a skipped step waiting for an answer names the question; fixes
// naming the step's flags name its questions; a command line is left to the wizard's own actions.
func TestShownSaysQuestionsAndActions(t *testing.T) {
	st := domainStep{&steptest.MapStep{Name: "site-https"}}
	r := steps.Result{Step: "site-https", Status: steps.StatusSkipped, Detail: "no domain given: pass --domain example.com",
		State: steps.State{Skip: "no domain given: pass --domain example.com"}, Fix: "hardsail apply site-https --demo",
		Findings: []steps.Finding{{Fix: "Use --domain example.com. Then run `hardsail apply site-https` again."},
			{Fix: "hardsail apply site-https --domain example.com"}}}
	got := shown(st, r, steps.Settings{})
	if want := "waiting for your answer to “Which domain name serves the site?”"; got.Detail != want || got.State.Skip != want {
		t.Errorf("detail %q, skip %q, want %q", got.Detail, got.State.Skip, want)
	}
	if got.Fix != "" {
		t.Errorf("fix %q: a command line is the wizard's own action", got.Fix)
	}
	if want := "Answer “Which domain name serves the site?” in this step's questions. Then apply this step again."; got.Findings[0].Fix != want {
		t.Errorf("finding's fix %q, want %q", got.Findings[0].Fix, want)
	}
	if want := "Answer “Which domain name serves the site?” in this step's questions."; got.Findings[1].Fix != want {
		t.Errorf("a command line naming the question's flag became %q, want %q", got.Findings[1].Fix, want)
	}
	if r.Findings[0].Fix != "Use --domain example.com. Then run `hardsail apply site-https` again." {
		t.Error("shown changed the result the engine applies")
	}
	if answered := shown(st, r, steps.Settings{Domain: "example.com"}); answered.Detail != r.Detail {
		t.Errorf("with the domain answered the detail became %q", answered.Detail)
	}
	outs := shownOutcomes([]steps.Step{st}, []steps.Outcome{
		{Step: "site-https", Status: steps.StatusPending, Detail: "waiting for DNS. Then run `hardsail apply site-https` again.", Fix: "hardsail apply site-https"},
		{Step: "site-https", Status: steps.StatusFailed, Detail: "--domain is not a name", Fix: "Pass --domain example.com."}})
	if outs[0].Detail != "waiting for DNS. Then apply this step again." || outs[0].Fix != "" {
		t.Errorf("pending outcome said %q, fix %q", outs[0].Detail, outs[0].Fix)
	}
	if outs[1].Detail != "--domain is not a name" || outs[1].Fix != "Answer “Which domain name serves the site?” in this step's questions." {
		t.Errorf("failed outcome said %q, fix %q", outs[1].Detail, outs[1].Fix)
	}
	for in, want := range map[string]string{
		"Run `hardsail apply https --demo=bitnami` again.":             "Apply this step again.",
		"Then run `hardsail verify --demo` again.":                     "Then check again.",
		"Check who changed it; run `hardsail undo x --force` instead.": "Check who changed it; run `hardsail undo x --force` instead.",
	} {
		if got := actionText(in, nil); got != want {
			t.Errorf("actionText(%q) = %q, want %q", in, got, want)
		}
	}
	if s := strings.Join(sentences("Add www.example.com. Then run it. done"), "|"); s != "Add www.example.com.|Then run it. done" {
		t.Errorf("sentences: %q", s)
	}
}

// A question about what Check found is asked only when it found it (other open ports to close).
func TestJourneyAsksOnlyWhatCheckFound(t *testing.T) {
	q := func(flag, question string, ask bool) steps.Option {
		return steps.Option{Flag: flag, Kind: steps.OptionText, Question: question, AskIf: func(steps.State) bool { return ask },
			Get: func(s steps.Settings) string { return s.Domain }, Set: func(s *steps.Settings, v string) error { s.Domain = v; return nil }}
	}
	for _, size := range sizes2 {
		f := asking(t, []steps.Option{q("one", "Found nothing to ask about?", false), q("two", "Other open ports to close?", true)}, "")
		j := startJourney(t, f, size[0], size[1])
		j.see("! to do    firewall", " steps: ")
		j.key("enter")
		j.see("┃ Other open ports to close?")
		if s := j.frame.Load().(string); strings.Contains(s, "Found nothing to ask about?") {
			t.Errorf("asked a question about what Check did not find:\n%s", s)
		}
		j.key("enter")
		j.see("a apply")
		j.quit()
	}
}

package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/https"
)

// httpsForm is a step that asks what the https step asks.
type httpsForm struct{ askingStep }

func (httpsForm) Options() []steps.Option { return https.New().Options() }

// Free HTTPS (Let's Encrypt on the instance) needs an email address: the wizard asks for it with
// the other HTTPS questions, where the user chooses the mode, and the answer reaches the settings.
func TestJourneyHTTPSAsksForTheEmailItNeeds(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 36}} {
		f := newFixture(t)
		f.engine.Steps[0] = httpsForm{askingStep{f.firewall}}
		j := startJourney(t, f, size[0], size[1])
		j.see("! to do    firewall", " steps: ") // the summary: every check is done, enter opens
		j.key("enter")
		j.see("Which domain name serves the site?")
		j.key("example.com")
		j.key("enter")
		j.see("┃ Other names for the site")
		j.key("enter")
		j.see("┃ How should the site get HTTPS?")
		// In words, with the price, the free one first.
		s := flat(j.frame.Load().(string))
		free := strings.Index(s, "Free: a Let's Encrypt certificate on the instance itself")
		lb := strings.Index(s, "A Lightsail load balancer in front of the instance, with a free Amazon certificate ($")
		if free < 0 || lb < 0 || free > lb {
			t.Errorf("the HTTPS choices are not in words with the price, the free one first:\n%s", s)
		}
		j.key("enter")
		j.see("┃ Your email address, for Let's Encrypt's notices")
		j.fits(size[0], size[1])
		j.key("owner@example.com")
		j.key("enter")
		j.see("a apply")
		if got := f.engine.Env.Settings.Mail; got != "owner@example.com" {
			t.Errorf("settings after the form: mail %q, want the address typed", got)
		}
		j.key("q")
		j.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	}
}

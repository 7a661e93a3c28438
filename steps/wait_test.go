package steps_test

import (
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
)

// TestWaitLightsail: a real operation of the emulator is waited on through the SDK; the observer
// hears first what Lightsail is doing, then each poll in one wording, all under the step's address.
func TestWaitLightsail(t *testing.T) {
	w := world.New(t, world.Options{})
	env := w.Env(t)
	var events []steps.Event
	env.Observer = steps.ObserverFunc(func(e steps.Event) { events = append(events, e) })
	out, err := env.AWS.Lightsail.UpdateInstanceMetadataOptions(t.Context(), &lightsail.UpdateInstanceMetadataOptionsInput{
		InstanceName: new(w.Instance), HttpTokens: types.HttpTokensRequired})
	if err != nil || out.Operation == nil {
		t.Fatalf("UpdateInstanceMetadataOptions: %v (operation %v)", err, out)
	}
	const addr = "lightsail:WordPress-1/metadata-options"
	if err := env.WaitLightsail(t.Context(), "imds", addr, "require tokens", []types.Operation{*out.Operation}, 0); err != nil {
		t.Fatalf("wait: %v", err)
	}
	if len(events) < 2 {
		t.Fatalf("events %+v, want the opening line and at least one poll", events)
	}
	if got := events[0].Message; got != "waiting for Lightsail to require tokens…" {
		t.Errorf("first message %q", got)
	}
	poll := regexp.MustCompile(`^waiting for UpdateInstanceMetadataOptions \((Started|Succeeded)\)… [0-9]+s$`)
	for i, e := range events {
		if e.Kind != steps.EventWait || e.Step != "imds" || e.Address != addr || e.At.IsZero() {
			t.Errorf("event %d %+v, want a stamped wait event of imds at %s", i, e, addr)
		}
		if i > 0 && !poll.MatchString(e.Message) {
			t.Errorf("poll message %q does not match %s", e.Message, poll)
		}
	}
	if last := events[len(events)-1].Message; !regexp.MustCompile(`\(Succeeded\)`).MatchString(last) {
		t.Errorf("last message %q, want the operation's success", last)
	}
}

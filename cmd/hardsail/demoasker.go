package main

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/hardsail/hardsail/internal/emulator/iamsts"
	"github.com/hardsail/hardsail/steps"
)

// demoAsker is the demo's Asker: while the emulated account has a virtual MFA device waiting to be
// enabled, a question that takes six digits says that device's codes, so the demo's MFA is
// finished without adding a fake account to a real phone.
type demoAsker struct {
	steps.Asker
	w    *demoWorld
	mu   sync.Mutex
	next string // the second code, once the first was asked for
}

// asker wraps a with the demo's codes; outside the demo (w nil) it is a.
func (w *demoWorld) asker(a steps.Asker) steps.Asker {
	if w == nil || a == nil {
		return a
	}
	return &demoAsker{Asker: a, w: w}
}

// waitingSeed is the secret of the virtual MFA device that is created and not yet enabled, "" when
// there is none.
func (w *demoWorld) waitingSeed() string {
	st := w.em.IAM().Snapshot()
	seed := ""
	for _, serial := range slices.Sorted(maps.Keys(st.MFA)) {
		if d := st.MFA[serial]; !d.Enabled() {
			seed = d.Base32Seed
		}
	}
	return seed
}

func (a *demoAsker) Show(ctx context.Context, title, body string) error {
	if a.w.waitingSeed() != "" {
		body += "\ndemo: no phone needed: each code question shows the code this emulated device has.\n"
	}
	return a.Asker.Show(ctx, title, body)
}

func (a *demoAsker) Input(ctx context.Context, prompt string, check func(string) error) (string, error) {
	if demo := a.codes(check); demo != "" {
		prompt += " — demo: " + demo
	}
	return a.Asker.Input(ctx, prompt, check)
}

// codes is what the demo says at a question for six digits: the two codes the device shows now
// and 30 s on (AWS accepts them for a minute), then the second at the next question.
func (a *demoAsker) codes(check func(string) error) string {
	seed := a.w.waitingSeed()
	if seed == "" || check == nil || check("000000") != nil {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.next != "" {
		code := a.next
		a.next = ""
		return code
	}
	now := time.Now()
	first := iamsts.TOTP(seed, now)
	a.next = iamsts.TOTP(seed, now.Add(30*time.Second))
	return "type " + first + ", then " + a.next
}

package demohost_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hardsail/hardsail/internal/demohost"
	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/hostmanifest"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/upgrades"
)

// TestSaveRestore: a host saved after a step changed it and restored in a new one (the demo's next
// run) has the same files, packages and a clock that carries on.
func TestSaveRestore(t *testing.T) {
	d := start(t)
	eng := d.engine(t, steps.Settings{Mail: "admin@example.com"}, upgrades.New())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, o := range eng.Apply(ctx, eng.Verify(ctx)) {
		if o.Status != steps.StatusChanged {
			t.Fatalf("apply %s: %s: %s", o.Step, o.Status, o.Detail)
		}
	}
	clock := d.host.Now()
	b, err := d.host.Save()
	if err != nil {
		t.Fatal(err)
	}
	ca := emulator.Start(t, emulator.Options{}).CAPublicKey()
	h, err := demohost.StartWith(ca, demohost.Options{Restore: b})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	if got, want := h.Files(), d.host.Files(); !reflect.DeepEqual(got, want) {
		t.Errorf("restored files differ from the saved ones (%d files, want %d)", len(got), len(want))
	}
	if !h.Installed("mailutils") || !h.Installed("unattended-upgrades") {
		t.Error("restored host lost a package apply installed")
	}
	if h.Now().Before(clock) {
		t.Errorf("restored host's clock %v went back from %v", h.Now(), clock)
	}
	// A save of one flavour is not a host of the other.
	if _, err := demohost.StartWith(ca, demohost.Options{Flavour: hostmanifest.Lightsail, Restore: b}); err == nil || !strings.Contains(err.Error(), "restore") {
		t.Errorf("restoring a Bitnami host as a Lightsail one: err = %v, want a refusal", err)
	}
}

// engine is a journaled engine over the demo running steps with set.
func (d *demo) engine(t *testing.T, set steps.Settings, run ...steps.Step) *steps.Engine {
	t.Helper()
	paths := steps.PathsFor(t.TempDir(), steps.Key{Account: emulator.AccountID, Region: d.clients.Config.Region, Instance: instance})
	j, err := steps.OpenJournal(paths)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return &steps.Engine{Steps: run, Env: d.env(t, set), Journal: j, SettingsPath: paths.Settings}
}

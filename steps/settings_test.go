package steps_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hardsail/hardsail/steps"
)

// An option's default fills an unset setting and never overrides a set one.
func TestWithDefaults(t *testing.T) {
	opts := []steps.Option{{Flag: "reboot-time", Default: "02:00",
		Get: func(s steps.Settings) string { return s.RebootTime },
		Set: func(s *steps.Settings, v string) error { s.RebootTime = v; return nil }}}
	if got := steps.WithDefaults(steps.Settings{}, opts); got.RebootTime != "02:00" {
		t.Errorf("unset: %q, want the default 02:00", got.RebootTime)
	}
	if got := steps.WithDefaults(steps.Settings{RebootTime: "04:30"}, opts); got.RebootTime != "04:30" {
		t.Errorf("set: %q, want 04:30 kept", got.RebootTime)
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	if s, err := steps.LoadSettings(path); err != nil || !reflect.DeepEqual(s, steps.Settings{}) {
		t.Fatalf("missing file: %+v, %v", s, err)
	}
	in := steps.Settings{SSHCIDRs: []string{"198.51.100.4/32"}, Mail: "me@example.com", KeepLogs: 4}
	if err := steps.SaveSettings(path, in); err != nil {
		t.Fatal(err)
	}
	out, err := steps.LoadSettings(path)
	if err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip: %+v, %v", out, err)
	}
}

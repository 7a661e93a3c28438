package steps

import (
	"errors"
	"testing"
)

// TestSwitch: a switch takes true/false, yes/no and on/off in any case (with spaces around), keeps
// the value in its field, reads back "true" or "", and refuses anything else with the flag and hint.
func TestSwitch(t *testing.T) {
	o := Switch(Option{Flag: "auto-snapshot"}, func(s *Settings) *bool { return &s.AutoSnapshot }, "Use --auto-snapshot.")
	if o.Kind != OptionSwitch {
		t.Fatalf("Kind = %v, want OptionSwitch", o.Kind)
	}
	for v, want := range map[string]bool{"true": true, "TRUE": true, "1": true, " yes ": true, "On": true,
		"false": false, "0": false, "no": false, "OFF": false} {
		s := Settings{AutoSnapshot: !want}
		if err := o.Set(&s, v); err != nil {
			t.Errorf("Set(%q): %v", v, err)
			continue
		}
		if s.AutoSnapshot != want {
			t.Errorf("Set(%q) = %v, want %v", v, s.AutoSnapshot, want)
		}
		if got, wantGet := o.Get(s), map[bool]string{true: "true", false: ""}[want]; got != wantGet {
			t.Errorf("Get after Set(%q) = %q, want %q", v, got, wantGet)
		}
	}
	for _, v := range []string{"maybe", "", "yess", "ſ"} {
		s := Settings{}
		err := o.Set(&s, v)
		var ue *UsageError
		if !errors.As(err, &ue) || ue.Msg != `--auto-snapshot "`+v+`": is neither on nor off` || ue.Hint != "Use --auto-snapshot." {
			t.Errorf("Set(%q) = %v, want the usage error naming --auto-snapshot with the hint", v, err)
		}
		if s.AutoSnapshot {
			t.Errorf("Set(%q) turned the switch on", v)
		}
	}
}

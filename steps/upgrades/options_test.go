package upgrades

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/steps"
)

func TestOptions(t *testing.T) {
	tests := []struct {
		flag, value string
		want        string // the setting as stored; "" with bad set
		bad         string // in the usage error
		hint        string
	}{
		{flag: "mail", value: "ops@example.com", want: "ops@example.com"},
		{flag: "mail", value: " ops@example.com ", want: "ops@example.com"},
		{flag: "mail", value: "ops", bad: `--mail "ops": not an email address`, hint: "Use --mail you@example.com."},
		{flag: "mail", value: `a"b@example.com`, bad: `not an email address`, hint: "Use --mail you@example.com."},
		{flag: "mail", value: "", want: ""},
		{flag: "mail", value: "first.last+wp@mail.example.co.uk", want: "first.last+wp@mail.example.co.uk"},
		// Passed to mail(1) by root: a leading "-" would be an option.
		{flag: "mail", value: "-oQ/tmp/x@b.c", bad: `--mail "-oQ/tmp/x@b.c": not an email address (it must start with a letter or digit`, hint: "Use --mail you@example.com."},
		{flag: "mail", value: ".a@b.c", bad: "not an email address"},
		{flag: "mail", value: "a b@example.com", bad: "not an email address"},
		{flag: "mail", value: "ops@-example.com", bad: "not an email address"},
		{flag: "mail", value: "ops@example", bad: "not an email address"},
		{flag: "mail", value: "ops@exa\u0301mple.com", bad: "only ASCII", hint: "Type the value with plain ASCII characters, e.g. --mail ADDRESS."},
		{flag: "mail", value: "ops@example.com\n", bad: "control or invisible character U+000A"},
		{flag: "mail", value: "ops@example.com\u200b", bad: "control or invisible character U+200B"},
		{flag: "mail", value: strings.Repeat("a", 250) + "@example.com", bad: "longer than 254 characters"},
		{flag: "reboot-time", value: "", bad: `--reboot-time "": not a time of day`},
		{flag: "reboot-time", value: "02:00\r", bad: "control or invisible character U+000D"},
		{flag: "reboot-time", value: "\uff10\uff12:00", bad: "not a time of day"},
		{flag: "reboot-time", value: "03:15", want: "03:15"},
		{flag: "reboot-time", value: "25:00", bad: `--reboot-time "25:00": not a time of day`, hint: "Use 24-hour HH:MM, e.g. --reboot-time 02:00."},
		{flag: "reboot-time", value: "3:15", bad: "not a time of day"},
	}
	opts := map[string]steps.Option{}
	for _, o := range New().Options() {
		opts[o.Flag] = o
	}
	for _, tt := range tests {
		t.Run(tt.flag+"="+tt.value, func(t *testing.T) {
			o, ok := opts[tt.flag]
			if !ok {
				t.Fatalf("no option --%s", tt.flag)
			}
			var s steps.Settings
			err := o.Set(&s, tt.value)
			if tt.bad == "" {
				if err != nil || o.Get(s) != tt.want {
					t.Fatalf("set %q: %v, stored %q; want %q", tt.value, err, o.Get(s), tt.want)
				}
				return
			}
			var ue *steps.UsageError
			if !errors.As(err, &ue) || !strings.Contains(ue.Msg, tt.bad) || !strings.Contains(ue.Hint, tt.hint) {
				t.Fatalf("set %q: %v; want a usage error with %q and hint %q", tt.value, err, tt.bad, tt.hint)
			}
			if o.Get(s) != "" {
				t.Errorf("a refused value was stored: %q", o.Get(s))
			}
		})
	}
}

// TestDefaults: the reboot time defaults to 02:00 through the option, and Plan uses the same
// default for an unset one.
func TestDefaults(t *testing.T) {
	s := steps.WithDefaults(steps.Settings{}, New().Options())
	if s.RebootTime != DefaultRebootTime || s.Mail != "" {
		t.Fatalf("defaults %+v, want reboot time %s and no mail", s, DefaultRebootTime)
	}
	f := hostFacts(osRelease("debian", "12", "bookworm", ""), true, testdata(t, "debian12-50unattended-upgrades"), nil, "")
	unset, err1 := New().Plan(stateFrom(f), steps.Settings{})
	set, err2 := New().Plan(stateFrom(f), s)
	if err1 != nil || err2 != nil || jsonOf(unset) != jsonOf(set) {
		t.Fatalf("plan with the reboot time unset differs from one with the default (%v, %v)", err1, err2)
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

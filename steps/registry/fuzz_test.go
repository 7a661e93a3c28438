package registry_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/registry"
)

// Every text and list option of every step refuses a control or invisible rune anywhere in the
// value, with a usage error that names its flag and a hint: nothing is stripped behind the user's
// back. (A switch takes only its fixed words.)
func TestOptionsRefuseControlRunes(t *testing.T) {
	for _, o := range steps.OptionsOf(registry.All()) {
		if o.Kind == steps.OptionSwitch {
			continue
		}
		good := o.Default
		if good == "" {
			good = map[string]string{"ssh-cidr": "198.51.100.4/32", "close-port": "3306/tcp", "domain": "example.com",
				"alt-domain": "www.example.com", "mail": "ops@example.com"}[o.Flag]
		}
		var s steps.Settings
		if err := o.Set(&s, good); err != nil {
			t.Fatalf("--%s %q: %v (the test's good value)", o.Flag, good, err)
		}
		before := o.Get(s)
		for _, r := range []rune{0, '\t', '\n', '\r', 0x1b, 0x7f, 0x85, 0x9b, 0xa0, 0x200b, 0x200e, 0x202e, 0x2066, 0xfeff, 0xe000} {
			for _, v := range []string{string(r) + good, good + string(r), good[:1] + string(r) + good[1:]} {
				err := o.Set(&s, v)
				var ue *steps.UsageError
				if !errors.As(err, &ue) || !strings.HasPrefix(ue.Msg, "--"+o.Flag) || ue.Hint == "" {
					t.Errorf("--%s %q = %v, want a usage error naming the flag, with a hint", o.Flag, v, err)
				}
			}
		}
		if got := o.Get(s); got != before {
			t.Errorf("--%s: a refused value changed the setting to %q", o.Flag, got)
		}
	}
}

// FuzzOptions: any string into any option's Set never panics, and either is refused with a usage
// error naming the flag, or is stored so that Get gives back a value Set accepts again unchanged
// (what the settings file and ValidateSettings rely on), with no control or invisible rune in it.
func FuzzOptions(f *testing.F) {
	for _, seed := range []string{"", " ", "none", "auto", "0.0.0.0/0", "::/0", "fe80::1%eth0", "::ffff:1.2.3.4/128",
		"198.51.100.4/32,2001:db8::1", "3306/tcp,all", "0 3 * * \u017fun", "*/15 3 * jan-mar sun,wed", "-oQ/tmp/x@b.c",
		"ops@example.com", "02:00", "24:00", "0", "+3", "1000", "example.com", "xn--bcher-kva.example", "lb", "instance",
		"administrator", "a\x00b", "a\u202eb", "true", "yes", strings.Repeat("9", 5000)} {
		f.Add(seed)
	}
	opts := steps.OptionsOf(registry.All())
	f.Fuzz(func(t *testing.T, v string) {
		for _, o := range opts {
			var s steps.Settings
			err := o.Set(&s, v)
			if err != nil {
				var ue *steps.UsageError
				if !errors.As(err, &ue) || !strings.HasPrefix(ue.Msg, "--"+o.Flag) || ue.Hint == "" {
					t.Fatalf("--%s %q: %v is not a usage error naming the flag, with a hint", o.Flag, v, err)
				}
				continue
			}
			got := o.Get(s)
			if strings.ContainsFunc(got, func(r rune) bool { return !unicode.IsPrint(r) }) {
				t.Fatalf("--%s %q was stored as %q, with a control or invisible rune", o.Flag, v, got)
			}
			// "" is unset, which is always valid (ValidateSettings skips it).
			var again steps.Settings
			if got == "" {
				continue
			}
			if err := o.Set(&again, got); err != nil || o.Get(again) != got {
				t.Fatalf("--%s %q: stored %q, which reads back as %q (%v)", o.Flag, v, got, o.Get(again), err)
			}
		}
	})
}

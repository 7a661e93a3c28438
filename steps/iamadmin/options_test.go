package iamadmin_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/iamadmin"
)

func TestAdminUserOption(t *testing.T) {
	opts := iamadmin.New().Options()
	if len(opts) != 1 || opts[0].Flag != "admin-user" || opts[0].Default != "administrator" || opts[0].Usage == "" || opts[0].Question == "" {
		t.Fatalf("options %+v, want the one admin-user option with default administrator", opts)
	}
	if got := steps.WithDefaults(steps.Settings{}, opts).AdminUser; got != "administrator" {
		t.Errorf("default admin user %q", got)
	}
	tests := []struct {
		in, want string // want "" = refused
	}{
		{"administrator", "administrator"},
		{" ops.admin@example.com ", "ops.admin@example.com"},
		{"a+b=c,d_e-f", "a+b=c,d_e-f"},
		{strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"site admin", ""},
		{"admin/root", ""},
		{strings.Repeat("a", 65), ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var s steps.Settings
			err := opts[0].Set(&s, tc.in)
			if tc.want != "" {
				if err != nil || s.AdminUser != tc.want {
					t.Fatalf("Set(%q): %v, AdminUser %q; want %q", tc.in, err, s.AdminUser, tc.want)
				}
				if got := opts[0].Get(s); got != tc.want {
					t.Errorf("Get after Set(%q) = %q", tc.in, got)
				}
				return
			}
			var usage *steps.UsageError
			if !errors.As(err, &usage) || !strings.HasPrefix(usage.Msg, "--admin-user ") || !strings.Contains(usage.Msg, "not a valid IAM user name") ||
				usage.Hint != "Use up to 64 letters, digits and +=,.@_- e.g. --admin-user administrator." {
				t.Fatalf("Set(%q) = %v; want a usage error naming --admin-user with the fix", tc.in, err)
			}
			if s.AdminUser != "" {
				t.Errorf("a refused value was stored: %q", s.AdminUser)
			}
			if err := steps.ValidateSettings(steps.Settings{AdminUser: tc.in}, opts); tc.in != "" && err == nil {
				t.Errorf("ValidateSettings accepted %q", tc.in)
			}
		})
	}
}

// A control or invisible character is refused, never trimmed away: "admin\n" is not "admin".
func TestAdminUserRefusesControlRunes(t *testing.T) {
	o := iamadmin.New().Options()[0]
	for _, v := range []string{"admin\n", "\tadmin", "adm\u200bin", "admin\u202e"} {
		var s steps.Settings
		err := o.Set(&s, v)
		var usage *steps.UsageError
		if !errors.As(err, &usage) || !strings.Contains(usage.Msg, "contains the control or invisible character") ||
			usage.Hint != "Type the value again without it (paste into a plain-text editor first), e.g. --admin-user administrator." || s.AdminUser != "" {
			t.Errorf("Set(%q) = %v, stored %q; want the usage error for an invisible character", v, err, s.AdminUser)
		}
	}
}

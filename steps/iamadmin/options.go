package iamadmin

import (
	"cmp"
	"regexp"
	"strings"
	"sync"

	"github.com/hardsail/hardsail/steps"
)

// defaultAdminUser is the administrator user's name when the setting is unset.
const defaultAdminUser = "administrator"

// iamName is what IAM accepts as a user, group or MFA device name.
var iamName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]{1,64}$`) })

// Options declares the step's one setting: the administrator user's name.
func (s *Step) Options() []steps.Option {
	o := steps.Option{
		Flag: "admin-user", Arg: "NAME", Kind: steps.OptionText,
		Usage:    "IAM name of the administrator user",
		Question: "Administrator user name",
		Note:     "The IAM user to sign in as instead of the root user.",
		Default:  defaultAdminUser,
		Get:      func(s steps.Settings) string { return s.AdminUser },
	}
	o.Set = steps.Setter(&o, func(v string) (string, error) {
		name := strings.TrimSpace(v)
		if !iamName().MatchString(name) {
			return "", o.Bad(v, "not a valid IAM user name", "Use up to 64 letters, digits and +=,.@_- e.g. --admin-user administrator.")
		}
		return name, nil
	}, func(s *steps.Settings, name string) { s.AdminUser = name })
	return []steps.Option{o}
}

// adminUser is the user the settings name, or the default.
func adminUser(set steps.Settings) string { return cmp.Or(set.AdminUser, defaultAdminUser) }

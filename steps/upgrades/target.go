package upgrades

import (
	"fmt"
	"strings"
)

// setting is one value the step wants in a file: a scalar key, or an item a list must hold.
type setting struct {
	key   string
	value string
	list  bool
	name  string // how the Why line names it
}

// Distribution families, from /etc/os-release.
const (
	familyDebian = "debian"
	familyUbuntu = "ubuntu"
)

const (
	debianUpdatesOrigin = "origin=Debian,codename=${distro_codename}-updates"
	ubuntuUpdatesOrigin = "${distro_id}:${distro_codename}-updates"
)

// unattendedSettings is what 50unattended-upgrades must say (the guide's list).
func unattendedSettings(family, mail, rebootTime string) []setting {
	var out []setting
	if family == familyUbuntu {
		out = append(out, setting{key: "Unattended-Upgrade::Allowed-Origins", value: ubuntuUpdatesOrigin, list: true,
			name: "the ${distro_codename}-updates origin"})
	} else {
		out = append(out, setting{key: "Unattended-Upgrade::Origins-Pattern", value: debianUpdatesOrigin, list: true,
			name: "the ${distro_codename}-updates origin"})
	}
	if mail != "" {
		out = append(out,
			setting{key: "Unattended-Upgrade::Mail", value: mail},
			setting{key: "Unattended-Upgrade::MailReport", value: "on-change"})
	}
	out = append(out,
		setting{key: "Unattended-Upgrade::Remove-Unused-Kernel-Packages", value: "true"},
		setting{key: "Unattended-Upgrade::Remove-New-Unused-Dependencies", value: "true"},
		setting{key: "Unattended-Upgrade::Automatic-Reboot", value: "true"},
		setting{key: "Unattended-Upgrade::Automatic-Reboot-Time", value: rebootTime},
	)
	return out
}

// periodicSettings is what 20auto-upgrades must say.
func periodicSettings() []setting {
	return []setting{
		{key: "APT::Periodic::Update-Package-Lists", value: "1"},
		{key: "APT::Periodic::Unattended-Upgrade", value: "1"},
		{key: "APT::Periodic::Download-Upgradeable-Packages", value: "1"},
		{key: "APT::Periodic::AutocleanInterval", value: "7"},
	}
}

func (s setting) label() string {
	if s.name != "" {
		return s.name
	}
	return s.key[strings.LastIndex(s.key, "::")+2:]
}

// drift says, one phrase per setting, how cfg differs from want ("Automatic-Reboot-Time is 04:00, want 02:00").
func drift(cfg *Config, want []setting) []string {
	var out []string
	for _, s := range want {
		if s.list {
			found := false
			for _, v := range cfg.List(s.key) {
				found = found || v == s.value
			}
			if !found {
				out = append(out, s.label()+" is not enabled")
			}
			continue
		}
		got, ok := cfg.Get(s.key)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s is unset, want %s", s.label(), s.value))
		case got != s.value:
			out = append(out, fmt.Sprintf("%s is %s, want %s", s.label(), orEmpty(got), s.value))
		}
	}
	return out
}

func orEmpty(v string) string {
	if v == "" {
		return `""`
	}
	return v
}

// edit returns body with every setting in want applied, and the drift it fixed.
func edit(body []byte, want []setting) ([]byte, []string, error) {
	cfg, err := ParseConfig(body)
	if err != nil {
		return nil, nil, err
	}
	why := drift(cfg, want)
	for _, s := range want {
		if s.list {
			_, err = cfg.Ensure(s.key, s.value)
		} else {
			_, err = cfg.Set(s.key, s.value)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("set %s: %w", s.label(), err)
		}
	}
	return cfg.Bytes(), why, nil
}

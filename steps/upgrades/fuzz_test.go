package upgrades

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzEditor checks, for any file the parser accepts: printing gives the input byte for byte;
// the step's edit gives a file that parses and reads the values set; every other setting is kept
// in order; and editing again changes nothing.
func FuzzEditor(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*-*"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "admin@example.com", "02:00", false)
		f.Add(b, "", "04:00", true)
	}
	for _, s := range []string{
		"Unattended-Upgrade {\n  Mail \"x\";\n  Origins-Pattern { \"a\"; };\n};\n",
		"#clear Unattended-Upgrade::Origins-Pattern;\n//Unattended-Upgrade::Mail \"\";\n",
		"A::B \"1\"; /* c */ # d\nL:: \"x\";\n",
		"unattended-upgrade::automatic-reboot false;",
	} {
		f.Add([]byte(s), "a@b.c", "23:59", false)
	}
	f.Fuzz(func(t *testing.T, src []byte, mail, reboot string, ubuntu bool) {
		c, err := ParseConfig(src)
		if err != nil {
			return
		}
		if !bytes.Equal(c.Bytes(), src) {
			t.Fatalf("print(parse(x)) != x")
		}
		if _, err := quote(mail); err != nil {
			mail = "root@example.com"
		}
		if _, err := quote(reboot); err != nil || reboot == "" {
			reboot = "02:00"
		}
		family := familyDebian
		if ubuntu {
			family = familyUbuntu
		}
		want := append(unattendedSettings(family, mail, reboot), periodicSettings()...)
		out, _, err := edit(src, want)
		if err != nil {
			t.Fatalf("edit of an accepted file failed: %v", err)
		}
		e, err := ParseConfig(out)
		if err != nil {
			t.Fatalf("edited file does not parse: %v\n%s", err, out)
		}
		if d := drift(e, want); len(d) != 0 {
			t.Fatalf("edited file still drifts: %q\n%s", d, out)
		}
		if a, b := others(c, want), others(e, want); !slices.Equal(a, b) {
			t.Fatalf("other settings changed:\nbefore %q\nafter  %q", a, b)
		}
		again, why, err := edit(out, want)
		if err != nil || !bytes.Equal(again, out) || len(why) != 0 {
			t.Fatalf("second edit not a no-op (err %v, drift %q)", err, why)
		}
	})
}

// others lists the settings that are none of want's keys, as key=value lines in order.
func others(c *Config, want []setting) []string {
	var out []string
	for _, a := range c.Values() {
		ours := false
		for _, s := range want {
			k := s.key
			if s.list {
				k += "::"
			}
			ours = ours || strings.EqualFold(a.Key, k)
		}
		if !ours {
			out = append(out, a.Key+"="+a.Value)
		}
	}
	return out
}

package upgrades

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseConfigValues(t *testing.T) {
	tests := []struct {
		name string
		src  string
		key  string
		want string // "" with ok false: unset
		ok   bool
		list []string // items of key, when set
	}{
		{name: "plain", src: `Unattended-Upgrade::Mail "root";` + "\n", key: "Unattended-Upgrade::Mail", want: "root", ok: true},
		{name: "commented out is unset", src: `//Unattended-Upgrade::Mail "";` + "\n", key: "Unattended-Upgrade::Mail"},
		{name: "keys are case-insensitive", src: `unattended-upgrade::automatic-reboot "true";`, key: "Unattended-Upgrade::Automatic-Reboot", want: "true", ok: true},
		{name: "last one wins", src: "A::B \"1\";\nA::B \"2\";\n", key: "A::B", want: "2", ok: true},
		{name: "nested scope", src: "Unattended-Upgrade {\n  Automatic-Reboot-Time \"04:00\";\n};\n", key: "Unattended-Upgrade::Automatic-Reboot-Time", want: "04:00", ok: true},
		{name: "unquoted value", src: "APT::Periodic::AutocleanInterval 7;\n", key: "APT::Periodic::AutocleanInterval", want: "7", ok: true},
		{name: "block comment", src: "/* old: A::B x; */\nA::B /* note */ \"y\";\n", key: "A::B", want: "y", ok: true},
		{name: "hash comment", src: "# A::B \"x\";\nA::B \"y\"; # trailing\n", key: "A::B", want: "y", ok: true},
		{name: "comment marks inside quotes", src: `A::B "http://x/#a/*b*/";`, key: "A::B", want: "http://x/#a/*b*/", ok: true},
		{name: "statement over lines", src: "A::B\n  \"v\"\n;\n", key: "A::B", want: "v", ok: true},
		{name: "clear removes", src: "A::B \"1\";\n#clear A;\n", key: "A::B"},
		{name: "crlf", src: "A::B \"1\";\r\n", key: "A::B", want: "1", ok: true},
		{name: "list in a block", src: "L {\n  \"a\";\n  // \"b\";\n  \"c\";\n};\nL:: \"d\";\n", key: "L", list: []string{"a", "c", "d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tt.src))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if !bytes.Equal(c.Bytes(), []byte(tt.src)) {
				t.Fatalf("print differs from the source")
			}
			if tt.list != nil {
				if got := c.List(tt.key); strings.Join(got, ",") != strings.Join(tt.list, ",") {
					t.Fatalf("List(%s) = %q, want %q", tt.key, got, tt.list)
				}
				return
			}
			got, ok := c.Get(tt.key)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("Get(%s) = %q, %v; want %q, %v", tt.key, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParseConfigRefuses(t *testing.T) {
	tests := map[string]string{
		"unterminated quote":          `A "b;`,
		"missing semicolon at end":    `A "b"`,
		"unterminated block comment":  "/* A \"b\";",
		"unclosed block":              "A {\n B \"c\";\n",
		"stray close":                 "};",
		"extra junk":                  `A "b" "c";`,
		"word glued to quote":         `A"b";`,
		"block comment with slashes":  "/* see http://x */\nA \"b\";",
		"block comment with a hash":   "/* bug #1 */\nA \"b\";",
		"statement closed by brace":   `A { B "c" };`,
		"unknown directive":           `#includes "x";`,
		"directive in a block":        "A {\n#clear B;\n};",
		"tab inside quotes":           "A \"b\tc\";",
		"block without a name":        `{ A "b"; };`,
		"comment glued after a word":  `A b/*c*/;`,
		"clear without argument":      `#clear;`,
		"nul byte":                    "A \"b\";\x00",
		"newline inside quoted value": "A \"b\nc\";",
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseConfig([]byte(src)); err == nil {
				t.Fatalf("parsed %q; want a refusal", src)
			}
		})
	}
}

// TestEditRealSnippets edits snippets seen in real files and checks the exact result: the one
// line changed, everything else kept.
func TestEditRealSnippets(t *testing.T) {
	tests := []struct {
		name      string
		src, want string
		key, val  string
		list      bool
	}{
		{
			name: "uncomment a top-level setting",
			src:  "// Default: \"now\"\n//Unattended-Upgrade::Automatic-Reboot-Time \"02:00\";\n\n// next\n",
			want: "// Default: \"now\"\nUnattended-Upgrade::Automatic-Reboot-Time \"03:30\";\n\n// next\n",
			key:  "Unattended-Upgrade::Automatic-Reboot-Time", val: "03:30",
		},
		{
			name: "uncomment with a space after the slashes",
			src:  "// Unattended-Upgrade::SyslogEnable \"false\";\n",
			want: "Unattended-Upgrade::SyslogEnable \"true\";\n",
			key:  "Unattended-Upgrade::SyslogEnable", val: "true",
		},
		{
			name: "set an active value in place, keeping its trailing comment",
			src:  "Unattended-Upgrade::Automatic-Reboot-Time \"04:00\"; // ops asked\n",
			want: "Unattended-Upgrade::Automatic-Reboot-Time \"02:00\"; // ops asked\n",
			key:  "Unattended-Upgrade::Automatic-Reboot-Time", val: "02:00",
		},
		{
			name: "active wins over a commented one",
			src:  "//Unattended-Upgrade::Mail \"\";\nUnattended-Upgrade::Mail \"old@example.com\";\n",
			want: "//Unattended-Upgrade::Mail \"\";\nUnattended-Upgrade::Mail \"new@example.com\";\n",
			key:  "Unattended-Upgrade::Mail", val: "new@example.com",
		},
		{
			name: "inside a nested scope",
			src:  "Unattended-Upgrade {\n\tAutomatic-Reboot \"false\";\n};\n",
			want: "Unattended-Upgrade {\n\tAutomatic-Reboot \"true\";\n};\n",
			key:  "Unattended-Upgrade::Automatic-Reboot", val: "true",
		},
		{
			name: "appended when absent, adding the missing final newline",
			src:  "APT::Periodic::Update-Package-Lists \"1\";",
			want: "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::AutocleanInterval \"7\";\n",
			key:  "APT::Periodic::AutocleanInterval", val: "7",
		},
		{
			name: "appended after a later #clear",
			src:  "A::B \"1\";\n#clear A::B;\n",
			want: "A::B \"1\";\n#clear A::B;\nA::B \"2\";\n",
			key:  "A::B", val: "2",
		},
		{
			name: "debian origin uncommented with its siblings' indentation",
			src:  "Unattended-Upgrade::Origins-Pattern {\n        // Codename based matching:\n//      \"origin=Debian,codename=${distro_codename}-updates\";\n        \"origin=Debian,codename=${distro_codename},label=Debian\";\n};\n",
			want: "Unattended-Upgrade::Origins-Pattern {\n        // Codename based matching:\n        \"origin=Debian,codename=${distro_codename}-updates\";\n        \"origin=Debian,codename=${distro_codename},label=Debian\";\n};\n",
			key:  "Unattended-Upgrade::Origins-Pattern", val: debianUpdatesOrigin, list: true,
		},
		{
			name: "ubuntu origin uncommented, tab-indented",
			src:  "Unattended-Upgrade::Allowed-Origins {\n\t\"${distro_id}:${distro_codename}\";\n//\t\"${distro_id}:${distro_codename}-updates\";\n};\n",
			want: "Unattended-Upgrade::Allowed-Origins {\n\t\"${distro_id}:${distro_codename}\";\n\t\"${distro_id}:${distro_codename}-updates\";\n};\n",
			key:  "Unattended-Upgrade::Allowed-Origins", val: ubuntuUpdatesOrigin, list: true,
		},
		{
			name: "origin added at the end of its block",
			src:  "Unattended-Upgrade::Origins-Pattern {\n    \"origin=Debian,codename=${distro_codename},label=Debian-Security\";\n};\n// tail\n",
			want: "Unattended-Upgrade::Origins-Pattern {\n    \"origin=Debian,codename=${distro_codename},label=Debian-Security\";\n    \"origin=Debian,codename=${distro_codename}-updates\";\n};\n// tail\n",
			key:  "Unattended-Upgrade::Origins-Pattern", val: debianUpdatesOrigin, list: true,
		},
		{
			name: "origin block appended when the file has none",
			src:  "// empty\n",
			want: "// empty\nUnattended-Upgrade::Origins-Pattern {\n        \"origin=Debian,codename=${distro_codename}-updates\";\n};\n",
			key:  "Unattended-Upgrade::Origins-Pattern", val: debianUpdatesOrigin, list: true,
		},
		{
			name: "one-line block",
			src:  "L { \"a\"; };\n",
			want: "L { \"a\";  \"b\"; };\n",
			key:  "L", val: "b", list: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tt.src))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			var changed bool
			if tt.list {
				changed, err = c.Ensure(tt.key, tt.val)
			} else {
				changed, err = c.Set(tt.key, tt.val)
			}
			if err != nil || !changed {
				t.Fatalf("edit: changed %v, err %v", changed, err)
			}
			if got := string(c.Bytes()); got != tt.want {
				t.Fatalf("edited file:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestSetRefusesUnwritableValues(t *testing.T) {
	c, _ := ParseConfig(nil)
	for _, v := range []string{`a"b`, "a\nb", strings.Repeat("x", 1001)} {
		if _, err := c.Set("A::B", v); err == nil {
			t.Errorf("Set(%q) wrote it; apt could not read it back", v)
		}
	}
}

// TestEditShippedFiles edits each distribution's shipped file as the step does: only the lines of
// the wanted keys change, and a second edit changes nothing.
func TestEditShippedFiles(t *testing.T) {
	for _, tt := range []struct{ file, family string }{
		{"debian12-50unattended-upgrades", familyDebian},
		{"ubuntu2404-50unattended-upgrades", familyUbuntu},
	} {
		t.Run(tt.file, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			want := unattendedSettings(tt.family, "admin@example.com", "02:00")
			out, why, err := edit(src, want)
			if err != nil {
				t.Fatal(err)
			}
			if len(why) != len(want) {
				t.Errorf("drift %q, want one phrase per setting (%d)", why, len(want))
			}
			a, b := strings.Split(string(src), "\n"), strings.Split(string(out), "\n")
			if len(a) != len(b) {
				t.Fatalf("line count %d → %d; uncommenting must not add or drop lines", len(a), len(b))
			}
			var changed []string
			for i := range a {
				if a[i] != b[i] {
					changed = append(changed, b[i])
				}
			}
			if len(changed) != len(want) {
				t.Errorf("changed lines %q, want %d", changed, len(want))
			}
			again, why2, err := edit(out, want)
			if err != nil || !bytes.Equal(again, out) || len(why2) != 0 {
				t.Errorf("second edit: changed %v, drift %q, err %v", !bytes.Equal(again, out), why2, err)
			}
		})
	}
}

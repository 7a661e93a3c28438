package sshhost

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestParseFacts(t *testing.T) {
	q := Query{Files: []string{"/etc/a"}, Packages: []string{"sudo"}, Dirs: []string{"/d"}, Commands: []string{"mailx"}}
	const nonce = "n0nce"
	good := strings.Join([]string{
		"ssh\t203.0.113.9",
		"os\t" + b64("ID=debian\nPRETTY_NAME=\"Debian \\\"12\\\"\"\n# c\nVERSION_CODENAME='bookworm'\n"),
		"file\t0\t640\tbitnami\tdaemon\t" + b64("body\n"),
		"pkg\tsudo\tii \t1.9",
		"dir\t0\t" + b64("5\t1717243207.5\tf\tx\ty\x00"+"3\t1717243200\tl\ta\n\x00"),
		"cmd\t0\t" + b64("/usr/bin/mailx\n"),
		"df\t10 4096",
		"time\t1717243207.000000001",
		"end\t" + nonce,
	}, "\n") + "\n"
	f, err := parseFacts([]byte(good), q, nonce)
	if err != nil {
		t.Fatal(err)
	}
	want := &Facts{
		OS:        map[string]string{"ID": "debian", "PRETTY_NAME": `Debian "12"`, "VERSION_CODENAME": "bookworm"},
		Files:     map[string]File{"/etc/a": {Path: "/etc/a", Exists: true, Body: []byte("body\n"), Mode: 0o640, Owner: "bitnami", Group: "daemon"}},
		Packages:  map[string]Package{"sudo": {Installed: true, Version: "1.9"}},
		Dirs:      map[string]bool{"/d": true},
		Listing:   []DirEntry{{Path: "/d/a\n", Size: 3, ModTime: time.Unix(1717243200, 0).UTC(), Symlink: true}, {Path: "/d/x\ty", Size: 5, ModTime: time.Unix(1717243207, 5e8).UTC()}},
		Commands:  map[string]string{"mailx": "/usr/bin/mailx"},
		SSHClient: "203.0.113.9",
		FreeBytes: 40960,
		HostTime:  time.Unix(1717243207, 1).UTC(),
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("parsed\n%+v\nwant\n%+v", f, want)
	}

	bad := []struct{ name, out, wantErr string }{
		{"no end marker (output cut short)", strings.Split(good, "end\t")[0], "before the end marker"},
		{"another run's end marker", strings.ReplaceAll(good, "end\t"+nonce, "end\tforged"), "end marker"},
		{"line after the end", good + "file\t0\t644\troot\troot\t\n", "follows the end marker"},
		{"unknown tag", "bogus\tx\n" + good, "unknown tag"},
		{"file index out of range", strings.Replace(good, "file\t0\t", "file\t7\t", 1), "out of range"},
		{"extra field", strings.Replace(good, "df\t10 4096", "df\t10 4096\textra", 1), "fields"},
		{"bad base64", strings.Replace(good, "cmd\t0\t", "cmd\t0\t!!", 1), "cmd"},
		{"path is a directory", strings.Replace(good, "file\t0\t640\tbitnami\tdaemon\t"+b64("body\n"), "notfile\t0", 1), "not a regular file"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFacts([]byte(tc.out), q, nonce)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestParsePackages(t *testing.T) {
	q := Query{Packages: []string{"libc6", "gone", "rc-only", "absent"}}
	out := "pkg\tlibc6\tii \t2.36\npkg\tlibc6\tun \t\npkg\tgone\tun \t\npkg\trc-only\trc \t1.0\nend\tn\n"
	f, err := parseFacts([]byte(out), q, "n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Package{"libc6": {Installed: true, Version: "2.36"}, "gone": {}, "rc-only": {Version: "1.0"}, "absent": {}}
	if !reflect.DeepEqual(f.Packages, want) {
		t.Errorf("packages = %+v, want %+v", f.Packages, want)
	}
}

func TestParseAptDump(t *testing.T) {
	dump := `APT "";
APT::Periodic "";
APT::Periodic::Unattended-Upgrade "1";
Unattended-Upgrade::Origins-Pattern "";
Unattended-Upgrade::Origins-Pattern:: "origin=Debian,codename=${distro_codename},label=Debian";
Unattended-Upgrade::Mail "root@example.com";
W: a warning line
`
	got := parseAptDump(dump, []string{"APT::Periodic::", "Unattended-Upgrade::Origins-Pattern"})
	want := []AptValue{
		{"APT::Periodic::Unattended-Upgrade", "1"},
		{"Unattended-Upgrade::Origins-Pattern", ""},
		{"Unattended-Upgrade::Origins-Pattern::", "origin=Debian,codename=${distro_codename},label=Debian"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestHostKeyErrorText(t *testing.T) {
	cases := []struct {
		name     string
		err      HostKeyError
		wantMsg  []string
		wantHint string
	}{
		{"mismatch", HostKeyError{Host: "web.example.com:22", Got: "SHA256:new", Want: []string{"SHA256:old (kh line 3)"}, Kind: HostKeyMismatch},
			[]string{"SHA256:new", "SHA256:old", "changed"}, "ssh-keygen -R web.example.com"},
		{"mismatch on another port", HostKeyError{Host: "192.0.2.1:2222", Got: "SHA256:new", Want: []string{"SHA256:old"}, Kind: HostKeyMismatch},
			[]string{"SHA256:new", "SHA256:old"}, "ssh-keygen -R [192.0.2.1]:2222"},
		{"pinned", HostKeyError{Host: "192.0.2.1:22", Got: "SHA256:imposter", Want: []string{"SHA256:real"}, Kind: HostKeyPinned},
			[]string{"SHA256:imposter", "SHA256:real", "Lightsail reports"}, "do not continue"},
		{"unknown off a terminal", HostKeyError{Host: "192.0.2.1:22", Got: "SHA256:k", Kind: HostKeyUnknown},
			[]string{"SHA256:k", "not known"}, "--accept-host-key SHA256:k"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range tc.wantMsg {
				if !strings.Contains(tc.err.Error(), s) {
					t.Errorf("Error() = %q, missing %q", tc.err.Error(), s)
				}
			}
			if !strings.Contains(tc.err.HintText(), tc.wantHint) {
				t.Errorf("HintText() = %q, missing %q", tc.err.HintText(), tc.wantHint)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"hardsail over SSH from 198.51.100.4, since 2026-05-01T10:00:00Z", "hardsail over SSH from 198.51.100.4, since 2026-05-01T10:00:00Z"},
		{"café ünïcode 日本", "café ünïcode 日本"},
		{"\x1b[2Jclear", `\x1b[2Jclear`},
		{"C1 \u009b31m", `C1 \x9b31m`},
		{"bidi \u202egnp.exe", `bidi \u202egnp.exe`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"tab\there\nline\r", `tab\there\nline\r`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"nbsp\u00a0", `nbsp\xa0`},
		{"tag \U000E0041", `tag \U000e0041`},
	}
	for _, tc := range cases {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseScripts(t *testing.T) {
	q := Query{Scripts: []string{"sshd -T"}, LoginScripts: []string{"id -un"}}
	good := "ssh\t203.0.113.9\nloginscript\t0\t0\t" + b64("admin\n\n") + "\t\nscript\t0\t1\t" + b64("partial") + "\t" + b64("sshd: no hostkeys\n") + "\nend\tn\n"
	f, err := parseFacts([]byte(good), q, "n")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := f.Script("id -un"); err != nil || string(res.Stdout) != "admin\n\n" || len(res.Stderr) != 0 {
		t.Errorf("login script = %+v, %v", res, err)
	}
	res, err := f.Script("sshd -T")
	ee, ok := err.(*ExitError)
	if !ok || ee.Exit != 1 || ee.Cmd != "sudo -n sh -c 'sshd -T'" || ee.Stderr != "sshd: no hostkeys" || string(res.Stdout) != "partial" {
		t.Errorf("failing root script = %+v, %#v; want its output and the ExitError SudoRead would give", res, err)
	}
	for name, tc := range map[string]struct{ out, wantErr string }{
		"no answer":          {"end\tn\n", "no answer for script"},
		"index out of range": {strings.Replace(good, "script\t0\t1", "script\t3\t1", 1), "out of range"},
		"bad exit":           {strings.Replace(good, "script\t0\t1", "script\t0\tx", 1), "script"},
		"missing field":      {strings.Replace(good, "loginscript\t0\t0\t", "loginscript\t0\t", 1), "fields"},
	} {
		if _, err := parseFacts([]byte(tc.out), q, "n"); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: err = %v, want one mentioning %q", name, err, tc.wantErr)
		}
	}
}

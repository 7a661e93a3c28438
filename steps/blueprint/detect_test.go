package blueprint

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/remote/sshhost"
)

var debian12 = map[string]string{"ID": "debian", "VERSION_ID": "12", "PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)"}

// host builds gathered facts answering Query: dirs exist, files are listed in their directories,
// bodies are read files.
func host(osr map[string]string, dirs []string, listed []string, bodies map[string]string) *sshhost.Facts {
	f := &sshhost.Facts{OS: osr, Dirs: map[string]bool{}, Files: map[string]sshhost.File{}}
	q := Query()
	for _, d := range q.Dirs {
		f.Dirs[d] = slices.Contains(dirs, d)
	}
	for _, p := range listed {
		f.Listing = append(f.Listing, sshhost.DirEntry{Path: p, Size: 100})
	}
	for _, p := range q.Files {
		b, ok := bodies[p]
		f.Files[p] = sshhost.File{Path: p, Exists: ok, Body: []byte(b)}
	}
	return f
}

const components = `{"apache":{"arch":"amd64","distro":"debian-12","type":"NAMI","version":"2.4.62-3"},
"php":{"version":"8.2.26-1"},"mariadb":{"version":"11.4.4-0"},"wordpress":{"version":"6.7.1-0"}}`

func TestDetect(t *testing.T) {
	cases := []struct {
		name      string
		f         *sshhost.Facts
		want      Flavour
		wp        bool
		problem   string // part of Problem when want is ""
		stack     []string
		evidences int
	}{
		{name: "Lightsail-packaged", want: Lightsail, wp: true, evidences: 2,
			f: host(debian12, []string{"/opt/aws/wordpress", "/var/www/html"}, []string{"/var/www/html/wp-config.php", "/opt/aws/wordpress/credentials.log"}, nil)},
		{name: "Bitnami with its component versions", want: Bitnami, wp: true, evidences: 2,
			stack: []string{"Apache 2.4.62-3", "PHP 8.2.26-1", "MariaDB 11.4.4-0"},
			f: host(debian12, []string{"/opt/bitnami", "/opt/bitnami/wordpress"}, []string{"/opt/bitnami/wordpress/wp-config.php"},
				map[string]string{"/opt/bitnami/.bitnami_components.json": components})},
		{name: "Bitnami without a component list", want: Bitnami, wp: true, evidences: 2,
			f: host(debian12, []string{"/opt/bitnami", "/opt/bitnami/wordpress"}, []string{"/opt/bitnami/wordpress/wp-config.php"}, nil)},
		{name: "Bitnami with an unreadable component list", want: Bitnami, wp: true, evidences: 2,
			f: host(debian12, []string{"/opt/bitnami", "/opt/bitnami/wordpress"}, []string{"/opt/bitnami/wordpress/wp-config.php"},
				map[string]string{"/opt/bitnami/.bitnami_components.json": `{"apache":{"version":"2.4\u001b[31m"}}`})},
		{name: "Bitnami LAMP without WordPress", want: Bitnami, wp: false, evidences: 1,
			f: host(debian12, []string{"/opt/bitnami"}, nil, nil)},
		{name: "Bitnami on an Ubuntu image", want: Bitnami, wp: true, evidences: 2,
			f: host(map[string]string{"ID": "ubuntu", "VERSION_ID": "22.04"}, []string{"/opt/bitnami", "/opt/bitnami/wordpress"}, []string{"/opt/bitnami/wordpress/wp-config.php"}, nil)},
		{name: "both layouts", problem: "both WordPress layouts",
			f: host(debian12, []string{"/opt/bitnami", "/opt/aws/wordpress", "/var/www/html", "/opt/bitnami/wordpress"},
				[]string{"/var/www/html/wp-config.php", "/opt/bitnami/wordpress/wp-config.php"}, nil)},
		{name: "both markers, one wp-config", problem: "both WordPress layouts",
			f: host(debian12, []string{"/opt/bitnami", "/opt/aws/wordpress", "/var/www/html"}, []string{"/var/www/html/wp-config.php"}, nil)},
		{name: "Bitnami marker with WordPress in /var/www/html", problem: "mixes the two WordPress layouts",
			f: host(debian12, []string{"/opt/bitnami", "/var/www/html"}, []string{"/var/www/html/wp-config.php"}, nil)},
		{name: "Lightsail marker with wp-config in both places", problem: "mixes the two WordPress layouts",
			f: host(debian12, []string{"/opt/aws/wordpress", "/var/www/html", "/opt/bitnami/wordpress"},
				[]string{"/var/www/html/wp-config.php", "/opt/bitnami/wordpress/wp-config.php"}, nil)},
		{name: "plain Debian with WordPress installed by hand", problem: "/var/www/html/wp-config.php exists, but not /opt/aws/wordpress",
			f: host(debian12, []string{"/var/www/html"}, []string{"/var/www/html/wp-config.php"}, nil)},
		{name: "neither", problem: "neither /opt/aws/wordpress nor /opt/bitnami exists",
			f: host(debian12, nil, nil, nil)},
		{name: "a layout on an OS outside Debian's family", problem: "runs Amazon Linux 2023",
			f: host(map[string]string{"ID": "amzn", "ID_LIKE": "fedora", "PRETTY_NAME": "Amazon Linux 2023"}, []string{"/opt/aws/wordpress", "/var/www/html"}, []string{"/var/www/html/wp-config.php"}, nil)},
		{name: "a layout on a host without os-release", problem: "runs an OS without /etc/os-release",
			f: host(map[string]string{}, []string{"/opt/bitnami"}, nil, nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Detect(tc.f)
			if d.Flavour != tc.want {
				t.Fatalf("flavour %q, want %q (problem %q)", d.Flavour, tc.want, d.Problem)
			}
			l, ok := d.Layout()
			if tc.want == "" {
				if ok || !strings.Contains(d.Problem, tc.problem) || len(d.Evidence) != 0 {
					t.Errorf("want no layout and a problem with %q; got layout %v, problem %q, evidence %q", tc.problem, ok, d.Problem, d.Evidence)
				}
				if d.Describe() != d.Problem {
					t.Errorf("Describe = %q, want the problem", d.Describe())
				}
				return
			}
			if !ok || l.Flavour != tc.want || d.Problem != "" {
				t.Errorf("layout %v %q, problem %q", ok, l.Flavour, d.Problem)
			}
			if d.WordPress != tc.wp || len(d.Evidence) != tc.evidences {
				t.Errorf("WordPress %v (want %v), evidence %q (want %d items)", d.WordPress, tc.wp, d.Evidence, tc.evidences)
			}
			if !slices.Equal(d.Stack, tc.stack) {
				t.Errorf("stack %q, want %q", d.Stack, tc.stack)
			}
			if !strings.HasPrefix(d.Describe(), l.Name+" (detected on the host: ") {
				t.Errorf("Describe = %q", d.Describe())
			}
		})
	}
}

func TestHint(t *testing.T) {
	cases := []struct {
		id, name string
		want     Flavour
		wp       bool
	}{
		{"wordpress", "WordPress", Bitnami, true},
		{"wordpress_multisite", "WordPress Multisite", Bitnami, true},
		{"wordpress_6_bitnami", "WordPress (Bitnami)", Bitnami, true},
		{"wordpress_lightsail", "WordPress packaged by Lightsail", Lightsail, true},
		{"wordpress_2025", "WordPress", "", true},
		{"debian_12", "Debian", "", false},
	}
	for _, tc := range cases {
		h := HintOf(tc.id, tc.name)
		if h.Flavour != tc.want || h.WordPress() != tc.wp {
			t.Errorf("HintOf(%q, %q) = %q wordpress=%v, want %q wordpress=%v", tc.id, tc.name, h.Flavour, h.WordPress(), tc.want, tc.wp)
		}
		if !strings.Contains(h.Describe(), tc.id) || !strings.Contains(h.Describe(), "not yet checked on the host") {
			t.Errorf("Describe = %q", h.Describe())
		}
	}
}

func TestFindings(t *testing.T) {
	lightsailHost := Detect(host(debian12, []string{"/opt/aws/wordpress", "/var/www/html"}, []string{"/var/www/html/wp-config.php"}, nil))
	neither := Detect(host(debian12, nil, nil, nil))
	cases := []struct {
		name string
		h    Hint
		d    Detection
		want string // part of the one finding's message; "" for none
	}{
		{"hint agrees", HintOf("wordpress_lightsail", "WordPress"), lightsailHost, ""},
		{"hint says nothing", HintOf("wordpress_2025", "WordPress"), lightsailHost, ""},
		{"no hint", Hint{}, lightsailHost, ""},
		{"hint disagrees: the host wins", HintOf("wordpress", "WordPress"), lightsailHost,
			`Lightsail reports blueprint "wordpress", which suggests WordPress packaged by Bitnami, but the host is laid out as WordPress packaged by Lightsail; hardsail follows the host`},
		{"neither, whatever the hint", HintOf("wordpress", "WordPress"), neither, "no WordPress layout hardsail knows"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Findings("auto-upgrades", tc.h, tc.d)
			if tc.want == "" {
				if len(got) != 0 {
					t.Errorf("findings %+v, want none", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0].Message, tc.want) || got[0].Fix == "" {
				t.Errorf("findings %+v, want one with %q and a fix", got, tc.want)
			}
		})
	}
}

// TestNoOtherStepSpellsALayoutPath: the layouts' paths live here only (issue 13); a step that needs
// one reads it from its Layout.
func TestNoOtherStepSpellsALayoutPath(t *testing.T) {
	roots := []string{"/opt/bitnami", "/opt/aws", "/var/www/html", "/var/log/apache2", "/var/log/mysql", "/etc/apache2"}
	err := filepath.WalkDir("..", func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() && de.Name() == "blueprint" {
			return filepath.SkipDir
		}
		if de.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, r := range roots {
			if strings.Contains(string(b), r) {
				t.Errorf("%s spells %s: take it from steps/blueprint", p, r)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

package hostmanifest_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/hostmanifest"
)

func TestForEachFlavour(t *testing.T) {
	cases := []struct {
		flavour, want, user, wpConfig string
		logDirs                       []string
	}{
		{"", hostmanifest.Bitnami, "bitnami", "/opt/bitnami/wordpress/wp-config.php", []string{"/opt/bitnami/apache/logs", "/opt/bitnami/mysql/logs", "/opt/bitnami/php/logs"}},
		{hostmanifest.Bitnami, hostmanifest.Bitnami, "bitnami", "/opt/bitnami/wordpress/wp-config.php", []string{"/opt/bitnami/apache/logs", "/opt/bitnami/mysql/logs", "/opt/bitnami/php/logs"}},
		{hostmanifest.Lightsail, hostmanifest.Lightsail, "admin", "/var/www/html/wp-config.php", []string{"/var/log/apache2", "/var/log/mysql"}},
	}
	for _, c := range cases {
		t.Run(c.want+"/"+c.flavour, func(t *testing.T) {
			m, err := hostmanifest.For(c.flavour)
			if err != nil {
				t.Fatal(err)
			}
			if m.Flavour != c.want || m.User != c.user || m.Users[m.UID] != c.user || m.Groups[m.GID] != c.user {
				t.Errorf("flavour %q user %q (uid %d → %q)", m.Flavour, m.User, m.UID, m.Users[m.UID])
			}
			var dirs []string
			for _, l := range m.Logs {
				if !slices.Contains(dirs, path.Dir(l.Path)) {
					dirs = append(dirs, path.Dir(l.Path))
				}
				if _, ok := m.Users[l.UID]; !ok {
					t.Errorf("%s: uid %d has no name", l.Path, l.UID)
				}
				if _, ok := m.Groups[l.GID]; !ok {
					t.Errorf("%s: gid %d has no name", l.Path, l.GID)
				}
				if !l.ModTime.Before(hostmanifest.Now) {
					t.Errorf("%s: mtime %s not before Now", l.Path, l.ModTime)
				}
			}
			if !slices.Equal(dirs, c.logDirs) {
				t.Errorf("log dirs %v, want %v", dirs, c.logDirs)
			}
			i := slices.IndexFunc(m.Files, func(f hostmanifest.File) bool { return f.Path == c.wpConfig })
			if i < 0 || m.Files[i].Body == "" || int64(len(m.Files[i].Body)) != m.Files[i].Size {
				t.Fatalf("wp-config.php %s missing or its Body/Size disagree", c.wpConfig)
			}
			for _, f := range m.Files {
				if m.Users[f.UID] == "" || m.Groups[f.GID] == "" {
					t.Errorf("%s: owner %d:%d has no name", f.Path, f.UID, f.GID)
				}
			}
		})
	}
	if _, err := hostmanifest.For("ubuntu"); err == nil || !strings.Contains(err.Error(), `"ubuntu"`) {
		t.Errorf("For(ubuntu) = %v, want an error naming it", err)
	}
}

// TestLightsailLogs: Debian's logrotate naming, rotated copies older by number, and enough of them
// per family that a keep-3 cleanup has work; gzip members are valid and name no Bitnami path.
func TestLightsailLogs(t *testing.T) {
	m, _ := hostmanifest.For(hostmanifest.Lightsail)
	rotated := map[string]int{}
	var prev hostmanifest.LogFile
	for _, l := range m.Logs {
		body, err := hostmanifest.LogContent(l)
		if err != nil || int64(len(body)) != l.Size {
			t.Fatalf("%s: content %d bytes, %v; want %d", l.Path, len(body), err, l.Size)
		}
		if l.Compressed() {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err == nil {
				body, err = io.ReadAll(zr)
			}
			if err != nil {
				t.Fatalf("%s: %v", l.Path, err)
			}
		}
		if bytes.Contains(body, []byte("bitnami")) {
			t.Errorf("%s mentions bitnami", l.Path)
		}
		if l.Rotated() {
			rotated[l.Family]++
			if prev.Family == l.Family && prev.Rotated() && !l.ModTime.Before(prev.ModTime) {
				t.Errorf("%s is not older than %s", l.Path, prev.Path)
			}
		}
		if l.Live != strings.HasSuffix(l.Path, ".log") {
			t.Errorf("%s: live = %v, but live logs are exactly the *.log files", l.Path, l.Live)
		}
		prev = l
	}
	for _, fam := range []string{"apache-access", "apache-error", "db"} {
		if rotated[fam] < 4 {
			t.Errorf("%s: %d rotated files, want at least 4", fam, rotated[fam])
		}
	}
}

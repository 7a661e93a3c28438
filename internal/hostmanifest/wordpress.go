package hostmanifest

import (
	"embed"
	"io/fs"
	"path"
	"slices"
)

// WordPressVersion is the version of the core files both flavours' web roots hold: older than the
// latest on purpose, so the WordPress checks have something to report.
const WordPressVersion = "6.1.9"

// wordpressFiles are real WordPress 6.1.9 files (wordpress/README.md says where from).
//
//go:embed wordpress/index.php wordpress/wp-blog-header.php wordpress/wp-load.php wordpress/wp-links-opml.php
//go:embed wordpress/wp-includes/version.php wordpress/wp-content/plugins/akismet/akismet.php
//go:embed wordpress/wp-content/themes/twentytwentythree/style.css
var wordpressFiles embed.FS

// WordPressCore returns the WordPress files under webRoot, owned uid:gid, mode 0644, sorted by path.
func WordPressCore(webRoot string, uid, gid int) []File {
	var out []File
	fs.WalkDir(wordpressFiles, "wordpress", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := wordpressFiles.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, File{Path: path.Join(webRoot, p[len("wordpress/"):]), ModTime: installedAt, Size: int64(len(b)),
			Mode: 0o644, UID: uid, GID: gid, Body: string(b)})
		return nil
	})
	slices.SortFunc(out, func(a, b File) int {
		if a.Path < b.Path {
			return -1
		}
		return 1
	})
	return out
}

// WordPressDirs are the directories WordPressCore's files are in, below webRoot, parents first.
func WordPressDirs(webRoot string) []string {
	var out []string
	for _, f := range WordPressCore(webRoot, 0, 0) {
		for d := path.Dir(f.Path); d != webRoot && !slices.Contains(out, d); d = path.Dir(d) {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

// BitnamiAppPassword is the first admin's password file Bitnami leaves in the login's home
// (the content's format is UNVERIFIED; the password is made up).
var BitnamiAppPassword = File{Path: "/home/bitnami/bitnami_application_password", ModTime: installedAt,
	Size: int64(len(bitnamiAppPassword)), Mode: 0o600, UID: BitnamiUID, GID: BitnamiGID, Body: bitnamiAppPassword}

const bitnamiAppPassword = "Xr7bQ2mVw9Lk\n"

// BitnamiComponents is the stack's component list Bitnami keeps at the top of /opt/bitnami (the
// shape of Bitnami's .bitnami_components.json; these versions are the ones this test host claims,
// UNVERIFIED against a real instance's file).
var BitnamiComponents = File{Path: "/opt/bitnami/.bitnami_components.json", ModTime: installedAt,
	Size: int64(len(bitnamiComponents)), Mode: 0o644, Body: bitnamiComponents}

const bitnamiComponents = `{"apache":{"arch":"amd64","distro":"debian-12","type":"NAMI","version":"2.4.62-3"},` +
	`"mysql":{"arch":"amd64","distro":"debian-12","type":"NAMI","version":"8.0.40-2"},` +
	`"php":{"arch":"amd64","distro":"debian-12","type":"NAMI","version":"8.2.26-1"},` +
	`"wordpress":{"arch":"amd64","distro":"debian-12","type":"NAMI","version":"6.1.9-0"}}
`

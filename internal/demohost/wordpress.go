package demohost

import (
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"path"
	"slices"
	"strings"
)

// wordpressMark is the second line of steps/wordpress's listing of a web root (its InventoryMark).
const wordpressMark = "# hardsail: list WordPress's version, plugins, themes and core files"

// wordpressPatterns are the files whose first 8 KiB the listing sends: plugins' and themes' headers.
var wordpressPatterns = []string{"wp-content/plugins/*.php", "wp-content/plugins/*/*.php", "wp-content/themes/*/style.css"}

// inventory answers the listing `cd ROOT || exit 3` + mark + …: the version file, the headers and
// the MD5 of every file outside wp-content the login may read.
func (h *Host) inventory(line string, s *cmdIO) (int, bool) {
	rest, ok := strings.CutPrefix(line, "cd ")
	if !ok {
		return 0, false
	}
	root, rest, ok := cutWord(rest)
	if !ok || !strings.HasPrefix(rest, " || exit 3\n"+wordpressMark+"\n") {
		return 0, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.dirs[root] {
		fmt.Fprintf(s.stderr, "sh: 1: cd: can't cd to %s\n", root)
		return 3, true
	}
	enc := base64.StdEncoding.EncodeToString
	head := func(b []byte) []byte { return b[:min(len(b), 8192)] }
	var version []byte
	if f, ok := h.files[root+"/wp-includes/version.php"]; ok {
		version = head(f.Body)
	}
	fmt.Fprintf(s.stdout, "V %s\n", enc(version))
	var paths []string
	for p := range h.files {
		if rel, ok := strings.CutPrefix(p, root+"/"); ok {
			paths = append(paths, rel)
		}
	}
	slices.Sort(paths)
	for _, pat := range wordpressPatterns {
		for _, rel := range paths {
			if m, _ := path.Match(pat, rel); m {
				fmt.Fprintf(s.stdout, "H %s %s\n", enc([]byte(rel)), enc(head(h.files[root+"/"+rel].Body)))
			}
		}
	}
	for _, rel := range paths {
		if f := h.files[root+"/"+rel]; !strings.HasPrefix(rel, "wp-content/") && f.Mode.Perm()&0o004 != 0 {
			fmt.Fprintf(s.stdout, "M %x  ./%s\n", md5.Sum(f.Body), rel)
		}
	}
	return 0, true
}

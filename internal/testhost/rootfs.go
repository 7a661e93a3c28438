package testhost

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/hardsail/hardsail/internal/hostmanifest"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// recipeVersion changes the cache key by hand when something outside the hashed text changes.
const recipeVersion = "hardsail-testhost-1"

// suite is the Debian release both blueprint flavours' hosts run.
const suite = "bookworm"

// mmdebstrapArgs is the measured recipe (design.md §7); target, mirrors and hooks are appended.
var mmdebstrapArgs = []string{
	"--mode=root",
	"--variant=minbase",
	"--include=openssh-server,sudo,cron,unattended-upgrades,apt-utils,ca-certificates",
	"--skip=cleanup/apt/lists",
	"--skip=cleanup/apt/cache",
}

// hostHook is the part of every flavour's customize hook after its users: hostname, hosts, and
// sshd's trust in Lightsail's browser-SSH CA.
const hostHook = `printf '%s\n' "$HOSTNAME_" > "$R/etc/hostname"
# apt's binary cache, as on an instance where apt has run as root (the daily apt timer, an upgrade):
# without it every read of apt by a user who cannot write it (the disk-patches audit) parses the
# package lists again. The downloaded packages go; the cache stays (--skip=cleanup/apt/cache).
rm -f "$R"/var/cache/apt/archives/*.deb
chroot "$R" apt-cache gencaches
printf '127.0.0.1 localhost\n127.0.1.1 %s\n::1 localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n' "$HOSTNAME_" > "$R/etc/hosts"
# Lightsail's browser SSH trusts this CA file; instances fill it from Options.TrustedUserCAKeys.
printf '\nTrustedUserCAKeys /etc/ssh/lightsail_instance_ca.pub\n' >> "$R/etc/ssh/sshd_config"
: > "$R/etc/ssh/lightsail_instance_ca.pub"
`

// customizeHook runs on the host with the rootfs in $1 and the staged Bitnami tree in $STAGE (its
// /opt/bitnami, and the files of /home/bitnami without the directory useradd made).
const customizeHook = `set -eu
R="$1"
chroot "$R" useradd --create-home --uid 1000 --user-group --shell /bin/bash --groups sudo bitnami
chroot "$R" groupadd --system --gid 1001 mysql
chroot "$R" useradd --system --uid 1001 --gid 1001 --home-dir /opt/bitnami/mysql --shell /usr/sbin/nologin mysql
printf 'bitnami ALL=(ALL) NOPASSWD:ALL\n' > "$R/etc/sudoers.d/90-bitnami"
chmod 0440 "$R/etc/sudoers.d/90-bitnami"
` + hostHook + `cp -a "$STAGE/opt/bitnami" "$R/opt/"
cp -a "$STAGE"/home/bitnami/* "$R/home/bitnami/"
`

// lightsailArgs is the recipe plus Debian's Apache (a real apache2ctl configtest) and logrotate.
var lightsailArgs = []string{
	"--mode=root",
	"--variant=minbase",
	"--include=openssh-server,sudo,cron,unattended-upgrades,apt-utils,ca-certificates,apache2,logrotate",
	"--skip=cleanup/apt/lists",
	"--skip=cleanup/apt/cache",
}

// lightsailHook lays out the Lightsail-packaged flavour: admin with cloud-init's sudoers line, the
// mysql system user MariaDB's package would make, mod_rewrite for permalinks, no Debian index.html,
// then the staged tree over the packages' files (attributes and the sites-enabled link included).
const lightsailHook = `set -eu
R="$1"
chroot "$R" useradd --create-home --uid 1000 --user-group --shell /bin/bash --groups adm,sudo admin
chroot "$R" groupadd --system --gid 120 mysql
chroot "$R" useradd --system --uid 120 --gid 120 --home-dir /nonexistent --no-create-home --shell /bin/false mysql
printf 'admin ALL=(ALL) NOPASSWD:ALL\n' > "$R/etc/sudoers.d/90-cloud-init-users"
chmod 0440 "$R/etc/sudoers.d/90-cloud-init-users"
` + hostHook + `chroot "$R" a2enmod -q rewrite
rm -f "$R/var/www/html/index.html"
cp -a --remove-destination "$STAGE"/* "$R/"
`

// recipe is one rootfs's build: mmdebstrap arguments, customize hook, staged tree and sources.
type recipe struct {
	name    string // a blueprint flavour, or an OS (Ubuntu2404) for an OS-only host
	suite   string
	args    []string
	hook    string
	tree    func() ([]stagedFile, error)
	sources func() ([]string, error) // one-line "deb" entries
	keyring *pinnedDeb               // nil: the machine's own Debian keyrings
}

// recipeFor returns the recipe named by a blueprint flavour ("" is Bitnami) or an OS name.
func recipeFor(name string) (recipe, error) {
	switch name {
	case "", hostmanifest.Bitnami:
		return recipe{hostmanifest.Bitnami, suite, mmdebstrapArgs, customizeHook, bitnamiTree, debianSources, nil}, nil
	case hostmanifest.Lightsail:
		return recipe{hostmanifest.Lightsail, suite, lightsailArgs, lightsailHook, lightsailTree, debianSources, nil}, nil
	case Ubuntu2404:
		return ubuntuRecipe, nil
	}
	_, err := hostmanifest.For(name)
	return recipe{}, fmt.Errorf("testhost: %w (or OS %q)", err, Ubuntu2404)
}

// debianSources returns the Debian sources the machine's own apt uses, as one-line "deb" entries for suite.
func debianSources() ([]string, error) {
	out, err := exec.Command("apt-get", "indextargets", "--format", "$(REPO_URI) $(RELEASE) $(COMPONENT)", "Created-By: Packages").Output()
	if err != nil {
		return nil, fmt.Errorf("apt-get indextargets: %w", err)
	}
	seen := map[string]bool{}
	var deb []string
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) != 3 || (f[1] != suite && !strings.HasPrefix(f[1], suite+"-")) {
			continue
		}
		e := fmt.Sprintf("deb %s %s %s", strings.TrimSuffix(f[0], "/"), f[1], f[2])
		if !seen[e] {
			seen[e] = true
			deb = append(deb, e)
		}
	}
	if len(deb) == 0 {
		// Not a bookworm machine: Debian's own mirror is the one this project may reach.
		deb = []string{
			"deb http://deb.debian.org/debian bookworm main",
			"deb http://deb.debian.org/debian bookworm-updates main",
			"deb http://deb.debian.org/debian-security bookworm-security main",
		}
	}
	sort.Strings(deb)
	return deb, nil
}

// stagedFile is one file or directory of the Bitnami tree as the build writes it.
type stagedFile struct {
	path    string
	dir     bool
	link    string // symlink target (then data, mode and modTime are unused)
	data    []byte
	mode    fs.FileMode
	uid     int
	gid     int
	modTime time.Time
}

// bitnamiTree lists every staged directory and file, parents before children.
func bitnamiTree() ([]stagedFile, error) {
	var files []stagedFile
	dirs := map[string]stagedFile{}
	addDir := func(p string, uid, gid int) {
		for d := p; d != "/opt" && d != "/"; d = path.Dir(d) {
			if _, ok := dirs[d]; !ok {
				dirs[d] = stagedFile{path: d, dir: true, mode: 0o755, uid: uid, gid: gid, modTime: hostmanifest.DirMTime}
			}
		}
	}
	for _, l := range Logs {
		data, err := hostmanifest.LogContent(l)
		if err != nil {
			return nil, err
		}
		addDir(path.Dir(l.Path), l.UID, l.GID)
		files = append(files, stagedFile{path: l.Path, data: data, mode: l.Mode, uid: l.UID, gid: l.GID, modTime: l.ModTime})
	}
	m, err := hostmanifest.For(hostmanifest.Bitnami)
	if err != nil {
		return nil, err
	}
	// wp-config.php, WordPress's files and the first admin's password file in the login's home.
	for _, f := range m.Files {
		addDir(path.Dir(f.Path), f.UID, f.GID)
		files = append(files, stagedFile{path: f.Path, data: []byte(f.Body), mode: f.Mode, uid: f.UID, gid: f.GID, modTime: f.ModTime})
	}
	// /opt and /opt/bitnami belong to root whatever their first child says.
	dirs["/opt/bitnami"] = stagedFile{path: "/opt/bitnami", dir: true, mode: 0o755, modTime: hostmanifest.DirMTime}
	var ds []stagedFile
	for _, d := range dirs {
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].path < ds[j].path })
	return append(ds, files...), nil
}

// lightsailTree lists the Lightsail-packaged manifest's directories (missing parents root 0755),
// files, logs and links, parents before children.
func lightsailTree() ([]stagedFile, error) {
	m, err := hostmanifest.For(hostmanifest.Lightsail)
	if err != nil {
		return nil, err
	}
	dirs := map[string]stagedFile{}
	for _, d := range m.Dirs {
		dirs[d.Path] = stagedFile{path: d.Path, dir: true, mode: d.Mode, uid: d.UID, gid: d.GID, modTime: d.ModTime}
	}
	var files []stagedFile
	add := func(f stagedFile) {
		files = append(files, f)
		for d := path.Dir(f.path); d != "/"; d = path.Dir(d) {
			if _, ok := dirs[d]; !ok {
				dirs[d] = stagedFile{path: d, dir: true, mode: 0o755, modTime: hostmanifest.DirMTime}
			}
		}
	}
	for _, f := range m.Files {
		add(stagedFile{path: f.Path, data: []byte(f.Body), mode: f.Mode, uid: f.UID, gid: f.GID, modTime: f.ModTime})
	}
	for _, l := range m.Logs {
		data, err := hostmanifest.LogContent(l)
		if err != nil {
			return nil, err
		}
		add(stagedFile{path: l.Path, data: data, mode: l.Mode, uid: l.UID, gid: l.GID, modTime: l.ModTime})
	}
	for _, l := range m.Symlinks {
		add(stagedFile{path: l.Path, link: l.Target})
	}
	ds := make([]stagedFile, 0, len(dirs))
	for _, d := range dirs {
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].path < ds[j].path })
	return append(ds, files...), nil
}

// stage writes the tree under dir with its owners, modes and mtimes (directories last, so their mtimes stick).
func stage(dir string, tree []stagedFile) error {
	for _, f := range tree {
		p := filepath.Join(dir, f.path)
		var err error
		switch {
		case f.link != "":
			err = os.Symlink(f.link, p)
		case f.dir:
			err = os.MkdirAll(p, 0o755)
		default:
			err = os.WriteFile(p, f.data, 0o600)
		}
		if err == nil {
			err = os.Lchown(p, f.uid, f.gid)
		}
		if err == nil && f.link == "" {
			err = os.Chmod(p, f.mode)
		}
		if err != nil {
			return fmt.Errorf("staging %s: %w", f.path, err)
		}
	}
	for i := len(tree) - 1; i >= 0; i-- {
		f := tree[i]
		if f.link != "" {
			continue // Chtimes would follow it
		}
		if err := os.Chtimes(filepath.Join(dir, f.path), f.modTime, f.modTime); err != nil {
			return fmt.Errorf("staging %s: %w", f.path, err)
		}
	}
	return nil
}

// recipeKey hashes the recipe. The mirror is left out: any Debian mirror serves the same
// suite, and asking apt for it (apt-get indextargets, ~0.5 s) would slow every cached start.
func recipeKey(r recipe, tree []stagedFile) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%q\n%s\n", recipeVersion, r.suite, Hostname, r.args, r.hook)
	if r.keyring != nil {
		// Only Ubuntu's recipe has a pinned keyring and fixed sources: Debian's keys are unchanged.
		srcs, _ := r.sources()
		fmt.Fprintf(h, "keyring %s %s\n%q\n", r.keyring.url, r.keyring.sha256, srcs)
	}
	for _, f := range tree {
		fmt.Fprintf(h, "%s %t %o %d:%d %d %d\n", f.path, f.dir, f.mode, f.uid, f.gid, f.modTime.Unix(), len(f.data))
		if f.link != "" {
			fmt.Fprintf(h, "-> %s\n", f.link) // only Lightsail's tree has links: Bitnami's key is unchanged
		}
		h.Write(f.data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// CacheDir is where built rootfs tarballs and unpacked bases live:
// $HARDSAIL_TESTHOST_CACHE, else $XDG_CACHE_HOME/hardsail/testhost, else ~/.cache/hardsail/testhost.
func CacheDir() (string, error) {
	if d := os.Getenv("HARDSAIL_TESTHOST_CACHE"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "hardsail", "testhost"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("testhost cache dir: %w", err)
	}
	return filepath.Join(home, ".cache", "hardsail", "testhost"), nil
}

// Base is a built and unpacked rootfs that instances overlay.
type Base struct {
	Flavour string // the recipe's name: hostmanifest.Bitnami, hostmanifest.Lightsail or Ubuntu2404
	Key     string // recipe hash
	Tarball string // .tar.zst as mmdebstrap wrote it
	Dir     string // unpacked tree, shared read-only by all instances
	Built   bool   // this call ran mmdebstrap (the cache held no tarball)
}

// completeMarker, next to a base dir, says the dir is fully unpacked.
const completeMarker = ".complete"

var (
	baseMu     sync.Mutex
	baseCached = map[string]*Base{}       // by recipe name
	recipeMu   = map[string]*sync.Mutex{} // by recipe name: one build of a recipe at a time
)

// recipeLock is the in-process lock of one recipe: different recipes build side by side.
func recipeLock(name string) *sync.Mutex {
	baseMu.Lock()
	defer baseMu.Unlock()
	if recipeMu[name] == nil {
		recipeMu[name] = new(sync.Mutex)
	}
	return recipeMu[name]
}

func cachedBase(name string) *Base {
	baseMu.Lock()
	defer baseMu.Unlock()
	return baseCached[name]
}

func setCachedBase(name string, b *Base) {
	baseMu.Lock()
	defer baseMu.Unlock()
	baseCached[name] = b
}

// EnsureBase is EnsureBaseFor the Bitnami flavour.
func EnsureBase(ctx context.Context, log io.Writer) (*Base, error) {
	return EnsureBaseFor(ctx, hostmanifest.Bitnami, log)
}

// EnsureBaseFor builds the rootfs tarball of flavour (a blueprint flavour, or Ubuntu2404 for the
// OS-only Ubuntu host) and unpacks it unless the cache already holds both.
// Safe across processes: a recipe builds under an flock of its own (lock-KEY), so different recipes
// build side by side; every builder also holds the cache's "lock" shared, which older checkouts take
// exclusively. Outputs appear by rename.
// Build progress goes to log (nil discards it).
func EnsureBaseFor(ctx context.Context, flavour string, log io.Writer) (*Base, error) {
	r, err := recipeFor(flavour)
	if err != nil {
		return nil, err
	}
	mu := recipeLock(r.name)
	mu.Lock()
	defer mu.Unlock()
	if b := cachedBase(r.name); b != nil {
		return b, nil
	}
	if log == nil {
		log = io.Discard
	}
	cache, err := CacheDir()
	if err != nil {
		return nil, err
	}
	tree, err := r.tree()
	if err != nil {
		return nil, err
	}
	key := recipeKey(r, tree)
	b := &Base{
		Flavour: r.name,
		Key:     key,
		Tarball: filepath.Join(cache, "rootfs-"+key+".tar.zst"),
		Dir:     filepath.Join(cache, "base-"+key),
	}
	if _, err := os.Stat(b.Dir + completeMarker); err == nil {
		now := time.Now()
		os.Chtimes(b.Dir+completeMarker, now, now) // last use, for pruneStale in other checkouts
		setCachedBase(r.name, b)
		return b, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, fmt.Errorf("testhost cache dir %s: %w", cache, err)
	}
	unlockShared, err := lockFile(filepath.Join(cache, "lock"), syscall.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer unlockShared()
	unlock, err := lockFile(filepath.Join(cache, "lock-"+key), syscall.LOCK_EX)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Another process may have finished while this one waited for the lock.
	if _, err := os.Stat(b.Dir + completeMarker); err == nil {
		setCachedBase(r.name, b)
		return b, nil
	}
	pruneStale(cache, key)
	if _, err := os.Stat(b.Tarball); errors.Is(err, fs.ErrNotExist) {
		deb, err := r.sources()
		if err != nil {
			return nil, err
		}
		if err := build(ctx, log, cache, key, b.Tarball, deb, r, tree); err != nil {
			return nil, err
		}
		b.Built = true
	} else if err != nil {
		return nil, fmt.Errorf("rootfs tarball %s: %w", b.Tarball, err)
	}
	if err := unpack(ctx, cache, key, b.Tarball, b.Dir); err != nil {
		return nil, err
	}
	setCachedBase(r.name, b)
	return b, nil
}

// staleAfter is how long a base of another recipe (an older commit, another branch) stays unused before pruning.
const staleAfter = 7 * 24 * time.Hour

// pruneStale removes leftovers of this recipe's crashed builds (under its lock) and other recipes'
// rootfs unused for staleAfter, each only when its own lock can be taken at once (not in use).
func pruneStale(cache, key string) {
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, "stage-"+key+"-"), strings.HasPrefix(n, "unpack-"+key+"-"),
			strings.HasPrefix(n, "rootfs-"+key+"-") && strings.HasSuffix(n, ".tmp.tar.zst"):
			os.RemoveAll(filepath.Join(cache, n))
		case strings.HasPrefix(n, "base-") && strings.HasSuffix(n, completeMarker) && !strings.Contains(n, key):
			st, err := os.Stat(filepath.Join(cache, n))
			if err != nil || time.Since(st.ModTime()) < staleAfter {
				continue
			}
			other := strings.TrimSuffix(strings.TrimPrefix(n, "base-"), completeMarker)
			unlock, err := lockFile(filepath.Join(cache, "lock-"+other), syscall.LOCK_EX|syscall.LOCK_NB)
			if err != nil {
				continue // being built or unpacked right now
			}
			os.Remove(filepath.Join(cache, n)) // marker first: a half-removed base must not look complete
			os.RemoveAll(filepath.Join(cache, "base-"+other))
			os.Remove(filepath.Join(cache, "rootfs-"+other+".tar.zst"))
			os.Remove(filepath.Join(cache, "lock-"+other))
			unlock()
		}
	}
}

// lockFile takes an flock of kind how (LOCK_SH or LOCK_EX, with LOCK_NB to fail at once) on p.
func lockFile(p string, how int) (func(), error) {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("testhost lock %s: %w", p, err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("testhost lock %s: %w", p, err)
	}
	return func() { f.Close() }, nil
}

// build runs mmdebstrap into a temp file next to tarball and renames it into place.
func build(ctx context.Context, log io.Writer, cache, key, tarball string, deb []string, r recipe, tree []stagedFile) error {
	stageDir, err := os.MkdirTemp(cache, "stage-"+key+"-")
	if err != nil {
		return fmt.Errorf("rootfs stage dir: %w", err)
	}
	defer os.RemoveAll(stageDir)
	if err := stage(stageDir, tree); err != nil {
		return err
	}
	tmp := filepath.Join(cache, fmt.Sprintf("rootfs-%s-%d.tmp.tar.zst", key, os.Getpid()))
	defer os.Remove(tmp)
	args := append([]string{}, r.args...)
	if r.keyring != nil {
		kr, cleanup, err := r.keyring.keyring(ctx, cache)
		if err != nil {
			return err
		}
		defer cleanup()
		args = append(args, "--keyring="+kr)
	}
	args = append(args, "--customize-hook="+r.hook, r.suite, tmp)
	args = append(args, deb...)
	cmd := exec.CommandContext(ctx, "mmdebstrap", args...)
	cmd.Env = append(os.Environ(), "STAGE="+stageDir, "HOSTNAME_="+Hostname)
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, log)
	cmd.Stderr = io.MultiWriter(&out, log)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mmdebstrap rootfs %s: %w\n%s", tarball, err, tail(out.String(), 40))
	}
	if err := os.Rename(tmp, tarball); err != nil {
		return fmt.Errorf("rootfs tarball %s: %w", tarball, err)
	}
	return nil
}

// unpack extracts tarball into a temp dir, renames it to dir and marks dir complete.
func unpack(ctx context.Context, cache, key, tarball, dir string) error {
	tmp, err := os.MkdirTemp(cache, "unpack-"+key+"-")
	if err != nil {
		return fmt.Errorf("rootfs unpack dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	// The temp dir's own mode becomes the rootfs's / mode.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("rootfs unpack dir %s: %w", tmp, err)
	}
	out, err := exec.CommandContext(ctx, "tar", "--zstd", "-x", "-p", "--numeric-owner", "--xattrs", "--xattrs-include=*",
		"-f", tarball, "-C", tmp).CombinedOutput()
	if err != nil {
		return fmt.Errorf("unpacking rootfs %s: %w\n%s", tarball, err, tail(string(out), 20))
	}
	os.RemoveAll(dir) // left by a run that crashed before writing the marker (checked under lock)
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("rootfs base %s: %w", dir, err)
	}
	if err := os.WriteFile(dir+completeMarker, nil, 0o644); err != nil {
		return fmt.Errorf("rootfs base marker %s: %w", dir+completeMarker, err)
	}
	return nil
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

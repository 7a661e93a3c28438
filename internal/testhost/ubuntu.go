package testhost

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
)

// OS names of the hosts testhost builds. The blueprint flavours run Debian12; Ubuntu2404 is an
// OS-only host (no WordPress layout) for the steps that configure the operating system.
const (
	Debian12   = "debian-12"
	Ubuntu2404 = "ubuntu-24.04"
)

// UbuntuUser is the login of the Ubuntu host, as on Lightsail's Ubuntu blueprints.
const UbuntuUser = "ubuntu"

// ubuntuMirror serves noble and its -updates and -security pockets; this machine's apt is Debian's.
const ubuntuMirror = "http://archive.ubuntu.com/ubuntu"

// ubuntuKeyring is noble's ubuntu-keyring package, pinned by the SHA-256 that noble's Packages index
// lists for it: the Ubuntu archive keys (2018 key F6EC B376 2474 EDA9 D21B 7022 8719 20D1 991B C93C)
// that apt then checks every Release signature with. Debian's apt here has no Ubuntu keyring.
var ubuntuKeyring = &pinnedDeb{
	url:    ubuntuMirror + "/pool/main/u/ubuntu-keyring/ubuntu-keyring_2023.11.28.1_all.deb",
	sha256: "36de43b15853ccae0028e9a767613770c704833f82586f28eb262f0311adb8a8",
	member: "etc/apt/trusted.gpg.d",
}

// ubuntuHook adds the cloud image's login with cloud-init's sudoers line, then the common host setup.
const ubuntuHook = `set -eu
R="$1"
chroot "$R" useradd --create-home --uid 1000 --user-group --shell /bin/bash --groups adm,sudo ubuntu
printf 'ubuntu ALL=(ALL) NOPASSWD:ALL\n' > "$R/etc/sudoers.d/90-cloud-init-users"
chmod 0440 "$R/etc/sudoers.d/90-cloud-init-users"
` + hostHook

var ubuntuRecipe = recipe{
	name:  Ubuntu2404,
	suite: "noble",
	args: []string{
		"--mode=root",
		"--variant=minbase",
		"--include=openssh-server,sudo,cron,unattended-upgrades,apt-utils,ca-certificates,ubuntu-keyring",
		"--skip=cleanup/apt/lists",
		"--skip=cleanup/apt/cache",
	},
	hook:    ubuntuHook,
	tree:    func() ([]stagedFile, error) { return nil, nil },
	sources: ubuntuSources,
	keyring: ubuntuKeyring,
}

func ubuntuSources() ([]string, error) {
	var deb []string
	for _, pocket := range []string{"noble", "noble-security", "noble-updates"} {
		deb = append(deb, "deb "+ubuntuMirror+" "+pocket+" main")
	}
	return deb, nil
}

// pinnedDeb is a keyring package fetched over plain HTTP and trusted only by its pinned SHA-256.
type pinnedDeb struct {
	url    string
	sha256 string
	member string // the keyring directory inside the package (mmdebstrap's --keyring takes it as apt's TrustedParts)
}

// keyring returns the pinned package's keyring directory, unpacked in a world-readable temp dir that
// cleanup removes. The .deb is kept in cache and checked against the pin on every use.
func (p *pinnedDeb) keyring(ctx context.Context, cache string) (file string, cleanup func(), err error) {
	deb := filepath.Join(cache, path.Base(p.url))
	if data, err := os.ReadFile(deb); err != nil || sum(data) != p.sha256 {
		if data, err = p.download(ctx); err != nil {
			return "", nil, err
		}
		tmp := fmt.Sprintf("%s.%d.tmp", deb, os.Getpid())
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return "", nil, fmt.Errorf("keyring package: %w", err)
		}
		if err := os.Rename(tmp, deb); err != nil {
			return "", nil, fmt.Errorf("keyring package: %w", err)
		}
	}
	// Not under cache: apt checks signatures as user _apt, which cannot enter root's home.
	dir, err := os.MkdirTemp("", "hardsail-keyring-")
	if err != nil {
		return "", nil, fmt.Errorf("keyring dir: %w", err)
	}
	cleanup = func() { os.RemoveAll(dir) }
	if err := os.Chmod(dir, 0o755); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("keyring dir: %w", err)
	}
	if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", deb, dir).CombinedOutput(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("unpacking %s: %w\n%s", deb, err, out)
	}
	file = filepath.Join(dir, p.member)
	if _, err := os.Stat(file); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("keyring package %s: %w", path.Base(p.url), err)
	}
	return file, cleanup, nil
}

// download fetches the package and refuses it unless its SHA-256 is the pinned one.
func (p *pinnedDeb) download(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return nil, fmt.Errorf("keyring package: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("downloading keyring package: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("downloading keyring package %s: %s", p.url, resp.Status)
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(resp.Body, 16<<20)); err != nil {
		return nil, fmt.Errorf("downloading keyring package %s: %w", p.url, err)
	}
	if got := sum(buf.Bytes()); got != p.sha256 {
		return nil, fmt.Errorf("keyring package %s has SHA-256 %s, the recipe pins %s: refusing it", p.url, got, p.sha256)
	}
	return buf.Bytes(), nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

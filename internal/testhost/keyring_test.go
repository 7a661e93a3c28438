//go:build linux

package testhost

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildDeb makes a small .deb holding etc/apt/trusted.gpg.d/test.gpg and returns its bytes.
func buildDeb(t *testing.T, key string) []byte {
	t.Helper()
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal("dpkg-deb not found")
		}
		t.Skip("dpkg-deb not found")
	}
	root := t.TempDir()
	for p, body := range map[string]string{
		"DEBIAN/control":                 "Package: test-keyring\nVersion: 1\nArchitecture: all\nMaintainer: t <t@example.com>\nDescription: test\n",
		"etc/apt/trusted.gpg.d/test.gpg": key,
	} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	deb := filepath.Join(t.TempDir(), "test.deb")
	if out, err := exec.Command("dpkg-deb", "--root-owner-group", "-b", root, deb).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -b: %v\n%s", err, out)
	}
	b, err := os.ReadFile(deb)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPinnedKeyring: the keyring package is used only when its SHA-256 is the pinned one, whether it
// comes from the mirror or from the cache.
func TestPinnedKeyring(t *testing.T) {
	good := buildDeb(t, "the real key")
	served := good
	gets := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets++
		w.Write(served)
	}))
	defer srv.Close()
	cache := t.TempDir()
	p := &pinnedDeb{url: srv.URL + "/pool/test-keyring_1_all.deb", sha256: sum(good), member: "etc/apt/trusted.gpg.d"}

	dir, cleanup, err := p.keyring(t.Context(), cache)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "test.gpg")); err != nil || string(b) != "the real key" {
		t.Errorf("keyring dir holds %q, %v", b, err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("keyring dir %v, %v: apt's _apt user must be able to read it", st.Mode(), err)
	}
	cleanup()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cleanup left %s", dir)
	}

	// Cached and still matching the pin: no download.
	if _, cleanup, err := p.keyring(t.Context(), cache); err != nil || gets != 1 {
		t.Fatalf("second use: %v after %d downloads, want the cached package", err, gets)
	} else {
		cleanup()
	}

	// A tampered cache and a tampered mirror: refused, nothing unpacked.
	cached := filepath.Join(cache, "test-keyring_1_all.deb")
	if err := os.WriteFile(cached, buildDeb(t, "a forged key"), 0o644); err != nil {
		t.Fatal(err)
	}
	served = buildDeb(t, "a forged key")
	_, _, err = p.keyring(t.Context(), cache)
	if err == nil || !strings.Contains(err.Error(), "the recipe pins "+p.sha256+": refusing it") {
		t.Fatalf("forged package: %v, want the pin refusal", err)
	}
	if gets != 2 {
		t.Errorf("%d downloads, want the tampered cache to be fetched again once", gets)
	}

	// The mirror serves the real one again: the tampered cache is replaced.
	served = good
	if _, cleanup, err := p.keyring(t.Context(), cache); err != nil {
		t.Fatal(err)
	} else {
		cleanup()
	}
	if b, _ := os.ReadFile(cached); sum(b) != p.sha256 {
		t.Error("the cache still holds the forged package")
	}
}

// TestRecipeKeys: each recipe, the Ubuntu one included, has its own cache key.
func TestRecipeKeys(t *testing.T) {
	keys := map[string]bool{}
	for _, name := range []string{"bitnami", "lightsail", Ubuntu2404} {
		r, err := recipeFor(name)
		if err != nil {
			t.Fatal(err)
		}
		tree, err := r.tree()
		if err != nil {
			t.Fatal(err)
		}
		keys[recipeKey(r, tree)] = true
	}
	if len(keys) != 3 {
		t.Errorf("recipe keys %v are not distinct", keys)
	}
	if _, err := recipeFor("centos"); err == nil || !strings.Contains(err.Error(), Ubuntu2404) {
		t.Errorf("recipeFor(centos) = %v, want an error naming %s", err, Ubuntu2404)
	}
}

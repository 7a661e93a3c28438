package sshhost_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/remote/sshhost"
)

const instance = "WordPress-1"

// boundHost starts a host that trusts the emulator's CA and puts the emulated firewall in front of it.
func boundHost(t *testing.T) (*emulator.Emulator, *testhost.Host, *awsapi.Clients) {
	t.Helper()
	em := emulator.Start(t, emulator.Options{OperationDelay: 10 * time.Millisecond})
	h := testhost.Start(t, testhost.Options{TrustedUserCAKeys: ssh.MarshalAuthorizedKey(em.CAPublicKey())})
	if err := em.BindSSH(instance, h.Addr); err != nil {
		t.Fatal(err)
	}
	return em, h, awsapi.New(em.AWSConfig())
}

func newKey(t *testing.T) (ssh.Signer, []byte) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	return s, pem.EncodeToMemory(block)
}

func TestKeylessLogin(t *testing.T) {
	t.Parallel()
	em, h, clients := boundHost(t)
	a, err := clients.SSHAccess(ctxT(t), instance)
	if err != nil {
		t.Fatal(err)
	}
	if a.Addr != em.InstanceAddr(instance) || a.User != "bitnami" || len(a.HostKeys) != 1 {
		t.Fatalf("SSHAccess = addr %s user %s host keys %q; want %s, bitnami, the host's one key", a.Addr, a.User, a.HostKeys, em.InstanceAddr(instance))
	}
	if want := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(h.HostKey))); a.HostKeys[0] != want {
		t.Fatalf("pinned host key %q, the host's is %q", a.HostKeys[0], want)
	}
	cfg, err := sshhost.KeylessConfig(a.Addr, a.User, a.PrivateKey, a.CertKey, a.HostKeys)
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, cfg)
	res, err := c.Sudo(ctxT(t), "id -un; echo $SUDO_USER", nil)
	if err != nil || string(res.Stdout) != "root\nbitnami\n" {
		t.Fatalf("keyless sudo: %q, %v", res.Stdout, err)
	}
}

func TestSSHAccessErrors(t *testing.T) {
	t.Parallel()
	em := emulator.Start(t, emulator.Options{})
	_, err := awsapi.New(em.AWSConfig()).SSHAccess(ctxT(t), "no-such-instance")
	if !awsapi.IsKind(err, awsapi.KindNotFound) || !strings.Contains(err.Error(), "no-such-instance") {
		t.Fatalf("SSHAccess of a missing instance: %v; want a not-found AWS error naming it", err)
	}
}

func TestKeylessWrongHostKeyIsRefused(t *testing.T) {
	t.Parallel()
	_, h, clients := boundHost(t)
	a, err := clients.SSHAccess(ctxT(t), instance)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newKey(t)
	cfg, err := sshhost.KeylessConfig(a.Addr, a.User, a.PrivateKey, a.CertKey, []string{string(ssh.MarshalAuthorizedKey(other.PublicKey()))})
	if err != nil {
		t.Fatal(err)
	}
	var log commandLog
	cfg.Observer = log.observe
	c, err := sshhost.Dial(ctxT(t), cfg)
	if err == nil {
		c.Close()
		t.Fatal("connected to a server whose host key Lightsail did not report")
	}
	var hke *sshhost.HostKeyError
	if !errors.As(err, &hke) || hke.Kind != sshhost.HostKeyPinned {
		t.Fatalf("err = %v (%T); want a pinned HostKeyError", err, err)
	}
	for _, fp := range []string{ssh.FingerprintSHA256(h.HostKey), ssh.FingerprintSHA256(other.PublicKey())} {
		if !strings.Contains(err.Error(), fp) {
			t.Errorf("error %q does not show fingerprint %s", err, fp)
		}
	}
	if !strings.Contains(hke.HintText(), "do not continue") || !strings.Contains(hke.HintText(), "Lightsail console") {
		t.Errorf("hint = %q", hke.HintText())
	}
	if n := len(log.all()); n != 0 {
		t.Errorf("%d commands ran on a server that failed host key verification", n)
	}
}

func TestKeylessConfigRejectsBadMaterial(t *testing.T) {
	_, keyPEM := newKey(t)
	signer, _ := newKey(t)
	hostLine := string(ssh.MarshalAuthorizedKey(signer.PublicKey()))
	for _, tc := range []struct {
		name, key, cert string
		hostKeys        []string
	}{
		{"garbage key", "not a key", "", []string{hostLine}},
		{"plain key as certificate", string(keyPEM), hostLine, []string{hostLine}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := sshhost.KeylessConfig("192.0.2.1:22", "bitnami", tc.key, tc.cert, tc.hostKeys); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// ownKeyHost is a test host that also accepts a key written to a file, as a user's ~/.ssh/id_ed25519.
func ownKeyHost(t *testing.T) (*testhost.Host, string, ssh.Signer) {
	t.Helper()
	h := testhost.Start(t, testhost.Options{})
	signer, keyPEM := newKey(t)
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	rootRun(t, h, "echo "+quote(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))+" >> /home/bitnami/.ssh/authorized_keys")
	return h, keyFile, signer
}

func TestOwnKeyAndKnownHosts(t *testing.T) {
	t.Parallel()
	h, keyFile, _ := ownKeyHost(t)
	fp := ssh.FingerprintSHA256(h.HostKey)
	other, _ := newKey(t)
	known := knownhosts.Line([]string{knownhosts.Normalize(h.Addr)}, h.HostKey) + "\n"
	wrong := knownhosts.Line([]string{knownhosts.Normalize(h.Addr)}, other.PublicKey()) + "\n"
	cases := []struct {
		name        string
		knownHosts  string // "" = no file at all
		accept      string
		ask         string // "", "yes", "no"
		wantKind    string // "" = connects
		wantAsked   bool
		wantAppend  bool
		wantInError []string
		wantHint    string
	}{
		// The server also has ECDSA and RSA keys and x/crypto prefers ECDSA: only pinning the algorithm to
		// the known key's type makes this connect.
		{name: "known", knownHosts: known},
		{name: "unknown, no file, off a terminal", wantKind: sshhost.HostKeyUnknown, wantInError: []string{fp}, wantHint: "--accept-host-key " + fp},
		{name: "unknown, accepted by matching fingerprint", knownHosts: "# empty\n", accept: fp, wantAppend: true},
		{name: "unknown, --accept-host-key does not match", knownHosts: "# empty\n", accept: ssh.FingerprintSHA256(other.PublicKey()),
			wantKind: sshhost.HostKeyUnknown, wantInError: []string{fp, ssh.FingerprintSHA256(other.PublicKey())}, wantHint: "--accept-host-key"},
		{name: "unknown, asked, yes", ask: "yes", wantAsked: true, wantAppend: true},
		{name: "unknown, asked, no", knownHosts: "# empty\n", ask: "no", wantAsked: true, wantKind: sshhost.HostKeyNotAsked, wantInError: []string{fp}},
		{name: "mismatch is refused even with a yes at hand", knownHosts: wrong, ask: "yes", accept: fp, wantKind: sshhost.HostKeyMismatch,
			wantInError: []string{fp, ssh.FingerprintSHA256(other.PublicKey())}, wantHint: "ssh-keygen -R " + knownhosts.Normalize(h.Addr)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			khPath := filepath.Join(t.TempDir(), "ssh", "known_hosts")
			if tc.knownHosts != "" {
				if err := os.MkdirAll(filepath.Dir(khPath), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(khPath, []byte(tc.knownHosts), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			asked := false
			hk := sshhost.HostKeys{KnownHosts: khPath, Accept: tc.accept}
			if tc.ask != "" {
				hk.Ask = func(host, fingerprint string) (bool, error) {
					asked = true
					if host != h.Addr || fingerprint != fp {
						t.Errorf("asked about %s %s, want %s %s", host, fingerprint, h.Addr, fp)
					}
					return tc.ask == "yes", nil
				}
			}
			cfg, err := sshhost.OwnKeyConfig(h.Addr, "bitnami", keyFile, false, hk)
			if err != nil {
				t.Fatal(err)
			}
			c, err := sshhost.Dial(ctxT(t), cfg)
			if asked != tc.wantAsked {
				t.Errorf("asked = %v, want %v", asked, tc.wantAsked)
			}
			if tc.wantKind == "" {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				defer c.Close()
				if res, err := c.Run(ctxT(t), "id -un"); err != nil || string(res.Stdout) != "bitnami\n" {
					t.Fatalf("run after connecting: %q, %v", res.Stdout, err)
				}
			} else {
				var hke *sshhost.HostKeyError
				if !errors.As(err, &hke) || hke.Kind != tc.wantKind {
					if c != nil {
						c.Close()
					}
					t.Fatalf("dial: %v (%T); want a HostKeyError of kind %s", err, err, tc.wantKind)
				}
				for _, s := range tc.wantInError {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not show %s", err, s)
					}
				}
				if !strings.Contains(hke.HintText(), tc.wantHint) {
					t.Errorf("hint %q does not contain %q", hke.HintText(), tc.wantHint)
				}
			}
			after, _ := os.ReadFile(khPath)
			if appended := len(after) > len(tc.knownHosts); appended != tc.wantAppend {
				t.Fatalf("known_hosts appended = %v, want %v:\n%s", appended, tc.wantAppend, after)
			}
			if tc.wantAppend {
				// Trusted now: a second connection needs no question and no flag.
				cfg, err := sshhost.OwnKeyConfig(h.Addr, "bitnami", keyFile, false, sshhost.HostKeys{KnownHosts: khPath})
				if err != nil {
					t.Fatal(err)
				}
				c2, err := sshhost.Dial(ctxT(t), cfg)
				if err != nil {
					t.Fatalf("second dial after the key was added: %v", err)
				}
				c2.Close()
			}
		})
	}
}

func TestOwnKeyFromAgent(t *testing.T) {
	h, keyFile, _ := ownKeyHost(t)
	raw, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ssh.ParseRawPrivateKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _ = agent.ServeAgent(keyring, c) }()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(kh, []byte(knownhosts.Line([]string{knownhosts.Normalize(h.Addr)}, h.HostKey)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := sshhost.OwnKeyConfig(h.Addr, "bitnami", "", true, sshhost.HostKeys{KnownHosts: kh})
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, cfg)
	if res, err := c.Run(ctxT(t), "id -un"); err != nil || string(res.Stdout) != "bitnami\n" {
		t.Fatalf("login with the agent's key: %q, %v", res.Stdout, err)
	}
}

func TestOwnKeyConfigErrors(t *testing.T) {
	dir := t.TempDir()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("pass"))
	if err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(dir, "locked")
	if err := os.WriteFile(locked, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, keyFile, hint string
	}{
		{"missing file", filepath.Join(dir, "nope"), "--ssh-key"},
		{"passphrase", locked, "ssh-add " + locked},
		{"no key and no agent", "", "ssh-agent"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SSH_AUTH_SOCK", "")
			_, err := sshhost.OwnKeyConfig("192.0.2.1:22", "bitnami", tc.keyFile, false, sshhost.HostKeys{KnownHosts: filepath.Join(dir, "kh")})
			var ke *sshhost.KeyError
			if !errors.As(err, &ke) || !strings.Contains(ke.HintText(), tc.hint) {
				t.Fatalf("err = %v; want a KeyError whose hint mentions %q", err, tc.hint)
			}
		})
	}
}

func TestProbeThroughFirewall(t *testing.T) {
	t.Parallel()
	em, _, clients := boundHost(t)
	a, err := clients.SSHAccess(ctxT(t), instance)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sshhost.KeylessConfig(a.Addr, a.User, a.PrivateKey, a.CertKey, a.HostKeys)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = 5 * time.Second
	c := dial(t, cfg)
	if err := c.Probe(ctxT(t)); err != nil {
		t.Fatalf("probe with SSH open: %v", err)
	}
	_, err = lightsail.NewFromConfig(em.AWSConfig()).PutInstancePublicPorts(ctxT(t), &lightsail.PutInstancePublicPortsInput{
		InstanceName: aws.String(instance),
		PortInfos:    []types.PortInfo{{FromPort: 22, ToPort: 22, Protocol: types.NetworkProtocolTcp, Cidrs: []string{"203.0.113.7/32"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Probe(ctxT(t)); err == nil {
		t.Fatal("probe got in through a firewall that admits only 203.0.113.7/32")
	}
	// The established session survives, as with Lightsail's stateful firewall.
	if _, err := c.Run(ctxT(t), "true"); err != nil {
		t.Fatalf("existing connection after the firewall closed: %v", err)
	}
}

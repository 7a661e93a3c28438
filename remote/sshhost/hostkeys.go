package sshhost

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError kinds: why the key was not trusted.
const (
	HostKeyMismatch = "mismatch" // known_hosts has another key for this host
	HostKeyUnknown  = "unknown"  // not in known_hosts and nobody accepted it
	HostKeyNotAsked = "declined" // the user said no when asked
	HostKeyPinned   = "pinned"   // not one of the keys Lightsail reports (keyless access)
)

func (e *HostKeyError) Error() string {
	switch e.Kind {
	case HostKeyUnknown, HostKeyNotAsked:
		msg := fmt.Sprintf("host key of %s is not known: the server presented %s", e.Host, e.Got)
		if len(e.Want) > 0 {
			msg += ", not " + strings.Join(e.Want, " or ") + " as given to --accept-host-key"
		}
		if e.Kind == HostKeyNotAsked {
			msg += ", and it was not accepted"
		}
		return msg
	case HostKeyPinned:
		return fmt.Sprintf("host key of %s is not the one Lightsail reports: the server presented %s, Lightsail reports %s",
			e.Host, e.Got, strings.Join(e.Want, " or "))
	}
	return fmt.Sprintf("host key of %s has changed: the server presented %s, known_hosts has %s",
		e.Host, e.Got, strings.Join(e.Want, " or "))
}

// HintText is the one action that fixes (or safely investigates) the refusal.
func (e *HostKeyError) HintText() string {
	switch e.Kind {
	case HostKeyPinned:
		return "The instance's host key is not the one Lightsail reports — do not continue; check the instance in the Lightsail console."
	case HostKeyUnknown:
		if len(e.Want) > 0 {
			return "Check the fingerprint on the instance (Lightsail browser SSH: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and pass the one it shows to --accept-host-key."
		}
		return "Run hardsail in a terminal to confirm the fingerprint, or pass --accept-host-key " + e.Got + " after checking it on the instance (Lightsail browser SSH: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)."
	case HostKeyNotAsked:
		return "Check the fingerprint on the instance (Lightsail browser SSH: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then run again and accept it."
	}
	return "If the instance was recreated, remove the old key: ssh-keygen -R " + knownHostsName(e.Host) + " — otherwise do not connect: something is answering in the instance's place."
}

// knownHostsName is host as ssh-keygen -R wants it: bare on port 22, [host]:port otherwise.
func knownHostsName(hostport string) string {
	return knownhosts.Normalize(hostport)
}

// hostKeyPolicy turns HostKeys into the handshake's callback and the host key algorithms to ask for.
// remote is the dialled address (known_hosts also checks the IP).
func hostKeyPolicy(hk HostKeys, addr string, remote net.Addr, relax func() func()) (ssh.HostKeyCallback, []string, error) {
	if len(hk.Pinned) > 0 {
		want := fingerprints(hk.Pinned)
		cb := func(host string, _ net.Addr, key ssh.PublicKey) error {
			for _, p := range hk.Pinned {
				if bytes.Equal(p.Marshal(), key.Marshal()) {
					return nil
				}
			}
			return &HostKeyError{Host: addr, Got: ssh.FingerprintSHA256(key), Want: want, Kind: HostKeyPinned}
		}
		return cb, algorithmsFor(hk.Pinned), nil
	}
	if hk.KnownHosts == "" {
		return nil, nil, errors.New("no host key policy: neither pinned keys nor a known_hosts file were given")
	}
	check, err := loadKnownHosts(hk.KnownHosts)
	if err != nil {
		return nil, nil, err
	}
	// Pin the algorithms to the key types known_hosts holds for this host, or the server may
	// offer another of its keys first and look like a mismatch.
	// Unknown host: prefer ed25519 as OpenSSH does, so the fingerprint asked about is the one `ssh`
	// shows and `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints on the instance.
	algos := []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
		ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}
	var probe probeKey
	var ke *knownhosts.KeyError
	if err := check(addr, remote, probe); errors.As(err, &ke) && len(ke.Want) > 0 {
		var known []ssh.PublicKey
		for _, k := range ke.Want {
			known = append(known, k.Key)
		}
		algos = algorithmsFor(known)
	}
	cb := func(host string, r net.Addr, key ssh.PublicKey) error {
		err := check(addr, r, key)
		if err == nil {
			return nil
		}
		var ke *knownhosts.KeyError
		if !errors.As(err, &ke) {
			return fmt.Errorf("check host key of %s against %s: %w", addr, hk.KnownHosts, err)
		}
		got := ssh.FingerprintSHA256(key)
		if len(ke.Want) > 0 {
			var want []string
			for _, k := range ke.Want {
				want = append(want, fmt.Sprintf("%s (%s line %d)", ssh.FingerprintSHA256(k.Key), k.Filename, k.Line))
			}
			return &HostKeyError{Host: addr, Got: got, Want: want, Kind: HostKeyMismatch}
		}
		switch {
		case hk.Accept != "":
			if hk.Accept != got {
				return &HostKeyError{Host: addr, Got: got, Want: []string{hk.Accept}, Kind: HostKeyUnknown}
			}
		case hk.Ask == nil:
			return &HostKeyError{Host: addr, Got: got, Kind: HostKeyUnknown}
		default:
			// The user may take longer to answer than the handshake deadline allows.
			restore := relax()
			yes, err := hk.Ask(addr, got)
			restore()
			if err != nil {
				return fmt.Errorf("ask whether to trust host key %s of %s: %w", got, addr, err)
			}
			if !yes {
				return &HostKeyError{Host: addr, Got: got, Kind: HostKeyNotAsked}
			}
		}
		return appendKnownHost(hk.KnownHosts, addr, r, key)
	}
	return cb, algos, nil
}

// probeKey is a key no server has; checking it yields the keys known_hosts holds for a host.
type probeKey struct{}

func (probeKey) Type() string                        { return "hardsail-probe" }
func (probeKey) Marshal() []byte                     { return []byte("hardsail-probe") }
func (probeKey) Verify([]byte, *ssh.Signature) error { return errors.New("probe key") }

func loadKnownHosts(path string) (ssh.HostKeyCallback, error) {
	cb, err := knownhosts.New(path)
	if errors.Is(err, fs.ErrNotExist) {
		// A first connection from a fresh machine: nothing is known yet.
		return func(string, net.Addr, ssh.PublicKey) error { return &knownhosts.KeyError{} }, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read known hosts %s: %w", path, err)
	}
	return cb, nil
}

func appendKnownHost(path, addr string, remote net.Addr, key ssh.PublicKey) error {
	names := []string{knownhosts.Normalize(addr)}
	if remote != nil {
		if r := knownhosts.Normalize(remote.String()); !slices.Contains(names, r) {
			names = append(names, r)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("add %s to known hosts: %w", addr, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("add %s to known hosts: %w", addr, err)
	}
	_, err = fmt.Fprintln(f, knownhosts.Line(names, key))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("add %s to known hosts %s: %w", addr, path, err)
	}
	return nil
}

func fingerprints(keys []ssh.PublicKey) []string {
	var out []string
	for _, k := range keys {
		out = append(out, ssh.FingerprintSHA256(k))
	}
	return out
}

// algorithmsFor lists the host key algorithms that let a server prove it holds one of keys.
func algorithmsFor(keys []ssh.PublicKey) []string {
	var out []string
	add := func(a ...string) {
		for _, x := range a {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	for _, k := range keys {
		if k.Type() == ssh.KeyAlgoRSA {
			// An RSA key signs with SHA-2 on any current sshd; ssh-rsa (SHA-1) last for old ones.
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
			continue
		}
		add(k.Type())
	}
	return out
}

// KeylessConfig builds a Config from Lightsail's GetInstanceAccessDetails: the temporary key and its
// certificate to log in, and only the reported host keys ("ssh-ed25519 AAAA…") trusted.
func KeylessConfig(addr, user, privateKeyPEM, certKey string, hostKeys []string) (Config, error) {
	key, err := ssh.ParsePrivateKey([]byte(privateKeyPEM))
	if err != nil {
		return Config{}, fmt.Errorf("parse Lightsail temporary SSH key: %w", err)
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(certKey))
	if err != nil {
		return Config{}, fmt.Errorf("parse Lightsail SSH certificate: %w", err)
	}
	cert, ok := pub.(*ssh.Certificate)
	if !ok {
		return Config{}, fmt.Errorf("parse Lightsail SSH certificate: it is a %s key, not a certificate", pub.Type())
	}
	signer, err := ssh.NewCertSigner(cert, key)
	if err != nil {
		return Config{}, fmt.Errorf("pair Lightsail SSH certificate with its key: %w", err)
	}
	var pinned []ssh.PublicKey
	for _, line := range hostKeys {
		k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return Config{}, fmt.Errorf("parse host key Lightsail reports for %s: %w", addr, err)
		}
		pinned = append(pinned, k)
	}
	if len(pinned) == 0 {
		return Config{}, fmt.Errorf("keyless access to %s: Lightsail reported no host keys, so the server cannot be verified", addr)
	}
	return Config{Addr: addr, User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeys: HostKeys{Pinned: pinned}}, nil
}

// KeyError is a problem with the user's own key or ssh-agent.
type KeyError struct {
	Msg  string
	Hint string
	Err  error
}

func (e *KeyError) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}
func (e *KeyError) Unwrap() error    { return e.Err }
func (e *KeyError) HintText() string { return e.Hint }

// OwnKeyConfig builds a Config for the user's own key: keyFile if given (plus ssh-agent when useAgent),
// else the keys in ssh-agent (SSH_AUTH_SOCK). hk.KnownHosts defaults to ~/.ssh/known_hosts.
func OwnKeyConfig(addr, user, keyFile string, useAgent bool, hk HostKeys) (Config, error) {
	var auth []ssh.AuthMethod
	if keyFile != "" {
		pem, err := os.ReadFile(keyFile)
		if err != nil {
			return Config{}, &KeyError{Msg: "read SSH key " + keyFile, Err: err, Hint: "Pass the private key file to --ssh-key (e.g. ~/.ssh/id_ed25519)."}
		}
		signer, err := ssh.ParsePrivateKey(pem)
		var missing *ssh.PassphraseMissingError
		switch {
		case errors.As(err, &missing):
			if !useAgent {
				return Config{}, &KeyError{Msg: "SSH key " + keyFile + " is protected by a passphrase",
					Hint: "Load it into ssh-agent (ssh-add " + keyFile + ") and run hardsail without --ssh-key."}
			}
		case err != nil:
			return Config{}, &KeyError{Msg: "parse SSH key " + keyFile, Err: err, Hint: "Pass an OpenSSH private key (not the .pub file) to --ssh-key."}
		default:
			auth = append(auth, ssh.PublicKeys(signer))
		}
	}
	if keyFile == "" || useAgent {
		sock := os.Getenv("SSH_AUTH_SOCK")
		switch {
		case sock != "":
			conn, err := net.Dial("unix", sock)
			if err != nil {
				return Config{}, &KeyError{Msg: "connect to ssh-agent at " + sock, Err: err, Hint: "Start ssh-agent and ssh-add your key, or pass --ssh-key FILE."}
			}
			// The agent connection lives as long as the process: the config may dial again (Probe).
			auth = append(auth, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
		case len(auth) == 0:
			return Config{}, &KeyError{Msg: "no SSH key: --ssh-key was not given and no ssh-agent is running (SSH_AUTH_SOCK is unset)",
				Hint: "Pass --ssh-key FILE, or start ssh-agent and ssh-add your key, or use keyless access (the default)."}
		}
	}
	if hk.KnownHosts == "" && len(hk.Pinned) == 0 {
		home, err := os.UserHomeDir()
		if err != nil {
			return Config{}, fmt.Errorf("find ~/.ssh/known_hosts: %w", err)
		}
		hk.KnownHosts = filepath.Join(home, ".ssh", "known_hosts")
	}
	return Config{Addr: addr, User: user, Auth: auth, HostKeys: hk}, nil
}

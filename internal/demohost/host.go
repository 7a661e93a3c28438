// Package demohost is the emulated instance behind `hardsail --demo`: an in-process SSH server that
// answers exactly the commands remote/sshhost and the steps send, over an in-memory Debian 12 WordPress
// filesystem of either blueprint flavour (Options.Flavour) seeded from internal/hostmanifest. It needs no root, no network and no
// Debian: internal/testhost is the real host for tests, this is the stand-in for a demo.
//
// Commands are recognised structurally (the gather script is rebuilt with remote/sshhost's own builder
// and compared byte for byte); anything else exits 127 with "demo host: command not emulated".
package demohost

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hardsail/hardsail/internal/hostmanifest"
)

// User is the only login a Bitnami host accepts; Host.Login is the one of each host.
const User = "bitnami"

// Options choose the emulated instance.
type Options struct {
	// Flavour is hostmanifest.Bitnami (default: login bitnami, /opt/bitnami) or
	// hostmanifest.Lightsail (login admin, /var/www/html, /var/log/apache2 and /var/log/mysql).
	Flavour string
	// Restore, when set, is what Host.Save returned in an earlier run: the host starts as it was then.
	Restore []byte
}

// Host is a running emulated instance.
type Host struct {
	ln      net.Listener
	cfg     *ssh.ServerConfig
	started time.Time
	login   string
	flavour string

	mu sync.Mutex
	*tree

	lock chan struct{} // one slot: the flock on sshhost.LockPath
	// armed are the sshd step's confirmation timers not yet disarmed, by token.
	armed map[string]bool

	wg      sync.WaitGroup
	connsMu sync.Mutex
	conns   map[net.Conn]struct{}
	closed  bool
}

// Start is StartWith a Bitnami instance.
func Start(ca ssh.PublicKey) (*Host, error) { return StartWith(ca, Options{}) }

// StartWith listens on a free loopback port. Only certificates signed by ca for the flavour's login
// user log in; the host key is a fresh ed25519 key.
func StartWith(ca ssh.PublicKey, o Options) (*Host, error) {
	m, err := hostmanifest.For(o.Flavour)
	if err != nil {
		return nil, fmt.Errorf("demo host: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("demo host: generate host key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("demo host: host key: %w", err)
	}
	checker := &ssh.CertChecker{
		IsUserAuthority: func(auth ssh.PublicKey) bool { return bytes.Equal(auth.Marshal(), ca.Marshal()) },
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if c.User() != m.User {
				return nil, fmt.Errorf("demo host: user %q may not log in", c.User())
			}
			if _, ok := key.(*ssh.Certificate); !ok {
				return nil, errors.New("demo host: only certificates signed by the instance's CA are accepted")
			}
			return checker.Authenticate(c, key)
		},
	}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo host: listen: %w", err)
	}
	h := &Host{ln: ln, cfg: cfg, started: time.Now(), login: m.User, flavour: m.Flavour, lock: make(chan struct{}, 1), armed: map[string]bool{}, conns: map[net.Conn]struct{}{}}
	h.tree = newFS(m)
	if o.Restore != nil {
		if h.tree, h.started, err = restore(o.Restore, m.Flavour); err != nil {
			ln.Close()
			return nil, err
		}
	}
	h.wg.Add(1)
	go h.serve()
	return h, nil
}

// Addr is host:port of the SSH server.
func (h *Host) Addr() string { return h.ln.Addr().String() }

// Login is the one user that may log in: "bitnami" or "admin".
func (h *Host) Login() string { return h.login }

// Flavour is the blueprint flavour the host is laid out as.
func (h *Host) Flavour() string { return h.flavour }

// Now is the host's clock: hostmanifest.Now (when the manifest's logs were "taken") plus the time since Start.
func (h *Host) Now() time.Time { return hostmanifest.Now.Add(time.Since(h.started)) }

// Files is a copy of every regular file, by path (for tests).
func (h *Host) Files() map[string]File {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]File, len(h.files))
	for p, f := range h.files {
		c := *f
		c.Body = bytes.Clone(f.Body)
		out[p] = c
	}
	return out
}

// Installed reports whether dpkg has pkg installed (for tests).
func (h *Host) Installed(pkg string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.pkgs[pkg]
	return ok
}

// Close stops listening and drops every connection.
func (h *Host) Close() error {
	err := h.ln.Close()
	h.connsMu.Lock()
	h.closed = true
	for c := range h.conns {
		_ = c.Close()
	}
	h.connsMu.Unlock()
	h.wg.Wait()
	return err
}

func (h *Host) serve() {
	defer h.wg.Done()
	for {
		c, err := h.ln.Accept()
		if err != nil {
			return
		}
		h.connsMu.Lock()
		if h.closed {
			h.connsMu.Unlock()
			_ = c.Close()
			return
		}
		h.conns[c] = struct{}{}
		h.wg.Add(1)
		h.connsMu.Unlock()
		go func() {
			defer h.wg.Done()
			h.handleConn(c)
			h.connsMu.Lock()
			delete(h.conns, c)
			h.connsMu.Unlock()
		}()
	}
}

func (h *Host) handleConn(c net.Conn) {
	defer c.Close()
	// A client that never finishes the handshake (the emulator's host-key probe aborts) is dropped.
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	sc, chans, reqs, err := ssh.NewServerConn(c, h.cfg)
	if err != nil {
		return
	}
	_ = c.SetDeadline(time.Time{})
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	// SSH_CLIENT's first field: the address this connection comes from (through the firewall proxy, its source).
	client, _, _ := net.SplitHostPort(sc.RemoteAddr().String())
	var wg sync.WaitGroup
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.session(ch, creqs, client)
		}()
	}
	wg.Wait()
}

// session serves one channel: env requests are ignored, one exec runs, a signal or the channel
// closing cancels a command that waits (the lock).
func (h *Host) session(ch ssh.Channel, reqs <-chan *ssh.Request, client string) {
	defer ch.Close()
	gone := make(chan struct{})
	var goneOnce sync.Once
	stop := func() { goneOnce.Do(func() { close(gone) }) }
	started := false
	done := make(chan struct{})
	for req := range reqs {
		switch req.Type {
		case "exec":
			if started {
				_ = req.Reply(false, nil)
				continue
			}
			var p struct{ Cmd string }
			if err := ssh.Unmarshal(req.Payload, &p); err != nil {
				_ = req.Reply(false, nil)
				continue
			}
			started = true
			_ = req.Reply(true, nil)
			go func() {
				defer close(done)
				exit := h.exec(p.Cmd, &cmdIO{stdin: ch, stdout: ch, stderr: ch.Stderr(), client: client, gone: gone})
				_, _ = ch.SendRequest("exit-status", false, binary.BigEndian.AppendUint32(nil, uint32(exit)))
				_ = ch.CloseWrite()
				_ = ch.Close()
			}()
		case "signal":
			stop()
		default:
			if req.WantReply {
				_ = req.Reply(req.Type == "env", nil)
			}
		}
	}
	stop()
	if started {
		<-done
	}
}

// cmdIO is one command's streams, the client's address and a channel closed when the client gives up.
type cmdIO struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	client string
	gone   <-chan struct{}
}

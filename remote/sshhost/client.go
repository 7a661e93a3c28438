package sshhost

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// Client is one SSH connection to the instance.
type Client struct {
	cfg       Config
	conn      *ssh.Client
	mutations atomic.Int64
	// parent is the client this one was redialled from (Redial): mutations count there.
	parent    *Client
	closeOnce sync.Once
	closeErr  error

	// The remote lock is re-entrant within one connection: the run holds it, and a step that
	// takes it again must not wait on itself.
	lockMu      sync.Mutex
	lockHeld    int
	lockRelease func() error
}

const defaultTimeout = 15 * time.Second

// Dial connects and authenticates, checking the host key against cfg.HostKeys.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	dial := cfg.Dial
	if dial == nil {
		d := &net.Dialer{}
		dial = d.DialContext
	}
	dctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	conn, err := dial(dctx, "tcp", cfg.Addr)
	if err != nil {
		ce := &ConnectError{Addr: cfg.Addr, Err: err, Unreached: ctx.Err() == nil}
		if cfg.Dial == nil {
			ce.Local = routeSource(cfg.Addr)
		}
		return nil, ce
	}
	deadline := time.Now().Add(cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	// While the user answers a host key question the handshake deadline is lifted, then renewed.
	relax := func() func() {
		_ = conn.SetDeadline(time.Time{})
		return func() { _ = conn.SetDeadline(time.Now().Add(cfg.Timeout)) }
	}
	cb, algos, err := hostKeyPolicy(cfg.HostKeys, cfg.Addr, conn.RemoteAddr(), relax)
	if err != nil {
		conn.Close()
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	sc, chans, reqs, err := ssh.NewClientConn(conn, cfg.Addr, &ssh.ClientConfig{
		User:              cfg.User,
		Auth:              cfg.Auth,
		HostKeyCallback:   cb,
		HostKeyAlgorithms: algos,
		Timeout:           cfg.Timeout,
	})
	if !stop() {
		if err == nil {
			sc.Close()
		}
		return nil, &ConnectError{Addr: cfg.Addr, Err: ctx.Err()}
	}
	if err != nil {
		conn.Close()
		var hke *HostKeyError
		if errors.As(err, &hke) {
			return nil, hke
		}
		return nil, &ConnectError{Addr: cfg.Addr, User: cfg.User, Err: err,
			Unreached: cutOff(err), Local: hostOf(conn.LocalAddr())}
	}
	_ = conn.SetDeadline(time.Time{})
	return &Client{cfg: cfg, conn: ssh.NewClient(sc, chans, reqs)}, nil
}

// ConnectError is a failure to reach or log in to the instance.
type ConnectError struct {
	Addr string
	User string
	Err  error
	// Unreached is a connection that never got as far as the SSH server's greeting: refused, timed
	// out or cut off by the network (a firewall in the way), not a refused key or host key.
	Unreached bool
	// Local is this computer's address on the route to Addr ("" when unknown): behind NAT it is a
	// private address, not the one the instance would see.
	Local string
}

// Unreachable returns the dial error when err is a connection that never reached the SSH server
// (see ConnectError.Unreached), else nil.
func Unreachable(err error) *ConnectError {
	var ce *ConnectError
	if errors.As(err, &ce) && ce.Unreached {
		return ce
	}
	return nil
}

// cutOff reports whether a handshake error is the network ending the connection before the server
// spoke (EOF, reset, time-out), rather than the server refusing the login.
func cutOff(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || (errors.As(err, &ne) && ne.Timeout())
}

// routeSource is the local address the system would use to reach addr; no packet is sent.
func routeSource(addr string) string {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return ""
	}
	defer c.Close()
	return hostOf(c.LocalAddr())
}

func hostOf(a net.Addr) string {
	if a == nil {
		return ""
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return ""
	}
	return h
}

// Dropped reports whether err is the connection failing, so a command may or may not have run to
// its end (a write's rename may have happened): its outcome is unknown, not a failure.
func Dropped(err error) bool {
	var ce *ConnectError
	return errors.As(err, &ce)
}

func (e *ConnectError) Error() string {
	if e.User != "" {
		return fmt.Sprintf("SSH to %s@%s: %v", e.User, e.Addr, e.Err)
	}
	return fmt.Sprintf("SSH to %s: %v", e.Addr, e.Err)
}

func (e *ConnectError) Unwrap() error { return e.Err }

// HintText says what to check first.
func (e *ConnectError) HintText() string {
	if strings.Contains(e.Err.Error(), "unable to authenticate") {
		return "The server refused the key: check --ssh-user and --ssh-key (or use keyless access, the default)."
	}
	return "Check that the instance is running and that the Lightsail firewall lets this address reach port 22 (the lightsail-connect browser SSH still works if not)."
}

// Close ends the connection.
func (c *Client) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.conn.Close() })
	return c.closeErr
}

// Run runs a read-only command as the login user.
func (c *Client) Run(ctx context.Context, cmd string) (Result, error) {
	return c.exec(ctx, cmd, cmd, nil, false, false)
}

// Sudo runs cmd with `sudo -n sh -c`, stdin (may be nil) on its standard input. It counts as mutating.
func (c *Client) Sudo(ctx context.Context, cmd string, stdin []byte) (Result, error) {
	c.mutated()
	line := sudoLine(cmd)
	return c.exec(ctx, line, line, stdin, false, true)
}

// ReadFile reads one file with sudo (a missing file is Exists false, not an error).
func (c *Client) ReadFile(ctx context.Context, p string) (File, error) {
	f, err := c.gather(ctx, Query{Files: []string{p}}, false, "read "+p)
	if err != nil {
		return File{}, err
	}
	return f.Files[p], nil
}

// tmpPrefix starts the name of every temp file WriteFileAtomic makes beside its target.
const tmpPrefix = ".hardsail-tmp."

// WriteFileAtomic replaces path with data: temp file in the same directory, fsync, owner and mode,
// rename. A dropped connection leaves either the old file or the new one, never half of one.
// Empty owner means root; empty group, the owner's login group.
func (c *Client) WriteFileAtomic(ctx context.Context, p string, data []byte, mode fs.FileMode, owner, group string) error {
	if !path.IsAbs(p) || path.Clean(p) != p || p == "/" {
		return fmt.Errorf("write %s: not a clean absolute file path", p)
	}
	if owner == "" {
		owner = "root"
	}
	for _, n := range []string{owner, group} {
		if strings.ContainsAny(n, ":'\"\\ \t\n") {
			return fmt.Errorf("write %s: owner or group %q is not a user or group name", p, n)
		}
	}
	c.mutated()
	sum := sha256.Sum256(data)
	script := WriteScript(p, len(data), hex.EncodeToString(sum[:]), owner, group, mode)
	label := fmt.Sprintf("write %s (%d bytes, %04o %s:%s) via temp file, fsync, mv", p, len(data), uint32(mode.Perm()), owner, group)
	if _, err := c.exec(ctx, sudoLine(script), label, data, false, true); err != nil {
		var ce *ConnectError
		if errors.As(err, &ce) {
			return fmt.Errorf("write %s (it holds either its old or its new contents, never part of either): %w", p, err)
		}
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// RemoveFile deletes path with sudo; a missing file is not an error.
func (c *Client) RemoveFile(ctx context.Context, p string) error {
	if !path.IsAbs(p) || p == "/" {
		return fmt.Errorf("remove %s: not an absolute file path", p)
	}
	c.mutated()
	line := "sudo -n rm -f -- " + shellQuote(p)
	if _, err := c.exec(ctx, line, line, nil, false, true); err != nil {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	return nil
}

// Gather answers q in one remote command.
func (c *Client) Gather(ctx context.Context, q Query) (*Facts, error) {
	return c.gather(ctx, q, true, gatherLabel(q))
}

// LockDir holds the remote lock: root's own directory (created 0700 root:root, checked before
// every use), on /run, a tmpfs, so a reboot clears a stale holder note. The world-writable
// /run/lock is not used: any local user could hold a lock there and stall every run.
const LockDir = "/run/hardsail"

// LockPath is the remote lock file.
const LockPath = LockDir + "/lock"

// defaultLockTimeout is how long Lock waits for another run when the caller set no deadline.
const defaultLockTimeout = 2 * time.Minute

func (e *LockedError) Error() string {
	msg := "another hardsail run holds the lock on " + e.Host
	if e.Holder != "" {
		msg += " (" + e.Holder + ")"
	}
	if e.Waited > 0 {
		msg += fmt.Sprintf("; gave up after waiting %s", e.Waited.Round(time.Second))
	}
	return msg
}

// HintText says what to do about the other run.
func (e *LockedError) HintText() string {
	return "Wait for the other run to finish and try again; if none is running, its SSH session is stale: " +
		"reboot the instance or kill the flock process holding " + LockPath + "."
}

func (e *LockDirError) Error() string {
	return fmt.Sprintf("lock %s on %s: it is not root's own directory (found %s, want directory 0 0 700); nothing was changed",
		LockDir, e.Host, e.Found)
}

// HintText names the fix.
func (e *LockDirError) HintText() string {
	return "Someone other than hardsail made " + LockDir + ": look at it (sudo ls -ld " + LockDir + "), remove it as root, and run hardsail again."
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("another hardsail run is changing %s (%s): what it reads now may be half-applied", e.Host, e.Holder)
}

// HintText says what to do.
func (e *BusyError) HintText() string {
	return "Wait for the other run to finish, then check again (hardsail verify)."
}

// Lock takes the remote lock (flock on LockPath) for the life of the returned release. A second
// hardsail on the same host hears LockWaiting, waits up to ctx's deadline (or Config.LockTimeout),
// then fails with a LockedError naming the holder.
func (c *Client) Lock(ctx context.Context) (release func() error, err error) {
	c.lockMu.Lock()
	defer c.lockMu.Unlock()
	if c.lockHeld == 0 {
		rel, err := c.lock(ctx)
		if err != nil {
			return nil, err
		}
		c.lockRelease = rel
	}
	c.lockHeld++
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			c.lockMu.Lock()
			defer c.lockMu.Unlock()
			if c.lockHeld--; c.lockHeld == 0 {
				err = c.lockRelease()
			}
		})
		return err
	}, nil
}

// holdsLock reports whether this connection holds the remote lock.
func (c *Client) holdsLock() bool {
	c.lockMu.Lock()
	defer c.lockMu.Unlock()
	return c.lockHeld > 0
}

// lockSession is the running lock command: its stdin (closing it releases the lock) and its lines.
type lockSession struct {
	sess  *ssh.Session
	stdin io.WriteCloser
	lines chan string // closed when stdout ends
	errb  *bytes.Buffer
}

func (c *Client) startLock(line string) (*lockSession, error) {
	sess, err := c.conn.NewSession()
	if err != nil {
		return nil, fmt.Errorf("lock %s: open session: %w", LockPath, err)
	}
	ls := &lockSession{sess: sess, lines: make(chan string, 4), errb: &bytes.Buffer{}}
	stdout, err := sess.StdoutPipe()
	if err == nil {
		ls.stdin, err = sess.StdinPipe()
	}
	sess.Stderr = ls.errb
	if err == nil {
		err = sess.Start(line)
	}
	if err != nil {
		sess.Close()
		return nil, fmt.Errorf("lock %s: %w", LockPath, err)
	}
	go func() {
		defer close(ls.lines)
		r := bufio.NewReader(stdout)
		for {
			l, err := r.ReadString('\n')
			if l != "" {
				ls.lines <- l
			}
			if err != nil {
				return
			}
		}
	}()
	return ls, nil
}

func (c *Client) lock(ctx context.Context) (release func() error, err error) {
	start := time.Now()
	deadline := start.Add(cmp.Or(c.cfg.LockTimeout, defaultLockTimeout))
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	// Give up remotely a little before ctx does, so the answer names the holder: a quarter of the
	// time left (between 0.5 s and 3 s) is kept for the round trip, which a busy host slows.
	left := time.Until(deadline).Seconds()
	wait := fmt.Sprintf("%.1f", math.Max(0, left-math.Min(3, math.Max(0.5, left/4))))
	line := "sudo -n sh -c " + shellQuote(LockScript(wait)) + ` sh "${SSH_CLIENT%% *}"`
	label := "lock " + LockPath + " (flock, held until release)"
	observe := func(exit int) {
		if c.cfg.Observer != nil {
			c.cfg.Observer(Command{Line: label, Exit: exit, Duration: time.Since(start)})
		}
	}
	ls, err := c.startLock(line)
	if err != nil {
		return nil, err
	}
	holder, waiting := "", false // what the host said while it waited: who holds the lock
	for {
		var l string
		var open bool
		select {
		case l, open = <-ls.lines:
		case <-ctx.Done():
			ls.sess.Close()
			observe(-1)
			if waiting && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				// The host's own give-up did not come back in time (a slow host): the holder is known.
				return nil, &LockedError{Host: c.cfg.Addr, Holder: holder, Waited: time.Since(start)}
			}
			return nil, fmt.Errorf("lock %s: %w", LockPath, ctx.Err())
		}
		tag, rest, _ := strings.Cut(strings.TrimSuffix(l, "\n"), "\t")
		switch {
		case open && tag == "wait":
			holder, waiting = holderNote(rest), true
			if c.cfg.LockWaiting != nil {
				c.cfg.LockWaiting(holder)
			}
			continue
		case open && tag == "locked":
			return ls.release(observe), nil
		}
		werr := ls.sess.Wait()
		ls.sess.Close()
		exit := exitStatus(werr)
		observe(exit)
		switch {
		case open && tag == "busy":
			return nil, &LockedError{Host: c.cfg.Addr, Holder: holderNote(rest), Waited: time.Since(start)}
		case open && tag == "unsafe":
			return nil, &LockDirError{Host: c.cfg.Addr, Found: Escape(rest)}
		}
		stderr := strings.TrimSpace(ls.errb.String())
		return nil, &ExitError{Cmd: label, Exit: exit, Stderr: Escape(stderr), Hint: sudoHint(stderr)}
	}
}

// release returns the function that lets go of a held lock: stdin closes, cat ends, the note is cleared.
func (ls *lockSession) release(observe func(int)) func() error {
	go func() {
		for range ls.lines {
		}
	}()
	var once sync.Once
	var relErr error
	return func() error {
		once.Do(func() {
			ls.stdin.Close()
			err := ls.sess.Wait()
			ls.sess.Close()
			observe(exitStatus(err))
			if err != nil {
				relErr = fmt.Errorf("release lock %s: %w", LockPath, err)
			}
		})
		return relErr
	}
}

// holderNote is a lock's base64 note as text fit for a terminal.
func holderNote(b64 string) string {
	return Escape(strings.TrimSpace(decodeB64(strings.TrimSpace(b64))))
}

// Probe opens a fresh connection with the same config, runs `true`, and closes it: "can the user
// still get in?" (the firewall's lockout guard).
func (c *Client) Probe(ctx context.Context) error {
	p, err := Dial(ctx, c.cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	_, err = p.Run(ctx, "true")
	return err
}

// Redial opens a new connection with the same config (a fresh login: a change to sshd is proven by
// a connection it accepted after the change). Its mutations count as this client's.
func (c *Client) Redial(ctx context.Context) (*Client, error) {
	n, err := Dial(ctx, c.cfg)
	if err != nil {
		return nil, err
	}
	n.parent = c
	return n, nil
}

// SudoRead runs cmd with `sudo -n sh -c` for a command that only reads but needs root (sshd -T
// reads the host keys). It does not count as mutating; the caller vouches that it changes nothing.
func (c *Client) SudoRead(ctx context.Context, cmd string) (Result, error) {
	line := sudoLine(cmd)
	return c.exec(ctx, line, line, nil, true, false)
}

// Mutations counts the mutating calls made so far (Sudo, WriteFileAtomic, RemoveFile), those of
// connections redialled from this one included.
func (c *Client) Mutations() int { return int(c.mutations.Load()) }

func (c *Client) mutated() {
	for c.parent != nil {
		c = c.parent
	}
	c.mutations.Add(1)
}

// exec runs line in a new session. stdin nil and holdStdin set keeps stdin open and silent until the
// command exits, which saves the client's EOF message racing the reply (one turn less).
func (c *Client) exec(ctx context.Context, line, label string, stdin []byte, holdStdin, mutating bool) (Result, error) {
	start := time.Now()
	res, err := c.execRaw(ctx, line, stdin, holdStdin)
	if c.cfg.Observer != nil {
		exit := res.Exit
		if err != nil && res.Exit == 0 {
			exit = -1
		}
		c.cfg.Observer(Command{Line: label, Mutating: mutating, Exit: exit, Duration: time.Since(start)})
	}
	if err != nil {
		return res, err
	}
	if res.Exit != 0 {
		stderr := strings.TrimSpace(string(res.Stderr))
		return res, &ExitError{Cmd: label, Exit: res.Exit, Stderr: stderr, Hint: sudoHint(stderr)}
	}
	return res, nil
}

func exitStatus(err error) int {
	var ee *ssh.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitStatus()
	}
	return -1
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("%s: exit status %d", e.Cmd, e.Exit)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// HintText is set when the failure's cause is known.
func (e *ExitError) HintText() string { return e.Hint }

// sudoHint recognises sudo refusing to run without a password.
func sudoHint(stderr string) string {
	if strings.Contains(stderr, "sudo: a password is required") || strings.Contains(stderr, "sudo: a terminal is required") ||
		strings.Contains(stderr, "may not run sudo") || strings.Contains(stderr, "is not in the sudoers file") {
		return "The SSH user needs passwordless sudo; on Lightsail bitnami has it (use --ssh-user bitnami)."
	}
	return ""
}

func sudoLine(script string) string { return "sudo -n sh -c " + shellQuote(script) }

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

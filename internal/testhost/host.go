//go:build linux

// Package testhost starts real Debian 12 hosts laid out like an AWS Lightsail WordPress instance
// of either blueprint flavour (packaged by Bitnami, the default, or by Lightsail: Options.Flavour),
// each with its own OpenSSH server on 127.0.0.1, for tests that must talk to a real sshd, sudo and
// apt rather than a fake; and an OS-only Ubuntu 24.04 host (Options.OS) for the steps that configure
// the operating system.
//
// One rootfs per flavour (and the Ubuntu one) is built with mmdebstrap and cached outside the repo (see EnsureBaseFor); each
// instance overlays it with a tmpfs in private mount/UTS/IPC/PID namespaces and chroots
// sshd into the result. Instances need root; see Start for the skip rule.
package testhost

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"github.com/hardsail/hardsail/internal/hostmanifest"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// User is the login user on a Bitnami instance; Host.User is the one of each instance.
const User = "bitnami"

// Options configure one instance.
type Options struct {
	// Flavour is hostmanifest.Bitnami (default, login bitnami) or hostmanifest.Lightsail (login admin).
	Flavour string
	// DB is DBMySQL (default) or DBMariaDB: which of /opt/bitnami/{mysql,mariadb} exists (Bitnami only).
	DB string
	// OS is "" or Debian12 (the blueprint flavours' system), or Ubuntu2404: an OS-only Ubuntu 24.04
	// host with login ubuntu and no WordPress layout (Flavour and DB must then be empty).
	OS                string
	TrustedUserCAKeys []byte // authorized_keys-format CA line(s) sshd trusts for certificate login
}

// Host is one running instance. There is no systemd: sshd runs in the foreground under a
// chrooted sh (PID 1), so systemctl does not work; if sshd dies, Root stays readable until Close.
type Host struct {
	Addr    string        // 127.0.0.1:PORT
	Port    int           // sshd's port on 127.0.0.1
	User    string        // the flavour's login: "bitnami" or "admin"
	HostKey ssh.PublicKey // ed25519, generated for this instance
	Signer  ssh.Signer    // a key in User's authorized_keys
	Root    string        // host-side path of the instance's / (/proc/PID/root), for assertions
	DB      string        // the DB variant it was started with ("" on Lightsail and Ubuntu)
	Flavour string        // hostmanifest.Bitnami or hostmanifest.Lightsail ("" on Ubuntu)
	OS      string        // Debian12 or Ubuntu2404

	cmd    *exec.Cmd
	dir    string // host-side instance dir: seed files and mount points
	pidNS  string // namespace ids, to prove teardown left no process behind
	mntNS  string
	pid1   int // host pid of the namespace's init (a chrooted sh whose child is sshd)
	log    *syncBuffer
	exited chan struct{} // closed once unshare is reaped
	mu     sync.Mutex
	client *ssh.Client

	closeOnce sync.Once
	closeErr  error
}

// RequireEnv, set to "1", makes a missing prerequisite fatal instead of a skip; CI sets it.
const RequireEnv = "HARDSAIL_REQUIRE_TESTHOST"

// Unavailable names what this machine lacks to build and run instances, or "" when nothing.
func Unavailable() string {
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "not running as root")
	}
	for _, tool := range []string{"mmdebstrap", "zstd", "tar", "unshare", "mount", "chroot", "apt-get", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool+" not found")
		}
	}
	if fsys, err := os.ReadFile("/proc/filesystems"); err != nil || !bytes.Contains(fsys, []byte("\toverlay\n")) {
		missing = append(missing, "kernel has no overlayfs")
	}
	return strings.Join(missing, ", ")
}

// Require skips t when this machine cannot run instances (not root, tools missing),
// or fails it when HARDSAIL_REQUIRE_TESTHOST=1, as CI sets: real-host tests must not vanish there.
func Require(t testing.TB) {
	t.Helper()
	if m := Unavailable(); m != "" {
		msg := "testhost: needs root and mmdebstrap (run scripts/testhost-deps): " + m
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// Start boots an instance (see Require for when it skips) and closes it when t ends,
// failing t if the teardown leaves a process or mount behind.
func Start(t testing.TB, opts Options) *Host {
	t.Helper()
	Require(t)
	h, err := New(opts)
	if err != nil {
		t.Fatalf("testhost: %v", err)
	}
	t.Cleanup(func() {
		log := h.log.String() // before teardown adds unshare's own complaints
		if err := h.Close(); err != nil {
			t.Errorf("testhost: %v", err)
		}
		if t.Failed() {
			t.Logf("testhost: sshd log of %s:\n%s", h.Addr, tail(log, 60))
		}
	})
	return h
}

// New boots an instance without a testing.TB (benchmarks, TestMain); the caller must Close it.
// It builds the rootfs first if the cache lacks it.
func New(opts Options) (*Host, error) {
	login, base, err := prepare(&opts)
	if err != nil {
		return nil, err
	}
	// A port picked free can be taken before sshd binds it; that is the only failure worth retrying.
	for attempt := 1; ; attempt++ {
		h, retry, err := start(base.Dir, login, opts)
		if err == nil {
			return h, nil
		}
		if !retry || attempt == 3 {
			return nil, err
		}
	}
}

// prepare checks and completes opts, then returns the instance's login and its (built) base.
func prepare(opts *Options) (login string, base *Base, err error) {
	recipe := opts.Flavour
	switch opts.OS {
	case "", Debian12:
		opts.OS = Debian12
	case Ubuntu2404:
		if opts.Flavour != "" || opts.DB != "" {
			return "", nil, fmt.Errorf("testhost options: OS %q is an OS-only host with no WordPress layout (leave Flavour and DB empty)", opts.OS)
		}
		base, err := EnsureBaseFor(context.Background(), Ubuntu2404, nil)
		return UbuntuUser, base, err
	default:
		return "", nil, fmt.Errorf("testhost options: unknown OS %q (want %q or %q)", opts.OS, Debian12, Ubuntu2404)
	}
	m, err := hostmanifest.For(opts.Flavour)
	if err != nil {
		return "", nil, fmt.Errorf("testhost options: %w", err)
	}
	opts.Flavour = m.Flavour
	switch {
	case opts.Flavour == Lightsail && opts.DB != "":
		return "", nil, fmt.Errorf("testhost options: DB %q is a Bitnami variant; the Lightsail flavour has one layout (leave DB empty)", opts.DB)
	case opts.Flavour == Lightsail:
	case opts.DB == "":
		opts.DB = DBMySQL
	case opts.DB != DBMySQL && opts.DB != DBMariaDB:
		return "", nil, fmt.Errorf("testhost options: unknown DB %q (want %q or %q)", opts.DB, DBMySQL, DBMariaDB)
	}
	base, err = EnsureBaseFor(context.Background(), recipe, nil)
	return m.User, base, err
}

// Close stops the instance and verifies no process or mount of it is left; later calls return the first result.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		if err := h.stop(); err != nil {
			h.closeErr = fmt.Errorf("stopping instance %s: %w", h.Addr, err)
		}
	})
	return h.closeErr
}

// setupScript runs as PID 1 of the new namespaces: it builds the instance's root, then
// execs into a chrooted shell that keeps sshd in the foreground and outlives it.
const setupScript = `set -eu
mount -t tmpfs -o mode=0755 testhost-rw "$I/rw"
mkdir "$I/rw/upper" "$I/rw/work"
mount -t overlay testhost -o "lowerdir=$BASE,upperdir=$I/rw/upper,workdir=$I/rw/work" "$R"
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$R/run"
mkdir -m 0755 "$R/run/sshd"
mkdir -m 1777 "$R/run/lock"
mount -t tmpfs -o mode=0755,nosuid tmpfs "$R/dev"
for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	IFS=: read -r name maj min <<EOD
$n
EOD
	mknod -m 0666 "$R/dev/$name" c "$maj" "$min"
done
mkdir "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$R/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
ln -s pts/ptmx "$R/dev/ptmx"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
printf '%s' "$HN" > /proc/sys/kernel/hostname
install -m 0600 -o 0 -g 0 "$I/seed/ssh_host_ed25519_key" "$R/etc/ssh/ssh_host_ed25519_key"
install -m 0644 -o 0 -g 0 "$I/seed/ssh_host_ed25519_key.pub" "$R/etc/ssh/ssh_host_ed25519_key.pub"
install -m 0644 -o 0 -g 0 "$I/seed/lightsail_instance_ca.pub" "$R/etc/ssh/lightsail_instance_ca.pub"
install -d -m 0700 -o 1000 -g 1000 "$R/home/$LOGIN/.ssh"
install -m 0600 -o 1000 -g 1000 "$I/seed/authorized_keys" "$R/home/$LOGIN/.ssh/authorized_keys"
if [ "$DB" = mariadb ]; then
	mv "$R/opt/bitnami/mysql" "$R/opt/bitnami/mariadb"
	touch -h -d "@$DIRMTIME" "$R/opt/bitnami"
fi
exec chroot "$R" /bin/sh -c '/usr/sbin/sshd -D -e -p "$PORT" -o ListenAddress=127.0.0.1 & wait $!
echo "testhost: sshd exited with status $?" >&2
exec sleep infinity'
`

// sshdExited is what PID 1 prints when sshd ends; the namespace (and Root) outlive it.
const sshdExited = "testhost: sshd exited"

func start(baseDir, login string, opts Options) (h *Host, retry bool, err error) {
	if strings.ContainsAny(baseDir, ",:") {
		return nil, false, fmt.Errorf("base dir %q: overlayfs cannot take ',' or ':' in lowerdir", baseDir)
	}
	_, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	hostSigner, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	_, userPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, fmt.Errorf("user key: %w", err)
	}
	userSigner, err := ssh.NewSignerFromKey(userPriv)
	if err != nil {
		return nil, false, fmt.Errorf("user key: %w", err)
	}
	hostPEM, err := ssh.MarshalPrivateKey(hostPriv, "")
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}

	dir, err := os.MkdirTemp("", "hardsail-testhost-")
	if err != nil {
		return nil, false, fmt.Errorf("instance dir: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	seed := filepath.Join(dir, "seed")
	for _, d := range []string{seed, filepath.Join(dir, "rw"), filepath.Join(dir, "root")} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, false, fmt.Errorf("instance dir %s: %w", d, err)
		}
	}
	for name, data := range map[string][]byte{
		"ssh_host_ed25519_key":      pem.EncodeToMemory(hostPEM),
		"ssh_host_ed25519_key.pub":  ssh.MarshalAuthorizedKey(hostSigner.PublicKey()),
		"authorized_keys":           ssh.MarshalAuthorizedKey(userSigner.PublicKey()),
		"lightsail_instance_ca.pub": opts.TrustedUserCAKeys,
	} {
		if err := os.WriteFile(filepath.Join(seed, name), data, 0o600); err != nil {
			return nil, false, fmt.Errorf("instance seed %s: %w", name, err)
		}
	}

	port, err := freePort()
	if err != nil {
		return nil, false, err
	}
	h = &Host{
		Addr:    net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Port:    port,
		User:    login,
		HostKey: hostSigner.PublicKey(),
		Signer:  userSigner,
		DB:      opts.DB,
		Flavour: opts.Flavour,
		OS:      opts.OS,
		dir:     dir,
		log:     &syncBuffer{},
	}
	h.cmd = exec.Command("unshare", "--mount", "--uts", "--ipc", "--pid", "--fork", "--kill-child", "--propagation", "private",
		"/bin/sh", "-c", setupScript)
	h.cmd.Env = []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LANG=C.UTF-8",
		"I=" + dir,
		"R=" + filepath.Join(dir, "root"),
		"BASE=" + baseDir,
		"HN=" + Hostname,
		"DB=" + opts.DB,
		"LOGIN=" + login,
		"PORT=" + strconv.Itoa(port),
		"DIRMTIME=" + strconv.FormatInt(hostmanifest.DirMTime.Unix(), 10),
	}
	h.cmd.Stdout = h.log
	h.cmd.Stderr = h.log
	// Own process group so teardown can SIGKILL it whole; die with the test binary.
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := h.cmd.Start(); err != nil {
		return nil, false, fmt.Errorf("unshare for instance %s: %w", h.Addr, err)
	}
	h.exited = make(chan struct{})
	go func() { h.cmd.Wait(); close(h.exited) }()

	if err := h.waitReady(15 * time.Second); err != nil {
		h.kill()
		retry = strings.Contains(h.log.String(), "Address already in use")
		return nil, retry, fmt.Errorf("instance %s: %w\n%s", h.Addr, err, tail(h.log.String(), 30))
	}
	return h, false, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("picking a port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady waits until sshd answers with its banner, then records the namespace's PID 1.
func (h *Host) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for ; time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		select {
		case <-h.exited:
			return errors.New("unshare exited before sshd listened")
		default:
		}
		if strings.Contains(h.log.String(), sshdExited) {
			return errors.New("sshd exited at startup")
		}
		if h.pid1 == 0 {
			h.pid1 = childOf(h.cmd.Process.Pid)
			continue
		}
		if bannerAt(h.Addr) {
			h.Root = fmt.Sprintf("/proc/%d/root", h.pid1)
			var err error
			if h.pidNS, err = os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", h.pid1)); err != nil {
				return fmt.Errorf("pid namespace: %w", err)
			}
			if h.mntNS, err = os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", h.pid1)); err != nil {
				return fmt.Errorf("mount namespace: %w", err)
			}
			return nil
		}
	}
	return fmt.Errorf("sshd not answering after %s", timeout)
}

// childOf returns the first child of pid, 0 while it has none.
func childOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(f[0])
	return n
}

// bannerAt reports whether an SSH server answers at addr; a bare TCP accept could be another listener.
func bannerAt(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4)
	_, err = io.ReadFull(c, buf)
	return err == nil && string(buf) == "SSH-"
}

// kill takes the namespace down. PID 1 goes first so unshare reaps it at once; killing
// unshare first orphans PID 1 to the machine's init, which may take seconds to reap the zombie.
// Then the whole unshare process group (unshare ignores SIGTERM, hence KILL).
func (h *Host) kill() {
	select {
	case <-h.exited:
	default:
		// While unshare lives it has not reaped pid1, so the pid cannot have been reused.
		if h.pid1 != 0 {
			syscall.Kill(h.pid1, syscall.SIGKILL)
			select {
			case <-h.exited:
			case <-time.After(5 * time.Second):
			}
		}
	}
	syscall.Kill(-h.cmd.Process.Pid, syscall.SIGKILL)
	<-h.exited
}

// stop tears the instance down and checks that no process or mount of it survives.
func (h *Host) stop() error {
	h.mu.Lock()
	if h.client != nil {
		h.client.Close()
		h.client = nil
	}
	h.mu.Unlock()
	h.kill()
	var left []string
	// A killed process stuck in uninterruptible I/O goes only when its I/O ends: on a machine busy
	// with four test packages and their hosts' disks that took over 10 s once.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		left = h.leftovers()
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("left behind: %s", strings.Join(left, "; "))
	}
	if err := os.RemoveAll(h.dir); err != nil {
		return fmt.Errorf("instance dir %s: %w", h.dir, err)
	}
	return nil
}

// leftovers lists processes still in the instance's namespaces and host mounts under its dir.
func (h *Host) leftovers() []string {
	var left []string
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		if _, err := strconv.Atoi(p.Name()); err != nil {
			continue
		}
		pidNS, _ := os.Readlink("/proc/" + p.Name() + "/ns/pid")
		mntNS, _ := os.Readlink("/proc/" + p.Name() + "/ns/mnt")
		if pidNS == h.pidNS || mntNS == h.mntNS {
			left = append(left, "process "+p.Name())
		}
	}
	mounts, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return append(left, "reading /proc/self/mounts: "+err.Error())
	}
	for line := range strings.Lines(string(mounts)) {
		if strings.Contains(line, h.dir) {
			left = append(left, "mount "+strings.TrimSpace(line))
		}
	}
	return left
}

// ClientConfig logs in as User with Signer and accepts only this instance's ed25519 host key.
func (h *Host) ClientConfig() *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User:            h.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(h.Signer)},
		HostKeyCallback: ssh.FixedHostKey(h.HostKey),
		// Pinned, or the server may offer its RSA/ECDSA keys first and FixedHostKey rejects them.
		HostKeyAlgorithms: []string{ssh.KeyAlgoED25519},
		Timeout:           10 * time.Second,
	}
}

// Dial opens a new SSH connection as User, closed when t ends.
func (h *Host) Dial(t testing.TB) *ssh.Client {
	t.Helper()
	c, err := ssh.Dial("tcp", h.Addr, h.ClientConfig())
	if err != nil {
		t.Fatalf("testhost: ssh to %s: %v", h.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Run runs cmd over SSH as User (sudo -n works) and returns its output and exit status
// (128+N when killed by signal N). Transport failures are fatal to t.
func (h *Host) Run(t testing.TB, cmd string) (stdout, stderr string, exit int) {
	t.Helper()
	sess, err := h.session()
	if err != nil {
		t.Fatalf("testhost: session on %s: %v", h.Addr, err)
	}
	defer sess.Close()
	// Separate buffers: the session copies stdout and stderr concurrently.
	var so, se bytes.Buffer
	sess.Stdout = &so
	sess.Stderr = &se
	err = sess.Run(cmd)
	var ee *ssh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		exit = ee.ExitStatus()
	default:
		t.Fatalf("testhost: running %q on %s: %v\nstdout: %s\nstderr: %s", cmd, h.Addr, err, so.String(), se.String())
	}
	return so.String(), se.String(), exit
}

// session opens a session on the shared connection, redialling once if it died (e.g. sshd restarted).
func (h *Host) session() (*ssh.Session, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if h.client == nil {
			c, err := ssh.Dial("tcp", h.Addr, h.ClientConfig())
			if err != nil {
				return nil, err
			}
			h.client = c
		}
		s, err := h.client.NewSession()
		if err == nil || attempt == 1 {
			return s, err
		}
		h.client.Close()
		h.client = nil
	}
}

// TreeHash describes every file under paths (absolute paths inside the instance), read host-side
// through Root: "sha256:HEX MODE UID:GID" for regular files, "dir MODE UID:GID", "symlink -> TARGET UID:GID",
// and "absent" for a given path that does not exist. Equal maps mean equal bytes, modes and owners.
func (h *Host) TreeHash(t testing.TB, paths ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range paths {
		if !filepath.IsAbs(p) {
			t.Fatalf("testhost: TreeHash path %q is not absolute", p)
		}
		top := filepath.Join(h.Root, p)
		err := filepath.WalkDir(top, func(hp string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			st := info.Sys().(*syscall.Stat_t)
			owner := fmt.Sprintf("%d:%d", st.Uid, st.Gid)
			rel := "/" + strings.TrimPrefix(strings.TrimPrefix(hp, h.Root), "/")
			switch {
			case d.Type().IsRegular():
				sum, err := fileSHA256(hp)
				if err != nil {
					return err
				}
				out[rel] = fmt.Sprintf("sha256:%s %v %s", sum, info.Mode(), owner)
			case d.IsDir():
				out[rel] = fmt.Sprintf("dir %v %s", info.Mode(), owner)
			case d.Type()&fs.ModeSymlink != 0:
				target, err := os.Readlink(hp)
				if err != nil {
					return err
				}
				out[rel] = fmt.Sprintf("symlink -> %s %s", target, owner)
			default:
				out[rel] = fmt.Sprintf("%v %s", info.Mode(), owner)
			}
			return nil
		})
		if errors.Is(err, fs.ErrNotExist) && filepath.Clean(p) != "/" {
			if _, serr := os.Lstat(top); errors.Is(serr, fs.ErrNotExist) {
				out[filepath.Clean(p)] = "absent"
				continue
			}
		}
		if err != nil {
			t.Fatalf("testhost: TreeHash %s on %s: %v", p, h.Addr, err)
		}
	}
	return out
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := sha256.New()
	if _, err := io.Copy(s, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(s.Sum(nil)), nil
}

// syncBuffer collects sshd's log while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

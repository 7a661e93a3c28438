package logcleanup

import (
	"net"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/remote/sshhost"
)

// syslog is a socket bound at the host's /dev/log (there is no syslog daemon on the test host), so
// a test sees what logger and cron send.
type syslog struct {
	h    *testhost.Host
	msgs chan string
}

func listenSyslog(t *testing.T, h *testhost.Host) *syslog {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(h.Root, "dev/log"), Net: "unixgram"})
	if err != nil {
		t.Fatalf("bind the test host's /dev/log: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	// Everyone may log, as with the real /dev/log.
	if err := os.Chmod(filepath.Join(h.Root, "dev/log"), 0o666); err != nil {
		t.Fatal(err)
	}
	s := &syslog{h: h, msgs: make(chan string, 1024)}
	go func() {
		defer close(s.msgs)
		buf := make([]byte, 64*1024)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			s.msgs <- string(buf[:n])
		}
	}()
	return s
}

// until returns the messages received up to and including the first one that contains marker.
func (s *syslog) until(t *testing.T, marker string) []string {
	t.Helper()
	var got []string
	deadline := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-s.msgs:
			if !ok {
				t.Fatalf("syslog socket closed before %q arrived; got %q", marker, got)
			}
			got = append(got, m)
			if strings.Contains(m, marker) {
				return got
			}
		case <-deadline:
			t.Fatalf("no syslog message with %q; got %q", marker, got)
		}
	}
}

// drain returns every message sent so far: it sends a marker and reads up to it (one socket, FIFO).
func (s *syslog) drain(t *testing.T) []string {
	t.Helper()
	marker := "hardsail-test-marker-" + time.Now().Format("150405.000000000")
	if _, se, rc := s.h.Run(t, "logger -t hardsail-test "+marker); rc != 0 {
		t.Fatalf("logger marker: exit %d: %s", rc, se)
	}
	got := s.until(t, marker)
	return got[:len(got)-1]
}

// tagged returns the message texts of the given syslog tag.
func tagged(msgs []string, tag string) []string {
	var out []string
	for _, m := range msgs {
		if _, text, ok := strings.Cut(m, " "+tag+": "); ok {
			out = append(out, text)
		}
	}
	return out
}

// listing reads the log directories host-side through Root, as Gather reports them: regular files
// and symlinks directly inside each existing directory.
func listing(t *testing.T, h *testhost.Host) (exists map[string]bool, entries []sshhost.DirEntry) {
	t.Helper()
	exists = map[string]bool{}
	for _, d := range LogDirs() {
		des, err := os.ReadDir(filepath.Join(h.Root, d))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatalf("list %s: %v", d, err)
		}
		exists[d] = true
		for _, de := range des {
			info, err := de.Info()
			if err != nil {
				t.Fatalf("stat %s/%s: %v", d, de.Name(), err)
			}
			if !info.Mode().IsRegular() && info.Mode()&os.ModeSymlink == 0 {
				continue
			}
			entries = append(entries, sshhost.DirEntry{Path: path.Join(d, de.Name()), Size: info.Size(),
				ModTime: info.ModTime().UTC(), Symlink: info.Mode()&os.ModeSymlink != 0})
		}
	}
	return exists, entries
}

// put writes a file host-side through Root with the given mtime, owned by root.
func put(t *testing.T, h *testhost.Host, p string, body string, mtime time.Time) {
	t.Helper()
	hp := filepath.Join(h.Root, p)
	if err := os.WriteFile(hp, []byte(body), 0o644); err != nil {
		t.Fatalf("write %q: %v", p, err)
	}
	if err := os.Chtimes(hp, mtime, mtime); err != nil {
		t.Fatalf("touch %q: %v", p, err)
	}
}

// putSymlink makes a symlink host-side; its own mtime is whenever the test ran.
func putSymlink(t *testing.T, h *testhost.Host, target, p string) {
	t.Helper()
	if err := os.Symlink(target, filepath.Join(h.Root, p)); err != nil {
		t.Fatalf("symlink %q: %v", p, err)
	}
}

package sshhost_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/remote/sshhost"
)

// cuttingConn stalls the first Write that takes the armed byte count past limit, until the test
// cuts the connection: a network that dies in the middle of an upload.
type cuttingConn struct {
	net.Conn
	mu      sync.Mutex
	armed   bool
	written int
	limit   int
	reached chan struct{}
	cut     chan struct{}
	once    sync.Once
}

func (c *cuttingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	stall := false
	if c.armed {
		c.written += len(p)
		stall = c.written > c.limit
	}
	c.mu.Unlock()
	if stall {
		c.once.Do(func() { close(c.reached) })
		<-c.cut
		return 0, net.ErrClosed
	}
	return c.Conn.Write(p)
}

func (c *cuttingConn) arm() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed = true
}

// waitFor polls cond until it holds or the deadline passes (a condition, not a guess at timing).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWriteFileAtomicSurvivesDroppedConnection(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	const target = "/etc/hardsail-big.conf"
	rootRun(t, h, "printf 'old contents\\n' > "+target+" && chmod 0644 "+target)

	var cc *cuttingConn
	cfg := pinnedConfig(h, nil)
	cfg.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cc = &cuttingConn{Conn: conn, limit: 1 << 20, reached: make(chan struct{}), cut: make(chan struct{})}
		return cc, nil
	}
	c := dial(t, cfg)
	body := make([]byte, 8<<20)
	if _, err := rand.Read(body); err != nil {
		t.Fatal(err)
	}
	cc.arm()
	done := make(chan error, 1)
	go func() { done <- c.WriteFileAtomic(context.Background(), target, body, 0o644, "root", "root") }()

	select {
	case <-cc.reached:
	case err := <-done:
		t.Fatalf("write finished (%v) before the connection was cut", err)
	}
	// The upload is mid-way: the temp file exists beside the target. Now the network dies.
	waitFor(t, "the temp file", func() bool { return len(tempFiles(t, h, "/etc")) > 0 })
	cc.Conn.Close()
	close(cc.cut)
	err := <-done
	if err == nil {
		t.Fatal("WriteFileAtomic reported success over a dropped connection")
	}
	t.Logf("write over the dropped connection: %v", err)

	// The remote side sees stdin end early, finds the body incomplete and removes its temp file.
	waitFor(t, "the interrupted write to clean up", func() bool { return len(tempFiles(t, h, "/etc")) == 0 })
	if _, _, _, got := stat(t, h, target); string(got) != "old contents\n" {
		t.Fatalf("target after the dropped write: %d bytes, want the old contents", len(got))
	}

	// A write killed outright (SIGKILL, reboot) can leave a temp file; the next write removes it.
	stray := filepath.Join(h.Root, "/etc/.hardsail-tmp.hardsail-big.conf.Zx81Qa")
	if err := os.WriteFile(stray, body[:4096], 0o600); err != nil {
		t.Fatal(err)
	}
	c2 := dial(t, pinnedConfig(h, nil))
	if err := c2.WriteFileAtomic(ctxT(t), target, body, 0o644, "root", "root"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, got := stat(t, h, target); !bytes.Equal(got, body) {
		t.Fatalf("target after a clean write: %d bytes, want the %d-byte body", len(got), len(body))
	}
	assertNoTempFiles(t, h, "/etc")
}

func TestLock(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	a := dial(t, pinnedConfig(h, nil))
	b := dial(t, pinnedConfig(h, nil))

	releaseA, err := a.Lock(ctxT(t))
	if err != nil {
		t.Fatalf("first lock: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, err = b.Lock(ctx)
	var le *sshhost.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second holder: %v (%T), want a LockedError", err, err)
	}
	if !strings.Contains(le.Holder, "127.0.0.1") || !strings.Contains(err.Error(), "127.0.0.1") || le.HintText() == "" {
		t.Errorf("LockedError %q (holder %q) does not name the other run's address", err, le.Holder)
	}

	// The run holds the lock and a step takes it again on the same connection: no self-deadlock,
	// and the lock stays until the outer holder lets go.
	inner, err := a.Lock(ctx)
	if err != nil {
		t.Fatalf("re-entrant lock on the holder's connection: %v", err)
	}
	if err := inner(); err != nil {
		t.Fatalf("inner release: %v", err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancelShort()
	if _, err := b.Lock(short); !errors.As(err, &le) {
		t.Fatalf("after the inner release another run got the lock (%v)", err)
	}
	if err := releaseA(); err != nil {
		t.Fatalf("release: %v", err)
	}
	if err := releaseA(); err != nil {
		t.Fatalf("second release: %v", err)
	}
	releaseB, err := b.Lock(ctxT(t))
	if err != nil {
		t.Fatalf("lock after the first holder released: %v", err)
	}
	// A holder whose connection dies lets go: the lock never outlives its run.
	b.Close()
	c := dial(t, pinnedConfig(h, nil))
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	releaseC, err := c.Lock(ctx2)
	if err != nil {
		t.Fatalf("lock after the holder's connection closed: %v", err)
	}
	if err := releaseC(); err != nil {
		t.Fatal(err)
	}
	_ = releaseB // its connection is gone; releasing it would only report that
	if a.Mutations()+c.Mutations() != 0 {
		t.Errorf("locking counted as %d mutations", a.Mutations()+c.Mutations())
	}
}

//go:build linux

package testhost_test

import (
	"context"
	"net"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/hardsail/hardsail/internal/testhost"
)

// scriptConn answers every Read with len(p) bytes and accepts every Write, so a test
// decides the exact sequence of calls CountingConn sees.
type scriptConn struct{ net.Conn }

func (scriptConn) Read(p []byte) (int, error)  { return len(p), nil }
func (scriptConn) Write(p []byte) (int, error) { return len(p), nil }

func TestCountingConnTurns(t *testing.T) {
	cases := []struct {
		name      string
		ops       string // w = write 10 bytes, r = read 7 bytes
		wantTurns int
	}{
		{"nothing", "", 0},
		{"read before any write is no turn", "r", 0},
		{"write without answer is no turn", "w", 0},
		{"write then read", "wr", 1},
		{"pipelined writes, one answer", "wwwr", 1},
		{"answer split across reads", "wrrr", 1},
		{"two exchanges", "wrwr", 2},
		{"server speaks first", "rwrwr", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cc := testhost.NewCountingConn(scriptConn{})
			var wantIn, wantOut int64
			for _, op := range c.ops {
				if op == 'w' {
					cc.Write(make([]byte, 10))
					wantOut += 10
				} else {
					cc.Read(make([]byte, 7))
					wantIn += 7
				}
			}
			got := cc.Stats()
			want := testhost.Stats{Turns: c.wantTurns, BytesIn: wantIn, BytesOut: wantOut}
			if got != want {
				t.Errorf("ops %q: %+v, want %+v", c.ops, got, want)
			}
		})
	}
}

func TestCountingConnConcurrent(t *testing.T) {
	cc := testhost.NewCountingConn(scriptConn{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				cc.Write(make([]byte, 3))
				cc.Read(make([]byte, 5))
				cc.Turns()
			}
		})
	}
	wg.Wait()
	in, out := cc.Bytes()
	if in != 8*1000*5 || out != 8*1000*3 {
		t.Errorf("bytes in/out = %d/%d, want %d/%d", in, out, 8*1000*5, 8*1000*3)
	}
	if n := cc.Turns(); n < 1 || n > 8000 {
		t.Errorf("turns = %d, want 1..8000", n)
	}
}

// TestSSHTurns measures a real handshake and exec against sshd. Measured here: handshake+auth 7
// (6 when the client's reader goroutine takes the server's KEXINIT before its own KEXINIT is
// written, seen under -race), exec 2 with stdin held open, 3 with nil stdin (the stdin EOF
// can race the reply, design.md's "≈3"). Exec must be identical run after run and the
// handshake within one turn, or the counter is useless as a latency proxy.
func TestSSHTurns(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	const runs = 8
	minHS, maxHS := 1<<30, 0
	for i := range runs {
		client, cc, err := testhost.DialSSH(context.Background(), h.Addr, h.ClientConfig())
		if err != nil {
			t.Fatal(err)
		}
		handshake := cc.Stats()
		exec := countExec(t, client, cc, false)
		execNilStdin := countExec(t, client, cc, true)
		client.Close()
		t.Logf("run %d: handshake+auth %+v, exec %+v, exec with nil stdin %+v", i, handshake, exec, execNilStdin)
		if handshake.Turns < 6 || handshake.Turns > 8 || exec.Turns != 2 || execNilStdin.Turns < 2 || execNilStdin.Turns > 3 {
			t.Errorf("run %d: turns: handshake %d (want 6..8), exec %d (want 2), exec with nil stdin %d (want 2..3)",
				i, handshake.Turns, exec.Turns, execNilStdin.Turns)
		}
		minHS, maxHS = min(minHS, handshake.Turns), max(maxHS, handshake.Turns)
	}
	if maxHS-minHS > 1 {
		t.Errorf("handshake turns ranged %d..%d over %d runs; want a spread of at most 1", minHS, maxHS, runs)
	}
}

// countExec runs one command on a new session and returns what it cost on cc.
func countExec(t *testing.T, client *ssh.Client, cc *testhost.CountingConn, nilStdin bool) testhost.Stats {
	t.Helper()
	before := cc.Stats()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if !nilStdin {
		// An open, never-closed stdin keeps the client silent until the server has answered.
		if _, err := sess.StdinPipe(); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := sess.Output("echo hi"); err != nil || string(out) != "hi\n" {
		t.Fatalf("exec: %q, %v", out, err)
	}
	return cc.Stats().Sub(before)
}

func TestCountingDialerTotals(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{})
	var d testhost.CountingDialer
	var sum testhost.Stats
	for range 2 {
		conn, err := d.DialContext(context.Background(), "tcp", h.Addr)
		if err != nil {
			t.Fatal(err)
		}
		sc, chans, reqs, err := ssh.NewClientConn(conn, h.Addr, h.ClientConfig())
		if err != nil {
			t.Fatal(err)
		}
		ssh.NewClient(sc, chans, reqs).Close()
		s := conn.(*testhost.CountingConn).Stats()
		sum.Turns += s.Turns
		sum.BytesIn += s.BytesIn
		sum.BytesOut += s.BytesOut
	}
	if n := len(d.Conns()); n != 2 {
		t.Fatalf("dialer kept %d conns, want 2", n)
	}
	if got := d.Stats(); got != sum || got.Turns < 12 {
		t.Errorf("dialer total %+v, want the two handshakes' sum %+v (≥12 turns)", got, sum)
	}
}
